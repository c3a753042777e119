import { Hono, type Context } from 'hono';
import { deleteCookie } from 'hono/cookie';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { audit } from '../audit.js';
import { notifyUser } from '../delivery/mail.js';
import { ApiError, parseInput } from '../errors.js';
import { hasSecondFactor } from '../factors/methods.js';
import { hashPassword } from '../factors/password.js';
import { checkPassword } from '../factors/password-check.js';
import { checkNewPassword } from '../factors/password-policy.js';
import { listApprovers } from '../factors/approver.js';
import { listPasskeys } from '../factors/passkey.js';
import { issueRecoveryCode } from '../factors/recovery.js';
import { disableSecondFactor, removeFactor } from '../factors/removal.js';
import { confirmedPhone, maskPhone } from '../factors/sms.js';
import { policyView } from '../factors/password-policy.js';
import { accountById, mfaPolicy } from '../companies/accounts.js';
import { providerOf } from '../companies/oidc.js';
import { clientIp } from '../security/client-ip.js';
import { passwordChanged } from '../security/credential-change.js';
import { freshness } from '../security/reauth.js';
import { freshSignIn, liveSession, ownSignIn, requireFresh, SESSION_COOKIE, type SessionEnv } from '../security/session-auth.js';
import { listLiveSessions, revokeLiveSession, revokeOtherSessions } from '../security/sessions.js';
import { readJson } from './body.js';
import type { AccountOverview, AccountSessions, NewRecoveryCode, PasswordChange, SignedOut } from './types.js';

/** `crypto.randomUUID()`: the ids of credentials. */
const CREDENTIAL_ID = /^[0-9a-f-]{36}$/;
/** `newSessionId()`: 12 random bytes, base64url. */
const SESSION_ID = /^[A-Za-z0-9_-]{16}$/;

export const passwordChange = z
  .object({ current: z.string().min(1).max(4096), password: z.string().min(1).max(4096), signOutOthers: z.boolean().optional() })
  .strict() satisfies z.ZodType<PasswordChange>;

/** The body of an action that takes nothing: `{}` or none. */
export const noInput = z.object({}).strict();

/**
 * The signed-in person's account security page: overview, password, second
 * factors, recovery code and sessions. Reading needs a session; changing a
 * sign-in method needs a fresh one (OWASP ASVS 5.0 V7.5.1: re-authenticate
 * before changing authentication factors). Protective actions (ending
 * sessions) never do. Passkeys live at `/api/passkeys`, remembered devices at
 * `/api/devices`.
 */
export function accountRoutes(app: AppContext): Hono<SessionEnv> {
  const routes = new Hono<SessionEnv>();
  const ipOf = (c: Context) => clientIp(c, app.config.trustedProxyList);
  const live = liveSession(app);
  const fresh = freshSignIn(app);
  const own = ownSignIn(app);

  routes.get('/', live, async (c) => {
    const session = c.var.session;
    const userId = session.userId;
    const user = { id: userId, email: session.email, name: session.name };
    const factors = await app.db
      .selectFrom('credentials')
      .select(['id', 'type', 'name', 'created_at', 'last_used_at'])
      .where('user_id', '=', userId)
      .where('confirmed_at', 'is not', null)
      .orderBy('created_at')
      .execute();
    const dates = (f: (typeof factors)[number]) => ({ createdAt: Number(f.created_at), lastUsedAt: f.last_used_at === null ? null : Number(f.last_used_at) });
    const sms = factors.find((f) => f.type === 'sms');
    const phone = sms && (await confirmedPhone(app.db, app.secretKey, userId));
    const recovery = await app.db
      .selectFrom('recovery_codes')
      .select('created_at')
      .where('user_id', '=', userId)
      .where('kind', '=', 'recovery')
      .where('used_at', 'is', null)
      .executeTakeFirst();
    const reauth = await freshness(app, session);
    const policy = await mfaPolicy(app, userId, app.now());
    const provider = await providerOf(app, session);
    const account = await accountById(app.db, session.membershipId);
    return c.json({
      user,
      session: { id: session.id, amr: session.amr, createdAt: session.createdAt, reauthUntil: reauth.until, needsSecondFactor: reauth.needsSecondFactor },
      ...(provider ? { provider } : {}),
      ...(account ? { account } : {}),
      mfa: {
        enabled: factors.length > 0,
        required: policy.requiredNow,
        requiredFrom: policy.requiredFrom,
        totp: factors.filter((f) => f.type === 'totp').map((f) => ({ id: f.id, name: f.name, ...dates(f) })),
        sms: sms && phone ? { id: sms.id, phone: maskPhone(phone.phone), ...dates(sms) } : null,
        passkeys: await listPasskeys(app.db, userId),
        approvers: factors.some((f) => f.type === 'approver') ? await listApprovers(app, userId) : [],
        recoveryCode: recovery ? { createdAt: Number(recovery.created_at) } : null,
      },
      features: { passkeys: app.config.passkeys, sms: app.sms !== null, approver: app.config.approver },
      policy: policyView(app.config),
    } satisfies AccountOverview);
  });

  routes.post('/password', own, async (c) => {
    const session = c.var.session;
    const { current, password, signOutOthers = false } = parseInput(passwordChange, await readJson(c, app.config.bodyLimitBytes));
    const now = app.now();
    const ip = ipOf(c);
    const user = { id: session.userId, email: session.email };
    // A refused new password is a draft, not a guess: checked first, it spends no attempt.
    const broken = await checkNewPassword(app.db, app.config, { password, email: user.email, userId: user.id });
    if (broken.length > 0) throw new ApiError('password_policy', { field: 'password', details: { rules: broken } });
    // OWASP ASVS 5.0 V6.2.3: the current password too, so a session left open is not enough to take the
    // account. Counted against the same limits as the sign-in's password step (`checkPassword`).
    const checked = await checkPassword(app, { email: user.email, password: current, ip, now, rehash: false });
    if (checked.refusal !== undefined || checked.user.id !== user.id) {
      await audit(app, { event: 'login.failure', userId: user.id, ip, detail: { method: 'password', purpose: 'password-change' } });
      throw new ApiError('invalid_credentials', { field: 'current' });
    }

    const passwordHash = await app.hashing.run(() => hashPassword(password));
    await passwordChanged(app, { userId: user.id, passwordHash, endSessions: false, now });
    // OWASP ASVS 5.0 V7.4.3: after a credential change, the option to end every other session.
    const signedOut = signOutOthers ? await revokeOtherSessions(app.db, app.config, { userId: user.id, keep: session.id, now }) : 0;
    await audit(app, { event: 'password.changed', userId: user.id, ip, detail: { signedOut } });
    await notifyUser(app, user.id, { kind: 'password-changed' });
    return c.json({ signedOut } satisfies SignedOut);
  });

  routes.delete('/factors/:id', own, async (c) => {
    const session = c.var.session;
    const id = c.req.param('id');
    if (!CREDENTIAL_ID.test(id)) throw new ApiError('not_found');
    // Passkeys have their own route.
    await removeFactor(app, { userId: session.userId, id, types: ['totp', 'sms', 'approver'], ip: ipOf(c), now: app.now() });
    return c.body(null, 204);
  });

  routes.post('/recovery-code', own, async (c) => {
    const session = c.var.session;
    parseInput(noInput, await readJson(c, app.config.bodyLimitBytes));
    // Without a second factor, a recovery code would itself be asked for at every sign-in.
    if (!(await hasSecondFactor(app.db, session.userId))) throw new ApiError('mfa_not_enabled');
    // The previous code dies in the same transaction (one live code per person).
    const code = await issueRecoveryCode(app.db, { userId: session.userId, kind: 'recovery', now: app.now() });
    await audit(app, { event: 'recovery.regenerated', userId: session.userId, ip: ipOf(c) });
    await notifyUser(app, session.userId, { kind: 'recovery-code-regenerated' });
    return c.json({ code } satisfies NewRecoveryCode);
  });

  routes.post('/mfa/disable', own, async (c) => {
    const session = c.var.session;
    parseInput(noInput, await readJson(c, app.config.bodyLimitBytes));
    await disableSecondFactor(app, { userId: session.userId, ip: ipOf(c), now: app.now() });
    return c.body(null, 204);
  });

  // OWASP ASVS 5.0 V7.5.2: the person sees their active sessions and, having authenticated again,
  // ends any or all of them. The owner re-authenticates in seconds; a stolen session cannot, so it
  // cannot sign the owner out everywhere and stay in. Ending the session in use is signing out,
  // which needs nothing.
  routes.get('/sessions', live, async (c) => {
    const session = c.var.session;
    const sessions = await listLiveSessions(app.db, app.config, session.userId, app.now());
    return c.json({
      sessions: sessions.map((s) => ({
        id: s.id,
        current: s.id === session.id,
        userAgent: s.userAgent,
        ip: s.ip,
        createdAt: s.createdAt,
        lastSeenAt: s.lastSeenAt,
        amr: s.amr,
      })),
    } satisfies AccountSessions);
  });

  routes.post('/sessions/sign-out-others', fresh, async (c) => {
    const session = c.var.session;
    parseInput(noInput, await readJson(c, app.config.bodyLimitBytes));
    const signedOut = await revokeOtherSessions(app.db, app.config, { userId: session.userId, keep: session.id, now: app.now() });
    await audit(app, { event: 'session.revoked', userId: session.userId, ip: ipOf(c), detail: { others: true, count: signedOut } });
    return c.json({ signedOut } satisfies SignedOut);
  });

  routes.delete('/sessions/:id', live, async (c) => {
    const session = c.var.session;
    const id = c.req.param('id');
    if (!SESSION_ID.test(id)) throw new ApiError('not_found');
    if (id !== session.id) await requireFresh(app, session);
    if (!(await revokeLiveSession(app.db, app.config, { id, userId: session.userId, now: app.now() }))) throw new ApiError('not_found');
    const current = id === session.id;
    await audit(app, { event: 'session.revoked', userId: session.userId, ip: ipOf(c), detail: { sessionId: id, current } });
    // Ending the session in use is signing out: the cookie goes too.
    if (current) deleteCookie(c, SESSION_COOKIE, { path: '/', secure: true, prefix: 'host' });
    return c.body(null, 204);
  });

  return routes;
}
