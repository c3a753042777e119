/*
 * Filing a recovery request ("lost access to your phone?"): from the second
 * factor of a sign-in, where the password is already proved, or from the
 * public form, where only an address is typed. Either way the answer is the
 * same for every address; only a real, active account with a password of its
 * own gets a request stored and a notice mailed.
 */
import { z } from 'zod';
import { audit } from '../audit.js';
import type { AppContext } from '../context.js';
import { queueMail } from '../delivery/mail.js';
import { closeRecoveryRequests } from './closing.js';
import { rateLimitKey } from '../security/client-ip.js';
import { randomToken, safeEqual, sha256 } from '../security/random.js';
import { consumeRateLimit, rateLimited, type RateLimitRule } from '../security/rate-limit.js';

const HOUR_MS = 3_600_000;

/**
 * Requests per account (by the SHA-256 of the address, known or not) in a
 * day, for each source apart: the public form, which anyone can fill in for
 * any address, cannot use up the person's own requests after the password.
 * OWASP ASVS 5.0 V2.4.1 (anti-automation against excessive calls of a
 * function) and V6.3.8 (no account enumeration through recovery features):
 * over this limit the answer stays the same and nothing is stored or mailed,
 * so a mailbox cannot be flooded and the limit tells nothing about the address.
 */
export const REQUESTS_PER_ACCOUNT: RateLimitRule = { limit: 3, windowMs: 24 * HOUR_MS };

/**
 * Requests per client address in an hour (OWASP ASVS 5.0 V2.4.1, V6.3.1):
 * over it the client hears `rate_limited`, which says nothing about any address.
 */
export const REQUESTS_PER_IP: RateLimitRule = { limit: 10, windowMs: HOUR_MS };

/** The longest note a person may leave for whoever decides. */
export const NOTE_MAX = 1000;

/** The longest employee number. */
export const EMPLOYEE_NUMBER_MAX = 64;

/** 128 random bits: a request's id is shown to administrators and named in the admin API's paths. */
const REQUEST_ID_BYTES = 16;

/**
 * Characters that may rewrite what an administrator reads: control
 * characters (a terminal's escape sequences, NUL, which PostgreSQL refuses in
 * text) and the bidirectional embeddings, overrides and isolates (Unicode
 * UAX #9 §2; CVE-2021-42574, "Trojan Source").
 */
export const UNSAFE = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;

/** Unsafe characters but the line feed: a note may have lines. */
const UNSAFE_BUT_NEWLINE = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/u;

/** One line of text people type and others read: trimmed, not empty, no control or bidi-override characters. */
export function plainLine(max: number) {
  return z.string().trim().min(1).max(max).refine((value) => !UNSAFE.test(value));
}

/**
 * A note for whoever decides: printable text and line feeds (a CR LF or a
 * lone CR reads as a line feed), nothing else a terminal or a page could act on.
 */
export const noteText = z
  .string()
  .transform((value) => value.replace(/\r\n?/g, '\n'))
  .pipe(z.string().trim().min(1).max(NOTE_MAX).refine((value) => !UNSAFE_BUT_NEWLINE.test(value)));

/** The body of `request-recovery` at `second-factor`: a note, and the employee number when the company asks for one. */
export const recoveryNote = z.object({ note: noteText, employeeNumber: plainLine(EMPLOYEE_NUMBER_MAX).optional() }).strict();

/**
 * What the employee number check said, for whoever decides (never for the
 * person asking): the number matched the company's record, did not, was not
 * given, the company has none on record, or no company of theirs asks for one.
 */
export type EmployeeCheck = 'match' | 'mismatch' | 'not-given' | 'no-record' | 'not-asked';

/** Where a request was made: after the password at the second factor, or on the public form. */
export type RequestSource = 'second-factor' | 'form';

export interface Filing {
  /** The address typed on the form, or the signed-in person's. */
  email: string;
  note: string;
  employeeNumber?: string | undefined;
  source: RequestSource;
  ip: string;
  userAgent: string | null;
  now: number;
}

/**
 * Counts one request against the client's and the account's limits. Throws
 * `rate_limited` over the client's; answers false over the account's, when
 * the request is to be dropped quietly.
 */
export async function admitRecoveryRequest(app: AppContext, { email, ip, source, now }: { email: string; ip: string; source: RequestSource; now: number }): Promise<boolean> {
  const client = await consumeRateLimit(app.db, `recovery:ip:${rateLimitKey(ip)}`, REQUESTS_PER_IP, now);
  if (client.limited) throw rateLimited(client, now);
  const account = await consumeRateLimit(app.db, `recovery:acct:${source}:${sha256(email)}`, REQUESTS_PER_ACCOUNT, now);
  return !account.limited;
}

/** Whether any of a person's companies asks for an employee number with a recovery request. */
export async function asksEmployeeNumber(app: AppContext, userId: string): Promise<boolean> {
  const row = await app.db
    .selectFrom('memberships')
    .innerJoin('organizations', 'organizations.id', 'memberships.organization_id')
    .select('memberships.id')
    .where('memberships.user_id', '=', userId)
    .where('organizations.recovery_employee_number', '=', 1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * The employee number against the records of the companies that ask for
 * one: each compared in constant time (OWASP ASVS 5.0 V11.2.4), all of them
 * every time, so the answer's timing does not tell how far the check got.
 */
function checkEmployeeNumber(given: string | undefined, records: { asks: boolean; number: string | null }[]): EmployeeCheck {
  const asking = records.filter((r) => r.asks);
  if (asking.length === 0) return 'not-asked';
  if (given === undefined) return 'not-given';
  const onRecord = asking.map((r) => r.number).filter((n): n is string => n !== null);
  if (onRecord.length === 0) return 'no-record';
  let match = false;
  for (const number of onRecord) match = safeEqual(number.trim(), given) || match;
  return match ? 'match' : 'mismatch';
}

/**
 * Files a request for the account with this address, when there is one that
 * may recover: active, with a password of its own (people of a company that
 * signs them in through its own provider keep their factors there, so their
 * requests are dropped quietly), and no request of theirs still pending (a
 * new one joins it: the open request stands, with its approvals, and nothing
 * more is stored or mailed), but for one from the public form pending when
 * the person files after the password: that one closes as `superseded`, so
 * a stranger's form cannot stand in the way and the queue shows the request
 * with the stronger evidence. Known and unknown addresses do the same reads.
 * Returns the new request's id, or undefined when none was stored.
 */
export async function fileRecoveryRequest(app: AppContext, filing: Filing): Promise<string | undefined> {
  const { email, now } = filing;
  const user = await app.db.selectFrom('users').select(['id', 'status', 'password_hash', 'locale']).where('email', '=', email).executeTakeFirst();
  // An unknown address reads as an account without companies, its own domain and requests.
  const userId = user?.id ?? '';
  const domain = email.slice(email.lastIndexOf('@') + 1);
  const sso = await app.db.selectFrom('sso_domains').select('organization_id').where('domain', '=', domain).executeTakeFirst();
  const records = await app.db
    .selectFrom('memberships')
    .innerJoin('organizations', 'organizations.id', 'memberships.organization_id')
    .select(['memberships.employee_number', 'organizations.recovery_employee_number'])
    .where('memberships.user_id', '=', userId)
    .execute();
  const pending = await app.db.selectFrom('recovery_requests').select(['id', 'source']).where('user_id', '=', userId).where('status', '=', 'pending').where('expires_at', '>', now).execute();
  const employeeCheck = checkEmployeeNumber(filing.employeeNumber, records.map((r) => ({ asks: Number(r.recovery_employee_number) === 1, number: r.employee_number })));
  const supersedes = filing.source === 'second-factor' && pending.length > 0 && pending.every((r) => r.source === 'form');
  if (!user || user.status !== 'active' || user.password_hash === null || sso || (pending.length > 0 && !supersedes)) return undefined;
  if (supersedes) await closeRecoveryRequests(app, user.id, { reason: 'superseded', formOnly: true, now });

  const id = randomToken(REQUEST_ID_BYTES);
  const expiresAt = now + app.config.recoveryRequestDays * 24 * HOUR_MS;
  await app.db
    .insertInto('recovery_requests')
    .values({
      id,
      user_id: user.id,
      note: filing.note,
      employee_number: filing.employeeNumber ?? null,
      employee_check: employeeCheck,
      source: filing.source,
      ip: filing.ip || null,
      user_agent: filing.userAgent,
      status: 'pending',
      created_at: now,
      expires_at: expiresAt,
      decided_at: null,
      decided_by: null,
      reason: null,
      link_token_hash: null,
    })
    .execute();
  await audit(app, { event: 'recovery.requested', userId: user.id, ip: filing.ip || null, detail: { requestId: id, source: filing.source, employeeNumber: employeeCheck } });
  // Queued, tried in the background: the answer never waits on SMTP.
  await queueMail(app, { to: email, userId: user.id, locale: user.locale, message: { kind: 'recovery-requested', expiresAt } }, { wait: false });
  return id;
}

/**
 * The public form's filing, after the answer is sent: the answer (and its
 * timing) is the same for every address (OWASP ASVS 5.0 V6.3.8; OWASP
 * Forgot Password Cheat Sheet). A failure is logged, never told.
 */
export function fileInBackground(app: AppContext, filing: Filing): void {
  void fileRecoveryRequest(app, filing).catch((error: unknown) =>
    app.log.log('error', 'recovery request not filed', { event: 'recovery.failed', error: error instanceof Error ? error.message : String(error) }));
}
