import { randomInt } from 'node:crypto';
import type { Db } from '../store/index.js';
import { sha256 } from '../security/random.js';
import { inTransaction } from '../store/index.js';

/**
 * Crockford's base32 (no I, L, O, U): easy to read aloud and to copy by hand.
 * 16 characters × 5 bits = 80 bits from the CSPRNG, above the 64 bits NIST SP
 * 800-63B-4 §3.1.2.1 asks of look-up secrets that are not rate limited (ours are).
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const RECOVERY_CODE_LENGTH = 16;

/** "ABCD-EFGH-JKMN-PQRS". */
export function generateRecoveryCode(): string {
  let code = '';
  for (let i = 0; i < RECOVERY_CODE_LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return code.match(/.{4}/g)!.join('-');
}

/** What a person typed, in canonical form: case, spaces and dashes ignored, look-alikes mapped (Crockford). */
export function normalizeRecoveryCode(input: string): string {
  return input
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
}

/**
 * Replaces the user's recovery code with a new one and returns it; only its
 * hash is stored. A plain SHA-256 suffices: 80 random bits cannot be guessed
 * offline (the slow-hash rule is for human-chosen secrets).
 */
export async function issueRecoveryCode(db: Db, { userId, kind, now }: { userId: string; kind: 'recovery' | 'support'; now: number }): Promise<string> {
  const code = generateRecoveryCode();
  // One transaction (the caller's, if it has one): concurrent issues never leave two live codes.
  const replace = async (trx: Db) => {
    await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).where('used_at', 'is', null).execute();
    await trx
      .insertInto('recovery_codes')
      .values({ id: crypto.randomUUID(), user_id: userId, code_hash: sha256(normalizeRecoveryCode(code)), kind, created_at: now, used_at: null })
      .execute();
  };
  await inTransaction(db, replace);
  return code;
}

/**
 * Spends a recovery code: one conditional update, so of any number of
 * concurrent uses exactly one succeeds. Returns the kind of code spent, or null.
 */
export async function useRecoveryCode(db: Db, { userId, code, now }: { userId: string; code: string; now: number }): Promise<'recovery' | 'support' | null> {
  const normalized = normalizeRecoveryCode(code);
  if (normalized.length !== RECOVERY_CODE_LENGTH) return null;
  const row = await db
    .updateTable('recovery_codes')
    .set({ used_at: now })
    .where('user_id', '=', userId)
    .where('code_hash', '=', sha256(normalized))
    .where('used_at', 'is', null)
    .returning('kind')
    .executeTakeFirst();
  return row?.kind ?? null;
}

export async function hasUnusedRecoveryCode(db: Db, userId: string): Promise<boolean> {
  const row = await db.selectFrom('recovery_codes').select('id').where('user_id', '=', userId).where('used_at', 'is', null).executeTakeFirst();
  return row !== undefined;
}

/** Does the person hold an unused recovery code of their own (not a support code)? */
export async function hasRecoveryCode(db: Db, userId: string): Promise<boolean> {
  const row = await db.selectFrom('recovery_codes').select('id').where('user_id', '=', userId).where('kind', '=', 'recovery').where('used_at', 'is', null).executeTakeFirst();
  return row !== undefined;
}

/** Deletes the person's unused recovery code: without a second factor it would still be asked for at sign-in. Support's codes stay. */
export async function deleteRecoveryCode(db: Db, userId: string): Promise<void> {
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).where('kind', '=', 'recovery').where('used_at', 'is', null).execute();
}
