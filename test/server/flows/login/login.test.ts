import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import type { FlowState } from '../../../../server/flows/protocol.js';
import { seal } from '../../../../server/security/secrets.js';
import {
  EMAIL,
  PASSWORD,
  SESSION_COOKIE_NAME,
  act,
  addUser,
  assertError,
  bodyOf,
  grantOf,
  reachPassword,
  setCookieFor,
  signIn,
  startLogin,
  startServer,
  type TestServer,
} from '../../helpers.js';

async function verifyJwt(server: TestServer, jwt: string) {
  const jwks = await bodyOf<JSONWebKeySet>(await server.request('/.well-known/jwks.json'));
  return jwtVerify(jwt, createLocalJWKSet(jwks), {
    issuer: server.config.publicUrl,
    audience: 'login-flow',
    algorithms: ['ES256'],
    currentDate: new Date(server.clock.now),
  });
}

describe('login flow: starting', () => {
  it('starts at the email step with an id that seals the start, and stores nothing until the first action', async (t) => {
    const server = await startServer(t);
    const response = await server.post('/api/flows/login');
    assert.equal(response.status, 201);
    const flow = await bodyOf<FlowState>(response);
    assert.equal(flow.kind, 'login');
    assert.equal(flow.step, 'email');
    assert.deepEqual(flow.actions, ['email']);
    // `s.` and an AES-256-GCM seal (version, nonce, ciphertext, tag), all base64url.
    assert.match(flow.id, /^s\.v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{40,}\.[A-Za-z0-9_-]{22}$/);
    assert.equal(flow.error, undefined);
    assert.deepEqual(await server.db.selectFrom('flows').selectAll().execute(), []);
  });

  it('refuses a sealed id that was changed, or sealed for something else', async (t) => {
    const server = await startServer(t);
    await addUser(server);
    const flow = await startLogin(server);
    const [prefix, version, nonce, body, tag] = flow.id.split('.');
    const flipped = `${body!.slice(0, 10)}${body![10] === 'A' ? 'B' : 'A'}${body!.slice(11)}`;
    await assertError(await act(server, [prefix, version, nonce, flipped, tag].join('.'), 'email', { email: EMAIL }), 'flow_not_found');
    // A value sealed with the same key for another purpose (an authenticator secret) opens nothing here.
    const other = `s.${seal(server.context.secretKey, '{"kind":"login","step":"password","state":"{}","expiresAt":99999999999999}', 'totp:x')}`;
    await assertError(await act(server, other, 'password', { password: PASSWORD }), 'flow_not_found');
    // Only a kind that starts sealed opens from a seal: not a reset at its last step, even sealed with the right key.
    const reset = `s.${seal(server.context.secretKey, JSON.stringify({ nonce: 'x'.repeat(22), kind: 'reset', step: 'set-password', state: '{}', expiresAt: server.clock.now + 60_000 }), 'flow-start')}`;
    await assertError(await act(server, reset, 'password', { password: PASSWORD }), 'flow_not_found');
    assert.equal((await act(server, flow.id, 'email', { email: EMAIL })).status, 200);
  });

  it('stores a sealed start once: of two first actions at once, one moves it and the other gets flow_conflict', async (t) => {
    const server = await startServer(t);
    const flow = await startLogin(server);
    const answers = await Promise.all([0, 1].map(() => act(server, flow.id, 'email', { email: EMAIL })));
    assert.deepEqual(answers.map((r) => r.status).sort(), [200, 409]);
    assert.equal((await server.db.selectFrom('flows').selectAll().execute()).length, 1);
  });

  it('does not open a finished sign-in again from its sealed id', async (t) => {
    const server = await startServer(t, { SESSION_COOKIE: 'false' });
    await addUser(server);
    const flow = await startLogin(server);
    await act(server, flow.id, 'email', { email: EMAIL });
    assert.equal((await bodyOf<FlowState>(await act(server, flow.id, 'password', { password: PASSWORD }))).step, 'done');
    await assertError(await act(server, flow.id, 'email', { email: EMAIL }), 'flow_not_found');
    await assertError(await act(server, flow.id, 'password', { password: PASSWORD }), 'flow_not_found');
  });

  it('gives every flow a different id', async (t) => {
    const server = await startServer(t);
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) ids.add((await startLogin(server)).id);
    assert.equal(ids.size, 5);
  });

  it('expires the flow FLOW_TTL_MINUTES after it starts', async (t) => {
    const server = await startServer(t, { FLOW_TTL_MINUTES: '7' });
    const flow = await startLogin(server);
    assert.equal(flow.expiresAt, server.clock.now + 7 * 60_000);
  });

  it('keeps only the hash of the flow id in the database', async (t) => {
    const server = await startServer(t);
    const flow = await startLogin(server);
    await act(server, flow.id, 'email', { email: EMAIL });
    const rows = await server.db.selectFrom('flows').selectAll().execute();
    assert.equal(rows.length, 1);
    assert.ok(!JSON.stringify(rows).includes(flow.id));
  });
});

describe('login flow: email step', () => {
  it('moves to the password step with the email normalised', async (t) => {
    const server = await startServer(t);
    const flow = await startLogin(server);
    const response = await act(server, flow.id, 'email', { email: '  Alice@Example.COM ' });
    assert.equal(response.status, 200);
    const next = await bodyOf<FlowState>(response);
    assert.equal(next.step, 'password');
    assert.equal(next.id, flow.id);
    assert.deepEqual(next.data, { email: 'alice@example.com' });
    assert.deepEqual([...next.actions].sort(), ['back', 'forgot', 'password']);
  });

  it('stays at the email step with invalid_email for a malformed address', async (t) => {
    const server = await startServer(t);
    const flow = await startLogin(server);
    const response = await act(server, flow.id, 'email', { email: 'not-an-email' });
    await assertError(response.clone(), 'invalid_email');
    const next = await bodyOf<FlowState>(response);
    assert.equal(next.step, 'email');
    assert.equal(next.error?.field, 'email');
  });

  it('goes back to the email step from the password step, keeping the email', async (t) => {
    const server = await startServer(t);
    const id = await reachPassword(server, EMAIL);
    const response = await act(server, id, 'back', {});
    assert.equal(response.status, 200);
    const flow = await bodyOf<FlowState>(response);
    assert.equal(flow.step, 'email');
    assert.deepEqual(flow.data, { email: EMAIL });
    assert.deepEqual(flow.actions, ['email']);
  });

  it('accepts a different email after going back', async (t) => {
    const server = await startServer(t);
    await addUser(server, 'bob@example.com');
    const id = await reachPassword(server, EMAIL);
    await act(server, id, 'back', {});
    await act(server, id, 'email', { email: 'bob@example.com' });
    const response = await act(server, id, 'password', { password: PASSWORD });
    assert.equal(response.status, 200);
    assert.equal(grantOf(await bodyOf<FlowState>(response)).user.email, 'bob@example.com');
  });
});

describe('login flow: password step', () => {
  it('finishes at done with a session for the right password', async (t) => {
    const server = await startServer(t);
    const user = await addUser(server);
    const response = await signIn(server);
    assert.equal(response.status, 200);
    const flow = await bodyOf<FlowState>(response);
    const grant = grantOf(flow);
    assert.deepEqual(flow.actions, []);
    assert.deepEqual(grant.user, { id: user.id, email: EMAIL, name: '' });
    assert.equal(typeof grant.jwt, 'string');
    assert.deepEqual(grant.amr, ['pwd']);
    assert.equal(grant.expiresAt, server.clock.now + server.config.sessionAbsoluteHours * 3_600_000);
    assert.equal(grant.idleExpiresAt, server.clock.now + server.config.sessionIdleMinutes * 60_000);
    assert.equal(grant.jwtExpiresAt, server.clock.now + server.config.jwtTtlSeconds * 1000);
  });

  it('signs in with the email typed in a different case', async (t) => {
    const server = await startServer(t);
    await addUser(server);
    const response = await signIn(server, 'ALICE@example.com');
    assert.equal(grantOf(await bodyOf<FlowState>(response)).user.email, EMAIL);
  });

  it('answers invalid_credentials at the password step for a wrong password', async (t) => {
    const server = await startServer(t);
    await addUser(server);
    const response = await signIn(server, EMAIL, 'Wrong-Horse-9-Battery');
    await assertError(response.clone(), 'invalid_credentials');
    const flow = await bodyOf<FlowState>(response);
    assert.equal(flow.step, 'password');
    assert.equal(flow.error?.field, 'password');
  });

  it('lets the user retry the password in the same flow after a mistake', async (t) => {
    const server = await startServer(t);
    await addUser(server);
    const id = await reachPassword(server);
    assert.equal((await act(server, id, 'password', { password: 'Wrong-Horse-9-Battery' })).status, 401);
    const response = await act(server, id, 'password', { password: PASSWORD });
    assert.equal(response.status, 200);
    grantOf(await bodyOf<FlowState>(response));
  });

  it('sets the session as a __Host- cookie (HttpOnly, Secure, SameSite=Strict) and leaves the token out of the body', async (t) => {
    const server = await startServer(t);
    await addUser(server);
    const response = await signIn(server);
    const cookie = setCookieFor(response, SESSION_COOKIE_NAME);
    assert.ok(cookie, 'a session cookie is set');
    const attributes = cookie.split(';').map((part) => part.trim().toLowerCase());
    assert.ok(attributes.includes('httponly'));
    assert.ok(attributes.includes('secure'));
    assert.ok(attributes.includes('samesite=strict'));
    assert.ok(attributes.includes('path=/'));
    assert.ok(!attributes.some((a) => a.startsWith('domain=')));
    const maxAge = attributes.find((a) => a.startsWith('max-age='));
    assert.equal(maxAge, `max-age=${server.config.sessionAbsoluteHours * 3600}`);
    const grant = grantOf(await bodyOf<FlowState>(response));
    assert.equal('token' in grant, false);
  });

  it('puts the token in the body and sets no cookie when SESSION_COOKIE=false', async (t) => {
    const server = await startServer(t, { SESSION_COOKIE: 'false' });
    await addUser(server);
    const response = await signIn(server);
    assert.deepEqual(response.headers.getSetCookie(), []);
    const grant = grantOf(await bodyOf<FlowState>(response));
    assert.match(grant.token ?? '', /^[A-Za-z0-9_-]{43}$/);
  });

  it('stores only the hash of the session token', async (t) => {
    const server = await startServer(t, { SESSION_COOKIE: 'false' });
    await addUser(server);
    const grant = grantOf(await bodyOf<FlowState>(await signIn(server)));
    const rows = await server.db.selectFrom('sessions').selectAll().execute();
    assert.equal(rows.length, 1);
    assert.ok(!JSON.stringify(rows).includes(grant.token!));
  });

  it('issues an ES256 JWT that verifies against the JWKS with issuer, audience, sub, sid and amr', async (t) => {
    const server = await startServer(t);
    const user = await addUser(server);
    const grant = grantOf(await bodyOf<FlowState>(await signIn(server)));
    const { payload, protectedHeader } = await verifyJwt(server, grant.jwt);
    assert.equal(protectedHeader.alg, 'ES256');
    assert.equal(payload.iss, server.config.publicUrl);
    assert.equal(payload.aud, 'login-flow');
    assert.equal(payload.sub, user.id);
    assert.deepEqual(payload.amr, ['pwd']);
    const session = await server.db.selectFrom('sessions').select('id').executeTakeFirstOrThrow();
    assert.equal(payload.sid, session.id);
  });

  it('issues a JWT that fails verification for another audience', async (t) => {
    const server = await startServer(t, { JWT_AUDIENCE: 'payroll' });
    await addUser(server);
    const grant = grantOf(await bodyOf<FlowState>(await signIn(server)));
    await assert.rejects(verifyJwt(server, grant.jwt), { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' });
  });

  it('ends the flow at done: its id no longer works', async (t) => {
    const server = await startServer(t);
    await addUser(server);
    const id = await reachPassword(server);
    assert.equal((await act(server, id, 'password', { password: PASSWORD })).status, 200);
    await assertError(await act(server, id, 'password', { password: PASSWORD }), 'flow_not_found');
    await assertError(await act(server, id, 'back', {}), 'flow_not_found');
  });
});

describe('login flow: the flow id in a header', () => {
  it('acts on the flow named by X-Flow-Id, so the secret stays out of URLs', async (t) => {
    const server = await startServer(t);
    const flow = await startLogin(server);
    const response = await server.post('/api/flows/-/email', { email: 'ada@example.com' }, { headers: { 'x-flow-id': flow.id } });
    assert.equal(response.status, 200);
    assert.equal((await bodyOf<FlowState>(response)).step, 'password');
  });

  it('refuses a missing or malformed X-Flow-Id with flow_not_found', async (t) => {
    const server = await startServer(t);
    for (const headers of [{}, { 'x-flow-id': 'short' }, { 'x-flow-id': '../../etc/passwd' }] as Record<string, string>[]) {
      const response = await server.post('/api/flows/-/email', { email: 'ada@example.com' }, { headers });
      assert.equal(response.status, 404);
      assert.equal((await bodyOf<{ error: { code: string } }>(response)).error.code, 'flow_not_found');
    }
  });

  it('lets browsers on listed origins send the header (CORS preflight)', async (t) => {
    const server = await startServer(t, { ALLOWED_ORIGINS: 'https://app.example.com' });
    const preflight = await server.request('/api/flows/-/email', {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-flow-id' },
    });
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /X-Flow-Id/i);
  });
});
