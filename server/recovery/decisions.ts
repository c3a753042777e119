/*
 * Deciding recovery requests. A person's request goes to the administrators
 * (role `admin`) of their companies; a person without a company, or whose
 * companies have no administrator, goes to the platform's support. An
 * approval mails a single-use link that replaces the lost factors; a
 * rejection mails the reason. Every change of a request's status is one
 * conditional update, so of two racing decisions exactly one wins.
 *
 * OWASP ASVS 5.0 V6.4.4: a lost factor is replaced only after the person's
 * identity is checked again, by people who know them (their administrators)
 * or by support, not by a mailbox alone.
 */
import { sql, type Selectable } from 'kysely';
import { audit, type AuditActor } from '../audit.js';
import type { AppContext } from '../context.js';
import { queueMail } from '../delivery/mail.js';
import { ApiError } from '../errors.js';
import { emailSchema } from '../factors/email-address.js';
import { secondFactorMethods, type SecondFactorMethod } from '../factors/methods.js';
import { consumeLinkToken, issueLinkToken } from '../security/link-tokens.js';
import { sha256 } from '../security/random.js';
import { inTransaction, type Db } from '../store/index.js';
import type { RecoveryRequestsTable } from '../store/schema.js';
import { agentLabel } from '../user-agent.js';
import type { EmployeeCheck, RequestSource } from './requests.js';

const DAY_MS = 24 * 3_600_000;

/** The role whose members decide their colleagues' requests. */
export const ADMIN_ROLE = 'admin';

/** Who decides for people without a company administrator. */
export const SUPPORT = 'support';

/** What a request id can look like (128 random bits, base64url); anything else is not looked up. */
const REQUEST_ID = /^[A-Za-z0-9_-]{16,64}$/;

/** How many requests a list shows at most. */
const LIST_LIMIT = 500;

/** How many of the person's last sign-ins a request shows. */
const SIGN_INS_SHOWN = 5;

export type RecoveryStatus = RecoveryRequestsTable['status'];

/** The queue a request waits in: its person's company administrators, or the platform's support. */
export type RecoveryQueue = 'company' | 'support';

/** A person's company as a request shows it. */
export interface RecoveryCompany {
  id: string;
  slug: string;
  name: string;
  /** The person's role there. */
  role: string;
}

/** A request in a list. */
export interface RecoveryRequestSummary {
  id: string;
  /** A pending request past its end reads as `expired`, swept or not. */
  status: RecoveryStatus;
  user: { id: string; email: string; name: string };
  companies: RecoveryCompany[];
  queue: RecoveryQueue;
  note: string;
  source: RequestSource;
  createdAt: number;
  expiresAt: number;
  /** Approvals so far, and how many it takes (2 when one of the person's companies has the two-person rule). */
  approvals: number;
  approvalsNeeded: number;
  decidedAt: number | null;
  /** An administrator's email, or `support`. */
  decidedBy: string | null;
  reason: string | null;
}

/** A request with what whoever decides should weigh. */
export interface RecoveryRequestDetails extends RecoveryRequestSummary {
  /** What was checked: never shown to the person asking. */
  checked: {
    employeeNumber: EmployeeCheck;
    /** The request was made after the account's password was given (at the second factor). */
    passwordChecked: boolean;
    accountCreatedAt: number;
    accountAgeDays: number;
    ip: string | null;
    browser: string | null;
  };
  /** The person's second factors today (the ones they say are lost). */
  methods: SecondFactorMethod[];
  /** The person's last sign-ins, newest first. */
  lastSignIns: { at: number; ip: string | null }[];
  /** Who approved so far, in order. */
  approvedBy: { by: string; at: number }[];
}

type RequestRow = Selectable<RecoveryRequestsTable> & { email: string; name: string };

/** The status as it reads now: pending past its end is expired. */
function statusAt(row: { status: RecoveryStatus; expires_at: number }, now: number): RecoveryStatus {
  return row.status === 'pending' && Number(row.expires_at) <= now ? 'expired' : row.status;
}

/** Who decides a person's requests: the administrators of their companies (never the person), and how many approvals it takes. */
async function deciders(db: Db, userId: string): Promise<{ companies: RecoveryCompany[]; admins: { userId: string; email: string }[]; queue: RecoveryQueue; needed: number }> {
  const companies = await db
    .selectFrom('memberships')
    .innerJoin('organizations', 'organizations.id', 'memberships.organization_id')
    .select(['organizations.id', 'organizations.slug', 'organizations.name', 'memberships.role', 'organizations.recovery_approvals'])
    .where('memberships.user_id', '=', userId)
    .orderBy('organizations.slug')
    .execute();
  const admins =
    companies.length === 0
      ? []
      : await db
          .selectFrom('memberships')
          .innerJoin('users', 'users.id', 'memberships.user_id')
          .select(['users.id', 'users.email'])
          .distinct()
          .where('memberships.organization_id', 'in', companies.map((c) => c.id))
          .where('memberships.role', '=', ADMIN_ROLE)
          .where('memberships.user_id', '!=', userId)
          .where('users.status', '=', 'active')
          .execute();
  const queue: RecoveryQueue = admins.length > 0 ? 'company' : 'support';
  // The two-person rule: the strictest of the person's companies applies.
  const needed = queue === 'company' ? Math.max(1, ...companies.map((c) => Number(c.recovery_approvals))) : 1;
  return {
    companies: companies.map((c) => ({ id: c.id, slug: c.slug, name: c.name, role: c.role })),
    admins: admins.map((a) => ({ userId: a.id, email: a.email })),
    queue,
    needed,
  };
}

function baseQuery(db: Db) {
  return db
    .selectFrom('recovery_requests')
    .innerJoin('users', 'users.id', 'recovery_requests.user_id')
    .selectAll('recovery_requests')
    .select(['users.email', 'users.name']);
}

async function summarise(db: Db, row: RequestRow, now: number): Promise<RecoveryRequestSummary> {
  const { companies, queue, needed } = await deciders(db, row.user_id);
  return {
    id: row.id,
    status: statusAt(row, now),
    user: { id: row.user_id, email: row.email, name: row.name },
    companies,
    queue,
    note: row.note,
    source: row.source,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    approvals: Number(row.approvals),
    approvalsNeeded: needed,
    decidedAt: row.decided_at === null ? null : Number(row.decided_at),
    decidedBy: row.decided_by,
    reason: row.reason,
  };
}

/**
 * Requests, oldest first: those of one company's people (`organization`, an
 * id), and in one status (`pending` leaves out the expired, `expired`
 * includes pending ones past their end).
 */
export async function listRecoveryRequests(app: AppContext, { organization, status }: { organization?: string | undefined; status?: RecoveryStatus | undefined } = {}): Promise<RecoveryRequestSummary[]> {
  const now = app.now();
  let query = baseQuery(app.db).orderBy('recovery_requests.created_at').orderBy('recovery_requests.id').limit(LIST_LIMIT);
  if (organization !== undefined) {
    query = query.where('recovery_requests.user_id', 'in', app.db.selectFrom('memberships').select('user_id').where('organization_id', '=', organization));
  }
  if (status === 'pending') query = query.where('recovery_requests.status', '=', 'pending').where('recovery_requests.expires_at', '>', now);
  else if (status === 'expired') query = query.where((eb) => eb.or([eb('recovery_requests.status', '=', 'expired'), eb.and([eb('recovery_requests.status', '=', 'pending'), eb('recovery_requests.expires_at', '<=', now)])]));
  else if (status !== undefined) query = query.where('recovery_requests.status', '=', status);
  const rows = await query.execute();
  const summaries: RecoveryRequestSummary[] = [];
  for (const row of rows) summaries.push(await summarise(app.db, row, now));
  return summaries;
}

/** The stored request; `recovery_request_not_found` for an unknown or malformed id. */
async function requireRequest(db: Db, id: string): Promise<RequestRow> {
  if (!REQUEST_ID.test(id)) throw new ApiError('recovery_request_not_found');
  const row = await baseQuery(db).where('recovery_requests.id', '=', id).executeTakeFirst();
  if (!row) throw new ApiError('recovery_request_not_found');
  return row;
}

/** One request with what was checked, the person's methods and sign-ins, and the approvals so far. */
export async function showRecoveryRequest(app: AppContext, id: string): Promise<RecoveryRequestDetails> {
  const now = app.now();
  const row = await requireRequest(app.db, id);
  const summary = await summarise(app.db, row, now);
  const user = await app.db.selectFrom('users').select('created_at').where('id', '=', row.user_id).executeTakeFirstOrThrow();
  const signIns = await app.db
    .selectFrom('audit_events')
    .select(['at', 'ip'])
    .where('user_id', '=', row.user_id)
    .where('event', '=', 'login.success')
    .orderBy('at', 'desc')
    .limit(SIGN_INS_SHOWN)
    .execute();
  const approvals = await app.db
    .selectFrom('recovery_request_approvals')
    .leftJoin('users', 'users.id', 'recovery_request_approvals.approver')
    .select(['recovery_request_approvals.approver', 'recovery_request_approvals.at', 'users.email'])
    .where('recovery_request_approvals.request_id', '=', row.id)
    .orderBy('recovery_request_approvals.at')
    .execute();
  const createdAt = Number(user.created_at);
  return {
    ...summary,
    checked: {
      employeeNumber: row.employee_check as EmployeeCheck,
      passwordChecked: row.source === 'second-factor',
      accountCreatedAt: createdAt,
      accountAgeDays: Math.floor((Number(row.created_at) - createdAt) / DAY_MS),
      ip: row.ip,
      browser: agentLabel(row.user_agent),
    },
    methods: await secondFactorMethods(app, row.user_id),
    lastSignIns: signIns.map((s) => ({ at: Number(s.at), ip: s.ip })),
    approvedBy: approvals.map((a) => ({ by: a.email ?? a.approver, at: Number(a.at) })),
  };
}

/**
 * Who decides, as the caller names them: an administrator's email, or
 * nothing (or `support`) for the platform's support. The audit log records
 * the administrator by user id; the request keeps the address for display.
 */
export interface Decider {
  by?: string | undefined;
  actor: AuditActor;
}

/**
 * Checks that `by` may decide this request: an administrator of one of the
 * person's companies (never the person), or support for a request in the
 * support queue. Returns the approver's key (user id or `support`) and name.
 */
async function authority(db: Db, row: RequestRow, by: string | undefined): Promise<{ key: string; name: string; needed: number }> {
  const { admins, queue, needed } = await deciders(db, row.user_id);
  if (by === undefined || by === SUPPORT) {
    if (queue !== 'support') throw new ApiError('recovery_not_administrator', { field: 'by' });
    return { key: SUPPORT, name: SUPPORT, needed };
  }
  const email = emailSchema.safeParse(by);
  if (!email.success) throw new ApiError('invalid_email', { field: 'by' });
  const admin = admins.find((a) => a.email === email.data);
  if (!admin) throw new ApiError('recovery_not_administrator', { field: 'by' });
  return { key: admin.userId, name: admin.email, needed };
}

/** The outcome of an approval: still pending (the two-person rule waits for a second administrator), or approved and the link mailed. */
export interface ApprovalResult {
  id: string;
  status: 'pending' | 'approved';
  approvals: number;
  approvalsNeeded: number;
  /** The recovery link's end, once approved. */
  linkExpiresAt?: number;
}

/**
 * Approves a request. With the two-person rule, the first administrator's
 * approval is recorded and the request stays pending; the same administrator
 * again is `recovery_same_administrator`. The approval that completes it
 * issues the link and mails it to the person.
 */
export async function approveRecoveryRequest(app: AppContext, id: string, { by, actor }: Decider): Promise<ApprovalResult> {
  const row = await requireRequest(app.db, id);
  const approver = await authority(app.db, row, by);
  const now = app.now();
  if (statusAt(row, now) !== 'pending') throw new ApiError('recovery_request_closed');
  const ttlMs = app.config.recoveryLinkHours * 3_600_000;
  const outcome = await inTransaction(app.db, async (trx) => {
    // The primary key (request, approver) counts one administrator once, also when they click twice at once.
    const recorded = await trx
      .insertInto('recovery_request_approvals')
      .values({ request_id: row.id, approver: approver.key, at: now })
      .onConflict((oc) => oc.columns(['request_id', 'approver']).doNothing())
      .executeTakeFirst();
    if (Number(recorded.numInsertedOrUpdatedRows ?? 0) !== 1) throw new ApiError('recovery_same_administrator', { field: 'by' });
    // One conditional update counts the approval and decides: it locks the row, so two
    // administrators approving at once both count, and an approval racing a rejection
    // (or another final approval) finds the request no longer pending and undoes itself.
    const final = sql<boolean>`recovery_requests.approvals + 1 >= cast(${approver.needed} as integer)`;
    const updated = await trx
      .updateTable('recovery_requests')
      .set({
        approvals: sql<number>`recovery_requests.approvals + 1`,
        status: sql<RecoveryStatus>`case when ${final} then 'approved' else 'pending' end`,
        decided_at: sql<number | null>`case when ${final} then cast(${now} as bigint) else null end`,
        decided_by: sql<string | null>`case when ${final} then cast(${approver.name} as text) else null end`,
      })
      .where('id', '=', row.id)
      .where('status', '=', 'pending')
      .where('expires_at', '>', now)
      .returning(['approvals', 'status'])
      .executeTakeFirst();
    if (!updated) throw new ApiError('recovery_request_closed');
    const approved = updated.status === 'approved';
    let link: { token: string; expiresAt: number } | undefined;
    if (approved) {
      link = await issueLinkToken(trx, { userId: row.user_id, purpose: 'account-recovery', ttlMs, now });
      await trx.updateTable('recovery_requests').set({ link_token_hash: sha256(link.token) }).where('id', '=', row.id).execute();
    }
    await audit(app, { event: 'recovery.approved', userId: row.user_id, actor, detail: { requestId: row.id, by: approver.key, approvals: Number(updated.approvals), needed: approver.needed, final: approved } }, trx);
    return { approvals: Number(updated.approvals), link };
  });
  if (outcome.link) {
    const user = await app.db.selectFrom('users').select(['email', 'locale']).where('id', '=', row.user_id).executeTakeFirstOrThrow();
    const message = { kind: 'recovery-approved' as const, link: `${app.config.recoveryUrl}#token=${outcome.link.token}`, expiresAt: outcome.link.expiresAt };
    await queueMail(app, { to: user.email, userId: row.user_id, locale: user.locale, message });
  }
  return {
    id: row.id,
    status: outcome.link ? 'approved' : 'pending',
    approvals: outcome.approvals,
    approvalsNeeded: approver.needed,
    ...(outcome.link ? { linkExpiresAt: outcome.link.expiresAt } : {}),
  };
}

/** Rejects a request (one administrator is enough) and mails the person the reason. */
export async function rejectRecoveryRequest(app: AppContext, id: string, { by, reason, actor }: Decider & { reason: string }): Promise<{ id: string; status: 'rejected' }> {
  const row = await requireRequest(app.db, id);
  const decider = await authority(app.db, row, by);
  const now = app.now();
  if (statusAt(row, now) !== 'pending') throw new ApiError('recovery_request_closed');
  await inTransaction(app.db, async (trx) => {
    const updated = await trx
      .updateTable('recovery_requests')
      .set({ status: 'rejected', decided_at: now, decided_by: decider.name, reason })
      .where('id', '=', row.id)
      .where('status', '=', 'pending')
      .where('expires_at', '>', now)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw new ApiError('recovery_request_closed');
    await audit(app, { event: 'recovery.rejected', userId: row.user_id, actor, detail: { requestId: row.id, by: decider.key } }, trx);
  });
  const user = await app.db.selectFrom('users').select(['email', 'locale']).where('id', '=', row.user_id).executeTakeFirstOrThrow();
  await queueMail(app, { to: user.email, userId: row.user_id, locale: user.locale, message: { kind: 'recovery-rejected', reason } });
  return { id: row.id, status: 'rejected' };
}

/**
 * The recovery link did its work: spent (one conditional update, so a
 * second tab or a replay gets `recovery_link_invalid`) and its request
 * `used`. Runs in the transaction that replaces the person's factors.
 */
export async function completeRecovery(app: Pick<AppContext, 'db' | 'log' | 'now'>, { tokenHash, userId, ip = null, now }: { tokenHash: string; userId: string; ip?: string | null; now: number }): Promise<void> {
  if (!(await consumeLinkToken(app.db, { tokenHash, purpose: 'account-recovery', now }))) throw new ApiError('recovery_link_invalid');
  const used = await app.db
    .updateTable('recovery_requests')
    .set({ status: 'used' })
    .where('link_token_hash', '=', tokenHash)
    .where('user_id', '=', userId)
    .where('status', '=', 'approved')
    .returning('id')
    .executeTakeFirst();
  await audit(app, { event: 'recovery.completed', userId, ip, detail: { requestId: used?.id ?? null } }, app.db);
}

/** How many requests one sweep closes at most. */
const SWEEP_BATCH = 500;

/** Closes pending requests past their end as `expired`, each audited; returns how many. */
export async function expireRecoveryRequests(app: Pick<AppContext, 'db' | 'log' | 'now'>, now: number): Promise<number> {
  const due = await app.db.selectFrom('recovery_requests').select(['id', 'user_id']).where('status', '=', 'pending').where('expires_at', '<=', now).limit(SWEEP_BATCH).execute();
  let expired = 0;
  for (const request of due) {
    const updated = await app.db.updateTable('recovery_requests').set({ status: 'expired', decided_at: now }).where('id', '=', request.id).where('status', '=', 'pending').executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) continue;
    expired += 1;
    await audit(app, { event: 'recovery.expired', userId: request.user_id, actor: 'system', detail: { requestId: request.id } });
  }
  return expired;
}
