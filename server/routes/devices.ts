import { Hono } from 'hono';
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import { forgetDevice, forgetDevices, listDevices } from '../security/devices.js';
import { liveSession, type SessionEnv } from '../security/session-auth.js';
import type { RememberedDevices } from './types.js';

/** The signed-in person's remembered devices: list, forget one, forget all. */
export function deviceRoutes(app: AppContext): Hono<SessionEnv> {
  const routes = new Hono<SessionEnv>();
  const live = liveSession(app);

  routes.get('/', live, async (c) => {
    const session = c.var.session;
    return c.json({ devices: await listDevices(app.db, session.userId, app.now()) } satisfies RememberedDevices);
  });

  routes.delete('/:id', live, async (c) => {
    const session = c.var.session;
    const id = c.req.param('id');
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id) || !(await forgetDevice(app.db, { userId: session.userId, id, now: app.now() }))) throw new ApiError('not_found');
    return c.body(null, 204);
  });

  routes.delete('/', live, async (c) => {
    const session = c.var.session;
    await forgetDevices(app.db, session.userId, app.now());
    return c.body(null, 204);
  });

  return routes;
}
