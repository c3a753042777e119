import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie } from 'hono/cookie';
import type { AppContext } from '../context.js';
import { z } from 'zod';
import { audit } from '../audit.js';
import { accountById, enterableAccount, enterableAccounts } from '../companies/accounts.js';
import { ApiError, parseInput } from '../errors.js';
import type { AccountSwitch, CompanyAccount, SessionAccounts } from '../flows/protocol.js';
import { clientIp } from '../security/client-ip.js';
import { providerOf } from '../companies/oidc.js';
import { readJson } from './body.js';
import type { AccountChoice } from './types.js';
import { findSession, revokeSession, type SessionRecord } from '../security/sessions.js';
import { inTransaction } from '../store/index.js';

/** `__Host-` (RFC 6265bis §4.1.3.2): Secure, no Domain, Path=/ — the cookie cannot be set or shadowed by a sibling subdomain. */
export const SESSION_COOKIE = 'lf_session';
/** The remember-this-device token, same rules; it outlives sessions (30 days by default). */
export const DEVICE_COOKIE = 'lf_device';

/** The session token a request carries: `Authorization: Bearer`, else the `__Host-` cookie. */
export function presentedToken(c: Context): string | undefined {
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

const switchInput = z.object({ account: z.string().min(1).max(64) }).strict() satisfies z.ZodType<AccountChoice>;

/** A fresh JWT for a session as it stands: its company (`org`) and provider (`idp`) included. */
function sessionJwt(app: AppContext, session: SessionRecord, email: string, account: CompanyAccount | undefined) {
  return app.keys.sign({
    sub: session.userId,
    sid: session.id,
    email,
    amr: session.amr,
    authTime: Math.floor(session.authAt / 1000),
    org: account?.organizationId,
    idp: session.provider ?? undefined,
  });
}

/** `GET /api/session` describes the caller's session with a fresh JWT; `DELETE /api/session` ends it. */
export function sessionRoutes(app: AppContext): Hono {
  const routes = new Hono();

  routes.get('/', async (c) => {
    const session = await requireSession(app, c);
    const user = await app.db.selectFrom('users').select(['id', 'email', 'name', 'status']).where('id', '=', session.userId).executeTakeFirst();
    if (!user || user.status !== 'active') throw new ApiError('unauthenticated');
    const account = await accountById(app.db, session.membershipId);
    const provider = await providerOf(app, session);
    const jwt = await sessionJwt(app, session, user.email, account);
    return c.json({
      user: { id: user.id, email: user.email, name: user.name },
      session: {
        id: session.id,
        amr: session.amr,
        createdAt: session.createdAt,
        expiresAt: session.expiresAt,
        idleExpiresAt: session.idleExpiresAt,
      },
      ...(account ? { account } : {}),
      ...(provider ? { provider } : {}),
      jwt: { token: jwt.token, expiresAt: jwt.expiresAt },
    });
  });

  /** The company accounts this session may work in (seed 000: "Switch company"). */
  routes.get('/accounts', async (c) => {
    const session = await requireSession(app, c);
    const accounts = await enterableAccounts(app, session.userId, { sso: session.ssoOrganizationId, now: app.now() });
    return c.json({ accounts: accounts.map((a) => ({ ...a, current: a.id === session.membershipId })) } satisfies SessionAccounts);
  });

  /**
   * Switches the session to another of the person's company accounts, with no
   * new sign-in: the sign-in met every company's policy (see enterableAccounts).
   * The answer carries a fresh JWT whose `org` names the new company.
   */
  routes.post('/account', async (c) => {
    const session = await requireSession(app, c);
    const { account: membershipId } = parseInput(switchInput, await readJson(c, app.config.bodyLimitBytes));
    const now = app.now();
    const account = await enterableAccount(app, session.userId, membershipId, { sso: session.ssoOrganizationId, now });
    if (!account) throw new ApiError('account_not_available');
    const switched = await inTransaction(app.db, async (trx) => {
      const updated = await trx.updateTable('sessions').set({ membership_id: account.id }).where('id', '=', session.id).where('revoked_at', 'is', null).executeTakeFirst();
      await trx.updateTable('memberships').set({ last_used_at: now }).where('id', '=', account.id).execute();
      return Number(updated.numUpdatedRows) === 1;
    });
    if (!switched) throw new ApiError('unauthenticated');
    const user = await app.db.selectFrom('users').select('email').where('id', '=', session.userId).executeTakeFirstOrThrow();
    await audit(app, { event: 'session.switched', userId: session.userId, ip: clientIp(c, app.config.trustedProxyList), detail: { sessionId: session.id, organization: account.organizationId } });
    const jwt = await sessionJwt(app, session, user.email, account);
    return c.json({ account, jwt: { token: jwt.token, expiresAt: jwt.expiresAt } } satisfies AccountSwitch);
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
