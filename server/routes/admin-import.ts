import type { IncomingMessage } from 'node:http';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { ApiError, parseInput } from '../errors.js';
import type { ImportFormat } from '../import/formats.js';
import { importUsers } from '../import/import.js';

/** The media type of each format (`application/x-ndjson`, also `application/jsonl`, is JSON lines). */
const MEDIA_TYPES: Record<string, ImportFormat> = {
  'application/x-ndjson': 'jsonl',
  'application/jsonl': 'jsonl',
  'text/csv': 'csv',
};

export const importQuery = z.object({ dryRun: z.enum(['true', 'false']).optional() }).strict();

/** The body's bytes as they arrive, refused with `body_too_large` past `limit` (rows before the limit stay imported). */
async function* capped(chunks: AsyncIterable<Uint8Array>, limit: number): AsyncGenerator<Uint8Array> {
  let size = 0;
  for await (const chunk of chunks) {
    size += chunk.length;
    if (size > limit) throw new ApiError('body_too_large');
    yield chunk;
  }
}

/** The request's body as a stream: on Node the socket's stream itself, elsewhere the web stream. */
function bodyStream(c: Context): AsyncIterable<Uint8Array> {
  const incoming = (c.env as { incoming?: Partial<IncomingMessage> } | undefined)?.incoming;
  if (typeof incoming?.[Symbol.asyncIterator] === 'function') return incoming as IncomingMessage;
  return (c.req.raw.body ?? []) as unknown as AsyncIterable<Uint8Array>;
}

/**
 * `POST /api/admin/users/import`: the people of an existing login, as JSON
 * lines (`application/x-ndjson`) or CSV (`text/csv`), streamed into the
 * store in batches (server/import/import.ts). Its own cap, IMPORT_MAX_BYTES,
 * replaces BODY_LIMIT_BYTES; a declared length over it is refused before
 * anything is read. Answers the import's report, as `import users --json`
 * prints it. Mounted by `adminRoutes`, behind its key.
 */
export function adminImportRoutes(app: AppContext): Hono {
  const routes = new Hono();
  routes.post('/users/import', async (c) => {
    const { dryRun } = parseInput(importQuery, c.req.query());
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const format = MEDIA_TYPES[type];
    if (!format) throw new ApiError('unsupported_media_type');
    const limit = app.config.importMaxBytes;
    if (Number(c.req.header('content-length') ?? 'NaN') > limit) throw new ApiError('body_too_large');
    const report = await importUsers(app, { source: capped(bodyStream(c), limit), format, dryRun: dryRun === 'true', actor: 'admin' });
    return c.json(report);
  });
  return routes;
}
