import { randomUUID } from 'node:crypto';
import { audit, type AuditActor } from '../audit.js';
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import { inTransaction, type Db } from '../store/index.js';
import { findUserByEmail } from '../users.js';
import { requireOrganizationRow, revokeAccountSessions } from './registry.js';

/*
 * Who belongs to a company: each member has one account there, with a role.
 * Taking someone's account away ends their sessions in it at once.
 */

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

/** The role a member gets when none is given. */
export const DEFAULT_ROLE = 'employee';

/** The people of a company, by email. */
export async function listMembers(db: Db, organization: string): Promise<Member[]> {
  const row = await requireOrganizationRow(db, organization);
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
  const org = await requireOrganizationRow(app.db, organization);
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
  const org = await requireOrganizationRow(app.db, organization);
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

/** The person just worked in this account: the next sign-in offers it first. */
export async function markAccountUsed(db: Db, membershipId: string, now: number): Promise<void> {
  await db.updateTable('memberships').set({ last_used_at: now }).where('id', '=', membershipId).execute();
}
/**
 * Records a member's employee number at a company (null forgets it), which a
 * recovery request's is checked against. `user_not_found` when the person is
 * not a member there.
 */
export async function setEmployeeNumber(app: AppContext, { organization, email, employeeNumber, actor }: { organization: string; email: string; employeeNumber: string | null; actor: AuditActor }): Promise<void> {
  const org = await requireOrganizationRow(app.db, organization);
  const user = await findUserByEmail(app.db, email);
  if (!user) throw new ApiError('user_not_found', { field: 'email' });
  await inTransaction(app.db, async (trx) => {
    const updated = await trx.updateTable('memberships').set({ employee_number: employeeNumber }).where('user_id', '=', user.id).where('organization_id', '=', org.id).executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) throw new ApiError('user_not_found', { field: 'email' });
    // The number itself stays out of the log: it is a fact that proves who someone is.
    await audit(app, { event: 'member.updated', userId: user.id, actor, detail: { organizationId: org.id, slug: org.slug, employeeNumber: employeeNumber === null ? 'removed' : 'set' } }, trx);
  });
}

/** Makes the person an employee of the company unless they already belong to it (demo seeding, safe to repeat). */
export async function ensureMember(db: Db, { userId, organizationId, now }: { userId: string; organizationId: string; now: number }): Promise<void> {
  await db
    .insertInto('memberships')
    .values({ id: randomUUID(), user_id: userId, organization_id: organizationId, role: DEFAULT_ROLE, created_at: now, last_used_at: null })
    .onConflict((oc) => oc.columns(['user_id', 'organization_id']).doNothing())
    .execute();
}

/**
 * Accounts given by an import: added, or their role set to the file's; one
 * statement for a batch. Accounts the file does not name are left alone.
 * Audited once per import run (`users.imported`), not per account.
 */
export async function importMemberships(db: Db, rows: { userId: string; organizationId: string; role: string }[], now: number): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('memberships')
    .values(rows.map((r) => ({ id: randomUUID(), user_id: r.userId, organization_id: r.organizationId, role: r.role, created_at: now, last_used_at: null })))
    .onConflict((oc) => oc.columns(['user_id', 'organization_id']).doUpdateSet((eb) => ({ role: eb.ref('excluded.role') })))
    .execute();
}
