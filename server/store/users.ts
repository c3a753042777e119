/*
 * Every write to the `users` table. A person's row is changed by several
 * subjects (an invitation, a password, a passkey's user handle, a reminder),
 * each through one named function here, so what can change an account is
 * listed in one place.
 */
import { sql, type Insertable } from 'kysely';
import type { Db } from './index.js';
import type { Database } from './schema.js';

type UserStatus = 'invited' | 'active' | 'disabled';

/** Adds a person; false when the address is taken (the row is left as it was). */
export async function insertUser(db: Db, row: Insertable<Database['users']>): Promise<boolean> {
  const result = await db.insertInto('users').values(row).onConflict((oc) => oc.column('email').doNothing()).executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}

/** A name or language given again with a new invitation. */
export async function updateProfile(db: Db, userId: string, { name, locale }: { name?: string | undefined; locale?: string | undefined }, now: number): Promise<void> {
  await db.updateTable('users').set({ ...(locale ? { locale } : {}), ...(name ? { name } : {}), updated_at: now }).where('id', '=', userId).execute();
}

/**
 * Moves an account to `status`, only from `from` when given (a conditional
 * update: of two racing changes one wins). With `passwordHash`, the password
 * is set in the same write (activation). False when the account was not in `from`.
 */
export async function setUserStatus(
  db: Db,
  userId: string,
  { status, from, passwordHash, now }: { status: UserStatus; from?: UserStatus; passwordHash?: string; now: number },
): Promise<boolean> {
  let update = db.updateTable('users').set({ status, ...(passwordHash ? { password_hash: passwordHash } : {}), updated_at: now }).where('id', '=', userId);
  if (from) update = update.where('status', '=', from);
  const result = await update.executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** A new password hash (a change, a reset, support, or a rehash with today's parameters). */
export async function setPasswordHash(db: Db, userId: string, passwordHash: string, now: number): Promise<void> {
  await db.updateTable('users').set({ password_hash: passwordHash, updated_at: now }).where('id', '=', userId).execute();
}

/** The address is the person's; with `keepFirst`, an earlier confirmation date stays. */
export async function markEmailVerified(db: Db, userId: string, now: number, { keepFirst = false }: { keepFirst?: boolean } = {}): Promise<void> {
  let update = db.updateTable('users').set({ email_verified_at: now, ...(keepFirst ? {} : { updated_at: now }) }).where('id', '=', userId);
  if (keepFirst) update = update.where('email_verified_at', 'is', null);
  await update.execute();
}

/** The WebAuthn user handle, set once (the first of two racing writers wins). */
export async function setWebauthnHandle(db: Db, userId: string, handle: string): Promise<void> {
  await db.updateTable('users').set({ webauthn_id: handle }).where('id', '=', userId).where('webauthn_id', 'is', null).execute();
}

/** Spends one sign-in of a "remind me later", atomically; false when none is left. */
export async function spendSnooze(db: Db, userId: string): Promise<boolean> {
  const result = await db.updateTable('users').set({ mfa_snooze: sql<number>`mfa_snooze - 1` }).where('id', '=', userId).where('mfa_snooze', '>', 0).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** "Remind me later" for `logins` sign-ins. */
export async function setSnooze(db: Db, userId: string, logins: number): Promise<void> {
  await db.updateTable('users').set({ mfa_snooze: logins }).where('id', '=', userId).execute();
}

/**
 * Takes the person's row for the rest of the transaction, before a rule that
 * reads several of their rows and then writes ("not the last second factor").
 * Under PostgreSQL's READ COMMITTED two such transactions could both read the
 * state before either writes; the no-op update makes the second wait for the
 * first to commit. On SQLite it takes the write lock, the same guarantee.
 */
export async function lockUser(trx: Db, userId: string): Promise<void> {
  await trx.updateTable('users').set((eb) => ({ updated_at: eb.ref('updated_at') })).where('id', '=', userId).execute();
}

/** Deletes the person's row (their other rows go first, by their owners). */
export async function deleteUserRow(db: Db, userId: string): Promise<void> {
  await db.deleteFrom('users').where('id', '=', userId).execute();
}

/** People of one import batch, added in one statement (rows checked by the import); an address taken meanwhile keeps its row. */
export async function insertImportedUsers(db: Db, rows: Insertable<Database['users']>[]): Promise<void> {
  if (rows.length === 0) return;
  await db.insertInto('users').values(rows).onConflict((oc) => oc.column('email').doNothing()).execute();
}

/**
 * What importing a person again changes: name, language, a confirmed address,
 * a hash still from the old system (with it, an invitation becomes an active
 * account). The import decides which of these apply (server/import/import.ts).
 */
export async function updateImportedUser(
  db: Db,
  userId: string,
  change: { name?: string; locale?: string; email_verified_at?: number; password_hash?: string; status?: 'active' },
  now: number,
): Promise<void> {
  await db.updateTable('users').set({ ...change, updated_at: now }).where('id', '=', userId).execute();
}
