/*
 * The flow protocol: what the API sends and the widget renders. Components
 * import these types (type-only), so this file imports nothing at run time.
 */
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { AdminErrorCode, CompanyErrorCode, ErrorBody, ErrorCode } from '../errors.js';
// From shapes.ts, not the modules that keep them: the widget's declarations must not reach Node's types.
import type { CompanyAccount, PasswordRule, QrCode, SecondFactorMethod, SessionProvider } from '../shapes.js';

export type { AdminErrorCode, CompanyAccount, CompanyErrorCode, ErrorBody, ErrorCode, PasswordRule, QrCode, SecondFactorMethod, SessionProvider };
export type { AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON };

/**
 * Options for a passkey sign-in ceremony (`navigator.credentials.get`), made
 * for this flow: the challenge is single use and lives five minutes. At the
 * `email` step they serve passkey autofill (conditional mediation); at
 * `password` a "sign in with a passkey" button; both list no credentials
 * (discoverable passkeys), so they reveal nothing about the account. At
 * `second-factor` they list the person's passkeys. Body of the `passkey`
 * action: `{ response }`, the ceremony's AuthenticationResponseJSON.
 */
export interface PasskeyRequest {
  options: PublicKeyCredentialRequestOptionsJSON;
}

/**
 * The kinds of flow `POST /api/flows/{kind}` starts. `activate` and `reset`
 * open from an emailed link: their start body is `{ token }`, the link's
 * token, and an unknown, used or expired one is refused with
 * `invitation_invalid` or `reset_link_invalid` (410).
 *
 * The account page's flows run inside a session (the cookie, a bearer token,
 * or `{ token }` in the start body) and end at `done` with that same session,
 * never a new one: `reauth` confirms it is still the person (password or
 * passkey, and the second factor when the session's is old; for a single
 * sign-on session, the `sso` step with a fresh sign-in at the provider), and
 * `enroll-totp`, `enroll-passkey` and `enroll-sms` add a second factor, which
 * needs a recent (re-)authentication (403 `reauthentication_required`).
 *
 * `recovery-request` is the public "lost access to your phone?" page: one
 * form (`recovery-request`), then `recovery-requested`, the same for every
 * address. `recover` opens from the link mailed when an administrator
 * approved a recovery request (start body `{ token }`, refused with
 * `recovery_link_invalid`, 410): `password` -> `method-choice` (reason
 * `recovered`) -> set-up -> `recovery-code` -> `done`; the lost methods are
 * replaced when set-up completes.
 */
export type FlowKind = 'login' | 'activate' | 'reset' | 'reauth' | 'recovery-request' | 'recover' | AccountEnrolment;

/** The account page's flows that add a second factor. */
export type AccountEnrolment = 'enroll-totp' | 'enroll-passkey' | 'enroll-sms' | 'enroll-approver';

/** The password rules to show as a live checklist while a new password is typed. */
export interface PasswordPolicyView {
  /**
   * The rules of the policy, in the order to list them; `not_common`, `not_guessable`, `not_email` and
   * `not_context` are checked by the server only. Every policy also refuses control characters
   * (`no_control`), which it does not list.
   */
  rules: PasswordRule[];
  minLength: number;
  maxLength: number;
}

/** Who signed in, as the host page sees them. */
export interface SessionUser {
  id: string;
  email: string;
  name: string;
}

/** `GET /api/session/accounts`: the company accounts this session can switch to, the current one marked. */
export interface SessionAccounts {
  accounts: (CompanyAccount & { current: boolean })[];
}

/** `POST /api/session/account` `{ account }`: the session now works in that account; a fresh JWT says so (`org`). */
export interface AccountSwitch {
  account: CompanyAccount;
  jwt: { token: string; expiresAt: number };
}

/** What the `done` step hands to the host page. */
export interface SessionGrant {
  user: SessionUser;
  /**
   * The opaque session token, new at every sign-in and re-authentication (the
   * one it replaces no longer works; an enrolment keeps it); present only when
   * the API does not keep it in an HttpOnly cookie.
   */
  token?: string;
  /** A short-lived ES256 JWT; verify it against `/.well-known/jwks.json`. */
  jwt: string;
  /** Epoch milliseconds. */
  jwtExpiresAt: number;
  /** Absolute end of the session, epoch milliseconds. */
  expiresAt: number;
  /** End of the session if it stays idle, epoch milliseconds. */
  idleExpiresAt: number;
  /** RFC 8176 authentication method references, e.g. `["pwd"]`, `["pwd", "otp", "mfa"]`. */
  amr: string[];
  /** The company account the session works in, when the person has one or more (the JWT's `org` claim names its company). */
  account?: CompanyAccount;
  /** Single sign-on: the company's identity provider signed the person in (the JWT's `idp` claim is its issuer). */
  provider?: SessionProvider;
  /**
   * A "remember this device" token, present only when the person asked for it
   * and the API does not keep it in an HttpOnly cookie. The widget stores it
   * and sends it back with the next password.
   */
  deviceToken?: string;
}


/** Why 2FA set-up is shown: the person chose it, policy requires it, or a recovery code was just used. */
export type SetupReason = 'enable' | 'required' | 'recovered';

/**
 * A second factor the person may set up: a passkey (face ID, fingerprint,
 * security key), the approver on their phone (push approval with number
 * matching), an authenticator app, or a phone for texted codes.
 */
export type SetupMethod = 'totp' | 'passkey' | 'approver' | 'sms';

/**
 * A push approval in progress at `second-factor`: "Check your phone" and
 * the `number` to pick there. `expiresAt` (epoch ms) ends it; after that,
 * `send-approval` sends a new one.
 */
export interface ApprovalPending {
  number: string;
  expiresAt: number;
}

/** Each step's name, the data it renders and the actions it accepts. */
export interface StepMap {
  /**
   * The address belongs to a company that signs its people in through its own
   * OpenID Connect provider (`provider`, its name). Store the flow's id, send
   * the browser to `url` (the provider's authorization endpoint), and when it
   * comes back to the page with `state` and `code` (or `error`) in its query,
   * post `callback` `{ params }` with the query string as it came (`?state=…`)
   * to the flow of the stored id, then take the query out of the address bar.
   * A refusal (`sso_cancelled`, `sso_failed`, `sso_email_mismatch`, …) stays at
   * this step with a fresh `url`. Without `url` the provider could not be
   * reached (`sso_unavailable`): `retry` asks it again. `back` returns to the
   * email step. A passkey sign-in by such an address also lands here
   * (`sso_required`): the company's provider is its people's only way in.
   */
  sso: { data: { email: string; provider: string; url?: string }; actions: 'callback' | 'back' | 'retry' };
  /**
   * The person holds accounts at several companies: choose the one to work in,
   * last used first. Body of `choose`: `{ account }`, one of `accounts`' ids.
   * Switching later needs no new sign-in (`POST /api/session/account`).
   */
  'choose-account': { data: { accounts: CompanyAccount[] }; actions: 'choose' };
  /** `passkey` is present when passkeys are on: run conditional mediation (autofill) with it. */
  email: { data: { email?: string; passkey?: PasskeyRequest }; actions: 'email' | 'passkey' };
  /**
   * Body of `password`: `{ password, device? }`, `device` being a stored
   * remember-device token. `passkey` offers passwordless sign-in instead.
   */
  password: { data: { email: string; passkey?: PasskeyRequest }; actions: 'password' | 'back' | 'passkey' | 'forgot' };
  /**
   * After `forgot` at the password step: "if an account exists for this
   * address, we sent a link to set a new password". The same for every
   * address, known or not. `back` returns to the password step.
   */
  'reset-sent': { data: { email: string; minutes: number }; actions: 'back' };
  /**
   * A new password: at activation (`purpose: 'activate'`, the first password)
   * or from a reset link (`'reset'`, after the second factor). Body of
   * `password`: `{ password }`. A refusal is `password_policy` with
   * `details.rules`, the rules the password breaks.
   */
  'set-password': { data: { email: string; purpose: 'activate' | 'reset'; policy: PasswordPolicyView }; actions: 'password' };
  /**
   * Confirm the email address with the 6-digit code just mailed to it. Body
   * of `code`: `{ code }`. `resend` mails a new code (the old one dies; the
   * failure count does not reset). `email` is the address, shown in full: the
   * person proved it is theirs by opening the link or by their password.
   */
  'verify-email': { data: { email: string; codeLength: number }; actions: 'code' | 'resend' };
  /**
   * A phone number for texted codes: the method chosen at `method-choice`
   * (the first one, or the backup), or the account page's backup number.
   * Body of `phone`: `{ phone }` (international or national format;
   * `defaultCountry` is assumed for national numbers; a number that is not a
   * possible number of its region is refused with `invalid_phone`); the
   * server texts a code and the step shows `sentTo` (masked). Then `code`
   * `{ code }` confirms the number. `change-number` forgets the number
   * entered. `back` returns to `method-choice`, forgetting it too (not on the
   * account page, which closes its own panel).
   */
  'sms-setup': {
    data: { defaultCountry: string; sentTo?: string; codeLength: number };
    actions: 'phone' | 'code' | 'change-number' | 'back';
  };
  /**
   * The second factor. Bodies: `totp` `{ code, remember? }`, `recovery-code`
   * `{ code, remember? }`, `sms` `{ code, remember? }`. `rememberDays` is null
   * when remembering devices is off. With `sms` among the methods, `send-sms`
   * `{}` texts a code to the number shown masked in `phone`; `smsSent` says
   * one was sent in this flow.
   *
   * With `approver` among the methods (listed first: one tap on the phone),
   * `send-approval` `{}` sends a sign-in request to every phone the person
   * enrolled and answers with `approval`: show "Check your phone" and its
   * two-digit `number`. Then wait with `GET /api/flows/-/wait` (the flow id
   * in `X-Flow-Id`; it answers `{ ready }` within 25 s, `ready: true` once
   * the phone decided or the request expired) and post `approval`
   * `{ remember? }`: approved, it signs in; `approval_pending` (409) while no
   * decision was made; `approval_denied` when the person chose "This wasn't
   * me" or picked another number (a failed factor either way; said once, the
   * request then leaves the flow); `approval_expired` when the phone did not
   * answer within two minutes, or the phone that approved was removed since.
   * A new `send-approval` ends a request still waiting, and passing the
   * second factor another way ends it too. Pushes are limited per account
   * (`rate_limited` with `retryAfter`).
   */
  'second-factor': {
    data: {
      methods: SecondFactorMethod[];
      rememberDays: number | null;
      passkey?: PasskeyRequest;
      phone?: string;
      smsSent?: boolean;
      /** With `approver` among the methods: the request sent to the person's phones, once `send-approval` sent one. */
      approval?: ApprovalPending;
      /**
       * Recovery requests are open to this person ("Lost access to your
       * phone?"): `employeeNumber` says whether their company asks for an
       * employee number with the request. Absent on the account page, and
       * in a password reset (its link proves the mailbox, not the password).
       */
      recoveryRequest?: { employeeNumber: boolean };
    };
    actions: 'totp' | 'recovery-code' | 'passkey' | 'sms' | 'send-sms' | 'send-approval' | 'approval' | 'request-recovery';
  };
  /**
   * The public recovery-request form: `email` (prefilled when known), a note
   * for the person's administrator and, where their employer gave them one,
   * an employee number. Body of `request`: `{ email, note, employeeNumber? }`
   * (note 1 to 1000 characters, employee number at most 64). It always goes
   * on to `recovery-requested`, whether or not an account exists.
   */
  'recovery-request': { data: { email?: string }; actions: 'request' };
  /**
   * "If an account exists for this address, your request was sent to your
   * administrator; you will get an email once it is decided." The same for
   * every address. Also where `request-recovery` at `second-factor` leads
   * (body `{ note, employeeNumber? }`). `expiresInDays` is how long the
   * request stays open. The flow ends here.
   */
  'recovery-requested': { data: { email: string; expiresInDays: number }; actions: never };
  /**
   * "Add an extra layer of security": enable 2FA now, or later. `requiredFrom`
   * is the ISO date (YYYY-MM-DD) from which 2FA is required, if one is set.
   * `enable` goes to `method-choice`; `remind-later` signs in without 2FA
   * (when it has become required meanwhile, it goes to `method-choice` too).
   */
  'mfa-prompt': { data: { requiredFrom: string | null }; actions: 'enable' | 'remind-later' };
  /**
   * "How do you want to verify it's you?": the second factor to set up.
   * `methods` are the choices, in the order to show them: `passkey` (when
   * passkeys are on; hide it where the browser has no WebAuthn), `totp`,
   * `sms` (when texts can be sent, and as a first method only where
   * `SMS_FIRST_METHOD` allows it). Body of `choose`: `{ method }`, one of
   * `methods`; anything else is refused with `invalid_request`. It leads to
   * `passkey-setup`, `totp-setup` or `sms-setup`.
   *
   * `backup` is false for the first method (`reason` says why set-up is
   * shown). Once that method is confirmed, the step comes again with
   * `backup: true` and the methods the person does not have yet: a second
   * way in for a lost phone; `skip` goes on without one (to the recovery
   * code). `remind-later` is offered only where policy still allows putting
   * 2FA off (`reason: 'enable'`, the first method): as at `mfa-prompt`, it
   * signs in without 2FA. `requiredFrom` is as at `mfa-prompt`.
   */
  'method-choice': {
    data: { methods: SetupMethod[]; backup: boolean; reason: SetupReason; requiredFrom: string | null };
    actions: 'choose' | 'remind-later' | 'skip';
  };
  /**
   * Authenticator-app set-up. `secret` is the base32 key for manual entry
   * (ungrouped); `uri` the otpauth:// URI the QR code encodes. `required`
   * means 2FA cannot be put off; `reason` says why set-up is shown. Body of
   * `totp`: `{ code }`. `back` returns to `method-choice` and discards the
   * key shown (not on the account page, which closes its own panel).
   */
  'totp-setup': {
    data: { qr: QrCode; secret: string; uri: string; issuer: string; account: string; required: boolean; reason: SetupReason };
    actions: 'totp' | 'back';
  };
  /**
   * Registering a passkey (face ID, fingerprint, Windows Hello, security key)
   * as a second factor. Run `navigator.credentials.create` with `options`,
   * then post `register` `{ response, name }` (`name` as the person typed it,
   * defaulting to `suggestedName`). `back` returns to `method-choice` and
   * drops the ceremony (not on the account page, which closes its own panel).
   */
  'passkey-setup': {
    data: { options: PublicKeyCredentialCreationOptionsJSON; suggestedName: string; required: boolean; reason: SetupReason };
    actions: 'register' | 'back';
  };
  /**
   * Setting up the approver on a phone: the phone opens `url` (scan `qr`, its
   * QR code, or follow the link on the phone itself), installs the approver
   * web app and turns it on there. `url` holds a one-time enrolment token
   * that dies at `expiresAt` (epoch ms; `renew` makes a new one). Wait with
   * `GET /api/flows/-/wait` (`ready: true` once a phone enrolled with the
   * link); the phone then shows a 6-digit code, which the person types here:
   * `check` `{ code }` moves on as the other set-ups do. The code proves the
   * phone that enrolled is the one in the person's hand, not one that
   * scanned the QR code over their shoulder: a wrong one is `invalid_code`
   * (a failed attempt of the flow), `approver_pending` (409) while no phone
   * has enrolled. `back` returns to `method-choice` (not on the account page,
   * which closes its own panel).
   */
  'approver-setup': {
    data: { url: string; qr: QrCode; expiresAt: number; required: boolean; reason: SetupReason };
    actions: 'check' | 'renew' | 'back';
  };
  /** The one-time recovery code, shown once. Body of `confirm`: `{ saved: true }`. */
  'recovery-code': { data: { code: string }; actions: 'confirm' };
  /**
   * Signed in. `passkeyOffer` is set after a sign-in with a password by a
   * person with no passkey yet, where passkeys are on: offer "Sign in with your
   * fingerprint or face next time?" (where the browser has a platform
   * authenticator), which adds one with the `enroll-passkey` flow.
   */
  done: { data: { session: SessionGrant; passkeyOffer?: boolean }; actions: never };
}

export type StepName = keyof StepMap;
export type ActionName = StepMap[StepName]['actions'];

interface FlowStateBase {
  /** The flow's secret id (192 random bits); the only handle to it. */
  id: string;
  kind: FlowKind;
  /** Epoch milliseconds after which the flow is gone. */
  expiresAt: number;
  /** Set when the last action failed; the step is the one to show again. */
  error?: ErrorBody;
  /**
   * The language of the person's record, on flows opened from an emailed link
   * (activation, reset), so the page speaks the invitation's language; the
   * widget uses it unless the person chose another.
   */
  locale?: 'en' | 'nl';
}

/** The state of a flow at step `K`: the screen to show, with what, and what may be posted next. */
export type FlowStateOf<K extends StepName> = FlowStateBase & { step: K; data: StepMap[K]['data']; actions: StepMap[K]['actions'][] };

/** Every step's flow state, by step name. */
export type FlowStates = { [K in StepName]: FlowStateOf<K> };

/** The state of a flow: which screen to show, with what, and what may be posted next. */
export type FlowState = FlowStates[StepName];

/** The body of an error response that has no flow to show (unknown, expired or locked flow; bad request). */
export interface ErrorResponse {
  error: ErrorBody & { message: string };
}
