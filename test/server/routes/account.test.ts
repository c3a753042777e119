import assert from 'node:assert/strict';
import pg from 'pg';
import { describe, it, type TestContext } from 'node:test';
import { issueRecoveryCode } from '../../../server/factors/recovery.js';
import { saveConfirmedPhone } from '../../../server/factors/sms.js';
import type { FlowState } from '../../../server/flows/protocol.js';
import { rememberDevice } from '../../../server/security/devices.js';
import { createSession } from '../../../server/security/sessions.js';
import type { UserSummary } from '../../../server/users.js';
import { act, addUser, assertError, bodyOf, EMAIL, MINUTE, PASSWORD, reachPassword, START, startServer, WRONG_PASSWORD, type TestServer } from '../helpers.js';
import { addTotp, auditOf, eventually, messagesTo, newMessages, totpCode } from '../inbox.js';
import type { AccountOverview } from '../../../components/account-security/api.js';

/** Tokens in the grant, SMS through the dev outbox, 2FA optional unless a test says otherwise. */
const ENV = { SESSION_COOKIE: 'false', SMS: 'outbox', MFA_REQUIRED_FROM: 'never' };
/** 2FA required from a date already past. */
const ENFORCED = { MFA_REQUIRED_FROM: '2020-01-01' };
const PHONE = '+31612345678';
const NEW_PASSWORD = 'Another-Staple-7-Battery';

interface Person {
  server: TestServer;
  user: UserSummary;
  /** The session token, signed in just now (fresh for ten minutes). */
  token: string;
  /** The authenticator app's secret and the recovery code, when the person has 2FA. */
  totp?: string;
  recoveryCode?: string;
}

interface SessionList {
  sessions: { id: string; current: boolean; userAgent: string | null; ip: string | null; createdAt: number; lastSeenAt: number; amr: string[] }[];
}

/** A request with the person's bearer token; `body` is sent as JSON. */
function call(server: TestServer, method: string, path: string, token: string | undefined, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  return server.request(path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

async function overview(person: Person): Promise<AccountOverview> {
  const response = await call(person.server, 'GET', '/api/account', person.token);
  assert.equal(response.status, 200);
  return bodyOf<AccountOverview>(response);
}

/** Signs in through the login flow, with the authenticator app when asked; returns the done flow. */
async function signInFlow(server: TestServer, { password = PASSWORD, totp }: { password?: string; totp?: string } = {}): Promise<FlowState> {
  const id = await reachPassword(server);
  let flow = await bodyOf<FlowState>(await act(server, id, 'password', { password }));
  if (flow.step === 'second-factor' && totp) flow = await bodyOf<FlowState>(await act(server, id, 'totp', { code: totpCode(totp, server.clock.now) }));
  return flow;
}

function tokenOf(flow: FlowState): string {
  assert.equal(flow.step, 'done', `expected done, got ${flow.step} ${JSON.stringify(flow.error)}`);
  if (flow.step !== 'done') throw new Error('unreachable');
  return flow.data.session.token!;
}

/** A person with a password only, signed in. */
async function plainPerson(t: TestContext, env: Record<string, string> = {}): Promise<Person> {
  const server = await startServer(t, { ...ENV, ...env });
  const user = await addUser(server);
  return { server, user, token: tokenOf(await signInFlow(server)) };
}

/** A person with an authenticator app, an SMS number and a recovery code, signed in with the app. */
async function personWith2fa(t: TestContext, env: Record<string, string> = {}, { sms = true }: { sms?: boolean } = {}): Promise<Person> {
  const server = await startServer(t, { ...ENV, ...env });
  const user = await addUser(server);
  const totp = await addTotp(server, user.id);
  if (sms) await saveConfirmedPhone(server.db, server.context.secretKey, { userId: user.id, phone: PHONE, now: server.clock.now });
  const recoveryCode = await issueRecoveryCode(server.db, { userId: user.id, kind: 'recovery', now: server.clock.now });
  const token = tokenOf(await signInFlow(server, { totp }));
  // The next time step, so a later sign-in's code is not the one just spent.
  server.clock.advance(30_000);
  return { server, user, token, totp, recoveryCode };
}

/** Another live session of the same person (another browser). */
async function otherSession(person: Person, userAgent = 'Other browser'): Promise<{ id: string; token: string }> {
  const { token, session } = await createSession(person.server.db, person.server.config, { userId: person.user.id, amr: ['pwd', 'otp', 'mfa'], userAgent, now: person.server.clock.now });
  return { id: session.id, token };
}

async function alive(server: TestServer, token: string): Promise<boolean> {
  const status = (await call(server, 'GET', '/api/session', token)).status;
  assert.ok(status === 200 || status === 401, `unexpected ${status}`);
  return status === 200;
}

/** What the account changes touch: compared before and after a refusal. */
async function accountRows(server: TestServer, userId: string) {
  const { db } = server;
  return {
    user: await db.selectFrom('users').select(['password_hash', 'updated_at']).where('id', '=', userId).executeTakeFirst(),
    credentials: await db.selectFrom('credentials').select(['id', 'type']).where('user_id', '=', userId).orderBy('id').execute(),
    recovery: await db.selectFrom('recovery_codes').select(['code_hash', 'used_at']).where('user_id', '=', userId).orderBy('code_hash').execute(),
    sessions: await db.selectFrom('sessions').select(['id', 'revoked_at']).where('user_id', '=', userId).orderBy('id').execute(),
  };
}

/** Waits for a mail to the person whose subject matches, arrived after `before`. */
async function noticeAfter(server: TestServer, before: Awaited<ReturnType<typeof messagesTo>>, subject: RegExp): Promise<void> {
  await eventually(async () => (await newMessages(server, EMAIL, before)).some((m) => subject.test(m.subject)), `a mail matching ${subject}`);
}

/** Every change on the account page, each with a valid body. */
function changes(factorId: string): { method: string; path: string; body: unknown }[] {
  return [
    { method: 'POST', path: '/api/account/password', body: { current: PASSWORD, password: NEW_PASSWORD } },
    { method: 'DELETE', path: `/api/account/factors/${factorId}`, body: undefined },
    { method: 'POST', path: '/api/account/recovery-code', body: {} },
    { method: 'POST', path: '/api/account/mfa/disable', body: {} },
  ];
}

describe('the account overview', () => {
  it('shows the second factors, the masked number, the recovery code and the policy, and no secret', async (t) => {
    const person = await personWith2fa(t);
    const response = await call(person.server, 'GET', '/api/account', person.token);
    const text = await response.clone().text();
    const view = await bodyOf<AccountOverview>(response);
    assert.deepEqual(view.user, { id: person.user.id, email: EMAIL, name: '' });
    assert.deepEqual(view.session.amr, ['pwd', 'otp', 'mfa']);
    assert.equal(view.session.reauthUntil, view.session.createdAt + 10 * MINUTE);
    assert.equal(view.session.needsSecondFactor, false);
    assert.equal(view.mfa.enabled, true);
    assert.equal(view.mfa.required, false);
    assert.equal(view.mfa.totp.length, 1);
    assert.equal(view.mfa.totp[0]!.name, 'Authenticator app');
    assert.ok(view.mfa.totp[0]!.lastUsedAt, 'the sign-in used it');
    assert.equal(view.mfa.sms?.phone, '+31 •• ••• ••78');
    assert.deepEqual(view.mfa.passkeys, []);
    assert.deepEqual(view.mfa.approvers, []);
    assert.ok(view.mfa.recoveryCode?.createdAt);
    assert.deepEqual(view.features, { passkeys: false, sms: true, approver: false });
    assert.equal(view.policy.minLength, 15);
    assert.ok(view.policy.rules.includes('not_common'));
    for (const secret of [person.totp!, person.recoveryCode!, PHONE, '612345678', PASSWORD, person.token]) assert.ok(!text.includes(secret), `the overview leaks ${secret}`);
    assert.doesNotMatch(text, /argon2|secret|hash/i);
  });

  it('says when changes need a new confirmation, and still reads then', async (t) => {
    const person = await personWith2fa(t, ENFORCED);
    person.server.clock.advance(11 * MINUTE);
    const view = await overview(person);
    assert.equal(view.session.reauthUntil, null);
    assert.equal(view.mfa.required, true);
    assert.equal(view.mfa.requiredFrom, '2020-01-01');
    await person.server.db.updateTable('sessions').set({ mfa_at: null }).execute();
    assert.equal((await overview(person)).session.needsSecondFactor, true);
  });

  it('needs a session for every account route', async (t) => {
    const server = await startServer(t, ENV);
    const id = crypto.randomUUID();
    for (const [method, path] of [
      ['GET', '/api/account'], ['POST', '/api/account/password'], ['DELETE', `/api/account/factors/${id}`], ['POST', '/api/account/recovery-code'],
      ['POST', '/api/account/mfa/disable'], ['GET', '/api/account/sessions'], ['DELETE', '/api/account/sessions/AAAAAAAAAAAAAAAA'], ['POST', '/api/account/sessions/sign-out-others'],
    ] as const) {
      await assertError(await call(server, method, path, undefined), 'unauthenticated');
      await assertError(await call(server, method, path, 'x'.repeat(43)), 'unauthenticated');
    }
  });
});

describe('changes need a fresh session (OWASP ASVS 5.0 V7.5.1)', () => {
  it('refuses every change ten minutes after sign-in, and changes nothing', async (t) => {
    const person = await personWith2fa(t);
    const [totp] = (await overview(person)).mfa.totp;
    person.server.clock.advance(11 * MINUTE);
    const before = await accountRows(person.server, person.user.id);
    for (const { method, path, body } of changes(totp!.id)) await assertError(await call(person.server, method, path, person.token, body), 'reauthentication_required');
    assert.deepEqual(await accountRows(person.server, person.user.id), before);
  });

  it('refuses every change from a session without a recent second factor (a remembered device), and changes nothing', async (t) => {
    const person = await personWith2fa(t);
    const [totp] = (await overview(person)).mfa.totp;
    await person.server.db.updateTable('sessions').set({ amr: '["pwd"]', mfa_at: null }).execute();
    const before = await accountRows(person.server, person.user.id);
    for (const { method, path, body } of changes(totp!.id)) await assertError(await call(person.server, method, path, person.token, body), 'reauthentication_required');
    assert.deepEqual(await accountRows(person.server, person.user.id), before);
  });

  it('allows changes again after a re-authentication', async (t) => {
    const person = await plainPerson(t);
    person.server.clock.advance(11 * MINUTE);
    await assertError(await call(person.server, 'POST', '/api/account/password', person.token, { current: PASSWORD, password: NEW_PASSWORD }), 'reauthentication_required');
    await person.server.db.updateTable('sessions').set({ reauth_at: person.server.clock.now }).execute();
    assert.equal((await call(person.server, 'POST', '/api/account/password', person.token, { current: PASSWORD, password: NEW_PASSWORD })).status, 200);
  });
});

describe('changing the password', () => {
  it('replaces the password, keeps other sessions, forgets remembered devices and mails a notice', async (t) => {
    const person = await plainPerson(t);
    const { server } = person;
    const other = await otherSession(person);
    await rememberDevice(server.db, { userId: person.user.id, days: 30, userAgent: 'x', now: server.clock.now });
    const mail = await messagesTo(server, EMAIL);
    const response = await call(server, 'POST', '/api/account/password', person.token, { current: PASSWORD, password: NEW_PASSWORD });
    assert.equal(response.status, 200);
    assert.deepEqual(await bodyOf(response), { signedOut: 0 });
    assert.ok(await alive(server, other.token), 'other sessions stay unless asked');
    assert.ok(await alive(server, person.token));
    const devices = await server.db.selectFrom('remembered_devices').select('revoked_at').where('user_id', '=', person.user.id).execute();
    assert.ok(devices.every((d) => d.revoked_at !== null));
    await noticeAfter(server, mail, /password was changed/);
    assert.ok((await auditOf(server, person.user.id)).some((e) => e.event === 'password.changed'));

    const old = await signInFlow(server);
    assert.equal(old.error?.code, 'invalid_credentials');
    tokenOf(await signInFlow(server, { password: NEW_PASSWORD }));
  });

  it('ends every other session at once when asked, and keeps this one', async (t) => {
    const person = await plainPerson(t);
    const others = [await otherSession(person), await otherSession(person, 'Phone')];
    const response = await call(person.server, 'POST', '/api/account/password', person.token, { current: PASSWORD, password: NEW_PASSWORD, signOutOthers: true });
    assert.deepEqual(await bodyOf(response), { signedOut: 2 });
    for (const other of others) assert.equal(await alive(person.server, other.token), false);
    assert.ok(await alive(person.server, person.token));
  });

  it('ends sign-ins parked past the old password', async (t) => {
    const person = await personWith2fa(t);
    const id = await reachPassword(person.server);
    const parked = await bodyOf<FlowState>(await act(person.server, id, 'password', { password: PASSWORD }));
    assert.equal(parked.step, 'second-factor');
    assert.equal((await call(person.server, 'POST', '/api/account/password', person.token, { current: PASSWORD, password: NEW_PASSWORD })).status, 200);
    await assertError(await act(person.server, id, 'totp', { code: totpCode(person.totp!, person.server.clock.now) }), 'flow_not_found');
  });

  it('refuses a wrong current password, counts it, and refuses even the right one after ACCOUNT_MAX_FAILURES', async (t) => {
    const person = await plainPerson(t, { ACCOUNT_MAX_FAILURES: '3' });
    const { server } = person;
    const before = await accountRows(server, person.user.id);
    for (let i = 0; i < 3; i++) {
      const refused = await call(server, 'POST', '/api/account/password', person.token, { current: WRONG_PASSWORD, password: NEW_PASSWORD });
      await assertError(refused.clone(), 'invalid_credentials');
      assert.equal((await bodyOf<{ error: { field: string } }>(refused)).error.field, 'current');
    }
    const limited = await call(server, 'POST', '/api/account/password', person.token, { current: PASSWORD, password: NEW_PASSWORD });
    await assertError(limited.clone(), 'rate_limited');
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    assert.deepEqual(await accountRows(server, person.user.id), before);
    const failures = (await auditOf(server, person.user.id)).filter((e) => e.event === 'login.failure');
    assert.equal(failures.length, 3);
    // The same count as the sign-in's password step: the account is locked there too.
    await assertError(await act(server, await reachPassword(server), 'password', { password: PASSWORD }), 'rate_limited');
  });

  it('refuses a new password that breaks the policy, naming the rules, and spends no attempt', async (t) => {
    const person = await plainPerson(t, { ACCOUNT_MAX_FAILURES: '1' });
    const before = await accountRows(person.server, person.user.id);
    const refused = await call(person.server, 'POST', '/api/account/password', person.token, { current: PASSWORD, password: 'short' });
    await assertError(refused.clone(), 'password_policy');
    const { error } = await bodyOf<{ error: { field: string; details: { rules: string[] } } }>(refused);
    assert.equal(error.field, 'password');
    assert.ok(error.details.rules.includes('min_length'));
    assert.deepEqual(await accountRows(person.server, person.user.id), before);
    assert.equal((await call(person.server, 'POST', '/api/account/password', person.token, { current: PASSWORD, password: NEW_PASSWORD })).status, 200);
  });

  it('answers malformed bodies with 400, never 500', async (t) => {
    const person = await plainPerson(t);
    for (const body of [{}, { current: PASSWORD }, { password: NEW_PASSWORD }, { current: 1, password: NEW_PASSWORD }, { current: PASSWORD, password: NEW_PASSWORD, admin: true },
      { current: PASSWORD, password: NEW_PASSWORD, signOutOthers: 'yes' }, { current: '', password: NEW_PASSWORD }, [], null, 'x', { current: PASSWORD, password: 'x'.repeat(5000) }]) {
      await assertError(await call(person.server, 'POST', '/api/account/password', person.token, body), 'invalid_request');
    }
    const raw = await person.server.request('/api/account/password', { method: 'POST', headers: { authorization: `Bearer ${person.token}`, 'content-type': 'application/json' }, body: '{"current":' });
    await assertError(raw, 'invalid_json');
  });
});

describe('removing a second factor', () => {
  it('removes the authenticator app, forgets remembered devices and mails a notice; the rest stays', async (t) => {
    const person = await personWith2fa(t);
    const { server } = person;
    const [totp] = (await overview(person)).mfa.totp;
    await rememberDevice(server.db, { userId: person.user.id, days: 30, userAgent: 'x', now: server.clock.now });
    const mail = await messagesTo(server, EMAIL);
    assert.equal((await call(server, 'DELETE', `/api/account/factors/${totp!.id}`, person.token)).status, 204);
    const view = await overview(person);
    assert.deepEqual(view.mfa.totp, []);
    assert.ok(view.mfa.sms);
    assert.ok(view.mfa.recoveryCode, 'another factor remains, so does the recovery code');
    assert.ok((await server.db.selectFrom('remembered_devices').select('revoked_at').execute()).every((d) => d.revoked_at !== null));
    await noticeAfter(server, mail, /authenticator app was removed/);
    assert.ok((await auditOf(server, person.user.id)).some((e) => e.event === 'factor.removed' && e.detail?.includes('totp')));
  });

  it('removes the SMS number', async (t) => {
    const person = await personWith2fa(t);
    const { sms } = (await overview(person)).mfa;
    const mail = await messagesTo(person.server, EMAIL);
    assert.equal((await call(person.server, 'DELETE', `/api/account/factors/${sms!.id}`, person.token)).status, 204);
    assert.equal((await overview(person)).mfa.sms, null);
    await noticeAfter(person.server, mail, /phone number for SMS verification codes was removed/);
  });

  it('turns 2FA off with the last factor when it is not required: the recovery code goes too', async (t) => {
    const person = await personWith2fa(t, {}, { sms: false });
    const [totp] = (await overview(person)).mfa.totp;
    assert.equal((await call(person.server, 'DELETE', `/api/account/factors/${totp!.id}`, person.token)).status, 204);
    const view = await overview(person);
    assert.equal(view.mfa.enabled, false);
    assert.equal(view.mfa.recoveryCode, null);
    tokenOf(await signInFlow(person.server));
  });

  it('keeps the last factor while 2FA is enforced', async (t) => {
    const person = await personWith2fa(t, ENFORCED, { sms: false });
    const [totp] = (await overview(person)).mfa.totp;
    const before = await accountRows(person.server, person.user.id);
    await assertError(await call(person.server, 'DELETE', `/api/account/factors/${totp!.id}`, person.token), 'last_factor');
    assert.deepEqual(await accountRows(person.server, person.user.id), before);
  });

  it('keeps one factor when its last two are removed at once while 2FA is enforced (a race, on either store)', async (t) => {
    const person = await personWith2fa(t, ENFORCED);
    const { totp, sms } = (await overview(person)).mfa;
    const before = (await accountRows(person.server, person.user.id)).credentials.length;
    assert.equal(before, 2);
    // On PostgreSQL, hold both rows from another connection so each removal has read the two
    // factors before either can delete: the interleaving a busy server produces by chance.
    const holder = person.server.config.databaseUrl ? new pg.Client({ connectionString: person.server.config.databaseUrl }) : undefined;
    if (holder) {
      await holder.connect();
      await holder.query('begin');
      await holder.query('select id from credentials where user_id = $1 for update', [person.user.id]);
    }
    const removals = Promise.all([
      call(person.server, 'DELETE', `/api/account/factors/${totp[0]!.id}`, person.token),
      call(person.server, 'DELETE', `/api/account/factors/${sms!.id}`, person.token),
    ]);
    if (holder) {
      // Let go once both removals wait on a lock (the held rows, or each other): that is the race.
      const waiting = async (): Promise<number> => {
        await holder.query('select pg_stat_clear_snapshot()'); // else pg_stat_activity is read once per transaction
        const { rows } = await holder.query<{ n: number }>("select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'");
        return rows[0]!.n;
      };
      const deadline = Date.now() + 10_000;
      while ((await waiting()) < 2) {
        assert.ok(Date.now() < deadline, 'both removals wait on a lock within 10 s');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await holder.query('commit');
      await holder.end();
    }
    const answers = await removals;
    assert.deepEqual(answers.map((a) => a.status).sort(), [204, 409]);
    assert.equal((await accountRows(person.server, person.user.id)).credentials.length, 1);
  });

  it('removes one of two factors while 2FA is enforced', async (t) => {
    const person = await personWith2fa(t, ENFORCED);
    const { sms } = (await overview(person)).mfa;
    assert.equal((await call(person.server, 'DELETE', `/api/account/factors/${sms!.id}`, person.token)).status, 204);
  });

  it('answers 404 for a passkey, another person\'s factor, an unknown or malformed id, and changes nothing', async (t) => {
    const person = await personWith2fa(t, { PASSKEYS: 'true' });
    const { server } = person;
    const bob = await addUser(server, 'bob@example.com');
    await addTotp(server, bob.id);
    const bobs = await server.db.selectFrom('credentials').select('id').where('user_id', '=', bob.id).executeTakeFirstOrThrow();
    const passkey = crypto.randomUUID();
    await server.db
      .insertInto('credentials')
      .values({ id: passkey, user_id: person.user.id, type: 'passkey', secret: null, name: 'Phone', created_at: server.clock.now, confirmed_at: server.clock.now, last_used_at: null, last_step: null, credential_id: 'cred', public_key: 'key', counter: 0 })
      .execute();
    const before = await accountRows(server, person.user.id);
    const bobBefore = await accountRows(server, bob.id);
    for (const id of [passkey, bobs.id, crypto.randomUUID(), 'nope', '%27%20OR%201%3D1', 'x'.repeat(300), passkey.toUpperCase()]) {
      await assertError(await call(server, 'DELETE', `/api/account/factors/${id}`, person.token), 'not_found');
    }
    assert.deepEqual(await accountRows(server, person.user.id), before);
    assert.deepEqual(await accountRows(server, bob.id), bobBefore);
  });
});

describe('a new recovery code', () => {
  it('replaces the old code, which then no longer signs in, and mails a notice', async (t) => {
    const person = await personWith2fa(t);
    const { server } = person;
    const mail = await messagesTo(server, EMAIL);
    const response = await call(server, 'POST', '/api/account/recovery-code', person.token, {});
    assert.equal(response.status, 200);
    const { code } = await bodyOf<{ code: string }>(response);
    assert.match(code, /^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
    assert.notEqual(code, person.recoveryCode);
    await noticeAfter(server, mail, /new recovery code/i);
    assert.ok((await auditOf(server, person.user.id)).some((e) => e.event === 'recovery.regenerated'));

    const useCode = async (recoveryCode: string) => {
      const id = await reachPassword(server);
      await act(server, id, 'password', { password: PASSWORD });
      return bodyOf<FlowState>(await act(server, id, 'recovery-code', { code: recoveryCode }));
    };
    assert.equal((await useCode(person.recoveryCode!)).error?.code, 'invalid_recovery_code');
    const used = await useCode(code);
    assert.equal(used.error, undefined);
    assert.notEqual(used.step, 'second-factor');
  });

  it('is refused while 2FA is off', async (t) => {
    const person = await plainPerson(t);
    await assertError(await call(person.server, 'POST', '/api/account/recovery-code', person.token, {}), 'mfa_not_enabled');
    assert.equal((await person.server.db.selectFrom('recovery_codes').select('id').execute()).length, 0);
  });
});

describe('turning 2FA off', () => {
  it('is refused while 2FA is enforced, and changes nothing', async (t) => {
    const person = await personWith2fa(t, ENFORCED);
    const before = await accountRows(person.server, person.user.id);
    await assertError(await call(person.server, 'POST', '/api/account/mfa/disable', person.token, {}), 'mfa_required');
    assert.deepEqual(await accountRows(person.server, person.user.id), before);
  });

  it('removes every factor and the recovery code; sign-in then asks no second factor', async (t) => {
    const person = await personWith2fa(t);
    const { server } = person;
    const mail = await messagesTo(server, EMAIL);
    assert.equal((await call(server, 'POST', '/api/account/mfa/disable', person.token, {})).status, 204);
    const view = await overview(person);
    assert.equal(view.mfa.enabled, false);
    assert.deepEqual([view.mfa.totp, view.mfa.sms, view.mfa.recoveryCode], [[], null, null]);
    await noticeAfter(server, mail, /two-step verification was turned off/i);
    assert.ok((await auditOf(server, person.user.id)).some((e) => e.event === 'mfa.disabled'));
    const flow = await signInFlow(server);
    assert.deepEqual(flow.step === 'done' && flow.data.session.amr, ['pwd']);
  });

  it('refuses a body with fields', async (t) => {
    const person = await personWith2fa(t);
    await assertError(await call(person.server, 'POST', '/api/account/mfa/disable', person.token, { all: true }), 'invalid_request');
    assert.equal((await overview(person)).mfa.enabled, true);
  });
});

describe('sessions (OWASP ASVS 5.0 V7.5.2)', () => {
  it('lists the live sessions, most recently used first, marking the current one', async (t) => {
    const person = await plainPerson(t);
    const { server } = person;
    const laptop = await otherSession(person, 'Laptop');
    const phone = await otherSession(person, 'Phone');
    const idle = await otherSession(person, 'Idle');
    const revoked = await otherSession(person, 'Revoked');
    await server.db.updateTable('sessions').set({ revoked_at: server.clock.now }).where('id', '=', revoked.id).execute();
    const bob = await addUser(server, 'bob@example.com');
    await createSession(server.db, server.config, { userId: bob.id, amr: ['pwd'], now: server.clock.now });
    server.clock.advance(20 * MINUTE);
    assert.ok(await alive(server, laptop.token));
    assert.ok(await alive(server, person.token));
    server.clock.advance(5 * MINUTE);
    assert.ok(await alive(server, phone.token));
    // 35 minutes on, the idle session has been unused past the 30-minute limit.
    server.clock.advance(10 * MINUTE);
    const { sessions } = await bodyOf<SessionList>(await call(server, 'GET', '/api/account/sessions', person.token));
    assert.deepEqual(sessions.map((s) => [s.userAgent, s.current]), [[null, true], ['Phone', false], ['Laptop', false]]);
    assert.deepEqual(sessions[1], { id: phone.id, current: false, userAgent: 'Phone', ip: null, createdAt: START, lastSeenAt: START + 25 * MINUTE, amr: ['pwd', 'otp', 'mfa'] });
    assert.ok(!sessions.some((s) => s.id === idle.id || s.id === revoked.id));
  });

  it('ends one session at once; another person\'s session is not found', async (t) => {
    const person = await plainPerson(t);
    const { server } = person;
    const phone = await otherSession(person, 'Phone');
    const bob = await addUser(server, 'bob@example.com');
    const bobs = await createSession(server.db, server.config, { userId: bob.id, amr: ['pwd'], now: server.clock.now });
    await assertError(await call(server, 'DELETE', `/api/account/sessions/${bobs.session.id}`, person.token), 'not_found');
    assert.ok(await alive(server, bobs.token));
    assert.equal((await call(server, 'DELETE', `/api/account/sessions/${phone.id}`, person.token)).status, 204);
    assert.equal(await alive(server, phone.token), false);
    await assertError(await call(server, 'DELETE', `/api/account/sessions/${phone.id}`, person.token), 'not_found');
    assert.ok((await auditOf(server, person.user.id)).some((e) => e.event === 'session.revoked'));
    for (const id of ['nope', 'A'.repeat(16), 'A'.repeat(300), '%00', phone.token]) await assertError(await call(server, 'DELETE', `/api/account/sessions/${id}`, person.token), 'not_found');
  });

  it('ends the current session too: that is signing out', async (t) => {
    const person = await plainPerson(t);
    const { sessions } = await bodyOf<SessionList>(await call(person.server, 'GET', '/api/account/sessions', person.token));
    assert.equal((await call(person.server, 'DELETE', `/api/account/sessions/${sessions[0]!.id}`, person.token)).status, 204);
    assert.equal(await alive(person.server, person.token), false);
  });

  it('signs out everywhere else, leaving only this session', async (t) => {
    const person = await personWith2fa(t);
    const others = [await otherSession(person), await otherSession(person, 'Phone')];
    const response = await call(person.server, 'POST', '/api/account/sessions/sign-out-others', person.token, {});
    assert.deepEqual(await bodyOf(response), { signedOut: 2 });
    for (const other of others) assert.equal(await alive(person.server, other.token), false);
    const { sessions } = await bodyOf<SessionList>(await call(person.server, 'GET', '/api/account/sessions', person.token));
    assert.deepEqual(sessions.map((s) => s.current), [true]);
  });

  it('needs a fresh sign-in to end other sessions (ASVS 5.0 V7.5.2), and none to sign out', async (t) => {
    const person = await personWith2fa(t);
    const other = await otherSession(person);
    person.server.clock.advance(11 * MINUTE);
    assert.equal((await call(person.server, 'GET', '/api/account/sessions', person.token)).status, 200);
    await assertError(await call(person.server, 'DELETE', `/api/account/sessions/${other.id}`, person.token), 'reauthentication_required');
    await assertError(await call(person.server, 'POST', '/api/account/sessions/sign-out-others', person.token, {}), 'reauthentication_required');
    assert.ok(await alive(person.server, other.token), 'a stale session ends no other');
    const { sessions } = await bodyOf<SessionList>(await call(person.server, 'GET', '/api/account/sessions', person.token));
    const mine = sessions.find((s) => s.current)!;
    assert.equal((await call(person.server, 'DELETE', `/api/account/sessions/${mine.id}`, person.token)).status, 204);
    assert.equal(await alive(person.server, person.token), false);
  });
});
