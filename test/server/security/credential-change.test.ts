import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FlowState } from '../../../server/flows/protocol.js';
import { setPassword } from '../../../server/users.js';
import { EMAIL, PASSWORD, SESSION_COOKIE_NAME, act, addUser, assertError, bodyOf, reachPassword, sessionCookieToken, signIn, signInForGrant, startServer } from '../helpers.js';

const NEW_PASSWORD = 'Staple-Orbit-17-Lantern';

describe('support sets a new password (login-flow user set-password)', () => {
  it('ends a sign-in parked past the old password: it cannot complete with remind-later', async (t) => {
    // 2FA required from a date ahead: after the password, the prompt parks the sign-in.
    const server = await startServer(t, { MFA_REQUIRED_FROM: '2040-01-01', SESSION_COOKIE: 'false' });
    await addUser(server);
    const id = await reachPassword(server);
    const parked = await bodyOf<FlowState>(await act(server, id, 'password', { password: PASSWORD }));
    assert.equal(parked.step, 'mfa-prompt');

    assert.equal(await setPassword(server.context, server.config, { email: EMAIL, password: NEW_PASSWORD, now: server.clock.now }), true);

    await assertError(await act(server, id, 'remind-later', {}), 'flow_not_found');
  });

  it('ends every session, and the new password signs in', async (t) => {
    const server = await startServer(t, { SESSION_COOKIE: 'false' });
    await addUser(server);
    const grant = await signInForGrant(server);
    await setPassword(server.context, server.config, { email: EMAIL, password: NEW_PASSWORD, now: server.clock.now });
    const session = await server.request('/api/session', { headers: { authorization: `Bearer ${grant.token}` } });
    assert.equal(session.status, 401);
    assert.ok((await signInForGrant(server, EMAIL, NEW_PASSWORD)).token);
  });
});

describe('signing in again in the same browser (OWASP ASVS 5.0 V7.2.4)', () => {
  async function alive(server: Awaited<ReturnType<typeof startServer>>, token: string): Promise<boolean> {
    return (await server.request('/api/session', { headers: { authorization: `Bearer ${token}` } })).status === 200;
  }

  it('ends the session whose cookie the browser sent, and issues a new token', async (t) => {
    const server = await startServer(t);
    await addUser(server);
    const first = sessionCookieToken(await signIn(server));
    const again = await signIn(server, EMAIL, PASSWORD, { headers: { cookie: `${SESSION_COOKIE_NAME}=${first}` } });
    const second = sessionCookieToken(again);
    assert.notEqual(second, first);
    assert.equal(await alive(server, first), false);
    assert.equal(await alive(server, second), true);
  });

  it('ends the session of a bearer token sent with the sign-in', async (t) => {
    const server = await startServer(t, { SESSION_COOKIE: 'false' });
    await addUser(server);
    const first = (await signInForGrant(server)).token!;
    const again = await bodyOf<FlowState>(await signIn(server, EMAIL, PASSWORD, { headers: { authorization: `Bearer ${first}` } }));
    assert.equal(again.step, 'done');
    assert.equal(await alive(server, first), false);
    if (again.step === 'done') assert.equal(await alive(server, again.data.session.token!), true);
  });

  it('leaves other browsers signed in', async (t) => {
    const server = await startServer(t, { SESSION_COOKIE: 'false' });
    await addUser(server);
    const elsewhere = (await signInForGrant(server)).token!;
    await signInForGrant(server);
    assert.equal(await alive(server, elsewhere), true);
  });
});
