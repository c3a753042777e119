/*
 * Single sign-on against a real OpenID provider (oidc-provider) on loopback:
 * the whole authorization code flow with PKCE, and the attacks on it.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, describe, test, type TestContext } from 'node:test';
import { loadConfig } from '../../../../server/config.js';
import { createLogger } from '../../../../server/log.js';
import { seal } from '../../../../server/security/secrets.js';
import type { FlowState } from '../../../../server/flows/protocol.js';
import { startTestProvider, type JsonRewrite, type TestProvider } from '../../../../demo/oidc-provider.js';
import { signInAtProvider } from '../../../support/sign-in-at-provider.js';
import { act, addUser, bodyOf, grantOf, MINUTE, PASSWORD, signIn, startLogin, startServer, type TestServer } from '../../helpers.js';

const SAM = 'sam@acme.example';
const REDIRECT = 'http://localhost:3000/';

let provider: TestProvider;

before(async () => {
  provider = await startTestProvider({
    redirectUris: [REDIRECT],
    accounts: [
      { email: SAM, name: 'Sam Jansen' },
      { email: 'alex@acme.example', name: 'Alex de Boer' },
      { email: 'eve@elsewhere.example', name: 'Eve' },
      { email: 'unverified@acme.example', emailVerified: false },
      { email: 'nobody@acme.example' },
    ],
  });
});
after(() => provider.close());

/** A company, optionally requiring 2FA from a date. */
async function addCompany(server: TestServer, name: string, mfaRequiredFrom: string | null = null): Promise<string> {
  const id = crypto.randomUUID();
  await server.db
    .insertInto('organizations')
    .values({ id, name, slug: name.toLowerCase().replace(/[^a-z0-9]+/g, '-'), mfa_required_from: mfaRequiredFrom, created_at: server.clock.now })
    .execute();
  return id;
}

/** Ties a company to an OpenID provider (the shared one unless `idp`) for its email domains. */
async function tieToProvider(server: TestServer, organizationId: string, { idp = provider, issuer = idp.issuer, domains = ['acme.example'] }: { idp?: TestProvider; issuer?: string; domains?: string[] } = {}): Promise<void> {
  const now = server.clock.now;
  await server.db
    .insertInto('sso_connections')
    .values({
      organization_id: organizationId,
      name: 'Acme Identity',
      issuer,
      client_id: idp.clientId,
      client_secret: seal(server.context.secretKey, idp.clientSecret, `sso-client:${organizationId}`),
      created_at: now,
      updated_at: now,
    })
    .execute();
  for (const domain of domains) await server.db.insertInto('sso_domains').values({ domain, organization_id: organizationId, created_at: now }).execute();
}

async function join(server: TestServer, userId: string, organizationId: string): Promise<string> {
  const id = crypto.randomUUID();
  await server.db.insertInto('memberships').values({ id, user_id: userId, organization_id: organizationId, role: 'employee', created_at: server.clock.now, last_used_at: null }).execute();
  return id;
}

async function ssoServer(t: Parameters<typeof startServer>[0], env: Record<string, string> = {}) {
  const server = await startServer(t, { SSO_REDIRECT_URL: REDIRECT, SESSION_COOKIE: 'false', ...env });
  const acme = await addCompany(server, 'Acme');
  await tieToProvider(server, acme);
  return { server, acme };
}

/** A person at Acme (a member: its provider speaks for its own people only). */
async function addEmployee(server: TestServer, acme: string, email = SAM) {
  const user = await addUser(server, email);
  await join(server, user.id, acme);
  return user;
}

/** Enters the address and expects the `sso` step, with the URL to go to. */
async function reachSso(server: TestServer, email = SAM): Promise<Extract<FlowState, { step: 'sso' }>> {
  const flow = await startLogin(server);
  const response = await act(server, flow.id, 'email', { email });
  assert.equal(response.status, 200);
  const next = await bodyOf<FlowState>(response);
  assert.equal(next.step, 'sso', JSON.stringify(next));
  return next as Extract<FlowState, { step: 'sso' }>;
}

function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
}

async function callback(server: TestServer, id: string, returned: URL): Promise<{ status: number; flow: FlowState }> {
  const response = await act(server, id, 'callback', { params: returned.search });
  return { status: response.status, flow: await bodyOf<FlowState>(response) };
}

describe('single sign-on', () => {
  test('the round trip: PKCE, state and nonce go out, the provider signs the person in, no password or 2FA is asked here', async (t) => {
    // 2FA required by the server and by the company: the provider stands for it (seed 001).
    const { server, acme } = await ssoServer(t, { MFA_REQUIRED_FROM: '2020-01-01' });
    await server.db.updateTable('organizations').set({ mfa_required_from: '2020-01-01' }).where('id', '=', acme).execute();
    const user = await addEmployee(server, acme);
    const flow = await reachSso(server);
    assert.equal(flow.data.provider, 'Acme Identity');
    assert.deepEqual(flow.actions.sort(), ['back', 'callback']);
    const url = new URL(flow.data.url!);
    assert.equal(url.origin, provider.issuer);
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    assert.match(url.searchParams.get('code_challenge') ?? '', /^[\w-]{43}$/);
    assert.ok((url.searchParams.get('state') ?? '').length >= 22);
    assert.ok((url.searchParams.get('nonce') ?? '').length >= 22);
    assert.equal(url.searchParams.get('redirect_uri'), REDIRECT);
    assert.equal(url.searchParams.get('login_hint'), SAM);
    // The verifier never leaves the server in clear: not in the URL, not in the stored flow.
    const stored = await server.db.selectFrom('flows').select('state').executeTakeFirstOrThrow();
    assert.doesNotMatch(stored.state, /"verifier"/);

    const returned = await signInAtProvider(flow.data.url!, { email: SAM });
    assert.equal(returned.origin + returned.pathname, REDIRECT);
    const { status, flow: done } = await callback(server, flow.id, returned);
    assert.equal(status, 200);
    const grant = grantOf(done);
    assert.equal(grant.user.id, user.id);
    assert.deepEqual(grant.provider, { name: 'Acme Identity', issuer: provider.issuer });
    assert.equal(grant.account?.organizationId, acme);
    const claims = claimsOf(grant.jwt);
    assert.equal(claims.idp, provider.issuer);
    assert.equal(claims.org, acme);
    const session = await server.db.selectFrom('sessions').selectAll().executeTakeFirstOrThrow();
    assert.equal(session.provider, provider.issuer);
    assert.equal(session.membership_id, grant.account?.id);
    const audit = await server.db.selectFrom('audit_events').select(['event', 'detail']).where('event', '=', 'login.success').executeTakeFirstOrThrow();
    assert.match(audit.detail ?? '', /"provider"/);

    // The same response again: the flow is spent.
    const replay = await act(server, flow.id, 'callback', { params: returned.search });
    assert.equal(replay.status, 404);
  });

  test('a company rolling 2FA out in stages: its people who sign in through their provider meet none of them', async (t) => {
    const { server, acme } = await ssoServer(t);
    await server.db.updateTable('organizations').set({ mfa_prompt_from: '2020-01-01', mfa_ask_code_from: '2020-01-01', mfa_required_from: '2020-02-01' }).where('id', '=', acme).execute();
    const user = await addEmployee(server, acme);
    const flow = await reachSso(server);
    const { flow: done } = await callback(server, flow.id, await signInAtProvider(flow.data.url!, { email: SAM }));
    assert.equal(grantOf(done).user.id, user.id, 'no prompt, no code, no set-up');
  });

  test('a tampered state is refused, and the next try gets a new request', async (t) => {
    const { server, acme } = await ssoServer(t);
    await addEmployee(server, acme);
    const flow = await reachSso(server);
    const returned = await signInAtProvider(flow.data.url!, { email: SAM });
    const tampered = new URL(returned);
    tampered.searchParams.set('state', `${returned.searchParams.get('state')}x`);
    const { status, flow: refused } = await callback(server, flow.id, tampered);
    assert.equal(status, 401);
    assert.equal(refused.step, 'sso');
    assert.equal(refused.error?.code, 'sso_failed');
    if (refused.step !== 'sso') return;
    assert.notEqual(new URL(refused.data.url!).searchParams.get('state'), new URL(flow.data.url!).searchParams.get('state'));
    // The genuine response of the old request is dead too: its state is no longer this flow's.
    assert.equal((await callback(server, flow.id, returned)).flow.error?.code, 'sso_failed');
    assert.equal(await server.db.selectFrom('sessions').select('id').executeTakeFirst(), undefined);
  });

  test('a response for another flow (login CSRF) does not complete this one', async (t) => {
    const { server, acme } = await ssoServer(t);
    await addEmployee(server, acme);
    await addEmployee(server, acme, 'alex@acme.example');
    const mine = await reachSso(server);
    const theirs = await reachSso(server, 'alex@acme.example');
    const returned = await signInAtProvider(theirs.data.url!, { email: 'alex@acme.example' });
    const { flow } = await callback(server, mine.id, returned);
    assert.equal(flow.error?.code, 'sso_failed');
  });

  test('an ID token with another nonce is refused', async (t) => {
    const { server, acme } = await ssoServer(t);
    await addEmployee(server, acme);
    const flow = await reachSso(server);
    // The same request (state, PKCE challenge) with the nonce swapped: the provider signs the swapped one.
    const url = new URL(flow.data.url!);
    url.searchParams.set('nonce', 'a-nonce-this-flow-never-made-0123456789');
    const returned = await signInAtProvider(url.href, { email: SAM });
    assert.ok(returned.searchParams.get('code'));
    const { status, flow: refused } = await callback(server, flow.id, returned);
    assert.equal(status, 401);
    assert.equal(refused.error?.code, 'sso_failed');
  });

  test('an expired authorization code is refused', async (t) => {
    const shortLived = await startTestProvider({ redirectUris: [REDIRECT], accounts: [{ email: SAM }], authorizationCodeTtlSeconds: 1 });
    t.after(() => shortLived.close());
    const server = await startServer(t, { SSO_REDIRECT_URL: REDIRECT });
    const acme = await addCompany(server, 'Acme');
    await server.db
      .insertInto('sso_connections')
      .values({ organization_id: acme, name: 'Acme Identity', issuer: shortLived.issuer, client_id: shortLived.clientId, client_secret: seal(server.context.secretKey, shortLived.clientSecret, `sso-client:${acme}`), created_at: 0, updated_at: 0 })
      .execute();
    await server.db.insertInto('sso_domains').values({ domain: 'acme.example', organization_id: acme, created_at: 0 }).execute();
    await addEmployee(server, acme);
    const flow = await reachSso(server);
    const returned = await signInAtProvider(flow.data.url!, { email: SAM });
    // The provider reads the process clock (Date): move it past the code's one-second lifetime instead of waiting.
    t.mock.timers.enable({ apis: ['Date'], now: Date.now() + 2100 });
    const { flow: refused } = await callback(server, flow.id, returned);
    assert.equal(refused.error?.code, 'sso_failed');
  });

  test('an address in another domain, or another address of the domain, is refused', async (t) => {
    const { server, acme } = await ssoServer(t);
    await addEmployee(server, acme);
    await addUser(server, 'eve@elsewhere.example');
    await addUser(server, 'alex@acme.example');
    for (const other of ['eve@elsewhere.example', 'alex@acme.example']) {
      const flow = await reachSso(server);
      const returned = await signInAtProvider(flow.data.url!, { email: other });
      const { status, flow: refused } = await callback(server, flow.id, returned);
      assert.equal(status, 403);
      assert.equal(refused.error?.code, 'sso_email_mismatch', other);
    }
    assert.equal(await server.db.selectFrom('sessions').select('id').executeTakeFirst(), undefined);
  });

  test('an unverified address links nothing', async (t) => {
    const { server, acme } = await ssoServer(t);
    await addEmployee(server, acme, 'unverified@acme.example');
    const flow = await reachSso(server, 'unverified@acme.example');
    const returned = await signInAtProvider(flow.data.url!, { email: 'unverified@acme.example' });
    assert.equal((await callback(server, flow.id, returned)).flow.error?.code, 'sso_email_unverified');
  });

  test('cancelled at the provider, no account, a disabled account: each says so', async (t) => {
    const { server, acme } = await ssoServer(t);
    const sam = await addEmployee(server, acme);
    const flow = await reachSso(server);
    const cancelled = await signInAtProvider(flow.data.url!, { cancel: true });
    assert.equal(cancelled.searchParams.get('error'), 'access_denied');
    const first = await callback(server, flow.id, cancelled);
    assert.equal(first.flow.error?.code, 'sso_cancelled');
    assert.equal(first.flow.step, 'sso');

    const nobody = await reachSso(server, 'nobody@acme.example');
    const returned = await signInAtProvider(nobody.data.url!, { email: 'nobody@acme.example' });
    assert.equal((await callback(server, nobody.id, returned)).flow.error?.code, 'sso_no_account');

    // A person at the domain who works at another company only: the domain does not make them Acme's.
    const elsewhere = await addUser(server, 'alex@acme.example');
    await join(server, elsewhere.id, await addCompany(server, 'Elsewhere BV'));
    const alex = await reachSso(server, 'alex@acme.example');
    const vouched = await signInAtProvider(alex.data.url!, { email: 'alex@acme.example' });
    assert.equal((await callback(server, alex.id, vouched)).flow.error?.code, 'sso_no_account');
    assert.equal((await server.db.selectFrom('memberships').select('id').where('user_id', '=', elsewhere.id).execute()).length, 1);

    await server.db.updateTable('users').set({ status: 'disabled' }).where('id', '=', sam.id).execute();
    const again = await reachSso(server);
    const disabled = await callback(server, again.id, await signInAtProvider(again.data.url!, { email: SAM }));
    assert.equal(disabled.status, 403);
    assert.equal(disabled.flow.error?.code, 'account_disabled');
  });

  test('an unreachable provider: the step says so and offers to try again; bad callback bodies are 400', async (t) => {
    const server = await startServer(t, { SSO_REDIRECT_URL: REDIRECT });
    const acme = await addCompany(server, 'Acme');
    await tieToProvider(server, acme, { issuer: 'http://127.0.0.1:9' });
    await addUser(server, SAM);
    const flow = await startLogin(server);
    const response = await act(server, flow.id, 'email', { email: SAM });
    assert.equal(response.status, 502);
    const down = await bodyOf<FlowState>(response);
    assert.equal(down.step, 'sso');
    assert.equal(down.error?.code, 'sso_unavailable');
    assert.deepEqual(down.actions.sort(), ['back', 'retry']);
    if (down.step === 'sso') assert.equal(down.data.url, undefined);
    assert.equal((await act(server, flow.id, 'callback', { params: '?code=x&state=y' })).status, 409);
    const back = await bodyOf<FlowState>(await act(server, flow.id, 'back', {}));
    assert.equal(back.step, 'email');

    const { server: up } = await ssoServer(t);
    const sso = await reachSso(up);
    for (const body of [{}, { params: 42 }, { params: 'x'.repeat(9000) }, { params: '', extra: 1 }]) {
      const bad = await act(up, sso.id, 'callback', body);
      assert.equal(bad.status, 400, JSON.stringify(body).slice(0, 40));
    }
    // Garbage in the query: no state of this flow, refused as such (never a 500).
    assert.equal((await act(up, sso.id, 'callback', { params: '%%%&&&=' })).status, 401);
  });

  test('re-authentication of an SSO session goes through the provider again, with a fresh sign-in there', async (t) => {
    const { server, acme } = await ssoServer(t);
    await addEmployee(server, acme);
    await addEmployee(server, acme, 'alex@acme.example');
    const flow = await reachSso(server);
    const grant = grantOf((await callback(server, flow.id, await signInAtProvider(flow.data.url!, { email: SAM }))).flow);
    server.clock.advance(11 * MINUTE);
    const auth = { headers: { authorization: `Bearer ${grant.token}` } };
    assert.equal((await server.post('/api/account/sessions/sign-out-others', {}, auth)).status, 403, 'stale: confirm it is you');

    const started = await server.post('/api/flows/reauth', { token: grant.token });
    assert.equal(started.status, 201);
    const reauth = await bodyOf<FlowState>(started);
    assert.equal(reauth.step, 'sso');
    if (reauth.step !== 'sso') return;
    assert.deepEqual(reauth.actions, ['callback'], 'no other address here');
    const url = new URL(reauth.data.url!);
    assert.equal(url.searchParams.get('max_age'), '60');
    assert.equal(url.searchParams.get('prompt'), 'login');
    // Someone else at the provider is not this session's person.
    const other = await callback(server, reauth.id, await signInAtProvider(reauth.data.url!, { email: 'alex@acme.example' }));
    assert.equal(other.flow.error?.code, 'sso_email_mismatch');
    if (other.flow.step !== 'sso') return;
    const { status, flow: done } = await callback(server, reauth.id, await signInAtProvider(other.flow.data.url!, { email: SAM }));
    assert.equal(status, 200);
    if (done.step !== 'done') assert.fail(JSON.stringify(done));
    const renewed = done.data.session.token;
    assert.ok(renewed && renewed !== grant.token, 'the same session under a new token (OWASP ASVS 5.0 V7.2.4)');
    assert.equal(claimsOf(done.data.session.jwt).sid, claimsOf(grant.jwt).sid);
    assert.equal(claimsOf(done.data.session.jwt).idp, provider.issuer);
    assert.equal((await server.post('/api/account/sessions/sign-out-others', {}, auth)).status, 401, 'the old token is dead');
    assert.equal((await server.post('/api/account/sessions/sign-out-others', {}, { headers: { authorization: `Bearer ${renewed}` } })).status, 200, 'fresh now');
    assert.equal((await server.db.selectFrom('sessions').select('id').execute()).length, 1);
  });

  test('calls toward the provider are limited per client: a loop of bogus codes or retries ends in 429', async (t) => {
    const { server, acme } = await ssoServer(t, { IP_MAX_FAILURES: '4' });
    await addEmployee(server, acme);
    const flow = await reachSso(server);
    let last = 0;
    for (let i = 0; i < 4; i++) last = (await act(server, flow.id, 'callback', { params: `?state=x&code=y${i}` })).status;
    assert.equal(last, 429);
  });

  test('an SSO address never reaches the password step, and an invited person is activated by the provider', async (t) => {
    const { server, acme } = await ssoServer(t);
    const invited = await server.db
      .insertInto('users')
      .values({ id: crypto.randomUUID(), email: SAM, name: 'Sam', password_hash: null, status: 'invited', webauthn_id: null, email_verified_at: null, locale: null, created_at: 0, updated_at: 0 })
      .returning('id')
      .executeTakeFirstOrThrow();
    await join(server, invited.id, acme);
    const flow = await reachSso(server);
    // The password action belongs to another step.
    assert.equal((await act(server, flow.id, 'password', { password: PASSWORD })).status, 409);
    const { flow: done } = await callback(server, flow.id, await signInAtProvider(flow.data.url!, { email: SAM }));
    assert.equal(grantOf(done).user.id, invited.id);
    const user = await server.db.selectFrom('users').select(['status', 'email_verified_at']).where('id', '=', invited.id).executeTakeFirstOrThrow();
    assert.equal(user.status, 'active');
    assert.notEqual(user.email_verified_at, null);
  });

  test('an SSO session skips only what it should: no password or factor changes here, no company that requires 2FA', async (t) => {
    const { server, acme } = await ssoServer(t);
    const sam = await addUser(server, SAM);
    const strict = await addCompany(server, 'Strict BV', '2020-01-01');
    // Another company on the same issuer (one Google or Keycloak for many tenants) that requires 2FA:
    // signing in through Acme's connection does not speak for it.
    const sibling = await addCompany(server, 'Sibling BV', '2020-01-01');
    await tieToProvider(server, sibling, { domains: ['sibling.example'] });
    await join(server, sam.id, sibling);
    const relaxed = await addCompany(server, 'Relaxed BV');
    const strictMembership = await join(server, sam.id, strict);
    const relaxedMembership = await join(server, sam.id, relaxed);
    await join(server, sam.id, acme);
    const flow = await reachSso(server);
    const { flow: choose } = await callback(server, flow.id, await signInAtProvider(flow.data.url!, { email: SAM }));
    assert.equal(choose.step, 'choose-account');
    if (choose.step !== 'choose-account') return;
    // Strict BV requires 2FA, which this platform did not ask: it is not offered.
    assert.deepEqual(choose.data.accounts.map((a) => a.name).sort(), ['Acme', 'Relaxed BV']);
    assert.equal((await bodyOf<FlowState>(await act(server, flow.id, 'choose', { account: strictMembership }))).error?.code, 'account_not_available');
    const grant = grantOf(await bodyOf<FlowState>(await act(server, flow.id, 'choose', { account: relaxedMembership })));
    const auth = { headers: { authorization: `Bearer ${grant.token}` } };
    const switchTo = (account: string) => server.post('/api/session/account', { account }, auth);
    assert.equal((await switchTo(strictMembership)).status, 403);
    assert.equal((await switchTo(relaxedMembership)).status, 200);

    assert.equal((await switchTo((await server.db.selectFrom('memberships').select('id').where('organization_id', '=', sibling).executeTakeFirstOrThrow()).id)).status, 403);

    // Sign-in methods of this platform are not the SSO person's to change.
    assert.equal((await server.post('/api/account/password', { current: PASSWORD, password: 'Another-Horse-9-Battery' }, auth)).status, 403);
    const enrol = await server.post('/api/flows/enroll-totp', { token: grant.token });
    assert.equal(enrol.status, 403);
    assert.equal(((await enrol.json()) as { error: { code: string } }).error.code, 'sso_required');
    const overview = (await (await server.request('/api/account', auth)).json()) as { provider?: { name: string } };
    assert.equal(overview.provider?.name, 'Acme Identity');
  });
});

/**
 * A provider of the test's own whose metadata goes through `metadata`: the
 * server keeps a provider's metadata for minutes, so one tampered with is
 * never shared. Returns it with a server whose Acme people sign in there, and
 * the lines the server logged.
 */
async function misconfiguredProvider(t: TestContext, metadata: JsonRewrite): Promise<{ idp: TestProvider; server: TestServer; lines: string[] }> {
  const idp = await startTestProvider({ redirectUris: [REDIRECT], accounts: [{ email: SAM }] });
  t.after(() => idp.close());
  idp.tamper('/.well-known/openid-configuration', metadata);
  const lines: string[] = [];
  const server = await startServer(t, { SSO_REDIRECT_URL: REDIRECT, SESSION_COOKIE: 'false' }, { log: createLogger('debug', (line) => lines.push(line)) });
  const acme = await addCompany(server, 'Acme');
  await tieToProvider(server, acme, { idp });
  await addEmployee(server, acme);
  return { idp, server, lines };
}

describe('a provider with malformed metadata', () => {
  const cases: [string, JsonRewrite][] = [
    ['a javascript: authorization endpoint', (m) => ({ ...m, authorization_endpoint: 'javascript:alert(document.domain)//' })],
    ['no authorization endpoint', ({ authorization_endpoint: _, ...m }) => m],
    ['an authorization endpoint that is not a string', (m) => ({ ...m, authorization_endpoint: 42 })],
    ['a plain-http authorization endpoint on another machine', (m) => ({ ...m, authorization_endpoint: 'http://id.acme.example/authorize' })],
    ['a token endpoint that is not a URL', (m) => ({ ...m, token_endpoint: 'not a url' })],
    ['no key set', ({ jwks_uri: _, ...m }) => m],
    ['a data: key set', (m) => ({ ...m, jwks_uri: 'data:application/json,{"keys":[]}' })],
  ];
  for (const [what, metadata] of cases) {
    test(`${what}: the email step answers 502 sso_unavailable (never a 500), and the reason is logged`, async (t) => {
      const { server, lines } = await misconfiguredProvider(t, metadata);
      const flow = await startLogin(server);
      const response = await act(server, flow.id, 'email', { email: SAM });
      assert.equal(response.status, 502);
      const down = await bodyOf<FlowState>(response);
      assert.equal(down.step, 'sso');
      assert.equal(down.error?.code, 'sso_unavailable');
      if (down.step === 'sso') assert.equal(down.data.url, undefined, 'nowhere to send the browser');
      const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.event === 'sso.unavailable');
      assert.match(String(logged?.reason), /authorization_endpoint|token_endpoint|jwks_uri/);
    });
  }
});

/** A port on this machine where nothing listens (a connection there is refused). */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the ID token signature (checked against the provider\'s key set)', () => {
  /** `jwt`'s header (with `header`'s changes) and claims, signed again with RS256 by `key`. */
  function resign(jwt: string, key: KeyObject, header: Record<string, string> = {}): string {
    const [head = '', claims = ''] = jwt.split('.');
    const protectedHeader = Buffer.from(JSON.stringify({ ...(JSON.parse(Buffer.from(head, 'base64url').toString()) as object), ...header })).toString('base64url');
    return `${protectedHeader}.${claims}.${sign('sha256', Buffer.from(`${protectedHeader}.${claims}`), key).toString('base64url')}`;
  }

  test('an ID token signed by a key that is not in the provider\'s key set is refused; the provider\'s own passes', async (t) => {
    const { server, acme } = await ssoServer(t);
    await addEmployee(server, acme);
    const { privateKey: foreign } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    t.after(() => provider.tamper('/token'));
    // The provider's own claims (its nonce, audience, times), under its key id or another: only the signature is not its.
    for (const header of [{}, { kid: 'not-in-the-key-set' }] as Record<string, string>[]) {
      provider.tamper('/token', (body) => ({ ...body, id_token: resign(String(body.id_token), foreign, header) }));
      const flow = await reachSso(server);
      const { status, flow: refused } = await callback(server, flow.id, await signInAtProvider(flow.data.url!, { email: SAM }));
      assert.equal(status, 401, JSON.stringify(header));
      assert.equal(refused.error?.code, 'sso_failed');
      assert.equal(refused.step, 'sso');
    }
    assert.equal(await server.db.selectFrom('sessions').select('id').executeTakeFirst(), undefined);

    provider.tamper('/token');
    const flow = await reachSso(server);
    const { status, flow: done } = await callback(server, flow.id, await signInAtProvider(flow.data.url!, { email: SAM }));
    assert.equal(status, 200);
    assert.equal(done.step, 'done');
  });

  for (const [what, keys] of [
    ['cannot be reached', async () => `http://127.0.0.1:${await closedPort()}/jwks`],
    ['answers with an error', async (issuer: string) => `${issuer}/no-keys-here`],
  ] as const) {
    test(`a key set that ${what} when the person comes back: 502 sso_unavailable, and a new request to try again`, async (t) => {
      let issuer = '';
      const { idp, server } = await misconfiguredProvider(t, async (m) => ({ ...m, jwks_uri: await keys(issuer) }));
      issuer = idp.issuer;
      const flow = await reachSso(server);
      const { status, flow: down } = await callback(server, flow.id, await signInAtProvider(flow.data.url!, { email: SAM }));
      assert.equal(status, 502);
      assert.equal(down.error?.code, 'sso_unavailable');
      assert.equal(down.step, 'sso');
      if (down.step === 'sso') assert.notEqual(down.data.url, flow.data.url);
      assert.equal(await server.db.selectFrom('sessions').select('id').executeTakeFirst(), undefined);
    });
  }
});

test('SSO_REDIRECT_URL takes no query or fragment (the token request would not repeat it)', () => {
  assert.throws(() => loadConfig({ SSO_REDIRECT_URL: 'https://host.example/login?lang=nl' }), /SSO_REDIRECT_URL/);
  assert.equal(loadConfig({ SSO_REDIRECT_URL: 'https://host.example/login' }).ssoRedirectUrl, 'https://host.example/login');
});

describe('several company accounts on one email', () => {
  test('choose-account lists the companies last used first; the choice is the session\'s, and switching needs no new sign-in', async (t) => {
    const server = await startServer(t, { SESSION_COOKIE: 'false' });
    const alice = await addUser(server);
    const bakery = await addCompany(server, 'Bakkerij de Vries');
    const logistics = await addCompany(server, 'Noordzee Logistics');
    const atBakery = await join(server, alice.id, bakery);
    const atLogistics = await join(server, alice.id, logistics);

    const signInAndSee = async () => {
      const response = await signIn(server);
      const flow = await bodyOf<FlowState>(response);
      assert.equal(flow.step, 'choose-account');
      if (flow.step !== 'choose-account') throw new Error('unreachable');
      return flow;
    };
    const first = await signInAndSee();
    assert.deepEqual(first.data.accounts.map((a) => a.name), ['Bakkerij de Vries', 'Noordzee Logistics']);
    assert.deepEqual(first.actions, ['choose']);
    // Not one of the offered accounts, and malformed input.
    assert.equal((await act(server, first.id, 'choose', { account: crypto.randomUUID() })).status, 403);
    assert.equal((await act(server, first.id, 'choose', { account: 7 })).status, 400);
    const grant = grantOf(await bodyOf<FlowState>(await act(server, first.id, 'choose', { account: atLogistics })));
    assert.deepEqual(grant.account, { id: atLogistics, organizationId: logistics, name: 'Noordzee Logistics' });
    assert.equal(claimsOf(grant.jwt).org, logistics);

    server.clock.advance(MINUTE);
    const second = await signInAndSee();
    assert.deepEqual(second.data.accounts.map((a) => a.name), ['Noordzee Logistics', 'Bakkerij de Vries'], 'last used first');

    const auth = { headers: { authorization: `Bearer ${grant.token}` } };
    const listed = (await (await server.request('/api/session/accounts', auth)).json()) as { accounts: { id: string; current: boolean }[] };
    assert.deepEqual(listed.accounts.map((a) => [a.id, a.current]), [[atLogistics, true], [atBakery, false]]);
    const switched = await server.post('/api/session/account', { account: atBakery }, auth);
    assert.equal(switched.status, 200);
    const body = (await switched.json()) as { account: { name: string }; jwt: { token: string } };
    assert.equal(body.account.name, 'Bakkerij de Vries');
    assert.equal(claimsOf(body.jwt.token).org, bakery);
    const session = (await (await server.request('/api/session', auth)).json()) as { account: { id: string } };
    assert.equal(session.account.id, atBakery);
    const audit = await server.db.selectFrom('audit_events').select('event').where('event', '=', 'session.switched').execute();
    assert.equal(audit.length, 1);

    // Someone else's account, bad input, no session.
    const bob = await addUser(server, 'bob@example.com');
    const bobs = await join(server, bob.id, bakery);
    assert.equal((await server.post('/api/session/account', { account: bobs }, auth)).status, 403);
    for (const bad of [{}, { account: '' }, { account: 'x'.repeat(65) }, { account: atBakery, more: true }]) {
      assert.equal((await server.post('/api/session/account', bad, auth)).status, 400);
    }
    assert.equal((await server.post('/api/session/account', { account: atBakery })).status, 401);

    // The bakery requires 2FA from today on, after this sign-in, and Alice has no second factor: not enterable now.
    await server.db.updateTable('organizations').set({ mfa_required_from: '2031-01-15' }).where('id', '=', bakery).execute();
    await server.post('/api/session/account', { account: atLogistics }, auth);
    assert.equal((await server.post('/api/session/account', { account: atBakery }, auth)).status, 403);
    assert.equal((await server.request('/api/session/accounts')).status, 401);
  });

  test('one company account: no choice to make, the session works in it', async (t) => {
    const server = await startServer(t);
    const alice = await addUser(server);
    const bakery = await addCompany(server, 'Bakkerij de Vries');
    const membership = await join(server, alice.id, bakery);
    const grant = grantOf(await bodyOf<FlowState>(await signIn(server)));
    assert.equal(grant.account?.id, membership);
  });

  test('the strictest policy of the person\'s companies applies at sign-in', async (t) => {
    const server = await startServer(t);
    const alice = await addUser(server);
    const relaxed = await addCompany(server, 'Relaxed BV');
    await join(server, alice.id, relaxed);
    // Only a company that requires nothing (and MFA_REQUIRED_FROM=never): straight in.
    assert.equal((await bodyOf<FlowState>(await signIn(server))).step, 'done');

    // A second company that will require 2FA: the prompt, with that company's date.
    const soon = await addCompany(server, 'Soon BV', '2031-03-01');
    await join(server, alice.id, soon);
    const prompt = await bodyOf<FlowState>(await signIn(server));
    assert.equal(prompt.step, 'mfa-prompt');
    if (prompt.step === 'mfa-prompt') assert.equal(prompt.data.requiredFrom, '2031-03-01');

    // The date passes: set-up is required, for every company the session may enter.
    server.clock.advance(60 * 24 * 60 * MINUTE);
    const required = await bodyOf<FlowState>(await signIn(server));
    assert.equal(required.step, 'method-choice');
    if (required.step === 'method-choice') assert.equal(required.data.reason, 'required');
  });
});
