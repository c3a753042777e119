import { audit, type AuditActor, type AuditEntry } from '../audit.js';
import type { AppContext } from '../context.js';
import { notifyUser, type MailMessage } from '../delivery/mail.js';
import type { Db } from '../store/index.js';
import { inTransaction } from '../store/index.js';
import { forgetDevices } from './devices.js';
import { revokeUserSessions } from './sessions.js';
import { setPasswordHash } from '../store/users.js';
import { endUserFlows } from '../store/flows.js';
import { endUserApprovals } from '../factors/approver.js';
import { closeRecoveryRequests } from '../recovery/closing.js';

/**
 * The one rule for "this person's password changed", whoever changed it (the
 * person on the account page, a reset link, support with the CLI), in one
 * transaction:
 * - the new hash is stored;
 * - sign-ins parked past the old password (at a prompt, at the second factor,
 *   choosing a company) end: they proved the old password, not this one; the
 *   reset flow that is setting it stays;
 * - remembered devices end: they skipped 2FA on the strength of the old password;
 * - open recovery requests close and their links end: they were checked
 *   against the person who knew the old password;
 * - with `endSessions`, every session ends (a reset, or support: OWASP Forgot
 *   Password Cheat Sheet); the account page instead offers "sign out
 *   everywhere else" (OWASP ASVS 5.0 V7.4.3).
 * Returns the number of sessions ended.
 */
export async function passwordChanged(
  app: Pick<AppContext, 'db' | 'log' | 'now'>,
  { userId, passwordHash, endSessions, now }: { userId: string; passwordHash: string; endSessions: boolean; now: number },
): Promise<number> {
  return inTransaction(app.db, async (trx) => {
    await setPasswordHash(trx, userId, passwordHash, now);
    await endUserFlows(trx, userId, { except: 'reset' });
    await forgetDevices(trx, userId, now);
    await closeRecoveryRequests({ ...app, db: trx }, userId, { reason: 'password-changed', now });
    return endSessions ? revokeUserSessions(trx, userId, now) : 0;
  });
}

/** A second factor (`credentials.type`). */
export type FactorType = 'totp' | 'passkey' | 'sms' | 'approver';

/** How a person's second factors changed. */
export type MethodsChange =
  /** One was added (an enrolment). */
  | { kind: 'added'; factor: FactorType }
  /** One was removed by the person. */
  | { kind: 'removed'; factor: FactorType }
  /** The person turned 2FA off: every factor and the recovery code went. */
  | { kind: 'disabled'; removed: number }
  /** Support removed every factor and handed out a one-time backup code. */
  | { kind: 'reset' }
  /**
   * After a recovery (a recovery code, or an approved request's link) the
   * new factor replaced the lost ones; `keepFlow` is the flow that did it.
   */
  | { kind: 'recovered'; factor: FactorType; keepFlow?: string | undefined };

/**
 * The one rule for "this person's second factors changed", whoever changed
 * them (the person on the account page or in an enrolment, support with the
 * admin API or the CLI), called once the change is stored:
 * - remembered devices end: they skipped the second factor on the strength of
 *   the old set (a factor removed may be one a thief holds);
 * - when a factor went, sign-ins parked past the password (at the second
 *   factor, the 2FA prompt, choosing a company) end: they were offered the old
 *   set, so the next sign-in is asked for what is left. An enrolment does not
 *   end them: it may run inside a sign-in (2FA set-up at sign-in);
 * - after a recovery (`recovered`), every session, every other flow and
 *   every request out to the phones ends as well: the lost factors may be a
 *   thief's (OWASP ASVS 5.0 V7.4.3: sessions end when authentication factors
 *   change);
 * - the change is recorded in the audit log (`actor`, `ip`);
 * - the person is told by mail (OWASP ASVS 5.0 V6.3.7: notify after a change
 *   to authentication factors), so a change they did not make is noticed.
 * Inside a flow action (`app.afterCommit`) the mail is sent after the commit.
 */
export async function methodsChanged(
  app: AppContext,
  { userId, change, actor = 'user', ip = null, now }: { userId: string; change: MethodsChange; actor?: AuditActor; ip?: string | null; now: number },
): Promise<void> {
  await inTransaction(app.db, async (trx) => {
    await forgetDevices(trx, userId, now);
    if (change.kind === 'recovered') {
      // The lost factors may be in a thief's hands: whatever they opened or parked ends with them.
      await revokeUserSessions(trx, userId, now);
      await endUserFlows(trx, userId, { keep: change.keepFlow });
      await endUserApprovals(trx, { userId, now });
    } else if (change.kind !== 'added') await endUserFlows(trx, userId, { kind: 'login' });
    await audit(app, { userId, actor, ip, ...auditOf(change) }, trx);
  });
  await notifyUser(app, userId, noticeOf(change));
}

function auditOf(change: MethodsChange): Pick<AuditEntry, 'event' | 'detail'> {
  switch (change.kind) {
    case 'added':
      return { event: 'factor.added', detail: { factor: change.factor } };
    case 'removed':
      return { event: 'factor.removed', detail: { factor: change.factor } };
    case 'disabled':
      return { event: 'mfa.disabled', detail: { removed: change.removed } };
    case 'reset':
      return { event: 'mfa.reset', detail: {} };
    case 'recovered':
      return { event: 'mfa.recovered', detail: { factor: change.factor } };
  }
}

function noticeOf(change: MethodsChange): MailMessage {
  switch (change.kind) {
    case 'added':
      return { kind: 'factor-added', factor: change.factor };
    case 'removed':
      return { kind: 'factor-removed', factor: change.factor };
    case 'disabled':
      return { kind: 'mfa-disabled' };
    case 'reset':
      return { kind: 'mfa-reset' };
    case 'recovered':
      return { kind: 'factor-added', factor: change.factor };
  }
}
