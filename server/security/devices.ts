import type { Db } from '../store/index.js';
import { randomToken, sha256 } from './random.js';
import type { RememberedDevice } from '../shapes.js';
export type { RememberedDevice };

/**
 * Remembers this browser for a user: returns the token to keep (256 random
 * bits, stored hashed). The successor of a spent token passes the spent one's
 * `expiresAt` and `lastUsedAt` (when it skipped the code), so the device reads
 * the same before and after its token rotates.
 */
export async function rememberDevice(
  db: Db,
  { userId, days, userAgent, now, expiresAt = now + days * 86_400_000, lastUsedAt = null }: { userId: string; days: number; userAgent: string | null; now: number; expiresAt?: number; lastUsedAt?: number | null },
): Promise<{ token: string; expiresAt: number }> {
  const token = randomToken(32);
  await db
    .insertInto('remembered_devices')
    .values({ id: randomToken(12), user_id: userId, token_hash: sha256(token), user_agent: userAgent?.slice(0, 256) ?? null, created_at: now, last_used_at: lastUsedAt, expires_at: expiresAt, revoked_at: null })
    .execute();
  return { token, expiresAt };
}

/**
 * Spends a remembered-device token for this user. The token is single use: it
 * is revoked in one conditional update (a copied token works at most once, and
 * of two concurrent uses one wins) and the caller issues a successor with the
 * same end date, so the device stays remembered for the period first granted.
 * Returns that end date, or null when the token is unknown, another user's,
 * revoked or expired.
 */
export async function spendRememberedDevice(db: Db, { userId, token, now }: { userId: string; token: string; now: number }): Promise<number | null> {
  if (token.length < 20 || token.length > 100) return null;
  const row = await db
    .updateTable('remembered_devices')
    .set({ revoked_at: now, last_used_at: now })
    .where('token_hash', '=', sha256(token))
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .returning('expires_at')
    .executeTakeFirst();
  return row ? Number(row.expires_at) : null;
}

/** Forgets every device of a user: after a password or 2FA change, or a support reset. */
export async function forgetDevices(db: Db, userId: string, now: number): Promise<void> {
  await db.updateTable('remembered_devices').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
}

export async function listDevices(db: Db, userId: string, now: number): Promise<RememberedDevice[]> {
  const rows = await db
    .selectFrom('remembered_devices')
    .select(['id', 'user_agent', 'created_at', 'last_used_at', 'expires_at'])
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((r) => ({ id: r.id, userAgent: r.user_agent, createdAt: Number(r.created_at), lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at), expiresAt: Number(r.expires_at) }));
}

export async function forgetDevice(db: Db, { userId, id, now }: { userId: string; id: string; now: number }): Promise<boolean> {
  const result = await db.updateTable('remembered_devices').set({ revoked_at: now }).where('id', '=', id).where('user_id', '=', userId).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
