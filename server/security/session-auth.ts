import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import { freshness } from './reauth.js';
import { findSession, type LiveSession } from './sessions.js';

/** `__Host-` (RFC 6265bis §4.1.3.2): Secure, no Domain, Path=/ — the cookie cannot be set or shadowed by a sibling subdomain. */
export const SESSION_COOKIE = 'lf_session';
/** The remember-this-device token, same rules; it outlives sessions (30 days by default). */
export const DEVICE_COOKIE = 'lf_device';

/** What the session middleware leaves for the handler: `c.var.session`. */
export interface SessionEnv {
  Variables: { session: LiveSession };
}

/** The session token a request carries: `Authorization: Bearer`, else the `__Host-` cookie. */
export function presentedToken(c: Context): string | undefined {
  // RFC 7235 §2.1: the auth scheme is case-insensitive.
  const bearer = /^bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
  if (bearer) return bearer[1];
  return getCookie(c, SESSION_COOKIE, 'host');
}

/**
 * The live session (`findSession`: its person active too) behind the
 * request's bearer token or cookie, or `unauthenticated`. `token` is one the
 * request carried elsewhere (a flow's start body), tried first.
 */
export async function requireSession(app: AppContext, c: Context, token = presentedToken(c)): Promise<LiveSession> {
  const session = token ? await findSession(app.db, app.config, token, app.now()) : undefined;
  if (!session) throw new ApiError('unauthenticated');
  return session;
}

/**
 * A session may change sign-in methods only shortly after its person proved
 * who they are (`freshness`; OWASP ASVS 5.0 V7.5.1): else `reauthentication_required`.
 */
export async function requireFresh(app: AppContext, session: LiveSession): Promise<void> {
  if ((await freshness(app, session)).until === null) throw new ApiError('reauthentication_required');
}

/**
 * A change to this platform's own sign-in methods (password, second factors,
 * passkeys): not for a single sign-on session, whose person's methods live at
 * the company's provider (`sso_required`); and only from a fresh session.
 */
export async function requireOwnSignIn(app: AppContext, session: LiveSession): Promise<void> {
  if (session.provider) throw new ApiError('sso_required');
  await requireFresh(app, session);
}

/** Lets a request through with a live session in `c.var.session`; else 401 `unauthenticated`. */
export function liveSession(app: AppContext): MiddlewareHandler<SessionEnv> {
  return createMiddleware<SessionEnv>(async function liveSession(c, next) {
    c.set('session', await requireSession(app, c));
    await next();
  });
}

/** `liveSession`, and a recent (re-)authentication; else 403 `reauthentication_required`. */
export function freshSignIn(app: AppContext): MiddlewareHandler<SessionEnv> {
  return createMiddleware<SessionEnv>(async function freshSignIn(c, next) {
    const session = await requireSession(app, c);
    await requireFresh(app, session);
    c.set('session', session);
    await next();
  });
}

/** `freshSignIn` for a change to this platform's own sign-in methods: 403 `sso_required` for a single sign-on session. */
export function ownSignIn(app: AppContext): MiddlewareHandler<SessionEnv> {
  return createMiddleware<SessionEnv>(async function ownSignIn(c, next) {
    const session = await requireSession(app, c);
    await requireOwnSignIn(app, session);
    c.set('session', session);
    await next();
  });
}
