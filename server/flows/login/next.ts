/*
 * What comes after: the decisions several steps share once a factor is
 * passed. After the password the address is confirmed, then the second
 * factor (or a remembered device), the 2FA prompt or required set-up; after
 * set-up, a backup number and the new recovery code; then the end.
 */
import { audit } from '../../audit.js';
import { mfaPolicy } from '../../companies/accounts.js';
import { mailEmailCode } from '../../factors/email-code.js';
import { factorAdded } from '../../factors/enrolment.js';
import { secondFactorMethods } from '../../factors/methods.js';
import { spendSnooze } from '../../store/users.js';
import { confirmedPhone, maskPhone } from '../../factors/sms.js';
import { beginTotpEnrolment } from '../../factors/totp-enrolment.js';
import type { AppContext } from '../../context.js';
import type { ErrorBody } from '../../errors.js';
import { spendRememberedDevice } from '../../security/devices.js';
import { seal } from '../../security/secrets.js';
import type { SecondFactorMethod, SetupReason } from '../protocol.js';
import { offerPasskey } from './ceremony.js';
import { finish } from './finish.js';
import type { Amr, Authenticated, Context, Move, MoveTo, Person, SettingUp } from './state.js';

/** The factor that opened this sign-in: the password, or a passkey that did not verify the person. */
export function firstFactorOf(state: { amr?: Amr }): 'pwd' | 'hwk' {
  return state.amr?.[0] === 'hwk' ? 'hwk' : 'pwd';
}

/** SMS is a method only where texts can be sent (a provider, or the dev outbox). */
export function smsAvailable(app: AppContext): boolean {
  return app.sms !== null;
}

/** How a typed one-time code was refused, for its field. */
export function codeRefusal(result: 'invalid' | 'expired'): ErrorBody {
  return { code: result === 'expired' ? 'code_expired' : 'invalid_code', field: 'code' };
}

/** A failed second factor is recorded (the caller counts it against the flow). */
export async function recordFailure(context: Context<Person>, method: string): Promise<void> {
  await audit(context.app, { event: 'login.failure', userId: context.state.userId, ip: context.request.ip, detail: { method } });
}

/** After the password: a second factor, a remembered device, the 2FA prompt, required set-up, or done. */
export async function afterPassword(
  context: Context<Person>,
  { deviceToken, emailVerified, firstFactor = 'pwd' }: { deviceToken: string | undefined; emailVerified: boolean; firstFactor?: 'pwd' | 'hwk' },
): Promise<Move> {
  const next: Context<Authenticated> = { ...context, state: { ...context.state, amr: [firstFactor] } };
  if (next.state.purpose === 'reauth') return reauthSecondFactor(next);
  // An address nobody has confirmed yet (an activation left half-way): confirm it first.
  if (!emailVerified) return confirmAddress(next);
  return afterVerified(next, deviceToken);
}

/** Mails a code to confirm the address: the `verify-email` step. */
export async function confirmAddress({ app, state, now }: Context<Authenticated>): Promise<MoveTo<'verify-email'>> {
  return { step: 'verify-email', state: { ...state, emailCode: await mailEmailCode(app, state.userId, now) } };
}

/** The rest of the sign-in once the address is confirmed: second factor, remembered device, prompt or set-up. */
export async function afterVerified(context: Context<Authenticated>, deviceToken: string | undefined): Promise<Move> {
  const { app, now, state } = context;
  const firstFactor = firstFactorOf(state);
  // A passkey that did not verify the person is one factor; it cannot also be the second.
  const methods = (await secondFactorMethods(app, state.userId)).filter((m) => firstFactor === 'pwd' || m !== 'passkey');
  if (methods.length > 0) {
    if (deviceToken && app.config.rememberDeviceDays > 0 && methods.some((m) => m !== 'recovery_code')) {
      // A remembered device skips only the second factor; the token rotates on every use.
      const expiresAt = await spendRememberedDevice(app.db, { userId: state.userId, token: deviceToken, now });
      if (expiresAt !== null) return finish({ ...context, state: { ...state, remember: true, deviceExpiresAt: expiresAt } }, [firstFactor]);
    }
    return secondFactorStep(app, state, methods);
  }
  const policy = await mfaPolicy(app, state.userId, now);
  if (policy.requiredNow) return startSetup(context, 'required');
  if (policy.requiredFrom === null) return finish(context, [firstFactor]);
  // "Remind me later" holds for a number of logins; each login spends one.
  if (await spendSnooze(app.db, state.userId)) return finish(context, [firstFactor]);
  return { step: 'mfa-prompt', state: { ...state, requiredFrom: policy.requiredFrom } };
}

/**
 * Re-authentication on the account page, after the password (or a passkey that
 * did not verify the person): the second factor too when the session's is
 * older than `REAUTH_MFA_HOURS`. A remembered device never stands in for it
 * here, and a recovery code is no way in (it is for a lost phone, at sign-in).
 */
export async function reauthSecondFactor(context: Context<Authenticated>): Promise<Move> {
  const { app, state } = context;
  const firstFactor = firstFactorOf(state);
  const methods = (await secondFactorMethods(app, state.userId)).filter((m) => m !== 'recovery_code' && (firstFactor === 'pwd' || m !== 'passkey'));
  if (methods.length === 0 || state.mfaFresh) return finish(context, [firstFactor]);
  return secondFactorStep(app, state, methods);
}

/** The `second-factor` step with the person's methods: a passkey ceremony and the masked number when they apply. */
export async function secondFactorStep(app: AppContext, state: Authenticated, methods: SecondFactorMethod[]): Promise<MoveTo<'second-factor'>> {
  const offered = methods.includes('passkey') ? await offerPasskey(app, state, state.userId) : state;
  const phone = methods.includes('sms') ? await confirmedPhone(app.db, app.secretKey, state.userId) : undefined;
  return { step: 'second-factor', state: { ...offered, methods, ...(phone ? { maskedPhone: maskPhone(phone.phone) } : {}) } };
}

/** Starts authenticator set-up: a pending credential whose secret is sealed in the store and in the flow. */
export async function startSetup({ app, state, now }: Context<Authenticated>, reason: SetupReason): Promise<MoveTo<'totp-setup'>> {
  const { credentialId, secret } = await beginTotpEnrolment(app, state.userId, now);
  const sealedSecret = seal(app.secretKey, secret, `flow-setup:${credentialId}`);
  return { step: 'totp-setup', state: { ...state, setup: { credentialId, sealedSecret, reason } } };
}

/**
 * A second factor was just added: remembered devices end (a 2FA change), and a
 * new recovery code replaces the old one, shown at the next step; a backup
 * number is offered once, when none is set (seed 002, step 6).
 */
export async function enrolled(context: Context<SettingUp>, credentialId: string, factors: Amr): Promise<Move> {
  const { app, state, now } = context;
  const recoveryCode = await factorAdded(app, {
    userId: state.userId,
    credentialId,
    factor: factors[0] === 'hwk' ? 'passkey' : 'totp',
    // After a recovery code, the new factor replaces the lost ones.
    replaceOthers: state.recovered === true,
    // The account page adds a factor beside others: the recovery code the person saved stays good.
    keepRecoveryCode: state.purpose === 'enroll',
    now,
  });
  const { setup: _done, passkeyCreation: _ceremony, recovered: _recovered, ...rest } = state;
  const next: Authenticated = {
    ...rest,
    amr: [firstFactorOf(state), ...factors],
    ...(recoveryCode ? { sealedRecoveryCode: seal(app.secretKey, recoveryCode, `flow-recovery:${state.userId}`) } : {}),
  };
  const offerSms = smsAvailable(app) && !(await confirmedPhone(app.db, app.secretKey, state.userId));
  if (offerSms) return { step: 'sms-setup', state: next };
  return afterSetup({ ...context, state: next });
}

/** Set-up is over: the new recovery code to save, when there is one, else the end. */
export async function afterSetup(context: Context<Authenticated>): Promise<Move> {
  const { state } = context;
  if (state.sealedRecoveryCode) return { step: 'recovery-code', state: { ...state, sealedRecoveryCode: state.sealedRecoveryCode } };
  return finish(context, state.amr);
}
