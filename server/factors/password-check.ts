import type { AppContext } from '../context.js';
import { rateLimitKey } from '../security/client-ip.js';
import { sha256 } from '../security/random.js';
import { clearRateLimit, consumeRateLimit, rateLimited, refundRateLimit } from '../security/rate-limit.js';
import { hashPassword, needsRehash, verifyPassword } from './password.js';
import { setPasswordHash } from '../store/users.js';

/** The person whose password was right. */
export interface PasswordHolder {
  id: string;
  email: string;
  name: string;
  emailVerified: boolean;
}

/**
 * What a password check found: the person, or why not. `invalid_credentials`
 * is the same for an unknown address and a wrong password (OWASP ASVS 5.0
 * V6.3.8); `userId` is for the audit log only, never for the answer.
 * `account_disabled` comes only with the right password of a disabled account.
 */
export type PasswordCheck =
  | { user: PasswordHolder; refusal?: undefined }
  | { refusal: 'invalid_credentials'; userId: string | null }
  | { refusal: 'account_disabled'; userId: string };

/**
 * Checks a person's password against the limits every password check shares
 * (the sign-in's password step, the account page's password change):
 * - one attempt is spent against the account (`pwd:acct:<sha256(email)>`,
 *   ACCOUNT_MAX_FAILURES) and the client (`pwd:ip:<rateLimitKey(ip)>`,
 *   IP_MAX_FAILURES) before the password is verified, atomically, so parallel
 *   guesses cannot slip past a limit (OWASP ASVS 5.0 V6.3.1); over either, it
 *   throws `rate_limited` with the seconds to wait;
 * - an unknown address is verified against a dummy hash, so it takes as long
 *   as a real one (`verifyPassword`; OWASP ASVS 5.0 V6.3.8);
 * - a success clears the account's failures and gives back the client's
 *   attempt (the IP limit counts failures: an office behind one address is
 *   not locked out by colleagues signing in);
 * - with `rehash` (the default), a hash made with weaker parameters than
 *   today's is replaced (OWASP Password Storage Cheat Sheet); a caller that
 *   is about to set a new password passes false.
 *
 * `email` is normalised already (`emailSchema`).
 */
export async function checkPassword(
  app: AppContext,
  { email, password, ip, now, rehash = true }: { email: string; password: string; ip: string; now: number; rehash?: boolean },
): Promise<PasswordCheck> {
  const windowMs = app.config.rateWindowMinutes * 60_000;
  const accountKey = `pwd:acct:${sha256(email)}`;
  const ipKey = `pwd:ip:${rateLimitKey(ip)}`;
  const account = await consumeRateLimit(app.db, accountKey, { windowMs, limit: app.config.accountMaxFailures }, now);
  const perIp = await consumeRateLimit(app.db, ipKey, { windowMs, limit: app.config.ipMaxFailures }, now);
  if (account.limited) throw rateLimited(account, now);
  if (perIp.limited) throw rateLimited(perIp, now);

  const user = await app.db
    .selectFrom('users')
    .select(['id', 'email', 'name', 'password_hash', 'status', 'email_verified_at'])
    .where('email', '=', email)
    .executeTakeFirst();
  const valid = await verifyPassword({ hash: user?.password_hash ?? null, password });
  if (!user || !valid) return { refusal: 'invalid_credentials', userId: user?.id ?? null };
  // The right password of a disabled account: refused, and its failures not cleared.
  if (user.status !== 'active') return { refusal: 'account_disabled', userId: user.id };

  await clearRateLimit(app.db, accountKey);
  await refundRateLimit(app.db, ipKey, now);
  if (rehash && needsRehash(user.password_hash!)) {
    await setPasswordHash(app.db, user.id, await hashPassword(password), now);
  }
  return { user: { id: user.id, email: user.email, name: user.name, emailVerified: user.email_verified_at !== null } };
}
