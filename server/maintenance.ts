import { purgeApprovals } from './factors/approver.js';
import { purgeSpentWindows } from './security/rate-limit.js';
import { purgeEndedSessions } from './security/sessions.js';
import type { Db } from './store/index.js';
import type { Logger } from './log.js';
import { expireRecoveryRequests } from './recovery/decisions.js';
import { purgeExpiredFlows } from './store/flows.js';

/** Keeps ended sessions this long, so "signed out" can still be told from "never existed" in an investigation. */
const ENDED_SESSION_RETENTION_MS = 30 * 24 * 3_600_000;

/**
 * Deletes expired flows, spent rate-limit windows, long-ended sessions and
 * old sign-in requests to phones; closes recovery requests past their end
 * (audited, to `log` too).
 */
export async function sweepExpired(db: Db, now: number, log?: Logger): Promise<void> {
  await purgeExpiredFlows(db, now);
  await purgeSpentWindows(db, now);
  await purgeEndedSessions(db, now - ENDED_SESSION_RETENTION_MS);
  await purgeApprovals(db, now);
  if (log) await expireRecoveryRequests({ db, log, now: () => now }, now);
}
