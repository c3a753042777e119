/*
 * The JSON the API answers with, as zod schemas: the source of the OpenAPI
 * document's response schemas. Where the code already names an answer's type
 * (the flow protocol, the account page's types), a compile-time check at the
 * end of this file holds the schema and the type to each other in both
 * directions, so the document cannot drift from what the routes send.
 */
import type { AuthenticationExtensionsClientInputs } from '@simplewebauthn/server';
import { z } from 'zod';
import type { AuditActor, AuditEntry, AuditEvent } from '../audit.js';
import type { Member, Membership } from '../companies/members.js';
import type { RolloutStats } from '../companies/stats.js';
import type { Organization, RecoverySettings } from '../companies/registry.js';
import type { ApprovalResult, RecoveryRequestDetails, RecoveryRequestSummary } from '../recovery/decisions.js';
import { ERROR_CATALOGUE, type ErrorBody, type ErrorCode } from '../errors.js';
import type { Passkey } from '../factors/passkey.js';
import type { Approver } from '../factors/approver.js';
import type { ApprovalDetails, ApprovalList, ApprovalOutcome, ApproverConfig, EnrolmentResult, EnrolmentStart } from '../approver-protocol.js';
import type {
  AccountSwitch,
  CompanyAccount,
  ErrorResponse,
  FlowKind,
  FlowState,
  PasskeyRequest,
  PasswordPolicyView,
  PasswordRule,
  PublicKeyCredentialCreationOptionsJSON,
  SecondFactorMethod,
  SessionAccounts,
  SessionGrant,
  SessionProvider,
  StepMap,
  StepName,
} from '../flows/protocol.js';
import type { RememberedDevice } from '../security/devices.js';
import type { Invitation, UserDetails, UserSummary } from '../users.js';
import type { ImportReport } from '../import/import.js';
import type { AccountOverview, AccountSessions, NewRecoveryCode, Passkeys, RememberedDevices, SignedOut } from '../routes/types.js';

/** Epoch milliseconds. */
const epochMs = z.number().int().meta({ description: 'Epoch milliseconds.' });
/** An ISO date, YYYY-MM-DD. */
const isoDate = z.string().meta({ description: 'ISO date (YYYY-MM-DD).' });

// ---------------------------------------------------------------- errors

const errorCodes = Object.keys(ERROR_CATALOGUE) as [ErrorCode, ...ErrorCode[]];

/** A catalogue code: the widget's translation key, so a public name. */
export const errorCode = z.enum(errorCodes).meta({ description: 'A code from the error catalogue (server/errors.ts); clients translate by it.' });

export const errorBody = z.object({
  code: errorCode,
  field: z.string().optional().meta({ description: 'The input field the error concerns.' }),
  details: z.record(z.string(), z.unknown()).optional().meta({ description: 'Extra facts, e.g. `rules`: the password rules that failed.' }),
});

/** `{ error: { code, field?, details?, message } }`: every answer that has no flow to show. */
export const errorResponse = z.object({
  error: errorBody.extend({ message: z.string().meta({ description: 'The catalogue\'s English message, for logs and developers.' }) }),
});

// ---------------------------------------------------------------- shared pieces

export const companyAccount = z.object({
  id: z.string().meta({ description: 'The membership\'s id: what `choose` and `POST /api/session/account` take.' }),
  organizationId: z.string(),
  name: z.string(),
});

export const sessionProvider = z.object({ name: z.string(), issuer: z.string() });

const passwordRule = z.enum([
  'min_length',
  'max_length',
  'digit',
  'special',
  'upper',
  'lower',
  'no_angle_brackets',
  'not_common',
  'not_guessable',
  'not_email',
  'not_context',
  'no_control',
] satisfies PasswordRule[]);

export const passwordPolicy = z.object({ rules: z.array(passwordRule), minLength: z.number().int(), maxLength: z.number().int() });

export const passkey = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: epochMs,
  lastUsedAt: epochMs.nullable(),
  synced: z.boolean(),
  deviceType: z.string().nullable(),
});

export const approver = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: epochMs,
  lastUsedAt: epochMs.nullable(),
  key: z.enum(['passkey', 'device']),
  push: z.boolean(),
});

export const rememberedDevice = z.object({ id: z.string(), userAgent: z.string().nullable(), createdAt: epochMs, lastUsedAt: epochMs.nullable(), expiresAt: epochMs });

// ---------------------------------------------------------------- WebAuthn options (WebAuthn Level 3 §5.4, §5.5, as JSON)

const credentialDescriptor = z.object({ id: z.string(), type: z.string(), transports: z.array(z.string()).optional() });
const userVerification = z.enum(['discouraged', 'preferred', 'required']);
const hints = z.array(z.enum(['hybrid', 'security-key', 'client-device']));
/**
 * Only the extensions JSON can carry: `prf` takes binary values, which the JSON
 * options never hold. Typed as the library's own type, so the checks at the end
 * compare everything around it exactly.
 */
const extensions = z.object({
  appid: z.string().optional(),
  credProps: z.boolean().optional(),
  hmacCreateSecret: z.boolean().optional(),
  minPinLength: z.boolean().optional(),
}) as unknown as z.ZodType<AuthenticationExtensionsClientInputs>;

const requestOptions = z.object({
  challenge: z.string(),
  timeout: z.number().optional(),
  rpId: z.string().optional(),
  allowCredentials: z.array(credentialDescriptor).optional(),
  userVerification: userVerification.optional(),
  hints: hints.optional(),
  extensions: extensions.optional(),
});

const creationOptions = z.object({
  rp: z.object({ name: z.string(), id: z.string().optional() }),
  user: z.object({ id: z.string(), name: z.string(), displayName: z.string() }),
  challenge: z.string(),
  pubKeyCredParams: z.array(z.object({ alg: z.number(), type: z.literal('public-key') })),
  timeout: z.number().optional(),
  excludeCredentials: z.array(credentialDescriptor).optional(),
  authenticatorSelection: z
    .object({
      authenticatorAttachment: z.enum(['cross-platform', 'platform']).optional(),
      requireResidentKey: z.boolean().optional(),
      residentKey: userVerification.optional(),
      userVerification: userVerification.optional(),
    })
    .optional(),
  hints: hints.optional(),
  attestation: z.enum(['direct', 'enterprise', 'indirect', 'none']).optional(),
  attestationFormats: z.array(z.enum(['fido-u2f', 'packed', 'android-safetynet', 'android-key', 'tpm', 'apple', 'none'])).optional(),
  extensions: extensions.optional(),
});

export const passkeyRequest = z.object({ options: requestOptions }).meta({ description: 'Options for `navigator.credentials.get`, made for this flow (single use, five minutes).' });

// ---------------------------------------------------------------- the flow protocol

export const sessionGrant = z.object({
  user: z.object({ id: z.string(), email: z.string(), name: z.string() }),
  token: z.string().optional().meta({ description: 'The opaque session token; absent when the API keeps it in the `__Host-lf_session` cookie.' }),
  jwt: z.string().meta({ description: 'A short-lived ES256 JWT; verify it against `/.well-known/jwks.json`.' }),
  jwtExpiresAt: epochMs,
  expiresAt: epochMs,
  idleExpiresAt: epochMs,
  amr: z.array(z.string()).meta({ description: 'RFC 8176 authentication method references.' }),
  account: companyAccount.optional(),
  provider: sessionProvider.optional(),
  deviceToken: z.string().optional().meta({ description: 'A remember-this-device token, when asked for and not kept in a cookie.' }),
});

const setupReason = z.enum(['enable', 'required', 'recovered']);
const secondFactorMethod = z.enum(['approver', 'totp', 'passkey', 'sms', 'recovery_code'] satisfies SecondFactorMethod[]);
const qrCode = z.object({ size: z.number().int(), path: z.string().meta({ description: 'The `d` attribute of one SVG `<path>` filling the dark modules.' }) });

/** Each step's `data`, and the actions it may offer: one entry per step of the protocol's StepMap. */
const STEPS = {
  sso: { data: z.object({ email: z.string(), provider: z.string(), url: z.string().optional() }), actions: ['callback', 'back', 'retry'] },
  'choose-account': { data: z.object({ accounts: z.array(companyAccount) }), actions: ['choose'] },
  email: { data: z.object({ email: z.string().optional(), passkey: passkeyRequest.optional() }), actions: ['email', 'passkey'] },
  password: { data: z.object({ email: z.string(), passkey: passkeyRequest.optional() }), actions: ['password', 'back', 'passkey', 'forgot'] },
  'reset-sent': { data: z.object({ email: z.string(), minutes: z.number().int() }), actions: ['back'] },
  'set-password': { data: z.object({ email: z.string(), purpose: z.enum(['activate', 'reset']), policy: passwordPolicy }), actions: ['password'] },
  'verify-email': { data: z.object({ email: z.string(), codeLength: z.number().int() }), actions: ['code', 'resend'] },
  'sms-setup': {
    data: z.object({ defaultCountry: z.string(), sentTo: z.string().optional(), codeLength: z.number().int() }),
    actions: ['phone', 'code', 'change-number', 'back'],
  },
  'second-factor': {
    data: z.object({
      methods: z.array(secondFactorMethod),
      rememberDays: z.number().int().nullable(),
      passkey: passkeyRequest.optional(),
      phone: z.string().optional(),
      smsSent: z.boolean().optional(),
      approval: z.object({ number: z.string(), expiresAt: epochMs }).optional().meta({ description: 'The sign-in request sent to the person\'s phones: the number to pick there.' }),
      recoveryRequest: z
        .object({ employeeNumber: z.boolean() })
        .optional()
        .meta({ description: 'Recovery requests are open ("lost access to your phone?", action `request-recovery`); `employeeNumber`: the person\'s company asks for one with the request. Absent in a password reset: a reset link proves the mailbox, not the password.' }),
    }),
    actions: ['totp', 'recovery-code', 'passkey', 'sms', 'send-sms', 'send-approval', 'approval', 'request-recovery'],
  },
  'recovery-request': { data: z.object({ email: z.string().optional() }), actions: ['request'] },
  'recovery-requested': { data: z.object({ email: z.string(), expiresInDays: z.number().int() }), actions: [] },
  'mfa-prompt': { data: z.object({ requiredFrom: isoDate.nullable() }), actions: ['enable', 'remind-later'] },
  'method-choice': {
    data: z.object({ methods: z.array(z.enum(['totp', 'passkey', 'approver', 'sms'])), backup: z.boolean(), reason: setupReason, requiredFrom: isoDate.nullable() }),
    actions: ['choose', 'remind-later', 'skip'],
  },
  'totp-setup': {
    data: z.object({
      qr: z.object({ size: z.number().int(), path: z.string().meta({ description: 'The `d` attribute of one SVG `<path>` filling the dark modules.' }) }),
      secret: z.string(),
      uri: z.string(),
      issuer: z.string(),
      account: z.string(),
      required: z.boolean(),
      reason: setupReason,
    }),
    actions: ['totp', 'back'],
  },
  'passkey-setup': {
    data: z.object({ options: creationOptions, suggestedName: z.string(), required: z.boolean(), reason: setupReason }),
    actions: ['register', 'back'],
  },
  'approver-setup': {
    data: z.object({ url: z.string(), qr: qrCode, expiresAt: epochMs, required: z.boolean(), reason: setupReason }),
    actions: ['check', 'renew', 'back'],
  },
  'recovery-code': { data: z.object({ code: z.string() }), actions: ['confirm'] },
  done: { data: z.object({ session: sessionGrant, passkeyOffer: z.boolean().optional() }), actions: [] },
} as const satisfies { [K in StepName]: { data: z.ZodType; actions: readonly StepMap[K]['actions'][] } };

const flowKind = z.enum(['login', 'activate', 'reset', 'reauth', 'recovery-request', 'recover', 'enroll-totp', 'enroll-passkey', 'enroll-sms', 'enroll-approver'] satisfies FlowKind[]);

/** One step's flow state: `step` names the screen, `data` is what it shows, `actions` what may be posted now. */
function stepState<K extends StepName>(step: K) {
  const { data, actions } = STEPS[step];
  return z.object({
    id: z.string().meta({ description: 'The flow\'s secret id; the only handle to it.' }),
    kind: flowKind,
    step: z.literal(step),
    data: data as (typeof STEPS)[K]['data'],
    actions: z.array(actions.length === 0 ? z.never() : z.enum(actions as readonly string[] as [string, ...string[]])) as unknown as z.ZodArray<z.ZodType<StepMap[K]['actions']>>,
    expiresAt: epochMs,
    error: errorBody.optional().meta({ description: 'Set when the last action failed; the step is the one to show again.' }),
    locale: z.enum(['en', 'nl']).optional(),
  });
}

/** Every step's state, by step name: the document names each (`FlowState.password`, ...). */
export const stepStates = Object.fromEntries((Object.keys(STEPS) as StepName[]).map((step) => [step, stepState(step)])) as {
  [K in StepName]: ReturnType<typeof stepState<K>>;
};

/** The state of a flow, told apart by `step`. */
export const flowState = z.discriminatedUnion(
  'step',
  Object.values(stepStates) as unknown as [(typeof stepStates)['email'], ...(typeof stepStates)[StepName][]],
);

/** `GET /api/flows/{id}/wait`: whether the step waiting on the person's phone can go on. */
export const flowReadiness = z.object({
  ready: z.boolean().meta({ description: 'True as soon as the phone has enrolled or answered, or the request expired: post the step\'s action (`check`, `approval`) now; false when the wait ran out, or a newer wait on the same flow took over.' }),
});

// ---------------------------------------------------------------- session, account, passkeys, devices

export const sessionInfo = z.object({
  user: z.object({ id: z.string(), email: z.string(), name: z.string() }),
  session: z.object({ id: z.string(), amr: z.array(z.string()), createdAt: epochMs, expiresAt: epochMs, idleExpiresAt: epochMs }),
  account: companyAccount.optional(),
  provider: sessionProvider.optional(),
  jwt: z.object({ token: z.string(), expiresAt: epochMs }),
});

export const sessionAccounts = z.object({ accounts: z.array(companyAccount.extend({ current: z.boolean() })) });
export const accountSwitch = z.object({ account: companyAccount, jwt: z.object({ token: z.string(), expiresAt: epochMs }) });

const factorDates = { createdAt: epochMs, lastUsedAt: epochMs.nullable() };

export const accountOverview = z.object({
  user: z.object({ id: z.string(), email: z.string(), name: z.string() }),
  session: z.object({
    id: z.string(),
    amr: z.array(z.string()),
    createdAt: epochMs,
    reauthUntil: epochMs.nullable().meta({ description: 'Until when changes need no new sign-in; null when they need one now.' }),
    needsSecondFactor: z.boolean(),
  }),
  provider: sessionProvider.optional(),
  account: companyAccount.optional(),
  mfa: z.object({
    enabled: z.boolean(),
    required: z.boolean(),
    requiredFrom: isoDate.nullable(),
    totp: z.array(z.object({ id: z.string(), name: z.string(), ...factorDates })),
    sms: z.object({ id: z.string(), phone: z.string().meta({ description: 'Masked.' }), ...factorDates }).nullable(),
    passkeys: z.array(passkey),
    approvers: z.array(approver),
    recoveryCode: z.object({ createdAt: epochMs }).nullable(),
  }),
  features: z.object({ passkeys: z.boolean(), sms: z.boolean(), approver: z.boolean() }),
  policy: passwordPolicy,
});

export const accountSessions = z.object({
  sessions: z.array(
    z.object({
      id: z.string(),
      current: z.boolean(),
      userAgent: z.string().nullable(),
      ip: z.string().nullable(),
      createdAt: epochMs,
      lastSeenAt: epochMs,
      amr: z.array(z.string()),
    }),
  ),
});

export const signedOut = z.object({ signedOut: z.number().int() });
export const newRecoveryCode = z.object({ code: z.string() });
export const passkeys = z.object({ passkeys: z.array(passkey) });
export const rememberedDevices = z.object({ devices: z.array(rememberedDevice) });

// ---------------------------------------------------------------- public, unauthenticated

export const health = z.object({ status: z.literal('ok'), store: z.literal('ok') });

/** RFC 7517 §5: the ES256 public keys (RFC 7518 §6.2) session JWTs are signed with. */
export const jwks = z.object({
  keys: z.array(
    z.object({ kty: z.literal('EC'), crv: z.literal('P-256'), x: z.string(), y: z.string(), kid: z.string(), alg: z.literal('ES256'), use: z.literal('sig') }),
  ),
});

/** WebAuthn Level 3 §5.11: the origins that may use this RP ID beside its own. */
export const webauthnOrigins = z.object({ origins: z.array(z.string()) });

/** This document, in outline: its whole shape is OpenAPI 3.1's to define (https://spec.openapis.org/oas/v3.1.0). */
export const openApiOutline = z.looseObject({
  openapi: z.string().regex(/^3\.1\.\d+$/),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.looseObject({})),
  components: z.looseObject({}),
});

// ---------------------------------------------------------------- the approver (the phone that approves sign-ins)

export const approverConfig = z.object({
  vapidPublicKey: z.string().meta({ description: 'The VAPID public key (RFC 8292 §3.2), base64url: `applicationServerKey` for `pushManager.subscribe`.' }),
});

export const enrolmentStart = z.object({
  user: z.object({ name: z.string(), email: z.string() }).meta({ description: 'Whose phone this becomes.' }),
  passkey: z.object({ options: creationOptions }).meta({ description: 'Options for `navigator.credentials.create`: a passkey that only approves, never signs in.' }),
  expiresAt: epochMs.meta({ description: 'When the set-up link\'s token dies (epoch ms).' }),
});

export const enrolmentResult = z.object({
  device: z.object({ id: z.string(), name: z.string() }),
  deviceToken: z.string().meta({ description: 'The bearer token (`approverDevice`) for every later call; shown once.' }),
  credentialId: z.string().optional().meta({ description: 'For a `passkey` key: the credential id, for `allowCredentials` when signing a decision.' }),
  confirmation: z.string().regex(/^\d{6}$/).meta({ description: 'Six digits to show on the phone: the person types them on the set-up screen (`check`), which confirms this phone as theirs.' }),
});

const approvalNumber = z.string().regex(/^\d{2}$/);

export const approvalDetails = z.object({
  id: z.string(),
  numbers: z.tuple([approvalNumber, approvalNumber, approvalNumber]).meta({ description: 'Three two-digit numbers, one of them on the sign-in screen; shown in this order.' }),
  userAgent: z.string().nullable().meta({ description: 'The asking browser\'s `User-Agent`.' }),
  ip: z.string().nullable(),
  company: z.string().nullable().meta({ description: 'The company the person signs in to, when one is known.' }),
  purpose: z.enum(['sign-in', 'password-reset']).meta({ description: 'What is asking: a sign-in (or re-authentication), or a new password from a reset link.' }),
  email: z.string(),
  createdAt: epochMs,
  expiresAt: epochMs,
  rpId: z.string().meta({ description: 'WebAuthn `rpId` for the assertion that signs a decision (`passkey` keys).' }),
});

export const approvalList = z.object({ requests: z.array(approvalDetails).meta({ description: 'Pending requests, newest first.' }) });
export const approvalOutcome = z.object({
  status: z.enum(['approved', 'denied']).meta({ description: '`approved` signs the waiting browser in; `denied` ends the request (a wrong number too).' }),
});

// ---------------------------------------------------------------- admin

export const userSummary = z.object({ id: z.string(), email: z.string(), name: z.string(), status: z.string(), createdAt: epochMs });

export const userDetails = userSummary.extend({
  emailVerified: z.boolean(),
  factors: z.object({ totp: z.number().int().optional(), passkey: z.number().int().optional(), sms: z.number().int().optional() }),
  hasRecoveryCode: z.boolean(),
  invitationExpiresAt: epochMs.nullable(),
});

export const userList = z.object({ users: z.array(userDetails) });

/** The invitation as answered: the link stays out (it went by mail), `queued` says a retry is pending. */
export const invitationAnswer = z.object({
  user: userSummary,
  expiresAt: epochMs,
  delivery: z.object({ delivered: z.boolean(), error: z.string().optional(), queued: z.boolean() }),
  resent: z.boolean(),
});

export const mfaReset = z.object({
  user: z.object({ id: z.string(), email: z.string() }),
  backupCode: z.string().optional().meta({ description: 'A one-time code to give the person; absent when the account had no second factor to reset.' }),
});

export const userDisabled = z.object({ user: userSummary.optional() });

const auditEvents = [
  'login.success',
  'login.failure',
  'factor.added',
  'factor.removed',
  'recovery.used',
  'mfa.reset',
  'user.invited',
  'user.activated',
  'user.disabled',
  'email.verified',
  'password.reset',
  'password.changed',
  'recovery.regenerated',
  'mfa.disabled',
  'session.revoked',
  'session.switched',
  'organization.created',
  'organization.updated',
  'organization.deleted',
  'member.added',
  'member.removed',
  'sso.configured',
  'sso.removed',
  'approval.sent',
  'approval.approved',
  'approval.denied',
  'member.updated',
  'recovery.requested',
  'recovery.approved',
  'recovery.rejected',
  'recovery.completed',
  'recovery.expired',
  'password.rehashed',
  'users.imported',
  'mfa.recovered',
  'recovery.closed',
] as const satisfies AuditEvent[];

export const auditEntry = z.object({
  id: z.string(),
  at: epochMs,
  event: z.enum(auditEvents),
  userId: z.string().nullable(),
  actor: z.enum(['user', 'admin', 'cli', 'system'] satisfies AuditActor[]),
  ip: z.string().nullable(),
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});

export const auditPage = z.object({
  events: z.array(auditEntry),
  next: z.string().optional().meta({ description: 'Present when the page is full: pass it as `before` for the next page.' }),
});

export const organization = z.object({
  id: z.string(),
  name: z.string(),
  slug: z.string(),
  mfaRequiredFrom: isoDate.nullable(),
  mfaPromptFrom: isoDate.nullable().meta({ description: 'From this date its people without 2FA are prompted to set it up; null: whenever `mfaRequiredFrom` is set.' }),
  mfaAskCodeFrom: isoDate.nullable().meta({ description: 'From this date its people with 2FA are asked for their code; before it they may sign in without. Null: always asked.' }),
  createdAt: epochMs,
  sso: z.object({ name: z.string(), issuer: z.string(), clientId: z.string(), domains: z.array(z.string()) }).nullable(),
  members: z.number().int().meta({ description: 'How many people belong to it.' }),
});

export const member = z.object({ userId: z.string(), email: z.string(), name: z.string(), role: z.string(), addedAt: epochMs });
export const organizationList = z.object({ organizations: z.array(organization) });
export const organizationDetails = organization.extend({ memberList: z.array(member) });
export const membership = z.object({ id: z.string(), organizationId: z.string(), userId: z.string(), role: z.string(), createdAt: epochMs });
const rolloutStage = z.object({ from: isoDate.nullable(), reached: z.boolean().meta({ description: 'Whether the stage holds today.' }) });
const headcount = z.number().int();
export const rolloutStats = z.object({
  organization: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
  members: headcount.meta({ description: '`sso + withMfa + withoutMfa`.' }),
  sso: headcount.meta({ description: 'Members who sign in through a company\'s own provider: exempt from 2FA here.' }),
  withMfa: headcount,
  byMethod: z.object({ totp: headcount, passkey: headcount, sms: headcount, approver: headcount }).meta({ description: 'How many of those with 2FA have each method (a person may have several).' }),
  withoutMfa: headcount,
  recoveryCodeOnly: headcount.meta({ description: 'Of those without 2FA: holding only an unused recovery or support code.' }),
  deferred: headcount.meta({ description: 'Of those without 2FA: "remind me later" still holds.' }),
  stages: z.object({ prompt: rolloutStage, askCode: rolloutStage, required: rolloutStage }),
});

// ---------------------------------------------------------------- recovery requests

const recoveryStatus = z.enum(['pending', 'approved', 'rejected', 'expired', 'used', 'closed']);

export const recoveryRequestSummary = z.object({
  id: z.string(),
  status: recoveryStatus.meta({ description: 'A pending request past `expiresAt` reads as `expired`.' }),
  user: z.object({ id: z.string(), email: z.string(), name: z.string() }),
  companies: z.array(z.object({ id: z.string(), slug: z.string(), name: z.string(), role: z.string() })),
  queue: z.enum(['company', 'support']).meta({ description: "Who decides: the administrators of the person's companies, or the platform's support (no company administrator)." }),
  note: z.string(),
  source: z.enum(['second-factor', 'form']).meta({ description: 'Made at the second factor of a sign-in (the password was given), or on the public form.' }),
  createdAt: epochMs,
  expiresAt: epochMs,
  approvals: z.number().int(),
  approvalsNeeded: z.number().int().meta({ description: '2 when one of the person\'s companies has the two-person rule.' }),
  decidedAt: epochMs.nullable(),
  decidedBy: z.string().nullable().meta({ description: "An administrator's email, or `support`." }),
  reason: z.string().nullable(),
});

export const recoveryRequestDetails = recoveryRequestSummary.extend({
  checked: z.object({
    employeeNumber: z.enum(['match', 'mismatch', 'not-given', 'no-record', 'not-asked']),
    passwordChecked: z.boolean(),
    accountCreatedAt: epochMs,
    accountAgeDays: z.number().int(),
    ip: z.string().nullable(),
    browser: z.string().nullable(),
  }),
  methods: z.array(secondFactorMethod),
  lastSignIns: z.array(z.object({ at: epochMs, ip: z.string().nullable() })),
  approvedBy: z.array(z.object({ by: z.string(), at: epochMs })),
});

export const recoveryRequestList = z.object({ requests: z.array(recoveryRequestSummary) });

export const recoveryApprovalResult = z.object({
  id: z.string(),
  status: z.enum(['pending', 'approved']).meta({ description: '`pending`: the two-person rule waits for another administrator.' }),
  approvals: z.number().int(),
  approvalsNeeded: z.number().int(),
  linkExpiresAt: epochMs.optional().meta({ description: 'Approved: when the mailed recovery link stops working.' }),
});

export const recoveryRejectionResult = z.object({ id: z.string(), status: z.literal('rejected') });

export const recoverySettingsResult = z.object({ organizationId: z.string(), slug: z.string(), approvals: z.union([z.literal(1), z.literal(2)]), employeeNumber: z.boolean() });

export const importReport = z.object({
  format: z.enum(['jsonl', 'csv']),
  dryRun: z.boolean().meta({ description: 'Nothing was written; the counts say what would have been.' }),
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  failed: z.number().int().meta({ description: 'Rows not imported; the others were.' }),
  errors: z
    .array(z.object({ row: z.number().int(), field: z.string().optional(), reason: z.string() }))
    .meta({ description: 'The first 1000 row errors in file order: a JSON line\'s line number, a CSV record\'s number with the header as row 1.' }),
  errorsNotListed: z.number().int().meta({ description: 'Row errors past those listed.' }),
});

// ---------------------------------------------------------------- dev outbox

export const outboxMessage = z.object({
  id: z.string(),
  channel: z.enum(['email', 'sms']),
  to: z.string(),
  subject: z.string().nullable(),
  text: z.string(),
  html: z.string().nullable(),
  sentAt: epochMs,
});

export const outbox = z.array(outboxMessage);

// ---------------------------------------------------------------- the schemas and the code's types agree

/** True only when each of A and B is assignable to the other. */
type Assignable<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Every optional field made required, all the way down: an optional field one side lacks then shows. */
type DeepRequired<T> = T extends readonly (infer U)[] ? DeepRequired<U>[] : T extends object ? { [K in keyof T]-?: DeepRequired<T[K]> } : T;
/**
 * The schema and the type say the same: assignable both ways, and still so with
 * every field required (mutual assignability alone forgives an optional field
 * that one side leaves out).
 */
type Agrees<A, B> = Assignable<A, B> extends true ? Assignable<DeepRequired<A>, DeepRequired<B>> : false;
/** Compiles only for `true`. */
type Expect<T extends true> = T;

/** Each line fails to compile when a schema above and the type the routes answer with part ways. */
export type SchemasAgreeWithTypes = [
  Expect<Agrees<z.infer<typeof errorBody>, ErrorBody>>,
  Expect<Agrees<z.infer<typeof errorResponse>, ErrorResponse>>,
  Expect<Agrees<z.infer<typeof flowState>, FlowState>>,
  Expect<Agrees<z.infer<typeof sessionGrant>, SessionGrant>>,
  Expect<Agrees<z.infer<typeof passkeyRequest>, PasskeyRequest>>,
  Expect<Agrees<z.infer<typeof creationOptions>, PublicKeyCredentialCreationOptionsJSON>>,
  Expect<Agrees<z.infer<typeof passwordPolicy>, PasswordPolicyView>>,
  Expect<Agrees<z.infer<typeof companyAccount>, CompanyAccount>>,
  Expect<Agrees<z.infer<typeof sessionProvider>, SessionProvider>>,
  Expect<Agrees<z.infer<typeof sessionAccounts>, SessionAccounts>>,
  Expect<Agrees<z.infer<typeof accountSwitch>, AccountSwitch>>,
  Expect<Agrees<z.infer<typeof accountOverview>, AccountOverview>>,
  Expect<Agrees<z.infer<typeof accountSessions>, AccountSessions>>,
  Expect<Agrees<z.infer<typeof signedOut>, SignedOut>>,
  Expect<Agrees<z.infer<typeof newRecoveryCode>, NewRecoveryCode>>,
  Expect<Agrees<z.infer<typeof passkey>, Passkey>>,
  Expect<Agrees<z.infer<typeof passkeys>, Passkeys>>,
  Expect<Agrees<z.infer<typeof approver>, Approver>>,
  Expect<Agrees<z.infer<typeof approverConfig>, ApproverConfig>>,
  Expect<Agrees<z.infer<typeof enrolmentStart>, EnrolmentStart>>,
  Expect<Agrees<z.infer<typeof enrolmentResult>, EnrolmentResult>>,
  Expect<Agrees<z.infer<typeof approvalDetails>, ApprovalDetails>>,
  Expect<Agrees<z.infer<typeof approvalList>, ApprovalList>>,
  Expect<Agrees<z.infer<typeof approvalOutcome>, ApprovalOutcome>>,
  Expect<Agrees<z.infer<typeof rememberedDevice>, RememberedDevice>>,
  Expect<Agrees<z.infer<typeof rememberedDevices>, RememberedDevices>>,
  Expect<Agrees<z.infer<typeof userSummary>, UserSummary>>,
  Expect<Agrees<z.infer<typeof userDetails>, UserDetails>>,
  Expect<Agrees<z.infer<typeof invitationAnswer>, Omit<Invitation, 'link'> & { delivery: Invitation['delivery'] & { queued: boolean } }>>,
  Expect<Agrees<z.infer<typeof auditEntry>, AuditEntry>>,
  Expect<Agrees<z.infer<typeof organization>, Organization>>,
  Expect<Agrees<z.infer<typeof member>, Member>>,
  Expect<Agrees<z.infer<typeof membership>, Membership>>,
  Expect<Agrees<z.infer<typeof rolloutStats>, RolloutStats>>,
  Expect<Agrees<z.infer<typeof recoveryRequestSummary>, RecoveryRequestSummary>>,
  Expect<Agrees<z.infer<typeof recoveryRequestDetails>, RecoveryRequestDetails>>,
  Expect<Agrees<z.infer<typeof recoveryApprovalResult>, ApprovalResult>>,
  Expect<Agrees<z.infer<typeof recoverySettingsResult>, RecoverySettings & { organizationId: string; slug: string }>>,
  Expect<Agrees<z.infer<typeof importReport>, ImportReport>>,
];
