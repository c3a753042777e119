import argon2 from 'argon2';
import { randomToken } from '../security/random.js';
import { MAX_PASSWORD_LENGTH, normalizePassword } from './password-policy.js';

/**
 * argon2id with the OWASP Password Storage Cheat Sheet's first recommended
 * setting: 19 MiB of memory, two passes, one lane (also OWASP ASVS 5.0 V11.4.2).
 * Hashes run on libuv's thread pool, never on the event loop.
 */
export const ARGON2_OPTIONS = {
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/** Hashes a password (normalised first) with argon2id. */
export async function hashPassword(password: string): Promise<string> {
  return argon2.hash(normalizePassword(password), ARGON2_OPTIONS);
}

let dummyHash: Promise<string> | undefined;

/**
 * Verifies a password against a stored hash. With no hash (unknown email, no
 * password set), verifies against a dummy hash of the same cost and returns
 * false, so the answer takes as long as for a real account (OWASP ASVS 5.0
 * V6.3.8, no user enumeration through timing).
 */
export async function verifyPassword({ hash, password }: { hash: string | null; password: string }): Promise<boolean> {
  if ([...password].length > MAX_PASSWORD_LENGTH * 4) return false;
  if (hash === null) {
    dummyHash ??= hashPassword(randomToken());
    await argon2.verify(await dummyHash, normalizePassword(password));
    return false;
  }
  try {
    return await argon2.verify(hash, normalizePassword(password));
  } catch {
    // A corrupt stored hash verifies nothing.
    return false;
  }
}

/** True when a stored hash was made with weaker parameters than today's, so it should be replaced at the next sign-in. */
export function needsRehash(hash: string): boolean {
  return argon2.needsRehash(hash, ARGON2_OPTIONS);
}

/** A random password that meets every policy, for the demo user and `user create` without `--password`. */
export function generatePassword(): string {
  // 18 random bytes = 144 bits; the fixed tail satisfies the composition rules.
  return `${randomToken(18)}-Aa7`;
}
