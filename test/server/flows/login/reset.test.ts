import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { verifyPassword } from '../../../../server/factors/password.js';
import type { FlowState } from '../../../../server/flows/protocol.js';
import { rememberDevice } from '../../../../server/security/devices.js';
import { createSession } from '../../../../server/security/sessions.js';
import { disableUser } from '../../../../server/users.js';
import { act, addUser, assertError, EMAIL, grantOf, MINUTE, PASSWORD, reachPassword, signIn, startServer, type RequestOptions, type TestServer } from '../../helpers.js';
import { addTotp, auditOf, eventually, flowOf, flowRow, invite, linkTokenIn, messagesTo, openLink, totpCode, type Message } from '../../inbox.js';

const NEW_PASSWORD = 'Brand-New-Horse-8-Battery';
const UNKNOWN = 'nobody@example.com';
const OTHER = 'bob@example.com';

/** Asks for a reset link from the password step, as the widget's "forgot password" does. */
async function forgot(server: TestServer, email = EMAIL, options: RequestOptions = {}): Promise<Response> {
  const id = await reachPassword(server, email, options);
  return act(server, id, 'forgot', {}, options);
}

const isResetMail = (m: Message) => /reset your/i.test(m.subject);

/** Waits for the `count`th reset mail to `email` (it goes out in the background) and returns the newest link's token. */
async function resetMails(server: TestServer, email: string, count: number): Promise<Message[]> {
  return eventually(async () => {
    const mails = (await messagesTo(server, email)).filter(isResetMail);
    return mails.length >= count ? mails : undefined;
  }, `${count} reset mail(s) to ${email}`);
}

/** Asks for a link and returns its token once the mail is there. */
async function resetToken(server: TestServer, email = EMAIL): Promise<string> {
  const before = (await messagesTo(server, email)).filter(isResetMail).length;
  assert.equal((await forgot(server, email)).status, 200);
  const mails = await resetMails(server, email, before + 1);
  const seen = new Set<string>();
  // The newest link is the one not in any earlier mail; all earlier ones are dead anyway.
  const tokens = mails.map((m) => linkTokenIn(m.body)).filter((token) => !seen.has(token) && seen.add(token));
  return tokens.at(-1)!;
}

/**
 * A barrier for "no mail was sent": asks for a link for a second, real
 * account and waits for that mail. Background work started before it has had
 * the same turns of the event loop to finish.
 */
async function settle(server: TestServer): Promise<void> {
  await resetToken(server, OTHER);
}

async function sessionStatus(server: TestServer, token: string): Promise<number> {
  return (await server.request('/api/session', { headers: { authorization: `Bearer ${token}` } })).status;
}

/** Opens the link and sets the new password; returns the `done` flow. */
async function resetPassword(server: TestServer, token: string, password = NEW_PASSWORD): Promise<FlowState> {
  const opened = await flowOf(await openLink(server, 'reset', token));
  assert.equal(opened.step, 'set-password', JSON.stringify(opened));
  return flowOf(await act(server, opened.id, 'password', { password }));
}

describe('forgot password', () => {
  it('answers a known and an unknown address alike; only the known one gets a mail, with a link', async (t) => {
    const server = await startServer(t);
    const user = await addUser(server);
    await addUser(server, OTHER);
    const unknown = await forgot(server, UNKNOWN);
    const known = await forgot(server, EMAIL);
    assert.equal(unknown.status, known.status);
    assert.equal(known.status, 200);
    const [a, b] = [await flowOf(unknown), await flowOf(known)];
    const shape = ({ id: _id, ...flow }: FlowState) => ({ ...flow, data: { ...flow.data, email: '<email>' } });
    assert.deepEqual(shape(a), shape(b));
    if (b.step !== 'reset-sent') return assert.fail(JSON.stringify(b));
    assert.deepEqual(b.data, { email: EMAIL, minutes: 60 });
    assert.deepEqual(b.actions, ['back']);
    const [mail] = await resetMails(server, EMAIL, 1);
    assert.ok(mail!.body.includes('http://localhost:3000/reset-password#token='), mail!.body);
    const link = await server.db.selectFrom('link_tokens').selectAll().where('user_id', '=', user.id).executeTakeFirstOrThrow();
    assert.equal(link.purpose, 'password-reset');
    assert.equal(link.expires_at, server.clock.now + 60 * MINUTE);
    await settle(server);
    assert.equal((await messagesTo(server, EMAIL)).length, 1, 'exactly one mail');
    assert.deepEqual(await messagesTo(server, UNKNOWN), []);
    assert.deepEqual(await server.db.selectFrom('mail_queue').select('id').where('recipient', '=', UNKNOWN).execute(), []);
  });

  it('goes back to the password step', async (t) => {
    const server = await startServer(t);
    const sent = await flowOf(await forgot(server, UNKNOWN));
    const back = await flowOf(await act(server, sent.id, 'back', {}));
    assert.equal(back.step, 'password');
    assert.deepEqual(back.data, { email: UNKNOWN });
  });

  it('mails at most 5 links an hour to one address, with the same answer after that', async (t) => {
    const server = await startServer(t);
    await addUser(server);
    await addUser(server, OTHER);
    const answers: unknown[] = [];
    for (let i = 0; i < 6; i++) {
      const response = await forgot(server);
      assert.equal(response.status, 200);
      const { id: _id, ...flow } = await flowOf(response);
      answers.push(flow);
    }
    assert.deepEqual(answers.slice(1), answers.slice(0, 5), 'the same answer every time');
    await resetMails(server, EMAIL, 5);
    await settle(server);
    assert.equal((await messagesTo(server, EMAIL)).filter(isResetMail).length, 5);
    // An hour on, the address gets mail again.
    server.clock.advance(60 * MINUTE);
    await forgot(server);
    await resetMails(server, EMAIL, 6);
  });

  it('limits one client to IP_MAX_FAILURES requests, known address or not', async (t) => {
    const server = await startServer(t, { IP_MAX_FAILURES: '3' });
    const peer = '198.51.100.7';
    for (const email of [UNKNOWN, 'x@example.com', 'y@example.com']) assert.equal((await forgot(server, email, { peer })).status, 200);
    const limited = await forgot(server, 'z@example.com', { peer });
    await assertError(limited, 'rate_limited');
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    assert.equal((await forgot(server, 'z@example.com', { peer: '198.51.100.8' })).status, 200, 'another client is not limited');
  });

  it('mails nothing to an invited user who has not activated, nor to a disabled user', async (t) => {
    const server = await startServer(t);
    await addUser(server, OTHER);
    await invite(server, 'invited@example.com');
    await addUser(server, 'gone@example.com');
    await disableUser(server.context, { email: 'gone@example.com', actor: 'admin' });
    assert.equal((await forgot(server, 'invited@example.com')).status, 200);
    assert.equal((await forgot(server, 'gone@example.com')).status, 200);
    await settle(server);
    const kinds = await server.db.selectFrom('mail_queue').select(['recipient', 'kind']).where('recipient', 'in', ['invited@example.com', 'gone@example.com']).execute();
    assert.deepEqual(kinds, [{ recipient: 'invited@example.com', kind: 'invitation' }]);
    assert.deepEqual(await server.db.selectFrom('link_tokens').select('purpose').where('purpose', '=', 'password-reset').where('used_at', 'is', null).execute(), [{ purpose: 'password-reset' }], "only OTHER's link");
  });
});

describe('the reset link', () => {
  it('without 2FA opens at set-password, and the new password signs in', async (t) => {
    const server = await startServer(t);
    const user = await addUser(server);
    const token = await resetToken(server);
    const opened = await flowOf(await openLink(server, 'reset', token));
    if (opened.step !== 'set-password') return assert.fail(JSON.stringify(opened));
    assert.equal(opened.kind, 'reset');
    assert.deepEqual([opened.data.email, opened.data.purpose], [EMAIL, 'reset']);
    const done = await flowOf(await act(server, opened.id, 'password', { password: NEW_PASSWORD }));
    const grant = grantOf(done);
    assert.equal(grant.user.id, user.id);
    assert.deepEqual(grant.amr, ['pwd']);
    const stored = await server.db.selectFrom('users').select('password_hash').where('id', '=', user.id).executeTakeFirstOrThrow();
    assert.equal(await verifyPassword({ hash: stored.password_hash, password: NEW_PASSWORD }), true);
    assert.equal(await verifyPassword({ hash: stored.password_hash, password: PASSWORD }), false);
    assert.deepEqual((await auditOf(server, user.id)).map((e) => e.event), ['password.reset', 'login.success']);
  });

  it('refuses a password that breaks the policy without spending the link', async (t) => {
    const server = await startServer(t);
    await addUser(server);
    const token = await resetToken(server);
    const opened = await flowOf(await openLink(server, 'reset', token));
    await assertError(await act(server, opened.id, 'password', { password: 'short' }), 'password_policy');
    assert.equal((await flowRow(server, opened.id))?.attempts, 0);
    assert.equal((await openLink(server, 'reset', token)).status, 201, 'the link still opens');
    assert.equal(grantOf(await flowOf(await act(server, opened.id, 'password', { password: NEW_PASSWORD }))).user.email, EMAIL);
  });

  it('asks for the authenticator code first when the person has one; a wrong code is refused and counted', async (t) => {
    const server = await startServer(t);
    const user = await addUser(server);
    const secret = await addTotp(server, user.id);
    const token = await resetToken(server);
    const opened = await flowOf(await openLink(server, 'reset', token));
    if (opened.step !== 'second-factor') return assert.fail(JSON.stringify(opened));
    assert.deepEqual(opened.data.methods, ['totp']);
    // The mailbox alone does not get to the new password.
    await assertError(await act(server, opened.id, 'password', { password: NEW_PASSWORD }), 'action_not_allowed');
    const right = totpCode(secret, server.clock.now);
    await assertError(await act(server, opened.id, 'totp', { code: right === '000000' ? '000001' : '000000' }), 'invalid_code');
    assert.equal((await flowRow(server, opened.id))?.attempts, 1);
    const set = await flowOf(await act(server, opened.id, 'totp', { code: right }));
    assert.equal(set.step, 'set-password');
    const done = await flowOf(await act(server, set.id, 'password', { password: NEW_PASSWORD }));
    assert.deepEqual(grantOf(done).amr, ['pwd', 'otp', 'mfa']);
    const stored = await server.db.selectFrom('users').select('password_hash').where('id', '=', user.id).executeTakeFirstOrThrow();
    assert.equal(await verifyPassword({ hash: stored.password_hash, password: NEW_PASSWORD }), true);
  });

  it('ends every earlier session of the person, and only theirs', async (t) => {
    const server = await startServer(t);
    const user = await addUser(server);
    const other = await addUser(server, OTHER);
    const sessions = await Promise.all([1, 2].map(() => createSession(server.db, server.config, { userId: user.id, amr: ['pwd'], now: server.clock.now })));
    const bystander = await createSession(server.db, server.config, { userId: other.id, amr: ['pwd'], now: server.clock.now });
    for (const { token } of sessions) assert.equal(await sessionStatus(server, token), 200);
    const done = await resetPassword(server, await resetToken(server));
    for (const { token } of sessions) assert.equal(await sessionStatus(server, token), 401);
    assert.equal(await sessionStatus(server, bystander.token), 200);
    // The session the reset signed in with is live.
    const live = await server.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).where('revoked_at', 'is', null).execute();
    assert.equal(live.length, 1);
    assert.equal(grantOf(done).user.id, user.id);
  });

  it('does not get around required 2FA: without a second factor, set-up follows the new password', async (t) => {
    const server = await startServer(t, { MFA_REQUIRED_FROM: '2030-01-01' });
    await addUser(server);
    const opened = await flowOf(await openLink(server, 'reset', await resetToken(server)));
    assert.equal(opened.step, 'set-password');
    const next = await flowOf(await act(server, opened.id, 'password', { password: NEW_PASSWORD }));
    if (next.step !== 'method-choice') return assert.fail(JSON.stringify(next));
    assert.equal(next.data.reason, 'required');
    assert.deepEqual(next.actions, ['choose'], 'no putting it off');
    assert.equal((await server.db.selectFrom('sessions').select('id').execute()).length, 0, 'no session before set-up');
  });

  it('ends sign-ins parked past the old password: they cannot complete after the reset', async (t) => {
    const server = await startServer(t);
    const user = await addUser(server);
    const secret = await addTotp(server, user.id);
    // Someone with the old password waits at the second factor.
    const parked = await reachPassword(server);
    assert.equal((await flowOf(await act(server, parked, 'password', { password: PASSWORD }))).step, 'second-factor');
    const opened = await flowOf(await openLink(server, 'reset', await resetToken(server)));
    await act(server, opened.id, 'totp', { code: totpCode(secret, server.clock.now) });
    grantOf(await flowOf(await act(server, opened.id, 'password', { password: NEW_PASSWORD })));
    server.clock.advance(30_000);
    await assertError(await act(server, parked, 'totp', { code: totpCode(secret, server.clock.now) }), 'flow_not_found');
  });

  it('forgets every remembered device: the second factor is asked again', async (t) => {
    const server = await startServer(t, { SESSION_COOKIE: 'false' });
    const user = await addUser(server);
    const secret = await addTotp(server, user.id);
    const device = await rememberDevice(server.db, { userId: user.id, days: 30, userAgent: null, now: server.clock.now });
    const opened = await flowOf(await openLink(server, 'reset', await resetToken(server)));
    await act(server, opened.id, 'totp', { code: totpCode(secret, server.clock.now) });
    grantOf(await flowOf(await act(server, opened.id, 'password', { password: NEW_PASSWORD })));
    const rows = await server.db.selectFrom('remembered_devices').select('revoked_at').where('user_id', '=', user.id).execute();
    assert.deepEqual(rows, [{ revoked_at: server.clock.now }]);
    const id = await reachPassword(server);
    const next = await flowOf(await act(server, id, 'password', { password: NEW_PASSWORD, device: device.token }));
    assert.equal(next.step, 'second-factor');
  });

  it('mails the person a notice that the password was changed', async (t) => {
    const server = await startServer(t);
    await addUser(server);
    const token = await resetToken(server);
    const before = (await messagesTo(server, EMAIL)).length;
    grantOf(await resetPassword(server, token));
    const mails = await messagesTo(server, EMAIL);
    assert.equal(mails.length, before + 1);
    assert.ok(mails.some((m) => /password was changed/i.test(m.subject)));
  });

  it('works once: opening it again, or setting a password in a second flow of it, is 410 reset_link_invalid', async (t) => {
    const server = await startServer(t);
    await addUser(server);
    const token = await resetToken(server);
    const second = await flowOf(await openLink(server, 'reset', token));
    grantOf(await resetPassword(server, token));
    await assertError(await openLink(server, 'reset', token), 'reset_link_invalid');
    await assertError(await act(server, second.id, 'password', { password: 'Yet-Another-Horse-6-Battery' }), 'reset_link_invalid');
    const stored = await server.db.selectFrom('users').select('password_hash').where('email', '=', EMAIL).executeTakeFirstOrThrow();
    assert.equal(await verifyPassword({ hash: stored.password_hash, password: NEW_PASSWORD }), true);
  });

  it('works for RESET_LINK_MINUTES and not a moment longer', async (t) => {
    const server = await startServer(t, { RESET_LINK_MINUTES: '30' });
    await addUser(server);
    const token = await resetToken(server);
    server.clock.advance(30 * MINUTE - 1);
    assert.equal((await openLink(server, 'reset', token)).status, 201);
    server.clock.advance(1);
    await assertError(await openLink(server, 'reset', token), 'reset_link_invalid');
  });

  it('dies when a newer link is asked for', async (t) => {
    const server = await startServer(t);
    await addUser(server);
    const first = await resetToken(server);
    const second = await resetToken(server);
    assert.notEqual(first, second);
    await assertError(await openLink(server, 'reset', first), 'reset_link_invalid');
    assert.equal((await openLink(server, 'reset', second)).status, 201);
  });

  it('no longer opens once the user is disabled', async (t) => {
    const server = await startServer(t);
    await addUser(server);
    const token = await resetToken(server);
    await disableUser(server.context, { email: EMAIL, actor: 'admin' });
    await assertError(await openLink(server, 'reset', token), 'reset_link_invalid');
  });

  it('ends a reset that is past the second factor when the user is disabled', async (t) => {
    const server = await startServer(t);
    const user = await addUser(server);
    const secret = await addTotp(server, user.id);
    const opened = await flowOf(await openLink(server, 'reset', await resetToken(server)));
    assert.equal((await flowOf(await act(server, opened.id, 'totp', { code: totpCode(secret, server.clock.now) }))).step, 'set-password');
    await disableUser(server.context, { email: EMAIL, actor: 'admin' });
    await assertError(await act(server, opened.id, 'password', { password: NEW_PASSWORD }), 'flow_not_found');
    // What is left is marked ended, with nothing of the person in it, until it expires.
    assert.deepEqual(await flowRow(server, opened.id).then((row) => row && { step: row.step, state: row.state, user_id: row.user_id }), { step: 'ended', state: '{}', user_id: null });
  });

  it('refuses unknown and malformed tokens with 410 and 400, and an invitation token', async (t) => {
    const server = await startServer(t);
    await assertError(await openLink(server, 'reset', 'B'.repeat(43)), 'reset_link_invalid');
    await assertError(await openLink(server, 'reset', await invite(server, 'invited@example.com')), 'reset_link_invalid');
    for (const token of [undefined, '', 7, 'x'.repeat(257)]) await assertError(await openLink(server, 'reset', token), 'invalid_request');
  });

  it('does not sign in after the second factor alone: the password must be set first', async (t) => {
    const server = await startServer(t);
    const user = await addUser(server);
    const secret = await addTotp(server, user.id);
    const opened = await flowOf(await openLink(server, 'reset', await resetToken(server)));
    const set = await flowOf(await act(server, opened.id, 'totp', { code: totpCode(secret, server.clock.now) }));
    assert.equal(set.step, 'set-password');
    assert.deepEqual(await server.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute(), []);
    // Signing in with the old password still works until then.
    assert.equal((await flowOf(await signIn(server))).step, 'second-factor');
  });
});
