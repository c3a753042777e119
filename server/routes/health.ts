import { Hono } from 'hono';
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import { ping } from '../security/rate-limit.js';

/** `GET /api/health`: 200 when the process answers and the store does too. */
export function healthRoutes(app: AppContext): Hono {
  const routes = new Hono();
  routes.get('/', async (c) => {
    try {
      await ping(app.db);
    } catch (cause) {
      throw new ApiError('store_unavailable', { cause });
    }
    return c.json({ status: 'ok', store: 'ok' });
  });
  return routes;
}
