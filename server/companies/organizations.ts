import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { audit, type AuditActor } from '../audit.js';
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import { seal } from '../security/secrets.js';
import type { Db } from '../store/index.js';
import type { OrganizationsTable } from '../store/schema.js';
import { findUserByEmail } from '../users.js';
import { isLoopbackHttp } from './oidc.js';
import { inTransaction } from '../store/index.js';

/*
 * Companies (organizations): who belongs to them, the 2FA policy they set, and
 * the OpenID Connect provider some of them sign their people in through. The
 * admin API and the CLI validate input with the schemas below; the functions
 * take input as those schemas give it.
 */

/** A company's single sign-on, as an administrator sees it: never the client secret. */
export interface SsoSummary {
  /** The provider's name as people know it ("Microsoft Entra ID"). */
  name: string;
  issuer: string;
  clientId: string;
  /** The email domains whose addresses sign in there, lower-case, sorted. */
  domains: string[];
}

export interface Organization {
  id: string;
  name: string;
  slug: string;
  /** From this date (YYYY-MM-DD, from 00:00 UTC) its people need 2FA; null when the company does not require it. */
  mfaRequiredFrom: string | null;
  createdAt: number;
  sso: SsoSummary | null;
  /** How many people belong to it. */
  members: number;
}

/** One person's account at one company. */
export interface Membership {
  id: string;
  organizationId: string;
  userId: string;
  role: string;
  createdAt: number;
}

/** A person in a company's member list. */
export interface Member {
  userId: string;
  email: string;
  name: string;
  role: string;
  addedAt: number;
}

export const DEFAULT_ROLE = 'employee';

/** A hostname label (RFC 1035 §2.3.1, a digit first allowed as RFC 1123 §2.1 does), in lower case. */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** A slug is one such label, so it may name a subdomain as well as a path. */
const SLUG = LABEL;
/** What an id or a slug can look like (ids are lower-case UUIDs); anything else is not looked up at all. */
const ID_OR_SLUG = /^[a-z0-9-]{1,63}$/;
/** RFC 1035 §2.3.4: a name is at most 255 octets on the wire, 253 characters as text. */
const MAX_DOMAIN_LENGTH = 253;
/** Control characters have no place in a name, an id or a secret, and PostgreSQL refuses NUL in text. */
const NO_CONTROLS = /^[^\p{Cc}]*$/u;

/** Text people read or paste: trimmed, not empty, no control characters. */
function line(max: number) {
  return z.string().trim().min(1).max(max).regex(NO_CONTROLS);
}

/** Is `value` a real calendar date written YYYY-MM-DD (2027-02-30 is not)? */
function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number) as [number, number, number];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * An issuer identifier: an https URL with no query or fragment (OpenID
 * Connect Discovery 1.0 §3), or http on a loopback host for a local provider.
 * It must already be written the way `URL` writes it (scheme and host in lower
 * case, no default port): the provider's metadata and ID tokens name it byte
 * for byte (Discovery §4.3, Core §3.1.3.7 step 2), and the sign-in compares.
 */
function isIssuer(value: string): boolean {
  const bare = value.replace(/\/+$/, '');
  // `URL` quietly drops tabs, newlines and outer spaces, so they are refused here first.
  if (!/^[^\s\p{Cc}?#]+$/u.test(bare)) return false;
  let url: URL;
  try {
    url = new URL(bare);
  } catch {
    return false;
  }
  if (url.username || url.password || (url.href !== bare && url.href !== `${bare}/`)) return false;
  return url.protocol === 'https:' || isLoopbackHttp(url.href);
}

/** A hostname of at least two labels whose last is not all digits (so not an IP address). */
function isDomain(value: string): boolean {
  const labels = value.split('.');
  return value.length <= MAX_DOMAIN_LENGTH && labels.length >= 2 && labels.every((label) => LABEL.test(label)) && !/^\d+$/.test(labels.at(-1)!);
}

export const organizationNameSchema = line(200);
export const slugSchema = z.string().regex(SLUG);
/** A date from which the company requires 2FA, or null for none. */
export const mfaDateSchema = z.string().max(10).refine(isCalendarDate).nullable();
export const roleSchema = z.string().trim().toLowerCase().regex(/^[a-z][a-z0-9_-]{0,31}$/);
export const providerNameSchema = line(200);
/** The issuer, stored without a trailing slash. */
export const issuerSchema = z.string().trim().max(2048).refine(isIssuer).transform((issuer) => issuer.replace(/\/+$/, ''));
export const clientIdSchema = line(512);
export const clientSecretSchema = z.string().min(1).max(1024).regex(NO_CONTROLS);
/** One to a hundred email domains, lower-cased, each once. */
export const domainsSchema = z
  .array(z.string().trim().toLowerCase().refine(isDomain))
  .min(1)
  .max(100)
  .transform((domains) => [...new Set(domains)].sort());

/**
 * A slug made from a company name: ASCII letters and digits (accents dropped),
 * runs of anything else as one hyphen. Undefined when nothing is left (a name
 * in another script): the caller must then choose a slug.
 */
export function slugFromName(name: string): string | undefined {
  const slug = name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return SLUG.test(slug) ? slug : undefined;
}

type OrganizationRow = OrganizationsTable;

/** The stored company for an id or a slug (case does not matter), the id winning should a slug look like another's id. */
async function organizationRow(db: Db, idOrSlug: string): Promise<OrganizationRow | undefined> {
  const key = idOrSlug.trim().toLowerCase();
  if (!ID_OR_SLUG.test(key)) return undefined;
  const rows = await db
    .selectFrom('organizations')
    .selectAll()
    .where((eb) => eb.or([eb('id', '=', key), eb('slug', '=', key)]))
    .execute();
  return rows.find((r) => r.id === key) ?? rows[0];
}

async function requireRow(db: Db, idOrSlug: string): Promise<OrganizationRow> {
  const row = await organizationRow(db, idOrSlug);
  if (!row) throw new ApiError('organization_not_found');
  return row;
}

/** Companies as administrators see them: member counts and single sign-on filled in. `only` limits the reads to one company. */
async function describeOrganizations(db: Db, rows: OrganizationRow[], only?: string): Promise<Organization[]> {
  if (rows.length === 0) return [];
  let counts = db.selectFrom('memberships').select(['organization_id', db.fn.countAll<number>().as('count')]).groupBy('organization_id');
  let connections = db.selectFrom('sso_connections').select(['organization_id', 'name', 'issuer', 'client_id']);
  let domains = db.selectFrom('sso_domains').select(['organization_id', 'domain']).orderBy('domain');
  if (only !== undefined) {
    counts = counts.where('organization_id', '=', only);
    connections = connections.where('organization_id', '=', only);
    domains = domains.where('organization_id', '=', only);
  }
  const members = new Map((await counts.execute()).map((r) => [r.organization_id, Number(r.count)]));
  const domainsOf = new Map<string, string[]>();
  for (const { organization_id, domain } of await domains.execute()) domainsOf.set(organization_id, [...(domainsOf.get(organization_id) ?? []), domain]);
  const sso = new Map(
    (await connections.execute()).map((c) => [c.organization_id, { name: c.name, issuer: c.issuer, clientId: c.client_id, domains: domainsOf.get(c.organization_id) ?? [] }]),
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    slug: r.slug,
    mfaRequiredFrom: r.mfa_required_from,
    createdAt: Number(r.created_at),
    sso: sso.get(r.id) ?? null,
    members: members.get(r.id) ?? 0,
  }));
}

/** Every company, oldest first. */
export async function listOrganizations(db: Db): Promise<Organization[]> {
  const rows = await db.selectFrom('organizations').selectAll().orderBy('created_at').orderBy('slug').execute();
  return describeOrganizations(db, rows);
}

/** The company with this id or slug, if there is one. */
export async function findOrganization(db: Db, idOrSlug: string): Promise<Organization | undefined> {
  const row = await organizationRow(db, idOrSlug);
  return row && (await describeOrganizations(db, [row], row.id))[0];
}

/** The company with this id or slug; `organization_not_found` when there is none. */
export async function requireOrganization(db: Db, idOrSlug: string): Promise<Organization> {
  const row = await requireRow(db, idOrSlug);
  return (await describeOrganizations(db, [row], row.id))[0]!;
}

/** Creates a company; without a slug, one is made from the name. A slug in use is `organization_exists`. */
export async function createOrganization(
  app: AppContext,
  { name, slug, mfaRequiredFrom = null, actor }: { name: string; slug?: string | undefined; mfaRequiredFrom?: string | null | undefined; actor: AuditActor },
): Promise<Organization> {
  const chosen = slug ?? slugFromName(name);
  // Nothing to make a slug from (a name in another script): the caller picks one.
  if (chosen === undefined) throw new ApiError('invalid_request', { field: 'slug' });
  const id = randomUUID();
  const now = app.now();
  await inTransaction(app.db, async (trx) => {
    // The unique slug settles a race between two creators: one row goes in, the other caller hears 409.
    const inserted = await trx
      .insertInto('organizations')
      .values({ id, name, slug: chosen, mfa_required_from: mfaRequiredFrom, created_at: now })
      .onConflict((oc) => oc.column('slug').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) !== 1) throw new ApiError('organization_exists', { field: 'slug' });
    await audit(app, { event: 'organization.created', actor, detail: { organizationId: id, slug: chosen, mfaRequiredFrom } }, trx);
  });
  return { id, name, slug: chosen, mfaRequiredFrom, createdAt: now, sso: null, members: 0 };
}

/** Renames a company or changes its 2FA policy (`mfaRequiredFrom: null` drops it; undefined keeps it). */
export async function updateOrganization(
  app: AppContext,
  idOrSlug: string,
  { name, mfaRequiredFrom, actor }: { name?: string | undefined; mfaRequiredFrom?: string | null | undefined; actor: AuditActor },
): Promise<Organization> {
  const row = await requireRow(app.db, idOrSlug);
  const changes = { ...(name === undefined ? {} : { name }), ...(mfaRequiredFrom === undefined ? {} : { mfa_required_from: mfaRequiredFrom }) };
  if (Object.keys(changes).length > 0) {
    await inTransaction(app.db, async (trx) => {
      const updated = await trx.updateTable('organizations').set(changes).where('id', '=', row.id).executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) throw new ApiError('organization_not_found');
      await audit(app, {
        event: 'organization.updated',
        actor,
        detail: { organizationId: row.id, slug: row.slug, ...(name === undefined ? {} : { name }), ...(mfaRequiredFrom === undefined ? {} : { mfaRequiredFrom }) },
      }, trx);
    });
  }
  return requireOrganization(app.db, row.id);
}

/**
 * Ends the live sessions that work in a company's accounts (one person's, with
 * `userId`); returns how many. Runs before the memberships go, while the
 * sessions can still be found through them.
 */
async function revokeAccountSessions(db: Db, { organizationId, userId, now }: { organizationId: string; userId?: string; now: number }): Promise<number> {
  let accounts = db.selectFrom('memberships').select('id').where('organization_id', '=', organizationId);
  if (userId !== undefined) accounts = accounts.where('user_id', '=', userId);
  const result = await db.updateTable('sessions').set({ revoked_at: now }).where('revoked_at', 'is', null).where('membership_id', 'in', accounts).executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Deletes a company. Its memberships, domains and provider go with it
 * (foreign keys cascade), and every session working in one of its accounts
 * ends at once.
 */
export async function deleteOrganization(app: AppContext, idOrSlug: string, actor: AuditActor): Promise<void> {
  const row = await requireRow(app.db, idOrSlug);
  const now = app.now();
  await inTransaction(app.db, async (trx) => {
    const sessionsRevoked = await revokeAccountSessions(trx, { organizationId: row.id, now });
    const deleted = await trx.deleteFrom('organizations').where('id', '=', row.id).executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) throw new ApiError('organization_not_found');
    await audit(app, { event: 'organization.deleted', actor, detail: { organizationId: row.id, slug: row.slug, sessionsRevoked } }, trx);
  });
}

/** The people of a company, by email. */
export async function listMembers(db: Db, organization: string): Promise<Member[]> {
  const row = await requireRow(db, organization);
  const rows = await db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['users.id', 'users.email', 'users.name', 'memberships.role', 'memberships.created_at'])
    .where('memberships.organization_id', '=', row.id)
    .orderBy('users.email')
    .execute();
  return rows.map((r) => ({ userId: r.id, email: r.email, name: r.name, role: r.role, addedAt: Number(r.created_at) }));
}

function toMembership(r: { id: string; organization_id: string; user_id: string; role: string; created_at: number }): Membership {
  return { id: r.id, organizationId: r.organization_id, userId: r.user_id, role: r.role, createdAt: Number(r.created_at) };
}

/**
 * Gives an existing user an account at a company (`user_not_found` when
 * there is no such user). Adding someone already there is no error: it
 * returns their membership, with the role changed when another is given.
 */
export async function addMember(
  app: AppContext,
  { organization, email, role, actor }: { organization: string; email: string; role?: string | undefined; actor: AuditActor },
): Promise<Membership> {
  const org = await requireRow(app.db, organization);
  const user = await findUserByEmail(app.db, email);
  if (!user) throw new ApiError('user_not_found', { field: 'email' });
  const now = app.now();
  return inTransaction(app.db, async (trx) => {
    // unique(user_id, organization_id) settles a race between two adds: both end with the one row.
    const inserted = await trx
      .insertInto('memberships')
      .values({ id: randomUUID(), user_id: user.id, organization_id: org.id, role: role ?? DEFAULT_ROLE, created_at: now, last_used_at: null })
      .onConflict((oc) => oc.columns(['user_id', 'organization_id']).doNothing())
      .executeTakeFirst();
    const row = await trx.selectFrom('memberships').selectAll().where('user_id', '=', user.id).where('organization_id', '=', org.id).executeTakeFirstOrThrow();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) {
      await audit(app, { event: 'member.added', userId: user.id, actor, detail: { organizationId: org.id, slug: org.slug, role: row.role } }, trx);
    } else if (role !== undefined && role !== row.role) {
      await trx.updateTable('memberships').set({ role }).where('id', '=', row.id).execute();
      await audit(app, { event: 'member.added', userId: user.id, actor, detail: { organizationId: org.id, slug: org.slug, role, previousRole: row.role } }, trx);
      row.role = role;
    }
    return toMembership(row);
  });
}

/**
 * Takes a person's account at a company away; every session working in it
 * ends at once, so someone who leaves a company loses access there now, not
 * when their session would have expired. Returns false when they were not a
 * member (`user_not_found` when there is no such user).
 */
export async function removeMember(app: AppContext, { organization, email, actor }: { organization: string; email: string; actor: AuditActor }): Promise<boolean> {
  const org = await requireRow(app.db, organization);
  const user = await findUserByEmail(app.db, email);
  if (!user) throw new ApiError('user_not_found', { field: 'email' });
  const now = app.now();
  return inTransaction(app.db, async (trx) => {
    const membership = await trx.selectFrom('memberships').select('id').where('user_id', '=', user.id).where('organization_id', '=', org.id).executeTakeFirst();
    if (!membership) return false;
    const sessionsRevoked = await revokeAccountSessions(trx, { organizationId: org.id, userId: user.id, now });
    await trx.deleteFrom('memberships').where('id', '=', membership.id).execute();
    await audit(app, { event: 'member.removed', userId: user.id, actor, detail: { organizationId: org.id, slug: org.slug, sessionsRevoked } }, trx);
    return true;
  });
}

/**
 * Sets up (or replaces) a company's OpenID Connect provider and the email
 * domains that sign in there. The client secret is sealed with the server's
 * key; without one, the stored secret stays (`invalid_request` on the field
 * `clientSecret` when there is none yet). A domain another company owns is
 * `sso_domain_taken`, and then nothing changes.
 */
export async function setSsoConnection(
  app: AppContext,
  organization: string,
  { name, issuer, clientId, clientSecret, domains, actor }: { name: string; issuer: string; clientId: string; clientSecret?: string | undefined; domains: string[]; actor: AuditActor },
): Promise<Organization> {
  const org = await requireRow(app.db, organization);
  const wanted = [...new Set(domains.map((d) => d.toLowerCase()))].sort();
  const now = app.now();
  await inTransaction(app.db, async (trx) => {
    const existing = await trx.selectFrom('sso_connections').select(['client_secret', 'issuer']).where('organization_id', '=', org.id).executeTakeFirst();
    if (clientSecret === undefined && !existing) throw new ApiError('invalid_request', { field: 'clientSecret' });
    // The organization id is bound to the sealed value: copied into another company's row, it does not open.
    const sealed = clientSecret === undefined ? existing!.client_secret : seal(app.secretKey, clientSecret, `sso-client:${org.id}`);
    await trx
      .insertInto('sso_connections')
      .values({ organization_id: org.id, name, issuer, client_id: clientId, client_secret: sealed, created_at: now, updated_at: now })
      .onConflict((oc) => oc.column('organization_id').doUpdateSet({ name, issuer, client_id: clientId, client_secret: sealed, updated_at: now }))
      .execute();
    // Every address at a domain goes to the company's provider from now on, and the provider
    // signs in only the company's members: anyone else at the domain would be locked out.
    const outsiders = await trx
      .selectFrom('users')
      .select('email')
      .where((eb) => eb.or(wanted.map((domain) => eb('email', 'like', `%@${domain}`))))
      .where((eb) => eb.not(eb.exists(eb.selectFrom('memberships').select('id').whereRef('memberships.user_id', '=', 'users.id').where('memberships.organization_id', '=', org.id))))
      .limit(1000)
      .execute();
    if (outsiders.length > 0) {
      const at = [...new Set(outsiders.map((u) => u.email.slice(u.email.lastIndexOf('@') + 1)))].sort();
      throw new ApiError('sso_domain_in_use', { field: 'domains', details: { domains: at, people: outsiders.length } });
    }
    await trx.deleteFrom('sso_domains').where('organization_id', '=', org.id).execute();
    // The domain is the key: whatever another company holds, even one it took a moment ago, is not inserted.
    const inserted = await trx
      .insertInto('sso_domains')
      .values(wanted.map((domain) => ({ domain, organization_id: org.id, created_at: now })))
      .onConflict((oc) => oc.column('domain').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) !== wanted.length) {
      const taken = await trx.selectFrom('sso_domains').select('domain').where('domain', 'in', wanted).where('organization_id', '!=', org.id).orderBy('domain').execute();
      throw new ApiError('sso_domain_taken', { field: 'domains', details: { domains: taken.map((t) => t.domain) } });
    }
    // Another provider now: sessions the previous one vouched for end.
    if (existing && existing.issuer !== issuer) {
      await trx.updateTable('sessions').set({ revoked_at: now }).where('sso_organization_id', '=', org.id).where('revoked_at', 'is', null).execute();
    }
    await audit(app, {
      event: 'sso.configured',
      actor,
      detail: { organizationId: org.id, slug: org.slug, issuer, clientId, domains: wanted.join(','), secretReplaced: clientSecret !== undefined },
    }, trx);
  });
  return requireOrganization(app.db, org.id);
}

/** Removes a company's provider and its domains: its people sign in here again. Returns false when it had none. */
export async function removeSsoConnection(app: AppContext, organization: string, actor: AuditActor): Promise<boolean> {
  const org = await requireRow(app.db, organization);
  return inTransaction(app.db, async (trx) => {
    const deleted = await trx.deleteFrom('sso_connections').where('organization_id', '=', org.id).executeTakeFirst();
    const domains = await trx.deleteFrom('sso_domains').where('organization_id', '=', org.id).executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0 && Number(domains.numDeletedRows) === 0) return false;
    // Sessions the provider vouched for end with it: its people sign in here again, with this platform's factors.
    const ended = await trx
      .updateTable('sessions')
      .set({ revoked_at: app.now() })
      .where('sso_organization_id', '=', org.id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    await audit(app, { event: 'sso.removed', actor, detail: { organizationId: org.id, slug: org.slug, sessionsEnded: Number(ended.numUpdatedRows) } }, trx);
    return true;
  });
}
