import { HTTPException } from 'hono/http-exception';
import type { z } from 'zod';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * The one catalogue of error codes. Every error the API returns carries one of
 * these codes; the widget uses the code as its translation key, so a code is a
 * public name: add codes, never rename them.
 */
export const ERROR_CATALOGUE = {
  invalid_json: { status: 400, message: 'The request body is not valid JSON.' },
  invalid_request: { status: 400, message: 'A field is missing or malformed.' },
  invalid_email: { status: 400, message: 'This is not a valid email address.' },
  password_policy: { status: 400, message: 'The password does not meet the password policy.' },
  invalid_credentials: { status: 401, message: 'The email address or password is incorrect.' },
  invalid_code: { status: 401, message: 'The verification code is incorrect or has already been used.' },
  code_expired: { status: 410, message: 'The verification code has expired; ask for a new one.' },
  invalid_phone: { status: 400, message: 'This is not a valid mobile phone number.' },
  invitation_invalid: { status: 410, message: 'This activation link is no longer valid: it has expired, was replaced by a newer invitation, or was already used.' },
  reset_link_invalid: { status: 410, message: 'This link to set a new password is no longer valid: it has expired or was already used.' },
  recovery_link_invalid: { status: 410, message: 'This recovery link is no longer valid: it has expired or was already used. Ask for a new recovery request.' },
  delivery_failed: { status: 502, message: 'The message could not be sent; try again shortly.' },
  user_not_found: { status: 404, message: 'There is no user with this email address.' },
  user_exists: { status: 409, message: 'A user with this email address already exists.' },
  user_active: { status: 409, message: 'This account is already activated; invitations are for accounts not yet activated.' },
  invalid_recovery_code: { status: 401, message: 'The recovery code is incorrect or has already been used.' },
  passkey_failed: { status: 401, message: 'The passkey could not be verified.' },
  passkey_unknown: { status: 401, message: 'This passkey is not registered for this account.' },
  passkey_user_verification: { status: 401, message: 'The passkey did not verify who you are (Face ID, fingerprint or PIN).' },
  approval_pending: { status: 409, message: 'The sign-in has not been approved on your phone yet.' },
  approval_denied: { status: 401, message: 'The sign-in was refused on your phone.' },
  approval_expired: { status: 410, message: 'The sign-in request to your phone has expired; send a new one.' },
  approval_not_found: { status: 404, message: 'There is no such sign-in request for this phone.' },
  approval_decided: { status: 409, message: 'This sign-in request was already answered.' },
  approver_pending: { status: 409, message: 'The approver has not been set up on your phone yet.' },
  approver_enrolment_invalid: { status: 410, message: 'This set-up link is no longer valid: it has expired or was already used. Make a new one where you started.' },
  approver_unknown: { status: 401, message: 'This phone is no longer set up to approve sign-ins.' },
  approver_signature: { status: 401, message: 'The approval could not be verified with this phone\'s key.' },
  push_endpoint_invalid: { status: 400, message: 'This push subscription cannot be used.' },
  passkey_already_registered: { status: 409, message: 'This passkey is already registered.' },
  reauthentication_required: { status: 403, message: 'Confirm it is you (password or passkey, and your second factor when asked) before this change.' },
  last_factor: { status: 409, message: 'Two-step verification is required: the last second factor cannot be removed.' },
  mfa_required: { status: 409, message: 'Two-step verification is required for this account, so it cannot be turned off.' },
  mfa_not_enabled: { status: 409, message: 'Two-step verification is off: turn it on before making a recovery code.' },
  sso_failed: { status: 401, message: 'The sign-in at your company could not be verified; try again.' },
  sso_cancelled: { status: 401, message: 'The sign-in at your company was cancelled.' },
  sso_unavailable: { status: 502, message: 'Your company\'s sign-in service could not be reached or reported an error; try again shortly.' },
  sso_email_mismatch: { status: 403, message: 'You signed in at your company with another email address than the one you entered here.' },
  sso_email_unverified: { status: 403, message: 'Your company\'s sign-in did not confirm your email address, so it cannot sign you in here.' },
  sso_no_account: { status: 403, message: 'There is no account for this address yet; ask your company\'s administrator for access.' },
  sso_required: { status: 403, message: 'Your company signs you in through its own sign-in service.' },
  account_not_available: { status: 403, message: 'This company account is not available in this session.' },
  recovery_request_not_found: { status: 404, message: 'There is no recovery request with this id in your queue.' },
  recovery_request_closed: { status: 409, message: 'This recovery request was already decided, or has expired.' },
  recovery_not_administrator: { status: 403, message: "Only an administrator of the person's company (or the platform's support, for people without a company) may decide this request." },
  recovery_same_administrator: { status: 409, message: 'This company needs the approval of two different administrators; you approved this request already.' },
  import_invalid: { status: 400, message: 'The import could not be read: see the rows reported.' },
  organization_not_found: { status: 404, message: 'There is no company with this id.' },
  organization_exists: { status: 409, message: 'A company with this slug already exists.' },
  sso_domain_taken: { status: 409, message: 'This email domain already belongs to another company.' },
  sso_domain_in_use: { status: 409, message: 'People with an address at this domain are not members of this company: add them as members first, or leave the domain out.' },
  unauthenticated: { status: 401, message: 'No valid session was presented.' },
  account_disabled: { status: 403, message: 'This account has been disabled.' },
  origin_not_allowed: { status: 403, message: 'Requests from this origin are not allowed.' },
  not_found: { status: 404, message: 'There is nothing at this address.' },
  flow_not_found: { status: 404, message: 'This sign-in attempt does not exist or has ended.' },
  unknown_flow_kind: { status: 404, message: 'There is no flow of this kind.' },
  method_not_allowed: { status: 405, message: 'This method is not allowed here.' },
  action_not_allowed: { status: 409, message: 'This action is not possible at this step.' },
  flow_conflict: { status: 409, message: 'Another request changed this flow at the same time; try again.' },
  flow_expired: { status: 410, message: 'This sign-in attempt has expired; start again.' },
  body_too_large: { status: 413, message: 'The request body is too large.' },
  unsupported_media_type: { status: 415, message: 'Send the body as application/json.' },
  too_many_attempts: { status: 429, message: 'Too many failed attempts in this flow; start again.' },
  rate_limited: { status: 429, message: 'Too many attempts; wait a while and try again.' },
  internal_error: { status: 500, message: 'Something went wrong on our side.' },
  store_unavailable: { status: 503, message: 'The service is temporarily unavailable.' },
  busy: { status: 503, message: 'Too many sign-ins at once; try again in a few seconds.' },
} as const satisfies Record<string, { status: ContentfulStatusCode; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** Codes only the account page's API (and `/api/passkeys`) return: the account element carries their messages. */
export type AccountErrorCode = 'mfa_required' | 'mfa_not_enabled' | 'last_factor';

/** Codes the login widget never sees, so it carries no message for them: the admin API's, and the account page's. */
export type AdminErrorCode =
  | 'user_not_found'
  | 'user_exists'
  | 'user_active'
  | 'organization_not_found'
  | 'organization_exists'
  | 'sso_domain_taken'
  | 'sso_domain_in_use'
  | 'recovery_request_not_found'
  | 'recovery_request_closed'
  | 'recovery_not_administrator'
  | 'recovery_same_administrator'
  | 'import_invalid'
  | AccountErrorCode;

/**
 * Codes of the sign-in's rarer steps (single sign-on, choosing a company): the
 * widget loads their words with those steps, not with the rest of the login.
 */
export type CompanyErrorCode = 'sso_failed' | 'sso_cancelled' | 'sso_unavailable' | 'sso_email_mismatch' | 'sso_email_unverified' | 'sso_no_account' | 'sso_required' | 'account_not_available';

/** What a response says about an error: the code, and the field it concerns, if any. */
export interface ErrorBody {
  code: ErrorCode;
  field?: string;
  /** Extra facts the client can show, e.g. the password rules that failed. */
  details?: Record<string, unknown>;
}

/**
 * A request failure with a catalogue code. Thrown anywhere below a route; the
 * error boundary in `app.ts` turns it into `{ error: { code, field, message } }`.
 */
export class ApiError extends HTTPException {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  /** Seconds until a rate-limited client may try again (sent as `Retry-After`). */
  readonly retryAfter: number | undefined;

  constructor(
    code: ErrorCode,
    options: { field?: string; details?: Record<string, unknown>; retryAfter?: number; cause?: unknown } = {},
  ) {
    super(ERROR_CATALOGUE[code].status, { message: ERROR_CATALOGUE[code].message, cause: options.cause });
    this.code = code;
    this.field = options.field;
    this.details = options.details;
    this.retryAfter = options.retryAfter;
  }

  get body(): ErrorBody {
    return {
      code: this.code,
      ...(this.field === undefined ? {} : { field: this.field }),
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

export function statusOf(code: ErrorCode): ContentfulStatusCode {
  return ERROR_CATALOGUE[code].status;
}

/** The refusal of input that does not match its schema: `invalid_request`, naming the first field at fault. */
export function invalidRequest(error: z.ZodError): ErrorBody {
  const issue = error.issues[0];
  return { code: 'invalid_request', ...(issue?.path.length ? { field: String(issue.path[0]) } : {}) };
}

/** Parses input against a schema; a mismatch throws {@link invalidRequest}. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) {
    const { field } = invalidRequest(parsed.error);
    throw new ApiError('invalid_request', field === undefined ? {} : { field });
  }
  return parsed.data;
}
