import type { ErrorCode, FlowState, SessionGrant, StepName } from '../../server/flows/protocol.js';

/*
 * The events <login-flow> dispatches. Each bubbles and is composed, so a host
 * can listen on any ancestor, even across shadow roots.
 */

/** Fired when `<login-flow>` shows a new step. */
export class LoginFlowStepChangeEvent extends Event {
  static readonly type = 'lf-step-change';
  constructor(
    readonly step: StepName,
    readonly previous: StepName | undefined,
  ) {
    super(LoginFlowStepChangeEvent.type, { bubbles: true, composed: true });
  }
}

/** Fired once the person is signed in; carries the session grant (user, JWT, expiry). */
export class LoginFlowSuccessEvent extends Event {
  static readonly type = 'lf-success';
  /**
   * `passkeyOffer`: the widget may now ask "sign in with your fingerprint or
   * face next time?" under its "signed in"; a host that hides the widget at
   * once can wait for `lf-passkey-offer`, which says when that is over.
   */
  constructor(
    readonly session: SessionGrant,
    readonly passkeyOffer = false,
  ) {
    super(LoginFlowSuccessEvent.type, { bubbles: true, composed: true });
  }
}

/** Fired when the person picks a language with the switch (`language-switch`); `locale` is its code, e.g. `nl`. */
export class LoginFlowLanguageChangeEvent extends Event {
  static readonly type = 'lf-language-change';
  constructor(readonly locale: string) {
    super(LoginFlowLanguageChangeEvent.type, { bubbles: true, composed: true });
  }
}

/**
 * Why a passkey ceremony in this browser failed: the person cancelled it or it
 * timed out (or the device holds no matching passkey: browsers report all three
 * alike, on purpose), the device already holds a passkey the server excluded,
 * the browser has no WebAuthn, or anything else.
 */
export type PasskeyErrorCode = 'passkey_cancelled' | 'passkey_exists' | 'passkey_unsupported' | 'passkey_error';

/** The recovery request form's own checks: its words come with the recovery chunk (steps/recovery/recovery-messages.ts). */
export type RecoveryFormErrorCode = 'note_required' | 'note_too_long';

/** Codes the widget raises itself, beside the server's catalogue. */
export type ClientErrorCode = 'network_error' | 'email_required' | 'password_required' | 'code_required' | 'confirmation_required' | PasskeyErrorCode | RecoveryFormErrorCode;

/** Fired when an action fails; `code` is a catalogue code (or a client one such as `network_error`). */
export class LoginFlowErrorEvent extends Event {
  static readonly type = 'lf-error';
  constructor(
    readonly code: ErrorCode | ClientErrorCode,
    readonly step: StepName | undefined,
  ) {
    super(LoginFlowErrorEvent.type, { bubbles: true, composed: true });
  }
}

/**
 * A step's one intent: "perform this action with this body". Steps dispatch
 * it; only `<login-flow>` handles it (and stops it there).
 *
 * With `passkey` set, the action needs a WebAuthn ceremony first. Steps never
 * call WebAuthn themselves: `<login-flow>` runs the ceremony through its
 * `PasskeyController` with the options in the step's data (a registration at
 * `passkey-setup`, a sign-in with `data.passkey.options` elsewhere), then posts
 * the action with the ceremony's result added to the body as `response`. A
 * failed ceremony comes back to the step as its `error` (a `passkey_*` code);
 * an aborted one comes back as nothing at all.
 */
export class StepIntentEvent extends Event {
  static readonly type = 'lf-intent';
  constructor(
    readonly action: FlowState['actions'][number],
    readonly body: Record<string, unknown> = {},
    readonly passkey = false,
  ) {
    super(StepIntentEvent.type, { bubbles: true, composed: false });
  }
}

/**
 * Fired when the offer of a passkey for next time is over: `added`, `later`
 * ("Not now"), `never` ("Don't ask again"), `failed`, or `skipped` (not
 * asked: no fingerprint, face or screen lock on this device, or declined
 * for good before).
 */
export class LoginFlowPasskeyOfferEvent extends Event {
  static readonly type = 'lf-passkey-offer';
  constructor(readonly outcome: 'added' | 'later' | 'never' | 'failed' | 'skipped') {
    super(LoginFlowPasskeyOfferEvent.type, { bubbles: true, composed: true });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'lf-passkey-offer': LoginFlowPasskeyOfferEvent;
    'lf-step-change': LoginFlowStepChangeEvent;
    'lf-success': LoginFlowSuccessEvent;
    'lf-error': LoginFlowErrorEvent;
    'lf-language-change': LoginFlowLanguageChangeEvent;
    'lf-intent': StepIntentEvent;
  }
}
