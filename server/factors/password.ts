import { hash, parseOptions, verify, type Algorithm, type Options } from '@node-rs/argon2';
import { randomToken } from '../security/random.js';
import { verifyAnyHash } from './legacy-hashes.js';
import { MAX_PASSWORD_LENGTH, normalizePassword } from './password-policy.js';

/** `Algorithm.Argon2id` of @node-rs/argon2 (a const enum, which isolated modules cannot read). */
const ARGON2ID: Algorithm = 2;

/**
 * argon2id with the OWASP Password Storage Cheat Sheet's first recommended
 * setting: 19 MiB of memory, two passes, one lane (also OWASP ASVS 5.0 V11.4.2).
 * Hashes run on libuv's thread pool, never on the event loop; how many at once
 * is up to the caller (`HashGate`, hash-gate.ts).
 *
 * The stored form is the PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`),
 * which every argon2 library reads: hashes made by the `argon2` package before
 * (`m=19456,p=1,t=2`) verify unchanged.
 */
export const ARGON2_OPTIONS = {
  algorithm: ARGON2ID,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const satisfies Options;

/** Hashes a password (normalised first) with argon2id. */
export async function hashPassword(password: string): Promise<string> {
  return hash(normalizePassword(password), ARGON2_OPTIONS);
}

let dummyHash: Promise<string> | undefined;

/**
 * Verifies a password against a stored hash. With no hash (unknown email, no
 * password set), verifies against a dummy hash of the same cost and returns
 * false, so the answer takes as long as for a real account (OWASP ASVS 5.0
 * V6.3.8, no user enumeration through timing).
 *
 * Besides our argon2id, the stored hash may be one imported from another
 * system (bcrypt, scrypt, PBKDF2, other argon2: legacy-hashes.ts), which costs
 * what its source made it cost until the first sign-in replaces it. The
 * password is tried normalised (how this server hashes) and, when that
 * differs, as typed (how most other systems hashed it).
 */
export async function verifyPassword({ hash: stored, password }: { hash: string | null; password: string }): Promise<boolean> {
  if ([...password].length > MAX_PASSWORD_LENGTH * 4) return false;
  if (stored === null) {
    dummyHash ??= hashPassword(randomToken());
    await verify(await dummyHash, normalizePassword(password));
    return false;
  }
  // A corrupt or unknown stored hash verifies nothing (false, never a throw).
  return verifyAnyHash(stored, normalizePassword(password), [password]);
}

/**
 * True when a stored hash was made with another algorithm or weaker
 * parameters than today's, so it should be replaced at the next sign-in
 * (OWASP Password Storage Cheat Sheet, "upgrading legacy hashes").
 */
export function needsRehash(stored: string): boolean {
  try {
    const used = parseOptions(stored);
    return used.algorithm !== ARGON2_OPTIONS.algorithm || used.memoryCost < ARGON2_OPTIONS.memoryCost || used.timeCost < ARGON2_OPTIONS.timeCost;
  } catch {
    return true;
  }
}

/** A random password that meets every policy, for the demo user and `user create` without `--password`. */
export function generatePassword(): string {
  // 18 random bytes = 144 bits; the fixed tail satisfies the composition rules.
  return `${randomToken(18)}-Aa7`;
}
