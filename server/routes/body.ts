import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { ApiError } from '../errors.js';

async function readCapped(chunks: AsyncIterable<Uint8Array>, limit: number): Promise<string> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    size += chunk.length;
    if (size > limit) throw new ApiError('body_too_large');
    parts.push(chunk);
  }
  return Buffer.concat(parts).toString('utf8');
}

/**
 * Reads a JSON body of at most `limit` bytes. An empty body is `{}`; anything
 * else must be declared as JSON (a cross-site form cannot send that without a
 * CORS preflight) and parse. A declared length over the limit is refused
 * before reading; a chunked body is cut off as soon as it passes the limit.
 * On Node the socket stream is read directly, which is far cheaper than
 * building a web `ReadableStream` for every request.
 */
export async function readJson(c: Context, limit: number): Promise<unknown> {
  const declared = Number(c.req.header('content-length') ?? 'NaN');
  if (declared > limit) throw new ApiError('body_too_large');
  if (declared === 0) return {};
  const incoming = (c.env as { incoming?: Partial<IncomingMessage> } | undefined)?.incoming;
  const text = typeof incoming?.[Symbol.asyncIterator] === 'function'
    ? await readCapped(incoming as IncomingMessage, limit)
    : c.req.raw.body
      ? await readCapped(c.req.raw.body as unknown as AsyncIterable<Uint8Array>, limit)
      : '';
  if (text.trim() === '') return {};
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) throw new ApiError('unsupported_media_type');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError('invalid_json');
  }
}
