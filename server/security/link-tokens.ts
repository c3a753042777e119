import type { Db } from '../store/index.js';
import { randomToken, sha256 } from './random.js';
import { inTransaction } from '../store/index.js';

/**
 * 256 random bits: above the 128 bits an invitation link needs, and like the
 * session tokens (OWASP ASVS 5.0 V7.2.3, at least 64; the Forgot Password
 * Cheat Sheet asks for a CSPRNG token of "sufficient length").
 */
const LINK_TOKEN_BYTES = 32;

export type LinkPurpose = 'invitation' | 'password-reset' | 'approver-enrolment' | 'account-recovery';

/**
 * Issues a single-use link token and returns it; only its SHA-256 is stored.
 * Any older unused token of the user for the same purpose dies at once: a
 * resent invitation or a second reset request leaves one working link.
 */
export async function issueLinkToken(db: Db, { userId, purpose, ttlMs, now }: { userId: string; purpose: LinkPurpose; ttlMs: number; now: number }): Promise<{ token: string; expiresAt: number }> {
  const token = randomToken(LINK_TOKEN_BYTES);
  const expiresAt = now + ttlMs;
  const replace = async (trx: Db) => {
    await trx.updateTable('link_tokens').set({ used_at: now }).where('user_id', '=', userId).where('purpose', '=', purpose).where('used_at', 'is', null).execute();
    await trx.insertInto('link_tokens').values({ token_hash: sha256(token), user_id: userId, purpose, created_at: now, expires_at: expiresAt, used_at: null }).execute();
  };
  await inTransaction(db, replace);
  return { token, expiresAt };
}

/** The user a live (unused, unexpired) token belongs to, without spending it; a link may be opened again until it is used. */
export async function findLinkToken(db: Db, { token, purpose, now }: { token: string; purpose: LinkPurpose; now: number }): Promise<{ userId: string; tokenHash: string } | undefined> {
  const tokenHash = sha256(token);
  const row = await db
    .selectFrom('link_tokens')
    .select('user_id')
    .where('token_hash', '=', tokenHash)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row && { userId: row.user_id, tokenHash };
}

/**
 * Spends a token by its hash: one conditional update, so of any number of
 * concurrent uses exactly one succeeds (DESIGN: consume-once is atomic).
 */
export async function consumeLinkToken(db: Db, { tokenHash, purpose, now }: { tokenHash: string; purpose: LinkPurpose; now: number }): Promise<boolean> {
  const result = await db
    .updateTable('link_tokens')
    .set({ used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Ends every live link of a user (a disabled account keeps none), or those of one purpose. */
export async function revokeLinkTokens(db: Db, { userId, purpose, now }: { userId: string; purpose?: LinkPurpose; now: number }): Promise<void> {
  let query = db.updateTable('link_tokens').set({ used_at: now }).where('user_id', '=', userId).where('used_at', 'is', null);
  if (purpose) query = query.where('purpose', '=', purpose);
  await query.execute();
}
