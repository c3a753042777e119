import { Hono } from 'hono';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { clientIp } from '../security/client-ip.js';
import { ApiError, parseInput } from '../errors.js';
import { listPasskeys } from '../factors/passkey.js';
import { removeFactor } from '../factors/removal.js';
import { liveSession, ownSignIn, type SessionEnv } from '../security/session-auth.js';
import { readJson } from './body.js';
import type { PasskeyRename, Passkeys } from './types.js';
import { renamePasskey } from '../factors/passkey.js';

const CREDENTIAL_ROW_ID = /^[0-9a-f-]{36}$/;
const nameSchema = z.string().trim().min(1).max(64);
export const passkeyRename = z.object({ name: nameSchema }).strict() satisfies z.ZodType<PasskeyRename>;

/**
 * The signed-in person's passkeys: list, rename, delete.
 * `GET /api/passkeys`, `PATCH /api/passkeys/{id}`, `DELETE /api/passkeys/{id}`.
 * A passkey is added with the `enroll-passkey` flow (`POST /api/flows/enroll-passkey`),
 * the one registration path, with the sign-in's own set-up rules.
 */
export function passkeyRoutes(app: AppContext): Hono<SessionEnv> {
  const routes = new Hono<SessionEnv>();

  routes.use(async function passkeysOn(_, next) {
    if (!app.config.passkeys) throw new ApiError('not_found');
    await next();
  });

  routes.get('/', liveSession(app), async (c) => {
    const session = c.var.session;
    return c.json({ passkeys: await listPasskeys(app.db, session.userId) } satisfies Passkeys);
  });

  routes.patch('/:id', liveSession(app), async (c) => {
    const session = c.var.session;
    const id = c.req.param('id');
    const { name } = parseInput(passkeyRename, await readJson(c, app.config.bodyLimitBytes));
    if (!CREDENTIAL_ROW_ID.test(id) || !(await renamePasskey(app.db, { userId: session.userId, id, name }))) throw new ApiError('not_found');
    return c.json({ passkeys: await listPasskeys(app.db, session.userId) } satisfies Passkeys);
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
