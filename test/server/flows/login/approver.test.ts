/*
 * The approver: a phone set up from the 2FA set-up step, then asked at every
 * sign-in with a number to match. The phone here is played by node:crypto (a
 * WebCrypto-style ECDSA key) or the soft authenticator (a passkey), talking
 * to the real API over its own routes; the store is a real SQLite file (or
 * PostgreSQL under test/support/with-postgres.ts).
 */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import { approvalMessage, enrolmentMessage, type ApprovalDetails, type EnrolmentResult, type EnrolmentStart } from '../../../../server/approver-protocol.js';
import { createApp } from '../../../../server/app.js';
import type { FlowState } from '../../../../server/flows/protocol.js';
import { act, addUser, assertError, bodyOf, EMAIL, grantOf, PASSWORD, reachPassword, startServer, type TestServer } from '../../helpers.js';
import { auditOf, flowOf, messagesTo } from '../../inbox.js';
import { SoftAuthenticator } from '../../soft-authenticator.js';
import { issueRecoveryCode } from '../../../../server/factors/recovery.js';

const ORIGIN = 'http://localhost:3000';
const ENV = { APPROVER: 'true', MFA_REQUIRED_FROM: '2020-01-01', SESSION_COOKIE: 'false', PASSKEYS: 'true' };

/** A phone with the approver: its key, its bearer token, and how it answers. */
class Phone {
  token = '';
  credentialId: string | undefined;
  /** The code the phone shows after enrolling, for the set-up screen. */
  confirmation = '';
  private readonly device = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  private readonly authenticator = new SoftAuthenticator(ORIGIN);

  constructor(private readonly server: TestServer, readonly kind: 'device' | 'passkey' = 'device') {}

  call(path: string, init: { method?: string; body?: unknown; token?: string } = {}): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${init.token ?? this.token}` };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    return this.server.request(`/api/approver${path}`, { method: init.method ?? 'GET', headers, ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }) });
  }

  /** Opens the set-up link and enrols. */
  async enrol(url: string): Promise<Response> {
    const token = new URL(url).hash.replace('#enrol=', '');
    const started = await this.server.post('/api/approver/enrolment', { token });
    if (started.status !== 200) return started;
    const { passkey } = await bodyOf<EnrolmentStart>(started);
    const key = this.kind === 'passkey'
      ? { type: 'passkey', response: this.authenticator.create(passkey.options) }
      : { type: 'device', publicKey: this.device.publicKey.export({ format: 'jwk' }), proof: signed(this.device.privateKey, enrolmentMessage(token)) };
    const enrolled = await this.server.post('/api/approver/devices', { token, name: 'Pixel 8', key });
    if (enrolled.status === 201) {
      const result = await bodyOf<EnrolmentResult>(enrolled.clone());
      this.token = result.deviceToken;
      this.credentialId = result.credentialId;
      this.confirmation = result.confirmation;
    }
    return enrolled;
  }

  async pending(): Promise<ApprovalDetails[]> {
    const response = await this.call('/requests');
    assert.equal(response.status, 200);
    return (await bodyOf<{ requests: ApprovalDetails[] }>(response)).requests;
  }

  /** A signed decision's body. */
  decision(number: string, decision: 'approve' | 'deny', signAs: { id: string; number: string; decision: 'approve' | 'deny' }) {
    const message = approvalMessage(signAs.id, signAs.number, signAs.decision);
    const proof = this.kind === 'passkey'
      ? { type: 'passkey', response: this.authenticator.get({ challenge: createHash('sha256').update(message).digest('base64url'), rpId: 'localhost', allowCredentials: [] }) }
      : { type: 'device', signature: signed(this.device.privateKey, message) };
    return { number, decision, proof };
  }

  /** Answers a request with a signed decision. */
  answer(id: string, number: string, decision: 'approve' | 'deny' = 'approve', { signAs = { id, number, decision } }: { signAs?: { id: string; number: string; decision: 'approve' | 'deny' } } = {}): Promise<Response> {
    return this.call(`/requests/${id}`, { method: 'POST', body: this.decision(number, decision, signAs) });
  }
}

function signed(key: KeyObject, message: string): string {
  return sign('sha256', Buffer.from(message), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
}

/** Signs in with the password; 2FA being required, the person sets up the approver; returns the phone and the flow after set-up. */
async function enrolAtSignIn(t: TestContext, kind: 'device' | 'passkey' = 'device', env: Record<string, string> = {}) {
  const server = await startServer(t, { ...ENV, ...env });
  const user = await addUser(server);
  const id = await reachPassword(server);
  const choice = await flowOf(await act(server, id, 'password', { password: PASSWORD }));
  assert.equal(choice.step, 'method-choice');
  if (choice.step !== 'method-choice') throw new Error();
  assert.ok(choice.data.methods.includes('approver'));
  const setup = await flowOf(await act(server, id, 'choose', { method: 'approver' }));
  if (setup.step !== 'approver-setup') return assert.fail(JSON.stringify(setup));
  assert.match(setup.data.url, /^http:\/\/localhost:3000\/approve\/#enrol=[A-Za-z0-9_-]{43}$/);
  assert.ok(setup.data.qr.path.length > 100);
  // Not yet: the phone has not enrolled.
  await assertError(await act(server, id, 'check', { code: '123456' }), 'approver_pending');
  const phone = new Phone(server, kind);
  assert.equal((await phone.enrol(setup.data.url)).status, 201);
  const waited = await server.request('/api/flows/-/wait', { headers: { 'x-flow-id': id } });
  assert.deepEqual(await waited.json(), { ready: true });
  assert.match(phone.confirmation, /^\d{6}$/);
  const after = await flowOf(await act(server, id, 'check', { code: phone.confirmation }));
  return { server, user, phone, after, flowId: id };
}

/** A new sign-in up to the second factor with a request sent to the phone. */
async function askPhone(server: TestServer): Promise<{ id: string; flow: FlowState & { step: 'second-factor' } }> {
  const id = await reachPassword(server);
  const second = await flowOf(await act(server, id, 'password', { password: PASSWORD }));
  if (second.step !== 'second-factor') return assert.fail(JSON.stringify(second));
  assert.equal(second.data.methods[0], 'approver');
  const sent = await flowOf(await act(server, id, 'send-approval', {}));
  if (sent.step !== 'second-factor' || !sent.data.approval) return assert.fail(JSON.stringify(sent));
  assert.match(sent.data.approval.number, /^[1-9]\d$/);
  return { id, flow: sent };
}

describe('the approver', () => {
  it('is set up from a QR code at 2FA set-up, then a sign-in is approved by picking the number on the screen', async (t) => {
    const { server, phone, after, user } = await enrolAtSignIn(t);
    // Set-up goes on as the others do: a backup offered, or the recovery code.
    assert.ok(['method-choice', 'recovery-code'].includes(after.step), after.step);
    const { id, flow } = await askPhone(server);
    const [request] = await phone.pending();
    assert.ok(request);
    assert.equal(request.email, EMAIL);
    assert.equal(request.numbers.length, 3);
    assert.equal(new Set(request.numbers).size, 3);
    assert.ok(request.numbers.includes(flow.data.approval!.number));
    // Waiting: nothing yet.
    await assertError(await act(server, id, 'approval', {}), 'approval_pending');
    assert.deepEqual(await bodyOf(await phone.answer(request.id, flow.data.approval!.number)), { status: 'approved' });
    const done = grantOf(await flowOf(await act(server, id, 'approval', { remember: false })));
    assert.deepEqual(done.amr, ['pwd', 'swk', 'mfa']);
    const events = (await auditOf(server, user.id)).map((e) => e.event);
    assert.ok(events.includes('approval.sent') && events.includes('approval.approved'));
  });

  it('confirms only the phone in the person\'s hand: one that scanned the QR code first shows a code the person never sees', async (t) => {
    const server = await startServer(t, ENV);
    await addUser(server);
    const id = await reachPassword(server);
    await act(server, id, 'password', { password: PASSWORD });
    const setup = await flowOf(await act(server, id, 'choose', { method: 'approver' }));
    if (setup.step !== 'approver-setup') return assert.fail();
    // Someone photographs the QR code and enrols first; the person's own phone then finds the link spent.
    const thief = new Phone(server);
    assert.equal((await thief.enrol(setup.data.url)).status, 201);
    await assertError(await new Phone(server).enrol(setup.data.url), 'approver_enrolment_invalid');
    // The screen sees a phone arrive, but only its code confirms it: a guess is a failed attempt.
    assert.deepEqual(await (await server.request('/api/flows/-/wait', { headers: { 'x-flow-id': id } })).json(), { ready: true });
    const wrong = thief.confirmation === '000000' ? '000001' : '000000';
    await assertError(await act(server, id, 'check', { code: wrong }), 'invalid_code');
    assert.equal((await server.db.selectFrom('flows').select('attempts').executeTakeFirstOrThrow()).attempts, 1);
    // "Make a new code": the thief's half-enrolled phone goes with the old link.
    const renewed = await flowOf(await act(server, id, 'renew', {}));
    if (renewed.step !== 'approver-setup') return assert.fail();
    await assertError(await thief.call('/requests'), 'approver_unknown');
    const mine = new Phone(server);
    assert.equal((await mine.enrol(renewed.data.url)).status, 201);
    assert.notEqual(mine.confirmation, thief.confirmation);
    const after = await flowOf(await act(server, id, 'check', { code: ` ${mine.confirmation.slice(0, 3)} ${mine.confirmation.slice(3)} ` }));
    assert.ok(['method-choice', 'recovery-code'].includes(after.step), JSON.stringify(after));
  });

  it('with a passkey on the phone, the answer is a WebAuthn assertion over the request, number and decision', async (t) => {
    const { server, phone } = await enrolAtSignIn(t, 'passkey');
    assert.ok(phone.credentialId);
    const { id, flow } = await askPhone(server);
    const [request] = await phone.pending();
    // Signed for another number than the one sent: refused, and the request stays open.
    await assertError(await phone.answer(request!.id, flow.data.approval!.number, 'approve', { signAs: { id: request!.id, number: '00', decision: 'approve' } }), 'approver_signature');
    assert.deepEqual(await bodyOf(await phone.answer(request!.id, flow.data.approval!.number)), { status: 'approved' });
    assert.deepEqual(grantOf(await flowOf(await act(server, id, 'approval', {}))).amr, ['pwd', 'hwk', 'mfa']);
  });

  it('a wrong number or "this wasn\'t me" ends the request as denied, counts as a failure and mails the person', async (t) => {
    const { server, phone } = await enrolAtSignIn(t);
    for (const answer of ['wrong', 'deny'] as const) {
      const { id, flow } = await askPhone(server);
      const [request] = await phone.pending();
      const right = flow.data.approval!.number;
      const wrong = request!.numbers.find((n) => n !== right)!;
      const before = (await messagesTo(server, EMAIL)).length;
      const outcome = answer === 'wrong' ? await phone.answer(request!.id, wrong) : await phone.answer(request!.id, right, 'deny');
      assert.deepEqual(await bodyOf(outcome), { status: 'denied' });
      const mails = await messagesTo(server, EMAIL);
      assert.equal(mails.length, before + 1);
      assert.match(mails.at(-1)!.subject, /Someone tried to sign in/);
      const refused = await act(server, id, 'approval', {});
      assert.equal(refused.status, 401);
      const body = await bodyOf<FlowState>(refused);
      assert.equal(body.error?.code, 'approval_denied');
      // Said once: the request has left the flow, which may send a new one.
      assert.ok(!body.actions.includes('approval' as never) && body.actions.includes('send-approval' as never), JSON.stringify(body.actions));
      // A denied request is never approved afterwards.
      await assertError(await phone.answer(request!.id, right), 'approval_decided');
    }
    const row = await server.db.selectFrom('rate_limits').select('count').where('key', 'like', 'mfa:acct:%').executeTakeFirst();
    assert.equal(Number(row?.count), 2);
  });

  it('records "this wasn\'t me" even when the account\'s limits are spent, and mails it', async (t) => {
    const { server, phone } = await enrolAtSignIn(t, 'device', { ACCOUNT_MAX_FAILURES: '1' });
    // A first refusal spends the account's one failure of the window.
    const first = await askPhone(server);
    const [one] = await phone.pending();
    assert.deepEqual(await bodyOf(await phone.answer(one!.id, first.flow.data.approval!.number, 'deny')), { status: 'denied' });
    // Over the limit now (an approval would be refused), yet the next "this wasn't me" is still recorded and mailed.
    const second = await askPhone(server);
    const [two] = await phone.pending();
    await assertError(await phone.answer(two!.id, second.flow.data.approval!.number), 'rate_limited');
    const before = (await messagesTo(server, EMAIL)).length;
    assert.deepEqual(await bodyOf(await phone.answer(two!.id, second.flow.data.approval!.number, 'deny')), { status: 'denied' });
    assert.equal((await messagesTo(server, EMAIL)).length, before + 1);
  });

  it('does not sign in with an approval whose phone was removed before the sign-in went on', async (t) => {
    const { server, phone } = await enrolAtSignIn(t);
    const { id, flow } = await askPhone(server);
    const [request] = await phone.pending();
    assert.equal((await phone.answer(request!.id, flow.data.approval!.number)).status, 200);
    // Removed as support's reset does (the flow itself is not ended by this path).
    await server.db.deleteFrom('credentials').where('id', '=', phone.token.split('.')[0]!).execute();
    const refused = await bodyOf<FlowState>(await act(server, id, 'approval', {}));
    assert.equal(refused.error?.code, 'approval_expired');
  });

  it('ends the request to the phones when the sign-in goes on another way', async (t) => {
    const { server, phone } = await enrolAtSignIn(t);
    const { id } = await askPhone(server);
    assert.equal((await phone.pending()).length, 1);
    // A second wait on the same flow ends the first: one at a time per flow.
    const first = server.request('/api/flows/-/wait', { headers: { 'x-flow-id': id } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = server.request('/api/flows/-/wait', { headers: { 'x-flow-id': id } });
    assert.deepEqual(await (await first).json(), { ready: false });
    await act(server, id, 'send-approval', {});
    assert.deepEqual(await (await second).json(), { ready: true });
    assert.equal((await phone.pending()).length, 1, 'the new request replaced the old one');
    // The recovery code signs in instead: the phone no longer shows the request.
    const code = await issueRecoveryCode(server.db, { userId: (await server.db.selectFrom('users').select('id').executeTakeFirstOrThrow()).id, kind: 'recovery', now: server.clock.now });
    const recovered = await flowOf(await act(server, id, 'recovery-code', { code }));
    assert.equal(recovered.step, 'method-choice', JSON.stringify(recovered.error));
    assert.deepEqual(await phone.pending(), []);
  });

  it('refuses a replayed approval, another person\'s request, an expired one, and an answer from a removed phone', async (t) => {
    const { server, phone } = await enrolAtSignIn(t);
    const { id, flow } = await askPhone(server);
    const [request] = await phone.pending();
    const number = flow.data.approval!.number;
    assert.equal((await phone.answer(request!.id, number)).status, 200);
    await assertError(await phone.answer(request!.id, number), 'approval_decided');
    grantOf(await flowOf(await act(server, id, 'approval', {})));
    // The sign-in is over: its flow cannot spend the approval twice.
    assert.equal((await act(server, id, 'approval', {})).status, 404);

    // Bob's phone cannot see or answer Alice's request.
    await addUser(server, 'bob@example.com');
    const bob = await reachPassword(server, 'bob@example.com');
    const bobChoice = await flowOf(await act(server, bob, 'password', { password: PASSWORD }));
    const bobSetup = await flowOf(await act(server, bob, 'choose', { method: 'approver' }));
    assert.equal(bobChoice.step, 'method-choice');
    if (bobSetup.step !== 'approver-setup') return assert.fail();
    const bobPhone = new Phone(server);
    await bobPhone.enrol(bobSetup.data.url);
    await flowOf(await act(server, bob, 'check', { code: bobPhone.confirmation }));
    const second = await askPhone(server);
    const [aliceRequest] = await phone.pending();
    await assertError(await bobPhone.call(`/requests/${aliceRequest!.id}`), 'approval_not_found');
    await assertError(await bobPhone.answer(aliceRequest!.id, second.flow.data.approval!.number), 'approval_not_found');

    // Two minutes on, the request has expired at both ends.
    server.clock.advance(2 * 60_000 + 1);
    await assertError(await phone.answer(aliceRequest!.id, second.flow.data.approval!.number), 'approval_expired');
    const expired = await bodyOf<FlowState>(await act(server, second.id, 'approval', {}));
    assert.equal(expired.error?.code, 'approval_expired');
    // "Send again" sends a new one.
    const again = await flowOf(await act(server, second.id, 'send-approval', {}));
    if (again.step !== 'second-factor') return assert.fail();
    assert.ok(again.data.approval);

    // The phone removed (support, or the account page) while the request is open: it can no longer answer.
    const [open] = await phone.pending();
    const phoneId = phone.token.split('.')[0]!;
    await server.db.deleteFrom('credentials').where('id', '=', phoneId).execute();
    await assertError(await phone.answer(open!.id, again.data.approval!.number), 'approver_unknown');
  });

  it('lets only one of two answers at the same time win', async (t) => {
    const { server, phone } = await enrolAtSignIn(t);
    const { flow } = await askPhone(server);
    const [request] = await phone.pending();
    const number = flow.data.approval!.number;
    const wrong = request!.numbers.find((n) => n !== number)!;
    const answers = await Promise.all([phone.answer(request!.id, number), phone.answer(request!.id, wrong), phone.answer(request!.id, number, 'deny')]);
    assert.deepEqual(answers.map((r) => r.status).sort(), [200, 409, 409]);
  });

  it('sends one request for a double click on "Send again": the one that loses the race to the flow leaves nothing behind', async (t) => {
    const { server, phone } = await enrolAtSignIn(t);
    const { id } = await askPhone(server);
    const both = await Promise.all([act(server, id, 'send-approval', {}), act(server, id, 'send-approval', {})]);
    const statuses = both.map((r) => r.status).sort();
    assert.ok(statuses[0] === 200 && [200, 409].includes(statuses[1]!), JSON.stringify(statuses));
    const shown = await bodyOf<FlowState>(await act(server, id, 'approval', {}));
    if (shown.step !== 'second-factor') return assert.fail();
    // The phone sees exactly the request the screen shows.
    const pending = await phone.pending();
    assert.equal(pending.length, 1);
    const row = await server.db.selectFrom('approval_requests').select('number').where('id', '=', pending[0]!.id).executeTakeFirstOrThrow();
    assert.equal(row.number, shown.data.approval?.number);
  });

  it('caps the requests pushed to a person in an hour (push fatigue)', async (t) => {
    const { server } = await enrolAtSignIn(t, 'device', { APPROVALS_PER_HOUR: '2' });
    const { id } = await askPhone(server);
    await flowOf(await act(server, id, 'send-approval', {}));
    const third = await act(server, id, 'send-approval', {});
    assert.equal(third.status, 429);
    assert.ok(Number(third.headers.get('retry-after')) > 0);
  });

  it('hears an answer stored by another API process while it waits', async (t) => {
    const { server, phone } = await enrolAtSignIn(t);
    const { id, flow } = await askPhone(server);
    // A second app on the same store: nothing but the store joins them.
    const other = createApp({ config: server.config, db: server.db, now: () => server.clock.now }).app;
    const [request] = await phone.pending();
    const started = Date.now();
    const waiting = server.request('/api/flows/-/wait', { headers: { 'x-flow-id': id } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const number = flow.data.approval!.number;
    const answered = await other.request(`/api/approver/requests/${request!.id}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${phone.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(phone.decision(number, 'approve', { id: request!.id, number, decision: 'approve' })),
    });
    assert.equal(answered.status, 200);
    assert.deepEqual(await (await waiting).json(), { ready: true });
    assert.ok(Date.now() - started < 5_000);
  });

  it('refuses malformed and unauthenticated calls with catalogue codes', async (t) => {
    const { server, phone } = await enrolAtSignIn(t);
    await assertError(await phone.call('/requests', { token: 'nope' }), 'approver_unknown');
    await assertError(await phone.call('/requests', { token: `${phone.token}x` }), 'approver_unknown');
    await assertError(await phone.call('/requests/short', { method: 'POST', body: {} }), 'approval_not_found');
    const { flow } = await askPhone(server);
    const [request] = await phone.pending();
    for (const body of [{}, { number: '123', decision: 'approve', proof: { type: 'device', signature: 'x' } }, { number: '12', decision: 'maybe', proof: { type: 'device', signature: 'x' } }, { number: '12', decision: 'approve', proof: { type: 'other' } }]) {
      await assertError(await phone.call(`/requests/${request!.id}`, { method: 'POST', body }), 'invalid_request');
    }
    await assertError(await phone.call(`/requests/${request!.id}`, { method: 'POST', body: { number: flow.data.approval!.number, decision: 'approve', proof: { type: 'device', signature: 'AAAA' } } }), 'approver_signature');
    // A set-up link works once.
    await assertError(await server.post('/api/approver/enrolment', { token: 'x'.repeat(43) }), 'approver_enrolment_invalid');
    await assertError(await server.post('/api/approver/devices', { token: 'x', name: 'n', key: { type: 'other' } }), 'invalid_request');
    await assertError(await server.post('/api/approver/devices', { token: 'x', name: '', key: { type: 'device', publicKey: {}, proof: '' } }), 'invalid_request');
    // The wait refuses a step that waits on nothing.
    const idle = await reachPassword(server);
    await assertError(await server.request('/api/flows/-/wait', { headers: { 'x-flow-id': idle } }), 'action_not_allowed');
  });
});
