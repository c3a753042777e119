/*
 * Attempts at a second factor or a one-time code, and sends of codes,
 * counted per account so that parallel flows cannot multiply them.
 */
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import { beginAttempt, consumeRateLimit, rateLimited, type Attempt } from '../security/rate-limit.js';

/** NIST SP 800-63B-4 §3.2.2: no more than 100 consecutive failed attempts on one account. */
const MAX_CONSECUTIVE_FACTOR_FAILURES = 100;
/** "Consecutive" has no time limit; the count lives until a success clears it (ten years stands for ever). */
const CONSECUTIVE_WINDOW_MS = 10 * 365 * 86_400_000;
/**
 * Codes sent per account, and per phone number, in an hour. Each send costs
 * money and reaches a person, so sending is limited like guessing is
 * (OWASP ASVS 5.0 V2.4.1 anti-automation; SMS toll fraud).
 */
export const SENDS_PER_HOUR = 5;
export const HOUR_MS = 3_600_000;

/** The rate-limit window of the configuration, in milliseconds. */
export function rateWindow(app: AppContext): number {
  return app.config.rateWindowMinutes * 60_000;
}

/** A second-factor guess in progress: `succeeded()` when it was right (its failure counts are cleared), else it counts as a failure. */
export type SpentAttempt = Attempt;

/**
 * Admits one guess at a second factor under the account's limits before
 * checking it (OWASP ASVS 5.0 V6.3.1; NIST SP 800-63B-4 §3.2.2), so parallel
 * guesses across flows cannot slip past them: ACCOUNT_MAX_FAILURES per
 * window, and at most 100 consecutive failures however slowly they come
 * (only a success, or a support reset, clears that count).
 */
export async function spendFactorAttempt(app: AppContext, userId: string, now: number): Promise<SpentAttempt> {
  return beginAttempt(
    app,
    [
      { key: `mfa:consecutive:${userId}`, rule: { limit: MAX_CONSECUTIVE_FACTOR_FAILURES, windowMs: CONSECUTIVE_WINDOW_MS }, refusal: () => new ApiError('too_many_attempts') },
      { key: `mfa:acct:${userId}`, rule: { limit: app.config.accountMaxFailures, windowMs: rateWindow(app) } },
    ],
    now,
  );
}


/** Spends one send of `key` against the hourly limit, before sending. */
export async function spendSend(app: AppContext, key: string, now: number): Promise<void> {
  const hit = await consumeRateLimit(app.db, key, { limit: SENDS_PER_HOUR, windowMs: HOUR_MS }, now);
  if (hit.limited) throw rateLimited(hit, now);
}
