import type { ExpressionBuilder, SelectQueryBuilder } from 'kysely';
import type { Config } from '../config.js';
import type { Database, Db } from '../store/index.js';
import { randomToken, sha256 } from './random.js';

/**
 * `last_seen_at` is written only once the stored value is older than this share
 * of SESSION_IDLE_MINUTES (and at most once a minute, `MAX_TOUCH_INTERVAL_MS`),
 * which saves a write on most requests. The stored value then trails the real
 * last use by less than that, so the idle end comes early by at most as much,
 * never late (OWASP ASVS 5.0 V7.3.1): a session used at least every three
 * quarters of the limit stays alive, whatever the limit.
 */
const TOUCH_SHARE_OF_IDLE = 1 / 4;
/** With long idle limits a minute's precision costs nothing and keeps writes rare: one a minute per session in use. */
const MAX_TOUCH_INTERVAL_MS = 60_000;
/** A session token is 256 random bits (OWASP ASVS 5.0 V7.2.3 asks for at least 128). */
const TOKEN_BYTES = 32;

export interface SessionRecord {
  id: string;
  /** The SHA-256 of the token this record was found by (or made with): which token the session had then. */
  tokenHash: string;
  userId: string;
  membershipId: string | null;
  amr: string[];
  createdAt: number;
  lastSeenAt: number;
  /** The absolute end. */
  expiresAt: number;
  /** When the session dies if it stays idle. */
  idleExpiresAt: number;
  /** The last time the person proved who they are: sign-in, or re-authentication on the account page. */
  authAt: number;
  /** The last time the session passed a second factor; null if it never did (no 2FA, or a remembered device). */
  mfaAt: number | null;
  /** Single sign-on: the issuer of the company's provider that signed the person in. */
  provider: string | null;
  /** Single sign-on: the company whose connection it was. */
  ssoOrganizationId: string | null;
}

type SessionConfig = Pick<Config, 'sessionIdleMinutes' | 'sessionAbsoluteHours'>;

/** A session's public id (the JWT `sid`), made before the session when its JWT is signed first. */
export function newSessionId(): string {
  return randomToken(12);
}

/**
 * Starts a session and returns its opaque token (`TOKEN_BYTES`). Only the
 * token's SHA-256 is stored, so a copy of the database cannot be replayed as
 * a session.
 */
export async function createSession(
  db: Db,
  config: SessionConfig,
  {
    userId,
    amr,
    membershipId = null,
    provider = null,
    ssoOrganizationId = null,
    userAgent = null,
    ip = null,
    now,
    id = newSessionId(),
  }: { userId: string; amr: string[]; membershipId?: string | null; provider?: string | null; ssoOrganizationId?: string | null; userAgent?: string | null; ip?: string | null; now: number; id?: string },
): Promise<{ token: string; session: SessionRecord }> {
  const token = randomToken(TOKEN_BYTES);
  const tokenHash = sha256(token);
  const expiresAt = now + config.sessionAbsoluteHours * 3_600_000;
  const mfaAt = amr.includes('mfa') ? now : null;
  await db
    .insertInto('sessions')
    .values({
      id,
      token_hash: tokenHash,
      user_id: userId,
      membership_id: membershipId,
      amr: JSON.stringify(amr),
      created_at: now,
      last_seen_at: now,
      expires_at: expiresAt,
      revoked_at: null,
      user_agent: userAgent?.slice(0, 256) ?? null,
      ip: ip?.slice(0, 64) ?? null,
      reauth_at: null,
      mfa_at: mfaAt,
      provider,
      sso_organization_id: ssoOrganizationId,
    })
    .execute();
  return {
    token,
    session: {
      id, tokenHash, userId, membershipId, amr, createdAt: now, lastSeenAt: now, expiresAt,
      idleExpiresAt: Math.min(expiresAt, now + config.sessionIdleMinutes * 60_000), authAt: now, mfaAt, provider, ssoOrganizationId,
    },
  };
}

/** A live session with its person, as every check of a request or an account-page flow sees it. */
export interface LiveSession extends SessionRecord {
  email: string;
  name: string;
}

/**
 * Which session to look up: the one a token names (a request), or the one an
 * account-page flow runs in, by id and owner, and with `tokenHash` only while
 * it still has the token the flow started with (a re-authentication
 * elsewhere gives it a new one, and the flow ends).
 */
export type SessionLookup = { token: string } | { id: string; userId: string; tokenHash?: string };

/**
 * The one rule for "is this session live?", in SQL so that lists and bulk
 * revocations use it too: not revoked, not past its absolute end, not idle
 * for longer than SESSION_IDLE_MINUTES (OWASP ASVS 5.0 V7.3.1, V7.3.2).
 */
function isLive(config: SessionConfig, now: number) {
  const idleSince = now - config.sessionIdleMinutes * 60_000;
  return (eb: ExpressionBuilder<Database, 'sessions'>) =>
    eb.and([eb('sessions.revoked_at', 'is', null), eb('sessions.expires_at', '>', now), eb('sessions.last_seen_at', '>', idleSince)]);
}

/**
 * The live session a token or an account-page flow names, with its person's
 * email and name; undefined when it is not live (`isLive`) or its person is
 * not active: a disabled (or deleted) account's sessions are dead wherever
 * they are presented. A lookup by token is a use of the session, and marks it
 * seen (at most every `MAX_TOUCH_INTERVAL_MS`); a flow's lookup by id is not.
 */
export async function findLiveSession(db: Db, config: SessionConfig, lookup: SessionLookup, now: number): Promise<LiveSession | undefined> {
  // Longer or shorter than any token we issue: not worth a database round trip.
  if ('token' in lookup && (lookup.token.length < 20 || lookup.token.length > 100)) return undefined;
  let query = db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .selectAll('sessions')
    .select(['users.email', 'users.name'])
    .where(isLive(config, now))
    .where('users.status', '=', 'active');
  if ('token' in lookup) {
    query = query.where('sessions.token_hash', '=', sha256(lookup.token));
  } else {
    query = query.where('sessions.id', '=', lookup.id).where('sessions.user_id', '=', lookup.userId);
    if (lookup.tokenHash !== undefined) query = query.where('sessions.token_hash', '=', lookup.tokenHash);
  }
  const row = await query.executeTakeFirst();
  if (!row) return undefined;
  const idleMs = config.sessionIdleMinutes * 60_000;
  const expiresAt = Number(row.expires_at);
  let lastSeenAt = Number(row.last_seen_at);
  if ('token' in lookup && now - lastSeenAt >= Math.min(MAX_TOUCH_INTERVAL_MS, idleMs * TOUCH_SHARE_OF_IDLE)) {
    await db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', row.id).execute();
    lastSeenAt = now;
  }
  return {
    id: row.id,
    tokenHash: row.token_hash,
    userId: row.user_id,
    membershipId: row.membership_id,
    amr: JSON.parse(row.amr) as string[],
    createdAt: Number(row.created_at),
    lastSeenAt,
    expiresAt,
    idleExpiresAt: Math.min(expiresAt, lastSeenAt + idleMs),
    authAt: Math.max(Number(row.created_at), Number(row.reauth_at ?? 0)),
    mfaAt: row.mfa_at === null ? null : Number(row.mfa_at),
    provider: row.provider,
    ssoOrganizationId: row.sso_organization_id,
    email: row.email,
    name: row.name,
  };
}

/** The live session behind a token, marked seen (`findLiveSession`). */
export function findSession(db: Db, config: SessionConfig, token: string, now: number): Promise<LiveSession | undefined> {
  return findLiveSession(db, config, { token }, now);
}

/**
 * The session an account-page flow runs in, if it is still live, its person
 * active and, given `tokenHash`, its token the one the flow started with
 * (`findLiveSession`); not marked seen. `idleExpiresAt` is when it dies if it
 * stays idle.
 */
export function liveSessionById(
  db: Db,
  config: SessionConfig,
  { id, userId, tokenHash }: { id: string; userId: string; tokenHash?: string },
  now: number,
): Promise<LiveSession | undefined> {
  return findLiveSession(db, config, { id, userId, ...(tokenHash === undefined ? {} : { tokenHash }) }, now);
}

/** A live session as the person's session list shows it. */
export interface SessionListing {
  id: string;
  userAgent: string | null;
  ip: string | null;
  createdAt: number;
  lastSeenAt: number;
  amr: string[];
}

/** A person's live sessions (`isLive`), last seen first. */
export async function listLiveSessions(db: Db, config: SessionConfig, userId: string, now: number): Promise<SessionListing[]> {
  const rows = await db
    .selectFrom('sessions')
    .where('user_id', '=', userId)
    .where(isLive(config, now))
    .select(['id', 'user_agent', 'ip', 'created_at', 'last_seen_at', 'amr'])
    .orderBy('last_seen_at', 'desc')
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    userAgent: r.user_agent,
    ip: r.ip,
    createdAt: Number(r.created_at),
    lastSeenAt: Number(r.last_seen_at),
    amr: JSON.parse(r.amr) as string[],
  }));
}

/** Ends one of a person's live sessions; false when it is not theirs or not live. */
export async function revokeLiveSession(db: Db, config: SessionConfig, { id, userId, now }: { id: string; userId: string; now: number }): Promise<boolean> {
  const result = await db.updateTable('sessions').set({ revoked_at: now }).where('id', '=', id).where('user_id', '=', userId).where(isLive(config, now)).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Ends a person's live sessions but `keep` (OWASP ASVS 5.0 V7.4.3, V7.5.2); returns how many ended. */
export async function revokeOtherSessions(db: Db, config: SessionConfig, { userId, keep, now }: { userId: string; keep: string; now: number }): Promise<number> {
  const result = await db
    .updateTable('sessions')
    .set({ revoked_at: now })
    .where('user_id', '=', userId)
    .where('id', '!=', keep)
    .where(isLive(config, now))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Moves a live session to another of its person's company accounts; false when it was revoked meanwhile. */
export async function moveSession(db: Db, { id, membershipId }: { id: string; membershipId: string }): Promise<boolean> {
  const updated = await db.updateTable('sessions').set({ membership_id: membershipId }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

/**
 * Records a re-authentication on a session and gives it a new token (OWASP
 * ASVS 5.0 V7.2.4: a new token on re-authentication too, and the current one
 * terminated). The session stays the same (id, start, absolute end); only the
 * stored hash changes, so the old token is dead on every process at once.
 *
 * One conditional update on the token being replaced: a revoked session is
 * not revived, and of two re-authentications from the same token only the
 * first gets a new one. The others get `undefined`: never a second live
 * token, and never a token that is already dead.
 */
export async function renewSession(
  db: Db,
  { id, tokenHash, amr, mfa, now }: { id: string; tokenHash: string; amr: string[]; mfa: boolean; now: number },
): Promise<string | undefined> {
  const token = randomToken(TOKEN_BYTES);
  const updated = await db
    .updateTable('sessions')
    .set({ token_hash: sha256(token), reauth_at: now, amr: JSON.stringify(amr), ...(mfa ? { mfa_at: now } : {}) })
    .where('id', '=', id)
    .where('token_hash', '=', tokenHash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1 ? token : undefined;
}

/** Ends a session at once; its token is dead on every process. */
export async function revokeSession(db: Db, id: string, now: number): Promise<void> {
  await db.updateTable('sessions').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).execute();
}

/**
 * Ends the session a token names, if it is live: the one a browser presented
 * while it signed in again (OWASP ASVS 5.0 V7.2.4: a new token on
 * authentication, and the current one terminated).
 */
export async function revokeSessionByToken(db: Db, token: string, now: number): Promise<void> {
  await db.updateTable('sessions').set({ revoked_at: now }).where('token_hash', '=', sha256(token)).where('revoked_at', 'is', null).execute();
}

/** Ends every session of a user (disable, password change). */
export async function revokeUserSessions(db: Db, userId: string, now: number): Promise<number> {
  const result = await db.updateTable('sessions').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Ends every live session working in one of these company accounts (a membership removed, a company deleted). */
export async function revokeSessionsInAccounts(db: Db, accounts: SelectQueryBuilder<Database, 'memberships', { id: string }>, now: number): Promise<number> {
  const result = await db.updateTable('sessions').set({ revoked_at: now }).where('revoked_at', 'is', null).where('membership_id', 'in', accounts).executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Ends every live session a company's provider vouched for (the provider replaced or removed). */
export async function revokeProviderSessions(db: Db, organizationId: string, now: number): Promise<number> {
  const result = await db.updateTable('sessions').set({ revoked_at: now }).where('sso_organization_id', '=', organizationId).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows);
}
/** Deletes sessions that ended before `before` (kept until then for the account page's history and the audit). */
export async function purgeEndedSessions(db: Db, before: number): Promise<void> {
  await db.deleteFrom('sessions').where('expires_at', '<=', before).execute();
}
