import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Hono, type Context } from 'hono';
import { CODINGS, chooseCoding, type Coding } from '../compression.js';

/**
 * The approver's page allows its own files and nothing else: no inline script
 * or style, no other origin, never framed (OWASP ASVS 5.0 V3.4.3, V3.4.6).
 * The service worker gets the same policy: a worker's CSP is its own script's.
 */
export const APPROVER_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; manifest-src 'self'; worker-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/**
 * Every file keeps its name across releases (the manifest, the service worker
 * and the page name each other), so a browser revalidates each on every use
 * (RFC 9111 §5.2.2.4 `no-cache`) and gets 304 while its copy is current. For
 * sw.js that is also what the Service Workers spec does on update checks; for
 * the page it means a new release is live on the next open.
 */
const CACHE = 'no-cache';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

interface Representation {
  body: Uint8Array<ArrayBuffer>;
  etag: string;
}

interface File {
  type: string;
  representations: Partial<Record<Coding, Representation>>;
}

/** A build folder read into memory, each file with its precompressed copies and a strong ETag per coding (RFC 9110 §8.8.3). */
function loadFiles(dir: string): Map<string, File> {
  const files = new Map<string, File>();
  if (!existsSync(dir)) return files;
  for (const name of readdirSync(dir)) {
    const type = TYPES[name.slice(name.lastIndexOf('.'))];
    if (!type) continue;
    const raw = readFileSync(join(dir, name));
    const digest = createHash('sha256').update(raw).digest('base64url').slice(0, 22);
    const representations: File['representations'] = { identity: { body: new Uint8Array(raw), etag: `"${digest}"` } };
    for (const { name: coding, suffix } of CODINGS) {
      const path = join(dir, name + suffix);
      if (existsSync(path)) representations[coding] = { body: new Uint8Array(readFileSync(path)), etag: `"${digest}-${coding}"` };
    }
    files.set(name, { type, representations });
  }
  return files;
}

/** Whether `If-None-Match` names this validator (RFC 9110 §13.1.2: weak comparison). */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

export interface ApproverPageOptions {
  /** The approver's build (`vite build --mode approver`): dist/approver. Without it there is no page, and no route. */
  dir: string;
}

/**
 * The approver web app at `/approve/`: the page a person installs on their
 * phone (in production too: it is part of the product), its script, styles,
 * service worker (`/approve/sw.js`, whose scope `/approve/` is the folder it
 * is served from), manifest and icons. Same-origin only (no CORS), compressed
 * as the browser accepts, revalidated by ETag. Read once at start-up; mount
 * at `/`.
 */
export function approverPageRoutes({ dir }: ApproverPageOptions): Hono {
  const files = loadFiles(dir);
  const routes = new Hono();
  if (!files.has('index.html')) return routes;

  const handler = (file: File) => (c: Context) => {
    const coding = chooseCoding(c.req.header('accept-encoding'), Object.keys(file.representations) as Coding[]);
    const { body, etag } = file.representations[coding]!;
    c.header('Vary', 'Accept-Encoding');
    c.header('Cache-Control', CACHE);
    c.header('ETag', etag);
    c.header('Content-Security-Policy', APPROVER_CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('Cross-Origin-Opener-Policy', 'same-origin');
    c.header('Cross-Origin-Resource-Policy', 'same-origin');
    if (matches(c.req.header('if-none-match'), etag)) return c.body(null, 304);
    c.header('Content-Type', file.type);
    if (coding !== 'identity') c.header('Content-Encoding', coding);
    return c.body(body, 200);
  };

  // The app's scope is the folder: /approve without its slash would resolve the page's relative URLs against /.
  // The query (`?lang=nl`) goes along; the fragment (`#enrol=…`) the browser keeps itself (RFC 9110 §10.2.2).
  routes.get('/approve', (c) => c.redirect(`/approve/${new URL(c.req.url).search}`, 308));
  routes.get('/approve/', handler(files.get('index.html')!));
  for (const [name, file] of files) if (name !== 'index.html') routes.get(`/approve/${name}`, handler(file));
  return routes;
}
