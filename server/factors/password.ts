import argon2 from 'argon2';
import { dictionary } from '@zxcvbn-ts/language-common';
import { randomToken } from '../security/random.js';

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

/** NIST SP 800-63B-4 §3.1.1.2: at least 15 characters for a password used as a single factor. */
export const MIN_PASSWORD_LENGTH = 15;
/** NIST SP 800-63B-4 §3.1.1.2 asks that at least 64 be allowed; the cap bounds the work an attacker can make us do. */
export const MAX_PASSWORD_LENGTH = 256;

export type PasswordPolicyName = 'seeds' | 'nist';

/** Rules a password can break; each is a key in the widget's message catalogue (`rule_<name>`). */
export type PasswordRule =
  | 'min_length'
  | 'max_length'
  | 'digit'
  | 'special'
  | 'upper'
  | 'lower'
  | 'no_angle_brackets'
  | 'not_common'
  | 'not_email';

/** The rules each policy applies, in the order a checklist shows them. */
export const POLICY_RULES: Record<PasswordPolicyName, readonly PasswordRule[]> = {
  // The seeds' rules: length, a digit, a special character, upper and lower
  // case, no < or >; plus the blocklist and context checks NIST asks for.
  seeds: ['min_length', 'max_length', 'digit', 'special', 'upper', 'lower', 'no_angle_brackets', 'not_common', 'not_email'],
  // NIST SP 800-63B-4 §3.1.1.2: no composition rules; length, blocklist and
  // context-specific words only.
  nist: ['min_length', 'max_length', 'not_common', 'not_email'],
};

/**
 * NIST SP 800-63B-4 §3.1.1.2 asks verifiers to normalise Unicode before
 * hashing, so the same password typed on two keyboards matches. NFKC also
 * makes lengths below count what a person sees.
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

let blocklist: Set<string> | undefined;

/** The common-password blocklist (49,000+ entries from @zxcvbn-ts/language-common), loaded on first use. */
export function commonPasswords(): Set<string> {
  blocklist ??= new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
  return blocklist;
}

function isCommon(password: string): boolean {
  const list = commonPasswords();
  const lower = password.toLowerCase();
  if (list.has(lower)) return true;
  // "Password123456!!" is still "password": strip the digits and symbols that
  // people pad a common word with to meet composition rules.
  const core = lower.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '');
  return core.length >= 4 && list.has(core);
}

const CHECKS: Record<PasswordRule, (password: string, length: number, email: string | undefined) => boolean> = {
  min_length: (_, length) => length >= MIN_PASSWORD_LENGTH,
  max_length: (_, length) => length <= MAX_PASSWORD_LENGTH,
  digit: (p) => /\p{Nd}/u.test(p),
  special: (p) => /[^\p{L}\p{N}\s]/u.test(p),
  upper: (p) => /\p{Lu}/u.test(p),
  lower: (p) => /\p{Ll}/u.test(p),
  no_angle_brackets: (p) => !/[<>]/.test(p),
  not_common: (p) => !isCommon(p),
  not_email: (p, _, email) => {
    const local = email?.split('@')[0]?.toLowerCase();
    return !local || local.length < 4 || !p.toLowerCase().includes(local);
  },
};

/**
 * Checks a new password against a policy. Returns the broken rules, empty when
 * the password is acceptable. Length counts code points after normalisation,
 * not UTF-16 units: an emoji is one character.
 */
export function checkPasswordPolicy({
  password,
  policy,
  email,
}: {
  password: string;
  policy: PasswordPolicyName;
  email?: string;
}): PasswordRule[] {
  const normalized = normalizePassword(password);
  const length = [...normalized].length;
  return POLICY_RULES[policy].filter((rule) => !CHECKS[rule](normalized, length, email));
}

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
