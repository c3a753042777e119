import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import type { Context, MiddlewareHandler } from 'hono';

/** Content codings in the order the server prefers them when the browser accepts several equally (RFC 9110 §12.5.3). */
export const CODINGS = [
  { name: 'br', suffix: '.br' },
  { name: 'gzip', suffix: '.gz' },
] as const;
export type Coding = (typeof CODINGS)[number]['name'] | 'identity';

/**
 * The coding to send for an `Accept-Encoding` header (RFC 9110 §12.5.3): the
 * highest q among those we have, brotli before gzip at equal q, `*` standing
 * for any coding not named; `identity` when nothing else is acceptable.
 */
export function chooseCoding(header: string | undefined, available: readonly Coding[]): Coding {
  if (!header) return 'identity';
  const q = new Map<string, number>();
  for (const part of header.split(',')) {
    const [token, ...params] = part.trim().toLowerCase().split(';');
    const weight = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = weight ? Number(weight.slice(2)) : 1;
    if (token) q.set(token, Number.isFinite(value) ? value : 0);
  }
  let best: Coding = 'identity';
  let bestQ = 0;
  for (const { name } of CODINGS) {
    if (!available.includes(name)) continue;
    const weight = q.get(name) ?? q.get('*') ?? 0;
    if (weight > bestQ) [best, bestQ] = [name, weight];
  }
  return best;
}

/**
 * Below this, a JSON answer goes as it is: a flow step is a few hundred bytes,
 * and compressing it would cost more CPU than the bytes it saves on the wire
 * (a TCP segment carries about 1,400).
 */
const COMPRESS_MIN_BYTES = 1024;
/** Brotli quality for answers made per request: 4 compresses a QR code's SVG or a session list well in tens of microseconds. */
const BROTLI_QUALITY = 4;

/**
 * Compresses the JSON answers worth it (a step with a QR code, the JWKS, the
 * account overview) with brotli or gzip, as the client accepts (RFC 9110
 * §12.5.3). It takes over `c.json` for the request rather than reading the
 * finished response: the size is known right after serialising, and the
 * small answers, nearly all of them, are never turned into a full Response
 * nor read back.
 */
export function compressJson({ threshold = COMPRESS_MIN_BYTES }: { threshold?: number } = {}): MiddlewareHandler {
  return async function compressJson(c, next) {
    const coding = chooseCoding(c.req.header('accept-encoding'), ['br', 'gzip']);
    // c.body takes the same status and headers arguments as c.json.
    const send = c.body as unknown as (data: string | Uint8Array, arg?: unknown, headers?: unknown) => Response;
    c.json = ((object: unknown, arg?: unknown, headers?: unknown) => {
      const text = JSON.stringify(object);
      c.header('Content-Type', 'application/json');
      if (text.length < threshold) return send(text, arg, headers);
      // The answer at this URL may be compressed or not: caches keep them apart.
      c.header('Vary', 'Accept-Encoding', { append: true });
      if (coding === 'identity') return send(text, arg, headers);
      c.header('Content-Encoding', coding);
      const params = { [zlib.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [zlib.BROTLI_PARAM_SIZE_HINT]: text.length };
      return send(coding === 'br' ? brotliCompressSync(text, { params }) : gzipSync(text), arg, headers);
    }) as unknown as Context['json'];
    await next();
  };
}
