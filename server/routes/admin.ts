import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { listAudit, type AuditCursor } from '../audit.js';
import type { AppContext } from '../context.js';
import { ApiError, parseInput } from '../errors.js';
import { emailSchema } from '../factors/email-address.js';
import {
  addMember,
  clientIdSchema,
  clientSecretSchema,
  createOrganization,
  deleteOrganization,
  domainsSchema,
  issuerSchema,
  listMembers,
  listOrganizations,
  mfaDateSchema,
  organizationNameSchema,
  providerNameSchema,
  removeMember,
  removeSsoConnection,
  requireOrganization,
  roleSchema,
  rolloutStats,
  setSsoConnection,
  slugSchema,
  updateOrganization,
} from '../companies/organizations.js';
import { clientIp, rateLimitKey } from '../security/client-ip.js';
import { safeEqual } from '../security/random.js';
import { consumeRateLimit, rateLimited } from '../security/rate-limit.js';
import { disableUser, findUserByEmail, inviteUser, listUsers, supportResetMfa } from '../users.js';
import { adminRecoveryRoutes } from './admin-recovery.js';
import { adminImportRoutes } from './admin-import.js';
import { readJson } from './body.js';

export const byEmail = z.object({ email: z.string().max(1024) }).strict();
export const invite = z.object({ email: z.string().max(1024), name: z.string().max(200).optional(), locale: z.enum(['en', 'nl']).optional() }).strict();
export const auditQuery = z.object({
  email: z.string().max(1024).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  /** A time (epoch ms: events strictly before it) or the `next` cursor of the previous page. */
  before: z.string().max(64).optional(),
});

/** A company's 2FA rollout: each stage a date, or null for none (the order is the registry's to check). */
const rolloutDates = { mfaRequiredFrom: mfaDateSchema.optional(), mfaPromptFrom: mfaDateSchema.optional(), mfaAskCodeFrom: mfaDateSchema.optional() };
export const newOrganization = z.object({ name: organizationNameSchema, slug: slugSchema.optional(), ...rolloutDates }).strict();
export const organizationChange = z.object({ name: organizationNameSchema.optional(), ...rolloutDates }).strict();
export const newMember = z.object({ email: z.string().max(1024), role: roleSchema.optional() }).strict();
export const ssoConnection = z
  .object({ name: providerNameSchema, issuer: issuerSchema, clientId: clientIdSchema, clientSecret: clientSecretSchema.optional(), domains: domainsSchema })
  .strict();

const EPOCH_MS = /^\d{1,16}$/;

function normalized(email: string): string {
  const parsed = emailSchema.safeParse(email);
  if (!parsed.success) throw new ApiError('invalid_email', { field: 'email' });
  return parsed.data;
}

/**
 * The admin API, for an employer's or support's backend: invite (and resend),
 * reset 2FA, disable, list users with their factors, read the audit log;
 * manage companies, their people, 2FA policy and single sign-on. Off unless
 * ADMIN_API_KEY is set; every request carries `Authorization: Bearer <key>`.
 */
export function adminRoutes(app: AppContext): Hono {
  const routes = new Hono();

  routes.use(async function adminKey(c, next) {
    const key = app.config.adminApiKey;
    if (!key) throw new ApiError('not_found');
    const now = app.now();
    const limitKey = `admin:ip:${rateLimitKey(clientIp(c, app.config.trustedProxyList))}`;
    // RFC 7235 §2.1: the auth scheme is case-insensitive ("bearer" is as good as "Bearer").
    const presented = /^bearer (.+)$/i.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
    const limit = app.config.ipMaxFailures;
    // A client over the limit is refused before its key is compared: were the right
    // key let through, 429 against 200 would tell a guesser when they hit it, and
    // the limit would slow nobody down (OWASP ASVS 5.0 V6.3.1).
    const counted = await app.db.selectFrom('rate_limits').select(['count', 'reset_at']).where('key', '=', limitKey).executeTakeFirst();
    if (counted && Number(counted.count) >= limit && Number(counted.reset_at) > now) {
      throw rateLimited({ count: Number(counted.count), resetAt: Number(counted.reset_at), limited: true }, now);
    }
    // Constant time (OWASP ASVS 5.0 V11.2.4): both sides are hashed to equal length first.
    if (!safeEqual(presented, key)) {
      // Wrong keys are counted per client, so the key cannot be guessed online.
      const hit = await consumeRateLimit(app.db, limitKey, { limit, windowMs: app.config.rateWindowMinutes * 60_000 }, now);
      if (hit.limited) throw rateLimited(hit, now);
      throw new ApiError('unauthenticated');
    }
    c.header('Cache-Control', 'no-store');
    await next();
  });

  async function userFor(c: Context) {
    const { email } = parseInput(byEmail, await readJson(c, app.config.bodyLimitBytes));
    const user = await findUserByEmail(app.db, normalized(email));
    if (!user) throw new ApiError('user_not_found', { field: 'email' });
    return user;
  }

  routes.get('/users', async (c) => c.json({ users: await listUsers(app.db) }));

  /** Creates an invited user and mails the activation link; for a user still invited, resends (the old link dies). */
  routes.post('/users/invite', async (c) => {
    const body = parseInput(invite, await readJson(c, app.config.bodyLimitBytes));
    const { link: _link, ...invitation } = await inviteUser(app, { email: body.email, name: body.name, locale: body.locale, actor: 'admin' });
    // A mail that failed now stays queued and is retried; the caller learns both.
    return c.json({ ...invitation, delivery: { ...invitation.delivery, queued: !invitation.delivery.delivered } }, invitation.resent ? 200 : 201);
  });

  routes.post('/users/reset-mfa', async (c) => {
    const user = await userFor(c);
    const backupCode = await supportResetMfa(app, { email: user.email, actor: 'admin' });
    return c.json({ user: { id: user.id, email: user.email }, backupCode });
  });

  routes.post('/users/disable', async (c) => {
    const user = await userFor(c);
    return c.json({ user: await disableUser(app, { email: user.email, actor: 'admin' }) });
  });

  routes.route('/', adminImportRoutes(app));

  routes.get('/audit', async (c) => {
    const query = parseInput(auditQuery, c.req.query());
    let userId: string | undefined;
    if (query.email !== undefined) {
      const user = await findUserByEmail(app.db, normalized(query.email));
      if (!user) throw new ApiError('user_not_found', { field: 'email' });
      userId = user.id;
    }
    // Several events often share a millisecond (one request writes a few), so a time
    // alone cannot resume a page: `next` names the last event returned, and the
    // next page starts right after it in the log's order.
    let before: AuditCursor | number | undefined;
    if (query.before !== undefined) {
      if (EPOCH_MS.test(query.before)) before = Number(query.before);
      else {
        const event = await app.db.selectFrom('audit_events').select(['at', 'id']).where('id', '=', query.before).executeTakeFirst();
        if (!event) throw new ApiError('invalid_request', { field: 'before' });
        before = { at: Number(event.at), id: event.id };
      }
    }
    const events = await listAudit(app.db, { limit: query.limit, ...(userId ? { userId } : {}), ...(before !== undefined ? { before } : {}) });
    return c.json({ events, ...(events.length === query.limit ? { next: events.at(-1)!.id } : {}) });
  });

  // Companies, named in the path by id or slug. People are named by email in
  // the body, never in the path, where addresses would end up in access logs.
  const body = async (c: Context) => readJson(c, app.config.bodyLimitBytes);

  routes.get('/organizations', async (c) => c.json({ organizations: await listOrganizations(app.db) }));

  routes.post('/organizations', async (c) => {
    const input = parseInput(newOrganization, await body(c));
    return c.json(await createOrganization(app, { ...input, actor: 'admin' }), 201);
  });

  /** A company with its people: `memberList` holds them, `members` stays their count as in the list. */
  routes.get('/organizations/:org', async (c) => {
    const organization = await requireOrganization(app.db, c.req.param('org'));
    return c.json({ ...organization, memberList: await listMembers(app.db, organization.id) });
  });

  routes.patch('/organizations/:org', async (c) => {
    const input = parseInput(organizationChange, await body(c));
    return c.json(await updateOrganization(app, c.req.param('org'), { ...input, actor: 'admin' }));
  });

  routes.delete('/organizations/:org', async (c) => {
    await deleteOrganization(app, c.req.param('org'), 'admin');
    return c.body(null, 204);
  });

  /** How far the company's 2FA rollout has come: two aggregate reads, whatever its size. */
  routes.get('/organizations/:org/stats', async (c) => c.json(await rolloutStats(app.db, c.req.param('org'), app.now())));

  routes.post('/organizations/:org/members', async (c) => {
    const input = parseInput(newMember, await body(c));
    const membership = await addMember(app, { organization: c.req.param('org'), email: normalized(input.email), role: input.role, actor: 'admin' });
    return c.json(membership, 201);
  });

  /** Idempotent: 204 whether or not the person was a member, `user_not_found` when there is no such user. */
  routes.delete('/organizations/:org/members', async (c) => {
    const { email } = parseInput(byEmail, await body(c));
    await removeMember(app, { organization: c.req.param('org'), email: normalized(email), actor: 'admin' });
    return c.body(null, 204);
  });

  routes.put('/organizations/:org/sso', async (c) => {
    const input = parseInput(ssoConnection, await body(c));
    return c.json(await setSsoConnection(app, c.req.param('org'), { ...input, actor: 'admin' }));
  });

  routes.delete('/organizations/:org/sso', async (c) => {
    await removeSsoConnection(app, c.req.param('org'), 'admin');
    return c.body(null, 204);
  });

  routes.route('/', adminRecoveryRoutes(app));

  return routes;
}
