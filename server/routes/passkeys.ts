import { Hono } from 'hono';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { clientIp } from '../security/client-ip.js';
import { ApiError } from '../errors.js';
import { challengeConsumer, listPasskeys, passkeyCreationOptions, PasskeyError, registerPasskey, storeRegistrationChallenge } from '../factors/passkey.js';
import type { RegistrationResponseJSON } from '../flows/protocol.js';
import { forgetDevices } from '../security/devices.js';
import { audit } from '../audit.js';
import { notifyUser } from '../delivery/mail.js';
import { removeFactor } from '../factors/removal.js';
import { liveSession, ownSignIn, type SessionEnv } from '../security/session-auth.js';
import { readJson } from './body.js';

const CREDENTIAL_ROW_ID = /^[0-9a-f-]{36}$/;
const nameSchema = z.string().trim().min(1).max(64);

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    const field = result.error.issues[0]?.path[0];
    throw new ApiError('invalid_request', field === undefined ? {} : { field: String(field) });
  }
  return result.data;
}

/**
 * The signed-in person's passkeys: list, register another, rename, delete.
 * `GET /api/passkeys`, `POST /api/passkeys/options` then `POST /api/passkeys`,
 * `PATCH /api/passkeys/{id}`, `DELETE /api/passkeys/{id}`.
 */
export function passkeyRoutes(app: AppContext): Hono<SessionEnv> {
  const routes = new Hono<SessionEnv>();

  routes.use(async function passkeysOn(_, next) {
    if (!app.config.passkeys) throw new ApiError('not_found');
    await next();
  });

  routes.get('/', liveSession(app), async (c) => {
    const session = c.var.session;
    return c.json({ passkeys: await listPasskeys(app.db, session.userId) });
  });

  routes.post('/options', ownSignIn(app), async (c) => {
    const session = c.var.session;
    await readJson(c, app.config.bodyLimitBytes);
    const options = await passkeyCreationOptions(app.db, app.config, { userId: session.userId, email: session.email, name: session.name });
    await storeRegistrationChallenge(app.db, { userId: session.userId, challenge: options.challenge, now: app.now() });
    return c.json({ options });
  });

  routes.post('/', ownSignIn(app), async (c) => {
    const session = c.var.session;
    const body = parse(
      z.object({ response: z.object({ id: z.string().max(1024), type: z.literal('public-key') }).passthrough(), name: nameSchema }).strict(),
      await readJson(c, app.config.bodyLimitBytes),
    );
    const now = app.now();
    try {
      const passkey = await registerPasskey(app.db, app.config, {
        response: body.response as unknown as RegistrationResponseJSON,
        // The challenge must be one we issued to this person, unexpired, and it is spent here.
        expectedChallenge: challengeConsumer(app.db, { userId: session.userId, now }),
        userId: session.userId,
        name: body.name,
        now,
      });
      await forgetDevices(app.db, session.userId, now);
      await audit(app, { event: 'factor.added', userId: session.userId, ip: clientIp(c, app.config.trustedProxyList), detail: { factor: 'passkey' } });
      await notifyUser(app, session.userId, { kind: 'factor-added', factor: 'passkey' });
      return c.json({ passkey }, 201);
    } catch (error) {
      if (error instanceof PasskeyError) throw new ApiError(error.refusal);
      throw error;
    }
  });

  routes.patch('/:id', liveSession(app), async (c) => {
    const session = c.var.session;
    const id = c.req.param('id');
    const { name } = parse(z.object({ name: nameSchema }).strict(), await readJson(c, app.config.bodyLimitBytes));
    const result = CREDENTIAL_ROW_ID.test(id)
      ? await app.db.updateTable('credentials').set({ name }).where('id', '=', id).where('user_id', '=', session.userId).where('type', '=', 'passkey').executeTakeFirst()
      : undefined;
    if (!result || Number(result.numUpdatedRows) !== 1) throw new ApiError('not_found');
    return c.json({ passkeys: await listPasskeys(app.db, session.userId) });
  });

  routes.delete('/:id', ownSignIn(app), async (c) => {
    const session = c.var.session;
    const id = c.req.param('id');
    if (!CREDENTIAL_ROW_ID.test(id)) throw new ApiError('not_found');
    await removeFactor(app, { userId: session.userId, id, types: ['passkey'], ip: clientIp(c, app.config.trustedProxyList), now: app.now() });
    return c.body(null, 204);
  });

  return routes;
}
