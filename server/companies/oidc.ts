import * as oidc from 'openid-client';
import type { AppContext } from '../context.js';
import type { CompanyErrorCode } from '../errors.js';
import { isLoopbackHostname } from '../security/hosts.js';
import { safeEqual, sha256 } from '../security/random.js';
import { seal, unseal } from '../security/secrets.js';
import { prepare } from '../store/prepared.js';
import type { SessionProvider } from '../shapes.js';
export type { SessionProvider };

/**
 * Single sign-on through a company's OpenID Connect provider, as a
 * confidential relying party with openid-client: the authorization code flow
 * with PKCE (RFC 7636, S256), `state` (RFC 6749 §10.12) and `nonce` (OpenID
 * Connect Core 1.0 §3.1.2.1) checked, the `iss` of the response checked where
 * the provider sends it (RFC 9207), and the ID token's signature (against the
 * provider's key set, `jwks_uri`), issuer, audience and times validated by the
 * library (Core §3.1.3.7).
 */

/** A company's provider, with its client secret opened. */
export interface SsoConnection {
  organizationId: string;
  /** The provider's name as people know it ("Microsoft Entra ID"). */
  name: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
}

/** The authorization request in progress, kept in the flow (the verifier sealed). */
export interface PendingAuthorization {
  state: string;
  nonce: string;
  sealedVerifier: string;
  /** Re-authentication: the provider must have had the person sign in within this many seconds (`max_age`). */
  maxAge?: number;
}

/** Who the provider says signed in. */
export interface ProviderIdentity {
  subject: string;
  email: string;
  emailVerified: boolean;
  /** RFC 8176 methods the provider reports (`amr`), the registered values only. */
  amr: string[];
}

/** A sign-in at the provider that did not work, with the catalogue code to show and the reason to log. */
export class SsoError extends Error {
  override name = 'SsoError';
  constructor(
    readonly code: Extract<CompanyErrorCode, `sso_${string}`>,
    reason: string,
  ) {
    super(reason);
  }
}

/** The scopes asked for: the ID token must name the person's address (OpenID Connect Core 1.0 §5.4). */
const SCOPE = 'openid email profile';
/** A provider's metadata and keys are fetched again after this long (a rotated key is also found on demand by the library). */
const DISCOVERY_CACHE_MS = 10 * 60_000;
/** Seconds a call to the provider may take before the sign-in says it is unavailable. */
const PROVIDER_TIMEOUT_S = 10;
/** RFC 8176 §2: the registered authentication method references; anything else a provider sends is dropped. */
const AMR_VALUES = new Set(['face', 'fpt', 'geo', 'hwk', 'iris', 'kba', 'mca', 'mfa', 'otp', 'pin', 'pwd', 'rba', 'retina', 'sc', 'sms', 'swk', 'tel', 'user', 'vbm', 'wia']);
/**
 * openid-client's codes for a call to the provider (token endpoint, key set)
 * that got no usable answer: none in time, or an HTTP error status, or not
 * JSON. The provider is unavailable then; the sign-in was not refused.
 */
const UNREACHED = new Set(['OAUTH_TIMEOUT', 'OAUTH_ABORT', 'OAUTH_RESPONSE_IS_NOT_CONFORM', 'OAUTH_RESPONSE_IS_NOT_JSON']);
/** Parameters of an authorization response (RFC 6749 §4.1.2, RFC 9207 §2, OpenID Session §2). */
const RESPONSE_PARAMETERS = ['code', 'state', 'iss', 'error', 'error_description', 'error_uri', 'session_state'];

/** Plain http is for a provider on this machine only (a local test provider). */
export function isLoopbackHttp(issuer: string): boolean {
  const url = new URL(issuer);
  return url.protocol === 'http:' && isLoopbackHostname(url.hostname);
}

/** The provider's endpoints this relying party calls or sends the browser to (OpenID Connect Discovery 1.0 §3: each required). */
const ENDPOINTS = ['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const;

/**
 * Throws unless each of the provider's {@link ENDPOINTS} is an https URL
 * (RFC 8414 §2), or, where the issuer itself may be (`allowHttp`), a plain
 * http URL on this machine. Metadata that says otherwise (a `javascript:`
 * authorization endpoint, a missing key set) is the provider's fault: its
 * sign-in is unavailable, and no URL of it reaches the browser.
 */
function checkEndpoints(metadata: oidc.ServerMetadata, allowHttp: boolean): void {
  for (const name of ENDPOINTS) {
    const value: unknown = metadata[name];
    const url = typeof value === 'string' && URL.canParse(value) ? new URL(value) : undefined;
    if (!url || !(url.protocol === 'https:' || (allowHttp && isLoopbackHttp(url.href)))) {
      throw new Error(`metadata ${name} is not an https URL: ${JSON.stringify(value ?? null).slice(0, 80)}`);
    }
  }
}

/** The company whose provider signs in this address (its domain is the company's), if any. */
export async function connectionForEmail(app: AppContext, email: string): Promise<SsoConnection | undefined> {
  const domain = email.slice(email.lastIndexOf('@') + 1);
  const row = (await companyOfDomain(app.db, { domain })).rows[0];
  return row ? connectionOf(app, row.organization_id) : undefined;
}

/** Asked at every sign-in's email step. */
const companyOfDomain = prepare<{ domain: string }, { organization_id: string }>((db, p) => db.selectFrom('sso_domains').select('organization_id').where('domain', '=', p.domain));

/** A company's provider, if it has one. */
export async function connectionOf(app: AppContext, organizationId: string): Promise<SsoConnection | undefined> {
  const row = await app.db.selectFrom('sso_connections').selectAll().where('organization_id', '=', organizationId).executeTakeFirst();
  if (!row) return undefined;
  return {
    organizationId,
    name: row.name,
    issuer: row.issuer,
    clientId: row.client_id,
    clientSecret: unseal(app.secretKey, row.client_secret, `sso-client:${organizationId}`),
  };
}

/**
 * The provider a single sign-on session came through, named as its company
 * calls it (the issuer's host when no company names it any more).
 */
export async function providerOf(app: AppContext, session: { provider: string | null }): Promise<SessionProvider | undefined> {
  if (!session.provider) return undefined;
  const row = await app.db.selectFrom('sso_connections').select('name').where('issuer', '=', session.provider).executeTakeFirst();
  return { name: row?.name ?? new URL(session.provider).host, issuer: session.provider };
}

/** Is this email address in one of the company's domains? */
export async function ownsAddress(app: AppContext, organizationId: string, email: string): Promise<boolean> {
  const domain = email.slice(email.lastIndexOf('@') + 1);
  const row = await app.db.selectFrom('sso_domains').select('domain').where('domain', '=', domain).where('organization_id', '=', organizationId).executeTakeFirst();
  return row !== undefined;
}

/** A provider that could not be reached is not asked again for this long: sign-ins meanwhile fail at once instead of waiting. */
const DISCOVERY_FAILURE_MS = 15_000;

const discovered = new Map<string, { configuration: oidc.Configuration; at: number } | { failure: string; at: number }>();
const discovering = new Map<string, Promise<oidc.Configuration>>();

/**
 * The provider's configuration (OpenID Connect Discovery 1.0), cached per
 * issuer, client and secret; one fetch at a time per provider, and a failure
 * remembered briefly, so a provider that is down costs one wait, not one per sign-in.
 */
async function configurationFor(app: AppContext, connection: SsoConnection): Promise<oidc.Configuration> {
  const key = sha256(`${connection.issuer}\n${connection.clientId}\n${connection.clientSecret}`);
  const cached = discovered.get(key);
  const age = cached ? app.now() - cached.at : Infinity;
  if (cached && 'configuration' in cached && age < DISCOVERY_CACHE_MS) return cached.configuration;
  if (cached && 'failure' in cached && age >= 0 && age < DISCOVERY_FAILURE_MS) throw new SsoError('sso_unavailable', `discovery failed recently: ${cached.failure}`);
  let pending = discovering.get(key);
  if (!pending) {
    // A provider on this machine over plain http is for development and tests, never production.
    const allowHttp = isLoopbackHttp(connection.issuer) && app.config.env !== 'production';
    pending = oidc
      .discovery(new URL(connection.issuer), connection.clientId, undefined, oidc.ClientSecretBasic(connection.clientSecret), {
        timeout: PROVIDER_TIMEOUT_S,
        // The ID token's signature is checked against the provider's key set (jwks_uri), though
        // Core §3.1.3.7 (6) lets a client rely on TLS to the token endpoint instead: a token the
        // provider did not sign is refused even if that channel is not what it seems.
        execute: [oidc.enableNonRepudiationChecks, ...(allowHttp ? [oidc.allowInsecureRequests] : [])],
      })
      .then((configuration) => {
        checkEndpoints(configuration.serverMetadata(), allowHttp);
        configuration.timeout = PROVIDER_TIMEOUT_S;
        discovered.set(key, { configuration, at: app.now() });
        return configuration;
      })
      .catch((error: unknown) => {
        const failure = describe(error);
        discovered.set(key, { failure, at: app.now() });
        throw new SsoError('sso_unavailable', `discovery failed: ${failure}`);
      })
      .finally(() => discovering.delete(key));
    discovering.set(key, pending);
  }
  return pending;
}

/**
 * Starts a sign-in at the provider: a new PKCE verifier, `state` and `nonce`,
 * and the URL to send the browser to. `loginHint` is the address the person
 * typed (Core §3.1.2.1), so the provider need not ask it again. `maxAge` (a
 * re-authentication) asks the provider to have the person sign in again
 * (`max_age`, `prompt=login`), and its `auth_time` is then checked.
 */
export async function beginAuthorization(app: AppContext, connection: SsoConnection, { loginHint, maxAge }: { loginHint: string; maxAge?: number }): Promise<{ url: string; pending: PendingAuthorization }> {
  const configuration = await configurationFor(app, connection);
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(configuration, {
    redirect_uri: app.config.ssoRedirectUrl,
    scope: SCOPE,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    login_hint: loginHint,
    ...(maxAge === undefined ? {} : { max_age: String(maxAge), prompt: 'login' }),
  });
  return { url: url.href, pending: { state, nonce, sealedVerifier: seal(app.secretKey, verifier, `sso-verifier:${state}`), ...(maxAge === undefined ? {} : { maxAge }) } };
}

/**
 * Finishes a sign-in from the query string the provider sent the browser back
 * with: the `state` must be this flow's, then the code is exchanged (with the
 * PKCE verifier and the client secret) and the ID token validated, `nonce`
 * included. Throws {@link SsoError}.
 */
export async function completeAuthorization(app: AppContext, connection: SsoConnection, pending: PendingAuthorization, query: string): Promise<ProviderIdentity> {
  const received = new URLSearchParams(query);
  // Only this flow's request may complete it: a response for another (a login CSRF, a replayed URL) stops here.
  if (!safeEqual(received.get('state') ?? '', pending.state)) throw new SsoError('sso_failed', 'state does not match');
  const error = received.get('error');
  if (error === 'access_denied') throw new SsoError('sso_cancelled', 'the person cancelled at the provider');
  if (error !== null) throw new SsoError('sso_unavailable', `provider error: ${error.slice(0, 64)}`);

  const configuration = await configurationFor(app, connection);
  const callback = new URL(app.config.ssoRedirectUrl);
  callback.search = '';
  for (const name of RESPONSE_PARAMETERS) {
    const value = received.get(name);
    if (value !== null) callback.searchParams.set(name, value);
  }
  let claims: oidc.IDToken | undefined;
  try {
    const tokens = await oidc.authorizationCodeGrant(configuration, callback, {
      pkceCodeVerifier: unseal(app.secretKey, pending.sealedVerifier, `sso-verifier:${pending.state}`),
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
      ...(pending.maxAge === undefined ? {} : { maxAge: pending.maxAge }),
    });
    claims = tokens.claims();
  } catch (error) {
    // The provider refused the code (expired, used, not ours), or the token did not validate (its
    // signature, nonce, audience, times); anything else is the provider out of reach.
    const refused = error instanceof oidc.ResponseBodyError || error instanceof oidc.AuthorizationResponseError || (error instanceof oidc.ClientError && !UNREACHED.has(String(error.code)));
    throw new SsoError(refused ? 'sso_failed' : 'sso_unavailable', describe(error));
  }
  if (!claims || typeof claims.email !== 'string') throw new SsoError('sso_failed', 'the ID token names no email address');
  return {
    subject: claims.sub,
    email: claims.email.trim().toLowerCase(),
    // OpenID Connect Core 1.0 §5.1: a boolean; anything but true is unverified.
    emailVerified: claims.email_verified === true,
    amr: Array.isArray(claims.amr) ? claims.amr.filter((m): m is string => typeof m === 'string' && AMR_VALUES.has(m)) : [],
  };
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error).slice(0, 200);
  const code = (error as { code?: unknown; error?: unknown }).error ?? (error as { code?: unknown }).code;
  // openid-client wraps what went wrong ("JWT signature verification failed", "connect ECONNREFUSED") in its cause.
  const cause = error.cause instanceof Error && error.cause.message !== error.message ? ` (${error.cause.message})` : '';
  return `${error.name}${code ? ` ${String(code)}` : ''}: ${error.message}${cause}`.slice(0, 200);
}
