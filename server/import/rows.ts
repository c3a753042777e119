/*
 * One person of an import file, checked: the same schema reads a JSON line
 * and a CSV record (whose cells are text: `true`, `acme:admin;globex`).
 */
import { z } from 'zod';
import { roleSchema, slugSchema } from '../companies/schemas.js';
import { DEFAULT_ROLE } from '../companies/members.js';
import { emailSchema } from '../factors/email-address.js';
import { inspectHash, type HashScheme } from '../factors/legacy-hashes.js';

/**
 * A TOTP shared secret in base32 (RFC 4648 §6), as authenticator apps take
 * it: at least 80 bits (16 characters, the shortest secret common apps made;
 * RFC 4226 §4 R6 asks 128 and recommends 160), at most 512 bits.
 */
const TOTP_SECRET = /^[A-Z2-7]{16,103}$/;

/** The most companies one row may name. */
const MAX_COMPANIES = 100;

/** Absent, JSON `null` and an empty CSV cell all mean "not given". */
function optional<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === null || value === '' ? undefined : value), schema.optional());
}

const membership = z
  .object({
    org: slugSchema.max(63, { error: 'not a company slug' }),
    role: optional(roleSchema),
  })
  .strict();

/** `acme:admin;globex:employee` (CSV), or already a list (JSON). */
const companies = z.preprocess(
  (value) =>
    typeof value === 'string'
      ? value
          .split(';')
          .map((part) => part.trim())
          .filter((part) => part !== '')
          .map((part) => {
            const [org = '', role] = part.split(':').map((s) => s.trim());
            return role === undefined || role === '' ? { org } : { org, role };
          })
      : value,
  z.array(membership, { error: 'a list of { org, role }, or org:role;org:role' }).max(MAX_COMPANIES),
);

/** true/false in JSON; `true`, `false`, `1`, `0`, `yes`, `no` in a CSV cell. */
const flag = z.preprocess((value) => {
  if (typeof value !== 'string') return value;
  const word = value.trim().toLowerCase();
  return ['true', '1', 'yes'].includes(word) ? true : ['false', '0', 'no'].includes(word) ? false : value;
}, z.boolean({ error: 'true or false' }));

const passwordHash = z
  .string()
  .max(1024, { error: 'unsupported format' })
  .transform((hash, ctx) => {
    const inspected = inspectHash(hash.trim());
    if ('refusal' in inspected) {
      ctx.addIssue({ code: 'custom', message: inspected.refusal });
      return z.NEVER;
    }
    return { hash: hash.trim(), scheme: inspected.scheme };
  });

const totpSecret = z
  .string()
  .transform((secret) => secret.replace(/[\s=-]/g, '').toUpperCase())
  .refine((secret) => TOTP_SECRET.test(secret), { error: 'not a base32 secret of 80 to 512 bits' });

/** A row of the file, checked. */
export const importRow = z
  .object({
    email: z.string({ error: 'required' }).max(1024, { error: 'not an email address' }).pipe(emailSchema),
    name: optional(z.string().trim().max(200)),
    locale: optional(z.enum(['en', 'nl'], { error: 'en or nl' })),
    email_verified: optional(flag),
    password_hash: optional(passwordHash),
    totp_secret: optional(totpSecret),
    companies: optional(companies),
  })
  .strict();

/** A row as the import writes it. */
export interface ImportRow {
  email: string;
  name?: string | undefined;
  locale?: 'en' | 'nl' | undefined;
  emailVerified?: boolean | undefined;
  passwordHash?: { hash: string; scheme: HashScheme } | undefined;
  totpSecret?: string | undefined;
  companies?: { org: string; role: string }[] | undefined;
}

/** A row's fields checked, or the first problem as `field: reason`. */
export function checkRow(fields: Record<string, unknown>): { row: ImportRow } | { field?: string; reason: string } {
  const parsed = importRow.safeParse(fields);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') return { reason: `unknown field "${String(issue.keys[0]).slice(0, 40)}"` };
    const field = String(issue.path[0] ?? '');
    return { field, reason: field === 'email' && issue.message !== 'required' ? 'not an email address' : issue.message };
  }
  const { email, name, locale, email_verified, password_hash, totp_secret, companies: listed } = parsed.data;
  return {
    row: {
      email,
      name,
      locale,
      emailVerified: email_verified,
      passwordHash: password_hash,
      totpSecret: totp_secret,
      companies: listed?.map(({ org, role }) => ({ org, role: role ?? DEFAULT_ROLE })),
    },
  };
}
