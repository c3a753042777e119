import { dictionary } from '@zxcvbn-ts/language-common';

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
  | 'not_email'
  | 'no_control';

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
 * Rules every policy applies, named to the person only when a password breaks
 * them: no keyboard types a control character, so the checklist leaves it out.
 */
const ALWAYS_RULES: readonly PasswordRule[] = ['no_control'];

/**
 * Control characters (Unicode category Cc: U+0000-U+001F, U+007F, U+0080-U+009F).
 * The PRECIS profile for passwords disallows them (RFC 8265 §4.2, RFC 8264
 * §9.12); NIST SP 800-63B-4 §3.1.1.2 asks only that printing characters and
 * the space be accepted. Invisible, they cannot be typed again, and software
 * that reads C strings ends a password at its first NUL, making two passwords one.
 */
const CONTROL_CHARACTER = /\p{Cc}/u;

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
  no_control: (p) => !CONTROL_CHARACTER.test(p),
};

/**
 * Checks a new password against a policy. Returns the broken rules, empty when
 * the password is acceptable. Length counts code points after normalisation,
 * not UTF-16 units: an emoji is one character. Every way of setting a password
 * comes through here; signing in does not (an old password is verified as it was set).
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
  return [...ALWAYS_RULES, ...POLICY_RULES[policy]].filter((rule) => !CHECKS[rule](normalized, length, email));
}
