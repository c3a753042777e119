/*
 * The flow protocol: what the API sends and the widget renders. Components
 * import these types (type-only), so this file imports nothing at run time.
 */
import type { ErrorBody, ErrorCode } from '../errors.js';
import type { PasswordRule } from '../factors/password.js';

export type { ErrorBody, ErrorCode, PasswordRule };

/** The kinds of flow `POST /api/flows/{kind}` starts. */
export type FlowKind = 'login';

/** Who signed in, as the host page sees them. */
export interface SessionUser {
  id: string;
  email: string;
  name: string;
}

/** What the `done` step hands to the host page. */
export interface SessionGrant {
  user: SessionUser;
  /** The opaque session token; present only when the API does not keep it in an HttpOnly cookie. */
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
  /**
   * A "remember this device" token, present only when the person asked for it
   * and the API does not keep it in an HttpOnly cookie. The widget stores it
   * and sends it back with the next password.
   */
  deviceToken?: string;
}

/** Second factors a person can use at the `second-factor` step. */
export type SecondFactorMethod = 'totp' | 'recovery_code';

/** A QR code drawn by the server: an SVG path over a square of `size` modules (quiet zone included). */
export interface QrCode {
  size: number;
  /** The `d` attribute of one `<path>` that fills the dark modules. */
  path: string;
}

/** Each step's name, the data it renders and the actions it accepts. */
export interface StepMap {
  email: { data: { email?: string }; actions: 'email' };
  /** Body of `password`: `{ password, device? }`, `device` being a stored remember-device token. */
  password: { data: { email: string }; actions: 'password' | 'back' };
  /**
   * The second factor. Bodies: `totp` `{ code, remember? }`, `recovery-code`
   * `{ code, remember? }`. `rememberDays` is null when remembering devices is off.
   */
  'second-factor': {
    data: { methods: SecondFactorMethod[]; rememberDays: number | null };
    actions: 'totp' | 'recovery-code';
  };
  /**
   * "Add an extra layer of security": enable 2FA now, or later. `requiredFrom`
   * is the ISO date (YYYY-MM-DD) from which 2FA is required, if one is set.
   */
  'mfa-prompt': { data: { requiredFrom: string | null }; actions: 'enable' | 'remind-later' };
  /**
   * Authenticator-app set-up. `secret` is the base32 key for manual entry
   * (ungrouped); `uri` the otpauth:// URI the QR code encodes. `required` means
   * set-up cannot be skipped (no `cancel`); `reason` says why it is shown.
   * Body of `totp`: `{ code }`.
   */
  'totp-setup': {
    data: { qr: QrCode; secret: string; uri: string; issuer: string; account: string; required: boolean; reason: 'enable' | 'required' | 'recovered' };
    actions: 'totp' | 'cancel';
  };
  /** The one-time recovery code, shown once. Body of `confirm`: `{ saved: true }`. */
  'recovery-code': { data: { code: string }; actions: 'confirm' };
  done: { data: { session: SessionGrant }; actions: never };
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
}

/** The state of a flow: which screen to show, with what, and what may be posted next. */
export type FlowState = {
  [S in StepName]: FlowStateBase & { step: S; data: StepMap[S]['data']; actions: StepMap[S]['actions'][] };
}[StepName];

/** The body of an error response that has no flow to show (unknown, expired or locked flow; bad request). */
export interface ErrorResponse {
  error: ErrorBody & { message: string };
}
