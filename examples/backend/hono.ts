/*
 * A host backend on Hono that answers `GET /api/me` only for a signed-in
 * person: the page gets a session JWT from login-flow (`lf-success`, or
 * `GET /api/session` -> `jwt.token`) and sends it as `Authorization: Bearer`.
 *
 * In your project: `npm install login-flow hono @hono/node-server` and import
 * from 'login-flow/verify/hono'. Here the import points at the source, so that
 * `npx tsc --noEmit -p .` checks this example against the real types.
 *
 *   LOGIN_FLOW_URL=http://localhost:3000 node --import tsx examples/backend/hono.ts
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { requireSession, type SessionEnv } from '../../server/verify/hono.js';

/** The login-flow API's PUBLIC_URL: the tokens' issuer, and where its keys are (`/.well-known/jwks.json`). */
const issuer = process.env.LOGIN_FLOW_URL ?? 'http://localhost:3000';

const app = new Hono<SessionEnv>();

// Options are checked here, once: a missing issuer or audience stops the start, not each request.
const signedIn = requireSession({ issuer, audience: process.env.JWT_AUDIENCE ?? 'login-flow' });

app.get('/api/me', signedIn, (c) => {
  const session = c.get('session');
  return c.json({
    userId: session.sub,
    email: session.email,
    company: session.org ?? null,
    // RFC 8176: "mfa" when a second factor was used at sign-in.
    twoStep: session.amr.includes('mfa'),
    signedInAt: session.authTime.toISOString(),
  });
});

// A rule of the host's own: changing the payout account needs a sign-in in the last 10 minutes.
app.post('/api/payout-account', signedIn, (c) => {
  if (Date.now() - c.get('session').authTime.getTime() > 10 * 60_000) return c.json({ error: { code: 'reauth_required' } }, 403);
  return c.body(null, 204);
});

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 4000) }, ({ port }) => console.log(`host API on http://localhost:${port}/api/me`));
