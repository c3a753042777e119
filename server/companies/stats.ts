import { sql, type ExpressionBuilder } from 'kysely';
import type { Db } from '../store/index.js';
import type { Database } from '../store/schema.js';
import { dateReached, promptReached } from './accounts.js';
import { requireOrganizationRow } from './registry.js';

/*
 * How far a company's 2FA rollout has come (`org stats`, the admin API's
 * `/organizations/{org}/stats`): its people by the second factor they have,
 * and the stages of its policy. Two aggregate reads, whatever the number of
 * members: one row of counts over the memberships, one per credential type.
 */

/** One stage of a company's rollout: its date, and whether it has come. */
export interface RolloutStage {
  from: string | null;
  reached: boolean;
}

/** Second factors people can have, counted in `byMethod` (a person with two is in both). */
const METHODS = ['totp', 'passkey', 'sms', 'approver'] as const;

/** A company's rollout in figures. */
export interface RolloutStats {
  organization: { id: string; slug: string; name: string };
  /** Everyone who belongs to the company: `sso + withMfa + withoutMfa`. */
  members: number;
  /** Members whose address signs in through a company's own provider: this platform's 2FA does not apply to them. */
  sso: number;
  /** Members (not signing in by single sign-on) with a confirmed second factor. */
  withMfa: number;
  /** Their methods: how many have each. */
  byMethod: Record<(typeof METHODS)[number], number>;
  /** Members (not signing in by single sign-on) with no second factor yet. */
  withoutMfa: number;
  /** Of those without, how many hold only an unused recovery or support code. */
  recoveryCodeOnly: number;
  /** Of those without, how many chose "remind me later" and are not prompted for some sign-ins yet. */
  deferred: number;
  /**
   * The company's stages, `reached` saying whether each holds today. The
   * prompt without a date of its own shows as long as a required date is set;
   * the code without one is always asked.
   */
  stages: { prompt: RolloutStage; askCode: RolloutStage; required: RolloutStage };
}

type Scope = ExpressionBuilder<Database, 'memberships' | 'users'>;

/** The person has a confirmed second factor. */
function hasFactor(eb: Scope) {
  return eb.exists(eb.selectFrom('credentials').select('credentials.id').whereRef('credentials.user_id', '=', 'memberships.user_id').where('credentials.confirmed_at', 'is not', null));
}

/** The person's address is in a domain some company signs in through its own provider (domains hold no `%` or `_`). */
function signsInBySso(eb: Scope) {
  return eb.exists(eb.selectFrom('sso_domains').select('sso_domains.domain').where('users.email', 'like', sql<string>`'%@' || sso_domains.domain`));
}

/** The person holds an unused recovery or support code. */
function hasRecoveryCode(eb: Scope) {
  return eb.exists(eb.selectFrom('recovery_codes').select('recovery_codes.id').whereRef('recovery_codes.user_id', '=', 'memberships.user_id').where('recovery_codes.used_at', 'is', null));
}

/** A count of the rows meeting `condition` (SUM of a CASE: the same on SQLite and PostgreSQL). */
function countWhere(eb: Scope, condition: ReturnType<typeof hasFactor>) {
  return eb.fn.sum<number | string | null>(eb.case().when(condition).then(1).else(0).end());
}

/** The figures of one company's rollout, by id or slug; `organization_not_found` when there is none. */
export async function rolloutStats(db: Db, idOrSlug: string, now: number): Promise<RolloutStats> {
  const org = await requireOrganizationRow(db, idOrSlug);
  const people = db.selectFrom('memberships').innerJoin('users', 'users.id', 'memberships.user_id').where('memberships.organization_id', '=', org.id);
  const counts = await people
    .select((eb) => {
      const here = eb.not(signsInBySso(eb));
      const without = eb.and([here, eb.not(hasFactor(eb))]);
      return [
        eb.fn.countAll<number | string>().as('members'),
        countWhere(eb, signsInBySso(eb)).as('sso'),
        countWhere(eb, eb.and([here, hasFactor(eb)])).as('with_mfa'),
        countWhere(eb, eb.and([without, hasRecoveryCode(eb)])).as('recovery_only'),
        countWhere(eb, eb.and([without, eb('users.mfa_snooze', '>', 0)])).as('deferred'),
      ];
    })
    .executeTakeFirstOrThrow();
  const methods = await people
    .innerJoin('credentials', 'credentials.user_id', 'memberships.user_id')
    .where('credentials.confirmed_at', 'is not', null)
    .where((eb) => eb.not(signsInBySso(eb)))
    .select((eb) => ['credentials.type', eb.fn.count<number | string>('credentials.user_id').distinct().as('people')])
    .groupBy('credentials.type')
    .execute();
  const byMethod = Object.fromEntries(METHODS.map((m) => [m, 0])) as RolloutStats['byMethod'];
  for (const row of methods) byMethod[row.type] = Number(row.people);
  const members = Number(counts.members);
  const sso = Number(counts.sso ?? 0);
  const withMfa = Number(counts.with_mfa ?? 0);
  const dates = { promptFrom: org.mfa_prompt_from, askCodeFrom: org.mfa_ask_code_from, requiredFrom: org.mfa_required_from };
  return {
    organization: { id: org.id, slug: org.slug, name: org.name },
    members,
    sso,
    withMfa,
    byMethod,
    withoutMfa: members - sso - withMfa,
    recoveryCodeOnly: Number(counts.recovery_only ?? 0),
    deferred: Number(counts.deferred ?? 0),
    stages: {
      prompt: { from: dates.promptFrom, reached: promptReached(dates, now) },
      // Without a date of its own, people with 2FA are always asked for their code.
      askCode: { from: dates.askCodeFrom, reached: dates.askCodeFrom === null || dateReached(dates.askCodeFrom, now) },
      required: { from: dates.requiredFrom, reached: dateReached(dates.requiredFrom, now) },
    },
  };
}
