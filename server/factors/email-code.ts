/* Confirming a person's address with a code mailed to it. */
import type { AppContext } from '../context.js';
import { queueMail } from '../delivery/mail.js';
import { spendSend } from './attempts.js';
import { checkCode, generateCode, ONE_TIME_CODE_MINUTES, pendingCode, type PendingCode } from './one-time-code.js';
import { markEmailVerified as setVerified } from '../store/users.js';

/** Mails a fresh code to confirm the person's address; the code replaces any earlier one. */
export async function mailEmailCode(app: AppContext, userId: string, now: number): Promise<PendingCode> {
  await spendSend(app, `send:mail:${userId}`, now);
  const code = generateCode();
  const user = await app.db.selectFrom('users').select(['email', 'locale']).where('id', '=', userId).executeTakeFirstOrThrow();
  const { delivered, error } = await queueMail(app, { to: user.email, userId, locale: user.locale, message: { kind: 'email-code', code, minutes: ONE_TIME_CODE_MINUTES } });
  // Queued for another try when the first failed; the person can also ask for a new code.
  if (!delivered) app.log.log('warn', 'verification mail not sent yet', { event: 'mail.deferred', userId, error: error ?? null });
  return pendingCode(app.secretKey, { code, context: `email:${userId}`, now });
}

/** Checks a typed code against the one mailed. */
export function checkEmailCode(app: AppContext, pending: PendingCode | undefined, { userId, input, now }: { userId: string; input: string; now: number }) {
  return checkCode(app.secretKey, pending, { input, context: `email:${userId}`, now });
}

/** The address is the person's: they typed the code mailed to it. */
export async function markEmailVerified(app: AppContext, userId: string, now: number): Promise<void> {
  await setVerified(app.db, userId, now);
}
