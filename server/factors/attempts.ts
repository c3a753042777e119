/*
 * Attempts at a second factor or a one-time code, and sends of codes,
 * counted per account so that parallel flows cannot multiply them.
 */
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import { clearRateLimit, consumeRateLimit, rateLimited } from '../security/rate-limit.js';

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

/** The counts an attempt spent; a success clears them. */
export type SpentAttempt = string[];

/**
 * Spends one attempt at a second factor against the account's limit before
 * checking it (OWASP ASVS 5.0 V6.3.1; NIST SP 800-63B-4 §3.2.2), so parallel
 * guesses across flows cannot slip past it.
 */
export async function spendFactorAttempt(app: AppContext, userId: string, now: number): Promise<SpentAttempt> {
  const window = `mfa:acct:${userId}`;
  const consecutive = `mfa:consecutive:${userId}`;
  const hit = await consumeRateLimit(app.db, window, { limit: app.config.accountMaxFailures, windowMs: rateWindow(app) }, now);
  // NIST SP 800-63B-4 §3.2.2: at most 100 consecutive failures, however slowly
  // they come; only a success (or a support reset) clears this count.
  const streak = await consumeRateLimit(app.db, consecutive, { limit: MAX_CONSECUTIVE_FACTOR_FAILURES, windowMs: CONSECUTIVE_WINDOW_MS }, now);
  if (streak.limited) throw new ApiError('too_many_attempts');
  if (hit.limited) throw rateLimited(hit, now);
  return [window, consecutive];
}

/** Clears a person's second-factor failure counts after a success. */
export async function factorSucceeded(app: AppContext, spent: SpentAttempt): Promise<void> {
  for (const key of spent) await clearRateLimit(app.db, key);
}

/** Spends one send of `key` against the hourly limit, before sending. */
export async function spendSend(app: AppContext, key: string, now: number): Promise<void> {
  const hit = await consumeRateLimit(app.db, key, { limit: SENDS_PER_HOUR, windowMs: HOUR_MS }, now);
  if (hit.limited) throw rateLimited(hit, now);
}
