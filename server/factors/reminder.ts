/* "Remind me later" for 2FA set-up: it holds for a number of sign-ins. */
import type { Db } from '../store/index.js';
import { setSnooze, spendSnooze } from '../store/users.js';

/** Spends one sign-in of a "remind me later", atomically; false when none is left. */
export async function spendReminder(db: Db, userId: string): Promise<boolean> {
  return spendSnooze(db, userId);
}

/** The person chose "remind me later": the prompt stays away for `logins` sign-ins. */
export async function remindLater(db: Db, userId: string, logins: number): Promise<void> {
  await setSnooze(db, userId, logins);
}
