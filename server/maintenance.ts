import { purgeApprovals } from './factors/approver.js';
import { purgeSpentWindows } from './security/rate-limit.js';
import { purgeEndedSessions } from './security/sessions.js';
import type { Db } from './store/index.js';
import { purgeExpiredFlows } from './store/flows.js';

/** Keeps ended sessions this long, so "signed out" can still be told from "never existed" in an investigation. */
const ENDED_SESSION_RETENTION_MS = 30 * 24 * 3_600_000;

/** Deletes expired flows, spent rate-limit windows, long-ended sessions and old sign-in requests to phones. */
export async function sweepExpired(db: Db, now: number): Promise<void> {
  await purgeExpiredFlows(db, now);
  await purgeSpentWindows(db, now);
  await purgeEndedSessions(db, now - ENDED_SESSION_RETENTION_MS);
  await purgeApprovals(db, now);
}
