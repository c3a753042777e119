/*
 * "How do you want to verify it's you?": the choice of second factor at 2FA
 * set-up (a passkey, an authenticator app or a phone), the backup method
 * offered after the first, and the way back from each set-up step.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { FlowState } from '../../../../server/flows/protocol.js';
import { act, addUser, assertError, chooseMethod, EMAIL, grantOf, PASSWORD, reachPassword, startServer, type TestServer } from '../../helpers.js';
import { codeIn, flowOf, messagesTo, newMessages, totpCode } from '../../inbox.js';
import { SoftAuthenticator } from '../../soft-authenticator.js';

const ORIGIN = 'http://localhost:3000';
/** 2FA required from a date ahead (the prompt), passkeys on, texts to the dev outbox. */
const ENV = { MFA_REQUIRED_FROM: '2040-01-01', PASSKEYS: 'true', SMS: 'outbox', SESSION_COOKIE: 'false' };
const PHONE = '+31612345678';

async function afterPassword(server: TestServer): Promise<FlowState> {
  const id = await reachPassword(server);
  return flowOf(await act(server, id, 'password', { password: PASSWORD }));
}

/** Signs in and enables 2FA at the prompt: the flow at `method-choice`. */
async function atChoice(t: TestContext, env: Record<string, string> = {}): Promise<{ server: TestServer; choice: FlowState & { step: 'method-choice' } }> {
  const server = await startServer(t, { ...ENV, ...env });
  await addUser(server);
  const prompt = await afterPassword(server);
  assert.equal(prompt.step, 'mfa-prompt');
  const choice = await flowOf(await act(server, prompt.id, 'enable', {}));
  if (choice.step !== 'method-choice') return assert.fail(JSON.stringify(choice));
  return { server, choice };
}

/** Texts a code to `phone` at `sms-setup` and confirms it; returns the step after. */
async function confirmPhone(server: TestServer, id: string, phone = '06 12345678', e164 = PHONE): Promise<FlowState> {
  const before = await messagesTo(server, e164, 'sms');
  const sent = await flowOf(await act(server, id, 'phone', { phone }));
  assert.equal(sent.step, 'sms-setup', JSON.stringify(sent.error));
  const [text] = await newMessages(server, e164, before, 'sms');
  return flowOf(await act(server, id, 'code', { code: codeIn(text!) }));
}

describe('the choice of method', () => {
  it('comes after "enable" at the prompt: a passkey first, the app, a phone; and may be put off', async (t) => {
    const { choice } = await atChoice(t);
    assert.deepEqual(choice.data, { methods: ['passkey', 'totp', 'sms'], backup: false, reason: 'enable', requiredFrom: '2040-01-01' });
    assert.deepEqual(choice.actions.sort(), ['choose', 'remind-later']);
  });

  it('offers only what is on: no passkey without passkeys, no phone without texts', async (t) => {
    const { choice } = await atChoice(t, { PASSKEYS: 'false', SMS: 'off' });
    if (choice.step !== 'method-choice') return;
    assert.deepEqual(choice.data.methods, ['totp']);
  });

  it('comes first when 2FA is required, with no putting it off', async (t) => {
    const server = await startServer(t, { ...ENV, MFA_REQUIRED_FROM: '2020-01-01' });
    await addUser(server);
    const choice = await afterPassword(server);
    if (choice.step !== 'method-choice') return assert.fail(JSON.stringify(choice));
    assert.equal(choice.data.reason, 'required');
    assert.deepEqual(choice.actions, ['choose']);
    await assertError(await act(server, choice.id, 'remind-later', {}), 'action_not_allowed');
    await assertError(await act(server, choice.id, 'skip', {}), 'action_not_allowed');
  });

  it('"remind me later" signs in without 2FA and keeps the prompt away, as at the prompt', async (t) => {
    const { server, choice } = await atChoice(t);
    const done = await flowOf(await act(server, choice.id, 'remind-later', {}));
    assert.deepEqual(grantOf(done).amr, ['pwd']);
    assert.equal((await afterPassword(server)).step, 'done', 'snoozed');
    assert.deepEqual(await server.db.selectFrom('credentials').select('id').execute(), []);
  });

  it('refuses a method not offered, or a malformed body, with invalid_request (400)', async (t) => {
    const { server, choice } = await atChoice(t, { SMS_FIRST_METHOD: 'false' });
    if (choice.step !== 'method-choice') return;
    assert.deepEqual(choice.data.methods, ['passkey', 'totp'], 'SMS_FIRST_METHOD=false: no phone as the only factor');
    for (const body of [{ method: 'sms' }, { method: 'email' }, {}, { method: 'totp', extra: 1 }, { method: ['totp'] }, 'totp']) {
      const refused = await act(server, choice.id, 'choose', body);
      assert.equal(refused.status, 400, JSON.stringify(body));
      const flow = await flowOf(refused);
      assert.equal(flow.error?.code, 'invalid_request', JSON.stringify(body));
      assert.equal(flow.step, 'method-choice');
    }
  });
});

describe('each method, chosen and set up', () => {
  it('the authenticator app: set-up, the backup offer (skipped), the recovery code, done', async (t) => {
    const { server, choice } = await atChoice(t);
    const setup = await chooseMethod(server, choice, 'totp');
    if (setup.step !== 'totp-setup') return;
    assert.deepEqual(setup.actions.sort(), ['back', 'totp']);
    const backup = await flowOf(await act(server, setup.id, 'totp', { code: totpCode(setup.data.secret, server.clock.now) }));
    if (backup.step !== 'method-choice') return assert.fail(JSON.stringify(backup));
    assert.deepEqual(backup.data, { methods: ['passkey', 'sms'], backup: true, reason: 'enable', requiredFrom: '2040-01-01' });
    assert.deepEqual(backup.actions.sort(), ['choose', 'skip'], 'a backup is skipped, not put off');
    const recovery = await flowOf(await act(server, setup.id, 'skip', {}));
    assert.equal(recovery.step, 'recovery-code');
    assert.deepEqual(grantOf(await flowOf(await act(server, setup.id, 'confirm', { saved: true }))).amr, ['pwd', 'otp', 'mfa']);
  });

  it('a passkey: registered, then an authenticator app as the backup; the recovery code shown is the one that works', async (t) => {
    const { server, choice } = await atChoice(t);
    const authenticator = new SoftAuthenticator(ORIGIN);
    const setup = await chooseMethod(server, choice, 'passkey');
    if (setup.step !== 'passkey-setup') return;
    assert.deepEqual(setup.actions.sort(), ['back', 'register']);
    const backup = await flowOf(await act(server, setup.id, 'register', { response: authenticator.create(setup.data.options), name: 'Phone' }));
    if (backup.step !== 'method-choice') return assert.fail(JSON.stringify(backup));
    assert.deepEqual(backup.data.methods, ['totp', 'sms']);
    const totp = await chooseMethod(server, backup, 'totp');
    if (totp.step !== 'totp-setup') return;
    // Only one backup is offered: after it, the recovery code.
    const recovery = await flowOf(await act(server, totp.id, 'totp', { code: totpCode(totp.data.secret, server.clock.now) }));
    if (recovery.step !== 'recovery-code') return assert.fail(JSON.stringify(recovery));
    const done = await flowOf(await act(server, totp.id, 'confirm', { saved: true }));
    assert.deepEqual(grantOf(done).amr, ['pwd', 'hwk', 'mfa'], 'the sign-in was authenticated by the first method');
    const types = await server.db.selectFrom('credentials').select('type').where('confirmed_at', 'is not', null).orderBy('type').execute();
    assert.deepEqual(types.map((c) => c.type), ['passkey', 'totp']);
    const codes = await server.db.selectFrom('recovery_codes').select('id').where('used_at', 'is', null).execute();
    assert.equal(codes.length, 1, 'one live recovery code');
    // The code the person saved is the live one: it signs in (and set-up follows).
    const challenge = await afterPassword(server);
    if (challenge.step !== 'second-factor') return assert.fail(challenge.step);
    assert.deepEqual(challenge.data.methods, ['passkey', 'totp', 'recovery_code']);
    const used = await flowOf(await act(server, challenge.id, 'recovery-code', { code: recovery.data.code }));
    assert.equal(used.step, 'method-choice', JSON.stringify(used.error));
  });

  it('a phone as the first method: amr sms, a recovery code, the backup offer, and texts at the next sign-in', async (t) => {
    const { server, choice } = await atChoice(t);
    const setup = await chooseMethod(server, choice, 'sms');
    assert.deepEqual([...setup.actions].sort(), ['back', 'phone']);
    const backup = await confirmPhone(server, setup.id);
    if (backup.step !== 'method-choice') return assert.fail(JSON.stringify(backup));
    assert.equal(backup.data.backup, true);
    assert.deepEqual(backup.data.methods, ['passkey', 'totp']);
    const recovery = await flowOf(await act(server, setup.id, 'skip', {}));
    if (recovery.step !== 'recovery-code') return assert.fail(JSON.stringify(recovery));
    assert.deepEqual(grantOf(await flowOf(await act(server, setup.id, 'confirm', { saved: true }))).amr, ['pwd', 'sms', 'mfa']);
    const factors = await server.db.selectFrom('credentials').select('type').where('confirmed_at', 'is not', null).execute();
    assert.deepEqual(factors, [{ type: 'sms' }]);
    assert.equal((await server.db.selectFrom('recovery_codes').select('id').where('used_at', 'is', null).execute()).length, 1);
    const next = await afterPassword(server);
    if (next.step !== 'second-factor') return assert.fail(next.step);
    assert.deepEqual(next.data.methods, ['sms', 'recovery_code']);
  });

  it('a phone is not offered as the first method under SMS_FIRST_METHOD=false, but is as the backup', async (t) => {
    const { server, choice } = await atChoice(t, { SMS_FIRST_METHOD: 'false' });
    if (choice.step !== 'method-choice') return;
    assert.ok(!choice.data.methods.includes('sms'));
    const setup = await chooseMethod(server, choice, 'totp');
    if (setup.step !== 'totp-setup') return;
    const backup = await flowOf(await act(server, setup.id, 'totp', { code: totpCode(setup.data.secret, server.clock.now) }));
    if (backup.step !== 'method-choice') return assert.fail(backup.step);
    assert.ok(backup.data.methods.includes('sms'));
    const sms = await chooseMethod(server, backup, 'sms');
    assert.equal((await confirmPhone(server, sms.id)).step, 'recovery-code');
  });

  it('goes straight on to the recovery code when there is no backup left to offer', async (t) => {
    const { server, choice } = await atChoice(t, { PASSKEYS: 'false', SMS: 'off' });
    const setup = await chooseMethod(server, choice, 'totp');
    if (setup.step !== 'totp-setup') return;
    assert.equal((await flowOf(await act(server, setup.id, 'totp', { code: totpCode(setup.data.secret, server.clock.now) }))).step, 'recovery-code');
  });
});

describe('back from a set-up step', () => {
  it('from the passkey: the choice again, and the dropped ceremony no longer registers', async (t) => {
    const { server, choice } = await atChoice(t);
    const setup = await chooseMethod(server, choice, 'passkey');
    if (setup.step !== 'passkey-setup') return;
    const back = await flowOf(await act(server, setup.id, 'back', {}));
    if (back.step !== 'method-choice') return assert.fail(back.step);
    assert.deepEqual(back.data, choice.data);
    assert.deepEqual(back.actions.sort(), ['choose', 'remind-later']);
    await assertError(await act(server, setup.id, 'register', { response: new SoftAuthenticator(ORIGIN).create(setup.data.options), name: 'x' }), 'action_not_allowed');
    const again = await chooseMethod(server, back, 'passkey');
    if (again.step !== 'passkey-setup') return;
    assert.notEqual(again.data.options.challenge, setup.data.options.challenge);
  });

  it('from the phone: the choice again, and the number entered is forgotten', async (t) => {
    const { server, choice } = await atChoice(t);
    const setup = await chooseMethod(server, choice, 'sms');
    await act(server, setup.id, 'phone', { phone: '06 12345678' });
    const back = await flowOf(await act(server, setup.id, 'back', {}));
    assert.equal(back.step, 'method-choice');
    const again = await chooseMethod(server, back, 'sms');
    if (again.step !== 'sms-setup') return;
    assert.equal(again.data.sentTo, undefined);
    assert.deepEqual([...again.actions].sort(), ['back', 'phone']);
  });

  it('from the backup: the backup choice again, with its skip', async (t) => {
    const { server, choice } = await atChoice(t);
    const setup = await chooseMethod(server, choice, 'totp');
    if (setup.step !== 'totp-setup') return;
    const backup = await flowOf(await act(server, setup.id, 'totp', { code: totpCode(setup.data.secret, server.clock.now) }));
    const sms = await chooseMethod(server, backup, 'sms');
    const back = await flowOf(await act(server, sms.id, 'back', {}));
    if (back.step !== 'method-choice') return assert.fail(back.step);
    assert.equal(back.data.backup, true);
    assert.equal((await flowOf(await act(server, sms.id, 'skip', {}))).step, 'recovery-code');
  });
});

describe('phone numbers', () => {
  it('refuses a number that is not possible for its region, a landline and a premium-rate line, and takes a Dutch mobile and a foreign one', async (t) => {
    const { server, choice } = await atChoice(t);
    const setup = await chooseMethod(server, choice, 'sms');
    await assertError(await act(server, setup.id, 'phone', { phone: '12345' }), 'invalid_phone');
    // Valid numbers that take no text: a landline (Amsterdam) and a premium-rate line (0900).
    await assertError(await act(server, setup.id, 'phone', { phone: '020 123 4567' }), 'invalid_phone');
    await assertError(await act(server, setup.id, 'phone', { phone: '0900 123 4567' }), 'invalid_phone');
    for (const [typed, e164] of [['+31612345678', PHONE], ['+44 7911 123456', '+447911123456']] as const) {
      const sent = await flowOf(await act(server, setup.id, 'phone', { phone: typed }));
      assert.equal(sent.error, undefined, typed);
      assert.equal((await messagesTo(server, e164, 'sms')).length, 1, typed);
      await act(server, setup.id, 'change-number', {});
    }
  });
});
