import { Hono } from 'hono';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { audit } from '../audit.js';
import { notifyUser } from '../delivery/mail.js';
import { clientIp } from '../security/client-ip.js';
import { ApiError } from '../errors.js';
import {
  challengeConsumer,
  listPasskeys,
  passkeyCreationOptions,
  PasskeyError,
  registerPasskey,
  storeRegistrationChallenge,
} from '../factors/passkey.js';
import { mfaPolicy } from '../companies/accounts.js';
import type { RegistrationResponseJSON } from '../flows/protocol.js';
import { forgetDevices } from '../security/devices.js';
import { requireFreshSession, requireOwnSignIn } from '../security/reauth.js';
import { readJson } from './body.js';
import { requireSession } from './session.js';
import type { PasskeyRename, Passkeys } from './types.js';
import { inTransaction, lockUser } from '../store/index.js';

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
export function passkeyRoutes(app: AppContext): Hono {
  const routes = new Hono();

  routes.use(async function passkeysOn(_, next) {
    if (!app.config.passkeys) throw new ApiError('not_found');
    await next();
  });

  /** A passkey was added or removed: recorded, and the person told by mail. */
  async function notify(userId: string, change: 'added' | 'removed', ip: string): Promise<void> {
    await audit(app, { event: change === 'added' ? 'factor.added' : 'factor.removed', userId, ip, detail: { factor: 'passkey' } });
    await notifyUser(app, userId, { kind: change === 'added' ? 'factor-added' : 'factor-removed', factor: 'passkey' });
  }

  routes.get('/', async (c) => {
    const session = await requireSession(app, c);
    return c.json({ passkeys: await listPasskeys(app.db, session.userId) } satisfies Passkeys);
  });

  routes.post('/options', async (c) => {
    const session = await requireOwnSignIn(app, c);
    await readJson(c, app.config.bodyLimitBytes);
    const user = await app.db.selectFrom('users').select(['id', 'email', 'name']).where('id', '=', session.userId).executeTakeFirstOrThrow();
    const options = await passkeyCreationOptions(app.db, app.config, { userId: user.id, email: user.email, name: user.name });
    await storeRegistrationChallenge(app.db, { userId: user.id, challenge: options.challenge, now: app.now() });
    return c.json({ options });
  });

  routes.post('/', async (c) => {
    const session = await requireOwnSignIn(app, c);
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
      await notify(session.userId, 'added', clientIp(c, app.config.trustedProxyList));
      return c.json({ passkey }, 201);
    } catch (error) {
      if (error instanceof PasskeyError) throw new ApiError(error.refusal);
      throw error;
    }
  });

  routes.patch('/:id', async (c) => {
    const session = await requireSession(app, c);
    const id = c.req.param('id');
    const { name } = parse(z.object({ name: nameSchema }).strict() satisfies z.ZodType<PasskeyRename>, await readJson(c, app.config.bodyLimitBytes));
    const result = CREDENTIAL_ROW_ID.test(id)
      ? await app.db.updateTable('credentials').set({ name }).where('id', '=', id).where('user_id', '=', session.userId).where('type', '=', 'passkey').executeTakeFirst()
      : undefined;
    if (!result || Number(result.numUpdatedRows) !== 1) throw new ApiError('not_found');
    return c.json({ passkeys: await listPasskeys(app.db, session.userId) } satisfies Passkeys);
  });

  routes.delete('/:id', async (c) => {
    const session = await requireOwnSignIn(app, c);
    const id = c.req.param('id');
    const now = app.now();
    if (!CREDENTIAL_ROW_ID.test(id)) throw new ApiError('not_found');
    const policy = await mfaPolicy(app, session.userId, now);
    const deleted = await inTransaction(app.db, async (trx) => {
      await lockUser(trx, session.userId);
      const factors = await trx
        .selectFrom('credentials')
        .select(['id', 'type'])
        .where('user_id', '=', session.userId)
        .where('confirmed_at', 'is not', null)
        .execute();
      if (!factors.some((f) => f.id === id && f.type === 'passkey')) throw new ApiError('not_found');
      // While 2FA is enforced, the last second factor stays.
      if (factors.length === 1 && policy.requiredNow) throw new ApiError('last_factor');
      return trx.deleteFrom('credentials').where('id', '=', id).where('user_id', '=', session.userId).executeTakeFirst();
    });
    if (Number(deleted.numDeletedRows) !== 1) throw new ApiError('not_found');
    await forgetDevices(app.db, session.userId, now);
    await notify(session.userId, 'removed', clientIp(c, app.config.trustedProxyList));
    return c.body(null, 204);
  });

  return routes;
}
