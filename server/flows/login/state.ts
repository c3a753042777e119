/*
 * The state a sign-in flow stores between requests, narrowed by phase: who
 * is known, what has been proved, what is being set up. Each step declares
 * the phase it runs in (`LoginStates`), so a step reads `userId` or `setup`
 * only where the flow has them. Field names are those of the stored JSON:
 * flows parked before an upgrade keep working after it.
 */
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { PendingAuthorization } from '../../companies/oidc.js';
import type { PendingCode } from '../../factors/one-time-code.js';
import { action as defineAction, type ActionContext, type ActionDefinition, type StepDefinition, type Transition, type TransitionTo } from '../engine.js';
import type { CompanyAccount, SecondFactorMethod, SetupMethod, SetupReason } from '../protocol.js';

/**
 * Why the flow runs: sign-in (unset), activation from an invitation, a
 * password reset, the account page, or new factors from an approved recovery
 * request's link.
 */
export type Purpose = 'activate' | 'reset' | 'reauth' | 'enroll' | 'recover';

/** RFC 8176 method references passed so far, e.g. `['pwd']`, `['pwd', 'otp', 'mfa']`. */
export type Amr = string[];

/** What the flow kind adds, set when it starts and kept to the end. */
interface FlowFacts {
  purpose?: Purpose;
  /** Account page: the session the flow runs in; it ends with that session, not a new one. */
  sessionId?: string;
  /**
   * Account page: the SHA-256 of the token the flow was opened with. The flow
   * lives as long as that token: a re-authentication that replaces it ends
   * every other flow opened with it.
   */
  sessionTokenHash?: string;
  /** Re-authentication: the session's second factor is recent enough not to ask it again. */
  mfaFresh?: boolean;
  /**
   * The emailed link that opened an activation, reset or recovery flow, by
   * hash; spent when the new password is set (activation, reset) or when the
   * new factor replaces the lost ones (recovery).
   */
  linkTokenHash?: string;
  /** Reset: the new password is set, the flow may complete. */
  passwordSet?: boolean;
  /** Activation and reset: the language of the person's record (the emailed link's), told to the widget. */
  locale?: 'en' | 'nl';
}

/** A passkey sign-in ceremony this step offers; replaced after every attempt, so its challenge is single use. */
interface Ceremony {
  passkeyRequest?: PublicKeyCredentialRequestOptionsJSON;
  /** When the current ceremony's challenge was issued: it lives five minutes. */
  ceremonyIssuedAt?: number;
}

/** Before the address: nobody is known. */
export interface Anonymous extends FlowFacts, Ceremony {
  email?: string;
}

/** The address is known (not yet whether it has an account); on the account page, the person too. */
export interface Identified extends FlowFacts, Ceremony {
  email: string;
  userId?: string;
}

/**
 * The person is known: from their first factor, an emailed link, or the
 * session of the account page; with what the sign-in carries to its end.
 */
export interface Person extends Identified {
  userId: string;
  amr?: Amr;
  /** Remember this device when the flow completes. */
  remember?: boolean;
  /** End date carried over when a remembered-device token is rotated. */
  deviceExpiresAt?: number;
  /** A recovery code was spent: the old factors are replaced once set-up completes, not before. */
  recovered?: boolean;
  /** The new recovery code, sealed, until the person confirms they saved it. */
  sealedRecoveryCode?: string;
  /** Single sign-on done: the company whose provider signed the person in, its issuer and its name. */
  provider?: { organizationId: string; issuer: string; name: string };
  /** The company accounts offered at `choose-account`. */
  accounts?: CompanyAccount[];
  /** The account chosen (null: the person has none); unset until known. */
  membershipId?: string | null;
}

/** The person passed their first factor (or the step that stands for it). */
export interface Authenticated extends Person {
  amr: Amr;
}

/**
 * Why 2FA set-up is shown, and whether the method being set up is the backup
 * beside the first; kept from `method-choice` through the set-up step it
 * chose, so `back` returns to the same choice.
 */
export interface SetupIntent {
  reason: SetupReason;
  /** The first method is confirmed; this one is its backup. */
  backup?: boolean;
  /** The date 2FA is required from, for this person, when the flow knows it. */
  requiredFrom?: string | null;
}

/** Authenticator set-up in progress: the pending credential and its secret, sealed. */
export interface Setup extends SetupIntent {
  credentialId: string;
  sealedSecret: string;
}

/** A second factor being chosen or set up. */
export interface SettingUp extends Authenticated {
  /** Flows parked before the method choice may still hold a pending authenticator here. */
  setup: SetupIntent & { credentialId?: string };
  /** The passkey registration ceremony at `passkey-setup`; replaced after every attempt. */
  passkeyCreation?: PublicKeyCredentialCreationOptionsJSON;
}

/** The company whose provider signs this address in, and the authorization request under way (none when the provider could not be reached). */
export interface SsoState {
  organizationId: string;
  provider: string;
  url?: string;
  request?: PendingAuthorization;
}

/** Each step's state. */
export interface LoginStates {
  email: Anonymous;
  password: Identified;
  sso: Identified & { sso: SsoState };
  'reset-sent': Identified;
  'choose-account': Authenticated & { accounts: CompanyAccount[] };
  'second-factor': Authenticated & {
    /** Second factors offered. */
    methods: SecondFactorMethod[];
    /** The person's SMS number, masked. */
    maskedPhone?: string;
    /** The code texted at this step. */
    smsCode?: PendingCode;
    /** The request sent to the person's phones at this step (the approver). */
    approval?: PendingApproval;
    /** Recovery requests are offered here; true when one of the person's companies asks for an employee number with one. */
    recoveryEmployeeNumber?: boolean;
  };
  'recovery-request': Anonymous;
  'recovery-requested': Identified;
  'mfa-prompt': Authenticated & { /** The date 2FA is required from, for this person. */ requiredFrom?: string | null };
  'method-choice': Authenticated & { setup: SetupIntent; /** The methods offered, in order. */ methods: SetupMethod[] };
  'totp-setup': Authenticated & { setup: Setup };
  'passkey-setup': SettingUp & { passkeyCreation: PublicKeyCredentialCreationOptionsJSON };
  'set-password': Person & { linkTokenHash: string };
  'verify-email': Authenticated & { /** The code mailed to confirm the address. */ emailCode: PendingCode };
  'sms-setup': Authenticated & {
    /** Why the number is set up (unset on the account page, where it is a backup). */
    setup?: SetupIntent;
    /** The number (sealed) and the code texted to it. */
    smsSetup?: { sealedPhone: string; code: PendingCode };
  };
  'recovery-code': Authenticated & { sealedRecoveryCode: string };
  'approver-setup': Authenticated & { setup: SetupIntent; approverSetup: ApproverSetup };
}

/** A sign-in request sent to the person's phones: its id (never shown to the browser), the number on the screen, its end. */
export interface PendingApproval {
  requestId: string;
  number: string;
  expiresAt: number;
}

/** The approver's set-up link shown as a QR code: its URL sealed (it holds the one-time token), the token's hash, its end. */
export interface ApproverSetup {
  sealedUrl: string;
  enrolment: string;
  expiresAt: number;
}

export type LoginStep = keyof LoginStates;
export type Move = Transition<LoginStates>;
/** A move to a given step, e.g. `MoveTo<'second-factor'>`. */
export type MoveTo<K extends LoginStep> = TransitionTo<LoginStates>[K];
export type Context<S> = ActionContext<S>;
export type LoginStepDefinition<K extends LoginStep> = StepDefinition<LoginStates, K>;

/** Declares an action of a sign-in step; keeps its input type tied to its schema. */
export function action<S, I>(definition: ActionDefinition<LoginStates, S, I>): ActionDefinition<LoginStates, S, I> {
  return defineAction(definition);
}
