import { sql } from 'kysely';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { audit } from '../audit.js';
import { notifyUser, queueMail, resolveLocale } from '../delivery/mail.js';
import { SmsDeliveryError, smsCodeText } from '../delivery/sms.js';
import { ApiError } from '../errors.js';
import { checkCode, generateCode, ONE_TIME_CODE_LENGTH, ONE_TIME_CODE_MINUTES, pendingCode, type PendingCode } from '../factors/one-time-code.js';
import { needsRehash, hashPassword, verifyPassword } from '../factors/password.js';
import { checkNewPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, POLICY_RULES } from '../factors/password-policy.js';
import { confirmedPhone, maskPhone, parsePhone, saveConfirmedPhone } from '../factors/sms.js';
import { hasUnusedRecoveryCode, issueRecoveryCode, useRecoveryCode } from '../factors/recovery.js';
import { claimTotpStep, createTotpSecret, matchTotp, normalizeCode, totpQr, totpUri } from '../factors/totp.js';
import { maskEmail } from '../log.js';
import { forgetDevices, rememberDevice, spendRememberedDevice } from '../security/devices.js';
import { consumeLinkToken, findLinkToken, issueLinkToken, type LinkPurpose } from '../security/link-tokens.js';
import { rateLimitKey } from '../security/client-ip.js';
import { passwordChanged } from '../security/credential-change.js';
import { clearRateLimit, consumeRateLimit, rateLimited, refundRateLimit } from '../security/rate-limit.js';
import { sha256 } from '../security/random.js';
import { seal, unseal } from '../security/secrets.js';
import { freshness } from '../security/reauth.js';
import { createSession, newSessionId, renewSession, revokeSessionByToken, type SessionRecord } from '../security/sessions.js';
import { action, type ActionContext, type FlowDefinition, type Transition } from './engine.js';
import { accountById, enterableAccounts, mfaPolicy } from '../companies/accounts.js';
import type { CompanyErrorCode } from '../errors.js';
import { beginAuthorization, completeAuthorization, connectionForEmail, connectionOf, ownsAddress, SsoError, type PendingAuthorization, type ProviderIdentity, type SsoConnection } from '../companies/oidc.js';
import type { AccountEnrolment, CompanyAccount, AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON, SecondFactorMethod, SetupReason } from './protocol.js';
import { CEREMONY_TIMEOUT_MS, PasskeyError, passkeyCreationOptions, passkeyRequestOptions, registerPasskey, verifyPasskeyAssertion } from '../factors/passkey.js';
import { inTransaction } from '../store/index.js';

/** RFC 5321 §4.5.3.1.3: a path is at most 256 octets, so an address at most 254 characters. */
const MAX_EMAIL_LENGTH = 254;
/** NIST SP 800-63B-4 §3.2.2: no more than 100 consecutive failed attempts on one account. */
const MAX_CONSECUTIVE_FACTOR_FAILURES = 100;
/** "Consecutive" has no time limit; the count lives until a success clears it (ten years stands for ever). */
const CONSECUTIVE_WINDOW_MS = 10 * 365 * 86_400_000;
/**
 * Codes sent per account, and per phone number, in an hour. Each send costs
 * money and reaches a person, so sending is limited like guessing is
 * (OWASP ASVS 5.0 V2.4.1 anti-automation; SMS toll fraud).
 */
const SENDS_PER_HOUR = 5;
const HOUR_MS = 3_600_000;

interface LoginState {
  email?: string;
  userId?: string;
  /** RFC 8176 methods passed so far. */
  amr?: string[];
  /** Second factors offered at `second-factor`. */
  methods?: SecondFactorMethod[];
  /** Remember this device when the flow completes. */
  remember?: boolean;
  /** End date carried over when a remembered-device token is rotated. */
  deviceExpiresAt?: number;
  /** Authenticator set-up in progress: the pending credential and its secret, sealed. */
  setup?: { credentialId: string; sealedSecret: string; reason: SetupReason };
  /** The new recovery code, sealed, until the person confirms they saved it. */
  sealedRecoveryCode?: string;
  /** The passkey sign-in ceremony this step offers; replaced after every attempt, so its challenge is single use. */
  passkeyRequest?: PublicKeyCredentialRequestOptionsJSON;
  /** The passkey registration ceremony at `passkey-setup`; replaced after every attempt. */
  passkeyCreation?: PublicKeyCredentialCreationOptionsJSON;
  /** When the current ceremony's challenge was issued: it lives five minutes. */
  ceremonyIssuedAt?: number;
  /** A recovery code was spent: the old factors are replaced once set-up completes, not before. */
  recovered?: boolean;
  /** Why the flow runs: sign-in (unset), activation from an invitation, a password reset, or the account page's re-authentication or enrolment. */
  purpose?: 'activate' | 'reset' | 'reauth' | 'enroll';
  /** Account page: the session the flow runs in; it ends with that session, not a new one. */
  sessionId?: string;
  /**
   * Account page: the SHA-256 of the token the flow was opened with. The flow
   * lives as long as that token: a re-authentication that replaces it ends
   * every other flow opened with it. (Unset in flows stored before it was kept.)
   */
  sessionTokenHash?: string;
  /** Re-authentication: the session's second factor is recent enough not to ask it again. */
  mfaFresh?: boolean;
  /** Enrolment of an SMS number on its own (a backup for an existing factor): no skipping it. */
  smsOnly?: boolean;
  /** The emailed link that opened an activation or reset flow, by hash; spent when the new password is set. */
  linkTokenHash?: string;
  /** Reset: the new password is set, the flow may complete. */
  passwordSet?: boolean;
  /** The code mailed to confirm the address (`verify-email`). */
  emailCode?: PendingCode;
  /** The code texted at `second-factor`. */
  smsCode?: PendingCode;
  /** The person's SMS number, masked, for `second-factor`. */
  maskedPhone?: string;
  /** Backup-number set-up in progress: the number (sealed) and the code texted to it. */
  smsSetup?: { sealedPhone: string; code: PendingCode };
  /** The date 2FA is required from, for this person, shown by the prompt. */
  requiredFrom?: string | null;
  /**
   * Single sign-on: the company whose provider signs this address in, the
   * provider's name, and the authorization request under way (with the URL the
   * browser goes to), absent when the provider could not be reached.
   */
  sso?: { organizationId: string; provider: string; url?: string; request?: PendingAuthorization };
  /** Single sign-on done: the company whose provider signed the person in, its issuer and its name. */
  provider?: { organizationId: string; issuer: string; name: string };
  /** The company accounts offered at `choose-account`. */
  accounts?: CompanyAccount[];
  /** The account chosen (null: the person has none); unset until known. */
  membershipId?: string | null;
}

type Context = ActionContext<LoginState>;

/** Trims and lower-cases an address so one person has one account key. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export const emailSchema = z
  .string()
  .trim()
  .max(MAX_EMAIL_LENGTH)
  .pipe(z.email())
  .transform(normalizeEmail);

const codeInput = z.object({ code: z.string().max(64), remember: z.boolean().optional() }).strict();

/** A WebAuthn response as the browser library serialises it; @simplewebauthn/server checks its contents. */
const webauthnResponse = z
  .object({
    id: z.string().min(1).max(1024),
    rawId: z.string().min(1).max(1024),
    type: z.literal('public-key'),
    response: z.record(z.string(), z.unknown()),
    clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
    authenticatorAttachment: z.string().max(32).optional(),
  })
  .passthrough();
const assertionInput = z.object({ response: webauthnResponse, remember: z.boolean().optional() }).strict();

/** Fresh discoverable-credential options for a step that offers passkey sign-in (none when passkeys are off). */
async function offerPasskey(app: AppContext, state: LoginState, userId?: string): Promise<LoginState> {
  if (!app.config.passkeys) return state;
  return { ...state, passkeyRequest: await passkeyRequestOptions(app.db, app.config, userId ? { userId } : {}), ceremonyIssuedAt: app.now() };
}

/** The challenge of the current ceremony, unless it is older than its five minutes (WebAuthn Level 3 §13.4.3). */
function liveChallenge(state: LoginState, challenge: string | undefined, now: number): string {
  if (!challenge || state.ceremonyIssuedAt === undefined || now > state.ceremonyIssuedAt + CEREMONY_TIMEOUT_MS) {
    throw new PasskeyError('passkey_failed', 'no ceremony offered, or its challenge expired');
  }
  return challenge;
}

/** The step again with the refusal and a new ceremony: a challenge never verifies twice (WebAuthn Level 3 §13.4.3). */
async function passkeyRefused(app: AppContext, step: string, state: LoginState, error: unknown, userId?: string): Promise<Transition<LoginState>> {
  if (!(error instanceof PasskeyError)) throw error;
  app.log.log('info', 'passkey refused', { event: 'passkey.refused', reason: error.refusal, detail: error.message.slice(0, 200) });
  return { step, state: await offerPasskey(app, state, userId), error: { code: error.refusal } };
}

/**
 * Passwordless sign-in with a discoverable passkey. With user verification it
 * counts as both factors; without, as the first only, and the rest of the
 * sign-in follows as after a password. `email`, when the person typed one,
 * must be the passkey owner's.
 */
async function signInWithPasskey(context: Context, step: string, response: AuthenticationResponseJSON, email?: string): Promise<Transition<LoginState>> {
  const { app, state, now } = context;
  try {
    const expectedChallenge = liveChallenge(state, state.passkeyRequest?.challenge, now);
    const assertion = await verifyPasskeyAssertion(app.db, app.config, { response, expectedChallenge, now });
    const user = await app.db.selectFrom('users').select(['id', 'email', 'email_verified_at']).where('id', '=', assertion.userId).executeTakeFirstOrThrow();
    if (email !== undefined && user.email !== email) throw new PasskeyError('passkey_unknown', 'passkey of another account');
    // A company with its own provider signs its people in there, passkey or not.
    const connection = await connectionForEmail(app, user.email);
    if (connection) return ssoStep(context, { ...state, email: user.email, passkeyRequest: undefined }, connection, 'sso_required');
    const next: Context = { ...context, state: { ...state, email: user.email, userId: user.id, passkeyRequest: undefined } };
    if (assertion.userVerified) return { ...(await finish(next, ['hwk', 'mfa'])), userId: user.id };
    return { ...(await afterPassword(next, { deviceToken: undefined, emailVerified: user.email_verified_at !== null, firstFactor: 'hwk' })), userId: user.id };
  } catch (error) {
    return passkeyRefused(app, step, state, error);
  }
}

function rateWindow(app: AppContext): number {
  return app.config.rateWindowMinutes * 60_000;
}

/** The second factors a user can present: a confirmed authenticator app, an unused recovery or support code. */
async function secondFactorMethods(app: AppContext, userId: string): Promise<SecondFactorMethod[]> {
  const types = new Set(
    (
      await app.db
        .selectFrom('credentials')
        .select('type')
        .where('user_id', '=', userId)
        .where('confirmed_at', 'is not', null)
        .execute()
    ).map((r) => r.type),
  );
  // A passkey first: after set-up, signing in takes one tap or a fingerprint.
  const methods: SecondFactorMethod[] = [];
  if (app.config.passkeys && types.has('passkey')) methods.push('passkey');
  if (types.has('totp')) methods.push('totp');
  if (types.has('sms') && smsAvailable(app)) methods.push('sms');
  if (await hasUnusedRecoveryCode(app.db, userId)) methods.push('recovery_code');
  return methods;
}

/** SMS is a method only where texts can be sent (a provider, or the dev outbox). */
function smsAvailable(app: AppContext): boolean {
  return app.sms !== null;
}

/** The mail's language: the person's, else the configured default (the mail module decides). */
async function mailTo(app: AppContext, userId: string): Promise<{ to: string; userId: string; locale: string | null }> {
  const user = await app.db.selectFrom('users').select(['email', 'locale']).where('id', '=', userId).executeTakeFirstOrThrow();
  return { to: user.email, userId, locale: user.locale };
}

/** Spends one send of `key` against the hourly limit, before sending. */
async function spendSend(app: AppContext, key: string, now: number): Promise<void> {
  const hit = await consumeRateLimit(app.db, key, { limit: SENDS_PER_HOUR, windowMs: HOUR_MS }, now);
  if (hit.limited) throw rateLimited(hit, now);
}

/** Mails a fresh code to confirm the person's address; the code replaces any earlier one, the failure count stays. */
async function sendEmailCode(context: Context): Promise<Transition<LoginState>> {
  const { app, state, now } = context;
  const userId = state.userId!;
  await spendSend(app, `send:mail:${userId}`, now);
  const code = generateCode();
  const { delivered, error } = await queueMail(app, { ...(await mailTo(app, userId)), message: { kind: 'email-code', code, minutes: ONE_TIME_CODE_MINUTES } });
  // Queued for another try when the first failed; the person can also ask for a new code.
  if (!delivered) app.log.log('warn', 'verification mail not sent yet', { event: 'mail.deferred', userId, error: error ?? null });
  return { step: 'verify-email', state: { ...state, emailCode: pendingCode(app.secretKey, { code, context: `email:${userId}`, now }) } };
}

/** Texts a fresh code to a number; a failed send is the provider's, reported as such. */
async function textCode(app: AppContext, { userId, phone, now }: { userId: string; phone: string; now: number }): Promise<PendingCode> {
  await spendSend(app, `send:sms:acct:${userId}`, now);
  await spendSend(app, `send:sms:num:${sha256(phone)}`, now);
  const code = generateCode();
  const { locale } = await mailTo(app, userId);
  try {
    await app.sms!.send({ to: phone, text: smsCodeText({ locale: resolveLocale(locale, app.config.defaultLocale), appName: app.config.appName, code, minutes: ONE_TIME_CODE_MINUTES }) });
  } catch (error) {
    if (!(error instanceof SmsDeliveryError)) throw error;
    app.log.log('error', 'sms not sent', { event: 'sms.failed', userId, error: error.message });
    throw new ApiError('delivery_failed');
  }
  return pendingCode(app.secretKey, { code, context: `sms:${userId}`, now });
}

/** A failed second factor: counted against the flow, and recorded. */
async function factorFailed(context: Context, method: string, error: Transition<LoginState>['error'], step = 'second-factor'): Promise<Transition<LoginState>> {
  await audit(context.app, { event: 'login.failure', userId: context.state.userId ?? null, ip: context.request.ip, detail: { method } });
  return { step, state: context.state, failed: true, error };
}

/** How a typed one-time code was refused, for its field. */
function codeRefusal(result: 'invalid' | 'expired'): Transition<LoginState>['error'] {
  return { code: result === 'expired' ? 'code_expired' : 'invalid_code', field: 'code' };
}

/** The policy as the widget's live checklist shows it. */
export function policyView(app: AppContext) {
  return { rules: [...POLICY_RULES[app.config.passwordPolicy]], minLength: MIN_PASSWORD_LENGTH, maxLength: MAX_PASSWORD_LENGTH };
}

/**
 * Spends one attempt at a second factor against the account's limit before
 * checking it (OWASP ASVS 5.0 V6.3.1; NIST SP 800-63B-4 §3.2.2), so parallel
 * guesses across flows cannot slip past it.
 */
async function spendFactorAttempt(app: AppContext, userId: string, now: number): Promise<string[]> {
  const window = `mfa:acct:${userId}`;
  const consecutive = `mfa:consecutive:${userId}`;
  const hit = await consumeRateLimit(app.db, window, { limit: app.config.accountMaxFailures, windowMs: rateWindow(app) }, now);
  // NIST SP 800-63B-4 §3.2.2: at most 100 consecutive failures, however slowly
  // they come; only a success (or a support reset) clears this count.
  const streak = await consumeRateLimit(app.db, consecutive, { limit: MAX_CONSECUTIVE_FACTOR_FAILURES, windowMs: CONSECUTIVE_WINDOW_MS }, now);
  if (streak.limited) throw new ApiError('too_many_attempts');
  if (hit.limited) throw rateLimited(hit, now);
  return [window, consecutive];
}

/** Clears a person's second-factor failure counts after a success. */
async function factorSucceeded(app: AppContext, keys: string[]): Promise<void> {
  for (const key of keys) await clearRateLimit(app.db, key);
}

/** Checks a code against every confirmed authenticator of the user; a time step is accepted once. */
async function verifyUserTotp(app: AppContext, userId: string, code: string, now: number): Promise<boolean> {
  const credentials = await app.db
    .selectFrom('credentials')
    .select(['id', 'secret'])
    .where('user_id', '=', userId)
    .where('type', '=', 'totp')
    .where('confirmed_at', 'is not', null)
    .execute();
  for (const credential of credentials) {
    const secret = unseal(app.secretKey, credential.secret!, `totp:${credential.id}`);
    const step = matchTotp({ secret, code, now });
    if (step !== null) return claimTotpStep(app.db, { credentialId: credential.id, step, now });
  }
  return false;
}

/** Starts authenticator set-up: a pending credential whose secret is sealed in the store and in the flow. */
async function startSetup({ app, state, now }: Context, reason: SetupReason): Promise<Transition<LoginState>> {
  const userId = state.userId!;
  const secret = createTotpSecret();
  const credentialId = crypto.randomUUID();
  await app.db.deleteFrom('credentials').where('user_id', '=', userId).where('confirmed_at', 'is', null).execute();
  await app.db
    .insertInto('credentials')
    .values({ id: credentialId, user_id: userId, type: 'totp', secret: seal(app.secretKey, secret, `totp:${credentialId}`), name: 'Authenticator app', created_at: now, confirmed_at: null, last_used_at: null, last_step: null })
    .execute();
  const sealedSecret = seal(app.secretKey, secret, `flow-setup:${credentialId}`);
  return { step: 'totp-setup', state: { ...state, setup: { credentialId, sealedSecret, reason } } };
}

/** The factor that opened this sign-in: the password, or a passkey that did not verify the person. */
function firstFactorOf(state: LoginState): 'pwd' | 'hwk' {
  return state.amr?.[0] === 'hwk' ? 'hwk' : 'pwd';
}

/**
 * A second factor was just added: remembered devices end (a 2FA change), and a
 * new recovery code replaces any old one, shown at the next step.
 */
async function enrolled({ app, state, now }: Context, credentialId: string, factors: string[]): Promise<Transition<LoginState>> {
  const userId = state.userId!;
  // After a recovery code, the new factor replaces the lost ones.
  if (state.recovered) await app.db.deleteFrom('credentials').where('user_id', '=', userId).where('id', '!=', credentialId).execute();
  await forgetDevices(app.db, userId, now);
  // The account page adds a factor beside others: the recovery code the person saved stays good.
  const keepCode = state.purpose === 'enroll' && (await hasRecoveryCode(app, userId));
  const recoveryCode = keepCode ? undefined : await issueRecoveryCode(app.db, { userId, kind: 'recovery', now });
  const factor = factors[0] === 'hwk' ? 'passkey' : 'totp';
  await audit(app, { event: 'factor.added', userId, detail: { factor } });
  await notifyUser(app, userId, { kind: 'factor-added', factor });
  const { setup: _done, passkeyCreation: _ceremony, recovered: _recovered, ...rest } = state;
  const next: LoginState = {
    ...rest,
    amr: [firstFactorOf(state), ...factors],
    ...(recoveryCode ? { sealedRecoveryCode: seal(app.secretKey, recoveryCode, `flow-recovery:${userId}`) } : {}),
  };
  // A phone number as a backup (seed 002, step 6), offered once, when none is set.
  const offerSms = smsAvailable(app) && !(await confirmedPhone(app.db, app.secretKey, userId));
  if (offerSms) return { step: 'sms-setup', state: next };
  return afterSetup({ app, state: next, request: { ip: '', userAgent: null }, now });
}

/** Set-up is over: the new recovery code to save, when there is one, else the end. */
async function afterSetup(context: Context): Promise<Transition<LoginState>> {
  const { state } = context;
  if (state.sealedRecoveryCode) return { step: 'recovery-code', state };
  return finish(context, state.amr ?? [firstFactorOf(state), 'mfa']);
}

/** Does the person hold an unused recovery code (not a support code)? */
async function hasRecoveryCode(app: AppContext, userId: string): Promise<boolean> {
  const row = await app.db.selectFrom('recovery_codes').select('id').where('user_id', '=', userId).where('kind', '=', 'recovery').where('used_at', 'is', null).executeTakeFirst();
  return row !== undefined;
}

/** Completes the flow: the session (and a remembered-device token) are issued as the flow is consumed. */
async function finish({ app, state, request, now }: Context, amr: string[]): Promise<Transition<LoginState>> {
  // A reset signs in only once the new password is set, after the second factor.
  // The flow gets its owner now (it was opened from a link, without one), so disabling the user ends it.
  if (state.purpose === 'reset' && !state.passwordSet) return { step: 'set-password', state: { ...state, amr }, userId: state.userId! };
  if (state.sessionId) return resumeSession({ app, state, request, now }, amr);
  const user = await app.db.selectFrom('users').select(['id', 'email', 'name', 'status']).where('id', '=', state.userId!).executeTakeFirst();
  // Disabled or deleted while the flow was open: no session.
  if (!user || user.status !== 'active') throw new ApiError('account_disabled');
  let account: CompanyAccount | undefined;
  if (state.membershipId === undefined) {
    // Several company accounts on one email: the person chooses, last used first.
    const accounts = await enterableAccounts(app, user.id, { sso: state.provider?.organizationId ?? null, now });
    if (accounts.length > 1) return { step: 'choose-account', state: { ...state, amr, accounts } };
    account = accounts[0];
  } else {
    account = state.accounts?.find((a) => a.id === state.membershipId);
  }
  const days = app.config.rememberDeviceDays;
  const provider = state.provider;
  // Signed before the transaction, which then only writes: the transaction holds
  // the store's connection as briefly as it can. A flow conflict just discards
  // the token (its session never exists).
  const sessionId = newSessionId();
  const jwt = await app.keys.sign({ sub: user.id, sid: sessionId, email: user.email, amr, authTime: Math.floor(now / 1000), org: account?.organizationId, idp: provider?.issuer });
  return {
    step: 'done',
    state,
    async finalize(trx) {
      // The session this browser held until now ends with the new one's start (OWASP ASVS 5.0 V7.2.4).
      if (request.sessionToken) await revokeSessionByToken(trx, request.sessionToken, now);
      const { token, session } = await createSession(trx, app.config, {
        userId: user.id, amr, membershipId: account?.id ?? null, provider: provider?.issuer ?? null, ssoOrganizationId: provider?.organizationId ?? null, userAgent: request.userAgent, ip: request.ip, now, id: sessionId,
      });
      if (account) await trx.updateTable('memberships').set({ last_used_at: now }).where('id', '=', account.id).execute();
      const device = state.remember && days > 0
        ? await rememberDevice(trx, { userId: user.id, days, userAgent: request.userAgent, now, ...(state.deviceExpiresAt ? { expiresAt: state.deviceExpiresAt, lastUsedAt: now } : {}) })
        : undefined;
      await audit(app, {
        event: 'login.success',
        userId: user.id,
        ip: request.ip,
        detail: { amr: amr.join(' '), sessionId: session.id, flow: state.purpose ?? 'login', ...(provider ? { provider: provider.issuer } : {}), ...(account ? { organization: account.organizationId } : {}) },
      }, trx);
      return {
        token,
        grant: {
          user: { id: user.id, email: user.email, name: user.name },
          token,
          jwt: jwt.token,
          jwtExpiresAt: jwt.expiresAt,
          expiresAt: session.expiresAt,
          idleExpiresAt: session.idleExpiresAt,
          amr,
          ...(account ? { account } : {}),
          ...(provider ? { provider: { name: provider.name, issuer: provider.issuer } } : {}),
          ...(device ? { deviceToken: device.token } : {}),
        },
        ...(device ? { device } : {}),
      };
    },
  };
}

/**
 * Re-authentication on the account page, after the password (or a passkey that
 * did not verify the person): the second factor too when the session's is
 * older than `REAUTH_MFA_HOURS`. A remembered device never stands in for it
 * here, and a recovery code is no way in (it is for a lost phone, at sign-in).
 */
async function reauthSecondFactor(context: Context): Promise<Transition<LoginState>> {
  const { app, state } = context;
  const firstFactor = firstFactorOf(state);
  const methods = (await secondFactorMethods(app, state.userId!)).filter((m) => m !== 'recovery_code' && (firstFactor === 'pwd' || m !== 'passkey'));
  if (methods.length === 0 || state.mfaFresh) return finish(context, [firstFactor]);
  return secondFactorStep(app, state, methods);
}

/** The session an account-page flow runs in, if it is still live and its person active. */
async function liveSession(app: AppContext, state: LoginState, now: number) {
  const row = await app.db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['sessions.id', 'sessions.token_hash', 'sessions.amr', 'sessions.created_at', 'sessions.reauth_at', 'sessions.last_seen_at', 'sessions.expires_at', 'sessions.membership_id', 'sessions.provider', 'users.email', 'users.name', 'users.status'])
    .where('sessions.id', '=', state.sessionId!)
    .where('sessions.user_id', '=', state.userId!)
    .where('sessions.revoked_at', 'is', null)
    .executeTakeFirst();
  const idleEnd = row ? Math.min(Number(row.expires_at), Number(row.last_seen_at) + app.config.sessionIdleMinutes * 60_000) : 0;
  // Revoked, ended or disabled while the flow was open, or its token replaced by a re-authentication: the flow ends with it.
  if (!row || row.status !== 'active' || now >= idleEnd || (state.sessionTokenHash !== undefined && row.token_hash !== state.sessionTokenHash)) {
    throw new ApiError('unauthenticated');
  }
  return { ...row, idleEnd };
}

/**
 * Ends an account-page flow with the session it ran in: no new session, a
 * fresh JWT for the same `sid`. A re-authentication is recorded on the session
 * (`reauth_at`, and `mfa_at` when it passed the second factor), which is what
 * lets the account page's changes through, and gives it a new token
 * (`renewSession`); an enrolment keeps the token.
 */
async function resumeSession({ app, state, request, now }: Context, amr: string[]): Promise<Transition<LoginState>> {
  const session = await liveSession(app, state, now);
  const reauth = state.purpose === 'reauth';
  const before = JSON.parse(session.amr) as string[];
  // The methods of the sign-in and of this re-authentication; `mfa` last, as at sign-in.
  const methods = reauth ? [...new Set([...before, ...amr])].sort((a, b) => Number(a === 'mfa') - Number(b === 'mfa')) : before;
  const authAt = reauth ? now : Math.max(Number(session.created_at), Number(session.reauth_at ?? 0));
  const account = await accountById(app.db, session.membership_id);
  const jwt = await app.keys.sign({
    sub: state.userId!, sid: session.id, email: session.email, amr: methods, authTime: Math.floor(authAt / 1000), org: account?.organizationId, idp: session.provider ?? undefined,
  });
  return {
    step: 'done',
    state,
    async finalize(trx) {
      let token: string | undefined;
      if (reauth) {
        // Revoked, or renewed by another re-authentication, since `liveSession` read it: nothing to renew.
        token = await renewSession(trx, { id: session.id, tokenHash: session.token_hash, amr: methods, mfa: amr.includes('mfa'), now });
        if (!token) throw new ApiError('unauthenticated');
        await audit(app, { event: 'login.success', userId: state.userId!, ip: request.ip, detail: { amr: amr.join(' '), sessionId: session.id, flow: 'reauth' } }, trx);
      }
      return {
        ...(token ? { token } : {}),
        grant: {
          user: { id: state.userId!, email: session.email, name: session.name },
          ...(token ? { token } : {}),
          jwt: jwt.token,
          jwtExpiresAt: jwt.expiresAt,
          expiresAt: Number(session.expires_at),
          idleExpiresAt: session.idleEnd,
          amr: methods,
        },
      };
    },
  };
}

/** After the password: a second factor, a remembered device, the 2FA prompt, required set-up, or done. */
async function afterPassword(
  context: Context,
  { deviceToken, emailVerified, firstFactor = 'pwd' }: { deviceToken: string | undefined; emailVerified: boolean; firstFactor?: 'pwd' | 'hwk' },
): Promise<Transition<LoginState>> {
  const state: LoginState = { ...context.state, amr: [firstFactor] };
  context = { ...context, state };
  if (state.purpose === 'reauth') return reauthSecondFactor(context);
  // An address nobody has confirmed yet (an activation left half-way): confirm it first.
  if (!emailVerified) return sendEmailCode(context);
  return afterVerified(context, deviceToken);
}

/** The rest of the sign-in once the address is confirmed: second factor, remembered device, prompt or set-up. */
async function afterVerified(context: Context, deviceToken: string | undefined): Promise<Transition<LoginState>> {
  const { app, now, state } = context;
  const firstFactor = firstFactorOf(state);
  const userId = state.userId!;
  // A passkey that did not verify the person is one factor; it cannot also be the second.
  const methods = (await secondFactorMethods(app, userId)).filter((m) => firstFactor === 'pwd' || m !== 'passkey');
  if (methods.length > 0) {
    if (deviceToken && app.config.rememberDeviceDays > 0 && methods.some((m) => m !== 'recovery_code')) {
      // A remembered device skips only the second factor; the token rotates on every use.
      const expiresAt = await spendRememberedDevice(app.db, { userId, token: deviceToken, now });
      if (expiresAt !== null) return finish({ ...context, state: { ...state, remember: true, deviceExpiresAt: expiresAt } }, [firstFactor]);
    }
    return secondFactorStep(app, state, methods);
  }
  const policy = await mfaPolicy(app, userId, now);
  if (policy.requiredNow) return startSetup(context, 'required');
  if (policy.requiredFrom === null) return finish(context, [firstFactor]);
  // "Remind me later" holds for a number of logins; each login spends one, atomically.
  const snoozed = await app.db
    .updateTable('users')
    .set({ mfa_snooze: sql<number>`mfa_snooze - 1` })
    .where('id', '=', userId)
    .where('mfa_snooze', '>', 0)
    .executeTakeFirst();
  if (Number(snoozed.numUpdatedRows) === 1) return finish(context, [firstFactor]);
  return { step: 'mfa-prompt', state: { ...state, requiredFrom: policy.requiredFrom } };
}

/** The `second-factor` step with the person's methods: a passkey ceremony and the masked number when they apply. */
async function secondFactorStep(app: AppContext, state: LoginState, methods: SecondFactorMethod[]): Promise<Transition<LoginState>> {
  const userId = state.userId!;
  const offered = methods.includes('passkey') ? await offerPasskey(app, state, userId) : state;
  const phone = methods.includes('sms') ? await confirmedPhone(app.db, app.secretKey, userId) : undefined;
  return { step: 'second-factor', state: { ...offered, methods, ...(phone ? { maskedPhone: maskPhone(phone.phone) } : {}) } };
}

/**
 * Forgot password: mails a reset link when the address belongs to an active
 * account. Runs after the answer is sent, so the answer (and its timing) is
 * the same for every address (OWASP Forgot Password Cheat Sheet).
 */
async function requestPasswordReset(app: AppContext, email: string, now: number): Promise<void> {
  const user = await app.db.selectFrom('users').select(['id', 'status', 'password_hash']).where('email', '=', email).executeTakeFirst();
  if (!user || user.status !== 'active' || user.password_hash === null) return;
  const minutes = app.config.resetLinkMinutes;
  const { token } = await issueLinkToken(app.db, { userId: user.id, purpose: 'password-reset', ttlMs: minutes * 60_000, now });
  await queueMail(app, { ...(await mailTo(app, user.id)), message: { kind: 'password-reset', link: `${app.config.resetUrl}#token=${token}`, minutes } }, { wait: false });
}

/**
 * The `sso` step for an address whose company signs its people in through
 * its own provider: a new authorization request (PKCE verifier, state,
 * nonce), or, when the provider cannot be reached, the step without one and
 * `sso_unavailable`. `error` is the refusal of the previous attempt, if any.
 */
async function ssoStep({ app, request, now }: Context, state: LoginState, connection: SsoConnection, error?: CompanyErrorCode): Promise<Transition<LoginState>> {
  const sso = { organizationId: connection.organizationId, provider: connection.name };
  await spendProviderCall(app, providerCallKey(state, request.ip), now);
  try {
    // Re-authentication asks the provider for a fresh sign-in: one that happened within the last minute.
    const { url, pending } = await beginAuthorization(app, connection, { loginHint: state.email!, ...(state.purpose === 'reauth' ? { maxAge: SSO_REAUTH_MAX_AGE_S } : {}) });
    return { step: 'sso', state: { ...state, sso: { ...sso, url, request: pending } }, ...(error ? { error: { code: error } } : {}) };
  } catch (failure) {
    if (!(failure instanceof SsoError)) throw failure;
    app.log.log('warn', 'identity provider unavailable', { event: 'sso.unavailable', organizationId: connection.organizationId, reason: failure.message });
    return { step: 'sso', state: { ...state, sso }, error: { code: failure.code } };
  }
}

/**
 * Re-authentication through the company's provider: its sign-in must be at
 * most this old (OpenID Connect Core 1.0 §3.1.2.1 `max_age`; `auth_time` is
 * checked with openid-client's clock tolerance).
 */
const SSO_REAUTH_MAX_AGE_S = 60;

/**
 * Every request toward a company's provider (a new authorization request, a
 * code to exchange) counts against the client's limit: each costs a call to
 * someone else's server with our client secret (OWASP ASVS 5.0 V2.4.1).
 */
async function spendProviderCall(app: AppContext, key: string, now: number): Promise<void> {
  const hit = await consumeRateLimit(app.db, key, { limit: app.config.ipMaxFailures, windowMs: rateWindow(app) }, now);
  if (hit.limited) throw rateLimited(hit, now);
}

/** Whose calls these are: the session's, for a re-authentication (started without a client address), else the client's. */
function providerCallKey(state: LoginState, ip: string): string {
  return state.sessionId ? `sso:sid:${state.sessionId}` : `sso:ip:${rateLimitKey(ip)}`;
}

/**
 * The person the provider signed in, linked by verified address only (never
 * by an unverified claim, nor by the provider's own user id): the address the
 * person typed, in one of the company's domains, with `email_verified` true;
 * and only a member of the company (its administrator added them). A
 * provider speaks for its own company's people: owning a domain does not give
 * a company the accounts of people at that domain who work elsewhere. An
 * invited member is activated by it (the provider vouched for the address).
 */
async function ssoUser(app: AppContext, connection: SsoConnection, email: string, identity: ProviderIdentity): Promise<string> {
  if (!identity.emailVerified) throw new SsoError('sso_email_unverified', 'email_verified is not true');
  if (identity.email !== email || !(await ownsAddress(app, connection.organizationId, identity.email))) {
    throw new SsoError('sso_email_mismatch', 'the provider signed in another address');
  }
  const user = await app.db.selectFrom('users').select(['id', 'status']).where('email', '=', identity.email).executeTakeFirst();
  const member = user && (await app.db.selectFrom('memberships').select('id').where('user_id', '=', user.id).where('organization_id', '=', connection.organizationId).executeTakeFirst());
  if (!user || !member) throw new SsoError('sso_no_account', 'no account for this address at this company');
  if (user.status === 'disabled') throw new ApiError('account_disabled');
  const now = app.now();
  if (user.status === 'invited') {
    await app.db.updateTable('users').set({ status: 'active', updated_at: now }).where('id', '=', user.id).where('status', '=', 'invited').execute();
    await audit(app, { event: 'user.activated', userId: user.id, detail: { provider: connection.issuer } });
  }
  await app.db.updateTable('users').set({ email_verified_at: now }).where('id', '=', user.id).where('email_verified_at', 'is', null).execute();
  return user.id;
}

/**
 * Sign in: `email` -> `password` -> (`second-factor` | `mfa-prompt` ->
 * `totp-setup` -> `recovery-code`) -> `done`. An unknown email walks the same
 * path as a known one up to the password, with the same answers and the same
 * work, so the flow never tells whether an account exists.
 */
export const loginFlow: FlowDefinition<LoginState> = {
  kind: 'login',
  initial: async (app) => ({ step: 'email', state: await offerPasskey(app, {}) }),
  steps: {
    email: {
      view: (state) => ({ ...(state.email ? { email: state.email } : {}), ...(state.passkeyRequest ? { passkey: { options: state.passkeyRequest } } : {}) }),
      unavailable: (state) => (state.passkeyRequest ? [] : ['passkey']),
      actions: {
        email: action({
          input: z.object({ email: z.string().max(1024) }),
          async run(context, input) {
            const { app, state } = context;
            const email = emailSchema.safeParse(input.email);
            if (!email.success) {
              return { step: 'email', state: { ...state, email: input.email.slice(0, MAX_EMAIL_LENGTH) }, error: { code: 'invalid_email', field: 'email' } };
            }
            const connection = await connectionForEmail(app, email.data);
            if (connection) return ssoStep(context, { email: email.data }, connection);
            return { step: 'password', state: await offerPasskey(app, { email: email.data }) };
          },
        }),
        passkey: action({
          input: assertionInput,
          run: (context, { response }) => signInWithPasskey(context, 'email', response as unknown as AuthenticationResponseJSON),
        }),
      },
    },
    password: {
      view: (state) => ({ email: state.email, ...(state.passkeyRequest ? { passkey: { options: state.passkeyRequest } } : {}) }),
      // Re-authentication is for the signed-in person: no other address, no reset from here.
      unavailable: (state) => [...(state.passkeyRequest ? [] : ['passkey']), ...(state.purpose === 'reauth' ? ['back', 'forgot'] : [])],
      actions: {
        back: action({
          input: z.object({}).strict(),
          run: async ({ app, state }) => ({ step: 'email', state: await offerPasskey(app, { email: state.email! }) }),
        }),
        passkey: action({
          input: assertionInput,
          run: (context, { response }) => signInWithPasskey(context, 'password', response as unknown as AuthenticationResponseJSON, context.state.email),
        }),
        forgot: action({
          input: z.object({}).strict(),
          async run({ app, state, request, now }) {
            const email = state.email!;
            // Per address: a quiet cap, so nobody can flood a mailbox; the answer stays the same.
            const account = await consumeRateLimit(app.db, `forgot:acct:${sha256(email)}`, { limit: SENDS_PER_HOUR, windowMs: HOUR_MS }, now);
            // Per client: an open limit, which tells nothing about the address.
            const ip = await consumeRateLimit(app.db, `forgot:ip:${rateLimitKey(request.ip)}`, { limit: app.config.ipMaxFailures, windowMs: rateWindow(app) }, now);
            if (ip.limited) throw rateLimited(ip, now);
            if (!account.limited) {
              void requestPasswordReset(app, email, now).catch((error: unknown) =>
                app.log.log('error', 'reset link not sent', { event: 'mail.failed', error: error instanceof Error ? error.message : String(error) }));
            }
            return { step: 'reset-sent', state: { email } };
          },
        }),
        password: action({
          input: z.object({ password: z.string().min(1).max(4096), device: z.string().max(128).optional() }).strict(),
          async run(context, { password, device }) {
            const { app, state, request, now } = context;
            const email = state.email!;
            // Spend the attempt before checking it, atomically, so parallel
            // guesses cannot slip past the limit (OWASP ASVS 5.0 V6.3.1).
            const accountKey = `pwd:acct:${sha256(email)}`;
            const account = await consumeRateLimit(app.db, accountKey, { windowMs: rateWindow(app), limit: app.config.accountMaxFailures }, now);
            const ipKey = `pwd:ip:${rateLimitKey(request.ip)}`;
            const ip = await consumeRateLimit(app.db, ipKey, { windowMs: rateWindow(app), limit: app.config.ipMaxFailures }, now);
            if (account.limited) throw rateLimited(account, now);
            if (ip.limited) throw rateLimited(ip, now);

            const user = await app.db
              .selectFrom('users')
              .select(['id', 'email', 'name', 'password_hash', 'status', 'email_verified_at'])
              .where('email', '=', email)
              .executeTakeFirst();
            const valid = await verifyPassword({ hash: user?.password_hash ?? null, password });
            if (!user || !valid) {
              await audit(app, { event: 'login.failure', userId: user?.id ?? null, ip: request.ip, detail: { method: 'password', email: maskEmail(email) } });
              return { step: 'password', state, failed: true, error: { code: 'invalid_credentials', field: 'password' } };
            }
            if (user.status !== 'active') throw new ApiError('account_disabled');

            await clearRateLimit(app.db, accountKey);
            // The IP limit counts failures: give back the attempt this success spent.
            await refundRateLimit(app.db, ipKey, now);
            if (needsRehash(user.password_hash!)) {
              await app.db.updateTable('users').set({ password_hash: await hashPassword(password), updated_at: now }).where('id', '=', user.id).execute();
            }
            const next = { ...context, state: { ...state, userId: user.id } };
            return { ...(await afterPassword(next, { deviceToken: device ?? request.deviceToken, emailVerified: user.email_verified_at !== null })), userId: user.id };
          },
        }),
      },
    },
    sso: {
      view: (state) => ({ email: state.email!, provider: state.sso!.provider, ...(state.sso!.url ? { url: state.sso!.url } : {}) }),
      // Re-authentication is for the signed-in person: no other address.
      unavailable: (state) => [...(state.sso?.url ? ['retry'] : ['callback']), ...(state.purpose === 'reauth' ? ['back'] : [])],
      actions: {
        callback: action({
          input: z.object({ params: z.string().max(8192) }).strict(),
          async run(context, { params }) {
            const { app, state, request } = context;
            const email = state.email!;
            const connection = await connectionOf(app, state.sso!.organizationId);
            // Untied from its provider while the person was away: from the address again.
            if (!connection) return { step: 'email', state: await offerPasskey(app, { email }) };
            let userId: string;
            await spendProviderCall(app, providerCallKey(state, request.ip), context.now);
            try {
              const identity = await completeAuthorization(app, connection, state.sso!.request!, params);
              userId = await ssoUser(app, connection, email, identity);
              const { sso: _done, ...rest } = state;
              const next: Context = { ...context, state: { ...rest, userId, provider: { organizationId: connection.organizationId, issuer: connection.issuer, name: connection.name } } };
              // The company's provider stands for the password and the second factor (seed 001): none is asked here.
              return { ...(await finish(next, identity.amr)), userId };
            } catch (error) {
              if (!(error instanceof SsoError)) throw error;
              await audit(app, { event: 'login.failure', ip: request.ip, detail: { method: 'sso', reason: error.code, email: maskEmail(email) } });
              app.log.log('info', 'single sign-on refused', { event: 'sso.refused', code: error.code, reason: error.message });
              // A new request for the next try: a state, nonce or verifier is never used twice.
              return ssoStep(context, state, connection, error.code);
            }
          },
        }),
        retry: action({
          input: z.object({}).strict(),
          async run(context) {
            const { app, state } = context;
            const connection = await connectionOf(app, state.sso!.organizationId);
            if (!connection) return { step: 'email', state: await offerPasskey(app, { email: state.email! }) };
            return ssoStep(context, state, connection);
          },
        }),
        back: action({
          input: z.object({}).strict(),
          run: async ({ app, state }) => ({ step: 'email', state: await offerPasskey(app, { email: state.email! }) }),
        }),
      },
    },
    'choose-account': {
      view: (state) => ({ accounts: state.accounts ?? [] }),
      actions: {
        choose: action({
          input: z.object({ account: z.string().max(64) }).strict(),
          async run(context, { account }) {
            const { app, state, now } = context;
            // Still one of the person's accounts, and one this sign-in may enter (a membership can go while the list shows).
            const accounts = await enterableAccounts(app, state.userId!, { sso: state.provider?.organizationId ?? null, now });
            const chosen = state.accounts?.some((a) => a.id === account) ? accounts.find((a) => a.id === account) : undefined;
            if (!chosen) return { step: 'choose-account', state: { ...state, accounts }, error: { code: 'account_not_available' } };
            return finish({ ...context, state: { ...state, accounts: [chosen], membershipId: chosen.id } }, state.amr ?? []);
          },
        }),
      },
    },
    'second-factor': {
      view: (state, app) => ({
        methods: state.methods ?? [],
        rememberDays: app.config.rememberDeviceDays > 0 && !state.sessionId ? app.config.rememberDeviceDays : null,
        ...(state.methods?.includes('passkey') && state.passkeyRequest ? { passkey: { options: state.passkeyRequest } } : {}),
        ...(state.maskedPhone ? { phone: state.maskedPhone, smsSent: state.smsCode !== undefined } : {}),
      }),
      unavailable: (state) => [
        ...(state.methods?.includes('totp') ? [] : ['totp']),
        ...(state.methods?.includes('recovery_code') ? [] : ['recovery-code']),
        ...(state.methods?.includes('passkey') ? [] : ['passkey']),
        ...(state.methods?.includes('sms') ? [] : ['send-sms', 'sms']),
        ...(state.smsCode ? [] : ['sms']),
      ],
      actions: {
        'send-sms': action({
          input: z.object({}).strict(),
          async run({ app, state, now }) {
            const userId = state.userId!;
            const phone = await confirmedPhone(app.db, app.secretKey, userId);
            if (!phone) throw new ApiError('action_not_allowed');
            return { step: 'second-factor', state: { ...state, smsCode: await textCode(app, { userId, phone: phone.phone, now }) } };
          },
        }),
        sms: action({
          atomic: true,
          input: codeInput,
          async run(context, { code, remember }) {
            const { app, state, now } = context;
            const userId = state.userId!;
            const key = await spendFactorAttempt(app, userId, now);
            const result = checkCode(app.secretKey, state.smsCode, { input: code, context: `sms:${userId}`, now });
            if (result !== 'valid') return factorFailed(context, 'sms', codeRefusal(result));
            await factorSucceeded(app, key);
            await app.db.updateTable('credentials').set({ last_used_at: now }).where('user_id', '=', userId).where('type', '=', 'sms').execute();
            // RFC 8176 §2: `sms`, confirmation by text message.
            return finish({ ...context, state: { ...state, smsCode: undefined, remember: remember === true } }, [firstFactorOf(state), 'sms', 'mfa']);
          },
        }),
        passkey: action({
          atomic: true,
          input: assertionInput,
          async run(context, { response, remember }) {
            const { app, state, now } = context;
            const userId = state.userId!;
            try {
              await verifyPasskeyAssertion(app.db, app.config, {
                response: response as unknown as AuthenticationResponseJSON,
                expectedChallenge: liveChallenge(state, state.passkeyRequest?.challenge, now),
                userId,
                now,
              });
            } catch (error) {
              return passkeyRefused(app, 'second-factor', state, error, userId);
            }
            return finish({ ...context, state: { ...state, passkeyRequest: undefined, remember: remember === true } }, ['pwd', 'hwk', 'mfa']);
          },
        }),
        totp: action({
          atomic: true,
          input: codeInput,
          async run(context, { code, remember }) {
            const { app, state, now } = context;
            const key = await spendFactorAttempt(app, state.userId!, now);
            if (!(await verifyUserTotp(app, state.userId!, normalizeCode(code), now))) {
              return factorFailed(context, 'totp', { code: 'invalid_code', field: 'code' });
            }
            await factorSucceeded(app, key);
            // The first factor as it was: a password, or a passkey that did not verify the person.
            return finish({ ...context, state: { ...state, remember: remember === true } }, [firstFactorOf(state), 'otp', 'mfa']);
          },
        }),
        'recovery-code': action({
          atomic: true,
          input: codeInput,
          async run(context, { code, remember }) {
            const { app, state, now } = context;
            const userId = state.userId!;
            const key = await spendFactorAttempt(app, userId, now);
            const kind = await useRecoveryCode(app.db, { userId, code, now });
            if (!kind) return factorFailed(context, 'recovery_code', { code: 'invalid_recovery_code', field: 'code' });
            await factorSucceeded(app, key);
            // The code stands in for a lost phone: remembered devices go now, the
            // old authenticators when set-up completes (never before, so an
            // abandoned set-up cannot leave the account without a second factor).
            await forgetDevices(app.db, userId, now);
            await notifyUser(app, userId, { kind: 'recovery-code-used' });
            await audit(app, { event: 'recovery.used', userId, ip: context.request.ip, detail: { kind } });
            return startSetup({ ...context, state: { ...state, remember: remember === true, recovered: true } }, 'recovered');
          },
        }),
      },
    },
    'mfa-prompt': {
      view: (state, app) => ({ requiredFrom: state.requiredFrom === undefined ? app.config.mfaRequiredFrom : state.requiredFrom }),
      actions: {
        enable: action({ input: z.object({}).strict(), run: (context) => startSetup(context, 'enable') }),
        'remind-later': action({
          atomic: true,
          input: z.object({}).strict(),
          async run(context) {
            const { app, state, now } = context;
            if ((await mfaPolicy(app, state.userId!, now)).requiredNow) return startSetup(context, 'required');
            await app.db.updateTable('users').set({ mfa_snooze: app.config.mfaRemindLaterLogins }).where('id', '=', state.userId!).execute();
            return finish(context, [firstFactorOf(state)]);
          },
        }),
      },
    },
    'totp-setup': {
      view(state, app) {
        const setup = state.setup!;
        const secret = unseal(app.secretKey, setup.sealedSecret, `flow-setup:${setup.credentialId}`);
        const issuer = app.config.appName;
        const account = state.email!;
        const uri = totpUri({ secret, issuer, account });
        return { qr: totpQr(uri), secret, uri, issuer, account, required: setup.reason !== 'enable', reason: setup.reason };
      },
      // The account page closes its own enrolment; `cancel` is the login's way back to the prompt.
      unavailable: (state, app) => [...(state.setup?.reason === 'enable' && state.purpose !== 'enroll' ? [] : ['cancel']), ...(app.config.passkeys ? [] : ['use-passkey'])],
      actions: {
        'use-passkey': action({
          input: z.object({}).strict(),
          async run({ app, state }) {
            const user = await app.db.selectFrom('users').select(['id', 'email', 'name']).where('id', '=', state.userId!).executeTakeFirstOrThrow();
            const passkeyCreation = await passkeyCreationOptions(app.db, app.config, { userId: user.id, email: user.email, name: user.name });
            return { step: 'passkey-setup', state: { ...state, passkeyCreation, ceremonyIssuedAt: app.now() } };
          },
        }),
        totp: action({
          atomic: true,
          input: z.object({ code: z.string().max(64) }).strict(),
          async run(context, { code }) {
            const { app, state, now } = context;
            const userId = state.userId!;
            const setup = state.setup!;
            const key = await spendFactorAttempt(app, userId, now);
            const secret = unseal(app.secretKey, setup.sealedSecret, `flow-setup:${setup.credentialId}`);
            const step = matchTotp({ secret, code: normalizeCode(code), now });
            // Confirming records the step, so the code that confirmed set-up cannot sign in again.
            const confirmed = step !== null && Number(
              (await app.db
                .updateTable('credentials')
                .set({ confirmed_at: now, last_step: step, last_used_at: now })
                .where('id', '=', setup.credentialId)
                .where('user_id', '=', userId)
                .where('confirmed_at', 'is', null)
                .executeTakeFirst()).numUpdatedRows,
            ) === 1;
            if (!confirmed) return { step: 'totp-setup', state, failed: true, error: { code: 'invalid_code', field: 'code' } };
            await factorSucceeded(app, key);
            return enrolled(context, setup.credentialId, ['otp', 'mfa']);
          },
        }),
        cancel: action({
          input: z.object({}).strict(),
          async run({ app, state }) {
            await app.db.deleteFrom('credentials').where('id', '=', state.setup!.credentialId).where('confirmed_at', 'is', null).execute();
            const { setup: _cancelled, ...rest } = state;
            return { step: 'mfa-prompt', state: rest };
          },
        }),
      },
    },
    'passkey-setup': {
      view: (state) => ({
        options: state.passkeyCreation!,
        suggestedName: 'Passkey',
        required: state.setup!.reason !== 'enable',
        reason: state.setup!.reason,
      }),
      unavailable: (state) => (state.setup?.reason === 'enable' && state.purpose !== 'enroll' ? [] : ['cancel']),
      actions: {
        register: action({
          atomic: true,
          input: z.object({ response: webauthnResponse, name: z.string().max(64) }).strict(),
          async run(context, { response, name }) {
            const { app, state, now } = context;
            const userId = state.userId!;
            try {
              await registerPasskey(app.db, app.config, {
                response: response as unknown as RegistrationResponseJSON,
                expectedChallenge: liveChallenge(state, state.passkeyCreation?.challenge, now),
                userId,
                name,
                now,
              });
            } catch (error) {
              if (!(error instanceof PasskeyError)) throw error;
              const user = await app.db.selectFrom('users').select(['id', 'email', 'name']).where('id', '=', userId).executeTakeFirstOrThrow();
              const passkeyCreation = await passkeyCreationOptions(app.db, app.config, { userId, email: user.email, name: user.name });
              return { step: 'passkey-setup', state: { ...state, passkeyCreation, ceremonyIssuedAt: now }, error: { code: error.refusal } };
            }
            // The passkey replaces the authenticator set-up that was offered.
            await app.db.deleteFrom('credentials').where('id', '=', state.setup!.credentialId).where('confirmed_at', 'is', null).execute();
            const added = await app.db
              .selectFrom('credentials')
              .select('id')
              .where('user_id', '=', userId)
              .where('type', '=', 'passkey')
              .orderBy('created_at', 'desc')
              .executeTakeFirstOrThrow();
            return enrolled(context, added.id, ['hwk', 'mfa']);
          },
        }),
        'use-totp': action({
          input: z.object({}).strict(),
          run: async ({ state }) => ({ step: 'totp-setup', state: { ...state, passkeyCreation: undefined } }),
        }),
        cancel: action({
          input: z.object({}).strict(),
          async run({ app, state }) {
            await app.db.deleteFrom('credentials').where('id', '=', state.setup!.credentialId).where('confirmed_at', 'is', null).execute();
            const { setup: _cancelled, passkeyCreation: _ceremony, ...rest } = state;
            return { step: 'mfa-prompt', state: rest };
          },
        }),
      },
    },
    'reset-sent': {
      view: (state, app) => ({ email: state.email!, minutes: app.config.resetLinkMinutes }),
      actions: {
        back: action({
          input: z.object({}).strict(),
          run: async ({ app, state }) => ({ step: 'password', state: await offerPasskey(app, { email: state.email! }) }),
        }),
      },
    },
    'set-password': {
      view: (state, app) => ({ email: state.email!, purpose: state.purpose === 'reset' ? 'reset' : 'activate', policy: policyView(app) }),
      actions: {
        password: action({
          input: z.object({ password: z.string().min(1).max(4096) }).strict(),
          async run(context, { password }) {
            const { app, state, request, now } = context;
            const userId = state.userId!;
            const reset = state.purpose === 'reset';
            const broken = await checkNewPassword(app.db, app.config, { password, email: state.email!, userId });
            // A refused password is the person's draft, not a guess: it does not count as a failed attempt.
            if (broken.length > 0) return { step: 'set-password', state, error: { code: 'password_policy', field: 'password', details: { rules: broken } } };
            const passwordHash = await hashPassword(password);
            const purpose: LinkPurpose = reset ? 'password-reset' : 'invitation';
            // The link is spent and the password set in one transaction: the spend is a conditional
            // update (a second tab or a replay gets nothing), and an account no longer in the state
            // the link was made for (disabled meanwhile) leaves the link as it was.
            const refusal = new ApiError(reset ? 'reset_link_invalid' : 'invitation_invalid');
            await inTransaction(app.db, async (trx) => {
              if (!(await consumeLinkToken(trx, { tokenHash: state.linkTokenHash!, purpose, now }))) throw refusal;
              const updated = await trx
                .updateTable('users')
                .set(reset ? { updated_at: now } : { password_hash: passwordHash, status: 'active', updated_at: now })
                .where('id', '=', userId)
                .where('status', '=', reset ? 'active' : 'invited')
                .executeTakeFirst();
              if (Number(updated.numUpdatedRows) !== 1) throw refusal;
              // OWASP Forgot Password Cheat Sheet: every other session ends, and the person is told.
              if (reset) await passwordChanged(trx, { userId, passwordHash, endSessions: true, now });
            });
            if (reset) {
              await clearRateLimit(app.db, `pwd:acct:${sha256(state.email!)}`);
              await audit(app, { event: 'password.reset', userId, ip: request.ip });
              await notifyUser(app, userId, { kind: 'password-changed' });
              const next = { ...context, state: { ...state, passwordSet: true } };
              // No second factor passed (the person has none they can use): on as a sign-in with the
              // new password, so required 2FA set-up, or the prompt, still comes.
              if (!state.amr?.includes('mfa')) return afterVerified({ ...next, state: { ...next.state, amr: ['pwd'] } }, undefined);
              return finish(next, state.amr);
            }
            await audit(app, { event: 'user.activated', userId, ip: request.ip });
            // A flow opened from a link is stored without an owner (the engine knows none at
            // start); from here it has one, so disabling the user ends it (`disableUser`).
            return { ...(await sendEmailCode({ ...context, state: { ...state, amr: ['pwd'] } })), userId };
          },
        }),
      },
    },
    'verify-email': {
      view: (state) => ({ email: state.email!, codeLength: ONE_TIME_CODE_LENGTH }),
      actions: {
        code: action({
          atomic: true,
          input: z.object({ code: z.string().max(64) }).strict(),
          async run(context, { code }) {
            const { app, state, request, now } = context;
            const userId = state.userId!;
            const key = await spendFactorAttempt(app, userId, now);
            const result = checkCode(app.secretKey, state.emailCode, { input: code, context: `email:${userId}`, now });
            if (result !== 'valid') return factorFailed(context, 'email_code', codeRefusal(result), 'verify-email');
            await factorSucceeded(app, key);
            await app.db.updateTable('users').set({ email_verified_at: now, updated_at: now }).where('id', '=', userId).execute();
            await audit(app, { event: 'email.verified', userId, ip: request.ip });
            const next: Context = { ...context, state: { ...state, emailCode: undefined } };
            // Activation goes straight on to 2FA set-up (seed 002, step 5); a sign-in goes on as usual.
            if (state.purpose === 'activate') return startSetup(next, (await mfaPolicy(app, userId, now)).requiredNow ? 'required' : 'enable');
            return afterVerified(next, undefined);
          },
        }),
        resend: action({ input: z.object({}).strict(), run: (context) => sendEmailCode(context) }),
      },
    },
    'sms-setup': {
      view: (state, app) => ({
        defaultCountry: app.config.smsDefaultCountry,
        codeLength: ONE_TIME_CODE_LENGTH,
        ...(state.smsSetup ? { sentTo: maskPhone(unseal(app.secretKey, state.smsSetup.sealedPhone, `flow-sms:${state.userId}`)) } : {}),
      }),
      unavailable: (state) => [...(state.smsSetup ? [] : ['code', 'change-number']), ...(state.smsOnly ? ['skip'] : [])],
      actions: {
        phone: action({
          input: z.object({ phone: z.string().max(64) }).strict(),
          async run({ app, state, now }, { phone: typed }) {
            const phone = parsePhone(typed, app.config.smsDefaultCountry);
            if (!phone) return { step: 'sms-setup', state, error: { code: 'invalid_phone', field: 'phone' } };
            const code = await textCode(app, { userId: state.userId!, phone, now });
            return { step: 'sms-setup', state: { ...state, smsSetup: { sealedPhone: seal(app.secretKey, phone, `flow-sms:${state.userId}`), code } } };
          },
        }),
        code: action({
          atomic: true,
          input: z.object({ code: z.string().max(64) }).strict(),
          async run(context, { code }) {
            const { app, state, now } = context;
            const userId = state.userId!;
            const setup = state.smsSetup!;
            const key = await spendFactorAttempt(app, userId, now);
            const result = checkCode(app.secretKey, setup.code, { input: code, context: `sms:${userId}`, now });
            if (result !== 'valid') {
              // Counted against the account (above), not the flow: the recovery code is already
              // issued, and a locked flow would never show it. A wrong code here proves nothing about anyone else.
              return { step: 'sms-setup', state, error: codeRefusal(result) };
            }
            await factorSucceeded(app, key);
            await saveConfirmedPhone(app.db, app.secretKey, { userId, phone: unseal(app.secretKey, setup.sealedPhone, `flow-sms:${userId}`), now });
            await audit(app, { event: 'factor.added', userId, detail: { factor: 'sms' } });
            await notifyUser(app, userId, { kind: 'factor-added', factor: 'sms' });
            return afterSetup({ ...context, state: { ...state, smsSetup: undefined } });
          },
        }),
        'change-number': action({ input: z.object({}).strict(), run: async ({ state }) => ({ step: 'sms-setup', state: { ...state, smsSetup: undefined } }) }),
        skip: action({ input: z.object({}).strict(), run: (context) => afterSetup({ ...context, state: { ...context.state, smsSetup: undefined } }) }),
      },
    },
    'recovery-code': {
      view: (state, app) => ({ code: unseal(app.secretKey, state.sealedRecoveryCode!, `flow-recovery:${state.userId}`) }),
      actions: {
        confirm: action({
          atomic: true,
          input: z.object({ saved: z.literal(true) }).strict(),
          run: (context) => finish(context, context.state.amr ?? [firstFactorOf(context.state), 'mfa']),
        }),
      },
    },
  },
};

const linkToken = z.object({ token: z.string().min(1).max(256) }).strict();

/** Opens a flow from an emailed link: the token must be live and its account in the state the link was made for. */
async function openLink(app: AppContext, { token, purpose }: { token: string; purpose: LinkPurpose }) {
  const now = app.now();
  const refusal = purpose === 'invitation' ? 'invitation_invalid' : 'reset_link_invalid';
  const link = await findLinkToken(app.db, { token, purpose, now });
  if (!link) throw new ApiError(refusal);
  const user = await app.db.selectFrom('users').select(['id', 'email', 'status']).where('id', '=', link.userId).executeTakeFirst();
  if (!user || user.status !== (purpose === 'invitation' ? 'invited' : 'active')) throw new ApiError(refusal);
  return { userId: user.id, email: user.email, linkTokenHash: link.tokenHash };
}

/**
 * Activation from the invitation mail (seed 002): `set-password` ->
 * `verify-email` -> 2FA set-up -> (`sms-setup`) -> `recovery-code` -> `done`.
 * The link may be opened again until the password is set; setting it spends the link.
 */
export const activationFlow: FlowDefinition<LoginState> = {
  kind: 'activate',
  start: linkToken,
  async initial(app, input) {
    const opened = await openLink(app, { token: String(input.token), purpose: 'invitation' });
    return { step: 'set-password', state: { purpose: 'activate', ...opened } };
  },
  steps: loginFlow.steps,
};

/**
 * Forgot password, from the mailed link: the second factor first, when the
 * person has one (a mailbox alone never gets past 2FA), then `set-password`,
 * which spends the link, ends every other session and signs in.
 */
export const resetFlow: FlowDefinition<LoginState> = {
  kind: 'reset',
  start: linkToken,
  async initial(app, input) {
    const opened = await openLink(app, { token: String(input.token), purpose: 'password-reset' });
    const state: LoginState = { purpose: 'reset', ...opened, amr: ['pwd'] };
    const methods = await secondFactorMethods(app, opened.userId);
    if (methods.length === 0) return { step: 'set-password', state };
    const { step, state: next } = await secondFactorStep(app, state, methods);
    return { step, state: next };
  },
  steps: loginFlow.steps,
};

/** The account page's flows start in a session; a host that keeps the token may send it in the start body. */
const sessionStart = z.object({ token: z.string().max(256).optional() }).strict();

/** The person and session an account-page flow starts from. */
async function accountState(app: AppContext, session: SessionRecord, purpose: 'reauth' | 'enroll'): Promise<LoginState> {
  const user = await app.db.selectFrom('users').select(['email']).where('id', '=', session.userId).executeTakeFirstOrThrow();
  return { purpose, sessionId: session.id, sessionTokenHash: session.tokenHash, userId: session.userId, email: user.email, amr: session.amr };
}

/** Every action of an account-page flow needs its session still live: a revoked session's flow is dead at once. */
async function guardSession(app: AppContext, state: LoginState): Promise<void> {
  await liveSession(app, state, app.now());
}

/**
 * Re-authentication on the account page (OWASP ASVS 5.0 V7.5.1, seed 003 step
 * 4: "the login screen will reappear; enter your password again"): `password`
 * (or a passkey) -> (`second-factor`) -> `done` with the same session under a
 * new token (OWASP ASVS 5.0 V7.2.4), now allowed to change sign-in methods for
 * `REAUTH_MINUTES`.
 */
export const reauthFlow: FlowDefinition<LoginState> = {
  kind: 'reauth',
  authenticated: true,
  start: sessionStart,
  guard: guardSession,
  async initial(app, _input, session) {
    const state = await accountState(app, session!, 'reauth');
    // Single sign-on: the company's provider confirms it is the person, with a fresh sign-in there.
    if (session!.provider) {
      const connection = session!.ssoOrganizationId ? await connectionOf(app, session!.ssoOrganizationId) : undefined;
      if (!connection) throw new ApiError('sso_required');
      const context: Context = { app, state, request: { ip: '', userAgent: null }, now: app.now() };
      const { step, state: next } = await ssoStep(context, state, connection);
      return { step, state: next };
    }
    const { needsSecondFactor } = await freshness(app, session!);
    return { step: 'password', state: await offerPasskey(app, { ...state, mfaFresh: !needsSecondFactor }, session!.userId) };
  },
  steps: loginFlow.steps,
};

/**
 * Adds a second factor from the account page with the login's own set-up
 * steps: `totp-setup`, `passkey-setup` or `sms-setup` -> (`sms-setup` as a
 * backup) -> (`recovery-code` when it is the first factor) -> `done`. Needs a
 * recent (re-)authentication; an SMS number only backs up an app or a passkey.
 */
function enrolmentFlow(kind: AccountEnrolment): FlowDefinition<LoginState> {
  return {
    kind,
    authenticated: true,
    start: sessionStart,
    guard: guardSession,
    async initial(app, _input, session) {
      // Single sign-on: the company's provider holds the person's factors, not this platform.
      if (session!.provider) throw new ApiError('sso_required');
      if ((await freshness(app, session!)).until === null) throw new ApiError('reauthentication_required');
      const state = await accountState(app, session!, 'enroll');
      const now = app.now();
      if (kind === 'enroll-sms') {
        const backs = await app.db.selectFrom('credentials').select('id').where('user_id', '=', session!.userId).where('type', 'in', ['totp', 'passkey']).where('confirmed_at', 'is not', null).executeTakeFirst();
        if (!smsAvailable(app) || !backs) throw new ApiError('action_not_allowed');
        return { step: 'sms-setup', state: { ...state, smsOnly: true } };
      }
      if (kind === 'enroll-passkey' && !app.config.passkeys) throw new ApiError('action_not_allowed');
      const setup = await startSetup({ app, state, request: { ip: '', userAgent: null }, now }, 'enable');
      if (kind === 'enroll-totp') return setup;
      const user = await app.db.selectFrom('users').select(['id', 'email', 'name']).where('id', '=', session!.userId).executeTakeFirstOrThrow();
      const passkeyCreation = await passkeyCreationOptions(app.db, app.config, { userId: user.id, email: user.email, name: user.name });
      return { step: 'passkey-setup', state: { ...setup.state, passkeyCreation, ceremonyIssuedAt: now } };
    },
    steps: loginFlow.steps,
  };
}

/** The flows the account page runs inside a session. */
export const accountFlows: FlowDefinition<LoginState>[] = [reauthFlow, ...(['enroll-totp', 'enroll-passkey', 'enroll-sms'] as const).map(enrolmentFlow)];
