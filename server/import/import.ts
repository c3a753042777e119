/*
 * Bringing the people of an existing login over: a file of people (JSON
 * lines or CSV, formats.ts), each row checked (rows.ts), written in batches
 * of IMPORT_BATCH_ROWS, one transaction each. Memory stays bounded by the
 * batch, whatever the file's size.
 *
 * Keyed on the normalised email, so running the same file again creates no
 * one twice: it updates what the file says (name, language, a confirmed
 * address, company accounts and roles) and leaves the rest. What a person
 * did here since is never undone by a re-run:
 * - a password hash is replaced only while it is still one from the old
 *   system (`needsRehash`): once the person signed in here and their hash
 *   became our argon2id, the old one never comes back;
 * - an authenticator is added only to a person with no authenticator app;
 * - a confirmed address stays confirmed (`email_verified: false` takes
 *   nothing back), a disabled account stays disabled, and company accounts
 *   the file does not name stay.
 */
import { randomUUID } from 'node:crypto';
import type { Insertable } from 'kysely';
import { audit, type AuditActor } from '../audit.js';
import type { AppContext } from '../context.js';
import { importMemberships } from '../companies/members.js';
import { needsRehash } from '../factors/password.js';
import { importTotpCredentials } from '../factors/totp-enrolment.js';
import { inTransaction, type Database, type Db } from '../store/index.js';
import { insertImportedUsers, updateImportedUser } from '../store/users.js';
import { readRecords, type ImportFormat } from './formats.js';
import { checkRow, type ImportRow } from './rows.js';

/** Rows written per transaction: few enough to keep a transaction short, many enough that a round trip is shared by hundreds. */
export const IMPORT_BATCH_ROWS = 500;

/** Accounts per insert statement (six parameters each). */
const MEMBERSHIPS_PER_STATEMENT = 2000;

/** Row errors listed in a report; past these only their count grows. */
export const MAX_LISTED_ERRORS = 1000;

/** A row that was not imported, and why: `field: reason` when one field is to blame. */
export interface RowError {
  row: number;
  field?: string;
  reason: string;
}

/** What an import did. */
export interface ImportReport {
  format: ImportFormat;
  /** Nothing was written; the counts say what would have been. */
  dryRun: boolean;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  /** The first MAX_LISTED_ERRORS row errors (about: companies are checked a batch later), in file order. */
  errors: RowError[];
  /** Row errors past those listed. */
  errorsNotListed: number;
}

/** One report line: `row 17: password_hash: unsupported format`. */
export function describeRowError({ row, field, reason }: RowError): string {
  return `row ${row}: ${field ? `${field}: ` : ''}${reason}`;
}

interface Pending {
  row: number;
  person: ImportRow;
}

type ImportContext = Pick<AppContext, 'db' | 'log' | 'now' | 'secretKey'>;

/**
 * Imports the people of `source` (bytes in `format`). Bad rows are reported
 * with their number and reason, and the good ones still import. One
 * `users.imported` audit event records the run with its counts (an event per
 * person would bury the log under a million rows).
 */
export async function importUsers(
  app: ImportContext,
  { source, format, dryRun = false, actor, batchRows = IMPORT_BATCH_ROWS }: { source: AsyncIterable<Uint8Array | string>; format: ImportFormat; dryRun?: boolean; actor: AuditActor; batchRows?: number },
): Promise<ImportReport> {
  const report: ImportReport = { format, dryRun, created: 0, updated: 0, unchanged: 0, failed: 0, errors: [], errorsNotListed: 0 };
  const fail = (error: RowError) => {
    report.failed += 1;
    if (report.errors.length < MAX_LISTED_ERRORS) report.errors.push(error);
    else report.errorsNotListed += 1;
  };
  const companies = new Map<string, string>();
  let batch: Pending[] = [];
  let emails = new Set<string>();
  const flush = async () => {
    if (batch.length > 0) await writeBatch(app, batch, { report, fail, companies, dryRun });
    batch = [];
    emails = new Set();
  };
  for await (const record of readRecords(source, format)) {
    if (record.error !== undefined) {
      fail({ row: record.row, ...(record.field ? { field: record.field } : {}), reason: record.error });
      continue;
    }
    const checked = checkRow(record.fields);
    if ('reason' in checked) {
      fail({ row: record.row, ...(checked.field ? { field: checked.field } : {}), reason: checked.reason });
      continue;
    }
    // The same person again in the file: the earlier row is written first, and the later one updates it.
    if (emails.has(checked.row.email)) await flush();
    batch.push({ row: record.row, person: checked.row });
    emails.add(checked.row.email);
    if (batch.length >= batchRows) await flush();
  }
  await flush();
  // A company is checked when its row's batch is written, after the rows read later in that batch: back to file order.
  report.errors.sort((a, b) => a.row - b.row);
  if (!dryRun) {
    const { created, updated, unchanged, failed } = report;
    await audit(app, { event: 'users.imported', actor, detail: { format, created, updated, unchanged, failed } });
  }
  return report;
}

type Existing = Pick<Database['users'], 'id' | 'email' | 'name' | 'locale' | 'status' | 'password_hash' | 'email_verified_at'>;

/** The companies a batch names, by slug, read once per slug for the whole run (a company cannot appear from nowhere mid-import). */
async function resolveCompanies(db: Db, batch: Pending[], known: Map<string, string>): Promise<void> {
  const wanted = [...new Set(batch.flatMap(({ person }) => person.companies?.map((c) => c.org) ?? []))].filter((slug) => !known.has(slug));
  if (wanted.length === 0) return;
  for (const { id, slug } of await db.selectFrom('organizations').select(['id', 'slug']).where('slug', 'in', wanted).execute()) known.set(slug, id);
}

/** One batch: what each row changes, decided from one read per table, then written in one transaction. */
async function writeBatch(
  app: ImportContext,
  pending: Pending[],
  { report, fail, companies, dryRun }: { report: ImportReport; fail: (error: RowError) => void; companies: Map<string, string>; dryRun: boolean },
): Promise<void> {
  const { db } = app;
  const now = app.now();
  await resolveCompanies(db, pending, companies);
  const batch = pending.filter(({ row, person }) => {
    const unknown = person.companies?.find((c) => !companies.has(c.org));
    if (unknown) fail({ row, field: 'companies', reason: `unknown company "${unknown.org}"` });
    return !unknown;
  });
  if (batch.length === 0) return;

  const existing = new Map<string, Existing>(
    (await db.selectFrom('users').select(['id', 'email', 'name', 'locale', 'status', 'password_hash', 'email_verified_at']).where('email', 'in', batch.map((p) => p.person.email)).execute()).map((u) => [u.email, u]),
  );
  const ids = [...existing.values()].map((u) => u.id);
  const withAuthenticator = new Set<string>();
  const roles = new Map<string, string>();
  if (ids.length > 0) {
    const held = await db.selectFrom('credentials').select('user_id').where('user_id', 'in', ids).where('type', '=', 'totp').where('confirmed_at', 'is not', null).execute();
    for (const { user_id } of held) withAuthenticator.add(user_id);
    const accounts = await db.selectFrom('memberships').select(['user_id', 'organization_id', 'role']).where('user_id', 'in', ids).execute();
    for (const m of accounts) roles.set(`${m.user_id} ${m.organization_id}`, m.role);
  }

  const inserts: Insertable<Database['users']>[] = [];
  const updates: { userId: string; change: Parameters<typeof updateImportedUser>[2] }[] = [];
  const authenticators: { userId: string; secret: string }[] = [];
  const memberships: { userId: string; organizationId: string; role: string }[] = [];
  for (const { person } of batch) {
    const user = existing.get(person.email);
    const userId = user?.id ?? randomUUID();
    let changed = false;
    if (!user) {
      inserts.push({
        id: userId,
        email: person.email,
        name: person.name ?? '',
        locale: person.locale ?? null,
        password_hash: person.passwordHash?.hash ?? null,
        // With a password they can sign in at once; without one they wait for an invitation (`user invite`).
        status: person.passwordHash ? 'active' : 'invited',
        email_verified_at: person.emailVerified ? now : null,
        created_at: now,
        updated_at: now,
      });
    } else {
      const change: Parameters<typeof updateImportedUser>[2] = {};
      if (person.name !== undefined && person.name !== user.name) change.name = person.name;
      if (person.locale !== undefined && person.locale !== user.locale) change.locale = person.locale;
      if (person.emailVerified && user.email_verified_at === null) change.email_verified_at = now;
      const hash = person.passwordHash?.hash;
      // Only a hash still from the old system is replaced: one made here at a sign-in or a password change stays.
      if (hash !== undefined && hash !== user.password_hash && (user.password_hash === null || needsRehash(user.password_hash))) {
        change.password_hash = hash;
        if (user.status === 'invited') change.status = 'active';
      }
      if (Object.keys(change).length > 0) {
        updates.push({ userId, change });
        changed = true;
      }
    }
    if (person.totpSecret !== undefined && !withAuthenticator.has(userId)) {
      authenticators.push({ userId, secret: person.totpSecret });
      withAuthenticator.add(userId);
      changed = true;
    }
    // One account per company: a company named twice takes its last role.
    const wanted = new Map((person.companies ?? []).map((c) => [companies.get(c.org)!, c.role]));
    for (const [organizationId, role] of wanted) {
      if (roles.get(`${userId} ${organizationId}`) === role) continue;
      memberships.push({ userId, organizationId, role });
      changed = true;
    }
    if (!user) report.created += 1;
    else if (changed) report.updated += 1;
    else report.unchanged += 1;
  }
  if (dryRun) return;
  await inTransaction(db, async (trx) => {
    await insertImportedUsers(trx, inserts);
    for (const { userId, change } of updates) await updateImportedUser(trx, userId, change, now);
    await importTotpCredentials(trx, app.secretKey, authenticators, now);
    // A row may name up to 100 companies: kept under SQLite's 32,766 bound parameters per statement.
    for (let i = 0; i < memberships.length; i += MEMBERSHIPS_PER_STATEMENT) await importMemberships(trx, memberships.slice(i, i + MEMBERSHIPS_PER_STATEMENT), now);
  });
}
