import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { Hono } from 'hono';
import { chooseCoding } from '../../server/compression.js';
import type { FlowState } from '../../server/flows/protocol.js';
import { assetRoutes } from '../../server/routes/assets.js';
import { PASSWORD, addUser, reachPassword, startServer } from './helpers.js';

describe('choosing a content coding (RFC 9110 §12.5.3)', () => {
  const both = ['br', 'gzip'] as const;
  it('prefers brotli when the browser accepts both equally', () => {
    assert.equal(chooseCoding('gzip, deflate, br, zstd', both), 'br');
  });
  it('follows the q values', () => {
    assert.equal(chooseCoding('br;q=0.5, gzip;q=0.8', both), 'gzip');
    assert.equal(chooseCoding('br;q=0, gzip', both), 'gzip');
  });
  it('sends identity when nothing we have is acceptable', () => {
    assert.equal(chooseCoding(undefined, both), 'identity');
    assert.equal(chooseCoding('deflate', both), 'identity');
    assert.equal(chooseCoding('br;q=0, gzip;q=0', both), 'identity');
    assert.equal(chooseCoding('br', ['gzip']), 'identity');
  });
  it('lets * stand for the codings not named', () => {
    assert.equal(chooseCoding('*', both), 'br');
    assert.equal(chooseCoding('br;q=0, *', both), 'gzip');
  });
  it('survives malformed headers', () => {
    assert.equal(chooseCoding(',,;q=,br;q=abc, gzip;q=', both), 'identity');
  });
});

describe('the API compresses JSON answers worth it', () => {
  it('sends the authenticator set-up step (a QR code) with brotli or gzip, and a small step as it is', async (t) => {
    const server = await startServer(t, { MFA_REQUIRED_FROM: '2000-01-01' });
    await addUser(server);
    for (const [coding, decode] of [['br', brotliDecompressSync], ['gzip', gunzipSync]] as const) {
      const id = await reachPassword(server);
      // The choice of method is small; the authenticator set-up it leads to carries the QR code.
      await server.post(`/api/flows/${id}/password`, { password: PASSWORD });
      const response = await server.post(`/api/flows/${id}/choose`, { method: 'totp' }, { headers: { 'accept-encoding': coding } });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-encoding'), coding);
      assert.match(response.headers.get('vary') ?? '', /Accept-Encoding/);
      const raw = Buffer.from(await response.arrayBuffer());
      const flow = JSON.parse(decode(raw).toString()) as FlowState;
      assert.equal(flow.step, 'totp-setup');
      assert.ok(raw.length < JSON.stringify(flow).length / 2, `${raw.length} bytes compressed`);
    }
    // The email step's answer is small: no coding, no cost.
    const start = await server.post('/api/flows/login', {}, { headers: { 'accept-encoding': 'br, gzip' } });
    assert.equal(start.headers.get('content-encoding'), null);
    assert.equal(((await start.json()) as FlowState).step, 'email');
  });

  it('sends it uncompressed to a client that accepts no coding', async (t) => {
    const server = await startServer(t, { MFA_REQUIRED_FROM: '2000-01-01' });
    await addUser(server);
    const id = await reachPassword(server);
    await server.post(`/api/flows/${id}/password`, { password: PASSWORD });
    const response = await server.post(`/api/flows/${id}/choose`, { method: 'totp' });
    assert.equal(response.headers.get('content-encoding'), null);
    assert.equal(((await response.json()) as FlowState).step, 'totp-setup');
  });
});

describe('the embeddable scripts (assetRoutes)', () => {
  function app(t: { after(fn: () => void): void }) {
    const dir = mkdtempSync(join(tmpdir(), 'lf-assets-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const entry = 'export const a = 1;'.repeat(50);
    const chunk = 'export const b = 2;'.repeat(50);
    for (const [name, text] of [['entry.js', entry], ['chunk-AbCd1234.js', chunk]] as const) {
      writeFileSync(join(dir, name), text);
      writeFileSync(join(dir, `${name}.br`), brotliCompressSync(text));
      writeFileSync(join(dir, `${name}.gz`), gzipSync(text));
    }
    writeFileSync(join(dir, 'notes.txt'), 'not a script');
    const routes = new Hono().route('/', assetRoutes({ dir, origins: ['https://host.example'] }));
    return { routes, entry, chunk };
  }

  it('sends the file compressed as accepted, with a validator per coding', async (t) => {
    const { routes, entry } = app(t);
    const tags = new Set<string>();
    for (const [accept, coding] of [['br, gzip', 'br'], ['gzip', 'gzip'], ['', null]] as const) {
      const response = await routes.request('/entry.js', { headers: { 'accept-encoding': accept } });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-encoding'), coding);
      assert.equal(response.headers.get('content-type'), 'text/javascript; charset=utf-8');
      assert.equal(response.headers.get('vary'), 'Origin, Accept-Encoding');
      const raw = Buffer.from(await response.arrayBuffer());
      const text = coding === 'br' ? brotliDecompressSync(raw) : coding === 'gzip' ? gunzipSync(raw) : raw;
      assert.equal(text.toString(), entry);
      tags.add(response.headers.get('etag')!);
    }
    assert.equal(tags.size, 3);
  });

  it('revalidates entry files and caches hashed chunks for good', async (t) => {
    const { routes } = app(t);
    const entry = await routes.request('/entry.js');
    assert.equal(entry.headers.get('cache-control'), 'public, no-cache');
    const again = await routes.request('/entry.js', { headers: { 'if-none-match': entry.headers.get('etag')! } });
    assert.equal(again.status, 304);
    assert.equal((await again.arrayBuffer()).byteLength, 0);
    const stale = await routes.request('/entry.js', { headers: { 'if-none-match': '"something-else"' } });
    assert.equal(stale.status, 200);
    const chunk = await routes.request('/chunk-AbCd1234.js');
    assert.equal(chunk.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  });

  it('lets listed host origins read them, and no other', async (t) => {
    const { routes } = app(t);
    const listed = await routes.request('/entry.js', { headers: { origin: 'https://host.example' } });
    assert.equal(listed.headers.get('access-control-allow-origin'), 'https://host.example');
    assert.equal(listed.headers.get('cross-origin-resource-policy'), 'cross-origin');
    const stranger = await routes.request('/entry.js', { headers: { origin: 'https://evil.example' } });
    assert.equal(stranger.headers.get('access-control-allow-origin'), null);
  });

  it('serves only the build\'s scripts: not other files, not the compressed copies by name, not paths out of the folder', async (t) => {
    const { routes } = app(t);
    for (const path of ['/notes.txt', '/entry.js.br', '/entry.js.gz', '/../package.json', '/%2e%2e/package.json', '/nothing.js']) {
      assert.equal((await routes.request(path)).status, 404, path);
    }
  });
});
