import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { audit, type AuditEntry } from '../../../server/audit.js';
import { saveConfirmedPhone } from '../../../server/factors/sms.js';
import { issueRecoveryCode } from '../../../server/factors/recovery.js';
import type { ErrorCode } from '../../../server/errors.js';
import type { ErrorResponse } from '../../../server/flows/protocol.js';
import type { UserDetails } from '../../../server/users.js';
import { act, addUser, assertError, bodyOf, chooseMethod, EMAIL, grantOf, MINUTE, PASSWORD, reachPassword, signIn, skipBackup, startServer, WRONG_PASSWORD, type TestServer } from '../helpers.js';
import { addTotp, flowOf, linkTokenIn, messagesTo, openLink, totpCode } from '../inbox.js';

const KEY = 'admin-key-for-tests-0123456789-abcdefghij';
const ENV = { ADMIN_API_KEY: KEY };
const INVITEE = 'new.employee@example.com';

interface AdminRequest {
  body?: unknown;
  /** The raw body, sent as is with `type`. */
  raw?: string;
  type?: string;
  /** The Authorization header; the right key unless given (null sends none). */
  authorization?: string | null;
  peer?: string;
}

/** One admin API request. */
function admin(server: TestServer, method: 'GET' | 'POST', path: string, { body, raw, type = 'application/json', authorization = `Bearer ${KEY}`, peer }: AdminRequest = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  if (authorization !== null) headers.authorization = authorization;
  const payload = raw ?? (body === undefined ? undefined : JSON.stringify(body));
  if (payload !== undefined) headers['content-type'] = type;
  return server.request(`/api/admin${path}`, { method, headers, ...(payload === undefined ? {} : { body: payload }) }, peer);
}

async function codeOf(response: Response): Promise<ErrorCode | undefined> {
  return (await bodyOf<Partial<ErrorResponse>>(response)).error?.code;
}

async function sessionStatus(server: TestServer, token: string): Promise<number> {
  return (await server.request('/api/session', { headers: { authorization: `Bearer ${token}` } })).status;
}

async function auditPage(server: TestServer, query: string): Promise<{ events: AuditEntry[]; next?: string }> {
  const response = await admin(server, 'GET', `/audit${query}`);
  assert.equal(response.status, 200, await response.clone().text());
  return bodyOf(response);
}

describe('admin API access', () => {
  it('does not exist without ADMIN_API_KEY (404), whatever is presented', async (t) => {
    const server = await startServer(t);
    for (const authorization of [null, `Bearer ${KEY}`, 'Bearer ']) {
      await assertError(await admin(server, 'GET', '/users', { authorization }), 'not_found');
    }
    await assertError(await admin(server, 'POST', '/users/invite', { body: { email: INVITEE } }), 'not_found');
    assert.deepEqual(await server.db.selectFrom('users').select('id').execute(), []);
  });

  it('refuses a missing, wrong, shortened, lengthened or differently sent key with 401', async (t) => {
    const server = await startServer(t, ENV);
    const refused: Array<string | null> = [null, '', 'Bearer', 'Bearer ', `Bearer ${KEY.slice(0, -1)}`, `Bearer ${KEY.slice(0, 8)}`, `Bearer ${KEY}x`, `Bearer  ${KEY}`, `Basic ${KEY}`, KEY, `Bearer ${KEY.toUpperCase()}`];
    for (const authorization of refused) {
      const response = await admin(server, 'GET', '/users', { authorization });
      assert.equal(response.status, 401, String(authorization));
      assert.equal(await codeOf(response), 'unauthenticated');
    }
    const ok = await admin(server, 'GET', '/users');
    assert.equal(ok.status, 200);
    // RFC 7235 §2.1: the scheme is case-insensitive; the key is not.
    assert.equal((await admin(server, 'GET', '/users', { authorization: `bearer ${KEY}` })).status, 200);
    assert.equal(ok.headers.get('cache-control'), 'no-store');
  });

  it('counts wrong keys per client: 429 after IP_MAX_FAILURES, even for the right key, and another client is not affected', async (t) => {
    const server = await startServer(t, { ...ENV, IP_MAX_FAILURES: '3' });
    const peer = '203.0.113.9';
    for (let i = 0; i < 3; i++) assert.equal((await admin(server, 'GET', '/users', { authorization: `Bearer wrong-${i}`, peer })).status, 401);
    const limited = await admin(server, 'GET', '/users', { authorization: 'Bearer wrong-3', peer });
    await assertError(limited, 'rate_limited');
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    // Were the right key let through now, 429 against 200 would tell a guesser when they hit it.
    await assertError(await admin(server, 'GET', '/users', { peer }), 'rate_limited');
    assert.equal((await admin(server, 'GET', '/users', { peer: '203.0.113.10' })).status, 200);
    // The window ends, and the key works again from that client.
    server.clock.advance(server.config.rateWindowMinutes * MINUTE);
    assert.equal((await admin(server, 'GET', '/users', { peer })).status, 200);
  });
});

describe('admin API: invitations', () => {
  it('invites with 201, resends with 200, and only the newest link opens', async (t) => {
    const server = await startServer(t, ENV);
    const first = await admin(server, 'POST', '/users/invite', { body: { email: ' New.Employee@Example.com ', name: 'Nina', locale: 'nl' } });
    assert.equal(first.status, 201);
    const invited = await bodyOf<{ user: { email: string; status: string; name: string }; resent: boolean; delivery: unknown; expiresAt: number; link?: string }>(first);
    assert.deepEqual(invited.user.email, INVITEE);
    assert.equal(invited.user.status, 'invited');
    assert.equal(invited.resent, false);
    assert.deepEqual(invited.delivery, { delivered: true, queued: false });
    assert.equal(invited.expiresAt, server.clock.now + 7 * 24 * 60 * MINUTE);
    assert.equal(invited.link, undefined, 'the link goes to the person, not to the caller');
    const again = await admin(server, 'POST', '/users/invite', { body: { email: INVITEE } });
    assert.equal(again.status, 200);
    assert.equal((await bodyOf<{ resent: boolean }>(again)).resent, true);
    const [oldToken, newToken] = (await messagesTo(server, INVITEE)).map((m) => linkTokenIn(m.body));
    assert.ok(oldToken && newToken && oldToken !== newToken);
    const opened = await Promise.all([openLink(server, 'activate', oldToken), openLink(server, 'activate', newToken)]);
    const statuses = opened.map((r) => r.status);
    // The outbox gives no order; exactly one of the two is the live one.
    assert.deepEqual(statuses.sort(), [201, 410]);
    const events = await server.db.selectFrom('audit_events').select(['event', 'actor', 'detail']).where('event', '=', 'user.invited').execute();
    assert.deepEqual(events.map((e) => [e.actor, JSON.parse(e.detail!).resent]).sort(), [['admin', false], ['admin', true]]);
  });

  it('writes a resent invitation in the language the person was invited in', async (t) => {
    const server = await startServer(t, ENV);
    await admin(server, 'POST', '/users/invite', { body: { email: INVITEE, locale: 'nl' } });
    await admin(server, 'POST', '/users/invite', { body: { email: INVITEE } });
    const subjects = (await messagesTo(server, INVITEE)).map((m) => m.subject);
    assert.equal(subjects.length, 2);
    for (const subject of subjects) assert.match(subject, /^Activeer je /);
  });

  it('refuses to invite an active user (409 user_active), a disabled one (409 user_exists) and a bad address (400 invalid_email)', async (t) => {
    const server = await startServer(t, ENV);
    await addUser(server);
    await assertError(await admin(server, 'POST', '/users/invite', { body: { email: EMAIL.toUpperCase() } }), 'user_active');
    await admin(server, 'POST', '/users/disable', { body: { email: EMAIL } });
    await assertError(await admin(server, 'POST', '/users/invite', { body: { email: EMAIL } }), 'user_exists');
    for (const email of ['not-an-address', '', 'a@', `${'x'.repeat(250)}@example.com`]) {
      await assertError(await admin(server, 'POST', '/users/invite', { body: { email } }), 'invalid_email');
    }
    assert.deepEqual(await messagesTo(server, EMAIL), []);
  });

  it('answers malformed requests with 400, 413 or 415, never 500', async (t) => {
    const server = await startServer(t, ENV);
    const cases: Array<[AdminRequest, ErrorCode]> = [
      [{}, 'invalid_request'],
      [{ body: null }, 'invalid_request'],
      [{ body: [] }, 'invalid_request'],
      [{ body: 'email' }, 'invalid_request'],
      [{ body: { email: 5 } }, 'invalid_request'],
      [{ body: { email: INVITEE, admin: true } }, 'invalid_request'],
      [{ body: { email: 'x'.repeat(2000) } }, 'invalid_request'],
      [{ raw: '{"email":' }, 'invalid_json'],
      [{ raw: `email=${INVITEE}`, type: 'application/x-www-form-urlencoded' }, 'unsupported_media_type'],
      [{ raw: JSON.stringify({ email: 'x'.repeat(100_000) }) }, 'body_too_large'],
    ];
    for (const path of ['/users/invite', '/users/reset-mfa', '/users/disable']) {
      for (const [request, code] of cases) {
        const response = await admin(server, 'POST', path, request);
        assert.equal(await codeOf(response), code, `${path} ${JSON.stringify(request).slice(0, 80)}`);
        assert.ok(response.status >= 400 && response.status < 500);
      }
    }
    await assertError(await admin(server, 'POST', '/users/invite', { body: { email: INVITEE, locale: 'de' } }), 'invalid_request');
    await assertError(await admin(server, 'POST', '/users/invite', { body: { email: INVITEE, name: 'x'.repeat(201) } }), 'invalid_request');
    assert.deepEqual(await server.db.selectFrom('users').select('id').execute(), []);
  });
});

describe('admin API: support', () => {
  it('reset-mfa removes the second factors and returns a backup code that signs in once', async (t) => {
    const server = await startServer(t, { ...ENV, SMS: 'outbox' });
    const user = await addUser(server);
    await addTotp(server, user.id);
    await saveConfirmedPhone(server.db, server.context.secretKey, { userId: user.id, phone: '+31612345678', now: server.clock.now });
    const response = await admin(server, 'POST', '/users/reset-mfa', { body: { email: EMAIL } });
    assert.equal(response.status, 200);
    const { backupCode, user: who } = await bodyOf<{ backupCode: string; user: { email: string } }>(response);
    assert.equal(who.email, EMAIL);
    assert.match(backupCode, /^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
    assert.deepEqual(await server.db.selectFrom('credentials').select('id').where('user_id', '=', user.id).execute(), []);
    assert.ok((await messagesTo(server, EMAIL)).some((m) => /reset/i.test(m.subject)), 'the person is told');
    const flow = await flowOf(await signIn(server));
    if (flow.step !== 'second-factor') return assert.fail(JSON.stringify(flow));
    assert.deepEqual(flow.data.methods, ['recovery_code']);
    const setup = await flowOf(await act(server, flow.id, 'recovery-code', { code: backupCode.toLowerCase() }));
    if (setup.step !== 'method-choice') return assert.fail(JSON.stringify(setup));
    assert.equal(setup.data.reason, 'recovered');
    // Spent: the store holds no live code for the person any more.
    assert.deepEqual(await server.db.selectFrom('recovery_codes').select(['kind', 'used_at']).where('user_id', '=', user.id).execute(), [{ kind: 'support', used_at: server.clock.now }]);
  });

  it('reset-mfa and disable answer 404 user_not_found for an unknown address', async (t) => {
    const server = await startServer(t, ENV);
    await assertError(await admin(server, 'POST', '/users/reset-mfa', { body: { email: 'nobody@example.com' } }), 'user_not_found');
    await assertError(await admin(server, 'POST', '/users/disable', { body: { email: 'nobody@example.com' } }), 'user_not_found');
    await assertError(await admin(server, 'POST', '/users/disable', { body: { email: 'not an address' } }), 'invalid_email');
  });

  it('disable ends a live session at once and refuses the next sign-in', async (t) => {
    const server = await startServer(t, { ...ENV, SESSION_COOKIE: 'false' });
    await addUser(server);
    const grant = grantOf(await flowOf(await signIn(server)));
    const pending = await reachPassword(server); // a sign-in under way
    assert.equal(await sessionStatus(server, grant.token!), 200);
    const response = await admin(server, 'POST', '/users/disable', { body: { email: EMAIL } });
    assert.equal(response.status, 200);
    assert.equal((await bodyOf<{ user: { status: string } }>(response)).user.status, 'disabled');
    assert.equal(await sessionStatus(server, grant.token!), 401);
    const session = await server.db.selectFrom('sessions').select('revoked_at').executeTakeFirstOrThrow();
    assert.equal(session.revoked_at, server.clock.now);
    await assertError(await act(server, pending, 'password', { password: PASSWORD }), 'account_disabled');
    await assertError(await signIn(server), 'account_disabled');
  });

  it('lists users with their second factors, recovery code and open invitation', async (t) => {
    const server = await startServer(t, ENV);
    const user = await addUser(server);
    await addTotp(server, user.id);
    await addTotp(server, user.id);
    await saveConfirmedPhone(server.db, server.context.secretKey, { userId: user.id, phone: '+31612345678', now: server.clock.now });
    await issueRecoveryCode(server.db, { userId: user.id, kind: 'recovery', now: server.clock.now });
    server.clock.advance(1);
    await admin(server, 'POST', '/users/invite', { body: { email: INVITEE } });
    const response = await admin(server, 'GET', '/users');
    const { users } = await bodyOf<{ users: UserDetails[] }>(response);
    assert.deepEqual(users.map(({ id: _id, createdAt: _at, ...rest }) => rest), [
      { email: EMAIL, name: '', status: 'active', emailVerified: true, factors: { totp: 2, sms: 1 }, hasRecoveryCode: true, invitationExpiresAt: null },
      { email: INVITEE, name: '', status: 'invited', emailVerified: false, factors: {}, hasRecoveryCode: false, invitationExpiresAt: server.clock.now + 7 * 24 * 60 * MINUTE },
    ]);
    assert.ok(!JSON.stringify(users).includes('612345678'), 'no phone number in the list');
  });
});

describe('admin API: audit log', () => {
  it('shows sign-in failures and successes, factor changes, recovery, support reset and disable, with their actor', async (t) => {
    const server = await startServer(t, { ...ENV, MFA_REQUIRED_FROM: '2040-01-01' });
    const user = await addUser(server);
    const bystander = await addUser(server, 'bob@example.com');
    await signIn(server, EMAIL, WRONG_PASSWORD, { peer: '192.0.2.1' });
    server.clock.advance(1000);
    // Sign in and set up an authenticator at the prompt.
    const prompt = await flowOf(await signIn(server, EMAIL, PASSWORD, { peer: '192.0.2.1' }));
    const setup = await chooseMethod(server, await flowOf(await act(server, prompt.id, 'enable', {})));
    if (setup.step !== 'totp-setup') return assert.fail(JSON.stringify(setup));
    const recovery = await skipBackup(server, await flowOf(await act(server, setup.id, 'totp', { code: totpCode(setup.data.secret, server.clock.now) })));
    server.clock.advance(1000);
    grantOf(await flowOf(await act(server, recovery.id, 'confirm', { saved: true })));
    server.clock.advance(1000);
    const { backupCode } = await bodyOf<{ backupCode: string }>(await admin(server, 'POST', '/users/reset-mfa', { body: { email: EMAIL } }));
    server.clock.advance(1000);
    const second = await flowOf(await signIn(server));
    await act(server, second.id, 'recovery-code', { code: backupCode });
    server.clock.advance(1000);
    await admin(server, 'POST', '/users/disable', { body: { email: EMAIL } });

    const { events } = await auditPage(server, `?email=${encodeURIComponent(EMAIL)}`);
    assert.ok(events.every((e) => e.userId === user.id), 'only the user asked for');
    const summary = events.map((e) => `${e.event}/${e.actor}`).reverse();
    assert.deepEqual(summary, ['login.failure/user', 'factor.added/user', 'login.success/user', 'mfa.reset/admin', 'recovery.used/user', 'user.disabled/admin']);
    const failure = events.find((e) => e.event === 'login.failure')!;
    assert.equal(failure.ip, '192.0.2.1');
    assert.equal(failure.detail.method, 'password');
    assert.equal(events.find((e) => e.event === 'factor.added')!.detail.factor, 'totp');
    assert.equal(events.find((e) => e.event === 'recovery.used')!.detail.kind, 'support');
    assert.ok(!JSON.stringify(events).includes(backupCode), 'no secret in the log');
    // Newest first.
    assert.deepEqual(events.map((e) => e.at), [...events.map((e) => e.at)].sort((a, b) => b - a));
    assert.ok(bystander.id);
  });

  it('pages back with the next cursor without losing or repeating events that share a timestamp', async (t) => {
    const server = await startServer(t, ENV);
    const user = await addUser(server);
    // Seven events, five of them in the same millisecond (one request often writes several).
    for (let i = 0; i < 5; i++) await audit(server.context, { event: 'login.failure', userId: user.id, detail: { n: i } });
    server.clock.advance(1);
    for (let i = 5; i < 7; i++) await audit(server.context, { event: 'login.failure', userId: user.id, detail: { n: i } });
    const all = (await auditPage(server, '?limit=100')).events;
    assert.equal(all.length, 7);
    const seen: AuditEntry[] = [];
    let query = '?limit=2';
    for (let page = 0; page < 10; page++) {
      const { events, next } = await auditPage(server, query);
      assert.ok(events.length <= 2);
      seen.push(...events);
      if (!next) break;
      query = `?limit=2&before=${encodeURIComponent(next)}`;
    }
    assert.deepEqual(seen.map((e) => e.id), all.map((e) => e.id));
    assert.deepEqual(seen.map((e) => e.detail.n).slice(0, 2).sort(), [5, 6]);
  });

  it('takes before as a time too: only events strictly earlier', async (t) => {
    const server = await startServer(t, ENV);
    const user = await addUser(server);
    const t0 = server.clock.now;
    await audit(server.context, { event: 'login.failure', userId: user.id });
    server.clock.advance(1000);
    await audit(server.context, { event: 'login.success', userId: user.id });
    assert.deepEqual((await auditPage(server, `?before=${t0 + 1000}`)).events.map((e) => e.event), ['login.failure']);
    assert.deepEqual((await auditPage(server, `?before=${t0}`)).events, []);
    await assertError(await admin(server, 'GET', '/audit?before=no-such-event'), 'invalid_request');
  });

  it('filters by email and keeps limit within 1..1000', async (t) => {
    const server = await startServer(t, ENV);
    const alice = await addUser(server);
    const bob = await addUser(server, 'bob@example.com');
    for (let i = 0; i < 3; i++) await audit(server.context, { event: 'login.failure', userId: alice.id });
    await audit(server.context, { event: 'login.failure', userId: bob.id });
    assert.deepEqual((await auditPage(server, '?email=BOB@example.com')).events.map((e) => e.userId), [bob.id]);
    assert.equal((await auditPage(server, '?limit=1')).events.length, 1);
    assert.equal((await auditPage(server, '?limit=1000')).events.length, 4);
    assert.equal((await auditPage(server, '')).events.length, 4);
    for (const limit of ['0', '1001', '-1', '1.5', 'ten']) await assertError(await admin(server, 'GET', `/audit?limit=${limit}`), 'invalid_request');
    await assertError(await admin(server, 'GET', '/audit?email=nobody@example.com'), 'user_not_found');
    await assertError(await admin(server, 'GET', '/audit?email=not-an-address'), 'invalid_email');
  });
});
