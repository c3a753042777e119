import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Hono, type Context } from 'hono';
import { CODINGS, chooseCoding, type Coding } from '../compression.js';

/** A Vite chunk name carries a content hash (`company-steps-CCzbNdVQ.js`): its bytes never change under that name. */
const HASHED_NAME = /-[A-Za-z0-9_-]{8}\.js$/;

/**
 * Hashed chunks are cached for a year without asking again (RFC 9111 §5.2.2.1,
 * RFC 8246 `immutable`); the entry files keep their names across releases, so a
 * browser revalidates them every time (`no-cache`) and gets 304 while its copy
 * is current. A new release then reaches people on their next page load.
 */
const CACHE_HASHED = 'public, max-age=31536000, immutable';
const CACHE_ENTRY = 'public, no-cache';

interface Representation {
  body: Uint8Array;
  etag: string;
}

interface Asset {
  type: string;
  cacheControl: string;
  representations: Partial<Record<Coding, Representation>>;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
};

/**
 * Reads a build folder (the widget's `dist/widget`) into memory: each file
 * with the `.br` and `.gz` copies the build wrote beside it and a strong ETag
 * per coding (RFC 9110 §8.8.3: representations that differ in bytes need
 * different strong validators).
 */
export function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!existsSync(dir)) return assets;
  for (const name of readdirSync(dir)) {
    const type = TYPES[name.slice(name.lastIndexOf('.'))];
    if (!type) continue;
    const raw = readFileSync(join(dir, name));
    const digest = createHash('sha256').update(raw).digest('base64url').slice(0, 22);
    const representations: Asset['representations'] = { identity: { body: raw, etag: `"${digest}"` } };
    for (const { name: coding, suffix } of CODINGS) {
      const path = join(dir, name + suffix);
      if (existsSync(path)) representations[coding] = { body: readFileSync(path), etag: `"${digest}-${coding}"` };
    }
    assets.set(name, { type, cacheControl: HASHED_NAME.test(name) ? CACHE_HASHED : CACHE_ENTRY, representations });
  }
  return assets;
}

/** Whether `If-None-Match` names this validator (RFC 9110 §13.1.2: weak comparison). */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

export interface AssetRoutesOptions {
  /** The build folder whose files are served at the root (`/login-flow.js`, `/account-security.js`, chunks). */
  dir: string;
  /** Host origins allowed to load them (the API's own and `ALLOWED_ORIGINS`): module scripts are fetched with CORS. */
  origins: readonly string[];
}

/**
 * The scripts a host page embeds, served from the API's origin: compressed
 * as the browser accepts (brotli or gzip, made at build time), readable
 * cross-origin by the listed host origins only (a module script from another
 * origin is a CORS request), cached for good when the name is hashed and
 * revalidated otherwise. Everything is read once at start-up.
 */
export function assetRoutes({ dir, origins }: AssetRoutesOptions): Hono {
  const assets = loadAssets(dir);
  const allowed = new Set(origins);
  const routes = new Hono();
  for (const [name, asset] of assets) {
    const available = Object.keys(asset.representations) as Coding[];
    routes.get(`/${name}`, (c: Context) => {
      const coding = chooseCoding(c.req.header('accept-encoding'), available);
      const { body, etag } = asset.representations[coding]!;
      const origin = c.req.header('origin');
      if (origin !== undefined && allowed.has(origin)) c.header('Access-Control-Allow-Origin', origin);
      // The answer differs by both; a shared cache must keep them apart.
      c.header('Vary', 'Origin, Accept-Encoding');
      c.header('Cache-Control', asset.cacheControl);
      c.header('ETag', etag);
      c.header('Cross-Origin-Resource-Policy', 'cross-origin');
      c.header('X-Content-Type-Options', 'nosniff');
      if (matches(c.req.header('if-none-match'), etag)) return c.body(null, 304);
      c.header('Content-Type', asset.type);
      if (coding !== 'identity') c.header('Content-Encoding', coding);
      return c.body(body as Uint8Array<ArrayBuffer>, 200);
    });
  }
  return routes;
}
