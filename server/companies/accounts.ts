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

/**
 * A person's 2FA policy: the stages of a company's rollout (seeds 001 and
 * 004), the strictest over the server's and every one of their companies'.
 */
export interface MfaPolicy {
  /** The earliest date (YYYY-MM-DD) from which 2FA is required: the server's, or one of their companies'. */
  requiredFrom: string | null;
  requiredNow: boolean;
  /** A person without 2FA is prompted to set it up (with "remind me later"). */
  promptNow: boolean;
  /**
   * A person with 2FA is asked for their code at sign-in. False only in a
   * company's migration window (`secondFactorDeferred`).
   */
  askCodeNow: boolean;
}

/** One source of policy: the server, or one of the person's companies. */
export interface RolloutDates {
  promptFrom: string | null;
  askCodeFrom: string | null;
  requiredFrom: string | null;
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
 * Is the prompt stage of one source on? From its prompt date; without one,
 * whenever it requires 2FA at all (the prompt shows the date set-up becomes
 * required, as before prompt dates existed).
 */
export function promptReached(dates: RolloutDates, now: number): boolean {
  return dates.promptFrom === null ? dates.requiredFrom !== null : dateReached(dates.promptFrom, now);
}

/**
 * May a sign-in go on without the second factor of a person who has one?
 *
 * Seed 001: "Have you already set up Visma Connect two-factor
 * authentication? Then the system will ask for a verification code when
 * logging into Nmbrs from April 13th onwards." A company phasing out its own
 * 2FA system ("Nmbrs had its own 2FA system, which will be phased out") sets
 * that date (`mfa_ask_code_from`); until it comes, its people sign in as they
 * did under the old system, without this platform's code. Skipping a factor the
 * person has weakens the sign-in, so it holds only when every source agrees:
 *
 * - the person belongs to at least one company (a person of no company is
 *   always asked: no company chose the window);
 * - EVERY one of their companies sets `mfa_ask_code_from`, and none has
 *   reached it (a session may enter any of them, so one company that asks is
 *   enough to ask);
 * - 2FA is required today by nobody: neither the server (`MFA_REQUIRED_FROM`)
 *   nor a company.
 *
 * The sign-in then carries amr `['pwd']` only, so whatever needs a fresh
 * second factor (re-authentication for a credential change) still asks for
 * it; re-authentication itself never skips it (`reauthSecondFactor`), nor
 * does a password reset, nor a sign-in whose only way in is a recovery or
 * support code (`afterVerified`). A remembered device works as ever.
 */
export function secondFactorDeferred(companies: readonly RolloutDates[], serverRequiredFrom: string | null, now: number): boolean {
  if (companies.length === 0) return false;
  if (dateReached(serverRequiredFrom, now)) return false;
  return companies.every((c) => c.askCodeFrom !== null && !dateReached(c.askCodeFrom, now) && !dateReached(c.requiredFrom, now));
}

/** The rollout dates of every company a person belongs to (one read at sign-in). */
const companyDatesOf = prepare<{ userId: string }, { mfa_prompt_from: string | null; mfa_ask_code_from: string | null; mfa_required_from: string | null }>((db, p) =>
  db
    .selectFrom('memberships')
    .innerJoin('organizations', 'organizations.id', 'memberships.organization_id')
    .select(['organizations.mfa_prompt_from', 'organizations.mfa_ask_code_from', 'organizations.mfa_required_from'])
    .where('memberships.user_id', '=', p.userId),
);

/**
 * The strictest 2FA policy over the server's (`MFA_REQUIRED_FROM`) and the
 * person's companies': 2FA is required from the earliest date any of them
 * requires it, the prompt shows once any of them prompts, and the code is
 * asked unless `secondFactorDeferred`. A session may switch to any of the
 * person's companies without a new sign-in, so it must meet the policy of
 * every one of them from the start.
 */
export async function mfaPolicy(app: AppContext, userId: string, now: number): Promise<MfaPolicy> {
  const { rows } = await companyDatesOf(app.db, { userId });
  const companies = rows.map((r) => ({ promptFrom: r.mfa_prompt_from, askCodeFrom: r.mfa_ask_code_from, requiredFrom: r.mfa_required_from }));
  const server: RolloutDates = { promptFrom: null, askCodeFrom: null, requiredFrom: app.config.mfaRequiredFrom };
  const requiredFrom = companies.reduce<string | null>((date, c) => earlier(date, c.requiredFrom), server.requiredFrom);
  return {
    requiredFrom,
    requiredNow: dateReached(requiredFrom, now),
    promptNow: [server, ...companies].some((c) => promptReached(c, now)),
    askCodeNow: !secondFactorDeferred(companies, server.requiredFrom, now),
  };
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
 * A sign-in that skipped the second factor in a migration window
 * (`secondFactorDeferred`) was one where no company required 2FA; a company
 * whose required date comes while the session lives is entered, as for a
 * person who added a factor on the account page, on their having one (the
 * date comes no earlier than the company's own date for asking the code).
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

