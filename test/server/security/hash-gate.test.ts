/*
 * The hash gate (server/security/hash-gate.ts): HASH_SLOTS password hashes at
 * once, HASH_QUEUE more waiting, the rest refused at once with 503 `busy` and
 * Retry-After; requests that hash nothing answer while hashes wait.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../../../server/errors.js';
import type { FlowState } from '../../../server/flows/protocol.js';
import { HashGate } from '../../../server/security/hash-gate.js';
import { act, addUser, bodyOf, EMAIL, PASSWORD, reachPassword, startLogin, startServer, type TestServer } from '../helpers.js';

/** Takes every slot of the server's gate (and `queued` places in its queue) until `release()`. */
function hold(server: TestServer, queued = 0): { release: () => void; done: Promise<unknown> } {
  let release = (): void => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  const gate = server.context.hashing;
  const runs = Array.from({ length: gate.slots + queued }, () => gate.run(() => held));
  return { release, done: Promise.all(runs) };
}

describe('hash gate', () => {
  it('runs at most `slots` hashes at once, in arrival order, and refuses beyond the queue with busy', async () => {
    const gate = new HashGate(2, 2);
    const order: number[] = [];
    let running = 0;
    let most = 0;
    const releases: (() => void)[] = [];
    const job = (n: number) => () =>
      new Promise<void>((resolve) => {
        running += 1;
        most = Math.max(most, running);
        order.push(n);
        releases.push(() => {
          running -= 1;
          resolve();
        });
      });
    const runs = [1, 2, 3, 4].map((n) => gate.run(job(n)));
    assert.deepEqual(gate.load, { running: 2, waiting: 2 });
    await assert.rejects(gate.run(job(5)), (error: unknown) => error instanceof ApiError && error.code === 'busy' && error.status === 503 && error.retryAfter! >= 1);
    while (releases.length > 0 || order.length < 4) {
      await new Promise((resolve) => setImmediate(resolve));
      releases.shift()?.();
    }
    await Promise.all(runs);
    assert.deepEqual(order, [1, 2, 3, 4]);
    assert.equal(most, 2);
    assert.deepEqual(gate.load, { running: 0, waiting: 0 });
  });

  it('a failing hash frees its slot for the next', async () => {
    const gate = new HashGate(1, 1);
    const failing = gate.run(() => Promise.reject(new Error('corrupt')));
    const next = gate.run(async () => 'ran');
    await assert.rejects(failing, /corrupt/);
    assert.equal(await next, 'ran');
    assert.deepEqual(gate.load, { running: 0, waiting: 0 });
  });

  it('answers a password while the gate is full with 503 busy, Retry-After and the same step; the guess is not counted', async (t) => {
    const server = await startServer(t, { HASH_SLOTS: '1', HASH_QUEUE: '0', ACCOUNT_MAX_FAILURES: '1' });
    await addUser(server);
    const id = await reachPassword(server);
    const held = hold(server);
    const response = await act(server, id, 'password', { password: PASSWORD });
    assert.equal(response.status, 503);
    assert.ok(Number(response.headers.get('retry-after')) >= 1);
    const flow = await bodyOf<FlowState>(response);
    assert.equal(flow.step, 'password');
    assert.equal(flow.error?.code, 'busy');
    // An unknown address is refused the same way: its dummy hash waits for the same gate.
    const unknown = await reachPassword(server, 'nobody@example.com');
    assert.equal((await act(server, unknown, 'password', { password: PASSWORD })).status, 503);
    held.release();
    await held.done;
    // With ACCOUNT_MAX_FAILURES=1, one counted failure would refuse this: busy spent nothing.
    assert.equal((await bodyOf<FlowState>(await act(server, id, 'password', { password: PASSWORD }))).step, 'done');
    assert.equal(await server.db.selectFrom('rate_limits').select('key').where('key', 'like', 'pwd:%').executeTakeFirst(), undefined);
  });

  it('keeps answering requests that hash nothing while password checks wait for a slot', async (t) => {
    const server = await startServer(t, { HASH_SLOTS: '1', HASH_QUEUE: '64' });
    await addUser(server);
    // Fewer than ACCOUNT_MAX_FAILURES (10): checks in flight count against it until they settle.
    const ids = await Promise.all(Array.from({ length: 8 }, () => reachPassword(server)));
    const held = hold(server);
    let answered = 0;
    const checks = ids.map(async (id) => {
      const response = await act(server, id, 'password', { password: PASSWORD });
      answered += 1;
      return response.status;
    });
    // Every check reaches the gate after its reads; then all wait behind the held slot.
    for (let turn = 0; turn < 1000 && server.context.hashing.load.waiting < 8; turn++) await new Promise((resolve) => setTimeout(resolve, 1));
    assert.deepEqual(server.context.hashing.load, { running: 1, waiting: 8 });
    // A flow start and an email step answer now, before any of the waiting checks.
    const start = await startLogin(server);
    assert.equal((await act(server, start.id, 'email', { email: EMAIL })).status, 200);
    assert.equal(answered, 0);
    held.release();
    assert.deepEqual(await Promise.all(checks), Array(8).fill(200));
  });
});
