/* "Remind me later" for 2FA set-up: it holds for a number of sign-ins. */
import { sql } from 'kysely';
import type { Db } from '../store/index.js';

/** Spends one sign-in of a "remind me later", atomically; false when none is left. */
export async function spendReminder(db: Db, userId: string): Promise<boolean> {
  const snoozed = await db.updateTable('users').set({ mfa_snooze: sql<number>`mfa_snooze - 1` }).where('id', '=', userId).where('mfa_snooze', '>', 0).executeTakeFirst();
  return Number(snoozed.numUpdatedRows) === 1;
}

/** The person chose "remind me later": the prompt stays away for `logins` sign-ins. */
export async function remindLater(db: Db, userId: string, logins: number): Promise<void> {
  await db.updateTable('users').set({ mfa_snooze: logins }).where('id', '=', userId).execute();
}
