import { sql } from 'kysely';
import type { Db } from '../store/index.js';
import { ApiError } from '../errors.js';

export interface RateLimitRule {
  /** Attempts allowed inside one window. */
  limit: number;
  windowMs: number;
}

export interface RateLimitHit {
  count: number;
  resetAt: number;
  limited: boolean;
}

/**
 * Counts one attempt against `key` in a fixed window kept in the store, so
 * every API process sees the same counts. The count and the window roll over
 * in one conditional upsert: concurrent attempts can never be lost or
 * double-reset (no read-then-write).
 */
export async function consumeRateLimit(db: Db, key: string, rule: RateLimitRule, now: number): Promise<RateLimitHit> {
  const resetAt = now + rule.windowMs;
  const row = await db
    .insertInto('rate_limits')
    .values({ key, count: 1, reset_at: resetAt })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        count: sql<number>`case when rate_limits.reset_at <= ${now} then 1 else rate_limits.count + 1 end`,
        reset_at: sql<number>`case when rate_limits.reset_at <= ${now} then ${resetAt} else rate_limits.reset_at end`,
      }),
    )
    .returning(['count', 'reset_at'])
    .executeTakeFirstOrThrow();
  const count = Number(row.count);
  return { count, resetAt: Number(row.reset_at), limited: count > rule.limit };
}

/**
 * Gives back one attempt spent in the current window, e.g. by a sign-in that
 * succeeded: a limit on failures must not count successes, or everyone behind
 * one office address is locked out after enough colleagues sign in.
 */
export async function refundRateLimit(db: Db, key: string, now: number): Promise<void> {
  await db
    .updateTable('rate_limits')
    .set({ count: sql<number>`count - 1` })
    .where('key', '=', key)
    .where('count', '>', 0)
    .where('reset_at', '>', now)
    .execute();
}

/** Forgets a key, e.g. an account's failures once its owner signs in. */
export async function clearRateLimit(db: Db, key: string): Promise<void> {
  await db.deleteFrom('rate_limits').where('key', '=', key).execute();
}

/** Throws `rate_limited` with the seconds to wait, for `Retry-After`. */
export function rateLimited(hit: RateLimitHit, now: number): ApiError {
  return new ApiError('rate_limited', { retryAfter: Math.max(1, Math.ceil((hit.resetAt - now) / 1000)) });
}

/** Deletes windows that have ended. */
export async function purgeSpentWindows(db: Db, now: number): Promise<void> {
  await db.deleteFrom('rate_limits').where('reset_at', '<=', now).execute();
}

/** Forgets these counts (support's fresh start for a person). */
export async function clearRateLimits(db: Db, keys: string[]): Promise<void> {
  if (keys.length > 0) await db.deleteFrom('rate_limits').where('key', 'in', keys).execute();
}

/**
 * One small write, for health checks: the store answers and takes writes. A
 * write, not only a read: a full disk (SQLITE_FULL) or a read-only store still
 * answers `select 1`. Its row lives among the windows, under a key no limit uses.
 */
export async function ping(db: Db, now = Date.now()): Promise<void> {
  await sql`insert into rate_limits (key, count, reset_at) values ('store:health', 0, ${now}) on conflict (key) do update set reset_at = excluded.reset_at`.execute(db);
}
