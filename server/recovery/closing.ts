/*
 * Closing a person's open recovery requests without a decision: a request
 * made after the password replaces one from the public form, and a password
 * change, support's 2FA reset or a disabled account ends what was open,
 * links included.
 */
import { audit } from '../audit.js';
import type { AppContext } from '../context.js';
import { revokeLinkTokens } from '../security/link-tokens.js';

/**
 * Why a person's open requests closed without a decision: a request made
 * after the password replaced one from the public form, or the account
 * changed so that an open request (or its link) must not outlive it: the
 * password changed, support reset 2FA, the account was disabled.
 */
export type ClosingReason = 'superseded' | 'password-changed' | 'mfa-reset' | 'disabled';

/**
 * Closes a person's open requests (pending, and approved with a link not yet
 * used; with `formOnly`, the pending ones from the public form), each
 * audited, and revokes their recovery links. Returns how many closed.
 */
export async function closeRecoveryRequests(
  app: Pick<AppContext, 'db' | 'log' | 'now'>,
  userId: string,
  { reason, formOnly = false, now }: { reason: ClosingReason; formOnly?: boolean; now: number },
): Promise<number> {
  let open = app.db.selectFrom('recovery_requests').select('id').where('user_id', '=', userId).where('status', 'in', formOnly ? ['pending'] : ['pending', 'approved']);
  if (formOnly) open = open.where('source', '=', 'form');
  let closed = 0;
  for (const request of await open.execute()) {
    const updated = await app.db
      .updateTable('recovery_requests')
      .set({ status: 'closed', decided_at: now, reason })
      .where('id', '=', request.id)
      .where('status', 'in', ['pending', 'approved'])
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) continue;
    closed += 1;
    await audit(app, { event: 'recovery.closed', userId, actor: 'system', detail: { requestId: request.id, reason } }, app.db);
  }
  if (!formOnly) await revokeLinkTokens(app.db, { userId, purpose: 'account-recovery', now });
  return closed;
}
