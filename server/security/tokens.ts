import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Config } from '../config.js';
import type { Db } from '../store/index.js';
import { randomToken } from './random.js';
import { seal, unseal } from './secrets.js';

/** RFC 7518 §3.4: ECDSA P-256 with SHA-256; small keys, small tokens, in every JOSE library. */
export const JWT_ALG = 'ES256';

/** How long the signing key set is cached per process before it is read again (rotation reaches every process within it). */
const KEY_CACHE_MS = 60_000;
/** How long past the cache time `sign` still uses the key set `ready()` read: far longer than any flow action, far shorter than a JWT's life. */
const SIGN_GRACE_MS = 1_000;
/**
 * A new key is published this long before it signs (the old one signs until
 * then): every API process reads the new set within KEY_CACHE_MS, and a
 * verifier that fetched the set just before the rotation may fetch again after
 * its cooldown (30 s in jose and login-flow/verify). So no verifier meets a
 * `kid` it cannot yet fetch. OpenID Connect Core 1.0 §10.1.1 has verifiers
 * refetch on an unfamiliar `kid`; publishing ahead makes that refetch find it.
 */
export const PUBLISH_AHEAD_MS = KEY_CACHE_MS + 60_000;

export interface SessionClaims {
  sub: string;
  sid: string;
  email: string;
  amr: string[];
  authTime: number;
  /** The company (organization id) the session works in, when it works in one. */
  org?: string | undefined;
  /** Single sign-on: the issuer of the provider that signed the person in. */
  idp?: string | undefined;
}

export interface SignedJwt {
  token: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

interface LoadedKeys {
  signer: { kid: string; key: KeyObject };
  published: JWK[];
  loadedAt: number;
}

/**
 * The ES256 keys that sign session JWTs, kept in the store so every process
 * signs with the same key and publishes the same set. The newest unretired key
 * signs; retired keys stay published for one JWT lifetime so tokens they
 * signed still verify.
 */
export class KeyRing {
  private loaded: LoadedKeys | undefined;
  private loading: Promise<LoadedKeys> | undefined;

  constructor(
    private readonly db: Db,
    private readonly config: Pick<Config, 'publicUrl' | 'jwtAudience' | 'jwtTtlSeconds'>,
    private readonly now: () => number,
    /** Seals the private keys at rest: a copy of the database must not be able to mint sessions. */
    private readonly secretKey: Buffer,
  ) {}

  /**
   * Signs a session JWT with the current key. A flow action signs inside its
   * transaction, after `ready()`: on SQLite a read of the key set from there
   * would wait on the store's one connection for that very transaction, so a
   * key set that went stale since `ready()` (by at most `SIGN_GRACE_MS`) still
   * signs, while a fresh one is read in the background.
   */
  async sign(claims: SessionClaims): Promise<SignedJwt> {
    const age = this.loaded ? this.now() - this.loaded.loadedAt : Infinity;
    if (age < KEY_CACHE_MS) return this.signWith(this.loaded!.signer, claims);
    if (age < KEY_CACHE_MS + SIGN_GRACE_MS) {
      void this.keys().catch(() => undefined);
      return this.signWith(this.loaded!.signer, claims);
    }
    return this.signWith((await this.keys()).signer, claims);
  }

  /** Reads the key set unless the cached one is current: called before a transaction in which `sign` runs. */
  async ready(): Promise<void> {
    await this.keys();
  }

  /**
   * A JWS in compact serialisation (RFC 7515 §7.1), signed on this thread with
   * node:crypto: ECDSA P-256 over SHA-256, the signature as R || S (RFC 7518
   * §3.4). Synchronous on purpose: WebCrypto would queue the signature on the
   * thread pool behind the password hashes, and a sign-in would wait for them
   * (a signature takes about 50 µs on the main thread here). Verifiers use
   * any JOSE library against the JWKS; the tests verify with jose.
   */
  private signWith(signer: LoadedKeys['signer'], claims: SessionClaims): SignedJwt {
    const issuedAt = Math.floor(this.now() / 1000);
    const expiresAt = issuedAt + this.config.jwtTtlSeconds;
    const header = { alg: JWT_ALG, kid: signer.kid, typ: 'JWT' };
    const payload = {
      iss: this.config.publicUrl,
      aud: this.config.jwtAudience,
      sub: claims.sub,
      iat: issuedAt,
      exp: expiresAt,
      jti: randomToken(12),
      sid: claims.sid,
      email: claims.email,
      amr: claims.amr,
      auth_time: claims.authTime,
      ...(claims.org ? { org: claims.org } : {}),
      ...(claims.idp ? { idp: claims.idp } : {}),
    };
    const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
    const signature = sign('sha256', Buffer.from(input), { key: signer.key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    return { token: `${input}.${signature}`, expiresAt: expiresAt * 1000 };
  }

  /** The public keys for `/.well-known/jwks.json`. */
  async jwks(): Promise<{ keys: JWK[] }> {
    return { keys: (await this.keys()).published };
  }

  /**
   * Adds a new signing key, published at once and signing from
   * PUBLISH_AHEAD_MS on; the previous one signs until then, is retired then,
   * and stays published for a JWT lifetime after that, so tokens it signed
   * still verify. Returns the new key's id and when it starts signing.
   */
  async rotate(): Promise<{ kid: string; signsFrom: number }> {
    const now = this.now();
    const kid = await createKey(this.db, now, this.secretKey);
    await this.db
      .updateTable('signing_keys')
      .set({ retired_at: now + PUBLISH_AHEAD_MS })
      .where('kid', '!=', kid)
      .where('retired_at', 'is', null)
      .execute();
    this.loaded = undefined;
    return { kid, signsFrom: now + PUBLISH_AHEAD_MS };
  }

  private async keys(): Promise<LoadedKeys> {
    if (this.loaded && this.now() - this.loaded.loadedAt < KEY_CACHE_MS) return this.loaded;
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    this.loaded = await this.loading;
    return this.loaded;
  }

  private async load(): Promise<LoadedKeys> {
    const now = this.now();
    const visibleSince = now - this.config.jwtTtlSeconds * 1000 - KEY_CACHE_MS;
    let rows = await this.db.selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc').execute();
    if (!rows.some((r) => r.retired_at === null)) {
      await createKey(this.db, now, this.secretKey);
      rows = await this.db.selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc').execute();
    }
    // Of the keys not retired yet (newest first), the newest published for PUBLISH_AHEAD_MS signs. When
    // none is that old, the key a rotation is replacing signs on until its retirement (the soonest, after
    // several rotations); with no rotation under way, the one key there is (a key set's first).
    const live = rows.filter((r) => r.retired_at === null || Number(r.retired_at) > now);
    const replaced = live.filter((r) => r.retired_at !== null).sort((a, b) => Number(a.retired_at) - Number(b.retired_at));
    const current = live.find((r) => Number(r.created_at) <= now - PUBLISH_AHEAD_MS) ?? replaced[0] ?? live[0]!;
    const key = createPrivateKey({ key: JSON.parse(unseal(this.secretKey, current.private_jwk, `jwk:${current.kid}`)) as JWK & { kty: string }, format: 'jwk' });
    const published = rows
      .filter((r) => r.retired_at === null || Number(r.retired_at) > visibleSince)
      .map((r) => JSON.parse(r.public_jwk) as JWK);
    return { signer: { kid: current.kid, key }, published, loadedAt: now };
  }
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}

async function createKey(db: Db, now: number, secretKey: Buffer): Promise<string> {
  const { publicKey, privateKey } = await generateKeyPair(JWT_ALG, { extractable: true });
  const kid = randomToken(9);
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: JWT_ALG, use: 'sig' };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: JWT_ALG };
  await db
    .insertInto('signing_keys')
    .values({ kid, alg: JWT_ALG, private_jwk: seal(secretKey, JSON.stringify(privateJwk), `jwk:${kid}`), public_jwk: JSON.stringify(publicJwk), created_at: now, retired_at: null })
    .execute();
  return kid;
}
