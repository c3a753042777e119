import { audit } from '../audit.js';
import type { AppContext } from '../context.js';
import { rateLimitKey } from '../security/client-ip.js';
import { sha256 } from '../security/random.js';
import { beginAttempt, withAction } from '../security/rate-limit.js';
import { inspectHash } from './legacy-hashes.js';
import { hashPassword, needsRehash, verifyPassword } from './password.js';
import { setPasswordHash } from '../store/users.js';
import { prepare } from '../store/prepared.js';
import type { Database } from '../store/index.js';
import type { Selectable } from 'kysely';

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

const byEmail = prepare<{ email: string }, Pick<Selectable<Database['users']>, 'id' | 'email' | 'name' | 'password_hash' | 'status' | 'email_verified_at'>>((db, p) =>
  db.selectFrom('users').select(['id', 'email', 'name', 'password_hash', 'status', 'email_verified_at']).where('email', '=', p.email),
);

/**
 * Checks a person's password against the limits every password check shares
 * (the sign-in's password step, the account page's password change):
 * - failures are limited per account (`pwd:acct:<sha256(email)>`,
 *   ACCOUNT_MAX_FAILURES) and per client (`pwd:ip:<rateLimitKey(ip)>`,
 *   IP_MAX_FAILURES); a guess is admitted under both before the password is
 *   verified, and parallel guesses cannot slip past them (`beginAttempt`,
 *   OWASP ASVS 5.0 V6.3.1); over either, it throws `rate_limited` with the
 *   seconds to wait;
 * - the hash waits for a slot of the hash gate, or the check is refused with
 *   `busy` and counts as no guess;
 * - an unknown address is verified against a dummy hash, so it takes as long
 *   as a real one (`verifyPassword`; OWASP ASVS 5.0 V6.3.8);
 * - a failure counts against both limits; a success clears the account's
 *   failures, and writes nothing when there were none (the client's count
 *   holds only failures: an office behind one address is not locked out by
 *   colleagues signing in);
 * - with `rehash` (the default), a hash made with another algorithm (one
 *   imported: bcrypt, scrypt, PBKDF2, argon2i/d) or weaker parameters than
 *   today's is replaced, and the replacement audited as `password.rehashed`
 *   (OWASP Password Storage Cheat Sheet, "upgrading legacy hashes"); a
 *   caller that is about to set a new password passes false.
 *
 * Inside a flow action its writes join the action's transaction.
 * `email` is normalised already (`emailSchema`).
 */
export async function checkPassword(
  app: AppContext,
  { email, password, ip, now, rehash = true }: { email: string; password: string; ip: string; now: number; rehash?: boolean },
): Promise<PasswordCheck> {
  const windowMs = app.config.rateWindowMinutes * 60_000;
  const attempt = await beginAttempt(
    app,
    [
      { key: `pwd:acct:${sha256(email)}`, rule: { windowMs, limit: app.config.accountMaxFailures } },
      { key: `pwd:ip:${rateLimitKey(ip)}`, rule: { windowMs, limit: app.config.ipMaxFailures }, keep: true },
    ],
    now,
  );
  try {
    const user = (await byEmail(app.db, { email })).rows[0];
    let valid: boolean;
    try {
      valid = await app.hashing.run(() => verifyPassword({ hash: user?.password_hash ?? null, password }));
    } catch (error) {
      attempt.abandon();
      throw error;
    }
    if (!user || !valid) return { refusal: 'invalid_credentials', userId: user?.id ?? null };
    // The right password of a disabled account: refused, and counted as a failure.
    if (user.status !== 'active') return { refusal: 'account_disabled', userId: user.id };
    attempt.succeeded();
    if (rehash && needsRehash(user.password_hash!)) {
      const inspected = inspectHash(user.password_hash!);
      const passwordHash = await app.hashing.run(() => hashPassword(password));
      // In a flow action, the new hash commits with the sign-in's own writes, or not at all.
      await withAction(app, async (db) => {
        await setPasswordHash(db, user.id, passwordHash, now);
        await audit(app, { event: 'password.rehashed', userId: user.id, actor: 'system', detail: { from: 'scheme' in inspected ? inspected.scheme : 'unknown' } }, db);
      });
    }
    return { user: { id: user.id, email: user.email, name: user.name, emailVerified: user.email_verified_at !== null } };
  } finally {
    await attempt.end();
  }
}
