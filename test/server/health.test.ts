import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertError, bodyOf, startServer } from './helpers.js';

describe('health', () => {
  it('answers 200 with status ok while the store answers', async (t) => {
    const server = await startServer(t);
    const response = await server.request('/api/health');
    assert.equal(response.status, 200);
    assert.equal((await bodyOf<{ status: string }>(response)).status, 'ok');
  });

  it('answers 503 store_unavailable with Retry-After once the store is gone', async (t) => {
    const server = await startServer(t);
    await server.db.destroy();
    const response = await server.request('/api/health');
    assert.ok(response.headers.get('retry-after'));
    await assertError(response, 'store_unavailable');
  });

  it('marks API answers as not cacheable', async (t) => {
    const server = await startServer(t);
    const response = await server.request('/api/health');
    assert.equal(response.headers.get('cache-control'), 'no-store');
  });
});
