import { Hono } from 'hono';
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import { forgetDevice, forgetDevices, listDevices } from '../security/devices.js';
import { requireSession } from './session.js';
import type { RememberedDevices } from './types.js';

/** The signed-in person's remembered devices: list, forget one, forget all. */
export function deviceRoutes(app: AppContext): Hono {
  const routes = new Hono();

  routes.get('/', async (c) => {
    const session = await requireSession(app, c);
    return c.json({ devices: await listDevices(app.db, session.userId, app.now()) } satisfies RememberedDevices);
  });

  routes.delete('/:id', async (c) => {
    const session = await requireSession(app, c);
    const id = c.req.param('id');
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id) || !(await forgetDevice(app.db, { userId: session.userId, id, now: app.now() }))) throw new ApiError('not_found');
    return c.body(null, 204);
  });

  routes.delete('/', async (c) => {
    const session = await requireSession(app, c);
    await forgetDevices(app.db, session.userId, app.now());
    return c.body(null, 204);
  });

  return routes;
}
