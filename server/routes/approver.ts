import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { ApiError, parseInput } from '../errors.js';
import { approvalDetails, decide, deviceFromToken, enrolDevice, pendingApprovals, replaceSubscription, startEnrolment } from '../factors/approver.js';
import { vapidPublicKey } from '../delivery/push.js';
import { clientIp, rateLimitKey } from '../security/client-ip.js';
import { consumeRateLimit, rateLimited } from '../security/rate-limit.js';
import { assertionInput, linkToken, registrationInput } from '../flows/login/inputs.js';
import { readJson } from './body.js';
import { waitFor } from './wait.js';
import type { ApprovalDecision, ApprovalDetails, ApprovalList, ApprovalOutcome, ApproverConfig, EnrolmentRequest, EnrolmentResult, EnrolmentStart, SubscriptionUpdate } from './approver-types.js';

/** Request ids: 16 random bytes, base64url. */
const REQUEST_ID = /^[A-Za-z0-9_-]{22}$/;
/* The bodies, with what each field means (the OpenAPI document reads them). */
const base64url = z.string().regex(/^[A-Za-z0-9_-]*$/).max(512);
export const pushSubscription = z
  .object({ endpoint: z.string().max(2048), keys: z.object({ p256dh: base64url, auth: base64url }).strict() })
  .strict()
  .meta({ description: 'A push subscription as `PushSubscription.toJSON()` gives it; an https endpoint of a push service.' });
export const approverEnrolment = z
  .object({
    token: z.string().min(1).max(256).meta({ description: 'The set-up link\'s token (its `#enrol=` fragment).' }),
    name: z.string().trim().min(1).max(64).meta({ description: 'The phone\'s name, as the account page lists it.' }),
    key: z
      .discriminatedUnion('type', [
        z.object({ type: z.literal('passkey'), response: registrationInput.shape.response }).strict(),
        z
          .object({
            type: z.literal('device'),
            publicKey: z.record(z.string(), z.unknown()).meta({ description: 'The public key (JWK, EC P-256) of a non-extractable WebCrypto key.' }),
            proof: base64url.meta({ description: 'Its ECDSA P-256 / SHA-256 signature (raw r‖s, base64url) over `login-flow enrolment v1\\n<token>`.' }),
          })
          .strict(),
      ])
      .meta({ description: 'The passkey just made with `passkey.options`, or, on a phone without one, a device-bound key.' }),
    subscription: pushSubscription.optional().meta({ description: 'Absent when the person did not allow notifications.' }),
  })
  .strict();
export const subscriptionUpdate = z.object({ subscription: pushSubscription.nullable().meta({ description: '`null` stops pushes to this phone.' }) }).strict();
export const approvalDecision = z
  .object({
    number: z.string().regex(/^\d{2}$/).meta({ description: 'The number the person picked; approving with another than the sign-in screen\'s denies.' }),
    decision: z.enum(['approve', 'deny']),
    proof: z
      .discriminatedUnion('type', [
        z.object({ type: z.literal('passkey'), response: assertionInput.shape.response }).strict(),
        z.object({ type: z.literal('device'), signature: base64url }).strict(),
      ])
      .meta({
        description:
          'A signature over `login-flow approval v1\\n<id>\\n<number>\\n<decision>` with the key enrolled: a WebAuthn assertion whose challenge is that text\'s base64url SHA-256 (`passkey`), or an ECDSA P-256 / SHA-256 signature, raw r‖s, base64url (`device`).',
      }),
  })
  .strict();


function bearer(c: Context): string | undefined {
  const header = c.req.header('authorization') ?? '';
  return /^Bearer ([A-Za-z0-9_.-]{1,256})$/.exec(header)?.[1];
}

/**
 * The approver's API, called by the approver web app on the person's phone
 * (`/approve/`, same origin as the API). Enrolment spends the set-up link's
 * token; everything after carries the phone's bearer token, and a decision is
 * also signed with the phone's key.
 */
export function approverRoutes(app: AppContext): Hono {
  const routes = new Hono();

  routes.use(async function approverOn(c, next) {
    if (!app.config.approver) throw new ApiError('not_found');
    // Every answer here is about one person's sign-ins: never kept by a cache.
    c.header('Cache-Control', 'no-store');
    await next();
  });

  routes.get('/config', async (c) => c.json({ vapidPublicKey: await vapidPublicKey(app) } satisfies ApproverConfig));

  routes.post('/enrolment', async (c) => {
    const { token } = parseInput(linkToken, await readJson(c, app.config.bodyLimitBytes));
    return c.json((await startEnrolment(app, token, app.now())) satisfies EnrolmentStart);
  });

  routes.post('/devices', async (c) => {
    const now = app.now();
    // A token guess costs a request: the same per-address limit as starting a flow.
    const hit = await consumeRateLimit(app.db, `approver:enrol:${rateLimitKey(clientIp(c, app.config.trustedProxyList))}`, { limit: app.config.ipMaxFlows, windowMs: app.config.rateWindowMinutes * 60_000 }, now);
    if (hit.limited) throw rateLimited(hit, now);
    const body = parseInput(approverEnrolment, await readJson(c, app.config.bodyLimitBytes)) as EnrolmentRequest;
    return c.json((await enrolDevice(app, body, now)) satisfies EnrolmentResult, 201);
  });

  routes.put('/devices/current/subscription', async (c) => {
    const device = await deviceFromToken(app, bearer(c));
    const body = parseInput(subscriptionUpdate, await readJson(c, app.config.bodyLimitBytes)) satisfies SubscriptionUpdate;
    await replaceSubscription(app, device, body.subscription);
    return c.body(null, 204);
  });

  routes.get('/requests', async (c) => {
    const device = await deviceFromToken(app, bearer(c));
    const wait = c.req.query('wait') === '1';
    const requests = wait
      ? ((await waitFor(`approver:${device.id}`, c.req.raw.signal, async () => {
          const found = await pendingApprovals(app, device, app.now());
          return found.length > 0 ? found : undefined;
        })) ?? [])
      : await pendingApprovals(app, device, app.now());
    return c.json({ requests } satisfies ApprovalList);
  });

  routes.get('/requests/:id', async (c) => {
    const device = await deviceFromToken(app, bearer(c));
    const id = c.req.param('id');
    if (!REQUEST_ID.test(id)) throw new ApiError('approval_not_found');
    return c.json((await approvalDetails(app, device, id, app.now())) satisfies ApprovalDetails);
  });

  routes.post('/requests/:id', async (c) => {
    const device = await deviceFromToken(app, bearer(c));
    const id = c.req.param('id');
    if (!REQUEST_ID.test(id)) throw new ApiError('approval_not_found');
    const body = parseInput(approvalDecision, await readJson(c, app.config.bodyLimitBytes)) as ApprovalDecision;
    const outcome = await decide(app, device, { id, ...body, ip: clientIp(c, app.config.trustedProxyList) }, app.now());
    return c.json(outcome satisfies ApprovalOutcome);
  });

  return routes;
}
