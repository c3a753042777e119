import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify, createLocalJWKSet, SignJWT } from 'jose';
import { addMember } from '../../server/companies/members.js';
import { createOrganization } from '../../server/companies/registry.js';
import { PUBLISH_AHEAD_MS } from '../../server/security/tokens.js';
import { requireSession, type RequireSessionErrorBody, type SessionEnv } from '../../server/verify/hono.js';
import {
  createVerifier,
  SessionVerificationError,
  verifySession,
  type SessionVerificationErrorCode,
  type VerifySessionOptions,
} from '../../server/verify/index.js';
import { addUser, bodyOf, EMAIL, signInForGrant, startServer, type TestServer } from './helpers.js';

/*
 * The verifier host backends use (server/verify/), against the real API
 * listening on a loopback port: the tokens come from real sign-ins, the keys
 * from the real `/.well-known/jwks.json`. The API runs on the test clock (2031),
 * so every verification passes that time as `currentDate`.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Serves `fetch` on a free loopback port until the test ends; returns its origin. */
async function listen(t: TestContext, fetch: (request: Request, env: unknown) => unknown): Promise<string> {
  const server = await new Promise<Server>((done) => {
    const s = serve({ fetch, port: 0, hostname: '127.0.0.1' }, () => done(s as Server));
  });
  t.after(() => new Promise<void>((done) => {
    server.closeAllConnections();
    server.close(() => done());
  }));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

interface Issuer {
  server: TestServer;
  /** The API's origin: `PUBLIC_URL`, the tokens' `iss`. */
  url: string;
  /** How many times the key set has been fetched over HTTP. */
  jwksFetches(): number;
  /** Verifier options for this API at its clock's time. */
  options(extra?: Partial<VerifySessionOptions>): VerifySessionOptions;
}

/** The real API on a loopback port, `PUBLIC_URL` set to it, counting the fetches of its key set. */
async function startIssuer(t: TestContext): Promise<Issuer> {
  let app: TestServer['app'] | undefined;
  let fetches = 0;
  const url = await listen(t, (request, env) => {
    if (new URL(request.url).pathname === '/.well-known/jwks.json') fetches += 1;
    return app!.fetch(request, env);
  });
  const server = await startServer(t, { SESSION_COOKIE: 'false', PUBLIC_URL: url });
  app = server.app;
  return {
    server,
    url,
    jwksFetches: () => fetches,
    options: (extra = {}) => ({ issuer: url, audience: server.config.jwtAudience, currentDate: new Date(server.clock.now), ...extra }),
  };
}

/** A person signs in (email, password); returns the session JWT and when it expires. */
async function signedIn(issuer: Issuer): Promise<{ jwt: string; expiresAt: number }> {
  const grant = await signInForGrant(issuer.server);
  return { jwt: grant.jwt, expiresAt: grant.jwtExpiresAt };
}

async function assertRefused(verification: Promise<unknown>, code: SessionVerificationErrorCode): Promise<void> {
  await assert.rejects(verification, (error: unknown) => {
    assert.ok(error instanceof SessionVerificationError, `expected a SessionVerificationError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return true;
  });
}

const kidOf = (jwt: string) => decodeProtectedHeader(jwt).kid;

function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('verifySession: a real sign-in', () => {
  it('verifies the JWT of a sign-in and returns its claims, typed', async (t) => {
    const issuer = await startIssuer(t);
    const alice = await addUser(issuer.server);
    const grant = await signInForGrant(issuer.server);
    const live = await bodyOf<{ session: { id: string } }>(await issuer.server.request('/api/session', { headers: { authorization: `Bearer ${grant.token}` } }));

    // No jwksUrl: the keys are found at <issuer>/.well-known/jwks.json.
    const session = await verifySession(grant.jwt, issuer.options());
    assert.equal(session.sub, alice.id);
    assert.equal(session.sid, live.session.id);
    assert.equal(session.email, EMAIL);
    assert.deepEqual(session.amr, ['pwd']);
    assert.deepEqual(session.authTime, new Date(issuer.server.clock.now));
    assert.deepEqual(session.expiresAt, new Date(grant.jwtExpiresAt));
    assert.deepEqual(session.issuedAt, new Date(issuer.server.clock.now));
    assert.equal(session.org, undefined);
    assert.equal(session.idp, undefined);
    assert.equal(issuer.jwksFetches(), 1);
  });

  it('names the company after a sign-in into a company account (org)', async (t) => {
    const issuer = await startIssuer(t);
    await addUser(issuer.server);
    const company = await createOrganization(issuer.server.context, { name: 'Acme', actor: 'cli' });
    await addMember(issuer.server.context, { organization: company.id, email: EMAIL, actor: 'cli' });
    const { jwt } = await signedIn(issuer);
    assert.equal((await verifySession(jwt, issuer.options())).org, company.id);
  });
});

describe('verifySession: refusals', () => {
  it('refuses a token for another audience (wrong_audience)', async (t) => {
    const issuer = await startIssuer(t);
    await addUser(issuer.server);
    const { jwt } = await signedIn(issuer);
    await assertRefused(verifySession(jwt, issuer.options({ audience: 'another-product' })), 'wrong_audience');
  });

  it('refuses a token from another issuer (wrong_issuer), even one signed by keys it reads', async (t) => {
    const issuer = await startIssuer(t);
    await addUser(issuer.server);
    const { jwt } = await signedIn(issuer);
    const options = issuer.options({ issuer: 'https://auth.other.example', jwksUrl: `${issuer.url}/.well-known/jwks.json` });
    await assertRefused(verifySession(jwt, options), 'wrong_issuer');
  });

  it('refuses a payload changed after signing (invalid)', async (t) => {
    const issuer = await startIssuer(t);
    await addUser(issuer.server);
    const { jwt } = await signedIn(issuer);
    const [header, payload, signature] = jwt.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${header}.${base64urlJson({ ...claims, email: 'mallory@example.com' })}.${signature}`;
    await assertRefused(verifySession(tampered, issuer.options()), 'invalid');
  });

  it('refuses a token signed by another key under the published kid (invalid)', async (t) => {
    const issuer = await startIssuer(t);
    await addUser(issuer.server);
    const { jwt } = await signedIn(issuer);
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT(decodeJwt(jwt)).setProtectedHeader({ alg: 'ES256', kid: kidOf(jwt)!, typ: 'JWT' }).sign(privateKey);
    await assertRefused(verifySession(forged, issuer.options()), 'invalid');
  });

  it('refuses an unsigned token (alg: none) before it fetches any key', async (t) => {
    const issuer = await startIssuer(t);
    await addUser(issuer.server);
    const { jwt } = await signedIn(issuer);
    const unsigned = `${base64urlJson({ alg: 'none', typ: 'JWT', kid: kidOf(jwt) })}.${jwt.split('.')[1]}.`;
    await assertRefused(verifySession(unsigned, issuer.options()), 'invalid');
    assert.equal(issuer.jwksFetches(), 0);
  });

  it('pins ES256 (RFC 8725 §3.1): an RS256 token whose key the JWKS publishes is refused', async (t) => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    // No `alg` on the key: nothing but the verifier's own list stands between this key and RS256.
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'rsa-1', use: 'sig' }] };
    const url = await listen(t, () => Response.json(jwks));
    const now = new Date();
    const token = await new SignJWT({ sid: 's', email: EMAIL, amr: ['pwd'], auth_time: Math.floor(now.getTime() / 1000) })
      .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' })
      .setIssuer(url)
      .setAudience('login-flow')
      .setSubject('u')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    // A check on the check: without the pin, jose accepts it.
    await jwtVerify(token, createLocalJWKSet(jwks), { issuer: url, audience: 'login-flow' });
    await assertRefused(verifySession(token, { issuer: url, audience: 'login-flow' }), 'invalid');
  });

  it('refuses a token past its expiry by more than the clock tolerance (expired)', async (t) => {
    const issuer = await startIssuer(t);
    await addUser(issuer.server);
    const { jwt, expiresAt } = await signedIn(issuer);
    await assertRefused(verifySession(jwt, issuer.options({ currentDate: new Date(expiresAt + 31_000) })), 'expired');
    await assertRefused(verifySession(jwt, issuer.options({ currentDate: new Date(expiresAt + 1_000), clockTolerance: 0 })), 'expired');
  });

  it('accepts a token past its expiry by less than the default 30 s tolerance', async (t) => {
    const issuer = await startIssuer(t);
    await addUser(issuer.server);
    const { jwt, expiresAt } = await signedIn(issuer);
    const session = await verifySession(jwt, issuer.options({ currentDate: new Date(expiresAt + 29_000) }));
    assert.deepEqual(session.expiresAt, new Date(expiresAt));
  });

  it('asks a currentDate function at each verification: one verifier accepts a token, then refuses it once it has expired', async (t) => {
    const issuer = await startIssuer(t);
    await addUser(issuer.server);
    const { jwt, expiresAt } = await signedIn(issuer);
    let now = expiresAt - 60_000;
    const verify = createVerifier(issuer.options({ currentDate: () => new Date(now) }));
    assert.equal((await verify(jwt)).email, EMAIL);
    now = expiresAt + 31_000;
    await assertRefused(verify(jwt), 'expired');
  });

  it('refuses a validly signed token whose claims have the wrong shape (invalid)', async (t) => {
    const issuer = await startIssuer(t);
    const keys = issuer.server.context.keys;
    const good = { sub: 'user-1', sid: 'session-1', email: EMAIL, amr: ['pwd'], authTime: Math.floor(issuer.server.clock.now / 1000) };
    // A check on the check: the same signer with good claims verifies.
    assert.equal((await verifySession((await keys.sign(good)).token, issuer.options())).sid, 'session-1');
    const malformed: Record<string, unknown>[] = [
      { amr: 'pwd' },
      { amr: ['pwd', 7] },
      { email: 42 },
      { sid: undefined },
      { sub: '' },
      { authTime: 'yesterday' },
      { org: 12 },
    ];
    for (const change of malformed) {
      const { token } = await keys.sign({ ...good, ...change } as unknown as typeof good);
      await assertRefused(verifySession(token, issuer.options()), 'invalid');
    }
  });

  it('refuses a token naming a key the issuer does not publish (unknown_key)', async (t) => {
    const issuer = await startIssuer(t);
    await addUser(issuer.server);
    const { jwt } = await signedIn(issuer);
    const { privateKey } = await generateKeyPair('ES256');
    const foreign = await new SignJWT(decodeJwt(jwt)).setProtectedHeader({ alg: 'ES256', kid: 'not-ours' }).sign(privateKey);
    await assertRefused(verifySession(foreign, issuer.options({ jwksCooldown: 0 })), 'unknown_key');
  });

  it('refuses with jwks_unavailable when the key set cannot be read, and fetches again at the next token', async (t) => {
    const issuer = await startIssuer(t);
    await addUser(issuer.server);
    const { jwt } = await signedIn(issuer);
    const closed = await new Promise<string>((done) => {
      const s = serve({ fetch: () => new Response(), port: 0, hostname: '127.0.0.1' }, () => {
        const { port } = s.address() as AddressInfo;
        s.close(() => done(`http://127.0.0.1:${port}`));
      });
    });
    const silent = await listen(t, () => new Promise(() => undefined));
    const notFound = await listen(t, () => new Response('no', { status: 404 }));
    const notJson = await listen(t, () => new Response('<html>', { headers: { 'content-type': 'text/html' } }));
    const notKeys = await listen(t, () => Response.json({ keys: 'none' }));
    for (const base of [closed, silent, notFound, notJson, notKeys]) {
      const options = issuer.options({ jwksUrl: `${base}/.well-known/jwks.json`, jwksTimeout: 200 });
      await assertRefused(verifySession(jwt, options), 'jwks_unavailable');
    }

    // A failed fetch is not kept: once the keys can be read, the same verifier verifies.
    let up = false;
    const flaky = await listen(t, async (request) => (up ? fetch(`${issuer.url}${new URL(request.url).pathname}`) : new Response('down', { status: 503 })));
    const verify = createVerifier(issuer.options({ jwksUrl: `${flaky}/.well-known/jwks.json` }));
    await assertRefused(verify(jwt), 'jwks_unavailable');
    up = true;
    assert.equal((await verify(jwt)).email, EMAIL);
  });

  it('checks its options once, at start-up', () => {
    assert.throws(() => createVerifier({ issuer: '', audience: 'login-flow' }), TypeError);
    assert.throws(() => createVerifier({ issuer: 'https://auth.example.com', audience: [] }), TypeError);
    assert.throws(() => createVerifier({ issuer: 'not a url', audience: 'login-flow' }), TypeError);
    assert.throws(() => createVerifier({ issuer: 'https://auth.example.com', audience: 'login-flow', clockTolerance: -1 }), TypeError);
    assert.throws(() => requireSession({ issuer: 'https://auth.example.com', audience: '' }), TypeError);
    // Keys over plain HTTP only from this machine (RFC 7515 §4.1.2): anywhere else an attacker on the path could serve their own.
    assert.throws(() => createVerifier({ issuer: 'http://auth.example.com', audience: 'login-flow' }), /must come over https/);
    assert.throws(() => createVerifier({ issuer: 'https://auth.example.com', audience: 'login-flow', jwksUrl: 'http://keys.example.com/jwks.json' }), /must come over https/);
    assert.throws(() => createVerifier({ issuer: 'https://auth.example.com', audience: 'login-flow', jwksUrl: 'file:///etc/passwd' }), /must come over https/);
    for (const issuer of ['http://localhost:3000', 'http://127.0.0.1:3000', 'http://[::1]:3000']) createVerifier({ issuer, audience: 'login-flow' });
  });
});

describe('verifySession: the key set and key rotation', () => {
  it('fetches the key set once, however many calls; after a rotation one refetch finds the new key and the old one still verifies', async (t) => {
    const issuer = await startIssuer(t);
    await addUser(issuer.server);
    const before = await signedIn(issuer);
    // The cooldown runs on the real clock, which this test does not wait for.
    const options = () => issuer.options({ jwksCooldown: 0 });
    for (let i = 0; i < 3; i += 1) await verifySession(before.jwt, options());
    assert.equal(issuer.jwksFetches(), 1, 'one fetch for three calls');

    const { kid } = await issuer.server.context.keys.rotate();
    // The new key signs once it has been published for PUBLISH_AHEAD_MS.
    issuer.server.clock.advance(PUBLISH_AHEAD_MS);
    const after = await signedIn(issuer);
    assert.equal(kidOf(after.jwt), kid);
    assert.notEqual(kidOf(before.jwt), kid);

    assert.equal((await verifySession(after.jwt, options())).email, EMAIL);
    assert.equal(issuer.jwksFetches(), 2, 'the unknown kid fetched the key set again, once');
    assert.equal((await verifySession(before.jwt, options())).email, EMAIL, 'the retired key is still published');
    await verifySession(after.jwt, options());
    assert.equal(issuer.jwksFetches(), 2, 'no fetch per call');
  });

  it('within the cooldown after a fetch, a token with an unknown kid causes no fetch (unknown_key)', async (t) => {
    const issuer = await startIssuer(t);
    await addUser(issuer.server);
    const verify = createVerifier(issuer.options());
    await verify((await signedIn(issuer)).jwt);
    await issuer.server.context.keys.rotate();
    issuer.server.clock.advance(PUBLISH_AHEAD_MS);
    const after = await signedIn(issuer);
    await assertRefused(verify(after.jwt), 'unknown_key');
    await assertRefused(verify(after.jwt), 'unknown_key');
    assert.equal(issuer.jwksFetches(), 1);
  });
});

describe('requireSession (Hono middleware)', () => {
  function hostApp(options: Parameters<typeof requireSession>[0]) {
    const host = new Hono<SessionEnv>();
    host.get('/api/me', requireSession(options), (c) => {
      const session = c.get('session');
      return c.json({ sub: session.sub, email: session.email, authTime: session.authTime.toISOString() });
    });
    return host;
  }

  it('lets a request with a valid bearer JWT through and sets the claims on the context', async (t) => {
    const issuer = await startIssuer(t);
    const alice = await addUser(issuer.server);
    const { jwt } = await signedIn(issuer);
    const response = await hostApp(issuer.options()).request('/api/me', { headers: { Authorization: `Bearer ${jwt}` } });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { sub: alice.id, email: EMAIL, authTime: new Date(issuer.server.clock.now).toISOString() });
  });

  it('answers 401 unauthenticated with a bare Bearer challenge when no bearer token is sent (RFC 6750 §3.1)', async (t) => {
    const issuer = await startIssuer(t);
    const host = hostApp({ ...issuer.options(), realm: 'example "api"' });
    const attempts: Record<string, string>[] = [{}, { Authorization: 'Basic YWxpY2U6c2VjcmV0' }, { Authorization: 'Bearer' }];
    for (const headers of attempts) {
      const response = await host.request('/api/me', { headers });
      assert.equal(response.status, 401);
      assert.equal(response.headers.get('WWW-Authenticate'), 'Bearer realm="example \\"api\\""');
      assert.deepEqual(await bodyOf<RequireSessionErrorBody>(response), { error: { code: 'unauthenticated' } });
    }
  });

  it('answers 401 with error="invalid_token" for a token that does not verify', async (t) => {
    const issuer = await startIssuer(t);
    await addUser(issuer.server);
    const { jwt, expiresAt } = await signedIn(issuer);
    const cases: [string, string, string][] = [
      ['garbage', 'not-a-jwt', 'invalid'],
      ['tampered', `${jwt.slice(0, -4)}AAAA`, 'invalid'],
      ['expired', jwt, 'expired'],
    ];
    const host = hostApp(issuer.options({ currentDate: new Date(expiresAt + 60_000) }));
    for (const [name, token, reason] of cases) {
      const response = await host.request('/api/me', { headers: { Authorization: `bearer ${token}` } });
      assert.equal(response.status, 401, name);
      assert.equal(response.headers.get('WWW-Authenticate'), `Bearer error="invalid_token", error_description="${reason}"`, name);
      assert.deepEqual(await bodyOf<RequireSessionErrorBody>(response), { error: { code: 'unauthenticated' } }, name);
    }
  });

  it('answers 503 when the key set cannot be read: the token may be fine, the person need not sign in again', async (t) => {
    const issuer = await startIssuer(t);
    await addUser(issuer.server);
    const { jwt } = await signedIn(issuer);
    const down = await listen(t, () => new Response('down', { status: 503 }));
    const response = await hostApp(issuer.options({ jwksUrl: `${down}/.well-known/jwks.json` })).request('/api/me', { headers: { Authorization: `Bearer ${jwt}` } });
    assert.equal(response.status, 503);
    assert.equal(response.headers.get('WWW-Authenticate'), null);
    assert.deepEqual(await bodyOf<RequireSessionErrorBody>(response), { error: { code: 'session_check_unavailable' } });
  });
});

describe('server/verify/ as a package of its own (login-flow/verify)', () => {
  const DIR = join(ROOT, 'server/verify');
  const FILES = readdirSync(DIR).filter((file) => file.endsWith('.ts'));

  it('imports only jose, hono (types and hono/factory) and its own files', () => {
    const allowed = new Set(['jose', 'hono', 'hono/factory', './index.js', './hono.js']);
    const found = FILES.flatMap((file) => {
      const source = readFileSync(join(DIR, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
      const specifiers = [...source.matchAll(/\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1] ?? m[2]!);
      return specifiers.map((specifier) => `${file}: ${specifier}`);
    });
    assert.ok(found.includes('hono.ts: hono/factory'), 'a check on the check: the imports are read');
    assert.deepEqual(found.filter((entry) => !allowed.has(entry.split(': ')[1]!)), []);
  });

  it('documents every export', () => {
    const exports = FILES.flatMap((file) => {
      const lines = readFileSync(join(DIR, file), 'utf8').split('\n');
      return lines.flatMap((line, i) => (line.startsWith('export ') ? [{ at: `${file}:${i + 1}: ${line}`, documented: lines[i - 1]!.trimEnd().endsWith('*/') }] : []));
    });
    assert.ok(exports.length >= 10, 'a check on the check: the exports are found');
    assert.deepEqual(exports.filter((e) => !e.documented).map((e) => e.at), []);
  });

  it('compiles on its own with plain tsc for Node (no DOM types, strictest options)', async () => {
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const args = ['--noEmit', '--strict', '--noUncheckedIndexedAccess', '--exactOptionalPropertyTypes', '--target', 'ES2022', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--lib', 'ES2023', '--types', 'node', ...FILES.map((file) => join(DIR, file))];
    await promisify(execFile)(process.execPath, [tsc, ...args], { cwd: ROOT });
  });
});
