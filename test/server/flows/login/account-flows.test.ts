import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { decodeJwt } from 'jose';
import { saveConfirmedPhone } from '../../../../server/factors/sms.js';
import type { FlowState } from '../../../../server/flows/protocol.js';
import type { UserSummary } from '../../../../server/users.js';
import { sha256 } from '../../../../server/security/random.js';
import { renewSession, revokeSession } from '../../../../server/security/sessions.js';
import { act, addUser, assertError, bodyOf, EMAIL, grantOf, MINUTE, PASSWORD, SESSION_COOKIE_NAME, sessionCookieToken, setCookieFor, signIn, startServer, WRONG_PASSWORD, type TestServer } from '../../helpers.js';
import { addTotp, codeIn, flowOf, messagesTo, newMessages, totpCode } from '../../inbox.js';
import { SoftAuthenticator } from '../../soft-authenticator.js';

const PHONE = '+31612345678';
/** Bearer sessions: the grant carries the token, as for a host on another site. */
const BEARER = { SESSION_COOKIE: 'false', SMS: 'outbox' };

interface Signed {
  server: TestServer;
  user: UserSummary;
  token: string;
  secret?: string;
}

/** Signs in through a login flow (with the authenticator code when the person has one) and returns the session token. */
async function signInToken(server: TestServer, secret?: string): Promise<string> {
  const start = await flowOf(await server.post('/api/flows/login'));
  await act(server, start.id, 'email', { email: EMAIL });
  let flow = await flowOf(await act(server, start.id, 'password', { password: PASSWORD }));
  if (flow.step === 'second-factor') flow = await flowOf(await act(server, flow.id, 'totp', { code: totpCode(secret!, server.clock.now) }));
  return grantOf(flow).token!;
}

async function signedIn(t: TestContext, { totp = true, env = {} }: { totp?: boolean; env?: Record<string, string> } = {}): Promise<Signed> {
  const server = await startServer(t, { ...BEARER, ...env });
  const user = await addUser(server);
  const secret = totp ? await addTotp(server, user.id) : undefined;
  const token = await signInToken(server, secret);
  // The next time step: the code that signed in is spent.
  server.clock.advance(30_000);
  return { server, user, token, ...(secret ? { secret } : {}) };
}

const auth = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

function start(server: TestServer, kind: string, token?: string, body: unknown = {}): Promise<Response> {
  return server.post(`/api/flows/${kind}`, body, token ? auth(token) : {});
}

/** Does the token still answer for a session? */
async function alive(server: TestServer, token: string): Promise<boolean> {
  return (await server.request('/api/session', auth(token))).status === 200;
}

/** Re-authenticates with the password alone (the session's second factor is recent) and returns the new token. */
async function reauthenticate(server: TestServer, token: string): Promise<string> {
  const flow = await flowOf(await start(server, 'reauth', token));
  const renewed = grantOf(await flowOf(await act(server, flow.id, 'password', { password: PASSWORD }))).token;
  assert.ok(renewed, 'a re-authentication issues a new token');
  return renewed;
}

/** Can the session change sign-in methods now? Asked the way the account page asks: starting an enrolment. */
async function mayChange(server: TestServer, token: string): Promise<boolean> {
  const response = await start(server, 'enroll-totp', token);
  if (response.status === 201) return true;
  await assertError(response, 'reauthentication_required');
  return false;
}

describe('re-authentication (account page)', () => {
  it('needs a session, from the bearer header, the start body or the cookie', async (t) => {
    const { server, token } = await signedIn(t);
    await assertError(await start(server, 'reauth'), 'unauthenticated');
    await assertError(await start(server, 'reauth', undefined, { token: 'not-a-session-token-at-all-000000' }), 'unauthenticated');
    assert.equal((await start(server, 'reauth', token)).status, 201);
    assert.equal((await start(server, 'reauth', undefined, { token })).status, 201);
    await assertError(await start(server, 'reauth', undefined, { token, extra: 1 }), 'invalid_request');
  });

  it('asks the signed-in person for the password, with no other address and no reset from there', async (t) => {
    const { server, token } = await signedIn(t);
    const flow = await flowOf(await start(server, 'reauth', token));
    assert.equal(flow.step, 'password');
    if (flow.step !== 'password') return;
    assert.equal(flow.data.email, EMAIL);
    assert.ok(!flow.actions.includes('back') && !flow.actions.includes('forgot'), JSON.stringify(flow.actions));
    await assertError(await act(server, flow.id, 'forgot', {}), 'action_not_allowed');
  });

  it('with a recent second factor, takes the password alone and lets changes through for REAUTH_MINUTES', async (t) => {
    const { server, token, user } = await signedIn(t);
    server.clock.advance(11 * MINUTE);
    assert.equal(await mayChange(server, token), false, 'a sign-in 11 minutes old may not change methods');
    const flow = await flowOf(await start(server, 'reauth', token));
    const done = await flowOf(await act(server, flow.id, 'password', { password: PASSWORD }));
    const grant = grantOf(done);
    assert.equal(grant.user.id, user.id);
    const claims = decodeJwt(grant.jwt);
    assert.equal(claims.auth_time, Math.floor(server.clock.now / 1000), 'the JWT carries the re-authentication time');
    assert.equal((await server.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute()).length, 1, 'no new session');
    assert.equal(await mayChange(server, grant.token!), true);
    server.clock.advance(10 * MINUTE);
    assert.equal(await mayChange(server, grant.token!), false, 'the window closes after REAUTH_MINUTES');
  });

  it('asks the second factor too when the session never passed one (a remembered device) or passed it over REAUTH_MFA_HOURS ago', async (t) => {
    const { server, token, secret } = await signedIn(t, { env: { REAUTH_MFA_HOURS: '1', SESSION_IDLE_MINUTES: '600' } });
    server.clock.advance(61 * MINUTE);
    const flow = await flowOf(await start(server, 'reauth', token));
    const second = await flowOf(await act(server, flow.id, 'password', { password: PASSWORD }));
    assert.equal(second.step, 'second-factor');
    if (second.step !== 'second-factor') return;
    assert.deepEqual(second.data.methods, ['totp'], 'no recovery code at re-authentication');
    assert.equal(second.data.rememberDays, null, 'no "remember this device" inside a session');
    assert.equal(await mayChange(server, token), false, 'the password alone is not enough');
    const done = await flowOf(await act(server, second.id, 'totp', { code: totpCode(secret!, server.clock.now) }));
    assert.deepEqual(grantOf(done).amr, ['pwd', 'otp', 'mfa']);
    assert.equal(await mayChange(server, grantOf(done).token!), true);
  });

  it('counts a wrong password against the flow and the account, and changes nothing', async (t) => {
    const { server, token } = await signedIn(t, { env: { FLOW_MAX_ATTEMPTS: '2' } });
    server.clock.advance(11 * MINUTE);
    const flow = await flowOf(await start(server, 'reauth', token));
    await assertError(await act(server, flow.id, 'password', { password: WRONG_PASSWORD }), 'invalid_credentials');
    await assertError(await act(server, flow.id, 'password', { password: WRONG_PASSWORD }), 'invalid_credentials');
    await assertError(await act(server, flow.id, 'password', { password: PASSWORD }), 'too_many_attempts');
    assert.equal(await mayChange(server, token), false);
  });

  it('dies with its session: a re-authentication of a revoked session is refused and records nothing', async (t) => {
    const { server, token } = await signedIn(t);
    const flow = await flowOf(await start(server, 'reauth', token));
    assert.equal((await server.request('/api/session', { method: 'DELETE', ...auth(token) })).status, 204);
    await assertError(await act(server, flow.id, 'password', { password: PASSWORD }), 'unauthenticated');
    const row = await server.db.selectFrom('sessions').select(['reauth_at', 'token_hash']).executeTakeFirstOrThrow();
    assert.equal(row.reauth_at, null);
    assert.equal(row.token_hash, sha256(token), 'no new token either');
  });

  it('does not revive a session revoked between the password and the code: no token, and it stays ended', async (t) => {
    const { server, token, secret } = await signedIn(t, { env: { REAUTH_MFA_HOURS: '0' } });
    const flow = await flowOf(await start(server, 'reauth', token));
    const second = await flowOf(await act(server, flow.id, 'password', { password: PASSWORD }));
    assert.equal(second.step, 'second-factor');
    assert.equal((await server.request('/api/session', { method: 'DELETE', ...auth(token) })).status, 204);
    await assertError(await act(server, second.id, 'totp', { code: totpCode(secret!, server.clock.now) }), 'unauthenticated');
    const row = await server.db.selectFrom('sessions').select(['reauth_at', 'token_hash', 'revoked_at']).executeTakeFirstOrThrow();
    assert.deepEqual([row.reauth_at, row.token_hash, row.revoked_at !== null], [null, sha256(token), true]);
  });

  it('cannot be finished by another person: the password is the session owner\'s', async (t) => {
    const { server, token } = await signedIn(t);
    await addUser(server, 'mallory@example.com', 'Purple-Stapler-7-Orbit!');
    server.clock.advance(11 * MINUTE);
    const flow = await flowOf(await start(server, 'reauth', token));
    await assertError(await act(server, flow.id, 'password', { password: 'Purple-Stapler-7-Orbit!' }), 'invalid_credentials');
    await assertError(await act(server, flow.id, 'email', { email: 'mallory@example.com' }), 'action_not_allowed');
  });
});

describe('adding a second factor from the account page', () => {
  it('refuses to start without a recent (re-)authentication', async (t) => {
    const { server, token } = await signedIn(t);
    server.clock.advance(11 * MINUTE);
    for (const kind of ['enroll-totp', 'enroll-passkey', 'enroll-sms']) await assertError(await start(server, kind, token), 'reauthentication_required');
    await assertError(await start(server, 'enroll-totp'), 'unauthenticated');
  });

  it('turns 2FA on with the authenticator app: set-up, the recovery code (no backup offer: the page lists the methods), and the same session', async (t) => {
    const { server, token, user } = await signedIn(t, { totp: false });
    const setup = await flowOf(await start(server, 'enroll-totp', token));
    assert.equal(setup.step, 'totp-setup');
    if (setup.step !== 'totp-setup') return;
    assert.deepEqual(setup.actions, ['totp'], 'the account page closes its own enrolment: no back');
    await assertError(await act(server, setup.id, 'back', {}), 'action_not_allowed');
    const recovery = await flowOf(await act(server, setup.id, 'totp', { code: totpCode(setup.data.secret, server.clock.now) }));
    assert.equal(recovery.step, 'recovery-code', 'the first factor comes with a recovery code');
    const done = await flowOf(await act(server, recovery.id, 'confirm', { saved: true }));
    assert.equal(grantOf(done).token, undefined, 'an enrolment is no authentication: the token stays');
    assert.equal(await alive(server, token), true);
    const credentials = await server.db.selectFrom('credentials').select(['type', 'confirmed_at']).where('user_id', '=', user.id).execute();
    assert.deepEqual(credentials.map((c) => [c.type, c.confirmed_at !== null]), [['totp', true]]);
    assert.equal((await server.db.selectFrom('sessions').select('id').execute()).length, 1, 'no new session');
  });

  it('adds another authenticator without replacing the recovery code the person saved', async (t) => {
    const { server, token, user } = await signedIn(t, { env: { SMS: 'off' } });
    await server.db.insertInto('recovery_codes').values({ id: 'saved', user_id: user.id, code_hash: 'x', kind: 'recovery', created_at: 0, used_at: null }).execute();
    const setup = await flowOf(await start(server, 'enroll-totp', token));
    if (setup.step !== 'totp-setup') return assert.fail(setup.step);
    const done = await flowOf(await act(server, setup.id, 'totp', { code: totpCode(setup.data.secret, server.clock.now) }));
    grantOf(done);
    const codes = await server.db.selectFrom('recovery_codes').select('id').where('user_id', '=', user.id).execute();
    assert.deepEqual(codes.map((c) => c.id), ['saved']);
  });

  it('adds a backup number by text message, only beside an app or a passkey, without a skip', async (t) => {
    const { server, token } = await signedIn(t);
    const setup = await flowOf(await start(server, 'enroll-sms', token));
    assert.equal(setup.step, 'sms-setup');
    assert.deepEqual(setup.actions, ['phone'], 'no back: the page closes its own panel');
    const before = await messagesTo(server, PHONE, 'sms');
    const sent = await flowOf(await act(server, setup.id, 'phone', { phone: '06 12345678' }));
    assert.equal(sent.step, 'sms-setup');
    const [text] = await newMessages(server, PHONE, before, 'sms');
    const done = await flowOf(await act(server, setup.id, 'code', { code: codeIn(text!) }));
    grantOf(done);
    const phone = await server.db.selectFrom('credentials').select('type').where('type', '=', 'sms').where('confirmed_at', 'is not', null).executeTakeFirst();
    assert.ok(phone);

    const { server: bare, token: bareToken } = await signedIn(t, { totp: false });
    await assertError(await start(bare, 'enroll-sms', bareToken), 'action_not_allowed');
  });

  it('refuses a backup number that is not possible for its region (12345 in the Netherlands), and takes a foreign one', async (t) => {
    const { server, token } = await signedIn(t);
    const setup = await flowOf(await start(server, 'enroll-sms', token));
    await assertError(await act(server, setup.id, 'phone', { phone: '12345' }), 'invalid_phone');
    const sent = await flowOf(await act(server, setup.id, 'phone', { phone: '+44 7911 123456' }));
    assert.equal(sent.error, undefined);
    const [text] = await messagesTo(server, '+447911123456', 'sms');
    grantOf(await flowOf(await act(server, setup.id, 'code', { code: codeIn(text!) })));
  });

  it('stops at once when the session is revoked mid-way: no factor is added', async (t) => {
    const { server, token, user } = await signedIn(t, { totp: false });
    const setup = await flowOf(await start(server, 'enroll-totp', token));
    if (setup.step !== 'totp-setup') return assert.fail(setup.step);
    await server.db.updateTable('sessions').set({ revoked_at: server.clock.now }).execute();
    await assertError(await act(server, setup.id, 'totp', { code: totpCode(setup.data.secret, server.clock.now) }), 'unauthenticated');
    const confirmed = await server.db.selectFrom('credentials').select('id').where('user_id', '=', user.id).where('confirmed_at', 'is not', null).execute();
    assert.deepEqual(confirmed, []);
  });

  it('keeps a phone number added elsewhere as the one on file', async (t) => {
    const { server, token, user } = await signedIn(t);
    await saveConfirmedPhone(server.db, server.context.secretKey, { userId: user.id, phone: PHONE, now: server.clock.now });
    const setup = await flowOf(await start(server, 'enroll-totp', token));
    if (setup.step !== 'totp-setup') return assert.fail(setup.step);
    const next = await bodyOf<FlowState>(await act(server, setup.id, 'totp', { code: totpCode(setup.data.secret, server.clock.now) }));
    assert.notEqual(next.step, 'sms-setup', 'no backup number offer when one is set');
  });
});

describe('passkeys on the account page', () => {
  it('adds a passkey through the login\'s set-up step, then re-authenticates with it alone (user verification: both factors)', async (t) => {
    const { server, token } = await signedIn(t, { env: { PASSKEYS: 'true' } });
    const authenticator = new SoftAuthenticator('http://localhost:3000');
    const setup = await flowOf(await start(server, 'enroll-passkey', token));
    if (setup.step !== 'passkey-setup') return assert.fail(setup.step);
    assert.deepEqual(setup.actions, ['register']);
    const recovery = await flowOf(await act(server, setup.id, 'register', { response: authenticator.create(setup.data.options), name: 'Laptop' }));
    // The person had no recovery code yet, so one comes.
    assert.equal(recovery.step, 'recovery-code');
    grantOf(await flowOf(await act(server, recovery.id, 'confirm', { saved: true })));

    server.clock.advance(11 * MINUTE);
    const flow = await flowOf(await start(server, 'reauth', token));
    if (flow.step !== 'password' || !flow.data.passkey) return assert.fail(JSON.stringify(flow));
    const done = await flowOf(await act(server, flow.id, 'passkey', { response: authenticator.get(flow.data.passkey.options) }));
    assert.deepEqual(grantOf(done).amr, ['pwd', 'otp', 'hwk', 'mfa']);
    assert.equal(await alive(server, token), false, 'a passkey re-authentication renews the token too');
    assert.equal(await mayChange(server, grantOf(done).token!), true);
  });

  it('refuses another account\'s passkey at re-authentication', async (t) => {
    const { server, token } = await signedIn(t, { env: { PASSKEYS: 'true' } });
    // Bob has a passkey; Alice's session asks.
    await addUser(server, 'bob@example.com');
    const bobToken = await (async () => {
      const first = await flowOf(await server.post('/api/flows/login'));
      await act(server, first.id, 'email', { email: 'bob@example.com' });
      return grantOf(await flowOf(await act(server, first.id, 'password', { password: PASSWORD }))).token!;
    })();
    const bobKey = new SoftAuthenticator('http://localhost:3000');
    const bobSetup = await flowOf(await start(server, 'enroll-passkey', bobToken));
    if (bobSetup.step !== 'passkey-setup') return assert.fail(bobSetup.step);
    await act(server, bobSetup.id, 'register', { response: bobKey.create(bobSetup.data.options), name: 'Bob' });

    server.clock.advance(11 * MINUTE);
    const flow = await flowOf(await start(server, 'reauth', token));
    if (flow.step !== 'password' || !flow.data.passkey) return assert.fail(JSON.stringify(flow));
    const refused = await bodyOf<FlowState>(await act(server, flow.id, 'passkey', { response: bobKey.get(flow.data.passkey.options) }));
    assert.notEqual(refused.step, 'done');
    assert.equal(await mayChange(server, token), false);
  });
});

describe('REAUTH_MFA_HOURS=0', () => {
  it('asks the second factor at every re-authentication, and that re-authentication lets changes through', async (t) => {
    const { server, token, secret } = await signedIn(t, { env: { REAUTH_MFA_HOURS: '0' } });
    assert.equal(await mayChange(server, token), true, 'a sign-in that passed 2FA is fresh');
    server.clock.advance(11 * MINUTE);
    const flow = await flowOf(await start(server, 'reauth', token));
    const second = await flowOf(await act(server, flow.id, 'password', { password: PASSWORD }));
    assert.equal(second.step, 'second-factor');
    const done = grantOf(await flowOf(await act(server, second.id, 'totp', { code: totpCode(secret!, server.clock.now) })));
    assert.equal(await mayChange(server, done.token!), true);
  });
});

describe('a re-authentication renews the session token (OWASP ASVS 5.0 V7.2.4)', () => {
  it('gives the same session a new token and ends the old one at once', async (t) => {
    const { server, token, user } = await signedIn(t);
    server.clock.advance(11 * MINUTE);
    const before = await server.db.selectFrom('sessions').selectAll().executeTakeFirstOrThrow();
    const renewed = await reauthenticate(server, token);
    assert.notEqual(renewed, token);
    assert.match(renewed, /^[A-Za-z0-9_-]{43}$/, '256 random bits');
    for (const path of ['/api/session', '/api/account', '/api/account/sessions']) {
      await assertError(await server.request(path, auth(token)), 'unauthenticated');
      assert.equal((await server.request(path, auth(renewed))).status, 200, path);
    }
    const described = await bodyOf<{ session: { id: string } }>(await server.request('/api/session', auth(renewed)));
    assert.equal(described.session.id, before.id);
    const after = await server.db.selectFrom('sessions').selectAll().where('user_id', '=', user.id).execute();
    assert.equal(after.length, 1, 'no new session');
    const [row] = after;
    assert.deepEqual(
      [row!.id, row!.created_at, row!.expires_at, row!.revoked_at, row!.token_hash, Number(row!.reauth_at)],
      [before.id, before.created_at, before.expires_at, null, sha256(renewed), server.clock.now],
      'the same row, its times kept, only the stored hash of the new token',
    );
    assert.equal(await mayChange(server, renewed), true);
  });

  it('sets the new token as the cookie when the API keeps it there, and the old cookie is dead', async (t) => {
    const server = await startServer(t, { SMS: 'outbox' });
    await addUser(server);
    const cookie = (value: string) => ({ headers: { cookie: `${SESSION_COOKIE_NAME}=${value}` } });
    const first = sessionCookieToken(await signIn(server));
    server.clock.advance(11 * MINUTE);
    const flow = await flowOf(await server.post('/api/flows/reauth', {}, cookie(first)));
    const done = await act(server, flow.id, 'password', { password: PASSWORD }, cookie(first));
    assert.equal(done.status, 200);
    const renewed = sessionCookieToken(done);
    assert.notEqual(renewed, first);
    assert.match(setCookieFor(done, SESSION_COOKIE_NAME)!, /HttpOnly/i);
    assert.equal(grantOf(await flowOf(done)).token, undefined, 'the token stays out of page scripts\' reach');
    assert.equal((await server.request('/api/session', cookie(first))).status, 401);
    assert.equal((await server.request('/api/session', cookie(renewed))).status, 200);

    // Adding a factor next is no authentication: no new cookie, the same token.
    const setup = await flowOf(await server.post('/api/flows/enroll-totp', {}, cookie(renewed)));
    if (setup.step !== 'totp-setup') return assert.fail(JSON.stringify(setup));
    await act(server, setup.id, 'totp', { code: totpCode(setup.data.secret, server.clock.now) }, cookie(renewed));
    const enrolled = await act(server, setup.id, 'confirm', { saved: true }, cookie(renewed));
    grantOf(await flowOf(enrolled));
    assert.equal(setCookieFor(enrolled, SESSION_COOKIE_NAME), undefined);
    assert.equal((await server.request('/api/session', cookie(renewed))).status, 200);
  });

  it('ends the flows opened with the old token: a second re-authentication from it is refused', async (t) => {
    const { server, token } = await signedIn(t);
    const first = await flowOf(await start(server, 'reauth', token));
    const second = await flowOf(await start(server, 'reauth', token));
    const renewed = grantOf(await flowOf(await act(server, first.id, 'password', { password: PASSWORD }))).token!;
    await assertError(await act(server, second.id, 'password', { password: PASSWORD }), 'unauthenticated');
    assert.equal(await alive(server, renewed), true);
    assert.equal(await alive(server, token), false);
  });

  it('of two re-authentications racing from one token, one renews it and the other is refused: never two live tokens', async (t) => {
    const { server, token } = await signedIn(t);
    const flows = [await flowOf(await start(server, 'reauth', token)), await flowOf(await start(server, 'reauth', token))];
    const answers = await Promise.all(flows.map((flow) => act(server, flow.id, 'password', { password: PASSWORD })));
    assert.deepEqual(answers.map((r) => r.status).sort(), [200, 401]);
    const won = answers.find((r) => r.status === 200)!;
    await assertError(answers.find((r) => r.status === 401)!, 'unauthenticated');
    const renewed = grantOf(await flowOf(won)).token!;
    assert.equal(await alive(server, renewed), true);
    assert.equal(await alive(server, token), false);
    const rows = await server.db.selectFrom('sessions').select('token_hash').where('revoked_at', 'is', null).execute();
    assert.deepEqual(rows.map((r) => r.token_hash), [sha256(renewed)]);
  });

  it('renews only a live session that still holds the token being replaced, in one conditional update', async (t) => {
    const { server, token } = await signedIn(t);
    const { id } = await server.db.selectFrom('sessions').select('id').executeTakeFirstOrThrow();
    const now = server.clock.now;
    const renew = (replaced: string) => renewSession(server.db, { id, tokenHash: sha256(replaced), amr: ['pwd', 'otp', 'mfa'], mfa: true, now });
    const renewed = await renew(token);
    assert.ok(renewed);
    assert.equal(await renew(token), undefined, 'the old token is no longer the session\'s: no second new token');
    await revokeSession(server.db, id, now + 1);
    assert.equal(await renew(renewed), undefined, 'a revoked session is not revived');
    const row = await server.db.selectFrom('sessions').select(['token_hash', 'revoked_at']).executeTakeFirstOrThrow();
    assert.deepEqual([row.token_hash, Number(row.revoked_at)], [sha256(renewed), now + 1]);
  });
});
