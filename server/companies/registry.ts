import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { audit, type AuditActor } from '../audit.js';
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import { inTransaction, type Db } from '../store/index.js';
import type { OrganizationsTable } from '../store/schema.js';
import { slugFromName } from './schemas.js';
import { revokeSessionsInAccounts } from '../security/sessions.js';

/*
 * The companies themselves: finding one by id or slug, listing them as an
 * administrator sees them, and creating, changing and deleting one.
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

/** A company as an administrator sees it. */
export interface Organization {
  id: string;
  name: string;
  slug: string;
  /** From this date (YYYY-MM-DD, from 00:00 UTC) its people need 2FA; null when the company does not require it. */
  mfaRequiredFrom: string | null;
  /** From this date its people without 2FA are prompted to set it up; null: whenever `mfaRequiredFrom` is set. */
  mfaPromptFrom: string | null;
  /**
   * From this date its people with 2FA are asked for their code; before it,
   * while it is set, they may sign in without (a company leaving its own 2FA
   * system: see `secondFactorDeferred`). Null: always asked.
   */
  mfaAskCodeFrom: string | null;
  createdAt: number;
  sso: SsoSummary | null;
  /** How many people belong to it. */
  members: number;
}

/** A company's 2FA rollout: the dates of its stages (each YYYY-MM-DD, or null). */
export interface Rollout {
  mfaPromptFrom: string | null;
  mfaAskCodeFrom: string | null;
  mfaRequiredFrom: string | null;
}

/** A change to a rollout: a date, null to drop it, undefined to keep it. */
export type RolloutChange = { [K in keyof Rollout]?: string | null | undefined };

/**
 * The stage out of order in a rollout, if one is: the prompt to set 2FA up
 * comes no later than the day it is required, and so does asking for the code
 * (a sign-in without the code while set-up is already required would be
 * contradictory). Dates in `YYYY-MM-DD` compare as text.
 */
export function rolloutOrderFault(rollout: Rollout): 'mfaPromptFrom' | 'mfaAskCodeFrom' | undefined {
  const { mfaPromptFrom, mfaAskCodeFrom, mfaRequiredFrom } = rollout;
  if (mfaRequiredFrom === null) return undefined;
  if (mfaPromptFrom !== null && mfaPromptFrom > mfaRequiredFrom) return 'mfaPromptFrom';
  if (mfaAskCodeFrom !== null && mfaAskCodeFrom > mfaRequiredFrom) return 'mfaAskCodeFrom';
  return undefined;
}

/** A rollout with its changes applied, in order or not. */
export function withChange(stored: Rollout, change: RolloutChange): Rollout {
  return {
    mfaPromptFrom: change.mfaPromptFrom === undefined ? stored.mfaPromptFrom : change.mfaPromptFrom,
    mfaAskCodeFrom: change.mfaAskCodeFrom === undefined ? stored.mfaAskCodeFrom : change.mfaAskCodeFrom,
    mfaRequiredFrom: change.mfaRequiredFrom === undefined ? stored.mfaRequiredFrom : change.mfaRequiredFrom,
  };
}

/** A rollout with its changes applied: `invalid_request` naming the stage out of order. */
export function changedRollout(stored: Rollout, change: RolloutChange): Rollout {
  const rollout = withChange(stored, change);
  const fault = rolloutOrderFault(rollout);
  if (fault) throw new ApiError('invalid_request', { field: fault });
  return rollout;
}

/** The stages a change names, in the audit log's words (those left out are unchanged). */
function rolloutDetail(change: RolloutChange): RolloutChange {
  return Object.fromEntries(Object.entries(change).filter(([, value]) => value !== undefined));
}

/** What an id or a slug can look like (ids are lower-case UUIDs); anything else is not looked up at all. */
const ID_OR_SLUG = /^[a-z0-9-]{1,63}$/;

type OrganizationRow = Selectable<OrganizationsTable>;

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

/** The stored company for an id or a slug; `organization_not_found` when there is none. */
export async function requireOrganizationRow(db: Db, idOrSlug: string): Promise<OrganizationRow> {
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
    mfaPromptFrom: r.mfa_prompt_from,
    mfaAskCodeFrom: r.mfa_ask_code_from,
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
  const row = await requireOrganizationRow(db, idOrSlug);
  return (await describeOrganizations(db, [row], row.id))[0]!;
}

/** Creates a company; without a slug, one is made from the name. A slug in use is `organization_exists`. */
export async function createOrganization(
  app: AppContext,
  { name, slug, actor, ...change }: { name: string; slug?: string | undefined; actor: AuditActor } & RolloutChange,
): Promise<Organization> {
  const chosen = slug ?? slugFromName(name);
  // Nothing to make a slug from (a name in another script): the caller picks one.
  if (chosen === undefined) throw new ApiError('invalid_request', { field: 'slug' });
  const rollout = changedRollout({ mfaPromptFrom: null, mfaAskCodeFrom: null, mfaRequiredFrom: null }, change);
  const { mfaRequiredFrom } = rollout;
  const id = randomUUID();
  const now = app.now();
  await inTransaction(app.db, async (trx) => {
    // The unique slug settles a race between two creators: one row goes in, the other caller hears 409.
    const inserted = await trx
      .insertInto('organizations')
      .values({ id, name, slug: chosen, mfa_required_from: mfaRequiredFrom, mfa_prompt_from: rollout.mfaPromptFrom, mfa_ask_code_from: rollout.mfaAskCodeFrom, created_at: now })
      .onConflict((oc) => oc.column('slug').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) !== 1) throw new ApiError('organization_exists', { field: 'slug' });
    await audit(app, { event: 'organization.created', actor, detail: { organizationId: id, slug: chosen, mfaRequiredFrom, ...rolloutDetail(change) } }, trx);
  });
  return { id, name, slug: chosen, ...rollout, createdAt: now, sso: null, members: 0 };
}

/**
 * Renames a company or changes its 2FA rollout (a date of null drops that
 * stage; undefined keeps it). The stages must stay in order with those kept
 * (`rolloutOrderFault`): else `invalid_request` naming the stage.
 */
export async function updateOrganization(
  app: AppContext,
  idOrSlug: string,
  { name, actor, ...change }: { name?: string | undefined; actor: AuditActor } & RolloutChange,
): Promise<Organization> {
  const row = await requireOrganizationRow(app.db, idOrSlug);
  const given = rolloutDetail(change);
  const changes = {
    ...(name === undefined ? {} : { name }),
    ...(given.mfaRequiredFrom === undefined ? {} : { mfa_required_from: given.mfaRequiredFrom }),
    ...(given.mfaPromptFrom === undefined ? {} : { mfa_prompt_from: given.mfaPromptFrom }),
    ...(given.mfaAskCodeFrom === undefined ? {} : { mfa_ask_code_from: given.mfaAskCodeFrom }),
  };
  if (Object.keys(changes).length > 0) {
    await inTransaction(app.db, async (trx) => {
      // Checked against the row as this transaction reads it, with the stages the change keeps.
      const stored = await trx.selectFrom('organizations').select(['mfa_prompt_from', 'mfa_ask_code_from', 'mfa_required_from']).where('id', '=', row.id).executeTakeFirst();
      if (!stored) throw new ApiError('organization_not_found');
      changedRollout({ mfaPromptFrom: stored.mfa_prompt_from, mfaAskCodeFrom: stored.mfa_ask_code_from, mfaRequiredFrom: stored.mfa_required_from }, given);
      const updated = await trx.updateTable('organizations').set(changes).where('id', '=', row.id).executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) throw new ApiError('organization_not_found');
      await audit(app, {
        event: 'organization.updated',
        actor,
        detail: { organizationId: row.id, slug: row.slug, ...(name === undefined ? {} : { name }), ...given },
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
export async function revokeAccountSessions(db: Db, { organizationId, userId, now }: { organizationId: string; userId?: string; now: number }): Promise<number> {
  let accounts = db.selectFrom('memberships').select('id').where('organization_id', '=', organizationId);
  if (userId !== undefined) accounts = accounts.where('user_id', '=', userId);
  return revokeSessionsInAccounts(db, accounts, now);
}

/**
 * Deletes a company. Its memberships, domains and provider go with it
 * (foreign keys cascade), and every session working in one of its accounts
 * ends at once.
 */
export async function deleteOrganization(app: AppContext, idOrSlug: string, actor: AuditActor): Promise<void> {
  const row = await requireOrganizationRow(app.db, idOrSlug);
  const now = app.now();
  await inTransaction(app.db, async (trx) => {
    const sessionsRevoked = await revokeAccountSessions(trx, { organizationId: row.id, now });
    const deleted = await trx.deleteFrom('organizations').where('id', '=', row.id).executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) throw new ApiError('organization_not_found');
    await audit(app, { event: 'organization.deleted', actor, detail: { organizationId: row.id, slug: row.slug, sessionsRevoked } }, trx);
  });
}

/** The company with this slug, made when it does not exist yet (demo seeding, safe to repeat); its id. */
export async function ensureOrganization(db: Db, { slug, name }: { slug: string; name: string }, now: number): Promise<string> {
  await db
    .insertInto('organizations')
    .values({ id: randomUUID(), name, slug, mfa_required_from: null, mfa_prompt_from: null, mfa_ask_code_from: null, created_at: now })
    .onConflict((oc) => oc.column('slug').doNothing())
    .execute();
  return (await db.selectFrom('organizations').select('id').where('slug', '=', slug).executeTakeFirstOrThrow()).id;
}

/** A company's rules for recovery requests: how many administrators approve one, and whether its people give their employee number. */
export interface RecoverySettings {
  /** 1, or 2 for the two-person rule (two different administrators). */
  approvals: 1 | 2;
  employeeNumber: boolean;
}

/** Sets a company's rules for recovery requests. */
export async function setRecoverySettings(app: AppContext, idOrSlug: string, { approvals, employeeNumber, actor }: RecoverySettings & { actor: AuditActor }): Promise<RecoverySettings & { organizationId: string; slug: string }> {
  const row = await requireOrganizationRow(app.db, idOrSlug);
  await inTransaction(app.db, async (trx) => {
    const updated = await trx.updateTable('organizations').set({ recovery_approvals: approvals, recovery_employee_number: employeeNumber ? 1 : 0 }).where('id', '=', row.id).executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) throw new ApiError('organization_not_found');
    await audit(app, { event: 'organization.updated', actor, detail: { organizationId: row.id, slug: row.slug, recoveryApprovals: approvals, recoveryEmployeeNumber: employeeNumber } }, trx);
  });
  return { organizationId: row.id, slug: row.slug, approvals, employeeNumber };
}
