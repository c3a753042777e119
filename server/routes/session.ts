import { Hono } from 'hono';
import { deleteCookie } from 'hono/cookie';
import type { AppContext } from '../context.js';
import { z } from 'zod';
import { audit } from '../audit.js';
import { accountById, enterableAccount, enterableAccounts } from '../companies/accounts.js';
import { ApiError, parseInput } from '../errors.js';
import type { AccountSwitch, CompanyAccount, SessionAccounts } from '../flows/protocol.js';
import { clientIp } from '../security/client-ip.js';
import { providerOf } from '../companies/oidc.js';
import { readJson } from './body.js';
import { liveSession, presentedToken, SESSION_COOKIE, type SessionEnv } from '../security/session-auth.js';
import { findSession, moveSession, revokeSession, type SessionRecord } from '../security/sessions.js';
import { inTransaction } from '../store/index.js';
import type { AccountChoice } from './types.js';
import { markAccountUsed } from '../companies/members.js';

export const switchInput = z.object({ account: z.string().min(1).max(64) }).strict() satisfies z.ZodType<AccountChoice>;

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
export function sessionRoutes(app: AppContext): Hono<SessionEnv> {
  const routes = new Hono<SessionEnv>();

  routes.get('/', liveSession(app), async (c) => {
    const session = c.var.session;
    const user = { id: session.userId, email: session.email, name: session.name };
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
  routes.get('/accounts', liveSession(app), async (c) => {
    const session = c.var.session;
    const accounts = await enterableAccounts(app, session.userId, { sso: session.ssoOrganizationId, now: app.now() });
    return c.json({ accounts: accounts.map((a) => ({ ...a, current: a.id === session.membershipId })) } satisfies SessionAccounts);
  });

  /**
   * Switches the session to another of the person's company accounts, with no
   * new sign-in: the sign-in met every company's policy (see enterableAccounts).
   * The answer carries a fresh JWT whose `org` names the new company.
   */
  routes.post('/account', liveSession(app), async (c) => {
    const session = c.var.session;
    const { account: membershipId } = parseInput(switchInput, await readJson(c, app.config.bodyLimitBytes));
    const now = app.now();
    const account = await enterableAccount(app, session.userId, membershipId, { sso: session.ssoOrganizationId, now });
    if (!account) throw new ApiError('account_not_available');
    const switched = await inTransaction(app.db, async (trx) => {
      const moved = await moveSession(trx, { id: session.id, membershipId: account.id });
      await markAccountUsed(trx, account.id, now);
      return moved;
    });
    if (!switched) throw new ApiError('unauthenticated');
    await audit(app, { event: 'session.switched', userId: session.userId, ip: clientIp(c, app.config.trustedProxyList), detail: { sessionId: session.id, organization: account.organizationId } });
    const jwt = await sessionJwt(app, session, session.email, account);
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
