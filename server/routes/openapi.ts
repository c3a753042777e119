import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { chooseCoding } from '../compression.js';
import { buildOpenApiDocument } from '../openapi/document.js';

/** The document as sent: its JSON text and that text compressed, made once per process (about 90 KB of JSON). */
interface Prepared {
  etag: string;
  bodies: { identity: Buffer; br: Buffer; gzip: Buffer };
}

/** One per kind: with the dev outbox (outside production) or without. The document depends on nothing else. */
const prepared = new Map<boolean, Prepared>();

function prepare(development: boolean): Prepared {
  const text = Buffer.from(JSON.stringify(buildOpenApiDocument({ development })));
  return {
    // RFC 9110 §8.8.3: a strong validator of the exact bytes; the coding is part of the tag, as the bytes differ.
    etag: createHash('sha256').update(text).digest('base64url').slice(0, 27),
    bodies: {
      identity: text,
      br: brotliCompressSync(text, { params: { [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY, [zlib.BROTLI_PARAM_SIZE_HINT]: text.length } }),
      gzip: gzipSync(text, { level: 9 }),
    },
  };
}

/**
 * `GET /api/openapi.json`: the OpenAPI 3.1 document of this API. It is built
 * and compressed at its first request and then kept, so a request costs no
 * serialising and no compression (the route is public and unlimited); a
 * client that has it gets 304 (`If-None-Match`).
 */
export function openApiRoutes({ development }: { development: boolean }): Hono {
  const routes = new Hono();
  routes.get('/', (c) => {
    let document = prepared.get(development);
    if (!document) prepared.set(development, (document = prepare(development)));
    const coding = chooseCoding(c.req.header('accept-encoding'), ['br', 'gzip']);
    const etag = `"${document.etag}${coding === 'identity' ? '' : `-${coding}`}"`;
    c.header('Cache-Control', 'public, max-age=300');
    c.header('Vary', 'Accept-Encoding', { append: true });
    c.header('ETag', etag);
    if (c.req.header('if-none-match')?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) return c.body(null, 304);
    c.header('Content-Type', 'application/json');
    if (coding !== 'identity') c.header('Content-Encoding', coding);
    return c.body(new Uint8Array(document.bodies[coding]));
  });
  return routes;
}
