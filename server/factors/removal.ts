import { mfaPolicy } from '../companies/accounts.js';
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import { methodsChanged, type FactorType } from '../security/credential-change.js';
import type { Db } from '../store/index.js';
import { inTransaction } from '../store/index.js';
import { lockUser } from '../store/users.js';
import { deleteRecoveryCode } from './recovery.js';

/** Deletes every second factor of the person (their 2FA switched off, or reset by support); returns how many. */
export async function deleteAllFactors(db: Db, userId: string): Promise<number> {
  const result = await db.deleteFrom('credentials').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Removes one of a person's confirmed second factors, by its id, under the
 * last-factor rule: while 2FA is required of them (`mfaPolicy`: the server's
 * or one of their companies' date has come) the last one stays
 * (`last_factor`). When the last one goes, 2FA is off and the recovery code
 * goes with it. Then `methodsChanged` (remembered devices, parked sign-ins,
 * audit, mail). `types` are the kinds this caller manages: an id of another
 * kind, of another person, or unknown, is `not_found`.
 *
 * The person's row is locked first (`lockUser`), so two removals at once
 * cannot both see "one left besides me" and leave none.
 */
export async function removeFactor(
  app: AppContext,
  { userId, id, types, ip = null, now }: { userId: string; id: string; types: readonly FactorType[]; ip?: string | null; now: number },
): Promise<FactorType> {
  const policy = await mfaPolicy(app, userId, now);
  const removed = await inTransaction(app.db, async (trx) => {
    await lockUser(trx, userId);
    const factors = await trx
      .selectFrom('credentials')
      .select(['id', 'type'])
      .where('user_id', '=', userId)
      .where('confirmed_at', 'is not', null)
      .execute();
    const factor = factors.find((f) => f.id === id);
    if (!factor || !types.includes(factor.type as FactorType)) throw new ApiError('not_found');
    // While 2FA is enforced, the last second factor stays.
    if (factors.length === 1 && policy.requiredNow) throw new ApiError('last_factor');
    const deleted = await trx.deleteFrom('credentials').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    if (Number(deleted.numDeletedRows) !== 1) throw new ApiError('not_found');
    // The last one gone, 2FA is off: the recovery code goes with it.
    if (factors.length === 1) await deleteRecoveryCode(trx, userId);
    return factor.type as FactorType;
  });
  await methodsChanged(app, { userId, change: { kind: 'removed', factor: removed }, ip, now });
  return removed;
}

/**
 * Turns 2FA off for a person: every credential (confirmed or half set up)
 * and the recovery code go; support's backup code stays. Refused
 * (`mfa_required`) while 2FA is required of them. Returns how many
 * credentials went; none (already off) records and tells nothing.
 */
export async function disableSecondFactor(app: AppContext, { userId, ip = null, now }: { userId: string; ip?: string | null; now: number }): Promise<number> {
  if ((await mfaPolicy(app, userId, now)).requiredNow) throw new ApiError('mfa_required');
  const removed = await inTransaction(app.db, async (trx) => {
    const count = await deleteAllFactors(trx, userId);
    await deleteRecoveryCode(trx, userId);
    return count;
  });
  if (removed > 0) await methodsChanged(app, { userId, change: { kind: 'disabled', removed }, ip, now });
  return removed;
}
