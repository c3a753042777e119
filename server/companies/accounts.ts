import type { AppContext } from '../context.js';
import { hasSecondFactor } from '../factors/methods.js';
import type { Db } from '../store/index.js';
import { prepare } from '../store/prepared.js';
import type { CompanyAccount } from '../shapes.js';
export type { CompanyAccount };

/**
 * A person's accounts at companies (one email, one set of credentials, any
 * number of memberships), and the 2FA policy they add up to.
 */

/** When 2FA is required for a person, and whether that day has come. */
export interface MfaPolicy {
  /** The earliest date (YYYY-MM-DD) from which 2FA is required: the server's, or one of their companies'. */
  requiredFrom: string | null;
  requiredNow: boolean;
}

/** Has the day (`YYYY-MM-DD`, from 00:00 UTC) come? */
export function dateReached(date: string | null, now: number): boolean {
  return date !== null && now >= Date.parse(`${date}T00:00:00Z`);
}

/** The earlier of two dates in `YYYY-MM-DD` (which sort as text), a missing one counting as never. */
function earlier(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a < b ? a : b;
}

/**
 * The strictest 2FA policy over the server's (`MFA_REQUIRED_FROM`) and the
 * person's companies': the earliest date any of them requires 2FA from. A
 * session may switch to any of the person's companies without a new sign-in,
 * so it must meet the policy of every one of them from the start.
 */
export async function mfaPolicy(app: AppContext, userId: string, now: number): Promise<MfaPolicy> {
  const rows = await app.db
    .selectFrom('memberships')
    .innerJoin('organizations', 'organizations.id', 'memberships.organization_id')
    .select('organizations.mfa_required_from')
    .where('memberships.user_id', '=', userId)
    .where('organizations.mfa_required_from', 'is not', null)
    .execute();
  const requiredFrom = rows.reduce<string | null>((date, row) => earlier(date, row.mfa_required_from), app.config.mfaRequiredFrom);
  return { requiredFrom, requiredNow: dateReached(requiredFrom, now) };
}

interface AccountRow extends CompanyAccount {
  mfaRequiredFrom: string | null;
}

/** Read at the end of every sign-in. */
const membershipsOf = prepare<{ userId: string }, { id: string; organization_id: string; last_used_at: number | string | null; name: string; mfa_required_from: string | null }>((db, p) =>
  db
    .selectFrom('memberships')
    .innerJoin('organizations', 'organizations.id', 'memberships.organization_id')
    .select(['memberships.id', 'memberships.organization_id', 'memberships.last_used_at', 'organizations.name', 'organizations.mfa_required_from'])
    .where('memberships.user_id', '=', p.userId),
);

/** Every account of a person, last used first (never used last, then by name). */
async function accountsOf(db: Db, userId: string): Promise<AccountRow[]> {
  const { rows } = await membershipsOf(db, { userId });
  return rows
    .sort((a, b) => Number(b.last_used_at ?? -1) - Number(a.last_used_at ?? -1) || a.name.localeCompare(b.name))
    .map((r) => ({ id: r.id, organizationId: r.organization_id, name: r.name, mfaRequiredFrom: r.mfa_required_from }));
}

/**
 * The accounts a session may work in. A sign-in here met the strictest
 * policy of all the person's companies, so it may enter every one; a company
 * that requires 2FA today still needs the person to have a second factor (the
 * person may have joined it, or its date come, after the sign-in). A single
 * sign-on (`sso`, the company whose connection signed the person in) skipped
 * this platform's 2FA on the word of that company's provider: that is good for
 * that company, and for those that do not require 2FA today, but not for one
 * that does (seed 001: "Visma Connect 2FA does not apply to you" because the
 * company's own provider enforces it, which speaks for that company only).
 */
export async function enterableAccounts(app: AppContext, userId: string, { sso, now }: { sso: string | null; now: number }): Promise<CompanyAccount[]> {
  const serverRequires = dateReached(app.config.mfaRequiredFrom, now);
  const accounts = await accountsOf(app.db, userId);
  const requires = (a: AccountRow) => serverRequires || dateReached(a.mfaRequiredFrom, now);
  const hasFactor = sso === null && accounts.some(requires) ? await hasSecondFactor(app.db, userId) : false;
  return accounts
    .filter((a) => (sso === null ? !requires(a) || hasFactor : a.organizationId === sso || !requires(a)))
    .map(({ id, organizationId, name }) => ({ id, organizationId, name }));
}

/** One account of the session's person, if the session may work in it. */
export async function enterableAccount(app: AppContext, userId: string, membershipId: string, options: { sso: string | null; now: number }): Promise<CompanyAccount | undefined> {
  return (await enterableAccounts(app, userId, options)).find((a) => a.id === membershipId);
}

/** The account a session works in, if it still exists (a removed membership leaves the session without one). */
export async function accountById(db: Db, membershipId: string | null): Promise<CompanyAccount | undefined> {
  if (membershipId === null) return undefined;
  const row = await db
    .selectFrom('memberships')
    .innerJoin('organizations', 'organizations.id', 'memberships.organization_id')
    .select(['memberships.id', 'memberships.organization_id', 'organizations.name'])
    .where('memberships.id', '=', membershipId)
    .executeTakeFirst();
  return row ? { id: row.id, organizationId: row.organization_id, name: row.name } : undefined;
}

