import { Hono, type Context } from 'hono';
import { deleteCookie } from 'hono/cookie';
import type { ExpressionBuilder } from 'kysely';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { audit } from '../audit.js';
import { notifyUser } from '../delivery/mail.js';
import { ApiError, parseInput } from '../errors.js';
import { hashPassword, verifyPassword } from '../factors/password.js';
import { checkNewPassword } from '../factors/password-policy.js';
import { listPasskeys } from '../factors/passkey.js';
import { issueRecoveryCode } from '../factors/recovery.js';
import { confirmedPhone, maskPhone } from '../factors/sms.js';
import { policyView } from '../factors/password-policy.js';
import { accountById, mfaPolicy } from '../companies/accounts.js';
import { providerOf } from '../companies/oidc.js';
import { clientIp, rateLimitKey } from '../security/client-ip.js';
import { passwordChanged } from '../security/credential-change.js';
import { forgetDevices } from '../security/devices.js';
import { sha256 } from '../security/random.js';
import { clearRateLimit, consumeRateLimit, rateLimited, refundRateLimit } from '../security/rate-limit.js';
import { freshness, hasSecondFactor, requireFreshSession, requireOwnSignIn } from '../security/reauth.js';
import type { Database, Db } from '../store/index.js';
import { readJson } from './body.js';
import type { AccountOverview, AccountSessions, NewRecoveryCode, PasswordChange, SignedOut } from './types.js';
import { requireSession, SESSION_COOKIE } from './session.js';
import { inTransaction, lockUser } from '../store/index.js';

/** `crypto.randomUUID()`: the ids of credentials. */
const CREDENTIAL_ID = /^[0-9a-f-]{36}$/;
/** `newSessionId()`: 12 random bytes, base64url. */
const SESSION_ID = /^[A-Za-z0-9_-]{16}$/;

const passwordChange = z
  .object({ current: z.string().min(1).max(4096), password: z.string().min(1).max(4096), signOutOthers: z.boolean().optional() })
  .strict() satisfies z.ZodType<PasswordChange>;

/**
 * The sessions that still work, as `findSession` judges them: not revoked, not
 * past their absolute end, not idle for longer than allowed.
 */
function live(app: AppContext, now: number) {
  const idleSince = now - app.config.sessionIdleMinutes * 60_000;
  return (eb: ExpressionBuilder<Database, 'sessions'>) => eb.and([eb('revoked_at', 'is', null), eb('expires_at', '>', now), eb('last_seen_at', '>', idleSince)]);
}

/** Ends the user's live sessions but `keep`; returns how many ended. */
async function revokeOtherSessions(app: AppContext, { userId, keep, now }: { userId: string; keep: string; now: number }): Promise<number> {
  const result = await app.db
    .updateTable('sessions')
    .set({ revoked_at: now })
    .where('user_id', '=', userId)
    .where('id', '!=', keep)
    .where(live(app, now))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Deletes the person's unused recovery code: without a second factor it would still be asked for at sign-in. Support's codes stay. */
function deleteRecoveryCode(db: Db, userId: string) {
  return db.deleteFrom('recovery_codes').where('user_id', '=', userId).where('kind', '=', 'recovery').where('used_at', 'is', null).execute();
}

/**
 * The signed-in person's account security page: overview, password, second
 * factors, recovery code and sessions. Reading needs a session; changing a
 * sign-in method needs a fresh one (OWASP ASVS 5.0 V7.5.1: re-authenticate
 * before changing authentication factors). Protective actions (ending
 * sessions) never do. Passkeys live at `/api/passkeys`, remembered devices at
 * `/api/devices`.
 */
export function accountRoutes(app: AppContext): Hono {
  const routes = new Hono();
  const ipOf = (c: Context) => clientIp(c, app.config.trustedProxyList);

  routes.get('/', async (c) => {
    const session = await requireSession(app, c);
    const userId = session.userId;
    const user = await app.db.selectFrom('users').select(['id', 'email', 'name']).where('id', '=', userId).executeTakeFirstOrThrow();
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
    const fresh = await freshness(app, session);
    const policy = await mfaPolicy(app, userId, app.now());
    const provider = await providerOf(app, session);
    const account = await accountById(app.db, session.membershipId);
    return c.json({
      user,
      session: { id: session.id, amr: session.amr, createdAt: session.createdAt, reauthUntil: fresh.until, needsSecondFactor: fresh.needsSecondFactor },
      ...(provider ? { provider } : {}),
      ...(account ? { account } : {}),
      mfa: {
        enabled: factors.length > 0,
        required: policy.requiredNow,
        requiredFrom: policy.requiredFrom,
        totp: factors.filter((f) => f.type === 'totp').map((f) => ({ id: f.id, name: f.name, ...dates(f) })),
        sms: sms && phone ? { id: sms.id, phone: maskPhone(phone.phone), ...dates(sms) } : null,
        passkeys: await listPasskeys(app.db, userId),
        recoveryCode: recovery ? { createdAt: Number(recovery.created_at) } : null,
      },
      features: { passkeys: app.config.passkeys, sms: app.sms !== null },
      policy: policyView(app.config),
    } satisfies AccountOverview);
  });

  routes.post('/password', async (c) => {
    const session = await requireOwnSignIn(app, c);
    const { current, password, signOutOthers = false } = parseInput(passwordChange, await readJson(c, app.config.bodyLimitBytes));
    const now = app.now();
    const ip = ipOf(c);
    const user = await app.db.selectFrom('users').select(['id', 'email', 'password_hash']).where('id', '=', session.userId).executeTakeFirstOrThrow();
    // A refused new password is a draft, not a guess: checked first, it spends no attempt.
    const broken = await checkNewPassword(app.db, app.config, { password, email: user.email, userId: user.id });
    if (broken.length > 0) throw new ApiError('password_policy', { field: 'password', details: { rules: broken } });
    // OWASP ASVS 5.0 V6.2.3: the current password too, so a session left open is not enough to take the
    // account. Counted against the same limits as the sign-in's password step, spent before the check (V6.3.1).
    const accountKey = `pwd:acct:${sha256(user.email)}`;
    const ipKey = `pwd:ip:${rateLimitKey(ip)}`;
    const window = app.config.rateWindowMinutes * 60_000;
    const account = await consumeRateLimit(app.db, accountKey, { windowMs: window, limit: app.config.accountMaxFailures }, now);
    const perIp = await consumeRateLimit(app.db, ipKey, { windowMs: window, limit: app.config.ipMaxFailures }, now);
    if (account.limited) throw rateLimited(account, now);
    if (perIp.limited) throw rateLimited(perIp, now);
    if (!(await verifyPassword({ hash: user.password_hash, password: current }))) {
      await audit(app, { event: 'login.failure', userId: user.id, ip, detail: { method: 'password', purpose: 'password-change' } });
      throw new ApiError('invalid_credentials', { field: 'current' });
    }
    await clearRateLimit(app.db, accountKey);
    await refundRateLimit(app.db, ipKey, now);

    await passwordChanged(app.db, { userId: user.id, passwordHash: await hashPassword(password), endSessions: false, now });
    // OWASP ASVS 5.0 V7.4.3: after a credential change, the option to end every other session.
    const signedOut = signOutOthers ? await revokeOtherSessions(app, { userId: user.id, keep: session.id, now }) : 0;
    await audit(app, { event: 'password.changed', userId: user.id, ip, detail: { signedOut } });
    await notifyUser(app, user.id, { kind: 'password-changed' });
    return c.json({ signedOut } satisfies SignedOut);
  });

  routes.delete('/factors/:id', async (c) => {
    const session = await requireOwnSignIn(app, c);
    const id = c.req.param('id');
    if (!CREDENTIAL_ID.test(id)) throw new ApiError('not_found');
    const now = app.now();
    const policy = await mfaPolicy(app, session.userId, now);
    const removed = await inTransaction(app.db, async (trx) => {
      await lockUser(trx, session.userId);
      const factors = await trx
        .selectFrom('credentials')
        .select(['id', 'type'])
        .where('user_id', '=', session.userId)
        .where('confirmed_at', 'is not', null)
        .execute();
      const factor = factors.find((f) => f.id === id);
      // Passkeys have their own route; an id that is not this person's is not found.
      if (!factor || factor.type === 'passkey') throw new ApiError('not_found');
      // While 2FA is enforced, the last second factor stays.
      if (factors.length === 1 && policy.requiredNow) throw new ApiError('last_factor');
      const deleted = await trx.deleteFrom('credentials').where('id', '=', id).where('user_id', '=', session.userId).executeTakeFirst();
      if (Number(deleted.numDeletedRows) !== 1) throw new ApiError('not_found');
      // The last one gone, 2FA is off: the recovery code goes with it.
      if (factors.length === 1) await deleteRecoveryCode(trx, session.userId);
      return factor.type;
    });
    await forgetDevices(app.db, session.userId, now);
    await audit(app, { event: 'factor.removed', userId: session.userId, ip: ipOf(c), detail: { factor: removed } });
    await notifyUser(app, session.userId, { kind: 'factor-removed', factor: removed });
    return c.body(null, 204);
  });

  routes.post('/recovery-code', async (c) => {
    const session = await requireOwnSignIn(app, c);
    parseInput(z.object({}).strict(), await readJson(c, app.config.bodyLimitBytes));
    // Without a second factor, a recovery code would itself be asked for at every sign-in.
    if (!(await hasSecondFactor(app.db, session.userId))) throw new ApiError('mfa_not_enabled');
    // The previous code dies in the same transaction (one live code per person).
    const code = await issueRecoveryCode(app.db, { userId: session.userId, kind: 'recovery', now: app.now() });
    await audit(app, { event: 'recovery.regenerated', userId: session.userId, ip: ipOf(c) });
    await notifyUser(app, session.userId, { kind: 'recovery-code-regenerated' });
    return c.json({ code } satisfies NewRecoveryCode);
  });

  routes.post('/mfa/disable', async (c) => {
    const session = await requireOwnSignIn(app, c);
    parseInput(z.object({}).strict(), await readJson(c, app.config.bodyLimitBytes));
    const now = app.now();
    if ((await mfaPolicy(app, session.userId, now)).requiredNow) throw new ApiError('mfa_required');
    const deleted = await inTransaction(app.db, async (trx) => {
      const result = await trx.deleteFrom('credentials').where('user_id', '=', session.userId).executeTakeFirst();
      await deleteRecoveryCode(trx, session.userId);
      return Number(result.numDeletedRows);
    });
    // Already off: nothing to record or tell.
    if (deleted === 0) return c.body(null, 204);
    await forgetDevices(app.db, session.userId, now);
    await audit(app, { event: 'mfa.disabled', userId: session.userId, ip: ipOf(c), detail: { removed: deleted } });
    await notifyUser(app, session.userId, { kind: 'mfa-disabled' });
    return c.body(null, 204);
  });

  // OWASP ASVS 5.0 V7.5.2: the person sees their active sessions and, having authenticated again,
  // ends any or all of them. The owner re-authenticates in seconds; a stolen session cannot, so it
  // cannot sign the owner out everywhere and stay in. Ending the session in use is signing out,
  // which needs nothing.
  routes.get('/sessions', async (c) => {
    const session = await requireSession(app, c);
    const rows = await app.db
      .selectFrom('sessions')
      .where('user_id', '=', session.userId)
      .where(live(app, app.now()))
      .select(['id', 'user_agent', 'ip', 'created_at', 'last_seen_at', 'amr'])
      .orderBy('last_seen_at', 'desc')
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .execute();
    return c.json({
      sessions: rows.map((r) => ({
        id: r.id,
        current: r.id === session.id,
        userAgent: r.user_agent,
        ip: r.ip,
        createdAt: Number(r.created_at),
        lastSeenAt: Number(r.last_seen_at),
        amr: JSON.parse(r.amr) as string[],
      })),
    } satisfies AccountSessions);
  });

  routes.post('/sessions/sign-out-others', async (c) => {
    const session = await requireFreshSession(app, c);
    parseInput(z.object({}).strict(), await readJson(c, app.config.bodyLimitBytes));
    const signedOut = await revokeOtherSessions(app, { userId: session.userId, keep: session.id, now: app.now() });
    await audit(app, { event: 'session.revoked', userId: session.userId, ip: ipOf(c), detail: { others: true, count: signedOut } });
    return c.json({ signedOut } satisfies SignedOut);
  });

  routes.delete('/sessions/:id', async (c) => {
    const session = await requireSession(app, c);
    const id = c.req.param('id');
    if (!SESSION_ID.test(id)) throw new ApiError('not_found');
    if (id !== session.id) await requireFreshSession(app, c);
    const now = app.now();
    const revoked = await app.db.updateTable('sessions').set({ revoked_at: now }).where('id', '=', id).where('user_id', '=', session.userId).where(live(app, now)).executeTakeFirst();
    if (Number(revoked.numUpdatedRows) !== 1) throw new ApiError('not_found');
    const current = id === session.id;
    await audit(app, { event: 'session.revoked', userId: session.userId, ip: ipOf(c), detail: { sessionId: id, current } });
    // Ending the session in use is signing out: the cookie goes too.
    if (current) deleteCookie(c, SESSION_COOKIE, { path: '/', secure: true, prefix: 'host' });
    return c.body(null, 204);
  });

  return routes;
}
