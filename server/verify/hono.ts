/*
 * A Hono middleware for host backends: the route runs only with a verified
 * login-flow session JWT, and reads its claims with `c.get('session')`.
 */
import { createMiddleware } from 'hono/factory';
import type { Context, MiddlewareHandler } from 'hono';
import { createVerifier, SessionVerificationError, type VerifiedSession, type VerifySessionOptions } from './index.js';

/** The context variables `requireSession` sets. */
export interface SessionVariables {
  /** The verified claims of the request's session JWT. */
  session: VerifiedSession;
}

/** The Hono environment of a route behind `requireSession`: `c.get('session')` is typed. */
export interface SessionEnv {
  /** See `SessionVariables`. */
  Variables: SessionVariables;
}

/** `verifySession`'s options, and how the 401 challenge names the protected area. */
export interface RequireSessionOptions extends VerifySessionOptions {
  /** RFC 6750 §3 `realm` of the `WWW-Authenticate` challenge; left out when not given. */
  realm?: string;
}

/** The body of every refusal: a code, as the API answers, never the reason (that is in `WWW-Authenticate` and for logs). */
export interface RequireSessionErrorBody {
  /** `unauthenticated` (401): no token, or one that did not verify. `session_check_unavailable` (503): the keys could not be fetched. */
  error: { code: 'unauthenticated' | 'session_check_unavailable' };
}

/** RFC 6750 §2.1: `Authorization: Bearer <b64token>`; the scheme is case-insensitive (RFC 9110 §11.1). */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Lets a request through only with a valid session JWT in
 * `Authorization: Bearer <jwt>`, and sets its claims as `c.get('session')`.
 * The options are checked once, here: a missing `issuer` or `audience`
 * throws at start-up.
 *
 * Refusals (RFC 6750 §3): without a bearer token, 401 with a bare
 * `WWW-Authenticate: Bearer` challenge (§3.1: no error code when no
 * credentials were sent); with a token that does not verify, 401 and
 * `error="invalid_token"`, the `SessionVerificationError` code as
 * `error_description`. The body is `{ error: { code: 'unauthenticated' } }`.
 * When the key set cannot be fetched nothing is known about the token, and
 * the answer is 503 `session_check_unavailable`: a 401 would send a signed-in
 * person to sign in again for the issuer's outage.
 *
 * @example
 * app.get('/api/me', requireSession({ issuer: 'https://auth.example.com', audience: 'login-flow' }), (c) => c.json(c.get('session')));
 */
export function requireSession(options: RequireSessionOptions): MiddlewareHandler<SessionEnv> {
  const { realm, ...verifyOptions } = options;
  const verify = createVerifier(verifyOptions);
  const scheme = realm === undefined ? 'Bearer' : `Bearer realm="${quoted(realm)}"`;

  return createMiddleware<SessionEnv>(async function requireSession(c, next) {
    const token = BEARER.exec(c.req.header('Authorization') ?? '')?.[1];
    if (token === undefined) return refuse(c, 401, 'unauthenticated', scheme);
    let session: VerifiedSession;
    try {
      session = await verify(token);
    } catch (error) {
      if (!(error instanceof SessionVerificationError)) throw error;
      if (error.code === 'jwks_unavailable') return refuse(c, 503, 'session_check_unavailable');
      return refuse(c, 401, 'unauthenticated', `${scheme}${realm === undefined ? ' ' : ', '}error="invalid_token", error_description="${error.code}"`);
    }
    c.set('session', session);
    await next();
  });
}

function refuse(c: Context, status: 401 | 503, code: RequireSessionErrorBody['error']['code'], challenge?: string): Response {
  if (challenge !== undefined) c.header('WWW-Authenticate', challenge);
  c.header('Cache-Control', 'no-store');
  const body: RequireSessionErrorBody = { error: { code } };
  return c.json(body, status);
}

/** RFC 9110 §5.6.4 quoted-string: backslash-escape `"` and `\`. */
function quoted(value: string): string {
  return value.replace(/[\\"]/g, '\\$&');
}
