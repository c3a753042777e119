/* Single sign-on at the company's provider: the authorization request the `sso` step sends the browser to. */
import { beginAuthorization, SsoError, type SsoConnection } from '../../companies/oidc.js';
import type { AppContext } from '../../context.js';
import type { CompanyErrorCode } from '../../errors.js';
import { rateWindow } from '../../factors/attempts.js';
import { rateLimitKey } from '../../security/client-ip.js';
import { consumeRateLimit, rateLimited } from '../../security/rate-limit.js';
import type { Context, Identified, MoveTo } from './state.js';

/**
 * Re-authentication through the company's provider: its sign-in must be at
 * most this old (OpenID Connect Core 1.0 §3.1.2.1 `max_age`; `auth_time` is
 * checked with openid-client's clock tolerance).
 */
const SSO_REAUTH_MAX_AGE_S = 60;

/**
 * The `sso` step for an address whose company signs its people in through
 * its own provider: a new authorization request (PKCE verifier, state,
 * nonce), or, when the provider cannot be reached, the step without one and
 * `sso_unavailable`. `error` is the refusal of the previous attempt, when there was one.
 */
export async function ssoStep({ app, request, now }: Context<unknown>, state: Identified, connection: SsoConnection, error?: CompanyErrorCode): Promise<MoveTo<'sso'>> {
  const sso = { organizationId: connection.organizationId, provider: connection.name };
  await spendProviderCall(app, state, request.ip, now);
  try {
    // Re-authentication asks the provider for a fresh sign-in: one that happened within the last minute.
    const { url, pending } = await beginAuthorization(app, connection, { loginHint: state.email, ...(state.purpose === 'reauth' ? { maxAge: SSO_REAUTH_MAX_AGE_S } : {}) });
    return { step: 'sso', state: { ...state, sso: { ...sso, url, request: pending } }, ...(error ? { error: { code: error } } : {}) };
  } catch (failure) {
    if (!(failure instanceof SsoError)) throw failure;
    app.log.log('warn', 'identity provider unavailable', { event: 'sso.unavailable', organizationId: connection.organizationId, reason: failure.message });
    return { step: 'sso', state: { ...state, sso }, error: { code: failure.code } };
  }
}

/**
 * Every request toward a company's provider (a new authorization request, a
 * code to exchange) counts against the client's limit: each costs a call to
 * someone else's server with our client secret (OWASP ASVS 5.0 V2.4.1). A
 * re-authentication (started without a client address) counts against its session.
 */
export async function spendProviderCall(app: AppContext, state: { sessionId?: string }, ip: string, now: number): Promise<void> {
  const key = state.sessionId ? `sso:sid:${state.sessionId}` : `sso:ip:${rateLimitKey(ip)}`;
  const hit = await consumeRateLimit(app.db, key, { limit: app.config.ipMaxFailures, windowMs: rateWindow(app) }, now);
  if (hit.limited) throw rateLimited(hit, now);
}
