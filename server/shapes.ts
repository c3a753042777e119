/*
 * The records of the lower layers that the browser sees, through the flow
 * protocol (flows/protocol.ts) and the account API (routes/types.ts), as
 * plain types that import nothing. The widget's published declarations
 * (`login-flow/elements`, `login-flow/account`) reach these and not the
 * modules that keep the records, whose types need Node's, so a host's type
 * check needs no @types/node. Each owning module re-exports its own.
 */

// Kept by companies/accounts.ts.
/** One of a person's accounts at a company: the membership's id, and the company. */
export interface CompanyAccount {
  /** The membership's id: what `choose` and `POST /api/session/account` take. */
  id: string;
  organizationId: string;
  /** The company's name, as people know it. */
  name: string;
}

// Kept by companies/oidc.ts.
/** The identity provider a single sign-on session came through. */
export interface SessionProvider {
  /** As people know it, e.g. "Microsoft Entra ID". */
  name: string;
  issuer: string;
}

// Kept by factors/methods.ts.
/** A way to pass the second factor, in the order the sign-in offers them. */
export type SecondFactorMethod = 'approver' | 'totp' | 'passkey' | 'sms' | 'recovery_code';

// Kept by factors/totp.ts.
/** A QR code drawn by the server: an SVG path over a square of `size` modules (quiet zone included). */
export interface QrCode {
  size: number;
  /** The `d` attribute of one `<path>` that fills the dark modules. */
  path: string;
}

// Kept by factors/password-policy.ts.
/** Rules a password can break; each is a key in the widget's message catalogue (`rule_<name>`). */
export type PasswordRule =
  | 'min_length'
  | 'max_length'
  | 'digit'
  | 'special'
  | 'upper'
  | 'lower'
  | 'no_angle_brackets'
  | 'not_common'
  | 'not_guessable'
  | 'not_email'
  | 'not_context'
  | 'no_control';

// Kept by factors/passkey.ts.
/** A passkey as its owner sees it on the account page. */
export interface Passkey {
  id: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
  /** "Synced" (backed up, e.g. iCloud Keychain, Google Password Manager) or bound to one device. */
  synced: boolean;
  deviceType: string | null;
}

// Kept by security/devices.ts.
/** A remembered browser, which skips the second factor until `expiresAt` (REMEMBER_DEVICE_DAYS), as its owner sees it on the account page. */
export interface RememberedDevice {
  id: string;
  userAgent: string | null;
  createdAt: number;
  lastUsedAt: number | null;
  expiresAt: number;
}

// Kept by factors/approver.ts.
/** A phone that approves sign-ins (the approver web app at `/approve/`), as its owner sees it on the account page. */
export interface Approver {
  id: string;
  /** As the person named it at enrolment, e.g. "Pixel 8". */
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
  /** `passkey`: approving needs the phone's screen lock (Face ID, fingerprint, PIN); `device`: a key kept in the phone's browser. */
  key: 'passkey' | 'device';
  /** Whether sign-in requests reach it as push notifications (else only while the approver is open). */
  push: boolean;
}
