import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TOTP } from 'otpauth';
import type { ApiError } from '../../../../server/errors.js';
import { verifyPassword } from '../../../../server/factors/password.js';
import { confirmedPhone } from '../../../../server/factors/sms.js';
import type { ErrorResponse, FlowState } from '../../../../server/flows/protocol.js';
import { sha256 } from '../../../../server/security/random.js';
import { disableUser, inviteUser } from '../../../../server/users.js';
import { act, addUser, assertError, bodyOf, chooseMethod, EMAIL, grantOf, MINUTE, PASSWORD, signIn, START, startServer, type TestServer } from '../../helpers.js';
import { addTotp, auditOf, codeIn, flowOf, flowRow, invite, linkTokenIn, messagesTo, newMessages, onlyCodeMail, openLink, tokenOf, totpCode } from '../../inbox.js';

const DAY = 24 * 60 * MINUTE;
const NEW_EMAIL = 'new.employee@example.com';

/** The code in the one verification mail sent to an address, read from the dev outbox as a person reads their mail. */
async function mailedCode(server: TestServer, to = NEW_EMAIL): Promise<string> {
  return codeIn(onlyCodeMail(await messagesTo(server, to)));
}

describe('activation (smoke)', () => {
  it('runs from invitation to signed in', async (t) => {
    const server = await startServer(t, { MFA_REQUIRED_FROM: '2030-01-01', SMS: 'outbox' });
    const invitation = await inviteUser(server.context, { email: NEW_EMAIL, actor: 'cli' });
    assert.equal(invitation.delivery.delivered, true);
    const started = await server.post('/api/flows/activate', { token: tokenOf(invitation.link) });
    assert.equal(started.status, 201);
    const set = await flowOf(started);
    assert.equal(set.step, 'set-password');
    const weak = await flowOf(await act(server, set.id, 'password', { password: 'short' }));
    assert.equal(weak.error?.code, 'password_policy');
    const verify = await flowOf(await act(server, set.id, 'password', { password: PASSWORD }));
    assert.equal(verify.step, 'verify-email', JSON.stringify(verify));
    const choice = await flowOf(await act(server, set.id, 'code', { code: await mailedCode(server) }));
    if (choice.step !== 'method-choice') return assert.fail(JSON.stringify(choice));
    assert.deepEqual(choice.data, { methods: ['totp', 'sms'], backup: false, reason: 'required', requiredFrom: '2030-01-01' });
    const setup = await chooseMethod(server, choice);
    if (setup.step !== 'totp-setup') return assert.fail(JSON.stringify(setup));
    assert.equal(setup.data.required, true);
    const totp = new TOTP({ secret: setup.data.secret });
    const backup = await flowOf(await act(server, set.id, 'totp', { code: totp.generate({ timestamp: server.clock.now }) }));
    if (backup.step !== 'method-choice') return assert.fail(JSON.stringify(backup));
    assert.deepEqual(backup.data.methods, ['sms'], 'the backup: what the person does not have yet');
    assert.equal(backup.data.backup, true);
    const sms = await chooseMethod(server, backup, 'sms');
    const sent = await flowOf(await act(server, set.id, 'phone', { phone: '06 12345678' }));
    if (sent.step !== 'sms-setup') return assert.fail(JSON.stringify(sent));
    assert.equal(sent.data.sentTo, '+31 •• ••• ••78');
    const text = await server.db.selectFrom('outbox').selectAll().where('channel', '=', 'sms').executeTakeFirstOrThrow();
    assert.equal(text.recipient, '+31612345678');
    const recovery = await flowOf(await act(server, set.id, 'code', { code: /\d{6}/.exec(text.body)![0] }));
    assert.equal(recovery.step, 'recovery-code', JSON.stringify(recovery));
    const done = await flowOf(await act(server, set.id, 'confirm', { saved: true }));
    assert.equal(done.step, 'done');
    const again = await server.post('/api/flows/activate', { token: tokenOf(invitation.link) });
    assert.equal(again.status, 410);
  });
});

/** Invites, opens the link and sets the password: the flow is at `verify-email` with one code mailed. */
async function atVerifyEmail(server: TestServer, email = NEW_EMAIL): Promise<{ id: string; userId: string; code: string }> {
  const opened = await flowOf(await openLink(server, 'activate', await invite(server, email)));
  const before = await messagesTo(server, email);
  const verify = await flowOf(await act(server, opened.id, 'password', { password: PASSWORD }));
  assert.equal(verify.step, 'verify-email', JSON.stringify(verify));
  const user = await server.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow();
  return { id: opened.id, userId: user.id, code: codeIn(onlyCodeMail(await newMessages(server, email, before))) };
}

/** Runs activation up to the authenticator set-up and returns that step. */
async function atTotpSetup(server: TestServer, email = NEW_EMAIL): Promise<FlowState & { step: 'totp-setup' }> {
  const { id, code } = await atVerifyEmail(server, email);
  const setup = await chooseMethod(server, await flowOf(await act(server, id, 'code', { code })));
  if (setup.step !== 'totp-setup') return assert.fail(JSON.stringify(setup));
  return setup;
}

/** Runs activation up to the optional backup number (SMS must be on). */
async function atSmsSetup(server: TestServer, email = NEW_EMAIL): Promise<FlowState> {
  const setup = await atTotpSetup(server, email);
  const backup = await flowOf(await act(server, setup.id, 'totp', { code: totpCode(setup.data.secret, server.clock.now) }));
  return chooseMethod(server, backup, 'sms');
}

describe('the invitation link', () => {
  it('opens twice before it is used, each time at set-password for the invited address', async (t) => {
    const server = await startServer(t);
    const token = await invite(server, NEW_EMAIL);
    const first = await openLink(server, 'activate', token);
    const second = await openLink(server, 'activate', token);
    assert.deepEqual([first.status, second.status], [201, 201]);
    const [a, b] = [await flowOf(first), await flowOf(second)];
    for (const flow of [a, b]) {
      if (flow.step !== 'set-password') return assert.fail(JSON.stringify(flow));
      assert.equal(flow.kind, 'activate');
      assert.equal(flow.data.email, NEW_EMAIL);
      assert.equal(flow.data.purpose, 'activate');
      assert.deepEqual(flow.actions, ['password']);
    }
    assert.notEqual(a.id, b.id);
    const link = await server.db.selectFrom('link_tokens').select('used_at').executeTakeFirstOrThrow();
    assert.equal(link.used_at, null, 'opening does not spend the link');
  });

  it('is spent when the password is set: opening it again is 410 invitation_invalid', async (t) => {
    const server = await startServer(t);
    const token = await invite(server, NEW_EMAIL);
    const opened = await flowOf(await openLink(server, 'activate', token));
    assert.equal((await act(server, opened.id, 'password', { password: PASSWORD })).status, 200);
    await assertError(await openLink(server, 'activate', token), 'invitation_invalid');
    const link = await server.db.selectFrom('link_tokens').select('used_at').executeTakeFirstOrThrow();
    assert.equal(link.used_at, server.clock.now);
  });

  it('sets one password when two flows of one link post at the same time: exactly one succeeds', async (t) => {
    const server = await startServer(t);
    const token = await invite(server, NEW_EMAIL);
    const [a, b] = [await flowOf(await openLink(server, 'activate', token)), await flowOf(await openLink(server, 'activate', token))];
    const other = 'Another-Horse-7-Battery';
    const responses = await Promise.all([act(server, a.id, 'password', { password: PASSWORD }), act(server, b.id, 'password', { password: other })]);
    const statuses = responses.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 410]);
    const winner = responses.findIndex((r) => r.status === 200);
    await assertError(responses[1 - winner]!, 'invitation_invalid');
    const user = await server.db.selectFrom('users').select(['status', 'password_hash']).where('email', '=', NEW_EMAIL).executeTakeFirstOrThrow();
    assert.equal(user.status, 'active');
    // The stored password is the winner's, not overwritten by the loser.
    assert.equal(await verifyPassword({ hash: user.password_hash, password: winner === 0 ? PASSWORD : other }), true);
    assert.equal((await messagesTo(server, NEW_EMAIL)).filter((m) => /verification code/i.test(m.subject)).length, 1);
  });

  it(`works until INVITATION_DAYS have passed, and not at that moment`, async (t) => {
    const server = await startServer(t, { INVITATION_DAYS: '2' });
    const token = await invite(server, NEW_EMAIL);
    server.clock.advance(2 * DAY - 1);
    assert.equal((await openLink(server, 'activate', token)).status, 201);
    server.clock.advance(1);
    await assertError(await openLink(server, 'activate', token), 'invitation_invalid');
  });

  it('refuses a flow opened before expiry once the link has expired', async (t) => {
    const server = await startServer(t, { INVITATION_DAYS: '1' });
    const token = await invite(server, NEW_EMAIL);
    server.clock.advance(DAY - MINUTE);
    const opened = await flowOf(await openLink(server, 'activate', token));
    server.clock.advance(MINUTE);
    await assertError(await act(server, opened.id, 'password', { password: PASSWORD }), 'invitation_invalid');
    const user = await server.db.selectFrom('users').select(['status', 'password_hash']).where('email', '=', NEW_EMAIL).executeTakeFirstOrThrow();
    assert.deepEqual(user, { status: 'invited', password_hash: null });
  });

  it('dies when the invitation is sent again: the old link is 410, also in a flow it opened, and the new one works', async (t) => {
    const server = await startServer(t);
    const old = await invite(server, NEW_EMAIL);
    const openedWithOld = await flowOf(await openLink(server, 'activate', old));
    const fresh = await invite(server, NEW_EMAIL);
    assert.notEqual(fresh, old);
    await assertError(await openLink(server, 'activate', old), 'invitation_invalid');
    await assertError(await act(server, openedWithOld.id, 'password', { password: PASSWORD }), 'invitation_invalid');
    const opened = await openLink(server, 'activate', fresh);
    assert.equal(opened.status, 201);
    assert.equal((await act(server, (await flowOf(opened)).id, 'password', { password: PASSWORD })).status, 200);
    // Both invitations were mailed, each with its own link.
    const invitations = (await messagesTo(server, NEW_EMAIL)).filter((m) => m.body.includes('#token='));
    assert.deepEqual(invitations.map((m) => linkTokenIn(m.body)).sort(), [old, fresh].sort());
  });

  it('refuses an unknown token with 410, and a malformed start body with 400, never 500', async (t) => {
    const server = await startServer(t);
    await invite(server, NEW_EMAIL);
    await assertError(await openLink(server, 'activate', 'A'.repeat(43)), 'invitation_invalid');
    await assertError(await openLink(server, 'activate', 'not a token at all ../../'), 'invitation_invalid');
    for (const body of [{}, { token: '' }, { token: 42 }, { token: null }, { token: ['x'] }, { token: 'x'.repeat(257) }, { token: 'x', extra: true }, [], 'token']) {
      const response = await server.post('/api/flows/activate', body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal((await bodyOf<ErrorResponse>(response)).error.code, 'invalid_request', JSON.stringify(body));
    }
    await assertError(await server.request('/api/flows/activate', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"token":' }), 'invalid_json');
    await assertError(await server.request('/api/flows/activate', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'token=x' }), 'unsupported_media_type');
    // An invitation token is not a reset token, and the other way round.
    const reset = await server.post('/api/flows/reset', { token: await invite(server, 'other@example.com') });
    await assertError(reset, 'reset_link_invalid');
  });

  it('is stored only as its SHA-256: no table holds the token itself', async (t) => {
    const server = await startServer(t);
    const token = await invite(server, NEW_EMAIL);
    const opened = await flowOf(await openLink(server, 'activate', token));
    const links = await server.db.selectFrom('link_tokens').selectAll().execute();
    assert.equal(links.length, 1);
    assert.equal(links[0]!.token_hash, sha256(token));
    assert.equal(links[0]!.purpose, 'invitation');
    for (const table of ['link_tokens', 'flows', 'mail_queue', 'users', 'audit_events'] as const) {
      const rows = await server.db.selectFrom(table).selectAll().execute();
      assert.ok(rows.length > 0, table);
      assert.ok(!JSON.stringify(rows).includes(token), `${table} holds the token`);
    }
    assert.ok(opened.id);
  });

  it("no longer opens once the invited user is disabled, and a disabled user cannot be invited again", async (t) => {
    const server = await startServer(t);
    const token = await invite(server, NEW_EMAIL);
    const opened = await flowOf(await openLink(server, 'activate', token));
    await disableUser(server.context, { email: NEW_EMAIL, actor: 'admin' });
    await assertError(await openLink(server, 'activate', token), 'invitation_invalid');
    // A flow the link opened before cannot spend it any more.
    await assertError(await act(server, opened.id, 'password', { password: PASSWORD }), 'invitation_invalid');
    assert.equal((await server.db.selectFrom('users').select('password_hash').where('email', '=', NEW_EMAIL).executeTakeFirstOrThrow()).password_hash, null);
    await assert.rejects(inviteUser(server.context, { email: NEW_EMAIL, actor: 'admin' }), (error: ApiError) => error.code === 'user_exists');
  });

  it('leaves the link unspent when the account left the invited state by other means', async (t) => {
    const server = await startServer(t);
    const token = await invite(server, NEW_EMAIL);
    const opened = await flowOf(await openLink(server, 'activate', token));
    // Not through disableUser (which also revokes links): the status alone changes.
    await server.db.updateTable('users').set({ status: 'disabled' }).where('email', '=', NEW_EMAIL).execute();
    await assertError(await act(server, opened.id, 'password', { password: PASSWORD }), 'invitation_invalid');
    const links = await server.db.selectFrom('link_tokens').select('used_at').where('purpose', '=', 'invitation').execute();
    assert.deepEqual(links, [{ used_at: null }]);
    assert.equal((await server.db.selectFrom('users').select('password_hash').where('email', '=', NEW_EMAIL).executeTakeFirstOrThrow()).password_hash, null);
  });

  it('ends an activation that is past the password when the user is disabled', async (t) => {
    const server = await startServer(t);
    const { id, code } = await atVerifyEmail(server);
    await disableUser(server.context, { email: NEW_EMAIL, actor: 'admin' });
    await assertError(await act(server, id, 'code', { code }), 'flow_not_found');
    const user = await server.db.selectFrom('users').select(['status', 'email_verified_at']).where('email', '=', NEW_EMAIL).executeTakeFirstOrThrow();
    assert.deepEqual(user, { status: 'disabled', email_verified_at: null });
  });
});

describe('the email code at activation', () => {
  it('refuses a wrong code with invalid_code and counts it against the flow', async (t) => {
    const server = await startServer(t);
    const { id, code, userId } = await atVerifyEmail(server);
    const wrong = code === '000000' ? '000001' : '000000';
    await assertError(await act(server, id, 'code', { code: wrong }), 'invalid_code');
    assert.equal((await flowRow(server, id))?.attempts, 1);
    const user = await server.db.selectFrom('users').select('email_verified_at').where('id', '=', userId).executeTakeFirstOrThrow();
    assert.equal(user.email_verified_at, null);
    const failures = (await auditOf(server, userId)).filter((e) => e.event === 'login.failure');
    assert.deepEqual(failures.map((e) => JSON.parse(e.detail!).method), ['email_code']);
  });

  it('confirms the address with the right code, even typed with spaces', async (t) => {
    const server = await startServer(t);
    const { id, code, userId } = await atVerifyEmail(server);
    const next = await act(server, id, 'code', { code: `${code.slice(0, 3)} ${code.slice(3)}` });
    assert.equal(next.status, 200);
    assert.equal((await flowOf(next)).step, 'method-choice');
    const user = await server.db.selectFrom('users').select('email_verified_at').where('id', '=', userId).executeTakeFirstOrThrow();
    assert.equal(user.email_verified_at, server.clock.now);
  });

  it('expires after 10 minutes (code_expired), and a new code works', async (t) => {
    const server = await startServer(t);
    const { id, code } = await atVerifyEmail(server);
    server.clock.advance(10 * MINUTE);
    await assertError(await act(server, id, 'code', { code }), 'code_expired');
    const before = await messagesTo(server, NEW_EMAIL);
    assert.equal((await act(server, id, 'resend', {})).status, 200);
    const fresh = codeIn(onlyCodeMail(await newMessages(server, NEW_EMAIL, before)));
    assert.equal((await flowOf(await act(server, id, 'code', { code: fresh }))).step, 'method-choice');
  });

  it('works just before its 10 minutes are up', async (t) => {
    const server = await startServer(t);
    const { id, code } = await atVerifyEmail(server);
    server.clock.advance(10 * MINUTE - 1);
    assert.equal((await flowOf(await act(server, id, 'code', { code }))).step, 'method-choice');
  });

  it('is replaced by resend: the old code is refused, the new one confirms', async (t) => {
    const server = await startServer(t);
    const { id, code: old } = await atVerifyEmail(server);
    const before = await messagesTo(server, NEW_EMAIL);
    const resent = await act(server, id, 'resend', {});
    assert.equal(resent.status, 200);
    assert.equal((await flowOf(resent)).step, 'verify-email');
    const fresh = codeIn(onlyCodeMail(await newMessages(server, NEW_EMAIL, before)));
    if (fresh !== old) await assertError(await act(server, id, 'code', { code: old }), 'invalid_code');
    assert.equal((await flowOf(await act(server, id, 'code', { code: fresh }))).step, 'method-choice');
  });

  it('keeps counting failures across resends: too_many_attempts after FLOW_MAX_ATTEMPTS, even for the right code', async (t) => {
    const server = await startServer(t, { FLOW_MAX_ATTEMPTS: '3' });
    const { id, code } = await atVerifyEmail(server);
    const wrong = code === '000000' ? '000001' : '000000';
    let latest = code;
    for (let failure = 1; failure <= 3; failure++) {
      await assertError(await act(server, id, 'code', { code: wrong === latest ? '999999' : wrong }), 'invalid_code');
      assert.equal((await flowRow(server, id))?.attempts, failure);
      if (failure < 3) {
        const before = await messagesTo(server, NEW_EMAIL);
        assert.equal((await act(server, id, 'resend', {})).status, 200);
        latest = codeIn(onlyCodeMail(await newMessages(server, NEW_EMAIL, before)));
      }
    }
    await assertError(await act(server, id, 'code', { code: latest }), 'too_many_attempts');
    await assertError(await act(server, id, 'resend', {}), 'too_many_attempts');
  });

  it('is mailed at most 5 times an hour: the 5th resend is 429 with Retry-After, and an hour later it works', async (t) => {
    const server = await startServer(t);
    const { id } = await atVerifyEmail(server);
    for (let i = 0; i < 4; i++) assert.equal((await act(server, id, 'resend', {})).status, 200, `resend ${i + 1}`);
    const limited = await act(server, id, 'resend', {});
    assert.equal(limited.headers.get('retry-after'), '3600');
    await assertError(limited, 'rate_limited');
    assert.equal((await messagesTo(server, NEW_EMAIL)).filter((m) => /verification code/i.test(m.subject)).length, 5);
    // An hour later (the flow has expired by then) a sign-in mails a code again.
    server.clock.advance(60 * MINUTE);
    const before = await messagesTo(server, NEW_EMAIL);
    assert.equal((await flowOf(await signIn(server, NEW_EMAIL))).step, 'verify-email');
    onlyCodeMail(await newMessages(server, NEW_EMAIL, before));
    assert.ok(id);
  });
});

describe('after activation', () => {
  it('an activated user whose address is not verified yet goes to verify-email at sign-in, then on', async (t) => {
    const server = await startServer(t);
    await atVerifyEmail(server); // abandoned: the password is set, the address not confirmed
    const before = await messagesTo(server, NEW_EMAIL);
    const signedIn = await flowOf(await signIn(server, NEW_EMAIL));
    if (signedIn.step !== 'verify-email') return assert.fail(JSON.stringify(signedIn));
    assert.equal(signedIn.kind, 'login');
    assert.equal(signedIn.data.email, NEW_EMAIL);
    const code = codeIn(onlyCodeMail(await newMessages(server, NEW_EMAIL, before)));
    const done = await flowOf(await act(server, signedIn.id, 'code', { code }));
    assert.deepEqual(grantOf(done).amr, ['pwd']);
    const user = await server.db.selectFrom('users').select('email_verified_at').where('email', '=', NEW_EMAIL).executeTakeFirstOrThrow();
    assert.equal(user.email_verified_at, server.clock.now);
  });

  it('confirming the address at sign-in does not skip the second factor', async (t) => {
    const server = await startServer(t);
    const user = await addUser(server);
    await addTotp(server, user.id);
    await server.db.updateTable('users').set({ email_verified_at: null }).where('id', '=', user.id).execute();
    const verify = await flowOf(await signIn(server));
    assert.equal(verify.step, 'verify-email');
    const next = await flowOf(await act(server, verify.id, 'code', { code: codeIn(onlyCodeMail(await messagesTo(server, EMAIL))) }));
    if (next.step !== 'second-factor') return assert.fail(JSON.stringify(next));
    assert.deepEqual(next.data.methods, ['totp']);
    assert.deepEqual(await server.db.selectFrom('sessions').select('id').execute(), []);
  });

  it('a user made with `user create` is verified and signs in without an email code', async (t) => {
    const server = await startServer(t);
    await addUser(server);
    const user = await server.db.selectFrom('users').select('email_verified_at').where('email', '=', EMAIL).executeTakeFirstOrThrow();
    assert.equal(user.email_verified_at, START);
    const done = await flowOf(await signIn(server));
    assert.equal(done.step, 'done');
    assert.deepEqual(await messagesTo(server, EMAIL), []);
  });

  const reasons: Array<[string, string, 'required' | 'enable', boolean]> = [
    ['has passed', '2031-01-01', 'required', true],
    ['is still to come', '2031-06-01', 'enable', false],
    ['is never', 'never', 'enable', false],
  ];
  for (const [when, from, reason, required] of reasons) {
    it(`sets up 2FA with reason ${reason} when MFA_REQUIRED_FROM ${when}`, async (t) => {
      const server = await startServer(t, { MFA_REQUIRED_FROM: from });
      const { id, code } = await atVerifyEmail(server);
      const choice = await flowOf(await act(server, id, 'code', { code }));
      if (choice.step !== 'method-choice') return assert.fail(JSON.stringify(choice));
      assert.equal(choice.data.reason, reason);
      assert.equal(choice.actions.includes('remind-later'), !required, 'putting it off only while policy allows');
      const setup = await chooseMethod(server, choice);
      if (setup.step !== 'totp-setup') return assert.fail(setup.step);
      assert.equal(setup.data.reason, reason);
      assert.equal(setup.data.required, required);
    });
  }
});

describe('the backup number at activation (sms-setup)', () => {
  it('is not offered when SMS is off', async (t) => {
    const server = await startServer(t, { SMS: 'off' });
    const setup = await atTotpSetup(server);
    const next = await flowOf(await act(server, setup.id, 'totp', { code: totpCode(setup.data.secret, server.clock.now) }));
    assert.equal(next.step, 'recovery-code');
  });

  it('refuses an invalid number with invalid_phone, and has no code to confirm before a number is sent', async (t) => {
    const server = await startServer(t, { SMS: 'outbox' });
    const sms = await atSmsSetup(server);
    assert.deepEqual([...sms.actions].sort(), ['back', 'phone']);
    await assertError(await act(server, sms.id, 'code', { code: '123456' }), 'action_not_allowed');
    for (const phone of ['abc', '12', '+31 6 1234', '+999 1234567890']) {
      const refused = await act(server, sms.id, 'phone', { phone });
      await assertError(refused, 'invalid_phone');
    }
    assert.equal((await server.db.selectFrom('outbox').select('id').where('channel', '=', 'sms').execute()).length, 0);
    assert.equal((await flowRow(server, sms.id))?.attempts, 0, 'a typo is not a failed attempt');
  });

  it('back, then skip, goes on to the recovery code without a number', async (t) => {
    const server = await startServer(t, { SMS: 'outbox' });
    const sms = await atSmsSetup(server);
    await act(server, sms.id, 'phone', { phone: '06 12345678' });
    const back = await flowOf(await act(server, sms.id, 'back', {}));
    if (back.step !== 'method-choice') return assert.fail(back.step);
    assert.equal(back.data.backup, true);
    assert.deepEqual(back.actions.sort(), ['choose', 'skip']);
    const next = await flowOf(await act(server, sms.id, 'skip', {}));
    assert.equal(next.step, 'recovery-code');
    const user = await server.db.selectFrom('users').select('id').where('email', '=', NEW_EMAIL).executeTakeFirstOrThrow();
    assert.deepEqual(await server.db.selectFrom('credentials').select('type').where('user_id', '=', user.id).execute(), [{ type: 'totp' }]);
    assert.equal(grantOf(await flowOf(await act(server, sms.id, 'confirm', { saved: true }))).user.email, NEW_EMAIL);
  });

  it('wrong codes at the backup number never lock the flow: the recovery code is still shown', async (t) => {
    const server = await startServer(t, { SMS: 'outbox' });
    const sms = await atSmsSetup(server);
    await act(server, sms.id, 'phone', { phone: '06 12345678' });
    const texted = codeIn((await messagesTo(server, '+31612345678', 'sms'))[0]!);
    const wrong = texted === '000000' ? '111111' : '000000';
    for (let i = 0; i < server.config.flowMaxAttempts + 1; i++) await assertError(await act(server, sms.id, 'code', { code: wrong }), 'invalid_code');
    assert.equal((await flowRow(server, sms.id))?.attempts, 0);
    await act(server, sms.id, 'back', {});
    const next = await flowOf(await act(server, sms.id, 'skip', {}));
    if (next.step !== 'recovery-code') return assert.fail(JSON.stringify(next));
    assert.match(next.data.code, /^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
  });

  it('change-number forgets the number entered: the code texted to it no longer confirms, the new number does', async (t) => {
    const server = await startServer(t, { SMS: 'outbox' });
    const sms = await atSmsSetup(server);
    const sent = await flowOf(await act(server, sms.id, 'phone', { phone: '06 12345678' }));
    if (sent.step !== 'sms-setup') return assert.fail(JSON.stringify(sent));
    assert.equal(sent.data.sentTo, '+31 •• ••• ••78');
    const firstCode = codeIn((await messagesTo(server, '+31612345678', 'sms'))[0]!);
    const changed = await flowOf(await act(server, sms.id, 'change-number', {}));
    if (changed.step !== 'sms-setup') return assert.fail(JSON.stringify(changed));
    assert.equal(changed.data.sentTo, undefined);
    await assertError(await act(server, sms.id, 'code', { code: firstCode }), 'action_not_allowed');
    await act(server, sms.id, 'phone', { phone: '+31 6 87654321' });
    const secondCode = codeIn((await messagesTo(server, '+31687654321', 'sms'))[0]!);
    if (secondCode !== firstCode) await assertError(await act(server, sms.id, 'code', { code: firstCode }), 'invalid_code');
    assert.equal((await flowOf(await act(server, sms.id, 'code', { code: secondCode }))).step, 'recovery-code');
    const user = await server.db.selectFrom('users').select('id').where('email', '=', NEW_EMAIL).executeTakeFirstOrThrow();
    assert.equal((await confirmedPhone(server.db, server.context.secretKey, user.id))?.phone, '+31687654321');
  });
});
