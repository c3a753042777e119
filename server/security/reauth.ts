import type { Context } from 'hono';
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import { requireSession } from '../routes/session.js';
import type { Db } from '../store/index.js';
import type { SessionRecord } from './sessions.js';

/** Where a session stands for changes on the account page (OWASP ASVS 5.0 V7.5.1). */
export interface Freshness {
  /** Changes are allowed until then; null when they are not allowed now. */
  until: number | null;
  /** A re-authentication now must include the second factor. */
  needsSecondFactor: boolean;
}

/** Does the person have a confirmed second factor (authenticator app, passkey or SMS number)? */
export async function hasSecondFactor(db: Db, userId: string): Promise<boolean> {
  const row = await db.selectFrom('credentials').select('id').where('user_id', '=', userId).where('confirmed_at', 'is not', null).executeTakeFirst();
  return row !== undefined;
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

/** The request's session if it may change sign-in methods now; otherwise 403 `reauthentication_required`. */
export async function requireFreshSession(app: AppContext, c: Context): Promise<SessionRecord> {
  return fresh(app, await requireSession(app, c));
}

async function fresh(app: AppContext, session: SessionRecord): Promise<SessionRecord> {
  if ((await freshness(app, session)).until === null) throw new ApiError('reauthentication_required');
  return session;
}

/**
 * A change to this platform's own sign-in methods (password, second factors,
 * passkeys): not for a single sign-on session, whose person's methods live at
 * the company's provider (`sso_required`). Also needs a fresh session.
 */
export async function requireOwnSignIn(app: AppContext, c: Context): Promise<SessionRecord> {
  const session = await requireSession(app, c);
  if (session.provider) throw new ApiError('sso_required');
  return fresh(app, session);
}
