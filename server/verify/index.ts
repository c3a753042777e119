/*
 * Verifies login-flow's session JWT in a host's backend: the signature against
 * the API's published keys (`GET /.well-known/jwks.json`), then the claims.
 *
 * Compiled on its own into `login-flow/verify` for hosts on plain Node, so it
 * imports `jose`, `hono` and its own folder only (test/server/verify.test.ts
 * holds it to that).
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';

/**
 * RFC 8725 §3.1 ("perform algorithm verification"): the algorithm is pinned to
 * the one the API signs with, never taken from the token's header, so neither
 * `alg: none` nor a key set that also holds another kind of key can make an
 * attacker's choice of algorithm count. RFC 7518 §3.4: ECDSA P-256 with SHA-256.
 */
const ALGORITHMS = ['ES256'];

/**
 * RFC 7519 §4.1.4 allows "some small leeway, usually no more than a few
 * minutes, to account for clock skew". Machines kept by NTP differ by well
 * under a second, so 30 s absorbs a badly kept clock while adding at most a
 * tenth to the API's default 300 s JWT lifetime (`JWT_TTL_SECONDS`).
 */
const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;

/** How long one fetch of the key set may take before verification fails with `jwks_unavailable` (jose's default). */
const DEFAULT_JWKS_TIMEOUT_MS = 5_000;

/**
 * After a fetch, how long before a token naming an unknown `kid` may cause
 * another (jose's default): a flood of forged `kid`s costs the issuer at most
 * one fetch per cooldown, never one per request. The price: a key rotated
 * within this time after a fetch is refused (`unknown_key`) until it ends.
 */
const DEFAULT_JWKS_COOLDOWN_MS = 30_000;

/**
 * How long a fetched key set is used before it is read again (jose's default).
 * A new key does not wait for it: a token naming an unknown `kid` refetches
 * sooner (see the cooldown). What it bounds is the other way round: a key the
 * issuer withdraws from its set still verifies here for at most this long.
 */
const DEFAULT_JWKS_MAX_AGE_MS = 600_000;

/** Why a session JWT was refused; `SessionVerificationError.code`. */
export type SessionVerificationErrorCode =
  /** Past its `exp`, beyond the clock tolerance: get a fresh JWT from `GET /api/session`. */
  | 'expired'
  /** Not a JWT, a bad signature, an algorithm other than ES256, a missing `exp`, or claims of the wrong shape. */
  | 'invalid'
  /** Its `iss` names another issuer than the configured one (a token without `iss` is `invalid`). */
  | 'wrong_issuer'
  /** Its `aud` does not name the configured audience. */
  | 'wrong_audience'
  /** It names a key (`kid`) the issuer does not publish, even after fetching the key set again (or within the cooldown since the last fetch). */
  | 'unknown_key'
  /** The key set could not be fetched or read (network error, timeout, not 200, not a JWK set): nothing is known about the token. */
  | 'jwks_unavailable';

/** A refused session JWT; `code` says why and is meant for branching, `message` for logs. */
export class SessionVerificationError extends Error {
  /** Why the token was refused. */
  readonly code: SessionVerificationErrorCode;

  /** @param cause the error from `jose` or from the fetch, when there is one. */
  constructor(code: SessionVerificationErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SessionVerificationError';
    this.code = code;
  }
}

/** The claims of a verified session JWT, checked and typed. Times are `Date`s, so no unit (seconds or milliseconds) can be mixed up. */
export interface VerifiedSession {
  /** The person's user id (`sub`). */
  sub: string;
  /** The session id (`sid`): the same across the fresh JWTs of one session, new at each sign-in. */
  sid: string;
  /** The person's email address (`email`). */
  email: string;
  /** RFC 8176 authentication method references (`amr`), e.g. `["pwd"]`, `["pwd", "otp", "mfa"]`. */
  amr: string[];
  /** When the person last proved who they are (`auth_time`): sign-in or re-authentication. Compare it with the time for a "recent sign-in" rule. */
  authTime: Date;
  /** The company (organization id) the session works in (`org`), when it works in one. */
  org?: string;
  /** Single sign-on: the issuer of the company's identity provider that signed the person in (`idp`). */
  idp?: string;
  /** When this JWT was issued (`iat`). */
  issuedAt: Date;
  /** When this JWT expires (`exp`); the session itself may live on: ask `GET /api/session` for a fresh JWT. */
  expiresAt: Date;
  /** The JWT's own id (`jti`), when it has one. */
  jti?: string;
}

/** How to verify: the issuer and audience are required, everything else has a default. */
export interface VerifySessionOptions {
  /** The API's `PUBLIC_URL`, e.g. `https://auth.example.com`: the token's `iss` must equal it. */
  issuer: string;
  /** The API's `JWT_AUDIENCE` (default `login-flow`): the token's `aud` must name it (or one of them). */
  audience: string | string[];
  /** Where the public keys are; default `<issuer>/.well-known/jwks.json`. */
  jwksUrl?: string | URL;
  /** Seconds of clock skew allowed on `exp`; default 30. */
  clockTolerance?: number;
  /**
   * The time to verify at; default now, asked at each verification. A function
   * is asked at each verification too; a `Date` stays that instant for the
   * verifier's whole life (tests, replaying logs), so never pass `new Date()`
   * to a verifier that lives longer than one call.
   */
  currentDate?: Date | (() => Date);
  /** Milliseconds one fetch of the key set may take; default 5000. */
  jwksTimeout?: number;
  /** Milliseconds after a fetch before an unknown `kid` may cause another; default 30000. */
  jwksCooldown?: number;
  /** Milliseconds a fetched key set is used before it is read again; default 600000. */
  jwksMaxAge?: number;
}

/** Verifies one session JWT; made by `createVerifier`. Rejects with `SessionVerificationError` only. */
export type SessionVerifier = (jwt: string) => Promise<VerifiedSession>;

type RemoteKeySet = ReturnType<typeof createRemoteJWKSet>;

/** Host names of this machine, where a key set may come over plain HTTP (development, tests). */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The key sets fetched so far, one per JWKS URL and fetch settings, for the
 * life of the process: `verifySession` can be called per request and fetches
 * a set once, not per call. A host talks to one or two issuers, so the map
 * stays that small.
 */
const keySets = new Map<string, RemoteKeySet>();

function keySetFor(url: URL, { timeout, cooldown, maxAge }: { timeout: number; cooldown: number; maxAge: number }): RemoteKeySet {
  const key = `${url.href} ${timeout} ${cooldown} ${maxAge}`;
  let set = keySets.get(key);
  if (!set) {
    set = createRemoteJWKSet(url, { timeoutDuration: timeout, cooldownDuration: cooldown, cacheMaxAge: maxAge });
    keySets.set(key, set);
  }
  return set;
}

/**
 * Makes a verifier for one issuer. The options are checked here, once, and a
 * mistake throws a `TypeError` at start-up rather than a refusal per request.
 * Verifiers for the same JWKS URL share one cached key set.
 */
export function createVerifier(options: VerifySessionOptions): SessionVerifier {
  const {
    issuer,
    audience,
    jwksUrl,
    clockTolerance = DEFAULT_CLOCK_TOLERANCE_SECONDS,
    currentDate,
    jwksTimeout = DEFAULT_JWKS_TIMEOUT_MS,
    jwksCooldown = DEFAULT_JWKS_COOLDOWN_MS,
    jwksMaxAge = DEFAULT_JWKS_MAX_AGE_MS,
  } = options;
  // Without an issuer and an audience any token from any deployment of any product on the same keys would pass.
  if (typeof issuer !== 'string' || issuer === '') throw new TypeError('verifySession: `issuer` is required (the API\'s PUBLIC_URL)');
  const audiences = typeof audience === 'string' ? [audience] : audience;
  if (!Array.isArray(audiences) || audiences.length === 0 || !audiences.every((a) => typeof a === 'string' && a !== '')) {
    throw new TypeError('verifySession: `audience` is required (the API\'s JWT_AUDIENCE, default "login-flow")');
  }
  if (!Number.isFinite(clockTolerance) || clockTolerance < 0) throw new TypeError(`verifySession: \`clockTolerance\` must be a number of seconds >= 0, got ${String(clockTolerance)}`);
  const url = jwksLocation(issuer, jwksUrl);
  // RFC 7515 §4.1.2 (for `jku`): a key set must be fetched with integrity protection, over TLS. Plain HTTP only on this machine.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    throw new TypeError(`verifySession: the key set must come over https (or http on loopback), got ${url.href}`);
  }
  const keySet = keySetFor(url, { timeout: jwksTimeout, cooldown: jwksCooldown, maxAge: jwksMaxAge });
  const getKey: JWTVerifyGetKey = async (header, token) => {
    try {
      return await keySet(header, token);
    } catch (error) {
      // jose refetches once for an unknown kid (outside the cooldown) before it gives up.
      if (error instanceof errors.JWKSNoMatchingKey) throw new SessionVerificationError('unknown_key', `no ES256 key with kid ${JSON.stringify(header.kid)} in ${url.href}`, { cause: error });
      if (error instanceof errors.JWKSMultipleMatchingKeys) throw new SessionVerificationError('invalid', `more than one key with kid ${JSON.stringify(header.kid)} in ${url.href}`, { cause: error });
      throw new SessionVerificationError('jwks_unavailable', `could not read the key set at ${url.href}: ${describe(error)}`, { cause: error });
    }
  };
  const verifyOptions = {
    algorithms: ALGORITHMS,
    issuer,
    audience: audiences,
    clockTolerance,
    // A token without exp would never expire; the API always sets both.
    requiredClaims: ['exp', 'iat'],
  };

  return async function verifySessionJwt(jwt: string): Promise<VerifiedSession> {
    if (typeof jwt !== 'string' || jwt === '') throw new SessionVerificationError('invalid', 'no token');
    let payload: JWTPayload;
    try {
      const at = typeof currentDate === 'function' ? currentDate() : currentDate;
      ({ payload } = await jwtVerify(jwt, getKey, at ? { ...verifyOptions, currentDate: at } : verifyOptions));
    } catch (error) {
      throw toVerificationError(error, { issuer, audiences });
    }
    return sessionOf(payload);
  };
}

/**
 * Verifies a session JWT and returns its claims; rejects with a
 * `SessionVerificationError` otherwise. Safe to call per request: the key set
 * is fetched once per JWKS URL and kept (see `createVerifier`).
 *
 * @example
 * const session = await verifySession(jwt, { issuer: 'https://auth.example.com', audience: 'login-flow' });
 */
export function verifySession(jwt: string, options: VerifySessionOptions): Promise<VerifiedSession> {
  return createVerifier(options)(jwt);
}

function jwksLocation(issuer: string, jwksUrl: string | URL | undefined): URL {
  try {
    return new URL(jwksUrl ?? '/.well-known/jwks.json', jwksUrl === undefined ? issuer : undefined);
  } catch {
    throw new TypeError(`verifySession: ${jwksUrl === undefined ? `\`issuer\` must be a URL to find the keys at, got ${JSON.stringify(issuer)}; or pass \`jwksUrl\`` : `\`jwksUrl\` is not a URL: ${JSON.stringify(String(jwksUrl))}`}`);
  }
}

/** jose's errors, as the codes a host branches on. */
function toVerificationError(error: unknown, { issuer, audiences }: { issuer: string; audiences: string[] }): SessionVerificationError {
  if (error instanceof SessionVerificationError) return error;
  if (error instanceof errors.JWTExpired) return new SessionVerificationError('expired', `expired at ${new Date(Number(error.payload.exp) * 1000).toISOString()}`, { cause: error });
  if (error instanceof errors.JWTClaimValidationFailed && error.reason === 'check_failed') {
    if (error.claim === 'iss') return new SessionVerificationError('wrong_issuer', `iss is ${JSON.stringify(error.payload.iss)}, expected ${JSON.stringify(issuer)}`, { cause: error });
    if (error.claim === 'aud') return new SessionVerificationError('wrong_audience', `aud is ${JSON.stringify(error.payload.aud)}, expected ${JSON.stringify(audiences)}`, { cause: error });
  }
  // Anything else jose refuses (format, signature, algorithm, a missing or mistyped registered claim) is the token's fault.
  return new SessionVerificationError('invalid', describe(error), { cause: error });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The API's claims, each checked: a token signed with the right key but
 * shaped wrong (a bug or a key used for something else) is refused rather
 * than handed to the host as something it is not.
 */
function sessionOf(payload: JWTPayload): VerifiedSession {
  const claims = payload as Record<string, unknown>;
  const text = (name: string): string => {
    const value = claims[name];
    if (typeof value !== 'string' || value === '') throw new SessionVerificationError('invalid', `claim ${name} is ${JSON.stringify(value)}, expected a non-empty string`);
    return value;
  };
  const optionalText = (name: string): string | undefined => (claims[name] === undefined ? undefined : text(name));
  const seconds = (name: string): Date => {
    const value = claims[name];
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new SessionVerificationError('invalid', `claim ${name} is ${JSON.stringify(value)}, expected seconds since the epoch`);
    return new Date(value * 1000);
  };
  const amr = claims.amr;
  if (!Array.isArray(amr) || !amr.every((method) => typeof method === 'string')) {
    throw new SessionVerificationError('invalid', `claim amr is ${JSON.stringify(amr)}, expected an array of strings`);
  }
  const session: VerifiedSession = {
    sub: text('sub'),
    sid: text('sid'),
    email: text('email'),
    amr: [...amr] as string[],
    authTime: seconds('auth_time'),
    issuedAt: seconds('iat'),
    expiresAt: seconds('exp'),
  };
  const org = optionalText('org');
  const idp = optionalText('idp');
  const jti = optionalText('jti');
  if (org !== undefined) session.org = org;
  if (idp !== undefined) session.idp = idp;
  if (jti !== undefined) session.jti = jti;
  return session;
}
