import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ErrorCode } from '../../../server/errors.js';
import type { ErrorResponse } from '../../../server/flows/protocol.js';
import type { Member, Membership, Organization } from '../../../server/companies/organizations.js';
import { unseal } from '../../../server/security/secrets.js';
import { createSession, findSession } from '../../../server/security/sessions.js';
import { addUser, assertError, bodyOf, EMAIL, type TestServer, startServer } from '../helpers.js';

const KEY = 'admin-key-for-tests-0123456789-abcdefghij';
const ENV = { ADMIN_API_KEY: KEY };
const SECRET = 'client-secret-0f9e8d7c6b5a-never-shown';
const SSO = { name: 'Microsoft Entra ID', issuer: 'https://login.microsoftonline.com/tenant-a/v2.0', clientId: 'client-a', clientSecret: SECRET, domains: ['acme.example'] };

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

interface AdminRequest {
  body?: unknown;
  /** The raw body, sent as is with `type`. */
  raw?: string;
  type?: string;
  /** The Authorization header; the right key unless given (null sends none). */
  authorization?: string | null;
}

/** One admin API request, a millisecond after the one before: events in the audit log then have an order. */
function admin(server: TestServer, method: Method, path: string, { body, raw, type = 'application/json', authorization = `Bearer ${KEY}` }: AdminRequest = {}): Promise<Response> {
  server.clock.advance(1);
  const headers: Record<string, string> = {};
  if (authorization !== null) headers.authorization = authorization;
  const payload = raw ?? (body === undefined ? undefined : JSON.stringify(body));
  if (payload !== undefined) headers['content-type'] = type;
  return server.request(`/api/admin${path}`, { method, headers, ...(payload === undefined ? {} : { body: payload }) });
}

/** A request that must succeed with `status`; returns its body. */
async function ok<T>(response: Response, status = 200): Promise<T> {
  assert.equal(response.status, status, await response.clone().text());
  return status === 204 ? (undefined as T) : bodyOf<T>(response);
}

async function createCompany(server: TestServer, body: Record<string, unknown> = { name: 'Acme B.V.' }): Promise<Organization> {
  return ok<Organization>(await admin(server, 'POST', '/organizations', { body }), 201);
}

async function codeAndField(response: Response): Promise<[ErrorCode | undefined, string | undefined]> {
  const { error } = await bodyOf<Partial<ErrorResponse>>(response);
  return [error?.code, error?.field];
}

async function auditEvents(server: TestServer): Promise<Array<{ event: string; actor: string; user_id: string | null; detail: Record<string, unknown> }>> {
  const rows = await server.db.selectFrom('audit_events').select(['event', 'actor', 'user_id', 'detail']).orderBy('at').orderBy('id').execute();
  return rows.map((r) => ({ ...r, detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : {} }));
}

describe('admin API: organizations', () => {
  it('creates (201, slug from the name), lists, reads by slug or id, changes and deletes (204) a company', async (t) => {
    const server = await startServer(t, ENV);
    const created = await createCompany(server, { name: 'Ärzte & Co — Zürich', mfaRequiredFrom: '2031-03-01' });
    assert.deepEqual(created, { id: created.id, name: 'Ärzte & Co — Zürich', slug: 'arzte-co-zurich', mfaRequiredFrom: '2031-03-01', mfaPromptFrom: null, mfaAskCodeFrom: null, createdAt: server.clock.now, sso: null, members: 0 });
    const other = await createCompany(server, { name: 'Globex', slug: 'globex-nl' });
    assert.equal(other.slug, 'globex-nl');
    assert.equal(other.mfaRequiredFrom, null);

    const { organizations } = await ok<{ organizations: Organization[] }>(await admin(server, 'GET', '/organizations'));
    assert.deepEqual(organizations.map((o) => o.slug).sort(), ['arzte-co-zurich', 'globex-nl']);
    for (const key of ['arzte-co-zurich', created.id, 'ARZTE-CO-ZURICH']) {
      const read = await ok<Organization & { memberList: Member[] }>(await admin(server, 'GET', `/organizations/${key}`));
      assert.deepEqual(read, { ...created, memberList: [] });
    }

    const renamed = await ok<Organization>(await admin(server, 'PATCH', `/organizations/${created.slug}`, { body: { name: 'Ärzte Zürich' } }));
    assert.deepEqual(renamed, { ...created, name: 'Ärzte Zürich' }, 'the slug stays, and so does the policy');
    const relaxed = await ok<Organization>(await admin(server, 'PATCH', `/organizations/${created.id}`, { body: { mfaRequiredFrom: null } }));
    assert.equal(relaxed.mfaRequiredFrom, null);
    const unchanged = await ok<Organization>(await admin(server, 'PATCH', `/organizations/${created.id}`, { body: {} }));
    assert.deepEqual(unchanged, relaxed);

    await ok(await admin(server, 'DELETE', `/organizations/${created.slug}`), 204);
    await assertError(await admin(server, 'GET', `/organizations/${created.slug}`), 'organization_not_found');
    await assertError(await admin(server, 'DELETE', `/organizations/${created.slug}`), 'organization_not_found');
    const after = await ok<{ organizations: Organization[] }>(await admin(server, 'GET', '/organizations'));
    assert.deepEqual(after.organizations.map((o) => o.slug), ['globex-nl']);
  });

  it('refuses a slug in use with 409 organization_exists, whether chosen or made from the name', async (t) => {
    const server = await startServer(t, ENV);
    await createCompany(server, { name: 'Acme' });
    await assertError(await admin(server, 'POST', '/organizations', { body: { name: 'ACME' } }), 'organization_exists');
    await assertError(await admin(server, 'POST', '/organizations', { body: { name: 'Another', slug: 'acme' } }), 'organization_exists');
    assert.equal((await server.db.selectFrom('organizations').select('id').execute()).length, 1);
  });

  it('lets exactly one of two concurrent creations with one slug through', async (t) => {
    const server = await startServer(t, ENV);
    const responses = await Promise.all([1, 2].map((n) => admin(server, 'POST', '/organizations', { body: { name: `Acme ${n}`, slug: 'acme' } })));
    assert.deepEqual(responses.map((r) => r.status).sort(), [201, 409]);
    assert.equal((await server.db.selectFrom('organizations').select('id').execute()).length, 1);
  });

  it('refuses bad names, slugs and dates with 400 invalid_request naming the field', async (t) => {
    const server = await startServer(t, ENV);
    const company = await createCompany(server);
    const refused: Array<[Record<string, unknown>, string]> = [
      [{}, 'name'],
      [{ name: '' }, 'name'],
      [{ name: '   ' }, 'name'],
      [{ name: 'x'.repeat(201) }, 'name'],
      [{ name: 'Acme\u0000Evil' }, 'name'],
      [{ name: 5 }, 'name'],
      // Nothing to make a slug from: the caller must choose one.
      [{ name: '株式会社' }, 'slug'],
      [{ name: 'Acme', slug: 'Acme' }, 'slug'],
      [{ name: 'Acme', slug: '-acme' }, 'slug'],
      [{ name: 'Acme', slug: 'acme_nl' }, 'slug'],
      [{ name: 'Acme', slug: 'a'.repeat(64) }, 'slug'],
      [{ name: 'Acme', slug: '' }, 'slug'],
      [{ name: 'Acme', mfaRequiredFrom: '2031-02-30' }, 'mfaRequiredFrom'],
      [{ name: 'Acme', mfaRequiredFrom: '2031-13-01' }, 'mfaRequiredFrom'],
      [{ name: 'Acme', mfaRequiredFrom: '2031-1-1' }, 'mfaRequiredFrom'],
      [{ name: 'Acme', mfaRequiredFrom: '2031-01-01T00:00:00Z' }, 'mfaRequiredFrom'],
      [{ name: 'Acme', mfaRequiredFrom: 'tomorrow' }, 'mfaRequiredFrom'],
      [{ name: 'Acme', mfaRequiredFrom: 20310101 }, 'mfaRequiredFrom'],
    ];
    for (const [body, field] of refused) {
      const response = await admin(server, 'POST', '/organizations', { body: { ...body, ...(body.name === 'Acme' ? { name: 'Other' } : {}) } });
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.deepEqual(await codeAndField(response), ['invalid_request', field], JSON.stringify(body));
    }
    await assertError(await admin(server, 'POST', '/organizations', { body: { name: 'Other', id: 'chosen-id' } }), 'invalid_request');
    for (const body of [{ mfaRequiredFrom: '2031-02-29' }, { name: '' }, { slug: 'new-slug' }, { mfaRequiredFrom: false }]) {
      await assertError(await admin(server, 'PATCH', `/organizations/${company.slug}`, { body }), 'invalid_request');
    }
    // A leap day is a real date.
    const leap = await ok<Organization>(await admin(server, 'PATCH', `/organizations/${company.slug}`, { body: { mfaRequiredFrom: '2032-02-29' } }));
    assert.equal(leap.mfaRequiredFrom, '2032-02-29');
    assert.equal((await server.db.selectFrom('organizations').select('id').execute()).length, 1);
  });

  it('answers malformed requests with 400, 413 or 415, never 500', async (t) => {
    const server = await startServer(t, ENV);
    const company = await createCompany(server);
    const cases: Array<[AdminRequest, ErrorCode]> = [
      [{ body: [] }, 'invalid_request'],
      [{ body: 'name' }, 'invalid_request'],
      [{ raw: '{"name":' }, 'invalid_json'],
      [{ raw: 'name=Acme', type: 'application/x-www-form-urlencoded' }, 'unsupported_media_type'],
      [{ raw: JSON.stringify({ name: 'x'.repeat(100_000) }) }, 'body_too_large'],
    ];
    const routes: Array<[Method, string]> = [
      ['POST', '/organizations'],
      ['PATCH', `/organizations/${company.slug}`],
      ['POST', `/organizations/${company.slug}/members`],
      ['DELETE', `/organizations/${company.slug}/members`],
      ['PUT', `/organizations/${company.slug}/sso`],
    ];
    for (const [method, path] of routes) {
      for (const [request, code] of cases) {
        const response = await admin(server, method, path, request);
        assert.equal((await codeAndField(response))[0], code, `${method} ${path} ${JSON.stringify(request).slice(0, 60)}`);
      }
    }
  });

  it('answers 404 organization_not_found on every company route for a company that does not exist', async (t) => {
    const server = await startServer(t, ENV);
    await addUser(server);
    const routes: Array<[Method, string, unknown]> = [
      ['GET', '', undefined],
      ['PATCH', '', { name: 'New' }],
      ['DELETE', '', undefined],
      ['POST', '/members', { email: EMAIL }],
      ['DELETE', '/members', { email: EMAIL }],
      ['PUT', '/sso', SSO],
      ['DELETE', '/sso', undefined],
    ];
    for (const key of ['nobody', crypto.randomUUID(), 'x'.repeat(300), '%E2%80%AE', "'%20OR%201=1"]) {
      for (const [method, tail, body] of routes) {
        await assertError(await admin(server, method, `/organizations/${key}${tail}`, { body }), 'organization_not_found');
      }
    }
  });

  it('does not exist without ADMIN_API_KEY (404) and refuses a wrong or missing key (401), changing nothing', async (t) => {
    const off = await startServer(t);
    await assertError(await admin(off, 'POST', '/organizations', { body: { name: 'Acme' } }), 'not_found');
    await assertError(await admin(off, 'GET', '/organizations'), 'not_found');
    const server = await startServer(t, ENV);
    const company = await createCompany(server);
    for (const authorization of [null, `Bearer ${KEY}x`, `Basic ${KEY}`]) {
      await assertError(await admin(server, 'POST', '/organizations', { body: { name: 'Other' }, authorization }), 'unauthenticated');
      await assertError(await admin(server, 'GET', `/organizations/${company.slug}`, { authorization }), 'unauthenticated');
      await assertError(await admin(server, 'DELETE', `/organizations/${company.slug}`, { authorization }), 'unauthenticated');
      await assertError(await admin(server, 'PUT', `/organizations/${company.slug}/sso`, { body: SSO, authorization }), 'unauthenticated');
    }
    const { organizations } = await ok<{ organizations: Organization[] }>(await admin(server, 'GET', '/organizations'));
    assert.deepEqual(organizations, [company]);
    assert.deepEqual(await off.db.selectFrom('organizations').select('id').execute(), []);
  });

  it('records who created, changed and deleted a company in the audit log', async (t) => {
    const server = await startServer(t, ENV);
    const company = await createCompany(server, { name: 'Acme' });
    await ok(await admin(server, 'PATCH', '/organizations/acme', { body: { mfaRequiredFrom: '2031-06-01' } }));
    await ok(await admin(server, 'DELETE', '/organizations/acme'), 204);
    assert.deepEqual(
      (await auditEvents(server)).map(({ event, actor, detail }) => [event, actor, detail.organizationId]),
      [['organization.created', 'admin', company.id], ['organization.updated', 'admin', company.id], ['organization.deleted', 'admin', company.id]],
    );
  });
});

describe('admin API: members', () => {
  it('adds an existing user (201), again without harm, and shows them in the company', async (t) => {
    const server = await startServer(t, ENV);
    const user = await addUser(server);
    const company = await createCompany(server);
    const added = await ok<Membership>(await admin(server, 'POST', `/organizations/${company.slug}/members`, { body: { email: ' Alice@Example.com ' } }), 201);
    assert.deepEqual(added, { id: added.id, organizationId: company.id, userId: user.id, role: 'employee', createdAt: server.clock.now });
    server.clock.advance(1000);
    const again = await ok<Membership>(await admin(server, 'POST', `/organizations/${company.id}/members`, { body: { email: EMAIL } }), 201);
    assert.deepEqual(again, added, 'adding twice returns the one membership');
    const read = await ok<Organization & { memberList: Member[] }>(await admin(server, 'GET', `/organizations/${company.slug}`));
    assert.equal(read.members, 1);
    assert.deepEqual(read.memberList, [{ userId: user.id, email: EMAIL, name: '', role: 'employee', addedAt: added.createdAt }]);
    const { organizations } = await ok<{ organizations: Organization[] }>(await admin(server, 'GET', '/organizations'));
    assert.equal(organizations[0]!.members, 1);
  });

  it('changes the role when someone is added again with another one', async (t) => {
    const server = await startServer(t, ENV);
    await addUser(server);
    const company = await createCompany(server);
    const added = await ok<Membership>(await admin(server, 'POST', `/organizations/${company.slug}/members`, { body: { email: EMAIL, role: 'Admin' } }), 201);
    assert.equal(added.role, 'admin');
    const changed = await ok<Membership>(await admin(server, 'POST', `/organizations/${company.slug}/members`, { body: { email: EMAIL, role: 'employee' } }), 201);
    assert.deepEqual(changed, { ...added, role: 'employee' });
    const unchanged = await ok<Membership>(await admin(server, 'POST', `/organizations/${company.slug}/members`, { body: { email: EMAIL } }), 201);
    assert.equal(unchanged.role, 'employee', 'no role given keeps the one there is');
  });

  it('refuses an unknown address (404 user_not_found), a malformed one (400 invalid_email) and a bad role', async (t) => {
    const server = await startServer(t, ENV);
    const company = await createCompany(server);
    const path = `/organizations/${company.slug}/members`;
    await assertError(await admin(server, 'POST', path, { body: { email: 'nobody@example.com' } }), 'user_not_found');
    await assertError(await admin(server, 'DELETE', path, { body: { email: 'nobody@example.com' } }), 'user_not_found');
    await assertError(await admin(server, 'POST', path, { body: { email: 'not an address' } }), 'invalid_email');
    await addUser(server);
    for (const role of ['', 'owner!', 'x'.repeat(40), 5]) {
      await assertError(await admin(server, 'POST', path, { body: { email: EMAIL, role } }), 'invalid_request');
    }
    assert.deepEqual(await server.db.selectFrom('memberships').select('id').execute(), []);
  });

  it('removing a member ends the session working in that account at once, and no other', async (t) => {
    const server = await startServer(t, ENV);
    const { db, config } = server;
    const user = await addUser(server);
    const acme = await createCompany(server, { name: 'Acme' });
    const globex = await createCompany(server, { name: 'Globex' });
    const atAcme = await ok<Membership>(await admin(server, 'POST', '/organizations/acme/members', { body: { email: EMAIL } }), 201);
    const atGlobex = await ok<Membership>(await admin(server, 'POST', '/organizations/globex/members', { body: { email: EMAIL } }), 201);
    const now = server.clock.now;
    const working = await createSession(db, config, { userId: user.id, amr: ['pwd'], membershipId: atAcme.id, now });
    const elsewhere = await createSession(db, config, { userId: user.id, amr: ['pwd'], membershipId: atGlobex.id, now });
    const platform = await createSession(db, config, { userId: user.id, amr: ['pwd'], now });

    await ok(await admin(server, 'DELETE', `/organizations/${acme.id}/members`, { body: { email: 'ALICE@example.com' } }), 204);
    assert.equal(await findSession(db, config, working.token, now), undefined);
    assert.ok(await findSession(db, config, elsewhere.token, now));
    assert.ok(await findSession(db, config, platform.token, now));
    const read = await ok<Organization & { memberList: Member[] }>(await admin(server, 'GET', '/organizations/acme'));
    assert.deepEqual([read.members, read.memberList], [0, []]);
    assert.equal((await ok<Organization>(await admin(server, 'GET', `/organizations/${globex.slug}`))).members, 1);
    // Gone already: no error, nothing more happens.
    await ok(await admin(server, 'DELETE', '/organizations/acme/members', { body: { email: EMAIL } }), 204);
    const events = (await auditEvents(server)).filter((e) => e.event.startsWith('member.'));
    assert.deepEqual(
      events.map(({ event, actor, user_id, detail }) => [event, actor, user_id, detail.organizationId, detail.sessionsRevoked]),
      [['member.added', 'admin', user.id, acme.id, undefined], ['member.added', 'admin', user.id, globex.id, undefined], ['member.removed', 'admin', user.id, acme.id, 1]],
    );
  });

  it('deleting a company ends every session working in it and takes its accounts, domains and provider along', async (t) => {
    const server = await startServer(t, ENV);
    const { db, config } = server;
    const alice = await addUser(server);
    const bob = await addUser(server, 'bob@example.com');
    const acme = await createCompany(server, { name: 'Acme' });
    await ok(await admin(server, 'PUT', '/organizations/acme/sso', { body: SSO }));
    const sessions = [];
    for (const person of [alice, bob]) {
      const membership = await ok<Membership>(await admin(server, 'POST', '/organizations/acme/members', { body: { email: person.email } }), 201);
      sessions.push(await createSession(db, config, { userId: person.id, amr: ['pwd'], membershipId: membership.id, now: server.clock.now }));
    }
    const platform = await createSession(db, config, { userId: alice.id, amr: ['pwd'], now: server.clock.now });
    await ok(await admin(server, 'DELETE', `/organizations/${acme.id}`), 204);
    for (const { token } of sessions) assert.equal(await findSession(db, config, token, server.clock.now), undefined);
    assert.ok(await findSession(db, config, platform.token, server.clock.now));
    for (const table of ['memberships', 'sso_domains', 'sso_connections'] as const) {
      assert.deepEqual(await db.selectFrom(table).select('organization_id').execute(), [], table);
    }
    const deleted = (await auditEvents(server)).find((e) => e.event === 'organization.deleted');
    assert.equal(deleted?.detail.sessionsRevoked, 2);
  });
});

describe('admin API: single sign-on', () => {
  it('sets up a provider: issuer without its trailing slash, domains lower-cased and sorted, the secret sealed and never shown', async (t) => {
    const server = await startServer(t, ENV);
    const company = await createCompany(server);
    const response = await admin(server, 'PUT', `/organizations/${company.slug}/sso`, {
      body: { ...SSO, issuer: 'https://idp.acme.example/', domains: ['Acme.Example', 'mail.acme.example', 'acme.example'] },
    });
    const text = await response.clone().text();
    const configured = await ok<Organization>(response);
    assert.deepEqual(configured.sso, { name: 'Microsoft Entra ID', issuer: 'https://idp.acme.example', clientId: 'client-a', domains: ['acme.example', 'mail.acme.example'] });
    assert.ok(!text.includes(SECRET));
    for (const path of ['/organizations', `/organizations/${company.slug}`, '/audit']) {
      assert.ok(!(await (await admin(server, 'GET', path)).text()).includes(SECRET), path);
    }
    const stored = await server.db.selectFrom('sso_connections').selectAll().executeTakeFirstOrThrow();
    assert.ok(!stored.client_secret.includes(SECRET), 'not stored in plaintext');
    assert.equal(unseal(server.context.secretKey, stored.client_secret, `sso-client:${company.id}`), SECRET);
    assert.throws(() => unseal(server.context.secretKey, stored.client_secret, 'sso-client:another-company'), 'bound to its company');
    const domains = await server.db.selectFrom('sso_domains').select(['domain', 'organization_id']).orderBy('domain').execute();
    assert.deepEqual(domains, [{ domain: 'acme.example', organization_id: company.id }, { domain: 'mail.acme.example', organization_id: company.id }]);
  });

  it('keeps the stored secret when a change leaves it out, and replaces the domains', async (t) => {
    const server = await startServer(t, ENV);
    const company = await createCompany(server);
    await ok(await admin(server, 'PUT', `/organizations/${company.slug}/sso`, { body: SSO }));
    const before = await server.db.selectFrom('sso_connections').select('client_secret').executeTakeFirstOrThrow();
    server.clock.advance(1000);
    const { clientSecret: _secret, ...withoutSecret } = SSO;
    const changed = await ok<Organization>(await admin(server, 'PUT', `/organizations/${company.slug}/sso`, { body: { ...withoutSecret, clientId: 'client-b', domains: ['acme.test'] } }));
    assert.deepEqual(changed.sso, { name: SSO.name, issuer: SSO.issuer, clientId: 'client-b', domains: ['acme.test'] });
    const after = await server.db.selectFrom('sso_connections').select(['client_secret', 'client_id', 'updated_at', 'created_at']).executeTakeFirstOrThrow();
    assert.equal(after.client_secret, before.client_secret);
    assert.ok(Number(after.updated_at) > Number(after.created_at) + 1000);
    assert.deepEqual(await server.db.selectFrom('sso_domains').select('domain').execute(), [{ domain: 'acme.test' }]);
    await ok(await admin(server, 'PUT', `/organizations/${company.slug}/sso`, { body: { ...SSO, clientSecret: 'a-new-secret' } }));
    const replaced = await server.db.selectFrom('sso_connections').select('client_secret').executeTakeFirstOrThrow();
    assert.equal(unseal(server.context.secretKey, replaced.client_secret, `sso-client:${company.id}`), 'a-new-secret');
  });

  it('requires the secret for a first connection (400 invalid_request on clientSecret)', async (t) => {
    const server = await startServer(t, ENV);
    const company = await createCompany(server);
    const { clientSecret: _secret, ...withoutSecret } = SSO;
    const response = await admin(server, 'PUT', `/organizations/${company.slug}/sso`, { body: withoutSecret });
    assert.equal(response.status, 400);
    assert.deepEqual(await codeAndField(response), ['invalid_request', 'clientSecret']);
    assert.deepEqual(await server.db.selectFrom('sso_connections').select('organization_id').execute(), []);
    assert.deepEqual(await server.db.selectFrom('sso_domains').select('domain').execute(), []);
  });

  it('refuses an issuer that is not an https URL (http only on a loopback host), and bad domains', async (t) => {
    const server = await startServer(t, ENV);
    const company = await createCompany(server);
    const path = `/organizations/${company.slug}/sso`;
    const issuers = ['http://idp.example', 'http://10.0.0.1', 'not a url', 'idp.example', 'ftp://idp.example', 'https://idp.example/?tenant=a', 'https://idp.example/#x',
      'https://user:pass@idp.example', 'https://idp.exa mple', 'https://idp.exa\nmple', 'https://idp.example\t/x', 'HTTPS://IDP.EXAMPLE', 'https://idp.example:443', '', 5, null];
    for (const issuer of issuers) {
      const response = await admin(server, 'PUT', path, { body: { ...SSO, issuer } });
      assert.deepEqual(await codeAndField(response), ['invalid_request', 'issuer'], JSON.stringify(issuer));
    }
    const domainLists = [[], ['localhost'], ['acme'], ['192.0.2.1'], ['-acme.example'], ['acme..example'], ['acme.example.'], ['*.acme.example'], ['acme.example/x'], ['user@acme.example'], [`${'a'.repeat(64)}.example`], 'acme.example', [5]];
    for (const domains of domainLists) {
      const response = await admin(server, 'PUT', path, { body: { ...SSO, domains } });
      assert.deepEqual(await codeAndField(response), ['invalid_request', 'domains'], JSON.stringify(domains));
    }
    for (const [field, value] of [['clientId', ''], ['clientSecret', ''], ['name', ''], ['clientId', 'a\u0000b'], ['clientSecret', 'x'.repeat(1025)]] as const) {
      const response = await admin(server, 'PUT', path, { body: { ...SSO, [field]: value } });
      assert.deepEqual(await codeAndField(response), ['invalid_request', field], `${field} ${JSON.stringify(value).slice(0, 20)}`);
    }
    assert.deepEqual(await server.db.selectFrom('sso_connections').select('organization_id').execute(), []);
    // A provider on this machine (a local test provider) may speak plain http.
    for (const issuer of ['http://127.0.0.1:9000', 'http://[::1]:9000/realms/acme', 'http://localhost:8080/']) {
      const configured = await ok<Organization>(await admin(server, 'PUT', path, { body: { ...SSO, issuer } }));
      assert.equal(configured.sso?.issuer, issuer.replace(/\/$/, ''));
    }
  });

  it('refuses a domain another company owns (409 sso_domain_taken) and changes nothing', async (t) => {
    const server = await startServer(t, ENV);
    const acme = await createCompany(server, { name: 'Acme' });
    const globex = await createCompany(server, { name: 'Globex' });
    await ok(await admin(server, 'PUT', '/organizations/acme/sso', { body: { ...SSO, domains: ['acme.example', 'shared.example'] } }));
    await ok(await admin(server, 'PUT', '/organizations/globex/sso', { body: { ...SSO, issuer: 'https://globex.example', domains: ['globex.example'] } }));
    const response = await admin(server, 'PUT', '/organizations/globex/sso', { body: { ...SSO, issuer: 'https://other.example', domains: ['globex.example', 'Shared.Example'] } });
    await assertError(response.clone(), 'sso_domain_taken');
    const { error } = await bodyOf<ErrorResponse>(response);
    assert.deepEqual([error.field, error.details], ['domains', { domains: ['shared.example'] }]);
    const stored = await server.db.selectFrom('sso_domains').select(['domain', 'organization_id']).orderBy('domain').execute();
    assert.deepEqual(stored, [
      { domain: 'acme.example', organization_id: acme.id },
      { domain: 'globex.example', organization_id: globex.id },
      { domain: 'shared.example', organization_id: acme.id },
    ]);
    const read = await ok<Organization>(await admin(server, 'GET', '/organizations/globex'));
    assert.equal(read.sso?.issuer, 'https://globex.example', 'the refused change left the provider as it was');
    // Its own domains are no conflict: a company may set them again.
    await ok(await admin(server, 'PUT', '/organizations/acme/sso', { body: { ...SSO, domains: ['shared.example', 'acme.example'] } }));
  });

  it('gives one domain to exactly one of two companies claiming it at once', async (t) => {
    const server = await startServer(t, ENV);
    await createCompany(server, { name: 'Acme' });
    await createCompany(server, { name: 'Globex' });
    const responses = await Promise.all(['acme', 'globex'].map((slug) => admin(server, 'PUT', `/organizations/${slug}/sso`, { body: { ...SSO, domains: ['contested.example'] } })));
    assert.deepEqual(responses.map((r) => r.status).sort(), [200, 409]);
    assert.equal((await server.db.selectFrom('sso_domains').select('domain').execute()).length, 1);
  });

  it('refuses a domain while people there are not members (they would be locked out), and a new issuer ends the old one\'s sessions', async (t) => {
    const server = await startServer(t, ENV);
    const company = await createCompany(server);
    const bob = await addUser(server, 'bob@acme.example');
    const refused = await admin(server, 'PUT', `/organizations/${company.slug}/sso`, { body: SSO });
    assert.equal(refused.status, 409);
    const body = (await refused.json()) as ErrorResponse;
    assert.equal(body.error.code, 'sso_domain_in_use');
    assert.deepEqual(body.error.details, { domains: ['acme.example'], people: 1 });
    assert.deepEqual(await server.db.selectFrom('sso_connections').select('organization_id').execute(), [], 'nothing half-written');

    await ok(await admin(server, 'POST', `/organizations/${company.slug}/members`, { body: { email: 'bob@acme.example' } }), 201);
    await ok(await admin(server, 'PUT', `/organizations/${company.slug}/sso`, { body: SSO }));
    const viaOld = await createSession(server.db, server.config, { userId: bob.id, amr: [], provider: SSO.issuer, ssoOrganizationId: company.id, now: server.clock.now });
    // Same provider, new secret: sessions stay. Another issuer: they end.
    await ok(await admin(server, 'PUT', `/organizations/${company.slug}/sso`, { body: { ...SSO, clientSecret: 'another-secret-0123456789' } }));
    assert.ok(await findSession(server.db, server.config, viaOld.token, server.clock.now));
    await ok(await admin(server, 'PUT', `/organizations/${company.slug}/sso`, { body: { ...SSO, issuer: 'https://login.microsoftonline.com/tenant-b/v2.0' } }));
    assert.equal(await findSession(server.db, server.config, viaOld.token, server.clock.now), undefined);
  });

  it('removes the provider and its domains (204), and records set-up and removal in the audit log without the secret', async (t) => {
    const server = await startServer(t, ENV);
    const company = await createCompany(server);
    await ok(await admin(server, 'PUT', `/organizations/${company.slug}/sso`, { body: SSO }));
    // A session the provider vouched for ends with the connection; a sign-in here does not.
    const user = await addUser(server);
    const viaProvider = await createSession(server.db, server.config, { userId: user.id, amr: [], provider: SSO.issuer, ssoOrganizationId: company.id, now: server.clock.now });
    const platform = await createSession(server.db, server.config, { userId: user.id, amr: ['pwd'], now: server.clock.now });
    await ok(await admin(server, 'DELETE', `/organizations/${company.slug}/sso`), 204);
    assert.equal(await findSession(server.db, server.config, viaProvider.token, server.clock.now), undefined);
    assert.ok(await findSession(server.db, server.config, platform.token, server.clock.now));
    assert.equal((await ok<Organization>(await admin(server, 'GET', `/organizations/${company.slug}`))).sso, null);
    assert.deepEqual(await server.db.selectFrom('sso_domains').select('domain').execute(), []);
    assert.deepEqual(await server.db.selectFrom('sso_connections').select('organization_id').execute(), []);
    // Nothing left to remove: still 204, and no second event.
    await ok(await admin(server, 'DELETE', `/organizations/${company.slug}/sso`), 204);
    const events = (await auditEvents(server)).filter((e) => e.event.startsWith('sso.'));
    assert.deepEqual(events.map(({ event, actor, detail }) => [event, actor, detail.organizationId]), [['sso.configured', 'admin', company.id], ['sso.removed', 'admin', company.id]]);
    assert.deepEqual([events[0]!.detail.issuer, events[0]!.detail.domains, events[0]!.detail.secretReplaced], [SSO.issuer, 'acme.example', true]);
    assert.ok(!JSON.stringify(events).includes(SECRET));
  });
});
