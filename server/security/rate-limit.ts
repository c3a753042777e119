import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import type { Db } from '../store/index.js';
import { prepare } from '../store/prepared.js';
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
  const { rows } = await consume(db, { key, now, resetAt: now + rule.windowMs });
  const row = rows[0]!;
  const count = Number(row.count);
  return { count, resetAt: Number(row.reset_at), limited: count > rule.limit };
}

const consume = prepare<{ key: string; now: number; resetAt: number }, { count: number; reset_at: number }>((db, p) =>
  db
    .insertInto('rate_limits')
    .values({ key: p.key, count: sql.lit(1), reset_at: p.resetAt })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        count: sql<number>`case when rate_limits.reset_at <= ${p.now} then 1 else rate_limits.count + 1 end`,
        reset_at: sql<number>`case when rate_limits.reset_at <= ${p.now} then ${p.resetAt} else rate_limits.reset_at end`,
      }),
    )
    .returning(['count', 'reset_at']),
);

/** Throws `rate_limited` when `key` has used its limit already; reads, never writes. */
export async function assertUnderLimit(db: Db, { key, rule }: { key: string; rule: RateLimitRule }, now: number): Promise<void> {
  const row = await db.selectFrom('rate_limits').select(['count', 'reset_at']).where('key', '=', key).where('reset_at', '>', now).executeTakeFirst();
  if (row && Number(row.count) >= rule.limit) throw rateLimited({ count: Number(row.count), resetAt: Number(row.reset_at), limited: true }, now);
}

/**
 * Runs `work` with the flow action's own transaction when a flow action is
 * running (it then commits once, with the flow's move), else at once.
 */
export async function withAction(app: Pick<AppContext, 'db' | 'transition'>, work: (db: Db) => Promise<void>): Promise<void> {
  if (app.transition) app.transition.write(work);
  else await work(app.db);
}

/** The counts of two keys: what every guess reads (a password's account and client, a factor's two counts). */
const twoCounts = prepare<{ first: string; second: string }, { key: string; count: number; reset_at: number }>((db, p) =>
  db.selectFrom('rate_limits').select(['key', 'count', 'reset_at']).where('key', 'in', [p.first, p.second]),
);

/** A limit on failures under one key: `rule.limit` failures per window. */
export interface FailureLimit {
  key: string;
  rule: RateLimitRule;
  /** The refusal over this limit, when it is not `rate_limited`. */
  refusal?: () => ApiError;
  /** A success leaves this count alone (a client's failures are not forgiven by one account's success). */
  keep?: true;
}

/**
 * One guess at a secret (a password, a code), admitted under its failure
 * limits. It counts as a failure unless `succeeded()` is called: a path that
 * forgets to say how the guess went still spends it. `abandon()` is for a
 * guess that was never checked (the hash gate was full).
 */
export interface Attempt {
  succeeded(): void;
  abandon(): void;
  /** Writes the outcome (when no flow action will) and frees the reservation; safe to call more than once. */
  end(): Promise<void>;
}

/**
 * Admits one guess under `limits` or throws `rate_limited`. Guessing limits
 * count failures, not attempts (an office behind one address is not locked
 * out by colleagues signing in), and a success writes nothing unless it has
 * failures to clear, so a clean sign-in costs no rate-limit write at all.
 *
 * Parallel guesses cannot slip past a limit (OWASP ASVS 5.0 V6.3.1): a guess
 * being checked counts as a failure from the moment it is admitted, in this
 * process's `pendingAttempts`, until its outcome is written. Across API
 * processes the store's count is read before the check, so N processes can
 * each admit a guess against the same last unit of a limit: at most N - 1
 * guesses over it in one window.
 *
 * Inside a flow action the outcome is written in the action's transaction
 * (`withAction`); elsewhere `end()` writes it.
 */
export async function beginAttempt(app: Pick<AppContext, 'db' | 'transition' | 'pendingAttempts'>, limits: FailureLimit[], now: number): Promise<Attempt> {
  const keys = limits.map((limit) => limit.key);
  const rows = keys.length === 2 ? (await twoCounts(app.db, { first: keys[0]!, second: keys[1]! })).rows : await app.db.selectFrom('rate_limits').select(['key', 'count', 'reset_at']).where('key', 'in', keys).execute();
  const stored = new Map(rows.filter((row) => Number(row.reset_at) > now).map((row) => [row.key, { count: Number(row.count), resetAt: Number(row.reset_at) }]));
  for (const { key, rule, refusal } of limits) {
    const failures = (stored.get(key)?.count ?? 0) + (app.pendingAttempts.get(key) ?? 0);
    if (failures < rule.limit) continue;
    if (refusal) throw refusal();
    // Only guesses in flight: they settle within a hash's time, so one second is enough to wait.
    throw rateLimited({ count: failures, resetAt: stored.get(key)?.resetAt ?? now + 1000, limited: true }, now);
  }
  for (const key of keys) app.pendingAttempts.set(key, (app.pendingAttempts.get(key) ?? 0) + 1);

  let outcome: 'failed' | 'succeeded' | 'abandoned' = 'failed';
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    for (const key of keys) {
      const left = (app.pendingAttempts.get(key) ?? 1) - 1;
      if (left > 0) app.pendingAttempts.set(key, left);
      else app.pendingAttempts.delete(key);
    }
  };
  let written = false;
  const write = async (db: Db): Promise<void> => {
    if (written) return;
    written = true;
    if (outcome === 'failed') await countFailures(db, limits, now);
    // A success clears the counts it found; a key without failures costs no write.
    else if (outcome === 'succeeded') await clearRateLimits(db, limits.filter(({ key, keep }) => !keep && stored.has(key)).map(({ key }) => key));
  };
  if (app.transition) {
    app.transition.write(write);
    app.transition.settled(release);
  }
  return {
    succeeded: () => void (outcome = 'succeeded'),
    abandon: () => void (outcome = 'abandoned'),
    async end() {
      if (app.transition) return;
      try {
        await write(app.db);
      } finally {
        release();
      }
    },
  };
}

/**
 * Counts one failure against each limit, in one statement: a key's window
 * starts with its first failure, and a count in an ended window starts over.
 */
async function countFailures(db: Db, limits: FailureLimit[], now: number): Promise<void> {
  await db
    .insertInto('rate_limits')
    .values(limits.map(({ key, rule }) => ({ key, count: 1, reset_at: now + rule.windowMs })))
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        count: sql<number>`case when rate_limits.reset_at <= ${now} then 1 else rate_limits.count + 1 end`,
        reset_at: sql<number>`case when rate_limits.reset_at <= ${now} then excluded.reset_at else rate_limits.reset_at end`,
      }),
    )
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
