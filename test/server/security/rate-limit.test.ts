import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FlowState } from '../../../server/flows/protocol.js';
import {
  EMAIL,
  errorCodeOf,
  MINUTE,
  PASSWORD,
  WRONG_PASSWORD,
  act,
  addUser,
  assertError,
  bodyOf,
  grantOf,
  reachPassword,
  signIn,
  startServer,
  type RequestOptions,
  type TestServer,
} from '../helpers.js';

/** One wrong password for a distinct unknown email, from the given client. */
function failFrom(server: TestServer, n: number, options: RequestOptions): Promise<Response> {
  return signIn(server, `user${n}@example.com`, WRONG_PASSWORD, options);
}

describe('rate limit: per account, across flows', () => {
  it('refuses the account with rate_limited after ACCOUNT_MAX_FAILURES wrong passwords spread over several flows', async (t) => {
    const server = await startServer(t, { ACCOUNT_MAX_FAILURES: '3', FLOW_MAX_ATTEMPTS: '2' });
    await addUser(server);
    const first = await reachPassword(server);
    for (let i = 0; i < 2; i++) await assertError(await act(server, first, 'password', { password: WRONG_PASSWORD }), 'invalid_credentials');
    const second = await reachPassword(server);
    await assertError(await act(server, second, 'password', { password: WRONG_PASSWORD }), 'invalid_credentials');
    const response = await act(server, second, 'password', { password: WRONG_PASSWORD });
    await assertError(response.clone(), 'rate_limited');
    assert.ok(Number(response.headers.get('retry-after')) > 0);
  });

  it('refuses even the right password while the account is limited', async (t) => {
    const server = await startServer(t, { ACCOUNT_MAX_FAILURES: '3' });
    await addUser(server);
    for (let i = 0; i < 3; i++) await signIn(server, EMAIL, WRONG_PASSWORD);
    const response = await signIn(server, EMAIL, PASSWORD);
    await assertError(response, 'rate_limited');
    assert.equal(await server.db.selectFrom('sessions').select('id').executeTakeFirst(), undefined);
  });

  it('sends Retry-After with the seconds left in the window', async (t) => {
    const server = await startServer(t, { ACCOUNT_MAX_FAILURES: '2', RATE_WINDOW_MINUTES: '15' });
    await addUser(server);
    for (let i = 0; i < 2; i++) await signIn(server, EMAIL, WRONG_PASSWORD);
    server.clock.advance(5 * MINUTE);
    const response = await signIn(server, EMAIL, PASSWORD);
    assert.equal(response.headers.get('retry-after'), String(10 * 60));
  });

  it('accepts the right password again once the window has passed', async (t) => {
    const server = await startServer(t, { ACCOUNT_MAX_FAILURES: '3', RATE_WINDOW_MINUTES: '15' });
    await addUser(server);
    for (let i = 0; i < 3; i++) await signIn(server, EMAIL, WRONG_PASSWORD);
    await assertError(await signIn(server, EMAIL, PASSWORD), 'rate_limited');
    server.clock.advance(15 * MINUTE);
    const response = await signIn(server, EMAIL, PASSWORD);
    assert.equal(response.status, 200);
    grantOf(await bodyOf<FlowState>(response));
  });

  it('forgets the account’s failures after a successful sign-in', async (t) => {
    const server = await startServer(t, { ACCOUNT_MAX_FAILURES: '3' });
    await addUser(server);
    for (let i = 0; i < 2; i++) await signIn(server, EMAIL, WRONG_PASSWORD);
    assert.equal((await signIn(server, EMAIL, PASSWORD)).status, 200);
    for (let i = 0; i < 3; i++) await assertError(await signIn(server, EMAIL, WRONG_PASSWORD), 'invalid_credentials');
    await assertError(await signIn(server, EMAIL, WRONG_PASSWORD), 'rate_limited');
  });

  it('lets no more than ACCOUNT_MAX_FAILURES guesses through when they arrive all at once, from many flows', async (t) => {
    const server = await startServer(t, { ACCOUNT_MAX_FAILURES: '3' });
    await addUser(server);
    const flows = await Promise.all(Array.from({ length: 12 }, () => reachPassword(server)));
    // All posted before any is answered: each is checked while the others are still in flight.
    const codes = await Promise.all(flows.map(async (id) => errorCodeOf(await act(server, id, 'password', { password: WRONG_PASSWORD }))));
    assert.equal(codes.filter((code) => code === 'invalid_credentials').length, 3, codes.join());
    assert.equal(codes.filter((code) => code === 'rate_limited').length, 9, codes.join());
    // The three failures were written: the right password is refused for the rest of the window.
    await assertError(await signIn(server, EMAIL, PASSWORD), 'rate_limited');
  });

  it('limits only the attacked account', async (t) => {
    const server = await startServer(t, { ACCOUNT_MAX_FAILURES: '2' });
    await addUser(server);
    await addUser(server, 'bob@example.com');
    for (let i = 0; i < 3; i++) await signIn(server, EMAIL, WRONG_PASSWORD);
    assert.equal((await signIn(server, 'bob@example.com', PASSWORD)).status, 200);
  });

  it('limits an unknown email exactly like a known one, so the limit does not reveal accounts', async (t) => {
    const environment = { ACCOUNT_MAX_FAILURES: '2' };
    const known = await startServer(t, environment);
    const unknown = await startServer(t, environment);
    await addUser(known);
    const answers = async (server: TestServer) => {
      const seen: Array<{ status: number; retryAfter: string | null; body: unknown }> = [];
      for (let i = 0; i < 4; i++) {
        const response = await signIn(server, EMAIL, WRONG_PASSWORD);
        const { id: _id, ...body } = await bodyOf<FlowState>(response);
        seen.push({ status: response.status, retryAfter: response.headers.get('retry-after'), body });
      }
      return seen;
    };
    const fromKnown = await answers(known);
    assert.deepEqual(fromKnown.map((a) => a.status), [401, 401, 429, 429]);
    assert.deepEqual(await answers(unknown), fromKnown);
  });
});

describe('rate limit: per client IP', () => {
  const client = { peer: '203.0.113.5' };

  it('refuses a client with rate_limited after IP_MAX_FAILURES wrong passwords for different emails', async (t) => {
    const server = await startServer(t, { IP_MAX_FAILURES: '3' });
    for (let i = 0; i < 3; i++) await assertError(await failFrom(server, i, client), 'invalid_credentials');
    const response = await failFrom(server, 3, client);
    await assertError(response.clone(), 'rate_limited');
    assert.ok(Number(response.headers.get('retry-after')) > 0);
  });

  it('counts an IPv6 client by its /64, so rotating addresses inside it does not reset the limit', async (t) => {
    const server = await startServer(t, { IP_MAX_FAILURES: '3' });
    for (let i = 0; i < 3; i++) await assertError(await failFrom(server, i, { peer: `2001:db8:1:2::${i + 1}` }), 'invalid_credentials');
    await assertError(await failFrom(server, 3, { peer: '2001:db8:1:2:ffff:ffff:ffff:fffe' }), 'rate_limited');
    await assertError(await failFrom(server, 4, { peer: '2001:db8:1:3::1' }), 'invalid_credentials');
  });

  it('does not limit another client', async (t) => {
    const server = await startServer(t, { IP_MAX_FAILURES: '3' });
    for (let i = 0; i < 4; i++) await failFrom(server, i, client);
    await assertError(await failFrom(server, 4, { peer: '203.0.113.6' }), 'invalid_credentials');
  });

  it('does not count successful sign-ins as failures', async (t) => {
    const server = await startServer(t, { IP_MAX_FAILURES: '2' });
    const emails = ['a1@example.com', 'a2@example.com', 'a3@example.com', 'a4@example.com'];
    for (const email of emails) await addUser(server, email);
    // An office behind one address: more people sign in than the failure limit allows guesses.
    for (const email of emails) {
      const response = await signIn(server, email, PASSWORD, client);
      assert.equal(response.status, 200, `${email}: ${JSON.stringify((await bodyOf<FlowState>(response)).error)}`);
    }
  });

  it('still counts failures made between successful sign-ins', async (t) => {
    const server = await startServer(t, { IP_MAX_FAILURES: '2' });
    await addUser(server);
    await assertError(await failFrom(server, 1, client), 'invalid_credentials');
    assert.equal((await signIn(server, EMAIL, PASSWORD, client)).status, 200);
    await assertError(await failFrom(server, 2, client), 'invalid_credentials');
    await assertError(await failFrom(server, 3, client), 'rate_limited');
  });
});

describe('rate limit: trusted proxies and X-Forwarded-For', () => {
  const proxy = '10.0.0.1';
  const via = (forwardedFor: string): RequestOptions => ({ peer: proxy, headers: { 'x-forwarded-for': forwardedFor } });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async (t) => {
    const server = await startServer(t, { IP_MAX_FAILURES: '2' });
    await failFrom(server, 1, via('198.51.100.1'));
    await failFrom(server, 2, via('198.51.100.2'));
    // A new spoofed address each time does not buy a fresh bucket.
    await assertError(await failFrom(server, 3, via('198.51.100.3')), 'rate_limited');
  });

  it('ignores X-Forwarded-For on a request without a socket address', async (t) => {
    const server = await startServer(t, { IP_MAX_FAILURES: '2' });
    const spoof = (address: string): RequestOptions => ({ headers: { 'x-forwarded-for': address } });
    await failFrom(server, 1, spoof('198.51.100.1'));
    await failFrom(server, 2, spoof('198.51.100.2'));
    await assertError(await failFrom(server, 3, spoof('198.51.100.3')), 'rate_limited');
  });

  it('counts clients behind a trusted proxy separately', async (t) => {
    const server = await startServer(t, { IP_MAX_FAILURES: '2', TRUSTED_PROXIES: '10.0.0.0/8' });
    await failFrom(server, 1, via('198.51.100.1'));
    await failFrom(server, 2, via('198.51.100.1'));
    await assertError(await failFrom(server, 3, via('198.51.100.2')), 'invalid_credentials');
  });

  it('limits a client behind a trusted proxy by its forwarded address', async (t) => {
    const server = await startServer(t, { IP_MAX_FAILURES: '2', TRUSTED_PROXIES: '10.0.0.0/8' });
    await failFrom(server, 1, via('198.51.100.1'));
    await failFrom(server, 2, via('198.51.100.1'));
    await assertError(await failFrom(server, 3, via('198.51.100.1')), 'rate_limited');
  });

  it('ignores addresses a client prepends to X-Forwarded-For behind a trusted proxy', async (t) => {
    const server = await startServer(t, { IP_MAX_FAILURES: '2', TRUSTED_PROXIES: '10.0.0.0/8' });
    await failFrom(server, 1, via('198.51.100.1'));
    await failFrom(server, 2, via('198.51.100.1'));
    await assertError(await failFrom(server, 3, via('203.0.113.77, 198.51.100.1')), 'rate_limited');
  });

  it('reads an IPv4-mapped IPv6 peer as the IPv4 proxy', async (t) => {
    const server = await startServer(t, { IP_MAX_FAILURES: '2', TRUSTED_PROXIES: '10.0.0.0/8' });
    const mapped = (forwardedFor: string): RequestOptions => ({ peer: '::ffff:10.0.0.1', headers: { 'x-forwarded-for': forwardedFor } });
    await failFrom(server, 1, mapped('198.51.100.1'));
    await failFrom(server, 2, mapped('198.51.100.1'));
    await assertError(await failFrom(server, 3, mapped('198.51.100.2')), 'invalid_credentials');
  });
});

describe('rate limit: flows per client', () => {
  /** A sign-in started and taken to its first action, from `peer`: the flow is stored there. */
  const begin = async (server: TestServer, peer = '203.0.113.5') => {
    const flow = await bodyOf<FlowState>(await server.post('/api/flows/login', undefined, { peer }));
    return act(server, flow.id, 'email', { email: EMAIL }, { peer });
  };

  it('refuses more than IP_MAX_FLOWS sign-ins from one client with rate_limited, counted when each is stored', async (t) => {
    const server = await startServer(t, { IP_MAX_FLOWS: '3' });
    for (let i = 0; i < 3; i++) assert.equal((await begin(server)).status, 200);
    const response = await begin(server);
    await assertError(response.clone(), 'rate_limited');
    assert.ok(Number(response.headers.get('retry-after')) > 0);
    assert.equal((await server.db.selectFrom('flows').selectAll().execute()).length, 3);
  });

  it('lets a client open the sign-in page any number of times: a start stores nothing', async (t) => {
    const server = await startServer(t, { IP_MAX_FLOWS: '3' });
    for (let i = 0; i < 10; i++) assert.equal((await server.post('/api/flows/login', undefined, { peer: '203.0.113.5' })).status, 201);
    assert.deepEqual(await server.db.selectFrom('flows').selectAll().execute(), []);
  });

  it('lets another client sign in meanwhile', async (t) => {
    const server = await startServer(t, { IP_MAX_FLOWS: '3' });
    for (let i = 0; i < 4; i++) await begin(server);
    assert.equal((await begin(server, '203.0.113.6')).status, 200);
  });

  it('lets the client sign in again after the window', async (t) => {
    const server = await startServer(t, { IP_MAX_FLOWS: '3', RATE_WINDOW_MINUTES: '15' });
    for (let i = 0; i < 4; i++) await begin(server);
    server.clock.advance(15 * MINUTE);
    assert.equal((await begin(server)).status, 200);
  });
});
