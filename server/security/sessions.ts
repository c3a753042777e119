import type { Config } from '../config.js';
import type { Db } from '../store/index.js';
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

/**
 * Finds the live session for a token: not revoked, not past its absolute end,
 * not idle for longer than allowed. Marks it as seen.
 */
export async function findSession(db: Db, config: SessionConfig, token: string, now: number): Promise<SessionRecord | undefined> {
  if (token.length < 20 || token.length > 100) return undefined;
  const row = await db
    .selectFrom('sessions')
    .selectAll()
    .where('token_hash', '=', sha256(token))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  const idleMs = config.sessionIdleMinutes * 60_000;
  const expiresAt = Number(row.expires_at);
  let lastSeenAt = Number(row.last_seen_at);
  if (now >= expiresAt || now >= lastSeenAt + idleMs) return undefined;
  if (now - lastSeenAt >= Math.min(MAX_TOUCH_INTERVAL_MS, idleMs * TOUCH_SHARE_OF_IDLE)) {
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
  };
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
