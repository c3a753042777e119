import { Hono } from 'hono';
import type { AppContext } from '../context.js';

/** `/.well-known/jwks.json`: the public keys host backends verify session JWTs with. */
export function wellKnownRoutes(app: AppContext): Hono {
  const routes = new Hono();
  routes.get('/jwks.json', async (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(await app.keys.jwks());
  });
  // WebAuthn Level 3 §5.11: the origins that may use this RP ID beside its own.
  routes.get('/webauthn', (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    return c.json({ origins: app.config.webauthnOrigins });
  });
  return routes;
}
