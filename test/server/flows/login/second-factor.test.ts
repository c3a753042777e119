import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it, type TestContext } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { matchTotp, TOTP_PERIOD_SECONDS } from '../../../../server/factors/totp.js';
import type { FlowState } from '../../../../server/flows/protocol.js';
import { unseal } from '../../../../server/security/secrets.js';
import { resetMfa, setPassword } from '../../../../server/users.js';
import { act, addUser, bodyOf, chooseMethod, EMAIL, MINUTE, PASSWORD, reachPassword, SESSION_COOKIE_NAME, sessionCookieToken, setCookieFor, skipBackup, startLogin, startServer, type TestServer } from '../../helpers.js';

/** 2FA required from a date after the test clock's start: people are prompted and may wait. */
const PROMPT = { MFA_REQUIRED_FROM: '2040-01-01' };
/** 2FA required from a date already past: set-up is part of signing in. */
const REQUIRED = { MFA_REQUIRED_FROM: '2020-01-01' };
const DEVICE_COOKIE = '__Host-lf_device';

function codeAt(secret: string, time: number): string {
  return new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp: time });
}

async function flowOf(response: Response): Promise<FlowState> {
  return bodyOf<FlowState>(response);
}

/** Signs in up to the step after the password; returns the flow. */
async function afterPassword(server: TestServer, headers: Record<string, string> = {}, email = EMAIL): Promise<FlowState> {
  const id = await reachPassword(server, email, { headers });
  return flowOf(await act(server, id, 'password', { password: PASSWORD }, { headers }));
}

/** Walks prompt → enable → set-up → recovery code → done. Returns the secret and the recovery code. */
async function enroll(server: TestServer): Promise<{ secret: string; recoveryCode: string; done: FlowState }> {
  const prompt = await afterPassword(server);
  assert.equal(prompt.step, 'mfa-prompt');
  const setup = await chooseMethod(server, await flowOf(await act(server, prompt.id, 'enable', {})));
  if (setup.step !== 'totp-setup') throw new Error('unreachable');
  const recovery = await skipBackup(server, await flowOf(await act(server, setup.id, 'totp', { code: codeAt(setup.data.secret, server.clock.now) })));
  assert.equal(recovery.step, 'recovery-code');
  if (recovery.step !== 'recovery-code') throw new Error('unreachable');
  const done = await flowOf(await act(server, recovery.id, 'confirm', { saved: true }));
  assert.equal(done.step, 'done');
  return { secret: setup.data.secret, recoveryCode: recovery.data.code, done };
}

async function enrolledServer(t: TestContext, env: Record<string, string> = {}): Promise<{ server: TestServer; secret: string; recoveryCode: string }> {
  const server = await startServer(t, { ...PROMPT, ...env });
  await addUser(server);
  const { secret, recoveryCode } = await enroll(server);
  // Move to the next time step, so the code that confirmed set-up is not the current one.
  server.clock.advance(TOTP_PERIOD_SECONDS * 1000);
  return { server, secret, recoveryCode };
}

describe('TOTP codes (RFC 6238)', () => {
  // RFC 6238 Appendix B: the seeds are the ASCII strings below; 8-digit codes.
  const SEEDS = {
    SHA1: '12345678901234567890',
    SHA256: '12345678901234567890123456789012',
    SHA512: '1234567890123456789012345678901234567890123456789012345678901234',
  } as const;
  const VECTORS: [number, string, keyof typeof SEEDS][] = [
    [59, '94287082', 'SHA1'], [59, '46119246', 'SHA256'], [59, '90693936', 'SHA512'],
    [1111111109, '07081804', 'SHA1'], [1111111109, '68084774', 'SHA256'], [1111111109, '25091201', 'SHA512'],
    [1111111111, '14050471', 'SHA1'], [1111111111, '67062674', 'SHA256'], [1111111111, '99943326', 'SHA512'],
    [1234567890, '89005924', 'SHA1'], [1234567890, '91819424', 'SHA256'], [1234567890, '93441116', 'SHA512'],
    [2000000000, '69279037', 'SHA1'], [2000000000, '90698825', 'SHA256'], [2000000000, '38618901', 'SHA512'],
    [20000000000, '65353130', 'SHA1'], [20000000000, '77737706', 'SHA256'], [20000000000, '47863826', 'SHA512'],
  ];

  for (const [time, expected, algorithm] of VECTORS) {
    it(`matches Appendix B at T=${time} with ${algorithm}`, () => {
      const totp = new TOTP({ secret: Secret.fromUTF8(SEEDS[algorithm]), algorithm, digits: 8, period: 30 });
      assert.equal(totp.generate({ timestamp: time * 1000 }), expected);
    });
  }

  it('accepts the six-digit SHA-1 code of the Appendix B seed in its own time step only (with one step of drift)', () => {
    const secret = Secret.fromUTF8(SEEDS.SHA1).base32;
    const time = 1111111111 * 1000;
    const code = '050471'; // the last six digits of 14050471 (RFC 4226 §5.3 truncation)
    const step = Math.floor(time / 30_000);
    assert.equal(matchTotp({ secret, code, now: time }), step);
    assert.equal(matchTotp({ secret, code, now: time + 30_000 }), step);
    assert.equal(matchTotp({ secret, code, now: time - 30_000 }), step);
    assert.equal(matchTotp({ secret, code, now: time + 60_000 }), null, 'two steps of drift');
    assert.equal(matchTotp({ secret, code: '05047', now: time }), null);
    assert.equal(matchTotp({ secret, code: '05047a', now: time }), null);
  });

  it("agrees with Debian's oathtool, an independent implementation", (t) => {
    let oathtool: string;
    try {
      oathtool = execFileSync('which', ['oathtool']).toString().trim();
    } catch {
      t.skip('oathtool is not installed (apt-get install oathtool)');
      return;
    }
    const secret = new Secret({ size: 20 }).base32;
    const time = Date.UTC(2031, 0, 15, 9, 0, 0);
    const code = execFileSync(oathtool, ['--totp', '-b', secret, '--now', new Date(time).toISOString().replace('T', ' ').replace('.000Z', ' UTC')]).toString().trim();
    assert.equal(matchTotp({ secret, code, now: time }), Math.floor(time / 30_000));
  });
});

describe('the 2FA prompt before the required date', () => {
  it('asks a person without 2FA to add it, naming the date', async (t) => {
    const server = await startServer(t, PROMPT);
    await addUser(server);
    const prompt = await afterPassword(server);
    assert.equal(prompt.step, 'mfa-prompt');
    assert.deepEqual(prompt.data, { requiredFrom: '2040-01-01' });
    assert.deepEqual(prompt.actions.sort(), ['enable', 'remind-later']);
  });

  it('"remind me later" signs in and keeps the prompt away for three logins', async (t) => {
    const server = await startServer(t, PROMPT);
    await addUser(server);
    const prompt = await afterPassword(server);
    const done = await flowOf(await act(server, prompt.id, 'remind-later', {}));
    assert.equal(done.step, 'done');
    for (let login = 1; login <= 3; login++) assert.equal((await afterPassword(server)).step, 'done', `login ${login}`);
    assert.equal((await afterPassword(server)).step, 'mfa-prompt');
  });

  it('shows no prompt when 2FA is optional', async (t) => {
    const server = await startServer(t, { MFA_REQUIRED_FROM: 'never' });
    await addUser(server);
    assert.equal((await afterPassword(server)).step, 'done');
  });

  it('makes set-up part of signing in from the required date on, with no way to skip it', async (t) => {
    const server = await startServer(t, REQUIRED);
    await addUser(server);
    const choice = await afterPassword(server);
    if (choice.step !== 'method-choice') return assert.fail(choice.step);
    assert.equal(choice.data.reason, 'required');
    assert.equal(choice.data.backup, false);
    assert.deepEqual(choice.actions, ['choose'], 'no reminding later, no skipping');
    assert.equal((await flowOf(await act(server, choice.id, 'remind-later', {}))).error?.code, 'action_not_allowed');
    const setup = await chooseMethod(server, choice);
    if (setup.step !== 'totp-setup') return;
    assert.equal(setup.data.required, true);
    assert.equal(setup.data.reason, 'required');
    assert.deepEqual(setup.actions.sort(), ['back', 'totp']);
    const cancel = await flowOf(await act(server, setup.id, 'cancel', {}));
    assert.equal(cancel.error?.code, 'action_not_allowed');
  });

  it('turns "remind me later" into set-up if the date passes while the prompt is open', async (t) => {
    const server = await startServer(t, { MFA_REQUIRED_FROM: '2031-01-15' });
    await addUser(server);
    server.clock.now = Date.UTC(2031, 0, 14, 23, 55);
    const prompt = await afterPassword(server);
    assert.equal(prompt.step, 'mfa-prompt');
    server.clock.advance(10 * MINUTE);
    const required = await flowOf(await act(server, prompt.id, 'remind-later', {}));
    if (required.step !== 'method-choice') return assert.fail(required.step);
    assert.equal(required.data.reason, 'required');
    assert.ok(!required.actions.includes('remind-later'));
  });
});

describe('setting up the authenticator app', () => {
  it('offers a QR code of an otpauth URI with issuer and account, and the same key for typing', async (t) => {
    const server = await startServer(t, PROMPT);
    await addUser(server);
    const prompt = await afterPassword(server);
    const setup = await chooseMethod(server, await flowOf(await act(server, prompt.id, 'enable', {})));
    assert.equal(setup.step, 'totp-setup');
    if (setup.step !== 'totp-setup') return;
    const { secret, uri, qr, issuer, account, required } = setup.data;
    assert.match(secret, /^[A-Z2-7]{32}$/, '160-bit base32 key');
    const parsed = new URL(uri);
    assert.equal(parsed.protocol, 'otpauth:');
    assert.equal(parsed.searchParams.get('secret'), secret);
    assert.equal(parsed.searchParams.get('issuer'), 'login-flow');
    assert.equal(parsed.searchParams.get('digits'), '6');
    assert.equal(parsed.searchParams.get('period'), '30');
    // otpauth://totp/LABEL: the URL's host is the type, its path the label.
    assert.equal(parsed.host, 'totp');
    assert.equal(decodeURIComponent(parsed.pathname), `/login-flow:${EMAIL}`);
    assert.equal(issuer, 'login-flow');
    assert.equal(account, EMAIL);
    assert.equal(required, false);
    assert.ok(qr.size >= 29, 'a QR code of version 2 or more with its quiet zone');
    assert.match(qr.path, /^(M\d+ \d+h\d+v1h-\d+z)+$/);
  });

  it('keeps the shared secret encrypted at rest', async (t) => {
    const server = await startServer(t, PROMPT);
    await addUser(server);
    const prompt = await afterPassword(server);
    const setup = await chooseMethod(server, await flowOf(await act(server, prompt.id, 'enable', {})));
    if (setup.step !== 'totp-setup') return assert.fail(setup.step);
    const row = await server.db.selectFrom('credentials').selectAll().executeTakeFirstOrThrow();
    assert.ok(!row.secret!.includes(setup.data.secret));
    assert.equal(unseal(server.context.secretKey, row.secret!, `totp:${row.id}`), setup.data.secret);
    assert.throws(() => unseal(Buffer.alloc(32, 7), row.secret!, `totp:${row.id}`));
    assert.throws(() => unseal(server.context.secretKey, row.secret!, 'totp:another-row'));
    const flow = await server.db.selectFrom('flows').select('state').executeTakeFirstOrThrow();
    assert.ok(!flow.state.includes(setup.data.secret), 'the flow row holds the key sealed too');
  });

  it('refuses a wrong code and confirms with the right one, then shows a recovery code once', async (t) => {
    const server = await startServer(t, PROMPT);
    await addUser(server);
    const prompt = await afterPassword(server);
    const setup = await chooseMethod(server, await flowOf(await act(server, prompt.id, 'enable', {})));
    if (setup.step !== 'totp-setup') return assert.fail(setup.step);
    const wrong = await act(server, setup.id, 'totp', { code: '000000' });
    assert.equal(wrong.status, 401);
    assert.deepEqual((await flowOf(wrong)).error, { code: 'invalid_code', field: 'code' });
    const recovery = await skipBackup(server, await flowOf(await act(server, setup.id, 'totp', { code: codeAt(setup.data.secret, server.clock.now) })));
    if (recovery.step !== 'recovery-code') return assert.fail(recovery.step);
    assert.match(recovery.data.code, /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
    const stored = await server.db.selectFrom('recovery_codes').select('code_hash').executeTakeFirstOrThrow();
    assert.ok(!stored.code_hash.includes(recovery.data.code.replace(/-/g, '')));
    const unsaved = await flowOf(await act(server, recovery.id, 'confirm', { saved: false }));
    assert.equal(unsaved.error?.code, 'invalid_request');
    const done = await flowOf(await act(server, recovery.id, 'confirm', { saved: true }));
    if (done.step !== 'done') return assert.fail(done.step);
    assert.deepEqual(done.data.session.amr, ['pwd', 'otp', 'mfa']);
  });

  it('accepts a code pasted with a space', async (t) => {
    const server = await startServer(t, PROMPT);
    await addUser(server);
    const prompt = await afterPassword(server);
    const setup = await chooseMethod(server, await flowOf(await act(server, prompt.id, 'enable', {})));
    if (setup.step !== 'totp-setup') return assert.fail(setup.step);
    const code = codeAt(setup.data.secret, server.clock.now);
    const next = await skipBackup(server, await flowOf(await act(server, setup.id, 'totp', { code: `${code.slice(0, 3)} ${code.slice(3)}` })));
    assert.equal(next.step, 'recovery-code');
  });

  it('goes back to the choice of method and forgets the unconfirmed key', async (t) => {
    const server = await startServer(t, PROMPT);
    await addUser(server);
    const prompt = await afterPassword(server);
    const setup = await chooseMethod(server, await flowOf(await act(server, prompt.id, 'enable', {})));
    assert.equal((await server.db.selectFrom('credentials').selectAll().execute()).length, 1, 'the pending key');
    const back = await flowOf(await act(server, setup.id, 'back', {}));
    if (back.step !== 'method-choice') return assert.fail(back.step);
    assert.equal(back.data.reason, 'enable');
    assert.equal((await server.db.selectFrom('credentials').selectAll().execute()).length, 0);
    const again = await chooseMethod(server, back);
    if (again.step !== 'totp-setup' || setup.step !== 'totp-setup') return assert.fail(again.step);
    assert.notEqual(again.data.secret, setup.data.secret, 'a new key');
  });
});

describe('signing in with the authenticator app', () => {
  it('asks for the second factor after the password and signs in with a current code', async (t) => {
    const { server, secret } = await enrolledServer(t);
    const challenge = await afterPassword(server);
    assert.equal(challenge.step, 'second-factor');
    if (challenge.step !== 'second-factor') return;
    assert.deepEqual(challenge.data, { methods: ['totp', 'recovery_code'], rememberDays: 30, recoveryRequest: { employeeNumber: false } });
    const done = await flowOf(await act(server, challenge.id, 'totp', { code: codeAt(secret, server.clock.now) }));
    if (done.step !== 'done') return assert.fail(done.step);
    assert.deepEqual(done.data.session.amr, ['pwd', 'otp', 'mfa']);
  });

  it('refuses the code that confirmed set-up (its time step is spent)', async (t) => {
    const server = await startServer(t, PROMPT);
    await addUser(server);
    const { secret } = await enroll(server);
    const challenge = await afterPassword(server);
    const replay = await flowOf(await act(server, challenge.id, 'totp', { code: codeAt(secret, server.clock.now) }));
    assert.equal(replay.error?.code, 'invalid_code');
  });

  it('refuses a replayed code in another flow', async (t) => {
    const { server, secret } = await enrolledServer(t);
    const code = codeAt(secret, server.clock.now);
    const first = await afterPassword(server);
    assert.equal((await flowOf(await act(server, first.id, 'totp', { code }))).step, 'done');
    const second = await afterPassword(server);
    assert.equal((await flowOf(await act(server, second.id, 'totp', { code }))).error?.code, 'invalid_code');
  });

  it('allows one step of clock drift, not two', async (t) => {
    const { server, secret } = await enrolledServer(t);
    const previous = codeAt(secret, server.clock.now - 30_000);
    assert.equal((await flowOf(await act(server, (await afterPassword(server)).id, 'totp', { code: previous }))).error?.code, 'invalid_code', 'the previous step was spent by set-up');
    server.clock.advance(60_000);
    const oneBehind = codeAt(secret, server.clock.now - 30_000);
    assert.equal((await flowOf(await act(server, (await afterPassword(server)).id, 'totp', { code: oneBehind }))).step, 'done');
    server.clock.advance(60_000);
    const twoBehind = codeAt(secret, server.clock.now - 60_000);
    assert.equal((await flowOf(await act(server, (await afterPassword(server)).id, 'totp', { code: twoBehind }))).error?.code, 'invalid_code');
  });

  it('locks a flow after FLOW_MAX_ATTEMPTS wrong codes', async (t) => {
    const { server, secret } = await enrolledServer(t);
    const challenge = await afterPassword(server);
    for (let i = 0; i < 5; i++) assert.equal((await flowOf(await act(server, challenge.id, 'totp', { code: '000000' }))).error?.code, 'invalid_code');
    const locked = await act(server, challenge.id, 'totp', { code: codeAt(secret, server.clock.now) });
    assert.equal(locked.status, 429);
    assert.equal((await bodyOf<{ error: { code: string } }>(locked)).error.code, 'too_many_attempts');
  });

  it('limits wrong codes per account across flows, even for the right code', async (t) => {
    const { server, secret } = await enrolledServer(t);
    for (let flow = 0; flow < 5; flow++) {
      const challenge = await afterPassword(server);
      for (let i = 0; i < 2; i++) await act(server, challenge.id, 'totp', { code: '000000' });
    }
    const challenge = await afterPassword(server);
    const limited = await act(server, challenge.id, 'totp', { code: codeAt(secret, server.clock.now) });
    assert.equal(limited.status, 429);
    assert.equal((await flowOf(limited)).error?.code, 'rate_limited');
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
  });

  it('stops after 100 consecutive failures however slowly they come, until a success or a reset', async (t) => {
    const { server, secret } = await enrolledServer(t);
    // Ten windows of ten failures each stay under the per-window limit...
    for (let window = 0; window < 10; window++) {
      for (let flow = 0; flow < 5; flow++) {
        const challenge = await afterPassword(server);
        for (let i = 0; i < 2; i++) assert.equal((await flowOf(await act(server, challenge.id, 'totp', { code: '000000' }))).error?.code, 'invalid_code');
      }
      server.clock.advance(16 * MINUTE);
    }
    // ...but not under NIST's cap on consecutive failures: the right code is refused too.
    const challenge = await afterPassword(server);
    const refused = await act(server, challenge.id, 'totp', { code: codeAt(secret, server.clock.now) });
    assert.equal((await flowOf(refused)).error?.code, 'too_many_attempts');
    // Support's reset lets the person in again with the backup code.
    const backup = await resetMfa(server.db, { email: EMAIL, now: server.clock.now });
    const after = await afterPassword(server);
    assert.equal((await flowOf(await act(server, after.id, 'recovery-code', { code: backup }))).step, 'method-choice');
  });

  it('yields exactly one session for two concurrent posts of a right code', async (t) => {
    const { server, secret } = await enrolledServer(t);
    const challenge = await afterPassword(server);
    const code = codeAt(secret, server.clock.now);
    const results = await Promise.all([act(server, challenge.id, 'totp', { code }), act(server, challenge.id, 'totp', { code })]);
    const steps = await Promise.all(results.map(async (r) => ((await r.json()) as { step?: string }).step));
    assert.equal(steps.filter((s) => s === 'done').length, 1);
    assert.equal((await server.db.selectFrom('sessions').selectAll().execute()).length, 2, 'one from set-up, one from this sign-in');
  });
});

describe('the recovery code', () => {
  it('signs in once, sends a notice, and makes the person set up 2FA again with a new code', async (t) => {
    const { server, recoveryCode } = await enrolledServer(t);
    const challenge = await afterPassword(server);
    const choice = await flowOf(await act(server, challenge.id, 'recovery-code', { code: recoveryCode.toLowerCase() }));
    if (choice.step !== 'method-choice') return assert.fail(`${choice.step} ${JSON.stringify(choice.error)}`);
    assert.equal(choice.data.reason, 'recovered');
    assert.deepEqual(choice.actions, ['choose'], 'no putting set-up off after a recovery code');
    const setup = await chooseMethod(server, choice);
    if (setup.step !== 'totp-setup') return assert.fail(setup.step);
    assert.equal(setup.data.reason, 'recovered');
    assert.equal(setup.data.required, true);
    assert.deepEqual(setup.actions.sort(), ['back', 'totp']);
    // Set-up mailed "an authenticator app was added"; the recovery code mails its own notice.
    const mail = await server.db.selectFrom('outbox').selectAll().where('subject', 'like', '%recovery code%').execute();
    assert.equal(mail.length, 1);
    assert.equal(mail[0]!.recipient, EMAIL);
    assert.match(mail[0]!.subject, /recovery code was used/i);
    const recovery = await skipBackup(server, await flowOf(await act(server, setup.id, 'totp', { code: codeAt(setup.data.secret, server.clock.now) })));
    if (recovery.step !== 'recovery-code') return assert.fail(recovery.step);
    assert.notEqual(recovery.data.code, recoveryCode);
    assert.equal((await flowOf(await act(server, recovery.id, 'confirm', { saved: true }))).step, 'done');

    const again = await afterPassword(server);
    assert.equal((await flowOf(await act(server, again.id, 'recovery-code', { code: recoveryCode }))).error?.code, 'invalid_recovery_code');
  });

  it('never leaves the account without a second factor when set-up after a recovery code is abandoned', async (t) => {
    const { server, secret, recoveryCode } = await enrolledServer(t);
    const challenge = await afterPassword(server);
    await chooseMethod(server, await flowOf(await act(server, challenge.id, 'recovery-code', { code: recoveryCode })));
    // The person walks away from set-up: the old authenticator still guards the account.
    const next = await afterPassword(server);
    assert.equal(next.step, 'second-factor');
    assert.equal((await flowOf(await act(server, next.id, 'totp', { code: codeAt(secret, server.clock.now) }))).step, 'done');
  });

  it('replaces the lost authenticator once set-up after a recovery code completes', async (t) => {
    const { server, secret, recoveryCode } = await enrolledServer(t);
    const challenge = await afterPassword(server);
    const setup = await chooseMethod(server, await flowOf(await act(server, challenge.id, 'recovery-code', { code: recoveryCode })));
    if (setup.step !== 'totp-setup') return assert.fail(setup.step);
    await act(server, setup.id, 'totp', { code: codeAt(setup.data.secret, server.clock.now) });
    const totps = await server.db.selectFrom('credentials').selectAll().where('type', '=', 'totp').execute();
    assert.equal(totps.length, 1);
    server.clock.advance(30_000);
    const next = await afterPassword(server);
    assert.equal((await flowOf(await act(server, next.id, 'totp', { code: codeAt(secret, server.clock.now) }))).error?.code, 'invalid_code', 'the old key no longer works');
  });

  it('of twenty parallel uses of one code, exactly one succeeds', async (t) => {
    const { server, recoveryCode } = await enrolledServer(t, { ACCOUNT_MAX_FAILURES: '100' });
    const flows = await Promise.all(Array.from({ length: 20 }, () => afterPassword(server)));
    const results = await Promise.all(flows.map((f) => act(server, f.id, 'recovery-code', { code: recoveryCode })));
    const steps = await Promise.all(results.map(async (r) => (await flowOf(r)).step));
    assert.equal(steps.filter((s) => s === 'method-choice').length, 1, steps.join(','));
    assert.equal(steps.filter((s) => s === 'second-factor').length, 19);
  });

  it('is refused in a malformed shape without spending anything', async (t) => {
    const { server, recoveryCode } = await enrolledServer(t);
    const challenge = await afterPassword(server);
    assert.equal((await flowOf(await act(server, challenge.id, 'recovery-code', { code: 'nope' }))).error?.code, 'invalid_recovery_code');
    assert.equal((await flowOf(await act(server, challenge.id, 'recovery-code', { code: recoveryCode }))).step, 'method-choice');
  });
});

describe('remember this device', () => {
  async function rememberedSignIn(server: TestServer, secret: string): Promise<string> {
    const challenge = await afterPassword(server);
    const response = await act(server, challenge.id, 'totp', { code: codeAt(secret, server.clock.now), remember: true });
    assert.equal((await flowOf(response)).step, 'done');
    const cookie = setCookieFor(response, DEVICE_COOKIE);
    assert.ok(cookie, 'device cookie set');
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /Secure/i);
    assert.match(cookie, /SameSite=Strict/i);
    assert.match(cookie, /Max-Age=2592000/);
    return /=([^;]+)/.exec(cookie)![1]!;
  }
  const withDevice = (token: string) => ({ cookie: `${DEVICE_COOKIE}=${token}` });

  it('skips only the second factor, and rotates its token on every use', async (t) => {
    const { server, secret } = await enrolledServer(t);
    const token = await rememberedSignIn(server, secret);
    const id = await reachPassword(server, EMAIL, { headers: withDevice(token) });
    const wrongPassword = await flowOf(await act(server, id, 'password', { password: 'Wrong-Horse-42-Battery' }, { headers: withDevice(token) }));
    assert.equal(wrongPassword.error?.code, 'invalid_credentials', 'the password is still needed');
    const response = await act(server, id, 'password', { password: PASSWORD }, { headers: withDevice(token) });
    const done = await flowOf(response);
    if (done.step !== 'done') return assert.fail(done.step);
    assert.deepEqual(done.data.session.amr, ['pwd']);
    const rotated = /=([^;]+)/.exec(setCookieFor(response, DEVICE_COOKIE) ?? '')?.[1];
    assert.ok(rotated && rotated !== token);
    assert.equal((await afterPassword(server, withDevice(token))).step, 'second-factor', 'the old token is spent');
    assert.equal((await afterPassword(server, withDevice(rotated))).step, 'done');
  });

  it('shows when it last skipped the code, and keeps its first end date', async (t) => {
    const { server, secret } = await enrolledServer(t);
    const remembered = server.clock.now;
    const token = await rememberedSignIn(server, secret);
    const listed = async (session: string) => {
      const response = await server.request('/api/devices', { headers: { cookie: `${SESSION_COOKIE_NAME}=${session}` } });
      assert.equal(response.status, 200);
      return (await bodyOf<{ devices: { lastUsedAt: number | null; expiresAt: number }[] }>(response)).devices;
    };
    server.clock.advance(3 * 24 * 60 * MINUTE);
    const used = server.clock.now;
    const id = await reachPassword(server, EMAIL, { headers: withDevice(token) });
    const response = await act(server, id, 'password', { password: PASSWORD }, { headers: withDevice(token) });
    assert.equal((await flowOf(response)).step, 'done', 'the device skipped the code');
    server.clock.advance(MINUTE);

    const devices = await listed(sessionCookieToken(response));
    assert.deepEqual(devices.map((d) => ({ lastUsedAt: d.lastUsedAt, expiresAt: d.expiresAt })), [{ lastUsedAt: used, expiresAt: remembered + 30 * 24 * 60 * MINUTE }]);
  });

  it('expires after 30 days even when used', async (t) => {
    const { server, secret } = await enrolledServer(t);
    let token = await rememberedSignIn(server, secret);
    server.clock.advance(20 * 24 * 60 * MINUTE);
    const response = await act(server, (await reachPassword(server, EMAIL, { headers: withDevice(token) })), 'password', { password: PASSWORD }, { headers: withDevice(token) });
    token = /=([^;]+)/.exec(setCookieFor(response, DEVICE_COOKIE)!)![1]!;
    server.clock.advance(11 * 24 * 60 * MINUTE);
    assert.equal((await afterPassword(server, withDevice(token))).step, 'second-factor');
  });

  it('is forgotten when revoked, when the password changes, and after a support reset', async (t) => {
    const { server, secret } = await enrolledServer(t, { SESSION_COOKIE: 'false' });
    const challenge = await afterPassword(server);
    const done = await flowOf(await act(server, challenge.id, 'totp', { code: codeAt(secret, server.clock.now), remember: true }));
    if (done.step !== 'done') return assert.fail(done.step);
    const { token, deviceToken } = done.data.session;
    assert.ok(deviceToken, 'in token mode the device token comes in the grant');
    const list = await server.request('/api/devices', { headers: { authorization: `Bearer ${token}` } });
    const { devices } = await bodyOf<{ devices: { id: string }[] }>(list);
    assert.equal(devices.length, 1);
    const revoked = await server.request(`/api/devices/${devices[0]!.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    assert.equal(revoked.status, 204);
    const id = await reachPassword(server);
    assert.equal((await flowOf(await act(server, id, 'password', { password: PASSWORD, device: deviceToken }))).step, 'second-factor');

    server.clock.advance(30_000);
    const second = await afterPassword(server);
    const again = await flowOf(await act(server, second.id, 'totp', { code: codeAt(secret, server.clock.now), remember: true }));
    if (again.step !== 'done') return assert.fail(again.step);
    await setPassword(server.context, server.config, { email: EMAIL, password: 'Another-Horse-42-Battery', now: server.clock.now });
    const after = await reachPassword(server);
    assert.equal((await flowOf(await act(server, after, 'password', { password: 'Another-Horse-42-Battery', device: again.data.session.deviceToken }))).step, 'second-factor');
  });

  it('can be turned off', async (t) => {
    const { server, secret } = await enrolledServer(t, { REMEMBER_DEVICE_DAYS: '0' });
    const challenge = await afterPassword(server);
    if (challenge.step !== 'second-factor') return assert.fail(challenge.step);
    assert.equal(challenge.data.rememberDays, null);
    const response = await act(server, challenge.id, 'totp', { code: codeAt(secret, server.clock.now), remember: true });
    assert.equal((await flowOf(response)).step, 'done');
    assert.equal(setCookieFor(response, DEVICE_COOKIE), undefined);
  });
});

describe('support reset', () => {
  it('removes the second factors and gives a backup code that signs in once, then set-up follows', async (t) => {
    const { server, secret } = await enrolledServer(t);
    const code = await resetMfa(server.db, { email: EMAIL, now: server.clock.now });
    assert.ok(code);
    const challenge = await afterPassword(server);
    if (challenge.step !== 'second-factor') return assert.fail(challenge.step);
    assert.deepEqual(challenge.data.methods, ['recovery_code'], 'only the backup code');
    assert.equal((await flowOf(await act(server, challenge.id, 'totp', { code: codeAt(secret, server.clock.now) }))).error?.code, 'action_not_allowed');
    const setup = await flowOf(await act(server, challenge.id, 'recovery-code', { code }));
    assert.equal(setup.step, 'method-choice');
  });
});

describe('flows and codes', () => {
  it('starts each flow unauthenticated: a second-factor action needs a password first', async (t) => {
    const { server } = await enrolledServer(t);
    const flow = await startLogin(server);
    assert.equal((await flowOf(await act(server, flow.id, 'totp', { code: '123456' }))).error?.code, 'action_not_allowed');
  });
});
