/*
 * The JSON the account routes accept and answer, for the routes themselves
 * (each answer is checked with `satisfies`) and for the browser's account page
 * (`components/account-security/api.ts`, `import type`): one definition, so the
 * client cannot drift from the server. Types only: nothing here runs, and a
 * component importing it pulls no server code into the widget.
 */
import type { CompanyAccount, PasswordPolicyView, SessionProvider } from '../flows/protocol.js';
import type { Approver, Passkey, RememberedDevice } from '../shapes.js';

export type { AccountSwitch, CompanyAccount, PasswordPolicyView, SessionAccounts, SessionProvider } from '../flows/protocol.js';
export type { Approver, Passkey, RememberedDevice } from '../shapes.js';

/** A second factor's dates: epoch milliseconds; `lastUsedAt` null until first used. */
interface FactorDates {
  createdAt: number;
  lastUsedAt: number | null;
}

/** `GET /api/account`: the signed-in person, their session, their sign-in methods and what the server offers. */
export interface AccountOverview {
  user: { id: string; email: string; name: string };
  session: {
    id: string;
    amr: string[];
    createdAt: number;
    /** Until when changes need no new sign-in (epoch ms); null when they need one now. */
    reauthUntil: number | null;
    needsSecondFactor: boolean;
  };
  /**
   * Single sign-on: the company's identity provider signed this session in.
   * The company manages the password and two-step verification there, so the
   * page does not offer them.
   */
  provider?: SessionProvider;
  /** The company account the session works in, when the person has any. */
  account?: CompanyAccount;
  mfa: {
    enabled: boolean;
    /** 2FA is required now: the last second factor cannot be removed, nor 2FA turned off. */
    required: boolean;
    /** ISO date (YYYY-MM-DD) from which 2FA is required, if one is set. */
    requiredFrom: string | null;
    totp: ({ id: string; name: string } & FactorDates)[];
    /** `phone` is masked by the server. */
    sms: ({ id: string; phone: string } & FactorDates) | null;
    passkeys: Passkey[];
    /** Phones that approve sign-ins; each is removed with `DELETE /api/account/factors/{id}`, like an app or a number. */
    approvers: Approver[];
    recoveryCode: { createdAt: number } | null;
  };
  /** `approver`: phones can be set up to approve sign-ins (`enroll-approver`). */
  features: { passkeys: boolean; sms: boolean; approver: boolean };
  policy: PasswordPolicyView;
}

/** A live session of the person, as `GET /api/account/sessions` lists it. */
export interface AccountSession {
  id: string;
  /** The session that asked. */
  current: boolean;
  userAgent: string | null;
  ip: string | null;
  createdAt: number;
  lastSeenAt: number;
  amr: string[];
}

/** `GET /api/account/sessions`: most recently active first. */
export interface AccountSessions {
  sessions: AccountSession[];
}

/** `POST /api/account/password`. */
export interface PasswordChange {
  current: string;
  password: string;
  /** End every other session too (OWASP ASVS 5.0 V7.4.3). */
  signOutOthers?: boolean;
}

/** `POST /api/account/password` and `POST /api/account/sessions/sign-out-others`: how many other sessions ended. */
export interface SignedOut {
  signedOut: number;
}

/** `POST /api/account/recovery-code`: the new code, shown once; the previous one no longer works. */
export interface NewRecoveryCode {
  code: string;
}

/** `GET /api/passkeys`, and `PATCH /api/passkeys/{id}`: the person's passkeys, oldest first. */
export interface Passkeys {
  passkeys: Passkey[];
}

/** `PATCH /api/passkeys/{id}`. */
export interface PasskeyRename {
  name: string;
}

/** `GET /api/devices`: the remembered devices still in force, newest first. */
export interface RememberedDevices {
  devices: RememberedDevice[];
}

/** `POST /api/session/account`: the membership id of the account to work in. */
export interface AccountChoice {
  account: string;
}
