import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FlowState } from '../../../../server/flows/protocol.js';
import {
  EMAIL,
  MINUTE,
  PASSWORD,
  WRONG_PASSWORD,
  act,
  addUser,
  assertError,
  bodyOf,
  grantOf,
  median,
  reachPassword,
  signIn,
  startLogin,
  startServer,
} from '../../helpers.js';

/** The response as a comparable record: status, header names (minus the per-request id) and the body without the flow id. */
async function comparable(response: Response): Promise<{ status: number; headers: string[]; body: unknown }> {
  const { id: _id, ...body } = await bodyOf<FlowState>(response);
  const headers = [...response.headers.keys()].filter((name) => name !== 'x-request-id').sort();
  return { status: response.status, headers, body };
}

describe('enumeration: unknown email and wrong password look the same', () => {
  it('gives an unknown email the same status, headers and body as a known email with a wrong password', async (t) => {
    // Two servers, same clock and same email: in one the account exists, in the other it does not.
    const known = await startServer(t);
    const unknown = await startServer(t);
    await addUser(known);
    const a = await comparable(await signIn(known, EMAIL, WRONG_PASSWORD));
    const b = await comparable(await signIn(unknown, EMAIL, WRONG_PASSWORD));
    assert.equal(a.status, 401);
    assert.deepEqual(b, a);
  });

  it('gives an unknown email the same answer at the email step as a known one', async (t) => {
    const known = await startServer(t);
    const unknown = await startServer(t);
    await addUser(known);
    const a = await comparable(await act(known, (await startLogin(known)).id, 'email', { email: EMAIL }));
    const b = await comparable(await act(unknown, (await startLogin(unknown)).id, 'email', { email: EMAIL }));
    assert.equal(a.status, 200);
    assert.deepEqual(b, a);
  });

  it('takes as long for an unknown email as for a wrong password (one argon2id verify each)', async (t) => {
    const server = await startServer(t, { FLOW_MAX_ATTEMPTS: '100', ACCOUNT_MAX_FAILURES: '100' });
    await addUser(server);
    const knownFlow = await reachPassword(server, EMAIL);
    const unknownFlow = await reachPassword(server, 'nobody@example.com');
    const time = async (id: string) => {
      const started = performance.now();
      const response = await act(server, id, 'password', { password: WRONG_PASSWORD });
      const elapsed = performance.now() - started;
      assert.equal(response.status, 401);
      return elapsed;
    };
    await time(knownFlow); // warm-up: the dummy hash, prepared statements
    await time(unknownFlow);
    const knownTimes: number[] = [];
    const unknownTimes: number[] = [];
    // Alternate which goes first, so a slow moment of the machine does not always land on one side.
    for (let i = 0; i < 9; i++) {
      if (i % 2) {
        unknownTimes.push(await time(unknownFlow));
        knownTimes.push(await time(knownFlow));
      } else {
        knownTimes.push(await time(knownFlow));
        unknownTimes.push(await time(unknownFlow));
      }
    }
    const ratio = median(unknownTimes) / median(knownTimes);
    t.diagnostic(`unknown ${unknownTimes.map((n) => n.toFixed(1)).join(' ')} | known ${knownTimes.map((n) => n.toFixed(1)).join(' ')} | ratio ${ratio.toFixed(2)}`);
    assert.ok(ratio > 0.6 && ratio < 1.6, `unknown/known median ratio ${ratio.toFixed(2)} (${median(unknownTimes).toFixed(1)} ms vs ${median(knownTimes).toFixed(1)} ms)`);
  });
});

describe('disabled accounts', () => {
  it('answers account_disabled for a disabled account with the right password', async (t) => {
    const server = await startServer(t);
    await addUser(server);
    await server.db.updateTable('users').set({ status: 'disabled' }).where('email', '=', EMAIL).execute();
    const response = await signIn(server);
    await assertError(response.clone(), 'account_disabled');
    assert.equal((await bodyOf<FlowState>(response)).step, 'password');
    assert.equal(await server.db.selectFrom('sessions').select('id').executeTakeFirst(), undefined);
  });

  it('answers invalid_credentials for a disabled account with a wrong password', async (t) => {
    const server = await startServer(t);
    await addUser(server);
    await server.db.updateTable('users').set({ status: 'disabled' }).where('email', '=', EMAIL).execute();
    await assertError(await signIn(server, EMAIL, WRONG_PASSWORD), 'invalid_credentials');
  });
});

describe('flow attempt cap', () => {
  it('refuses every action with too_many_attempts after FLOW_MAX_ATTEMPTS failures', async (t) => {
    const server = await startServer(t, { FLOW_MAX_ATTEMPTS: '3' });
    await addUser(server);
    const id = await reachPassword(server);
    for (let i = 0; i < 3; i++) await assertError(await act(server, id, 'password', { password: WRONG_PASSWORD }), 'invalid_credentials');
    await assertError(await act(server, id, 'password', { password: PASSWORD }), 'too_many_attempts');
    await assertError(await act(server, id, 'back', {}), 'too_many_attempts');
  });

  it('still accepts the right password one failure below the cap', async (t) => {
    const server = await startServer(t, { FLOW_MAX_ATTEMPTS: '3' });
    await addUser(server);
    const id = await reachPassword(server);
    for (let i = 0; i < 2; i++) await act(server, id, 'password', { password: WRONG_PASSWORD });
    grantOf(await bodyOf<FlowState>(await act(server, id, 'password', { password: PASSWORD })));
  });

  it('does not count malformed input as an attempt', async (t) => {
    const server = await startServer(t, { FLOW_MAX_ATTEMPTS: '2' });
    await addUser(server);
    const id = await reachPassword(server);
    for (let i = 0; i < 3; i++) await assertError(await act(server, id, 'password', { password: 42 }), 'invalid_request');
    grantOf(await bodyOf<FlowState>(await act(server, id, 'password', { password: PASSWORD })));
  });
});

describe('flow integrity', () => {
  it('issues exactly one session when the right password is posted twice at once', async (t) => {
    const server = await startServer(t);
    await addUser(server);
    const id = await reachPassword(server);
    const responses = await Promise.all([
      act(server, id, 'password', { password: PASSWORD }),
      act(server, id, 'password', { password: PASSWORD }),
    ]);
    const bodies = await Promise.all(responses.map((r) => bodyOf<Partial<FlowState> & { error?: { code: string } }>(r)));
    const done = bodies.filter((b) => b.step === 'done');
    // The loser read the flow before the winner committed (flow_conflict), or, on a busy machine,
    // only after the winner had ended it (flow_not_found): either way it gets nothing.
    const losers = bodies.filter((b) => b.error?.code === 'flow_conflict' || b.error?.code === 'flow_not_found');
    assert.equal(done.length, 1, JSON.stringify(bodies));
    assert.equal(losers.length, 1, JSON.stringify(bodies));
    assert.ok([409, 404].includes(responses.map((r) => r.status).sort()[1]!) && responses.some((r) => r.status === 200));
    const sessions = await server.db.selectFrom('sessions').select('id').execute();
    assert.equal(sessions.length, 1);
  });

  it('binds a flow id to its own flow: another flow’s account cannot be signed in through it', async (t) => {
    const server = await startServer(t);
    const bobsPassword = 'Bobs-Own-Secret-42';
    await addUser(server, EMAIL);
    await addUser(server, 'bob@example.com', bobsPassword);
    const alice = await reachPassword(server, EMAIL);
    const bob = await reachPassword(server, 'bob@example.com');
    // Bob's password on Alice's flow is checked against Alice.
    await assertError(await act(server, alice, 'password', { password: bobsPassword }), 'invalid_credentials');
    // Bob's flow is untouched by what happened on Alice's, and signs in Bob.
    const response = await act(server, bob, 'password', { password: bobsPassword });
    assert.equal(grantOf(await bodyOf<FlowState>(response)).user.email, 'bob@example.com');
  });

  it('answers flow_not_found for a well-formed id that was never issued', async (t) => {
    const server = await startServer(t);
    await startLogin(server);
    await assertError(await act(server, 'A'.repeat(32), 'email', { email: EMAIL }), 'flow_not_found');
  });

  it('answers flow_expired (410) once FLOW_TTL_MINUTES have passed', async (t) => {
    const server = await startServer(t, { FLOW_TTL_MINUTES: '5' });
    await addUser(server);
    const id = await reachPassword(server);
    server.clock.advance(5 * MINUTE);
    await assertError(await act(server, id, 'password', { password: PASSWORD }), 'flow_expired');
  });

  it('still accepts actions just before the flow expires', async (t) => {
    const server = await startServer(t, { FLOW_TTL_MINUTES: '5' });
    await addUser(server);
    const id = await reachPassword(server);
    server.clock.advance(5 * MINUTE - 1);
    grantOf(await bodyOf<FlowState>(await act(server, id, 'password', { password: PASSWORD })));
  });

  it('forgets an expired flow: its row goes, and its id answers flow_expired from then on', async (t) => {
    const server = await startServer(t, { FLOW_TTL_MINUTES: '5' });
    const id = await reachPassword(server);
    server.clock.advance(6 * MINUTE);
    await assertError(await act(server, id, 'back', {}), 'flow_expired');
    assert.deepEqual(await server.db.selectFrom('flows').selectAll().execute(), []);
    // The id still carries its sealed start, which says when it ended: nothing is left to open.
    await assertError(await act(server, id, 'back', {}), 'flow_expired');
    await assertError(await act(server, id, 'email', { email: EMAIL }), 'flow_expired');
  });
});

describe('cross-site requests', () => {
  it('refuses a POST from an unlisted origin with origin_not_allowed', async (t) => {
    const server = await startServer(t);
    await assertError(await server.post('/api/flows/login', undefined, { headers: { origin: 'https://evil.example' } }), 'origin_not_allowed');
  });

  it('refuses a flow action from an unlisted origin and leaves the flow as it was', async (t) => {
    const server = await startServer(t);
    const flow = await startLogin(server);
    await assertError(await act(server, flow.id, 'email', { email: EMAIL }, { headers: { origin: 'https://evil.example' } }), 'origin_not_allowed');
    // Nothing was stored, and the flow goes on from its first step.
    assert.deepEqual(await server.db.selectFrom('flows').selectAll().execute(), []);
    assert.equal((await bodyOf<FlowState>(await act(server, flow.id, 'email', { email: EMAIL }))).step, 'password');
  });

  it('refuses a sign-out from an unlisted origin', async (t) => {
    const server = await startServer(t);
    await assertError(await server.request('/api/session', { method: 'DELETE', headers: { origin: 'https://evil.example' } }), 'origin_not_allowed');
  });

  it('refuses a POST marked Sec-Fetch-Site: cross-site even without Origin', async (t) => {
    const server = await startServer(t);
    await assertError(await server.post('/api/flows/login', undefined, { headers: { 'sec-fetch-site': 'cross-site' } }), 'origin_not_allowed');
  });

  it('allows a POST from the API’s own origin (PUBLIC_URL)', async (t) => {
    const server = await startServer(t, { PUBLIC_URL: 'https://login.example' });
    const response = await server.post('/api/flows/login', undefined, { headers: { origin: 'https://login.example' } });
    assert.equal(response.status, 201);
  });

  it('allows a POST from a listed origin and echoes it in Access-Control-Allow-Origin', async (t) => {
    const server = await startServer(t, { ALLOWED_ORIGINS: 'https://host.example' });
    const response = await server.post('/api/flows/login', undefined, { headers: { origin: 'https://host.example' } });
    assert.equal(response.status, 201);
    assert.equal(response.headers.get('access-control-allow-origin'), 'https://host.example');
    assert.equal(response.headers.get('access-control-allow-credentials'), 'true');
  });

  it('never echoes an unlisted origin on a GET', async (t) => {
    const server = await startServer(t, { ALLOWED_ORIGINS: 'https://host.example' });
    const response = await server.request('/api/health', { headers: { origin: 'https://evil.example' } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), null);
  });

  it('never echoes an unlisted origin in a preflight', async (t) => {
    const server = await startServer(t, { ALLOWED_ORIGINS: 'https://host.example' });
    const response = await server.request('/api/flows/login', {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    assert.equal(response.headers.get('access-control-allow-origin'), null);
  });

  it('answers a preflight from a listed origin with that origin', async (t) => {
    const server = await startServer(t, { ALLOWED_ORIGINS: 'https://host.example' });
    const response = await server.request('/api/flows/login', {
      method: 'OPTIONS',
      headers: { origin: 'https://host.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    assert.ok(response.status === 204 || response.status === 200);
    assert.equal(response.headers.get('access-control-allow-origin'), 'https://host.example');
    assert.match(response.headers.get('access-control-allow-methods') ?? '', /\bPOST\b/);
    assert.match(response.headers.get('access-control-allow-headers') ?? '', /content-type/i);
  });

  it('never echoes an unlisted origin on the JWKS', async (t) => {
    const server = await startServer(t, { ALLOWED_ORIGINS: 'https://host.example' });
    const response = await server.request('/.well-known/jwks.json', { headers: { origin: 'https://evil.example' } });
    assert.equal(response.headers.get('access-control-allow-origin'), null);
  });

  it('refuses a text/plain body (a form can send one without a preflight) with unsupported_media_type', async (t) => {
    const server = await startServer(t);
    const flow = await startLogin(server);
    const response = await server.request(`/api/flows/${flow.id}/email`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ email: EMAIL }),
    });
    await assertError(response, 'unsupported_media_type');
  });

  it('refuses a form-encoded body with unsupported_media_type', async (t) => {
    const server = await startServer(t);
    const flow = await startLogin(server);
    const response = await server.request(`/api/flows/${flow.id}/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'email=alice%40example.com',
    });
    await assertError(response, 'unsupported_media_type');
  });
});
