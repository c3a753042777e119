import type { Db } from '../store/index.js';
import { inTransaction } from '../store/index.js';
import { forgetDevices } from './devices.js';
import { revokeUserSessions } from './sessions.js';

/**
 * The one rule for "this person's password changed", whoever changed it (the
 * person on the account page, a reset link, support with the CLI), in one
 * transaction:
 * - the new hash is stored;
 * - sign-ins parked past the old password (at a prompt, at the second factor,
 *   choosing a company) end: they proved the old password, not this one; the
 *   reset flow that is setting it stays;
 * - remembered devices end: they skipped 2FA on the strength of the old password;
 * - with `endSessions`, every session ends (a reset, or support: OWASP Forgot
 *   Password Cheat Sheet); the account page instead offers "sign out
 *   everywhere else" (OWASP ASVS 5.0 V7.4.3).
 * Returns the number of sessions ended.
 */
export async function passwordChanged(
  db: Db,
  { userId, passwordHash, endSessions, now }: { userId: string; passwordHash: string; endSessions: boolean; now: number },
): Promise<number> {
  return inTransaction(db, async (trx) => {
    await trx.updateTable('users').set({ password_hash: passwordHash, updated_at: now }).where('id', '=', userId).execute();
    await trx.deleteFrom('flows').where('user_id', '=', userId).where('kind', '!=', 'reset').execute();
    await forgetDevices(trx, userId, now);
    return endSessions ? revokeUserSessions(trx, userId, now) : 0;
  });
}
