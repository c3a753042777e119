import type { AppContext } from '../context.js';
import { hasSecondFactor } from '../factors/methods.js';
import type { SessionRecord } from './sessions.js';

/** Moved to factors/methods.ts, where a person's second factors are counted; kept here for older importers. */

/** Where a session stands for changes on the account page (OWASP ASVS 5.0 V7.5.1). */
export interface Freshness {
  /** Changes are allowed until then; null when they are not allowed now. */
  until: number | null;
  /** A re-authentication now must include the second factor. */
  needsSecondFactor: boolean;
}

/**
 * A session may change sign-in methods while its last authentication (sign-in
 * or re-authentication) is at most `REAUTH_MINUTES` old and, when the person
 * has a second factor, the session passed one within `REAUTH_MFA_HOURS` or in
 * that last authentication itself. A re-authentication asks the second factor
 * when the session's is older than `REAUTH_MFA_HOURS` (`0`: every time).
 */
export async function freshness(app: AppContext, session: SessionRecord): Promise<Freshness> {
  const now = app.now();
  const hasFactor = await hasSecondFactor(app.db, session.userId);
  const recentFactor = session.mfaAt !== null && now - session.mfaAt < app.config.reauthMfaHours * 3_600_000;
  const factorOk = !hasFactor || recentFactor || (session.mfaAt !== null && session.mfaAt >= session.authAt);
  const until = session.authAt + app.config.reauthMinutes * 60_000;
  return { until: factorOk && now < until ? until : null, needsSecondFactor: hasFactor && !recentFactor };
}
