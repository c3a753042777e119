import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { KeyRing, PUBLISH_AHEAD_MS } from '../../../server/security/tokens.js';
import {
  MINUTE,
  SESSION_COOKIE_NAME,
  addUser,
  assertError,
  bodyOf,
  setCookieFor,
  sessionCookieToken,
  signIn,
  signInForGrant,
  startServer,
  type TestServer,
} from '../helpers.js';

interface SessionBody {
  user: { id: string; email: string; name: string };
  session: { id: string; amr: string[]; createdAt: number; expiresAt: number; idleExpiresAt: number };
  jwt: { token: string; expiresAt: number };
}

/** Signs in with SESSION_COOKIE=false semantics and returns the opaque token. */
async function tokenFor(server: TestServer): Promise<string> {
  await addUser(server);
  const grant = await signInForGrant(server);
  assert.ok(grant.token, 'the server must run with SESSION_COOKIE=false');
  return grant.token;
}

function getSession(server: TestServer, token: string): Promise<Response> {
  return server.request('/api/session', { headers: { authorization: `Bearer ${token}` } });
}

function deleteSession(server: TestServer, token: string): Promise<Response> {
  return server.request('/api/session', { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
}

async function jwks(server: TestServer): Promise<JSONWebKeySet> {
  return bodyOf<JSONWebKeySet>(await server.request('/.well-known/jwks.json'));
}

async function verifyWith(server: TestServer, keys: JSONWebKeySet, jwt: string) {
  return jwtVerify(jwt, createLocalJWKSet(keys), {
    issuer: server.config.publicUrl,
    audience: server.config.jwtAudience,
    algorithms: ['ES256'],
    currentDate: new Date(server.clock.now),
  });
}

describe('session: lookup', () => {
  it('describes the session for a bearer token', async (t) => {
    const server = await startServer(t, { SESSION_COOKIE: 'false' });
    const token = await tokenFor(server);
    const response = await getSession(server, token);
    assert.equal(response.status, 200);
    const body = await bodyOf<SessionBody>(response);
    assert.equal(body.user.email, 'alice@example.com');
    assert.deepEqual(body.session.amr, ['pwd']);
    const { payload } = await verifyWith(server, await jwks(server), body.jwt.token);
    assert.equal(payload.sid, body.session.id);
    assert.equal(payload.sub, body.user.id);
  });

  it('describes the session for the session cookie', async (t) => {
    const server = await startServer(t);
    await addUser(server);
    const token = sessionCookieToken(await signIn(server));
    const response = await server.request('/api/session', { headers: { cookie: `${SESSION_COOKIE_NAME}=${token}` } });
    assert.equal(response.status, 200);
    assert.equal((await bodyOf<SessionBody>(response)).user.email, 'alice@example.com');
  });

  it('does not accept the token under a cookie name without the __Host- prefix', async (t) => {
    const server = await startServer(t);
    await addUser(server);
    const token = sessionCookieToken(await signIn(server));
    await assertError(await server.request('/api/session', { headers: { cookie: `lf_session=${token}` } }), 'unauthenticated');
  });

  it('answers unauthenticated without a token', async (t) => {
    const server = await startServer(t);
    await assertError(await server.request('/api/session'), 'unauthenticated');
  });

  it('answers unauthenticated for an unknown token', async (t) => {
    const server = await startServer(t);
    await assertError(await getSession(server, 'A'.repeat(43)), 'unauthenticated');
  });

  it('answers unauthenticated once the user is disabled', async (t) => {
    const server = await startServer(t, { SESSION_COOKIE: 'false' });
    const token = await tokenFor(server);
    await server.db.updateTable('users').set({ status: 'disabled' }).execute();
    await assertError(await getSession(server, token), 'unauthenticated');
  });
});

describe('session: timeouts', () => {
  it('ends a session left idle longer than SESSION_IDLE_MINUTES', async (t) => {
    const server = await startServer(t, { SESSION_COOKIE: 'false', SESSION_IDLE_MINUTES: '10' });
    const token = await tokenFor(server);
    server.clock.advance(10 * MINUTE + 1);
    await assertError(await getSession(server, token), 'unauthenticated');
  });

  it('keeps a session that is used within the idle window', async (t) => {
    const server = await startServer(t, { SESSION_COOKIE: 'false', SESSION_IDLE_MINUTES: '10' });
    const token = await tokenFor(server);
    server.clock.advance(9 * MINUTE);
    assert.equal((await getSession(server, token)).status, 200);
  });

  it('extends the idle window with each use', async (t) => {
    const server = await startServer(t, { SESSION_COOKIE: 'false', SESSION_IDLE_MINUTES: '10' });
    const token = await tokenFor(server);
    for (let i = 0; i < 4; i++) {
      server.clock.advance(8 * MINUTE);
      assert.equal((await getSession(server, token)).status, 200, `use ${i + 1}, ${8 * (i + 1)} minutes in`);
    }
    // 32 minutes after sign-in, 8 after the last use: alive. 10 more idle minutes end it.
    server.clock.advance(10 * MINUTE);
    await assertError(await getSession(server, token), 'unauthenticated');
  });

  it('keeps a session used every 20 seconds alive with SESSION_IDLE_MINUTES=1, and ends it 61 idle seconds later', async (t) => {
    const server = await startServer(t, { SESSION_COOKIE: 'false', SESSION_IDLE_MINUTES: '1' });
    const token = await tokenFor(server);
    for (let seconds = 20; seconds <= 5 * 60; seconds += 20) {
      server.clock.advance(20_000);
      assert.equal((await getSession(server, token)).status, 200, `${seconds} s in`);
    }
    server.clock.advance(61_000);
    await assertError(await getSession(server, token), 'unauthenticated');
  });

  it('never keeps a session past its idle limit after its last use, however often it was used before', async (t) => {
    const server = await startServer(t, { SESSION_COOKIE: 'false', SESSION_IDLE_MINUTES: '1' });
    const token = await tokenFor(server);
    for (let i = 0; i < 10; i++) {
      server.clock.advance(1_000);
      assert.equal((await getSession(server, token)).status, 200);
    }
    server.clock.advance(MINUTE);
    await assertError(await getSession(server, token), 'unauthenticated');
  });

  it('writes last use at most once a minute with the default 30 minutes, not on every request', async (t) => {
    const server = await startServer(t, { SESSION_COOKIE: 'false' });
    const token = await tokenFor(server);
    const signedIn = server.clock.now;
    const stored: number[] = [];
    for (let i = 0; i < 18; i++) {
      server.clock.advance(10_000);
      assert.equal((await getSession(server, token)).status, 200);
      const row = await server.db.selectFrom('sessions').select('last_seen_at').executeTakeFirstOrThrow();
      stored.push(Number(row.last_seen_at) - signedIn);
    }
    // Requests 10 s apart for 3 minutes: written at 60, 120 and 180 s, nowhere else.
    assert.deepEqual(stored, [0, 0, 0, 0, 0, 60_000, 60_000, 60_000, 60_000, 60_000, 60_000, 120_000, 120_000, 120_000, 120_000, 120_000, 120_000, 180_000]);
  });

  it('reports the extended idle end', async (t) => {
    const server = await startServer(t, { SESSION_COOKIE: 'false', SESSION_IDLE_MINUTES: '10' });
    const token = await tokenFor(server);
    server.clock.advance(5 * MINUTE);
    const body = await bodyOf<SessionBody>(await getSession(server, token));
    assert.equal(body.session.idleExpiresAt, server.clock.now + 10 * MINUTE);
  });

  it('ends a session at SESSION_ABSOLUTE_HOURS however active it is', async (t) => {
    const server = await startServer(t, { SESSION_COOKIE: 'false', SESSION_IDLE_MINUTES: '30', SESSION_ABSOLUTE_HOURS: '1' });
    const token = await tokenFor(server);
    for (let minutes = 20; minutes < 60; minutes += 20) {
      server.clock.advance(20 * MINUTE);
      assert.equal((await getSession(server, token)).status, 200, `${minutes} minutes in`);
    }
    server.clock.advance(20 * MINUTE); // 60 minutes in: the absolute end
    await assertError(await getSession(server, token), 'unauthenticated');
  });
});

describe('session: sign-out', () => {
  it('revokes the session server-side: the same token then answers unauthenticated', async (t) => {
    const server = await startServer(t, { SESSION_COOKIE: 'false' });
    const token = await tokenFor(server);
    assert.equal((await deleteSession(server, token)).status, 204);
    await assertError(await getSession(server, token), 'unauthenticated');
    const row = await server.db.selectFrom('sessions').select('revoked_at').executeTakeFirstOrThrow();
    assert.equal(Number(row.revoked_at), server.clock.now);
  });

  it('answers 204 again for an already ended session', async (t) => {
    const server = await startServer(t, { SESSION_COOKIE: 'false' });
    const token = await tokenFor(server);
    assert.equal((await deleteSession(server, token)).status, 204);
    assert.equal((await deleteSession(server, token)).status, 204);
  });

  it('answers 204 without any session', async (t) => {
    const server = await startServer(t);
    assert.equal((await server.request('/api/session', { method: 'DELETE' })).status, 204);
  });

  it('revokes a cookie session and clears the cookie', async (t) => {
    const server = await startServer(t);
    await addUser(server);
    const token = sessionCookieToken(await signIn(server));
    const cookie = { cookie: `${SESSION_COOKIE_NAME}=${token}` };
    const response = await server.request('/api/session', { method: 'DELETE', headers: cookie });
    assert.equal(response.status, 204);
    assert.match(setCookieFor(response, SESSION_COOKIE_NAME) ?? '', /Max-Age=0/i);
    await assertError(await server.request('/api/session', { headers: cookie }), 'unauthenticated');
  });

  it('leaves the user’s other sessions alive', async (t) => {
    const server = await startServer(t, { SESSION_COOKIE: 'false' });
    await addUser(server);
    const first = (await signInForGrant(server)).token!;
    const second = (await signInForGrant(server)).token!;
    await deleteSession(server, first);
    assert.equal((await getSession(server, second)).status, 200);
  });
});

describe('session: signing key rotation', () => {
  it('publishes both keys after a rotation', async (t) => {
    const server = await startServer(t, { SESSION_COOKIE: 'false' });
    await tokenFor(server);
    const before = await jwks(server);
    assert.equal(before.keys.length, 1);
    const { kid } = await new KeyRing(server.db, server.config, () => server.clock.now, server.context.secretKey).rotate();
    const stored = await server.db.selectFrom('signing_keys').select('private_jwk').where('kid', '=', kid).executeTakeFirstOrThrow();
    assert.doesNotMatch(stored.private_jwk, /"d"/, 'the private key is sealed at rest');
    server.clock.advance(61_000); // past the key cache
    const after = await jwks(server);
    assert.deepEqual(after.keys.map((k) => k.kid).sort(), [before.keys[0]!.kid, kid].sort());
  });

  it('still verifies a JWT signed before the rotation', async (t) => {
    const server = await startServer(t, { SESSION_COOKIE: 'false' });
    await addUser(server);
    const { jwt } = await signInForGrant(server);
    await new KeyRing(server.db, server.config, () => server.clock.now, server.context.secretKey).rotate();
    server.clock.advance(61_000);
    await verifyWith(server, await jwks(server), jwt);
  });

  it('publishes the new key first and signs with it only once every process and verifier can have it', async (t) => {
    const server = await startServer(t, { SESSION_COOKIE: 'false' });
    const token = await tokenFor(server);
    const old = decodeProtectedHeader((await bodyOf<SessionBody>(await getSession(server, token))).jwt.token).kid;
    const { kid, signsFrom } = await new KeyRing(server.db, server.config, () => server.clock.now, server.context.secretKey).rotate();
    assert.equal(signsFrom, server.clock.now + PUBLISH_AHEAD_MS);
    // Past every process's key cache: the new key is published, the old one still signs.
    server.clock.advance(61_000);
    assert.ok((await jwks(server)).keys.some((key) => key.kid === kid));
    assert.equal(decodeProtectedHeader((await bodyOf<SessionBody>(await getSession(server, token))).jwt.token).kid, old);
    // From signsFrom (and the key cache after it) the new key signs.
    server.clock.advance(PUBLISH_AHEAD_MS);
    const body = await bodyOf<SessionBody>(await getSession(server, token));
    assert.equal(decodeProtectedHeader(body.jwt.token).kid, kid);
    await verifyWith(server, await jwks(server), body.jwt.token);
  });

  it('withdraws the retired key once a JWT signed with it can no longer be valid', async (t) => {
    const server = await startServer(t, { SESSION_COOKIE: 'false', JWT_TTL_SECONDS: '60' });
    await tokenFor(server);
    const { kid } = await new KeyRing(server.db, server.config, () => server.clock.now, server.context.secretKey).rotate();
    // Until the old key retires, then a JWT lifetime plus the key cache, and a bit.
    server.clock.advance(PUBLISH_AHEAD_MS + 60_000 + 60_000 + 1_000);
    assert.deepEqual((await jwks(server)).keys.map((k) => k.kid), [kid]);
  });
});

describe('sessions of disabled accounts', () => {
  it('are refused by every session route at once', async (t) => {
    const server = await startServer(t, { SESSION_COOKIE: 'false' });
    await addUser(server);
    const grant = await signInForGrant(server);
    const headers = { authorization: `Bearer ${grant.token}` };
    assert.equal((await server.request('/api/devices', { headers })).status, 200);
    await server.db.updateTable('users').set({ status: 'disabled' }).execute();
    for (const path of ['/api/session', '/api/devices']) {
      const response = await server.request(path, { headers });
      assert.equal(response.status, 401, path);
      assert.equal((await bodyOf<{ error: { code: string } }>(response)).error.code, 'unauthenticated');
    }
  });
});
