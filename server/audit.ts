import type { AppContext } from './context.js';
import type { LogFields } from './log.js';
import type { Db } from './store/index.js';
import { prepare } from './store/prepared.js';

/**
 * Security events kept in the store for support and review (OWASP ASVS 5.0
 * V16.3: authentication events, successful and failed, and changes to
 * credentials are logged). Each is also written to the JSON log.
 */
export type AuditEvent =
  | 'login.success'
  | 'login.failure'
  | 'factor.added'
  | 'factor.removed'
  | 'recovery.used'
  | 'mfa.reset'
  | 'user.invited'
  | 'user.activated'
  | 'user.disabled'
  | 'email.verified'
  | 'password.reset'
  | 'password.changed'
  | 'recovery.regenerated'
  | 'mfa.disabled'
  | 'session.revoked'
  | 'session.switched'
  | 'organization.created'
  | 'organization.updated'
  | 'organization.deleted'
  | 'member.added'
  | 'member.removed'
  | 'sso.configured'
  | 'sso.removed'
  | 'approval.sent'
  | 'approval.approved'
  | 'approval.denied'
  | 'member.updated'
  | 'recovery.requested'
  | 'recovery.approved'
  | 'recovery.rejected'
  | 'recovery.completed'
  | 'recovery.expired'
  | 'password.rehashed'
  | 'users.imported'
  | 'mfa.recovered'
  | 'recovery.closed';

export type AuditActor = 'user' | 'admin' | 'cli' | 'system';

export interface AuditEntry {
  id: string;
  at: number;
  event: AuditEvent;
  userId: string | null;
  actor: AuditActor;
  ip: string | null;
  /** Facts about the event (method, reason, masked email); never a secret. */
  detail: Record<string, string | number | boolean | null>;
}

/** Records an event. The audit trail must not be lost silently, so a failed write fails the caller. */
const insert = prepare<{ id: string; at: number; event: AuditEvent; userId: string | null; actor: AuditActor; ip: string | null; detail: string }, never>((db, p) =>
  db.insertInto('audit_events').values({ id: p.id, at: p.at, event: p.event, user_id: p.userId, actor: p.actor, ip: p.ip, detail: p.detail }),
);

export async function audit(
  app: Pick<AppContext, 'db' | 'log' | 'now'>,
  { event, userId = null, actor = 'user', ip = null, detail = {} }: { event: AuditEvent; userId?: string | null; actor?: AuditActor; ip?: string | null; detail?: AuditEntry['detail'] },
  db: Db = app.db,
): Promise<void> {
  const at = app.now();
  await insert(db, { id: crypto.randomUUID(), at, event, userId, actor, ip, detail: JSON.stringify(detail) });
  app.log.log(event === 'login.failure' ? 'info' : 'warn', 'audit', { event, userId, actor, ip, ...(detail as LogFields) });
}

/** A position in the log: the event a page ended with. */
export interface AuditCursor {
  at: number;
  id: string;
}

/**
 * The newest events first (ties in time broken by id), optionally for one
 * user. `before` pages back: a time gives the events strictly earlier; a
 * cursor, the events after that one in this order, so events that share a
 * millisecond are neither skipped nor repeated across pages.
 */
export async function listAudit(db: Db, { userId, limit = 100, before }: { userId?: string; limit?: number; before?: number | AuditCursor } = {}): Promise<AuditEntry[]> {
  let query = db.selectFrom('audit_events').selectAll().orderBy('at', 'desc').orderBy('id').limit(limit);
  if (userId) query = query.where('user_id', '=', userId);
  if (typeof before === 'number') query = query.where('at', '<', before);
  else if (before) query = query.where((eb) => eb.or([eb('at', '<', before.at), eb.and([eb('at', '=', before.at), eb('id', '>', before.id)])]));
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.id,
    at: Number(r.at),
    event: r.event as AuditEvent,
    userId: r.user_id,
    actor: r.actor as AuditActor,
    ip: r.ip,
    detail: r.detail ? (JSON.parse(r.detail) as AuditEntry['detail']) : {},
  }));
}
