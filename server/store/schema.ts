import type { Generated } from 'kysely';

/*
 * Table types for Kysely. Times are epoch milliseconds (bigint columns, read
 * back as numbers on both dialects); ids are random text.
 */

/** A person: one email, one set of credentials, any number of company accounts. */
export interface UsersTable {
  id: string;
  /** Normalised (trimmed, lower-case); unique. */
  email: string;
  name: string;
  /** argon2id PHC string; null until the person sets a password (invited, SSO). */
  password_hash: string | null;
  status: 'active' | 'invited' | 'disabled';
  /** Logins left before the 2FA prompt shows again ("remind me later"). */
  mfa_snooze: Generated<number>;
  /** The WebAuthn user handle (random, not the email); set at the first passkey. */
  webauthn_id: string | null;
  /** When the person proved the address is theirs (a mailed code); null until then. */
  email_verified_at: number | null;
  /** The language of the mail they receive (`en`, `nl`); null for the default. */
  locale: string | null;
  created_at: number;
  updated_at: number;
}

/** A company whose employees sign in here. */
export interface OrganizationsTable {
  id: string;
  name: string;
  slug: string;
  /** From this date (YYYY-MM-DD, UTC) its people need 2FA; null when the company does not require it. */
  mfa_required_from: string | null;
  created_at: number;
  /** From this date (YYYY-MM-DD, UTC) its people without 2FA are prompted to set it up; null: as `mfa_required_from` has it. */
  mfa_prompt_from: string | null;
  /** From this date (YYYY-MM-DD, UTC) its people with 2FA are asked for their code; null: always. */
  mfa_ask_code_from: string | null;
  /** Recovery requests: how many different administrators approve one (1 or 2). */
  recovery_approvals: Generated<number>;
  /** Recovery requests: 1 when its people give their employee number with one, else 0. */
  recovery_employee_number: Generated<number>;
}

/** One person's account at one company. */
export interface MembershipsTable {
  id: string;
  user_id: string;
  organization_id: string;
  role: string;
  created_at: number;
  last_used_at: number | null;
  /** The person's employee number at this company, checked against a recovery request's; null when not on record. */
  employee_number: Generated<string | null>;
}

/** A company's OpenID Connect provider: its people sign in there, not with a password and 2FA here. */
export interface SsoConnectionsTable {
  organization_id: string;
  /** The provider's name as people know it, e.g. "Microsoft Entra ID"; shown on the button and the account page. */
  name: string;
  /** The issuer identifier (OpenID Connect Discovery 1.0 §4); its configuration is fetched from it. */
  issuer: string;
  client_id: string;
  /** Sealed with the server's secret key (context `sso-client:<organization id>`). */
  client_secret: string;
  created_at: number;
  updated_at: number;
}

/** An email domain owned by a company that signs in through its own identity provider. */
export interface SsoDomainsTable {
  domain: string;
  organization_id: string;
  created_at: number;
}

/** A flow in progress. Keyed by the SHA-256 of its id, so a read of the table cannot resume flows. */
export interface FlowsTable {
  id_hash: string;
  kind: string;
  step: string;
  /** JSON of the flow's own state. */
  state: string;
  user_id: string | null;
  attempts: number;
  /** Bumped on every write; writes are conditional on it (no lost updates). */
  version: number;
  created_at: number;
  expires_at: number;
}

export interface SessionsTable {
  /** Public id (the JWT `sid`); not a credential. */
  id: string;
  /** SHA-256 of the opaque token; the token itself is never stored. */
  token_hash: string;
  user_id: string;
  membership_id: string | null;
  /** JSON array of RFC 8176 authentication method references. */
  amr: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  revoked_at: number | null;
  user_agent: string | null;
  /** The client address at sign-in, shown to the session's owner on the account page. */
  ip: string | null;
  /** The last re-authentication (account page); changes need it to be recent. */
  reauth_at: number | null;
  /** The last time this session passed a second factor (at sign-in or re-authentication). */
  mfa_at: number | null;
  /** The issuer of the OpenID provider the session signed in through (SSO); null for the platform's own sign-in. */
  provider: string | null;
  /** Single sign-on: the company whose connection signed the person in (two companies may share an issuer). */
  sso_organization_id: string | null;
}

export interface RateLimitsTable {
  key: string;
  count: number;
  reset_at: number;
}

export interface SigningKeysTable {
  kid: string;
  alg: string;
  private_jwk: string;
  public_jwk: string;
  created_at: number;
  retired_at: number | null;
}

/** A second factor. `confirmed_at` is null while set-up is unfinished. */
export interface CredentialsTable {
  id: string;
  user_id: string;
  type: 'totp' | 'passkey' | 'sms' | 'approver';
  /** The TOTP shared secret, or the SMS phone number (E.164), sealed with the server's secret key. */
  secret: string | null;
  name: string;
  created_at: number;
  confirmed_at: number | null;
  last_used_at: number | null;
  /** The last accepted TOTP time step; codes of this step or older are refused. */
  last_step: number | null;
  /** Passkeys: the credential id (base64url), unique across all users. */
  credential_id: string | null;
  /** Passkeys: the COSE public key, base64url. */
  public_key: string | null;
  /** Passkeys: the signature counter last seen (WebAuthn Level 3 §6.1.1). */
  counter: number | null;
  /** Passkeys: JSON array of transports the authenticator reported. */
  transports: string | null;
  /** Passkeys: backup eligible and backed up ("synced") per the BE/BS flags. */
  backed_up: number | null;
  device_type: string | null;
  /** When a counter went backwards: a sign the authenticator may be cloned (§6.1.1). */
  counter_regressed_at: number | null;
  /** Approvers being set up: the SHA-256 of the set-up link's token the phone enrolled with. */
  enrolment: string | null;
}

/** Passkey registration challenges issued outside a flow (from a signed-in session). */
export interface WebauthnChallengesTable {
  challenge: string;
  user_id: string;
  expires_at: number;
}

/** One-time codes: the person's recovery code, or a backup code from support. */
export interface RecoveryCodesTable {
  id: string;
  user_id: string;
  code_hash: string;
  kind: 'recovery' | 'support';
  created_at: number;
  used_at: number | null;
}

/** "Remember this device": skips the second factor, not the password. */
export interface RememberedDevicesTable {
  id: string;
  user_id: string;
  token_hash: string;
  user_agent: string | null;
  created_at: number;
  last_used_at: number | null;
  expires_at: number;
  revoked_at: number | null;
}

/** Mail and SMS that would have been sent, kept when no SMTP server or SMS provider is configured (development). */
export interface OutboxTable {
  id: string;
  channel: 'email' | 'sms';
  recipient: string;
  subject: string;
  /** The text (plain-text part of a mail, or the SMS). */
  body: string;
  /** The HTML part of a mail. */
  html: string | null;
  created_at: number;
}

/** A single-use link sent by mail: an invitation to activate, or a password reset. Only the SHA-256 of its token is kept. */
export interface LinkTokensTable {
  token_hash: string;
  user_id: string;
  purpose: 'invitation' | 'password-reset' | 'approver-enrolment' | 'account-recovery';
  created_at: number;
  expires_at: number;
  /** Set by the one conditional update that consumes it (or kills it when a newer link is sent). */
  used_at: number | null;
}

/**
 * Mail waiting to go out, or sent. The message (subject, text, HTML) is
 * sealed, as it may carry a link or a code, and cleared once sent.
 */
export interface MailQueueTable {
  id: string;
  user_id: string | null;
  recipient: string;
  /** The template, e.g. `invitation`; for the admin's view of delivery. */
  kind: string;
  message: string | null;
  attempts: number;
  /** When to try again; null once sent or given up. */
  next_attempt_at: number | null;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
}

/** A security event, kept for support and review (OWASP ASVS 5.0 V16.3). */
export interface AuditEventsTable {
  id: string;
  at: number;
  event: string;
  user_id: string | null;
  /** Who caused it: `user`, `admin`, `cli` or `system`. */
  actor: string;
  ip: string | null;
  /** JSON with the event's facts; never a secret. */
  detail: string | null;
}

/**
 * A sign-in waiting for the person's phone (push approval with number
 * matching). Answered once: `pending` becomes `approved` or `denied` (a "this
 * wasn't me", or another number than the sign-in screen's), and an approved
 * one `used` when its sign-in goes on.
 */
export interface ApprovalRequestsTable {
  /** 128 random bits, base64url: the only thing a push carries. */
  id: string;
  user_id: string;
  /** The two digits on the sign-in screen. */
  number: string;
  /** JSON array of the three numbers the phone shows, `number` among them, in the order shown. */
  choices: string;
  ip: string | null;
  user_agent: string | null;
  /** The company's name, when the sign-in is for one. */
  company: string | null;
  /** A sign-in (or re-authentication), or a new password from a reset link. */
  purpose: 'sign-in' | 'password-reset';
  status: 'pending' | 'approved' | 'denied' | 'used';
  /** The approver (credential id) that answered. */
  approver_id: string | null;
  created_at: number;
  expires_at: number;
  decided_at: number | null;
}

/** The server's VAPID key pair (RFC 8292), one row (`id` 'vapid'); the private key sealed with the server's secret key. */
export interface PushKeysTable {
  id: string;
  /** Uncompressed P-256 point, base64url (the browser's `applicationServerKey`). */
  public_key: string;
  private_key: string;
  created_at: number;
}

/**
 * "Lost access to your phone?": a person's request to have their second
 * factors replaced, decided by their company's administrators or by support.
 * `pending` becomes `approved` (a link was mailed), `rejected` or `expired`;
 * an approved one becomes `used` when its link replaced the factors.
 */
export interface RecoveryRequestsTable {
  /** 128 random bits, base64url. */
  id: string;
  user_id: string;
  /** The person's note for whoever decides. */
  note: string;
  /** The employee number given, when one was. */
  employee_number: string | null;
  /** What the employee number check said: `match`, `mismatch`, `not-given`, `no-record` or `not-asked`. */
  employee_check: string;
  /** Where it was made: `second-factor` (after the password) or `form` (the public page). */
  source: 'second-factor' | 'form';
  ip: string | null;
  user_agent: string | null;
  /** `closed`: ended without a decision (a later request replaced it, the password changed, 2FA was reset, the account disabled). */
  status: 'pending' | 'approved' | 'rejected' | 'expired' | 'used' | 'closed';
  /** Approvals so far (the rows of recovery_request_approvals); counted in the update that decides. */
  approvals: Generated<number>;
  created_at: number;
  expires_at: number;
  decided_at: number | null;
  /** Who decided: an administrator's email, or `support`. */
  decided_by: string | null;
  /** A rejection's reason, as mailed to the person. */
  reason: string | null;
  /** The SHA-256 of the link mailed on approval. */
  link_token_hash: string | null;
}

/** One administrator's approval of a recovery request (the two-person rule counts each once). */
export interface RecoveryRequestApprovalsTable {
  request_id: string;
  /** The administrator's user id, or `support`. */
  approver: string;
  at: number;
}

export interface Database {
  recovery_requests: RecoveryRequestsTable;
  recovery_request_approvals: RecoveryRequestApprovalsTable;
  approval_requests: ApprovalRequestsTable;
  push_keys: PushKeysTable;
  users: UsersTable;
  organizations: OrganizationsTable;
  memberships: MembershipsTable;
  sso_domains: SsoDomainsTable;
  sso_connections: SsoConnectionsTable;
  flows: FlowsTable;
  sessions: SessionsTable;
  rate_limits: RateLimitsTable;
  signing_keys: SigningKeysTable;
  credentials: CredentialsTable;
  recovery_codes: RecoveryCodesTable;
  remembered_devices: RememberedDevicesTable;
  outbox: OutboxTable;
  webauthn_challenges: WebauthnChallengesTable;
  link_tokens: LinkTokensTable;
  mail_queue: MailQueueTable;
  audit_events: AuditEventsTable;
}

