import { ZxcvbnFactory, type ZxcvbnResult } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';
import type { Config } from '../config.js';
import type { Db } from '../store/index.js';
import type { PasswordRule } from '../shapes.js';
export type { PasswordRule };

/** NIST SP 800-63B-4 §3.1.1.2: at least 15 characters for a password used as a single factor. */
export const MIN_PASSWORD_LENGTH = 15;
/** NIST SP 800-63B-4 §3.1.1.2 asks that at least 64 be allowed; the cap bounds the work an attacker can make us do. */
export const MAX_PASSWORD_LENGTH = 256;

export type PasswordPolicyName = 'seeds' | 'nist';

/** The rules each policy applies, in the order a checklist shows them. */
export const POLICY_RULES: Record<PasswordPolicyName, readonly PasswordRule[]> = {
  // The seeds' rules: length, a digit, a special character, upper and lower
  // case, no < or >; plus the blocklist, strength and context checks NIST asks for.
  seeds: ['min_length', 'max_length', 'digit', 'special', 'upper', 'lower', 'no_angle_brackets', 'not_common', 'not_guessable', 'not_email', 'not_context'],
  // NIST SP 800-63B-4 §3.1.1.2: no composition rules; length, blocklist
  // (common and expected passwords) and context-specific words only.
  nist: ['min_length', 'max_length', 'not_common', 'not_guessable', 'not_email', 'not_context'],
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

/**
 * The fewest guesses the strength estimator may put on a new password: 10^10,
 * where zxcvbn's top score begins. Its documented scale (zxcvbn README,
 * `result.score`): 2 "somewhat guessable: protection from unthrottled online
 * attacks" (< 10^8), 3 "safely unguessable: moderate protection from offline
 * slow-hash scenario" (< 10^10), 4 "very unguessable: strong protection from
 * offline slow-hash scenario". Score 3 is too low a bar with a 15-character
 * minimum: the estimator adds 10^4 guesses for each pattern after the first
 * (Wheeler, USENIX Security 2016; MIN_GUESSES_BEFORE_GROWING_SEQUENCE in
 * zxcvbn-ts), so any three patterns reach 10^8, "Aaaaaaaaaaaaaa1!" and
 * "Qwertyuiopasdf1!" included. Below 10^10 are the expected passwords NIST
 * SP 800-63B-4 §3.1.1.2 and OWASP ASVS 5.0 V6.2.4 ask to refuse: repeats,
 * sequences, keyboard walks, common words and their l33t spellings, dressed up
 * with a capital, a digit and a symbol.
 */
export const MIN_PASSWORD_GUESSES = 1e10;

/**
 * The estimator reads this many characters of a password. Its dictionary
 * matcher tries every substring, so its work grows with the square of the
 * length (a 256-character password of digits took most of a second); 64 is
 * the length NIST SP 800-63B-4 §3.1.1.2 asks to allow at least, and a password
 * whose first 64 characters are hard to guess is hard to guess.
 */
export const ESTIMATE_MAX_LENGTH = 64;

/**
 * How many l33t readings of a password the estimator tries ("p@$$w0rd" as
 * "password"); each costs a full dictionary pass. The library's default is 100;
 * 25 keeps the worst 64-character password to tens of milliseconds, and reaches
 * the same verdicts as 100 on everyday l33t ("P@55w0rd", "Tr0ub4dor&3", "m0nk3y").
 */
const L33T_MAX_SUBSTITUTIONS = 25;

let estimator: ZxcvbnFactory | undefined;

/**
 * zxcvbn-ts with the common-password and diceware dictionaries and the
 * keyboard layouts of @zxcvbn-ts/language-common, built on first use (about
 * 60 ms) and kept: it runs when a password is set, never at sign-in.
 */
function strengthEstimator(): ZxcvbnFactory {
  estimator ??= new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs, maxLength: ESTIMATE_MAX_LENGTH, l33tMaxSubstitutions: L33T_MAX_SUBSTITUTIONS });
  return estimator;
}

/**
 * The product's own name, refused whatever APP_NAME calls the service: NIST
 * SP 800-63B-4 §3.1.1.2 and OWASP ASVS 5.0 V6.2.11 name "the name of the
 * service" among the context-specific words a password must not be built on.
 */
export const PRODUCT_NAME = 'login-flow';

/**
 * Context-specific words shorter than this are not refused: a random password
 * holds a given three letters too often (about 1 in 3,600 for 15 characters
 * of letters and digits), four letters about 1 in 140,000.
 */
const MIN_CONTEXT_WORD_LENGTH = 4;

const SEPARATORS = ['', ' ', '-', '_', '.'];

/** A name as people write it into a password: as given, and its words joined by each common separator or by none. */
function spellings(name: string): { letters: number; spellings: string[] } {
  const lower = normalizePassword(name).toLowerCase();
  const words = lower.split(/[^\p{L}\p{N}]+/u).filter((word) => word.length > 0);
  return { letters: words.join('').length, spellings: [lower, ...SEPARATORS.map((separator) => words.join(separator))] };
}

/** Words of the person's email: the local part, its pieces, the domain's labels but the last. */
function emailWords(email: string | undefined): string[] {
  if (!email) return [];
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at < 0 ? undefined : at);
  const domain = at < 0 ? '' : email.slice(at + 1);
  return [local, ...local.split(/[^\p{L}\p{N}]+/u), ...domain.split('.').slice(0, -1)];
}

/**
 * What the estimator is told of the context (its "user inputs"): every spelling
 * of every name first, so they take the lowest ranks and a name is read as the
 * name, then the names' single words and the email's. Returns with them the
 * spellings to refuse.
 */
function contextWords(names: readonly string[], email: string | undefined): { refused: Set<string>; inputs: string[] } {
  const refused = new Set<string>();
  const inputs = new Set<string>();
  const pieces: string[] = [];
  for (const name of [PRODUCT_NAME, ...names]) {
    const { letters, spellings: written } = spellings(name);
    for (const spelling of written) {
      inputs.add(spelling);
      if (letters >= MIN_CONTEXT_WORD_LENGTH) refused.add(spelling);
    }
    pieces.push(...written[0]!.split(/[^\p{L}\p{N}]+/u));
  }
  for (const word of [...pieces, ...emailWords(email)]) if (word.length > 0) inputs.add(word.toLowerCase());
  refused.delete('');
  inputs.delete('');
  return { refused, inputs: [...inputs] };
}

/** What the rules look at: the normalised password, its length in code points, and what is known of the person. */
interface Candidate {
  password: string;
  length: number;
  email: string | undefined;
  /** Spellings of the service's, the companies' and the person's names, lower case. */
  names: ReadonlySet<string>;
  /** The strength estimate with the context words as user inputs, made on first ask. */
  estimate: () => ZxcvbnResult;
}

const CHECKS: Record<PasswordRule, (candidate: Candidate) => boolean> = {
  min_length: ({ length }) => length >= MIN_PASSWORD_LENGTH,
  max_length: ({ length }) => length <= MAX_PASSWORD_LENGTH,
  digit: ({ password }) => /\p{Nd}/u.test(password),
  special: ({ password }) => /[^\p{L}\p{N}\s]/u.test(password),
  upper: ({ password }) => /\p{Lu}/u.test(password),
  lower: ({ password }) => /\p{Ll}/u.test(password),
  no_angle_brackets: ({ password }) => !/[<>]/.test(password),
  not_common: ({ password }) => !isCommon(password),
  not_guessable: ({ estimate }) => estimate().guesses >= MIN_PASSWORD_GUESSES,
  not_email: ({ password, email }) => {
    const local = email?.split('@')[0]?.toLowerCase();
    return !local || local.length < MIN_CONTEXT_WORD_LENGTH || !password.toLowerCase().includes(local);
  },
  // The estimator finds a name in any case, l33t or reversed; a name it matched anywhere is refused,
  // however strong the rest: an attacker who targets this service tries its names first.
  not_context: ({ estimate, names }) =>
    !estimate().sequence.some((match) => match.pattern === 'dictionary' && match.dictionaryName === 'userInputs' && names.has(match.matchedWord)),
  no_control: ({ password }) => !CONTROL_CHARACTER.test(password),
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
  names = [],
}: {
  password: string;
  policy: PasswordPolicyName;
  email?: string | undefined;
  /** Names of the service, the person's companies and the person; the product's own name is always one. */
  names?: readonly string[];
}): PasswordRule[] {
  const normalized = normalizePassword(password);
  const context = contextWords(names, email);
  let estimate: ZxcvbnResult | undefined;
  const candidate: Candidate = {
    password: normalized,
    length: [...normalized].length,
    email,
    names: context.refused,
    estimate: () => (estimate ??= strengthEstimator().check(normalized, context.inputs)),
  };
  return [...ALWAYS_RULES, ...POLICY_RULES[policy]].filter((rule) => !CHECKS[rule](candidate));
}

/** The settings that name the service to the people who use it, and the policy. */
export type PasswordPolicyConfig = Pick<Config, 'passwordPolicy' | 'appName' | 'smsFrom' | 'rpId'>;

/**
 * What people see the service called: APP_NAME (the authenticator app's
 * issuer, the passkey's relying party, the mail's name), the SMS sender, and
 * the domain passkeys are bound to.
 */
export function serviceNames(config: PasswordPolicyConfig): string[] {
  return [config.appName, config.smsFrom, config.rpId];
}

/**
 * Checks a new password with all that is known of the person: the one check
 * behind every way a password is set (activation and reset links, the account
 * page, `user create` and `user set-password`, the demo users). With `userId`,
 * the person's stored name and their companies' names count too; `name` is for
 * a person not yet stored.
 */
export async function checkNewPassword(
  db: Db,
  config: PasswordPolicyConfig,
  { password, email, name, userId }: { password: string; email: string; name?: string | undefined; userId?: string | undefined },
): Promise<PasswordRule[]> {
  const stored = userId ? await db.selectFrom('users').select('name').where('id', '=', userId).executeTakeFirst() : undefined;
  const companies = userId
    ? await db
        .selectFrom('memberships')
        .innerJoin('organizations', 'organizations.id', 'memberships.organization_id')
        .select(['organizations.name', 'organizations.slug'])
        .where('memberships.user_id', '=', userId)
        .execute()
    : [];
  const person = [name, stored?.name].filter((given): given is string => Boolean(given));
  const names = [...serviceNames(config), ...companies.flatMap((company) => [company.name, company.slug]), ...person];
  return checkPasswordPolicy({ password, policy: config.passwordPolicy, email, names });
}

/** The policy as the widget's live checklist shows it. */
export function policyView(config: Pick<Config, 'passwordPolicy'>): { rules: PasswordRule[]; minLength: number; maxLength: number } {
  return { rules: [...POLICY_RULES[config.passwordPolicy]], minLength: MIN_PASSWORD_LENGTH, maxLength: MAX_PASSWORD_LENGTH };
}
