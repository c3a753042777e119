import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie } from 'hono/cookie';
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import { findSession, revokeSession, type SessionRecord } from '../security/sessions.js';

/** `__Host-` (RFC 6265bis §4.1.3.2): Secure, no Domain, Path=/ — the cookie cannot be set or shadowed by a sibling subdomain. */
export const SESSION_COOKIE = 'lf_session';
/** The remember-this-device token, same rules; it outlives sessions (30 days by default). */
export const DEVICE_COOKIE = 'lf_device';

function presentedToken(c: Context): string | undefined {
  // RFC 7235 §2.1: the auth scheme is case-insensitive.
  const bearer = /^bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
  if (bearer) return bearer[1];
  return getCookie(c, SESSION_COOKIE, 'host');
}

/**
 * The live session behind the request's bearer token or cookie, or
 * `unauthenticated`. `token` is one the request carried elsewhere (a flow's
 * start body), tried first.
 */
export async function requireSession(app: AppContext, c: Context, token = presentedToken(c)): Promise<SessionRecord> {
  const session = token ? await findSession(app.db, app.config, token, app.now()) : undefined;
  if (!session) throw new ApiError('unauthenticated');
  // A disabled (or deleted) account's sessions are dead wherever they are presented.
  const user = await app.db.selectFrom('users').select('status').where('id', '=', session.userId).executeTakeFirst();
  if (user?.status !== 'active') throw new ApiError('unauthenticated');
  return session;
}

/** `GET /api/session` describes the caller's session with a fresh JWT; `DELETE /api/session` ends it. */
export function sessionRoutes(app: AppContext): Hono {
  const routes = new Hono();

  routes.get('/', async (c) => {
    const session = await requireSession(app, c);
    const user = await app.db.selectFrom('users').select(['id', 'email', 'name', 'status']).where('id', '=', session.userId).executeTakeFirst();
    if (!user || user.status !== 'active') throw new ApiError('unauthenticated');
    const jwt = await app.keys.sign({ sub: user.id, sid: session.id, email: user.email, amr: session.amr, authTime: Math.floor(session.createdAt / 1000) });
    return c.json({
      user: { id: user.id, email: user.email, name: user.name },
      session: {
        id: session.id,
        amr: session.amr,
        createdAt: session.createdAt,
        expiresAt: session.expiresAt,
        idleExpiresAt: session.idleExpiresAt,
      },
      jwt: { token: jwt.token, expiresAt: jwt.expiresAt },
    });
  });

  routes.delete('/', async (c) => {
    const token = presentedToken(c);
    const session = token ? await findSession(app.db, app.config, token, app.now()) : undefined;
    if (session) {
      await revokeSession(app.db, session.id, app.now());
      app.log.log('info', 'signed out', { event: 'logout', userId: session.userId, sessionId: session.id });
    }
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: true, prefix: 'host' });
    return c.body(null, 204);
  });

  return routes;
}
