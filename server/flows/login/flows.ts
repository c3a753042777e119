/*
 * The kinds of sign-in flow: the steps each reaches (by name, as the widget
 * has them) and how each starts. The steps are shared; what differs by kind
 * is said here, and in the `purpose` the start sets.
 */
import { connectionOf } from '../../companies/oidc.js';
import { ApiError } from '../../errors.js';
import { hasSecondFactorBesideSms, secondFactorMethods } from '../../factors/methods.js';
import type { AppContext } from '../../context.js';
import { findLinkToken, type LinkPurpose } from '../../security/link-tokens.js';
import { freshness } from '../../security/reauth.js';
import type { SessionRecord } from '../../security/sessions.js';
import type { FlowDefinition } from '../engine.js';
import type { AccountEnrolment } from '../protocol.js';
import { offerPasskey, offerPasskeyCreation } from './ceremony.js';
import { liveSession } from './finish.js';
import { linkToken, sessionStart } from './inputs.js';
import { LOGIN_MAP } from './map.js';
import { secondFactorStep, smsAvailable, startApproverSetup, startSetup } from './next.js';
import { resolveLocale } from '../../delivery/mail.js';
import { ssoStep } from './sso.js';
import type { Authenticated, LoginStates } from './state.js';
import { approverSetup } from './steps/approver-setup.js';
import { chooseAccount } from './steps/choose-account.js';
import { email } from './steps/email.js';
import { methodChoice } from './steps/method-choice.js';
import { mfaPrompt } from './steps/mfa-prompt.js';
import { passkeySetup } from './steps/passkey-setup.js';
import { password } from './steps/password.js';
import { recoveryCode } from './steps/recovery-code.js';
import { recoveryRequest } from './steps/recovery-request.js';
import { recoveryRequested } from './steps/recovery-requested.js';
import { resetSent } from './steps/reset-sent.js';
import { secondFactor } from './steps/second-factor.js';
import { setPassword } from './steps/set-password.js';
import { smsSetup } from './steps/sms-setup.js';
import { sso } from './steps/sso.js';
import { totpSetup } from './steps/totp-setup.js';
import { verifyEmail } from './steps/verify-email.js';

type LoginFlow = FlowDefinition<LoginStates>;

/** The choice of method, its set-up (passkey, authenticator app or phone), the backup offer and the new recovery code. */
const setupSteps = { 'method-choice': methodChoice, 'totp-setup': totpSetup, 'passkey-setup': passkeySetup, 'sms-setup': smsSetup, 'approver-setup': approverSetup, 'recovery-code': recoveryCode };

/**
 * Sign in: `email` -> `password` -> (`second-factor` | `mfa-prompt` ->
 * `method-choice` -> `passkey-setup` | `totp-setup` | `sms-setup` ->
 * (`method-choice` for a backup) -> `recovery-code`) -> `done`. An unknown email walks the same
 * path as a known one up to the password, with the same answers and the same
 * work, so the flow never tells whether an account exists.
 */
export const loginFlow: LoginFlow = {
  kind: 'login',
  map: LOGIN_MAP,
  sealedStart: true,
  initial: async (app) => ({ step: 'email', state: await offerPasskey(app, {}) }),
  steps: {
    email, password, sso, 'reset-sent': resetSent, 'verify-email': verifyEmail, 'second-factor': secondFactor, 'recovery-requested': recoveryRequested, 'mfa-prompt': mfaPrompt, 'choose-account': chooseAccount, ...setupSteps,
  },
};

/** Opens a flow from an emailed link: the token must be live and its account in the state the link was made for. */
async function openLink(app: AppContext, { token, purpose }: { token: string; purpose: LinkPurpose }) {
  const now = app.now();
  const refusal = purpose === 'invitation' ? 'invitation_invalid' : purpose === 'account-recovery' ? 'recovery_link_invalid' : 'reset_link_invalid';
  const link = await findLinkToken(app.db, { token, purpose, now });
  if (!link) throw new ApiError(refusal);
  const user = await app.db.selectFrom('users').select(['id', 'email', 'status', 'locale']).where('id', '=', link.userId).executeTakeFirst();
  if (!user || user.status !== (purpose === 'invitation' ? 'invited' : 'active')) throw new ApiError(refusal);
  // The language the link's mail was written in: the page opened from it speaks it too.
  return { userId: user.id, email: user.email, linkTokenHash: link.tokenHash, locale: resolveLocale(user.locale, app.config.defaultLocale) };
}

/**
 * Activation from the invitation mail (seed 002): `set-password` ->
 * `verify-email` -> `method-choice` -> 2FA set-up -> (`method-choice` for a
 * backup) -> `recovery-code` -> `done`.
 * The link may be opened again until the password is set; setting it spends the link.
 */
export const activationFlow: LoginFlow = {
  kind: 'activate',
  map: LOGIN_MAP,
  start: linkToken,
  locale: (state) => state.locale,
  async initial(app, input) {
    const opened = await openLink(app, { token: String(input.token), purpose: 'invitation' });
    return { step: 'set-password', state: { purpose: 'activate', ...opened } };
  },
  steps: { 'set-password': setPassword, 'verify-email': verifyEmail, 'mfa-prompt': mfaPrompt, 'choose-account': chooseAccount, ...setupSteps },
};

/**
 * Forgot password, from the mailed link: the second factor first, when the
 * person has one (a mailbox alone never gets past 2FA), then `set-password`,
 * which spends the link, ends every other session and signs in.
 */
export const resetFlow: LoginFlow = {
  kind: 'reset',
  map: LOGIN_MAP,
  start: linkToken,
  locale: (state) => state.locale,
  async initial(app, input) {
    const opened = await openLink(app, { token: String(input.token), purpose: 'password-reset' });
    const state: Authenticated & { linkTokenHash: string } = { purpose: 'reset', ...opened, amr: ['pwd'] };
    const methods = await secondFactorMethods(app, opened.userId);
    if (methods.length === 0) return { step: 'set-password', state };
    return secondFactorStep(app, state, methods);
  },
  steps: { 'second-factor': secondFactor, 'recovery-requested': recoveryRequested, 'set-password': setPassword, 'mfa-prompt': mfaPrompt, 'choose-account': chooseAccount, ...setupSteps },
};

/**
 * "Lost access to your phone?", the public form: `recovery-request` ->
 * `recovery-requested`, the same answer for every address. Starts sealed, so
 * opening the page stores nothing.
 */
export const recoveryRequestFlow: LoginFlow = {
  kind: 'recovery-request',
  map: LOGIN_MAP,
  sealedStart: true,
  async initial(app) {
    if (!app.config.recoveryRequests) throw new ApiError('action_not_allowed');
    return { step: 'recovery-request', state: {} };
  },
  steps: { 'recovery-request': recoveryRequest, 'recovery-requested': recoveryRequested },
};

/**
 * From the link mailed when a recovery request was approved: `password` (the
 * link's account, no other address, no reset) -> `method-choice` (reason
 * `recovered`) -> set-up -> (`method-choice` for a backup) ->
 * `recovery-code` -> `done`. The link is spent when the new factor replaces
 * the lost ones; until then it may be opened again.
 */
export const recoverFlow: LoginFlow = {
  kind: 'recover',
  map: LOGIN_MAP,
  start: linkToken,
  locale: (state) => state.locale,
  async initial(app, input) {
    const opened = await openLink(app, { token: String(input.token), purpose: 'account-recovery' });
    return { step: 'password', state: { purpose: 'recover', ...opened } };
  },
  steps: { password, 'mfa-prompt': mfaPrompt, 'choose-account': chooseAccount, ...setupSteps },
};

/** The person and session an account-page flow starts from. */
async function accountState(app: AppContext, session: SessionRecord, purpose: 'reauth' | 'enroll'): Promise<Authenticated> {
  const user = await app.db.selectFrom('users').select(['email']).where('id', '=', session.userId).executeTakeFirstOrThrow();
  return { purpose, sessionId: session.id, sessionTokenHash: session.tokenHash, userId: session.userId, email: user.email, amr: session.amr };
}

/** Every action of an account-page flow needs its session still live: a revoked session's flow is dead at once. */
async function guardSession(app: AppContext, state: { email?: string; userId?: string; sessionId?: string; sessionTokenHash?: string }): Promise<void> {
  if (!state.userId) throw new ApiError('unauthenticated');
  await liveSession(app, { userId: state.userId, sessionId: state.sessionId, sessionTokenHash: state.sessionTokenHash }, app.now());
}

/** The session an account-page flow is started in (the route refuses to start one without). */
function required(session: SessionRecord | undefined): SessionRecord {
  if (!session) throw new ApiError('unauthenticated');
  return session;
}

/**
 * Re-authentication on the account page (OWASP ASVS 5.0 V7.5.1, seed 003 step
 * 4: "the login screen will reappear; enter your password again"): `password`
 * (or a passkey) -> (`second-factor`) -> `done` with the same session under a
 * new token (OWASP ASVS 5.0 V7.2.4), now allowed to change sign-in methods for
 * `REAUTH_MINUTES`. A single sign-on session confirms at its company's
 * provider instead (`sso`).
 */
export const reauthFlow: LoginFlow = {
  kind: 'reauth',
  map: LOGIN_MAP,
  authenticated: true,
  start: sessionStart,
  guard: guardSession,
  async initial(app, _input, started) {
    const session = required(started);
    const state = await accountState(app, session, 'reauth');
    // Single sign-on: the company's provider confirms it is the person, with a fresh sign-in there.
    if (session.provider) {
      const connection = session.ssoOrganizationId ? await connectionOf(app, session.ssoOrganizationId) : undefined;
      if (!connection) throw new ApiError('sso_required');
      return ssoStep({ app, state, request: { ip: '', userAgent: null }, now: app.now() }, state, connection);
    }
    const { needsSecondFactor } = await freshness(app, session);
    return { step: 'password', state: await offerPasskey(app, { ...state, mfaFresh: !needsSecondFactor }, session.userId) };
  },
  steps: { password, sso, 'second-factor': secondFactor },
};

/**
 * Adds a second factor from the account page with the login's own set-up
 * steps: `totp-setup`, `passkey-setup`, `approver-setup` or `sms-setup` -> (`recovery-code`
 * when it is the first factor) -> `done`. No choice of method and no backup
 * offer: the page lists the methods and adds each on its own. Needs a recent
 * (re-)authentication; an SMS number only backs up an app or a passkey there.
 */
function enrolmentFlow(kind: AccountEnrolment): LoginFlow {
  return {
    kind,
    map: LOGIN_MAP,
    authenticated: true,
    start: sessionStart,
    guard: guardSession,
    async initial(app, _input, started) {
      const session = required(started);
      // Single sign-on: the company's provider holds the person's factors, not this platform.
      if (session.provider) throw new ApiError('sso_required');
      if ((await freshness(app, session)).until === null) throw new ApiError('reauthentication_required');
      const state = await accountState(app, session, 'enroll');
      const now = app.now();
      if (kind === 'enroll-sms') {
        if (!smsAvailable(app) || !(await hasSecondFactorBesideSms(app.db, session.userId))) throw new ApiError('action_not_allowed');
        return { step: 'sms-setup', state };
      }
      if (kind === 'enroll-totp') return startSetup({ app, state, request: { ip: '', userAgent: null }, now }, { reason: 'enable' });
      if (kind === 'enroll-approver') {
        if (!app.config.approver) throw new ApiError('action_not_allowed');
        return startApproverSetup({ app, state, request: { ip: '', userAgent: null }, now }, { reason: 'enable' });
      }
      if (!app.config.passkeys) throw new ApiError('action_not_allowed');
      return { step: 'passkey-setup', state: { ...state, setup: { reason: 'enable' }, ...(await offerPasskeyCreation(app, session.userId)) } };
    },
    steps: kind === 'enroll-sms' ? { 'sms-setup': smsSetup } : setupSteps,
  };
}

/** Every kind of flow `POST /api/flows/{kind}` starts, by kind. */
export const flowDefinitions: ReadonlyMap<string, LoginFlow> = new Map(
  [loginFlow, activationFlow, resetFlow, reauthFlow, recoveryRequestFlow, recoverFlow, ...(['enroll-totp', 'enroll-passkey', 'enroll-sms', 'enroll-approver'] as const).map(enrolmentFlow)].map((flow) => [flow.kind, flow]),
);

