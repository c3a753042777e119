import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { saveConfirmedPhone } from '../../../server/factors/sms.js';
import type { FlowState } from '../../../server/flows/protocol.js';
import type { UserSummary } from '../../../server/users.js';
import { act, addUser, assertError, EMAIL, grantOf, MINUTE, signIn, startServer, type TestServer } from '../helpers.js';
import { addTotp, auditOf, codeIn, flowOf, flowRow, messagesTo, newMessages } from '../inbox.js';

const PHONE = '+31612345678';
const OTHER = 'bob@example.com';

/** A user with an authenticator app and a confirmed SMS number, on a server that texts to the outbox. */
async function smsUser(t: TestContext, env: Record<string, string> = {}): Promise<{ server: TestServer; user: UserSummary }> {
  const server = await startServer(t, { SMS: 'outbox', ...env });
  const user = await withPhone(server, EMAIL);
  return { server, user };
}

async function withPhone(server: TestServer, email: string, phone = PHONE): Promise<UserSummary> {
  const user = await addUser(server, email);
  await addTotp(server, user.id);
  await saveConfirmedPhone(server.db, server.context.secretKey, { userId: user.id, phone, now: server.clock.now });
  return user;
}

/** Signs in up to the second factor. */
async function atSecondFactor(server: TestServer, email = EMAIL): Promise<FlowState & { step: 'second-factor' }> {
  const flow = await flowOf(await signIn(server, email));
  if (flow.step !== 'second-factor') return assert.fail(JSON.stringify(flow));
  return flow;
}

/** Posts `send-sms` and returns the code that was texted. */
async function sendSms(server: TestServer, id: string, phone = PHONE): Promise<string> {
  const before = await messagesTo(server, phone, 'sms');
  const response = await act(server, id, 'send-sms', {});
  assert.equal(response.status, 200, JSON.stringify(await response.clone().json()));
  const texts = await newMessages(server, phone, before, 'sms');
  assert.equal(texts.length, 1);
  return codeIn(texts[0]!);
}

const otherThan = (code: string) => (code === '000000' ? '000001' : '000000');

describe('SMS as a second factor', () => {
  it('is offered with the number masked, and no code before one is sent', async (t) => {
    const { server } = await smsUser(t);
    const flow = await atSecondFactor(server);
    assert.deepEqual(flow.data.methods, ['totp', 'sms']);
    assert.equal(flow.data.phone, '+31 •• ••• ••78');
    assert.equal(flow.data.smsSent, false);
    assert.ok(!JSON.stringify(flow).includes('612345678'), 'the full number is never shown');
    assert.ok(flow.actions.includes('send-sms'));
    assert.ok(!flow.actions.includes('sms'));
    await assertError(await act(server, flow.id, 'sms', { code: '123456' }), 'action_not_allowed');
    assert.deepEqual(await messagesTo(server, PHONE, 'sms'), []);
  });

  it('texts a code to the number and signs in with it (amr pwd, sms, mfa)', async (t) => {
    const { server, user } = await smsUser(t);
    const flow = await atSecondFactor(server);
    const code = await sendSms(server, flow.id);
    const [text] = await messagesTo(server, PHONE, 'sms');
    assert.match(text!.body, /Valid for 10 min/);
    const done = await flowOf(await act(server, flow.id, 'sms', { code }));
    const grant = grantOf(done);
    assert.deepEqual(grant.amr, ['pwd', 'sms', 'mfa']);
    assert.equal(grant.user.id, user.id);
    const credential = await server.db.selectFrom('credentials').select('last_used_at').where('user_id', '=', user.id).where('type', '=', 'sms').executeTakeFirstOrThrow();
    assert.equal(credential.last_used_at, server.clock.now);
    const success = (await auditOf(server, user.id)).find((e) => e.event === 'login.success');
    assert.equal(JSON.parse(success!.detail!).amr, 'pwd sms mfa');
  });

  it('shows that a code was sent, and offers the sms action then', async (t) => {
    const { server } = await smsUser(t);
    const flow = await atSecondFactor(server);
    await sendSms(server, flow.id);
    const again = await flowOf(await act(server, flow.id, 'send-sms', {}));
    if (again.step !== 'second-factor') return assert.fail(JSON.stringify(again));
    assert.equal(again.data.smsSent, true);
    assert.ok(again.actions.includes('sms'));
  });

  it('refuses a wrong code and counts it against the flow', async (t) => {
    const { server, user } = await smsUser(t);
    const flow = await atSecondFactor(server);
    const code = await sendSms(server, flow.id);
    await assertError(await act(server, flow.id, 'sms', { code: otherThan(code) }), 'invalid_code');
    assert.equal((await flowRow(server, flow.id))?.attempts, 1);
    const failure = (await auditOf(server, user.id)).find((e) => e.event === 'login.failure');
    assert.equal(JSON.parse(failure!.detail!).method, 'sms');
  });

  it('is single use: the code that signed in does not sign in again in a new flow', async (t) => {
    const { server } = await smsUser(t);
    const first = await atSecondFactor(server);
    const code = await sendSms(server, first.id);
    grantOf(await flowOf(await act(server, first.id, 'sms', { code })));
    const second = await atSecondFactor(server);
    await assertError(await act(server, second.id, 'sms', { code }), 'action_not_allowed');
    const fresh = await sendSms(server, second.id);
    if (fresh !== code) await assertError(await act(server, second.id, 'sms', { code }), 'invalid_code');
  });

  it('is bound to its flow: a code texted in flow A fails in flow B', async (t) => {
    const { server } = await smsUser(t);
    const a = await atSecondFactor(server);
    const b = await atSecondFactor(server);
    const codeA = await sendSms(server, a.id);
    await assertError(await act(server, b.id, 'sms', { code: codeA }), 'action_not_allowed');
    const codeB = await sendSms(server, b.id);
    if (codeB !== codeA) await assertError(await act(server, b.id, 'sms', { code: codeA }), 'invalid_code');
    // Each code works in its own flow.
    grantOf(await flowOf(await act(server, b.id, 'sms', { code: codeB })));
    grantOf(await flowOf(await act(server, a.id, 'sms', { code: codeA })));
  });

  it('is replaced by a new send: the earlier code is refused', async (t) => {
    const { server } = await smsUser(t);
    const flow = await atSecondFactor(server);
    const first = await sendSms(server, flow.id);
    const second = await sendSms(server, flow.id);
    if (first !== second) await assertError(await act(server, flow.id, 'sms', { code: first }), 'invalid_code');
    grantOf(await flowOf(await act(server, flow.id, 'sms', { code: second })));
  });

  it('expires after 10 minutes (code_expired)', async (t) => {
    const { server } = await smsUser(t);
    const flow = await atSecondFactor(server);
    const code = await sendSms(server, flow.id);
    server.clock.advance(10 * MINUTE);
    await assertError(await act(server, flow.id, 'sms', { code }), 'code_expired');
  });

  it('works just before its 10 minutes are up', async (t) => {
    const { server } = await smsUser(t);
    const flow = await atSecondFactor(server);
    const code = await sendSms(server, flow.id);
    server.clock.advance(10 * MINUTE - 1);
    grantOf(await flowOf(await act(server, flow.id, 'sms', { code })));
  });

  it('texts one account at most 5 times an hour, across flows: the 6th send is 429', async (t) => {
    const { server } = await smsUser(t);
    const a = await atSecondFactor(server);
    for (let i = 0; i < 3; i++) await sendSms(server, a.id);
    const b = await atSecondFactor(server);
    await sendSms(server, b.id);
    const last = await sendSms(server, b.id);
    const limited = await act(server, b.id, 'send-sms', {});
    await assertError(limited, 'rate_limited');
    assert.equal(limited.headers.get('retry-after'), '3600');
    assert.equal((await messagesTo(server, PHONE, 'sms')).length, 5);
    // The refused send did not replace the code already sent.
    grantOf(await flowOf(await act(server, b.id, 'sms', { code: last })));
  });

  it('texts one number at most 5 times an hour, whichever account asks', async (t) => {
    const { server } = await smsUser(t);
    await withPhone(server, OTHER);
    const alice = await atSecondFactor(server);
    for (let i = 0; i < 3; i++) await sendSms(server, alice.id);
    const bob = await atSecondFactor(server, OTHER);
    for (let i = 0; i < 2; i++) await sendSms(server, bob.id);
    await assertError(await act(server, bob.id, 'send-sms', {}), 'rate_limited');
    assert.equal((await messagesTo(server, PHONE, 'sms')).length, 5);
    // An hour later the number can be texted again.
    server.clock.advance(60 * MINUTE);
    const later = await atSecondFactor(server, OTHER);
    await sendSms(server, later.id);
  });

  it('is not offered when SMS is off, even to a person with a number', async (t) => {
    const { server } = await smsUser(t, { SMS: 'off' });
    const flow = await atSecondFactor(server);
    assert.deepEqual(flow.data.methods, ['totp']);
    assert.equal(flow.data.phone, undefined);
    assert.ok(!flow.actions.includes('send-sms'));
    await assertError(await act(server, flow.id, 'send-sms', {}), 'action_not_allowed');
  });
});
