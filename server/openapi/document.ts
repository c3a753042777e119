/*
 * The OpenAPI 3.1 document of the HTTP API, built from the zod schemas the
 * routes validate their input with (and the answers' schemas in answers.ts),
 * by zod's own JSON Schema output: JSON Schema 2020-12 is OpenAPI 3.1's
 * dialect. One table below lists every operation; the test holds it to the
 * routes the app mounts, and real recorded answers to its schemas.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ERROR_CATALOGUE, type ErrorCode } from '../errors.js';
import { flowDefinitions } from '../flows/login/flows.js';
import { assertionInput, codeInput, linkToken, nothing, registrationInput, sessionStart, setupCodeInput } from '../flows/login/inputs.js';
import { noInput, passwordChange } from '../routes/account.js';
import { auditQuery, byEmail, invite, newMember, newOrganization, organizationChange, ssoConnection } from '../routes/admin.js';
import { employeeNumberChange, recoveryApproval, recoveryQuery, recoveryRejection, recoverySettings } from '../routes/admin-recovery.js';
import { importQuery } from '../routes/admin-import.js';
import { approvalDecision, approverEnrolment, subscriptionUpdate } from '../routes/approver.js';
import { passkeyRename } from '../routes/passkeys.js';
import { switchInput } from '../routes/session.js';
import { SESSION_COOKIE } from '../security/session-auth.js';
import * as answers from './answers.js';

/** The answers the document names, each a component schema (`#/components/schemas/<name>`). */
const ANSWERS = {
  ErrorResponse: answers.errorResponse,
  ErrorBody: answers.errorBody,
  ErrorCode: answers.errorCode,
  FlowState: answers.flowState,
  FlowReadiness: answers.flowReadiness,
  SessionGrant: answers.sessionGrant,
  PasskeyRequest: answers.passkeyRequest,
  CompanyAccount: answers.companyAccount,
  SessionProvider: answers.sessionProvider,
  PasswordPolicy: answers.passwordPolicy,
  Passkey: answers.passkey,
  RememberedDevice: answers.rememberedDevice,
  SessionInfo: answers.sessionInfo,
  SessionAccounts: answers.sessionAccounts,
  AccountSwitch: answers.accountSwitch,
  AccountOverview: answers.accountOverview,
  AccountSessions: answers.accountSessions,
  SignedOut: answers.signedOut,
  NewRecoveryCode: answers.newRecoveryCode,
  Passkeys: answers.passkeys,
  RememberedDevices: answers.rememberedDevices,
  Health: answers.health,
  Jwks: answers.jwks,
  WebauthnOrigins: answers.webauthnOrigins,
  OpenApiOutline: answers.openApiOutline,
  UserSummary: answers.userSummary,
  UserDetails: answers.userDetails,
  UserList: answers.userList,
  Invitation: answers.invitationAnswer,
  MfaReset: answers.mfaReset,
  UserDisabled: answers.userDisabled,
  AuditEntry: answers.auditEntry,
  AuditPage: answers.auditPage,
  Organization: answers.organization,
  OrganizationList: answers.organizationList,
  OrganizationDetails: answers.organizationDetails,
  Member: answers.member,
  Membership: answers.membership,
  RolloutStats: answers.rolloutStats,
  RecoveryRequest: answers.recoveryRequestSummary,
  RecoveryRequestDetails: answers.recoveryRequestDetails,
  RecoveryRequestList: answers.recoveryRequestList,
  RecoveryApproval: answers.recoveryApprovalResult,
  RecoveryRejection: answers.recoveryRejectionResult,
  RecoverySettings: answers.recoverySettingsResult,
  ApproverConfig: answers.approverConfig,
  EnrolmentStart: answers.enrolmentStart,
  EnrolmentResult: answers.enrolmentResult,
  ApprovalDetails: answers.approvalDetails,
  ApprovalList: answers.approvalList,
  ApprovalOutcome: answers.approvalOutcome,
  OutboxMessage: answers.outboxMessage,
  Outbox: answers.outbox,
  ImportReport: answers.importReport,
  ...Object.fromEntries(Object.entries(answers.stepStates).map(([step, schema]) => [`FlowState.${step}`, schema])),
} satisfies Record<string, z.ZodType>;

type AnswerName = keyof typeof ANSWERS;

/** The request bodies with a name of their own; the sign-in steps' other inputs are named by step and action. */
const INPUT_NAMES = new Map<z.ZodType, string>([
  [nothing, 'NoInput'],
  [codeInput, 'CodeInput'],
  [setupCodeInput, 'SetupCodeInput'],
  [assertionInput, 'PasskeyAssertionInput'],
  [registrationInput, 'PasskeyRegistrationInput'],
  [linkToken, 'LinkTokenInput'],
  [sessionStart, 'SessionStartInput'],
  [switchInput, 'AccountChoiceInput'],
  [passwordChange, 'PasswordChangeInput'],
  [noInput, 'EmptyInput'],
  [passkeyRename, 'PasskeyRenameInput'],
  [byEmail, 'ByEmailInput'],
  [invite, 'InviteInput'],
  [newOrganization, 'NewOrganizationInput'],
  [organizationChange, 'OrganizationChangeInput'],
  [newMember, 'NewMemberInput'],
  [ssoConnection, 'SsoConnectionInput'],
  [recoveryApproval, 'RecoveryApprovalInput'],
  [recoveryRejection, 'RecoveryRejectionInput'],
  [recoverySettings, 'RecoverySettingsInput'],
  [employeeNumberChange, 'EmployeeNumberInput'],
  [approverEnrolment, 'EnrolmentInput'],
  [subscriptionUpdate, 'SubscriptionInput'],
  [approvalDecision, 'ApprovalDecisionInput'],
]);

/** `set-password` -> `SetPassword`. */
function pascal(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, _dash: string, letter: string) => letter.toUpperCase());
}

/** Each action's input schema, read from the flows' own step definitions (the schemas the engine parses with), with where it is used. */
function actionInputs(): { name: string; schema: z.ZodType; uses: string[] }[] {
  const bySchema = new Map<z.ZodType, { name: string; schema: z.ZodType; uses: string[] }>();
  // One schema per step and action across the flow kinds: the document names an action's input by its step.
  const seen = new Map<string, z.ZodType>();
  for (const flow of flowDefinitions.values()) {
    for (const [step, definition] of Object.entries(flow.steps)) {
      const actions: Record<string, { input: z.ZodType }> = definition?.actions ?? {};
      for (const [action, { input }] of Object.entries(actions)) {
        const earlier = seen.get(`${step}/${action}`);
        if (earlier && earlier !== input) throw new Error(`OpenAPI: \`${action}\` at \`${step}\` takes different inputs in different flows (${flow.kind}); name them apart`);
        if (earlier) continue;
        seen.set(`${step}/${action}`, input);
        const entry = bySchema.get(input) ?? { name: INPUT_NAMES.get(input) ?? `${pascal(step)}${pascal(action)}Input`, schema: input, uses: [] };
        entry.uses.push(`\`${action}\` at \`${step}\``);
        bySchema.set(input, entry);
      }
    }
  }
  return [...bySchema.values()];
}

/** The flow kinds that take a start body, by schema. */
function startInputs(): { schema: z.ZodType; kinds: string[] }[] {
  const bySchema = new Map<z.ZodType, string[]>();
  for (const flow of flowDefinitions.values()) if (flow.start) bySchema.set(flow.start, [...(bySchema.get(flow.start) ?? []), flow.kind]);
  return [...bySchema].map(([schema, kinds]) => ({ schema, kinds }));
}

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Tag = 'flows' | 'session' | 'account' | 'passkeys' | 'devices' | 'approver' | 'admin' | 'public' | 'development';
/** Who may call: anyone, the signed-in person (cookie or bearer session token), the admin API key, an enrolled approver phone (its device token). */
type Access = 'public' | 'session' | 'optional-session' | 'admin' | 'approver';

interface Answer {
  description: string;
  /** A named answer, any of several, or an HTML page; none for an empty body (204). */
  body?: AnswerName | { anyOf: AnswerName[] } | 'html';
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  description: string;
  schema: z.ZodType;
  required?: boolean;
}

interface Operation {
  method: Method;
  /** In OpenAPI's form: `{param}`. */
  path: string;
  summary: string;
  description?: string;
  tag: Tag;
  access: Access;
  parameters?: Parameter[];
  /** The request body: one schema (a component by its name in INPUT_NAMES), or several, any of which. */
  body?: z.ZodType | { anyOf: { schema: z.ZodType; description: string }[] };
  /** Whether a request may leave the body out (it then counts as `{}`). */
  bodyOptional?: boolean;
  /** A body that is not JSON: text in each of these media types. */
  textBody?: { mediaTypes: string[]; description: string };
  responses: Partial<Record<number | '4XX' | '5XX', Answer>>;
  /** Catalogue codes this operation answers with besides `default`; grouped by their status. */
  errors?: ErrorCode[];
}

/** What each of the audit log's query parameters does. */
const AUDIT_QUERY: Record<keyof typeof auditQuery.shape, string> = {
  email: 'Only this person\'s events.',
  limit: 'At most this many events (1-1000, 100 when left out).',
  before: 'A time (epoch ms: events strictly before it), or the `next` of the previous page.',
};

const noContent = (description: string): Answer => ({ description });
const json = (body: Answer['body'], description: string): Answer => ({ description, body });

const pathId = (name: string, description: string, schema: z.ZodType = z.string()): Parameter => ({ name, in: 'path', required: true, description, schema });
const ORG = pathId('org', 'The company, by id or slug.');

/** Every session route also answers these: no live session, a disabled account, a refused origin. */
const SESSION_ERRORS: ErrorCode[] = ['unauthenticated', 'account_disabled'];
/** What reading a JSON body may refuse. */
const BODY_ERRORS: ErrorCode[] = ['invalid_json', 'invalid_request', 'body_too_large', 'unsupported_media_type'];
/** Changing a sign-in method needs a recent (re-)authentication of this very session. */
const FRESH_ERRORS: ErrorCode[] = [...SESSION_ERRORS, 'reauthentication_required'];
/** Every approver route answers `not_found` while the approver is off (APPROVER); those after enrolment also refuse an unknown or removed phone. */
const APPROVER_ERRORS: ErrorCode[] = ['not_found'];
const PHONE_ERRORS: ErrorCode[] = [...APPROVER_ERRORS, 'approver_unknown'];
const FLOW_ID = pathId('id', 'The flow\'s id, or `-` to send it in the `X-Flow-Id` header instead (what the widget does: a header stays out of logs).');
const FLOW_ID_HEADER: Parameter = { name: 'X-Flow-Id', in: 'header', description: 'The flow\'s id, when the path says `-`.', schema: z.string() };
const RECOVERY_ID = pathId('id', 'The recovery request\'s id.');
const REQUEST_ID = pathId('id', 'The sign-in request\'s id (`ApprovalDetails.id`, or the push\'s payload).');

function operations(): Operation[] {
  const actions = actionInputs();
  const actionNames = [...new Set(actions.flatMap((a) => a.uses.map((use) => use.split('`')[1]!)))].sort();
  const kinds = [...flowDefinitions.keys()];
  return [
    // ------------------------------------------------------------ flows
    {
      method: 'post',
      path: '/api/flows/{kind}',
      summary: 'Start a flow',
      description:
        'Starts a flow and answers its first step. `activate`, `reset` and `recover` start from an emailed link (`{ token }`); the account page\'s flows (`reauth`, `enroll-*`) run in the caller\'s session (cookie, bearer token, or `{ token }` in the body). `login` takes no body.',
      tag: 'flows',
      access: 'optional-session',
      parameters: [pathId('kind', 'The kind of flow.', z.enum(kinds as [string, ...string[]]))],
      body: { anyOf: startInputs().map(({ schema, kinds }) => ({ schema, description: `The start body of ${kinds.map((k) => `\`${k}\``).join(', ')}.` })) },
      bodyOptional: true,
      responses: { 201: json('FlowState', 'The flow at its first step.') },
      errors: ['unknown_flow_kind', 'invitation_invalid', 'reset_link_invalid', 'recovery_link_invalid', 'unauthenticated', 'reauthentication_required', 'sso_required', 'action_not_allowed', 'rate_limited', ...BODY_ERRORS],
    },
    {
      method: 'post',
      path: '/api/flows/{id}/{action}',
      summary: 'Perform one action of a flow',
      description:
        'Posts one of the actions the current step lists in `actions`, with that action\'s body, and answers the next step (`done` carries the session). A refused action answers the same step again with `error` and the error\'s status; a request that has no flow to show (unknown, expired or locked flow, unreadable body) answers an error body.',
      tag: 'flows',
      access: 'public',
      parameters: [
        FLOW_ID,
        pathId('action', 'One of the current step\'s `actions`.', z.enum(actionNames as [string, ...string[]])),
        FLOW_ID_HEADER,
        { name: 'Content-Language', in: 'header', description: 'The language the person chose (`en`, `nl`); a sign-in remembers it.', schema: z.string() },
      ],
      body: { anyOf: actions.map(({ schema, uses }) => ({ schema, description: `The body of ${uses.join(', ')}.` })) },
      bodyOptional: true,
      responses: {
        200: json('FlowState', 'The next step; at `done`, the session (its token in the `__Host-lf_session` cookie when the API sets one).'),
        '4XX': json({ anyOf: ['FlowState', 'ErrorResponse'] }, 'The same step again with `error` (a refused action), or an error body when there is no flow to show.'),
        '5XX': json({ anyOf: ['FlowState', 'ErrorResponse'] }, 'The same step again with `error` (`busy`, `delivery_failed`, `sso_unavailable`), or an error body.'),
      },
      errors: ['flow_not_found', 'flow_expired', 'too_many_attempts', 'flow_conflict', ...BODY_ERRORS],
    },
    {
      method: 'get',
      path: '/api/flows/{id}/wait',
      summary: 'Wait for the person\'s phone',
      description:
        'A long poll for a step that waits on the approver: at `approver-setup` until the phone has enrolled, at `second-factor` until it has answered the request sent. Answers within 25 seconds; `ready: true` as soon as the phone has enrolled or answered (or the request expired), from any API process. The widget then posts the step\'s action (`check` with the code the phone shows, `approval`). One wait per flow: a newer one ends the older with `ready: false`. `Cache-Control: no-store`; 503 `busy` when the process holds too many waits.',
      tag: 'flows',
      access: 'public',
      parameters: [FLOW_ID, FLOW_ID_HEADER],
      responses: { 200: json('FlowReadiness', 'Whether to post the step\'s action now; `false` when the wait ran out: ask again.') },
      errors: ['flow_not_found', 'flow_expired', 'action_not_allowed', 'busy'],
    },

    // ------------------------------------------------------------ session
    {
      method: 'get',
      path: '/api/session',
      summary: 'The caller\'s session, with a fresh JWT',
      tag: 'session',
      access: 'session',
      responses: { 200: json('SessionInfo', 'The person, the session and a fresh JWT.') },
      errors: SESSION_ERRORS,
    },
    {
      method: 'delete',
      path: '/api/session',
      summary: 'Sign out',
      description: 'Ends the session presented, if any, and clears the cookie. Answers 204 either way.',
      tag: 'session',
      access: 'optional-session',
      responses: { 204: noContent('Signed out.') },
    },
    {
      method: 'get',
      path: '/api/session/accounts',
      summary: 'The company accounts this session may switch to',
      tag: 'session',
      access: 'session',
      responses: { 200: json('SessionAccounts', 'Last used first; the current one marked.') },
      errors: SESSION_ERRORS,
    },
    {
      method: 'post',
      path: '/api/session/account',
      summary: 'Switch the session to another company account',
      tag: 'session',
      access: 'session',
      body: switchInput,
      responses: { 200: json('AccountSwitch', 'The account now in use, and a fresh JWT whose `org` names its company.') },
      errors: [...SESSION_ERRORS, 'account_not_available', ...BODY_ERRORS],
    },

    // ------------------------------------------------------------ account
    {
      method: 'get',
      path: '/api/account',
      summary: 'The account security overview',
      tag: 'account',
      access: 'session',
      responses: { 200: json('AccountOverview', 'The person, their session, their sign-in methods and what the server offers.') },
      errors: SESSION_ERRORS,
    },
    {
      method: 'post',
      path: '/api/account/password',
      summary: 'Change the password',
      tag: 'account',
      access: 'session',
      body: passwordChange,
      responses: { 200: json('SignedOut', 'Changed; how many other sessions ended.') },
      errors: [...FRESH_ERRORS, 'password_policy', 'invalid_credentials', 'sso_required', 'rate_limited', ...BODY_ERRORS],
    },
    {
      method: 'delete',
      path: '/api/account/factors/{id}',
      summary: 'Remove an authenticator app or phone',
      tag: 'account',
      access: 'session',
      parameters: [pathId('id', 'The second factor\'s id.')],
      responses: { 204: noContent('Removed.') },
      errors: [...FRESH_ERRORS, 'not_found', 'last_factor', 'sso_required'],
    },
    {
      method: 'post',
      path: '/api/account/recovery-code',
      summary: 'Make a new recovery code',
      tag: 'account',
      access: 'session',
      body: noInput,
      bodyOptional: true,
      responses: { 200: json('NewRecoveryCode', 'The new code, shown once; the previous one no longer works.') },
      errors: [...FRESH_ERRORS, 'mfa_not_enabled', 'sso_required', ...BODY_ERRORS],
    },
    {
      method: 'post',
      path: '/api/account/mfa/disable',
      summary: 'Turn two-step verification off',
      tag: 'account',
      access: 'session',
      body: noInput,
      bodyOptional: true,
      responses: { 204: noContent('Every second factor and the recovery code are gone.') },
      errors: [...FRESH_ERRORS, 'mfa_required', 'sso_required', ...BODY_ERRORS],
    },
    {
      method: 'get',
      path: '/api/account/sessions',
      summary: 'The person\'s live sessions',
      tag: 'account',
      access: 'session',
      responses: { 200: json('AccountSessions', 'Most recently active first.') },
      errors: SESSION_ERRORS,
    },
    {
      method: 'post',
      path: '/api/account/sessions/sign-out-others',
      summary: 'End every other session',
      tag: 'account',
      access: 'session',
      body: noInput,
      bodyOptional: true,
      responses: { 200: json('SignedOut', 'How many sessions ended.') },
      errors: [...FRESH_ERRORS, ...BODY_ERRORS],
    },
    {
      method: 'delete',
      path: '/api/account/sessions/{id}',
      summary: 'End one session',
      description: 'Ending the session in use is signing out and needs nothing more; ending another needs a recent (re-)authentication.',
      tag: 'account',
      access: 'session',
      parameters: [pathId('id', 'The session\'s id.')],
      responses: { 204: noContent('Ended.') },
      errors: [...FRESH_ERRORS, 'not_found'],
    },

    // ------------------------------------------------------------ passkeys
    {
      method: 'get',
      path: '/api/passkeys',
      summary: 'The person\'s passkeys',
      description: 'Passkeys are added with the `enroll-passkey` flow. Answers 404 when passkeys are off.',
      tag: 'passkeys',
      access: 'session',
      responses: { 200: json('Passkeys', 'Oldest first.') },
      errors: [...SESSION_ERRORS, 'not_found'],
    },
    {
      method: 'patch',
      path: '/api/passkeys/{id}',
      summary: 'Rename a passkey',
      tag: 'passkeys',
      access: 'session',
      parameters: [pathId('id', 'The passkey\'s id.')],
      body: passkeyRename,
      responses: { 200: json('Passkeys', 'The passkeys, the renamed one included.') },
      errors: [...SESSION_ERRORS, 'not_found', ...BODY_ERRORS],
    },
    {
      method: 'delete',
      path: '/api/passkeys/{id}',
      summary: 'Remove a passkey',
      tag: 'passkeys',
      access: 'session',
      parameters: [pathId('id', 'The passkey\'s id.')],
      responses: { 204: noContent('Removed.') },
      errors: [...FRESH_ERRORS, 'not_found', 'last_factor', 'sso_required'],
    },

    // ------------------------------------------------------------ devices
    {
      method: 'get',
      path: '/api/devices',
      summary: 'The person\'s remembered devices',
      tag: 'devices',
      access: 'session',
      responses: { 200: json('RememberedDevices', 'Those still in force, newest first.') },
      errors: SESSION_ERRORS,
    },
    {
      method: 'delete',
      path: '/api/devices',
      summary: 'Forget every remembered device',
      tag: 'devices',
      access: 'session',
      responses: { 204: noContent('Forgotten.') },
      errors: SESSION_ERRORS,
    },
    {
      method: 'delete',
      path: '/api/devices/{id}',
      summary: 'Forget one remembered device',
      tag: 'devices',
      access: 'session',
      parameters: [pathId('id', 'The device\'s id.')],
      responses: { 204: noContent('Forgotten.') },
      errors: [...SESSION_ERRORS, 'not_found'],
    },

    // ------------------------------------------------------------ approver
    {
      method: 'get',
      path: '/api/approver/config',
      summary: 'What the approver needs before enrolment',
      description: 'Called by the approver web app (`/approve/`) on the person\'s phone. Every `/api/approver` route answers 404 `not_found` while the approver is off (APPROVER), and `Cache-Control: no-store`.',
      tag: 'approver',
      access: 'public',
      responses: { 200: json('ApproverConfig', 'The push key to subscribe with.') },
      errors: APPROVER_ERRORS,
    },
    {
      method: 'post',
      path: '/api/approver/enrolment',
      summary: 'Open an enrolment from the set-up link',
      description: 'The `approver-setup` step shows a link (and its QR code) whose fragment holds a one-time token; this tells the phone whose it becomes and how to make its key. The token is not spent here.',
      tag: 'approver',
      access: 'public',
      body: linkToken,
      responses: { 200: json('EnrolmentStart', 'Whose phone this becomes, and the options for its passkey.') },
      errors: [...APPROVER_ERRORS, 'approver_enrolment_invalid', ...BODY_ERRORS],
    },
    {
      method: 'post',
      path: '/api/approver/devices',
      summary: 'Enrol this phone',
      description:
        'Spends the set-up link\'s token: the phone proves it holds its key (the passkey\'s registration, or a signature over the token) and becomes an approver once the `approver-setup` step that showed the link goes on (`check`). Rate limited per address.',
      tag: 'approver',
      access: 'public',
      body: approverEnrolment,
      responses: { 201: json('EnrolmentResult', 'Enrolled; keep all of it on the phone (the device token is shown once).') },
      errors: [...APPROVER_ERRORS, 'approver_enrolment_invalid', 'approver_signature', 'passkey_failed', 'passkey_already_registered', 'push_endpoint_invalid', 'rate_limited', ...BODY_ERRORS],
    },
    {
      method: 'put',
      path: '/api/approver/devices/current/subscription',
      summary: 'Replace this phone\'s push subscription',
      description: 'After `pushsubscriptionchange`, or when the person turns notifications on or off.',
      tag: 'approver',
      access: 'approver',
      body: subscriptionUpdate,
      responses: { 204: noContent('Replaced.') },
      errors: [...PHONE_ERRORS, 'push_endpoint_invalid', ...BODY_ERRORS],
    },
    {
      method: 'get',
      path: '/api/approver/requests',
      summary: 'The sign-ins waiting for this phone\'s answer',
      description: 'The person\'s pending requests; none for a phone whose set-up has not finished.',
      tag: 'approver',
      access: 'approver',
      parameters: [{ name: 'wait', in: 'query', description: '`1`: wait (up to 25 seconds) until there is one; the answer may then still be empty.', schema: z.literal('1') }],
      responses: { 200: json('ApprovalList', 'Newest first.') },
      errors: [...PHONE_ERRORS, 'busy'],
    },
    {
      method: 'get',
      path: '/api/approver/requests/{id}',
      summary: 'One sign-in request (the one a push named)',
      tag: 'approver',
      access: 'approver',
      parameters: [REQUEST_ID],
      responses: { 200: json('ApprovalDetails', 'Still waiting for an answer.') },
      errors: [...PHONE_ERRORS, 'approval_not_found', 'approval_decided', 'approval_expired'],
    },
    {
      method: 'post',
      path: '/api/approver/requests/{id}',
      summary: 'Approve or deny a sign-in',
      description:
        'The person\'s answer, signed with the phone\'s key. Approving with the sign-in screen\'s number approves; "this wasn\'t me", or another number, denies: a failed second factor, audited and mailed to the person. A request is answered once: of two answers at the same time, one wins and the other gets `approval_decided`.',
      tag: 'approver',
      access: 'approver',
      parameters: [REQUEST_ID],
      body: approvalDecision,
      responses: { 200: json('ApprovalOutcome', 'What the answer did.') },
      errors: [...PHONE_ERRORS, 'approval_not_found', 'approval_decided', 'approval_expired', 'approver_signature', 'too_many_attempts', 'rate_limited', ...BODY_ERRORS],
    },

    // ------------------------------------------------------------ public
    {
      method: 'get',
      path: '/api/health',
      summary: 'Health: the process and its store answer',
      tag: 'public',
      access: 'public',
      responses: { 200: json('Health', 'Up.') },
      errors: ['store_unavailable'],
    },
    {
      method: 'get',
      path: '/api/openapi.json',
      summary: 'This document',
      tag: 'public',
      access: 'public',
      responses: { 200: json('OpenApiOutline', 'The OpenAPI 3.1 document of this API.') },
    },
    {
      method: 'get',
      path: '/.well-known/jwks.json',
      summary: 'The public keys session JWTs are signed with',
      tag: 'public',
      access: 'public',
      responses: { 200: json('Jwks', 'RFC 7517 JSON Web Key Set; retired keys stay listed for one JWT lifetime.') },
    },
    {
      method: 'get',
      path: '/.well-known/webauthn',
      summary: 'The origins that may use this WebAuthn RP ID',
      tag: 'public',
      access: 'public',
      responses: { 200: json('WebauthnOrigins', 'WebAuthn Level 3 §5.11 related origins.') },
    },

    // ------------------------------------------------------------ admin
    {
      method: 'get',
      path: '/api/admin/users',
      summary: 'List users with their second factors',
      tag: 'admin',
      access: 'admin',
      responses: { 200: json('UserList', 'Oldest first.') },
    },
    {
      method: 'post',
      path: '/api/admin/users/invite',
      summary: 'Invite a person (or send a still-invited person a new link)',
      tag: 'admin',
      access: 'admin',
      body: invite,
      responses: { 200: json('Invitation', 'Sent again; the old link no longer works.'), 201: json('Invitation', 'Invited.') },
      errors: ['invalid_email', 'user_exists', 'user_active', ...BODY_ERRORS],
    },
    {
      method: 'post',
      path: '/api/admin/users/reset-mfa',
      summary: 'Support: remove a person\'s second factors',
      tag: 'admin',
      access: 'admin',
      body: byEmail,
      responses: { 200: json('MfaReset', 'Reset; a one-time backup code to hand over.') },
      errors: ['invalid_email', 'user_not_found', ...BODY_ERRORS],
    },
    {
      method: 'post',
      path: '/api/admin/users/disable',
      summary: 'Disable a person: every session, device, flow and link ends',
      tag: 'admin',
      access: 'admin',
      body: byEmail,
      responses: { 200: json('UserDisabled', 'Disabled.') },
      errors: ['invalid_email', 'user_not_found', ...BODY_ERRORS],
    },
    {
      method: 'post',
      path: '/api/admin/users/import',
      summary: 'Import people from another login',
      description:
        'Streams a file of people into the store in batches: their password hashes (bcrypt, scrypt, PBKDF2, argon2), replaced by argon2id at each person\'s first sign-in; authenticator secrets; company accounts. Keyed on the email: the same file again updates and never duplicates. A bad row is reported with its number and the others still import. The body is capped by `IMPORT_MAX_BYTES`, not `BODY_LIMIT_BYTES`.',
      tag: 'admin',
      access: 'admin',
      parameters: [{ name: 'dryRun', in: 'query', description: '`true`: check and count, write nothing.', schema: importQuery.shape.dryRun }],
      textBody: {
        mediaTypes: ['application/x-ndjson', 'application/jsonl', 'text/csv'],
        description: 'JSON lines, one person per line, or CSV with a header row. Fields: `email` (required), `name`, `locale` (`en`, `nl`), `email_verified`, `password_hash`, `totp_secret` (base32), `companies` (`[{ "org": slug, "role": role }]`, in CSV `acme:admin;globex:employee`).',
      },
      responses: { 200: json('ImportReport', 'Imported; `failed` rows and their reasons are listed.') },
      errors: ['invalid_request', 'body_too_large', 'unsupported_media_type'],
    },
    {
      method: 'get',
      path: '/api/admin/audit',
      summary: 'Read the audit log',
      tag: 'admin',
      access: 'admin',
      parameters: Object.entries(auditQuery.shape).map(([name, schema]) => ({ name, in: 'query' as const, description: AUDIT_QUERY[name as keyof typeof AUDIT_QUERY], schema })),
      responses: { 200: json('AuditPage', 'Newest first.') },
      errors: ['invalid_request', 'invalid_email', 'user_not_found'],
    },
    {
      method: 'get',
      path: '/api/admin/organizations',
      summary: 'List companies',
      tag: 'admin',
      access: 'admin',
      responses: { 200: json('OrganizationList', 'Every company.') },
    },
    {
      method: 'post',
      path: '/api/admin/organizations',
      summary: 'Create a company',
      tag: 'admin',
      access: 'admin',
      body: newOrganization,
      responses: { 201: json('Organization', 'Created.') },
      errors: ['organization_exists', ...BODY_ERRORS],
    },
    {
      method: 'get',
      path: '/api/admin/organizations/{org}',
      summary: 'A company with its people',
      tag: 'admin',
      access: 'admin',
      parameters: [ORG],
      responses: { 200: json('OrganizationDetails', '`memberList` holds the people; `members` stays their count.') },
      errors: ['organization_not_found'],
    },
    {
      method: 'patch',
      path: '/api/admin/organizations/{org}',
      summary: 'Rename a company or set its 2FA policy',
      description: 'The rollout\'s stages: `mfaPromptFrom`, `mfaAskCodeFrom`, `mfaRequiredFrom` (null drops one). The prompt and the code come no later than the required date: else `invalid_request` naming the stage.',
      tag: 'admin',
      access: 'admin',
      parameters: [ORG],
      body: organizationChange,
      responses: { 200: json('Organization', 'Changed.') },
      errors: ['organization_not_found', ...BODY_ERRORS],
    },
    {
      method: 'delete',
      path: '/api/admin/organizations/{org}',
      summary: 'Delete a company',
      tag: 'admin',
      access: 'admin',
      parameters: [ORG],
      responses: { 204: noContent('Deleted.') },
      errors: ['organization_not_found'],
    },
    {
      method: 'get',
      path: '/api/admin/organizations/{org}/stats',
      summary: 'How far a company\'s 2FA rollout has come',
      description: 'Its people by second factor (single sign-on members apart: exempt), and the stages of its policy with whether each holds today.',
      tag: 'admin',
      access: 'admin',
      parameters: [ORG],
      responses: { 200: json('RolloutStats', 'The figures.') },
      errors: ['organization_not_found'],
    },
    {
      method: 'post',
      path: '/api/admin/organizations/{org}/members',
      summary: 'Add a person to a company',
      tag: 'admin',
      access: 'admin',
      parameters: [ORG],
      body: newMember,
      responses: { 201: json('Membership', 'Added.') },
      errors: ['organization_not_found', 'invalid_email', 'user_not_found', ...BODY_ERRORS],
    },
    {
      method: 'delete',
      path: '/api/admin/organizations/{org}/members',
      summary: 'Take a person\'s account at a company away',
      description: 'Idempotent: 204 whether or not the person was a member. The person is named in the body, never in the path (access logs).',
      tag: 'admin',
      access: 'admin',
      parameters: [ORG],
      body: byEmail,
      responses: { 204: noContent('Not a member (any more).') },
      errors: ['organization_not_found', 'invalid_email', 'user_not_found', ...BODY_ERRORS],
    },
    {
      method: 'put',
      path: '/api/admin/organizations/{org}/sso',
      summary: 'Set a company\'s single sign-on (OpenID Connect)',
      tag: 'admin',
      access: 'admin',
      parameters: [ORG],
      body: ssoConnection,
      responses: { 200: json('Organization', 'Set.') },
      errors: ['organization_not_found', 'sso_domain_taken', 'sso_domain_in_use', 'sso_unavailable', ...BODY_ERRORS],
    },
    {
      method: 'delete',
      path: '/api/admin/organizations/{org}/sso',
      summary: 'Remove a company\'s single sign-on',
      tag: 'admin',
      access: 'admin',
      parameters: [ORG],
      responses: { 204: noContent('Removed.') },
      errors: ['organization_not_found'],
    },

    {
      method: 'get',
      path: '/api/admin/recovery-requests',
      summary: 'List recovery requests, oldest first',
      tag: 'admin',
      access: 'admin',
      parameters: [
        { name: 'org', in: 'query', description: "Only the requests of this company's people (id or slug).", schema: recoveryQuery.shape.org },
        { name: 'status', in: 'query', description: '`pending` leaves out those past their end; `expired` includes them.', schema: recoveryQuery.shape.status },
      ],
      responses: { 200: json('RecoveryRequestList', 'At most 500.') },
      errors: ['invalid_request', 'organization_not_found'],
    },
    {
      method: 'get',
      path: '/api/admin/recovery-requests/{id}',
      summary: 'One recovery request, with what was checked',
      tag: 'admin',
      access: 'admin',
      parameters: [RECOVERY_ID],
      responses: { 200: json('RecoveryRequestDetails', "The person's companies, methods and last sign-ins; the employee number check; the approvals so far.") },
      errors: ['recovery_request_not_found'],
    },
    {
      method: 'post',
      path: '/api/admin/recovery-requests/{id}/approve',
      summary: 'Approve a recovery request',
      description:
        "`by`: the deciding administrator's email (an `admin` of one of the person's companies, never the person); left out or `support` for a request in the support queue. With the two-person rule the first approval leaves it pending; the approval that completes it mails the person a single-use link.",
      tag: 'admin',
      access: 'admin',
      parameters: [RECOVERY_ID],
      body: recoveryApproval,
      bodyOptional: true,
      responses: { 200: json('RecoveryApproval', 'Approved (the link is mailed), or waiting for a second administrator.') },
      errors: ['recovery_request_not_found', 'recovery_request_closed', 'recovery_not_administrator', 'recovery_same_administrator', 'invalid_email', ...BODY_ERRORS],
    },
    {
      method: 'post',
      path: '/api/admin/recovery-requests/{id}/reject',
      summary: 'Reject a recovery request; the person is mailed the reason',
      tag: 'admin',
      access: 'admin',
      parameters: [RECOVERY_ID],
      body: recoveryRejection,
      responses: { 200: json('RecoveryRejection', 'Rejected.') },
      errors: ['recovery_request_not_found', 'recovery_request_closed', 'recovery_not_administrator', 'invalid_email', ...BODY_ERRORS],
    },
    {
      method: 'put',
      path: '/api/admin/organizations/{org}/recovery',
      summary: "Set a company's rules for recovery requests",
      description: '`approvals`: 2 for the two-person rule (two different administrators approve); `employeeNumber`: its people give their employee number with a request.',
      tag: 'admin',
      access: 'admin',
      parameters: [ORG],
      body: recoverySettings,
      responses: { 200: json('RecoverySettings', 'Set.') },
      errors: ['organization_not_found', ...BODY_ERRORS],
    },
    {
      method: 'put',
      path: '/api/admin/organizations/{org}/members/employee-number',
      summary: "Record a member's employee number (null forgets it)",
      description: 'A recovery request\'s employee number is checked against it. The person is named in the body, never in the path (access logs).',
      tag: 'admin',
      access: 'admin',
      parameters: [ORG],
      body: employeeNumberChange,
      responses: { 204: noContent('Recorded.') },
      errors: ['organization_not_found', 'invalid_email', 'user_not_found', ...BODY_ERRORS],
    },

    // ------------------------------------------------------------ development
    {
      method: 'get',
      path: '/dev/outbox.json',
      summary: 'The dev outbox: mail and SMS that would have been sent',
      description: 'Outside production only, and only under this machine\'s names or PUBLIC_URL\'s.',
      tag: 'development',
      access: 'public',
      responses: { 200: json('Outbox', 'Newest first, at most 50.') },
    },
    {
      method: 'get',
      path: '/dev/outbox',
      summary: 'The dev outbox as a page',
      description: 'Outside production only.',
      tag: 'development',
      access: 'public',
      responses: { 200: json('html', 'An HTML page.') },
    },
    {
      method: 'get',
      path: '/dev/outbox/{file}',
      summary: 'A sent mail\'s HTML part',
      description: 'Outside production only; served sandboxed, with nothing loaded.',
      tag: 'development',
      access: 'public',
      parameters: [pathId('file', 'The message id and `.html`.', z.string().regex(/^[0-9a-fA-F-]+\.html$/))],
      responses: { 200: json('html', 'The mail\'s HTML.') },
      errors: ['not_found'],
    },
  ];
}

// ------------------------------------------------------------------ building the document

type JsonObject = Record<string, unknown>;

const SECURITY: Record<Access, JsonObject[]> = {
  public: [],
  session: [{ sessionCookie: [] }, { sessionToken: [] }],
  'optional-session': [{}, { sessionCookie: [] }, { sessionToken: [] }],
  admin: [{ adminKey: [] }],
  approver: [{ approverDevice: [] }],
};

const TAGS: { name: Tag; description: string }[] = [
  { name: 'flows', description: 'The server-driven flows: sign-in, activation, password reset, and the account page\'s re-authentication and enrolments.' },
  { name: 'session', description: 'The session a flow ended with.' },
  { name: 'account', description: 'The account security page: password, second factors, recovery code, sessions.' },
  { name: 'passkeys', description: 'The person\'s passkeys (when passkeys are on).' },
  { name: 'devices', description: 'Devices remembered at the second factor.' },
  { name: 'approver', description: 'The approver web app on the person\'s phone: enrolment, then the sign-ins to approve with a number to match (when APPROVER is on).' },
  { name: 'admin', description: 'For an employer\'s or support\'s backend; off unless ADMIN_API_KEY is set.' },
  { name: 'public', description: 'Health, keys, and this document.' },
  { name: 'development', description: 'The dev outbox: outside production only.' },
];

/** Zod's JSON Schema for a registry of named schemas, each a component, refs between them as `#/components/schemas/<name>`. */
function components(registry: z.core.$ZodRegistry<{ id: string }>, io: 'input' | 'output'): Record<string, JsonObject> {
  const { schemas } = z.toJSONSchema(registry, { target: 'draft-2020-12', io, uri: (id) => `#/components/schemas/${id}` });
  // The document states the dialect once (`jsonSchemaDialect`); a component needs no `$schema`, and a
  // fragment-only `$id` is not a valid identifier in JSON Schema 2020-12.
  return Object.fromEntries(Object.entries(schemas).map(([name, { $schema: _dialect, $id: _id, ...schema }]) => [name, schema as JsonObject]));
}

/** Answers' and inputs' components in one map; a name used by both would make one overwrite the other. */
function mergeComponents(outputs: Record<string, JsonObject>, inputs: Record<string, JsonObject>): Record<string, JsonObject> {
  const clash = Object.keys(inputs).filter((name) => name in outputs);
  if (clash.length) throw new Error(`OpenAPI: ${clash.join(', ')} named both an answer and an input`);
  return { ...outputs, ...inputs };
}

/** One schema on its own (a parameter's), with no `$schema`. */
function inline(schema: z.ZodType, io: 'input' | 'output' = 'input'): JsonObject {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { target: 'draft-2020-12', io });
  return json as JsonObject;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** An answer's media type and schema. */
function answerContent(body: NonNullable<Answer['body']>): JsonObject {
  if (body === 'html') return { 'text/html': { schema: { type: 'string' } } };
  return { 'application/json': { schema: typeof body === 'string' ? ref(body) : { anyOf: body.anyOf.map(ref) } } };
}

/** The document, built from the table above; the dev outbox only where it is mounted (outside production). */
export function buildOpenApiDocument({ development = false }: { development?: boolean } = {}): JsonObject {
  const table = operations().filter((operation) => development || operation.tag !== 'development');

  const outputs = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(ANSWERS)) outputs.add(schema, { id });

  const inputs = z.registry<{ id: string }>();
  const inputName = new Map<z.ZodType, string>();
  const nameInput = (schema: z.ZodType, fallback: string): string => {
    const name = inputName.get(schema) ?? INPUT_NAMES.get(schema) ?? fallback;
    if (!inputName.has(schema)) {
      inputName.set(schema, name);
      inputs.add(schema, { id: name });
    }
    return name;
  };
  for (const { schema, name } of actionInputs()) nameInput(schema, name);

  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const operation of table) {
    const operationId = `${operation.method}${operation.path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`;

    const responses: JsonObject = {};
    for (const [status, answer] of Object.entries(operation.responses) as [string, Answer][]) {
      responses[status] = {
        description: answer.description,
        ...(answer.body === undefined ? {} : { content: answerContent(answer.body) }),
      };
    }
    // Listed codes, by status, where no answer above already covers the status.
    const byStatus = new Map<number, ErrorCode[]>();
    for (const code of operation.errors ?? []) byStatus.set(ERROR_CATALOGUE[code].status, [...(byStatus.get(ERROR_CATALOGUE[code].status) ?? []), code]);
    for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
      if (responses[status] || responses[`${String(status)[0]}XX`]) continue;
      responses[status] = { description: codes.map((code) => `\`${code}\``).join(', '), content: { 'application/json': { schema: ref('ErrorResponse') } } };
    }
    responses.default = { description: 'Any other error: a catalogue code (`rate_limited`, `origin_not_allowed`, `internal_error`, `store_unavailable`, ...).', content: { 'application/json': { schema: ref('ErrorResponse') } } };

    let requestBody: JsonObject | undefined;
    if (operation.body) {
      const schema =
        'anyOf' in operation.body
          ? { anyOf: operation.body.anyOf.map(({ schema, description }) => ({ ...ref(nameInput(schema, 'Input')), description })) }
          : ref(nameInput(operation.body, `${pascal(operationId)}Input`));
      requestBody = { required: !operation.bodyOptional, content: { 'application/json': { schema } } };
    }
    if (operation.textBody) {
      requestBody = {
        required: true,
        description: operation.textBody.description,
        content: Object.fromEntries(operation.textBody.mediaTypes.map((type) => [type, { schema: { type: 'string' } }])),
      };
    }

    paths[operation.path] ??= {};
    paths[operation.path]![operation.method] = {
      operationId,
      summary: operation.summary,
      ...(operation.description ? { description: operation.description } : {}),
      tags: [operation.tag],
      security: SECURITY[operation.access],
      ...(operation.parameters
        ? {
            parameters: operation.parameters.map((p) => ({
              name: p.name,
              in: p.in,
              ...(p.description ? { description: p.description } : {}),
              required: p.required ?? p.in === 'path',
              schema: inline(p.schema),
            })),
          }
        : {}),
      ...(requestBody ? { requestBody } : {}),
      responses,
    };
  }

  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'login-flow',
      version,
      summary: 'An embeddable, server-driven login: flows, sessions, the account page, the approver and the admin API.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    tags: TAGS,
    paths,
    components: {
      schemas: mergeComponents(components(outputs, 'output'), components(inputs, 'input')),
      securitySchemes: {
        sessionCookie: {
          type: 'apiKey',
          in: 'cookie',
          name: `__Host-${SESSION_COOKIE}`,
          description: 'The session token in an HttpOnly cookie, set at `done` when the API shares a site with the host page.',
        },
        sessionToken: { type: 'http', scheme: 'bearer', description: 'The opaque session token from the `done` step (`session.token`).' },
        adminKey: { type: 'http', scheme: 'bearer', description: 'The admin API key (ADMIN_API_KEY). Wrong keys are counted per client and rate limited.' },
        approverDevice: { type: 'http', scheme: 'bearer', description: 'An enrolled phone\'s device token (`EnrolmentResult.deviceToken`); a decision is also signed with the phone\'s key.' },
      },
    },
  };
}
