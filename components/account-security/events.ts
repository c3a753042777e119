import type { AccountSwitch, ErrorCode } from '../../server/flows/protocol.js';
import type { ClientErrorCode } from '../lib/events.js';

/*
 * The events <account-security> dispatches, in the style of lib/events.ts:
 * typed, bubbling and composed. They live beside the element, not in
 * lib/events.ts, so a login-only page does not download them.
 */

/** What changed on the account page. */
export type AccountSecurityChangeKind =
  | 'password'
  | 'factor-added'
  | 'factor-removed'
  | 'recovery-code'
  | 'mfa-disabled'
  | 'passkey-renamed'
  | 'passkey-removed'
  | 'session-revoked'
  | 'device-forgotten'
  /** A re-authentication gave the session a new token (`token`); the old one no longer works. */
  | 'session-renewed';

/** The parts of the page, each with its own errors. */
export type AccountSection = 'password' | 'mfa' | 'passkeys' | 'sessions' | 'devices';

/** Fired after a change to the person's sign-in security went through. */
export class AccountSecurityChangeEvent extends Event {
  static readonly type = 'account-security-change';
  constructor(
    readonly kind: AccountSecurityChangeKind,
    /**
     * With `session-renewed` on a page given a `token`: the session's new token
     * (OWASP ASVS 5.0 V7.2.4). A host that keeps the token replaces its copy,
     * and gives it to its other elements. A cookie host gets a new cookie instead.
     */
    readonly token?: string,
  ) {
    super(AccountSecurityChangeEvent.type, { bubbles: true, composed: true });
  }
}

/** Fired when loading or a change fails; `code` is a catalogue code (or a client one such as `network_error`). */
export class AccountSecurityErrorEvent extends Event {
  static readonly type = 'account-security-error';
  constructor(
    readonly code: ErrorCode | ClientErrorCode,
    readonly section: AccountSection | undefined,
  ) {
    super(AccountSecurityErrorEvent.type, { bubbles: true, composed: true });
  }
}

/** Fired by `<company-switch>` once the session works in another company: the account, and the fresh JWT that says so (`org`). */
export class CompanySwitchChangeEvent extends Event {
  static readonly type = 'company-switch-change';
  constructor(readonly detail: AccountSwitch) {
    super(CompanySwitchChangeEvent.type, { bubbles: true, composed: true });
  }
}

/** Fired by `<company-switch>` when loading the accounts or a switch fails; `code` is a catalogue code (or `network_error`). */
export class CompanySwitchErrorEvent extends Event {
  static readonly type = 'company-switch-error';
  constructor(readonly code: ErrorCode | ClientErrorCode) {
    super(CompanySwitchErrorEvent.type, { bubbles: true, composed: true });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'account-security-change': AccountSecurityChangeEvent;
    'account-security-error': AccountSecurityErrorEvent;
    'company-switch-change': CompanySwitchChangeEvent;
    'company-switch-error': CompanySwitchErrorEvent;
  }
}
