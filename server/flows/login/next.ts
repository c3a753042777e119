/*
 * What comes after: the decisions several steps share once a factor is
 * passed. After the password the address is confirmed, then the second
 * factor (or a remembered device), the 2FA prompt or required set-up (the
 * choice of method first); after set-up, the offer of a backup method and
 * the new recovery code; then the end.
 */
import { audit } from '../../audit.js';
import { mfaPolicy } from '../../companies/accounts.js';
import { mailEmailCode } from '../../factors/email-code.js';
import { issueEnrolment } from '../../factors/approver.js';
import { discardNewFactor, factorAdded } from '../../factors/enrolment.js';
import { secondFactorMethods } from '../../factors/methods.js';
import { completeRecovery } from '../../recovery/decisions.js';
import { asksEmployeeNumber } from '../../recovery/requests.js';
import { notifyUser } from '../../delivery/mail.js';
import { setSnooze, spendSnooze } from '../../store/users.js';
import { confirmedPhone, maskPhone } from '../../factors/sms.js';
import { beginTotpEnrolment } from '../../factors/totp-enrolment.js';
import type { AppContext } from '../../context.js';
import type { ErrorBody } from '../../errors.js';
import type { FactorType } from '../../security/credential-change.js';
import { spendRememberedDevice } from '../../security/devices.js';
import { seal } from '../../security/secrets.js';
import type { SecondFactorMethod, SetupMethod } from '../protocol.js';
import { offerPasskey } from './ceremony.js';
import { finish } from './finish.js';
import type { Amr, Authenticated, Context, Move, MoveTo, Person, SettingUp, SetupIntent } from './state.js';

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
    const hasFactor = methods.some((m) => m !== 'recovery_code');
    if (deviceToken && app.config.rememberDeviceDays > 0 && hasFactor) {
      // A remembered device skips only the second factor; the token rotates on every use.
      const expiresAt = await spendRememberedDevice(app.db, { userId: state.userId, token: deviceToken, now });
      if (expiresAt !== null) return finish({ ...context, state: { ...state, remember: true, deviceExpiresAt: expiresAt } }, [firstFactor]);
    }
    // A company's migration window (`secondFactorDeferred`): a sign-in, not a reset or
    // re-authentication, goes on with the first factor alone, and its amr says so.
    if (hasFactor && state.purpose === undefined && !(await mfaPolicy(app, state.userId, now)).askCodeNow) return finish(context, [firstFactor]);
    return secondFactorStep(app, state, methods);
  }
  const policy = await mfaPolicy(app, state.userId, now);
  if (policy.requiredNow) return chooseMethod(context, { reason: 'required', requiredFrom: policy.requiredFrom });
  if (!policy.promptNow) return finish(context, [firstFactor]);
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

/**
 * The `second-factor` step with the person's methods: a passkey ceremony and
 * the masked number when they apply, and at a sign-in or reset the way to
 * ask for recovery ("lost access to your phone?"), never on the account page.
 */
export async function secondFactorStep(app: AppContext, state: Authenticated, methods: SecondFactorMethod[]): Promise<MoveTo<'second-factor'>> {
  const offered = methods.includes('passkey') ? await offerPasskey(app, state, state.userId) : state;
  const phone = methods.includes('sms') ? await confirmedPhone(app.db, app.secretKey, state.userId) : undefined;
  const recovery = app.config.recoveryRequests && state.purpose !== 'reauth' && state.purpose !== 'enroll';
  return {
    step: 'second-factor',
    state: {
      ...offered,
      methods,
      ...(phone ? { maskedPhone: maskPhone(phone.phone) } : {}),
      ...(recovery ? { recoveryEmployeeNumber: await asksEmployeeNumber(app, state.userId) } : {}),
    },
  };
}

/**
 * The methods `method-choice` offers, in the order it shows them: a passkey
 * first (one tap after set-up), the authenticator app, a phone. As the backup,
 * the ones the person does not have yet.
 */
export async function offeredMethods(app: AppContext, userId: string, backup: boolean): Promise<SetupMethod[]> {
  const held = new Set<SecondFactorMethod>(backup ? await secondFactorMethods(app, userId) : []);
  const methods: SetupMethod[] = [];
  if (app.config.passkeys && !held.has('passkey')) methods.push('passkey');
  // The seeds' recommended method: a push to the phone, where the person picks the number on the screen.
  if (app.config.approver && !held.has('approver')) methods.push('approver');
  if (!held.has('totp')) methods.push('totp');
  // NIST SP 800-63B-4 §3.1.3.3: a code sent over the phone network (PSTN) is a
  // restricted authenticator. As a backup it is always offered where texts can
  // be sent; as the only second factor, where the operator allows it (SMS_FIRST_METHOD).
  if (smsAvailable(app) && !held.has('sms') && (backup || app.config.smsFirstMethod)) methods.push('sms');
  return methods;
}

/**
 * "How do you want to verify it's you?": the `method-choice` step, for the
 * first method or its backup. A backup with nothing left to offer goes
 * straight on to the recovery code.
 */
export async function chooseMethod(context: Context<Authenticated>, setup: SetupIntent): Promise<Move> {
  const methods = await offeredMethods(context.app, context.state.userId, setup.backup === true);
  if (setup.backup && methods.length === 0) return afterSetup(context);
  return { step: 'method-choice', state: { ...context.state, setup, methods } };
}

/**
 * "Remind me later", at the prompt or the method choice: the prompt stays
 * away for a number of logins and the person signs in, unless policy has
 * required 2FA since the choice was shown: then set-up it is.
 */
export async function remindLater(context: Context<Authenticated>): Promise<Move> {
  const { app, state, now } = context;
  const policy = await mfaPolicy(app, state.userId, now);
  if (policy.requiredNow) return chooseMethod(context, { reason: 'required', requiredFrom: policy.requiredFrom });
  await setSnooze(app.db, state.userId, app.config.mfaRemindLaterLogins);
  return finish(context, [firstFactorOf(state)]);
}

/** Starts authenticator set-up: a pending credential whose secret is sealed in the store and in the flow. */
export async function startSetup({ app, state, now }: Context<Authenticated>, intent: SetupIntent): Promise<MoveTo<'totp-setup'>> {
  const { credentialId, secret } = await beginTotpEnrolment(app, state.userId, now);
  const sealedSecret = seal(app.secretKey, secret, `flow-setup:${credentialId}`);
  return { step: 'totp-setup', state: { ...state, setup: { ...intent, credentialId, sealedSecret } } };
}

/** Which second factor an RFC 8176 method reference stands for, to the credential change rule. */
function factorOf(amr: Amr): FactorType {
  if (amr[0] === 'hwk') return 'passkey';
  return amr[0] === 'sms' ? 'sms' : 'totp';
}

/**
 * Starts the approver's set-up: a one-time link for the phone (shown as a QR
 * code), sealed in the flow because it holds the token.
 */
export async function startApproverSetup({ app, state, now }: Context<Authenticated>, setup: SetupIntent): Promise<MoveTo<'approver-setup'>> {
  const { url, tokenHash, expiresAt } = await issueEnrolment(app, state.userId, now);
  const approverSetup = { sealedUrl: seal(app.secretKey, url, `flow-approver:${state.userId}`), enrolment: tokenHash, expiresAt };
  return { step: 'approver-setup', state: { ...state, setup, approverSetup } };
}

/**
 * A second factor was just added: remembered devices end (a 2FA change), and
 * a new recovery code replaces the old one, shown at the end. After the first
 * method of a sign-in or activation, a backup method is offered once (seed
 * 002, step 6); the backup keeps the recovery code just issued, so the code
 * the person is shown is the one that works. The account page offers no
 * backup here: it lists the methods and adds each on its own.
 */
export async function enrolled(context: Context<SettingUp & { smsSetup?: unknown; approverSetup?: unknown }>, credentialId: string, factors: Amr, factor = factorOf(factors)): Promise<Move> {
  const { app, state, now } = context;
  const backup = state.setup.backup === true;
  // From an approved recovery request's link: the link is spent as the new factor replaces the lost ones, in one transaction.
  const fromLink = state.purpose === 'recover' && !backup;
  if (fromLink) {
    await completeRecovery(app, { tokenHash: state.linkTokenHash!, userId: state.userId, ip: context.request.ip || null, now }).catch(async (error: unknown) => {
      // Spent meanwhile (another tab): the factor just confirmed does not stay either.
      await discardNewFactor(app.db, { userId: state.userId, credentialId });
      throw error;
    });
  }
  const recoveryCode = await factorAdded(app, {
    userId: state.userId,
    credentialId,
    factor,
    // After a recovery code, the new factor replaces the lost ones.
    replaceOthers: state.recovered === true && !backup,
    // The account page adds a factor beside others, and a backup joins the first method:
    // the recovery code the person saved, or was just issued, stays good.
    keepRecoveryCode: state.purpose === 'enroll' || backup,
    flowIdHash: context.flowIdHash,
    now,
  });
  if (fromLink) await notifyUser(app, state.userId, { kind: 'recovery-completed' });
  const { setup, passkeyCreation: _ceremony, recovered: _recovered, smsSetup: _number, approverSetup: _link, ...rest } = state;
  const next: Authenticated = {
    ...rest,
    // The sign-in was authenticated by the first method; a backup changes nothing in it.
    amr: backup ? state.amr : [firstFactorOf(state), ...factors],
    ...(recoveryCode ? { sealedRecoveryCode: seal(app.secretKey, recoveryCode, `flow-recovery:${state.userId}`) } : {}),
  };
  if (backup || state.purpose === 'enroll') return afterSetup({ ...context, state: next });
  return chooseMethod({ ...context, state: next }, { reason: setup.reason, backup: true, ...(setup.requiredFrom === undefined ? {} : { requiredFrom: setup.requiredFrom }) });
}

/** Set-up is over: the new recovery code to save, when there is one, else the end. */
export async function afterSetup(context: Context<Authenticated>): Promise<Move> {
  const { state } = context;
  if (state.sealedRecoveryCode) return { step: 'recovery-code', state: { ...state, sealedRecoveryCode: state.sealedRecoveryCode } };
  return finish(context, state.amr);
}
