import type { Db } from './store/index.js';

/** Keeps ended sessions this long, so "signed out" can still be told from "never existed" in an investigation. */
const ENDED_SESSION_RETENTION_MS = 30 * 24 * 3_600_000;

/** Deletes expired flows, spent rate-limit windows and long-ended sessions. */
export async function sweepExpired(db: Db, now: number): Promise<void> {
  await db.deleteFrom('flows').where('expires_at', '<=', now).execute();
  await db.deleteFrom('rate_limits').where('reset_at', '<=', now).execute();
  await db.deleteFrom('sessions').where('expires_at', '<=', now - ENDED_SESSION_RETENTION_MS).execute();
}
