import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { FlowState, PasskeyRequest } from '../../../server/flows/protocol.js';
import { act, addUser, bodyOf, EMAIL, PASSWORD, reachPassword, skipBackup, startLogin, startServer, type TestServer } from '../helpers.js';
import { SoftAuthenticator } from '../soft-authenticator.js';

const ORIGIN = 'http://localhost:3000';
/** Passkeys on, 2FA required from a date ahead (the prompt), origin as the test server's public URL. */
const ENV = { PASSKEYS: 'true', MFA_REQUIRED_FROM: '2040-01-01', SESSION_COOKIE: 'false' };

const flowOf = (response: Response) => bodyOf<FlowState>(response);
function passkeyOf(flow: FlowState): PasskeyRequest {
  const passkey = (flow.data as { passkey?: PasskeyRequest }).passkey;
  assert.ok(passkey, `step ${flow.step} offers no passkey`);
  return passkey;
}

/** Signs in with the password and registers a passkey as the second factor; returns the authenticator. */
async function enrollPasskey(server: TestServer, email = EMAIL): Promise<{ authenticator: SoftAuthenticator; done: FlowState }> {
  const authenticator = new SoftAuthenticator(ORIGIN);
  const id = await reachPassword(server, email);
  const prompt = await flowOf(await act(server, id, 'password', { password: PASSWORD }));
  assert.equal(prompt.step, 'mfa-prompt');
  const choice = await flowOf(await act(server, id, 'enable', {}));
  if (choice.step !== 'method-choice') return assert.fail(choice.step);
  assert.equal(choice.data.methods[0], 'passkey', 'a passkey first');
  const setup = await flowOf(await act(server, id, 'choose', { method: 'passkey' }));
  if (setup.step !== 'passkey-setup') return assert.fail(setup.step);
  const recovery = await skipBackup(server, await flowOf(await act(server, id, 'register', { response: authenticator.create(setup.data.options), name: 'My phone' })));
  assert.equal(recovery.step, 'recovery-code', JSON.stringify(recovery.error));
  const done = await flowOf(await act(server, id, 'confirm', { saved: true }));
  assert.equal(done.step, 'done');
  return { authenticator, done };
}

async function passkeyServer(t: TestContext, env: Record<string, string> = {}): Promise<{ server: TestServer; authenticator: SoftAuthenticator }> {
  const server = await startServer(t, { ...ENV, ...env });
  await addUser(server);
  const { authenticator } = await enrollPasskey(server);
  return { server, authenticator };
}

async function secondFactor(server: TestServer): Promise<FlowState> {
  const id = await reachPassword(server);
  const flow = await flowOf(await act(server, id, 'password', { password: PASSWORD }));
  assert.equal(flow.step, 'second-factor');
  return flow;
}

describe('registering a passkey during 2FA set-up', () => {
  it('offers WebAuthn options that ask for a discoverable credential with user verification', async (t) => {
    const server = await startServer(t, ENV);
    await addUser(server);
    const id = await reachPassword(server);
    await act(server, id, 'password', { password: PASSWORD });
    await act(server, id, 'enable', {});
    const setup = await flowOf(await act(server, id, 'choose', { method: 'passkey' }));
    if (setup.step !== 'passkey-setup') return assert.fail(setup.step);
    const { options } = setup.data;
    assert.equal(options.rp.id, 'localhost');
    assert.ok(Buffer.from(options.challenge, 'base64url').length >= 16, 'WebAuthn §13.4.3: at least 16 random bytes');
    assert.equal(options.authenticatorSelection?.residentKey, 'required');
    assert.equal(options.authenticatorSelection?.userVerification, 'required');
    assert.notEqual(Buffer.from(options.user.id, 'base64url').toString(), EMAIL, 'the user handle is not the email');
    assert.equal(options.timeout, 300_000);
    assert.deepEqual(setup.actions.sort(), ['back', 'register']);
  });

  it('stores the passkey, then shows the recovery code, and signs in with both factors', async (t) => {
    const server = await startServer(t, ENV);
    await addUser(server);
    const { done } = await enrollPasskey(server);
    if (done.step !== 'done') return;
    assert.deepEqual(done.data.session.amr, ['pwd', 'hwk', 'mfa']);
    const rows = await server.db.selectFrom('credentials').selectAll().where('type', '=', 'passkey').execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.name, 'My phone');
  });

  it('refuses a credential id that is already registered', async (t) => {
    const server = await startServer(t, ENV);
    await addUser(server);
    await addUser(server, 'bob@example.com');
    const { authenticator } = await enrollPasskey(server);
    const id = await reachPassword(server, 'bob@example.com');
    await act(server, id, 'password', { password: PASSWORD });
    await act(server, id, 'enable', {});
    const setup = await flowOf(await act(server, id, 'choose', { method: 'passkey' }));
    if (setup.step !== 'passkey-setup') return assert.fail(setup.step);
    // WebAuthn Level 3 §7.1 step 27: the same credential id as alice's passkey.
    const alice = [...authenticator.credentials.keys()][0]!;
    const duplicate = new SoftAuthenticator(ORIGIN).create(setup.data.options, { credentialId: alice });
    const refused = await flowOf(await act(server, id, 'register', { response: duplicate, name: 'x' }));
    assert.equal(refused.step, 'passkey-setup');
    assert.equal(refused.error?.code, 'passkey_already_registered');
    const owners = await server.db.selectFrom('credentials').select('user_id').where('credential_id', '=', alice).execute();
    assert.equal(owners.length, 1, 'still registered to alice only');
  });

  it('refuses a registration without user verification when it is required', async (t) => {
    const server = await startServer(t, ENV);
    await addUser(server);
    const id = await reachPassword(server);
    await act(server, id, 'password', { password: PASSWORD });
    await act(server, id, 'enable', {});
    const setup = await flowOf(await act(server, id, 'choose', { method: 'passkey' }));
    if (setup.step !== 'passkey-setup') return assert.fail(setup.step);
    const refused = await flowOf(await act(server, id, 'register', { response: new SoftAuthenticator(ORIGIN).create(setup.data.options, { userVerified: false }), name: 'x' }));
    assert.equal(refused.error?.code, 'passkey_user_verification');
    if (refused.step !== 'passkey-setup') return assert.fail(refused.step);
    assert.notEqual(refused.data.options.challenge, setup.data.options.challenge, 'a new ceremony after a refusal');
  });
});

describe('signing in with a passkey', () => {
  it('serves as the second factor after the password', async (t) => {
    const { server, authenticator } = await passkeyServer(t);
    const challenge = await secondFactor(server);
    if (challenge.step !== 'second-factor') return;
    assert.deepEqual(challenge.data.methods, ['passkey', 'recovery_code']);
    const { options } = passkeyOf(challenge);
    assert.deepEqual(options.allowCredentials?.map((c) => c.id), [...authenticator.credentials.keys()]);
    const done = await flowOf(await act(server, challenge.id, 'passkey', { response: authenticator.get(options) }));
    if (done.step !== 'done') return assert.fail(`${done.step} ${JSON.stringify(done.error)}`);
    assert.deepEqual(done.data.session.amr, ['pwd', 'hwk', 'mfa']);
  });

  it('signs in without a password after the email, counting as both factors', async (t) => {
    const { server, authenticator } = await passkeyServer(t);
    const id = await reachPassword(server);
    const flow = await flowOf(await startAndEmail(server, id));
    const { options } = passkeyOf(flow);
    assert.deepEqual(options.allowCredentials, [], 'discoverable: the options name no credential');
    const done = await flowOf(await act(server, id, 'passkey', { response: authenticator.get(options) }));
    if (done.step !== 'done') return assert.fail(`${done.step} ${JSON.stringify(done.error)}`);
    assert.deepEqual(done.data.session.amr, ['hwk', 'mfa']);
    assert.equal(done.data.session.user.email, EMAIL);
  });

  it('signs in from the email step with no typing (passkey autofill)', async (t) => {
    const { server, authenticator } = await passkeyServer(t);
    const flow = await startLogin(server);
    const { options } = passkeyOf(flow);
    const done = await flowOf(await act(server, flow.id, 'passkey', { response: authenticator.get(options) }));
    if (done.step !== 'done') return assert.fail(`${done.step} ${JSON.stringify(done.error)}`);
    assert.equal(done.data.session.user.email, EMAIL);
  });

  it('treats a passkey without user verification as one factor when verification is only preferred', async (t) => {
    const server = await startServer(t, { ...ENV, PASSKEY_USER_VERIFICATION: 'preferred' });
    await addUser(server);
    const { authenticator } = await enrollPasskey(server);
    const flow = await startLogin(server);
    const next = await flowOf(await act(server, flow.id, 'passkey', { response: authenticator.get(passkeyOf(flow).options, { userVerified: false }) }));
    if (next.step !== 'second-factor') return assert.fail(`${next.step} ${JSON.stringify(next.error)}`);
    assert.deepEqual(next.data.methods, ['recovery_code'], 'the same passkey cannot be the second factor too');
  });

  it('never claims a password in amr when none was used', async (t) => {
    const server = await startServer(t, { ...ENV, PASSKEY_USER_VERIFICATION: 'preferred' });
    await addUser(server);
    const { authenticator } = await enrollPasskey(server);
    // Only the passkey is registered; without user verification it is one factor, and the prompt follows.
    await server.db.deleteFrom('recovery_codes').execute();
    const flow = await startLogin(server);
    const prompt = await flowOf(await act(server, flow.id, 'passkey', { response: authenticator.get(passkeyOf(flow).options, { userVerified: false }) }));
    assert.equal(prompt.step, 'mfa-prompt', JSON.stringify(prompt.error));
    const done = await flowOf(await act(server, flow.id, 'remind-later', {}));
    if (done.step !== 'done') return assert.fail(done.step);
    assert.deepEqual(done.data.session.amr, ['hwk']);
  });

  it('shows the same password step to unknown and known emails (the random challenge aside)', async (t) => {
    const { server } = await passkeyServer(t);
    const strip = (flow: FlowState) => JSON.stringify({ ...flow, id: '', data: { ...flow.data, passkey: { options: { ...passkeyOf(flow).options, challenge: '' } } } });
    const known = await flowOf(await startAndEmail(server, (await startLogin(server)).id));
    const unknownId = (await startLogin(server)).id;
    const unknown = await flowOf(await act(server, unknownId, 'email', { email: 'nobody@example.com' }));
    assert.equal(strip(unknown).replace('nobody@example.com', EMAIL), strip(known));
  });
});

describe('relying-party checks (WebAuthn Level 3 §7.2)', () => {
  it('refuses a response from another origin', async (t) => {
    const { server, authenticator } = await passkeyServer(t);
    const flow = await secondFactor(server);
    const refused = await flowOf(await act(server, flow.id, 'passkey', { response: authenticator.get(passkeyOf(flow).options, { origin: 'https://evil.example' }) }));
    assert.equal(refused.error?.code, 'passkey_failed');
  });

  it('refuses a response for another RP ID', async (t) => {
    const { server, authenticator } = await passkeyServer(t);
    const flow = await secondFactor(server);
    const refused = await flowOf(await act(server, flow.id, 'passkey', { response: authenticator.get(passkeyOf(flow).options, { rpId: 'evil.example' }) }));
    assert.equal(refused.error?.code, 'passkey_failed');
  });

  it('refuses a reused challenge: the same response twice', async (t) => {
    const { server, authenticator } = await passkeyServer(t);
    const flow = await secondFactor(server);
    const wrongType = authenticator.get(passkeyOf(flow).options, { type: 'webauthn.create' });
    const first = await flowOf(await act(server, flow.id, 'passkey', { response: wrongType }));
    assert.equal(first.error?.code, 'passkey_failed');
    const replay = authenticator.get(passkeyOf(flow).options);
    const second = await flowOf(await act(server, flow.id, 'passkey', { response: replay }));
    assert.equal(second.error?.code, 'passkey_failed', 'the challenge was replaced after the first attempt');
  });

  it('refuses a challenge older than five minutes, and offers a new one', async (t) => {
    const { server, authenticator } = await passkeyServer(t);
    const flow = await secondFactor(server);
    server.clock.advance(5 * 60_000 + 1);
    const refused = await flowOf(await act(server, flow.id, 'passkey', { response: authenticator.get(passkeyOf(flow).options) }));
    assert.equal(refused.error?.code, 'passkey_failed');
    assert.equal((await flowOf(await act(server, flow.id, 'passkey', { response: authenticator.get(passkeyOf(refused).options) }))).step, 'done');
  });

  it('refuses a challenge from another flow', async (t) => {
    const { server, authenticator } = await passkeyServer(t);
    const a = await secondFactor(server);
    const b = await secondFactor(server);
    const refused = await flowOf(await act(server, b.id, 'passkey', { response: authenticator.get(passkeyOf(a).options) }));
    assert.equal(refused.error?.code, 'passkey_failed');
    assert.equal((await flowOf(await act(server, a.id, 'passkey', { response: authenticator.get(passkeyOf(a).options) }))).step, 'done');
  });

  it('refuses an assertion without user verification when it is required', async (t) => {
    const { server, authenticator } = await passkeyServer(t);
    const flow = await secondFactor(server);
    const refused = await flowOf(await act(server, flow.id, 'passkey', { response: authenticator.get(passkeyOf(flow).options, { userVerified: false }) }));
    assert.equal(refused.error?.code, 'passkey_user_verification');
  });

  it("refuses another account's passkey, as second factor and after a typed email", async (t) => {
    const { server } = await passkeyServer(t);
    await addUser(server, 'bob@example.com');
    const { authenticator: bobs } = await enrollPasskey(server, 'bob@example.com');
    const flow = await secondFactor(server);
    const foreign = bobs.get({ ...passkeyOf(flow).options, allowCredentials: [] });
    assert.equal((await flowOf(await act(server, flow.id, 'passkey', { response: foreign }))).error?.code, 'passkey_unknown');
    const typed = await flowOf(await startAndEmail(server, (await startLogin(server)).id));
    assert.equal((await flowOf(await act(server, typed.id, 'passkey', { response: bobs.get(passkeyOf(typed).options) }))).error?.code, 'passkey_unknown');
  });

  it('refuses a user handle that is not the credential owner', async (t) => {
    const { server, authenticator } = await passkeyServer(t);
    const flow = await startLogin(server);
    const refused = await flowOf(await act(server, flow.id, 'passkey', { response: authenticator.get(passkeyOf(flow).options, { userHandle: Buffer.from('someone else').toString('base64url') }) }));
    assert.equal(refused.error?.code, 'passkey_unknown');
  });

  it('refuses and flags a signature counter that goes back', async (t) => {
    const { server, authenticator } = await passkeyServer(t);
    const first = await secondFactor(server);
    assert.equal((await flowOf(await act(server, first.id, 'passkey', { response: authenticator.get(passkeyOf(first).options, { counter: 10 }) }))).step, 'done');
    const second = await secondFactor(server);
    const refused = await flowOf(await act(server, second.id, 'passkey', { response: authenticator.get(passkeyOf(second).options, { counter: 5 }) }));
    assert.equal(refused.error?.code, 'passkey_failed');
    const row = await server.db.selectFrom('credentials').select('counter_regressed_at').where('type', '=', 'passkey').executeTakeFirstOrThrow();
    assert.ok(row.counter_regressed_at, 'flagged');
  });

  it('refuses malformed responses with a catalogue code, never a 500', async (t) => {
    const { server } = await passkeyServer(t);
    const flow = await startLogin(server);
    for (const response of [null, {}, { id: 'x' }, { id: 'x', rawId: 'x', type: 'public-key', response: {} }, { id: 'x', rawId: 'x', type: 'public-key', response: { clientDataJSON: '!!', authenticatorData: '', signature: '' } }]) {
      const result = await act(server, flow.id, 'passkey', { response });
      assert.ok(result.status < 500, `status ${result.status}`);
      assert.ok(['invalid_request', 'passkey_failed', 'passkey_unknown'].includes((await flowOf(result)).error?.code ?? ''));
    }
  });

  it('lists the configured origins at /.well-known/webauthn', async (t) => {
    const server = await startServer(t, { ...ENV, ALLOWED_ORIGINS: 'https://app.example.com' });
    const body = await bodyOf<{ origins: string[] }>(await server.request('/.well-known/webauthn'));
    assert.deepEqual(body.origins, [server.config.publicUrl, 'https://app.example.com']);
  });
});

describe('managing passkeys from a session', () => {
  async function session(server: TestServer, authenticator: SoftAuthenticator): Promise<Record<string, string>> {
    const flow = await secondFactor(server);
    const done = await flowOf(await act(server, flow.id, 'passkey', { response: authenticator.get(passkeyOf(flow).options) }));
    if (done.step !== 'done') throw new Error(done.step);
    return { authorization: `Bearer ${done.data.session.token}`, 'content-type': 'application/json' };
  }

  it('lists, renames and deletes passkeys, and mails a notice', async (t) => {
    const { server, authenticator } = await passkeyServer(t);
    const headers = await session(server, authenticator);
    const listed = await bodyOf<{ passkeys: { id: string; name: string; synced: boolean; lastUsedAt: number | null }[] }>(await server.request('/api/passkeys', { headers }));
    assert.equal(listed.passkeys.length, 1);
    assert.equal(listed.passkeys[0]!.name, 'My phone');
    assert.ok(listed.passkeys[0]!.lastUsedAt);

    const passkey = listed.passkeys[0]!;
    const renamed = await server.request(`/api/passkeys/${passkey.id}`, { method: 'PATCH', headers, body: JSON.stringify({ name: 'Work laptop' }) });
    assert.ok((await bodyOf<{ passkeys: { name: string }[] }>(renamed)).passkeys.some((p) => p.name === 'Work laptop'));
    assert.equal((await server.request(`/api/passkeys/${passkey.id}`, { method: 'DELETE', headers })).status, 204);
    assert.equal((await server.request(`/api/passkeys/${passkey.id}`, { method: 'DELETE', headers })).status, 404);
    const notices = await server.db.selectFrom('outbox').select('subject').execute();
    assert.ok(notices.some((n) => /passkey was removed/i.test(n.subject)));
  });

  it('adds passkeys only through the enroll-passkey flow: the REST registration routes are gone', async (t) => {
    const { server, authenticator } = await passkeyServer(t);
    const headers = await session(server, authenticator);
    for (const path of ['/api/passkeys/options', '/api/passkeys']) {
      const response = await server.request(path, { method: 'POST', headers, body: '{}' });
      assert.ok([404, 405].includes(response.status), `${path}: ${response.status}`);
    }
    assert.equal(await server.db.selectFrom('webauthn_challenges').select('challenge').executeTakeFirst(), undefined, 'no challenge stored outside a flow');
  });

  it('keeps the last second factor while 2FA is enforced', async (t) => {
    const { server, authenticator } = await passkeyServer(t);
    const headers = await session(server, authenticator);
    await server.db.updateTable('credentials').set({ type: 'passkey' }).execute();
    server.context.config.mfaRequiredFrom = '2020-01-01';
    const [only] = (await bodyOf<{ passkeys: { id: string }[] }>(await server.request('/api/passkeys', { headers }))).passkeys;
    const refused = await server.request(`/api/passkeys/${only!.id}`, { method: 'DELETE', headers });
    assert.equal(refused.status, 409);
    assert.equal((await bodyOf<{ error: { code: string } }>(refused)).error.code, 'last_factor');
  });

  it('needs a recent sign-in that passed 2FA to remove a passkey', async (t) => {
    const { server, authenticator } = await passkeyServer(t);
    const headers = await session(server, authenticator);
    const [only] = (await bodyOf<{ passkeys: { id: string }[] }>(await server.request('/api/passkeys', { headers }))).passkeys;
    server.clock.advance(11 * 60_000);
    const stale = await server.request(`/api/passkeys/${only!.id}`, { method: 'DELETE', headers });
    assert.equal(stale.status, 403);
    assert.equal((await bodyOf<{ error: { code: string } }>(stale)).error.code, 'reauthentication_required');
    // A password-only session (remembered device) of an account with 2FA cannot either.
    await server.db.updateTable('sessions').set({ amr: '["pwd"]', created_at: server.clock.now, mfa_at: null }).execute();
    const weak = await server.request(`/api/passkeys/${only!.id}`, { method: 'DELETE', headers });
    assert.equal((await bodyOf<{ error: { code: string } }>(weak)).error.code, 'reauthentication_required');
    assert.equal((await bodyOf<{ passkeys: unknown[] }>(await server.request('/api/passkeys', { headers }))).passkeys.length, 1);
  });

  it('needs a session', async (t) => {
    const server = await startServer(t, ENV);
    assert.equal((await server.request('/api/passkeys')).status, 401);
    const id = '00000000-0000-0000-0000-000000000000';
    assert.equal((await server.request(`/api/passkeys/${id}`, { method: 'PATCH', body: '{"name":"x"}', headers: { 'content-type': 'application/json' } })).status, 401);
    assert.equal((await server.request(`/api/passkeys/${id}`, { method: 'DELETE' })).status, 401);
  });
});

/** Enters the email on a started flow; returns the response (the password step). */
function startAndEmail(server: TestServer, id: string): Promise<Response> {
  return act(server, id, 'email', { email: EMAIL });
}
