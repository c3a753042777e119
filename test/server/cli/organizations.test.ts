import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../server/config.js';
import { listOrganizations, type Member, type Organization } from '../../../server/companies/organizations.js';
import { resolveSecretKey, unseal } from '../../../server/security/secrets.js';
import { createSession, findSession } from '../../../server/security/sessions.js';
import { openStore, type Db } from '../../../server/store/index.js';
import { createUser } from '../../../server/users.js';
import { CLI_CONCURRENCY, cli, dataDir } from '../cli-run.js';

const VALID = 'Correct-Horse-9-Battery';
const SECRET = 'cli-client-secret-5a4b3c2d1e-never-printed';
const ISSUER = 'https://login.microsoftonline.com/tenant-a/v2.0';

/** A run that must succeed; returns its output. */
async function run(dir: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const result = await cli(dir, args, env);
  assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** Opens the directory's store in this process (each CLI run costs a second, so set-up and checks happen here). */
async function withStore<T>(dir: string, use: (db: Db) => Promise<T>): Promise<T> {
  const db = await openStore({ dataDir: dir, databaseUrl: undefined });
  try {
    return await use(db);
  } finally {
    await db.destroy();
  }
}

/** The companies as the store holds them (read here: a CLI run costs a second). */
const organizations = (dir: string) => withStore(dir, listOrganizations);

// Each test has its own directory, so they may run side by side.
describe('cli: companies', { concurrency: CLI_CONCURRENCY }, () => {
  it('org create makes a company that org list shows; a slug in use and a date that does not exist are refused', async (t) => {
    const dir = dataDir(t);
    const created = await run(dir, ['org', 'create', '--name', 'Acme B.V.', '--mfa-required-from', '2031-03-01']);
    assert.match(created, /slug acme-b-v/);
    const [again, badDate, noName] = await Promise.all([
      cli(dir, ['org', 'create', '--name', 'Other', '--slug', 'acme-b-v']),
      cli(dir, ['org', 'create', '--name', 'Globex', '--mfa-required-from', '2031-02-30']),
      cli(dir, ['org', 'create', '--slug', 'globex']),
    ]);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /organization_exists/);
    assert.notEqual(badDate.code, 0);
    assert.match(badDate.stderr, /--mfa-required-from/);
    assert.notEqual(noName.code, 0);
    assert.match(noName.stderr, /--name is required/);
    const list = JSON.parse(await run(dir, ['org', 'list', '--json'])) as Organization[];
    assert.deepEqual(list.map(({ name, slug, mfaRequiredFrom, sso, members }) => ({ name, slug, mfaRequiredFrom, sso, members })), [
      { name: 'Acme B.V.', slug: 'acme-b-v', mfaRequiredFrom: '2031-03-01', sso: null, members: 0 },
    ]);
    assert.match(await run(dir, ['org', 'list']), /^acme-b-v\tAcme B\.V\.\t0 members\t2FA from 2031-03-01\tno sso$/m);
  });

  it('org sso reads the client secret from SSO_CLIENT_SECRET, seals it, never prints it, and keeps it when it is left out later', async (t) => {
    const dir = dataDir(t);
    await run(dir, ['org', 'create', '--name', 'Acme', '--slug', 'acme']);
    const args = ['org', 'sso', '--org', 'acme', '--issuer', `${ISSUER}/`, '--client-id', 'client-a', '--domain', 'Acme.Example', '--domain', 'mail.acme.example', '--provider-name', 'Microsoft Entra ID'];
    const missing = await cli(dir, args);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /SSO_CLIENT_SECRET/);
    const badIssuer = await cli(dir, [...args.slice(0, 5), 'http://idp.example', ...args.slice(6)], { SSO_CLIENT_SECRET: SECRET });
    assert.notEqual(badIssuer.code, 0);
    assert.match(badIssuer.stderr, /--issuer/);

    const configured = await run(dir, args, { SSO_CLIENT_SECRET: SECRET });
    assert.ok(!configured.includes(SECRET));
    const [acme] = await organizations(dir);
    assert.deepEqual(acme!.sso, { name: 'Microsoft Entra ID', issuer: ISSUER, clientId: 'client-a', domains: ['acme.example', 'mail.acme.example'] });
    const stored = await withStore(dir, (db) => db.selectFrom('sso_connections').select('client_secret').executeTakeFirstOrThrow());
    assert.ok(!stored.client_secret.includes(SECRET), 'not stored in plaintext');
    assert.equal(unseal(resolveSecretKey(undefined, dir), stored.client_secret, `sso-client:${acme!.id}`), SECRET);

    // A change without the secret keeps the stored one, and the provider's name.
    await run(dir, ['org', 'sso', '--org', acme!.id, '--issuer', ISSUER, '--client-id', 'client-b', '--domain', 'acme.example']);
    const after = await withStore(dir, (db) => db.selectFrom('sso_connections').select(['client_secret', 'client_id', 'name']).executeTakeFirstOrThrow());
    assert.deepEqual(after, { client_secret: stored.client_secret, client_id: 'client-b', name: 'Microsoft Entra ID' });
    const listed = await run(dir, ['org', 'list']);
    assert.match(listed, /sso https:\/\/login\.microsoftonline\.com\/tenant-a\/v2\.0 \(acme\.example\)/);

    await run(dir, ['org', 'sso-remove', '--org', 'acme']);
    assert.equal((await organizations(dir))[0]!.sso, null);
    const events = await withStore(dir, (db) => db.selectFrom('audit_events').select(['event', 'actor', 'detail']).where('event', 'like', 'sso.%').execute());
    assert.deepEqual(events.map((e) => [e.event, e.actor]).sort(), [['sso.configured', 'cli'], ['sso.configured', 'cli'], ['sso.removed', 'cli']]);
    assert.ok(!JSON.stringify(events).includes(SECRET));
  });

  it('member add, list and remove; removal ends the session working in that account', async (t) => {
    const dir = dataDir(t);
    const user = await withStore(dir, (db) => createUser(db, loadConfig({ DATA_DIR: dir }), { email: 'a@example.com', password: VALID, now: Date.now() }));
    await run(dir, ['org', 'create', '--name', 'Acme']);
    const unknown = await cli(dir, ['member', 'add', '--org', 'acme', '--email', 'nobody@example.com']);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /user_not_found/);
    assert.match(await run(dir, ['member', 'add', '--org', 'acme', '--email', 'A@example.com', '--role', 'admin']), /member of Acme \(admin\)/);
    const members = JSON.parse(await run(dir, ['member', 'list', '--org', 'acme', '--json'])) as Member[];
    assert.deepEqual(members.map(({ userId, email, role }) => ({ userId, email, role })), [{ userId: user.id, email: 'a@example.com', role: 'admin' }]);
    assert.match(await run(dir, ['member', 'list', '--org', 'acme']), /^a@example\.com\tadmin\t/m);

    const config = loadConfig({ DATA_DIR: dir });
    const token = await withStore(dir, async (db) => {
      const membership = await db.selectFrom('memberships').select('id').executeTakeFirstOrThrow();
      return (await createSession(db, config, { userId: user.id, amr: ['pwd'], membershipId: membership.id, now: Date.now() })).token;
    });
    await run(dir, ['member', 'remove', '--org', 'acme', '--email', 'a@example.com']);
    assert.equal(await withStore(dir, (db) => findSession(db, config, token, Date.now())), undefined);
    assert.deepEqual(await withStore(dir, (db) => db.selectFrom('memberships').select('id').execute()), []);
    const events = await withStore(dir, (db) => db.selectFrom('audit_events').select(['event', 'actor', 'user_id']).where('event', 'like', 'member.%').execute());
    assert.deepEqual(events.map((e) => [e.event, e.actor, e.user_id]).sort(), [['member.added', 'cli', user.id], ['member.removed', 'cli', user.id]]);
  });

  it('org policy sets and drops the 2FA date; org delete removes the company; an unknown company fails', async (t) => {
    const dir = dataDir(t);
    await run(dir, ['org', 'create', '--name', 'Acme']);
    await run(dir, ['org', 'policy', '--org', 'acme', '--mfa-required-from', '2032-02-29']);
    assert.equal((await organizations(dir))[0]!.mfaRequiredFrom, '2032-02-29');
    await run(dir, ['org', 'policy', '--org', 'acme', '--mfa-required-from', 'none']);
    assert.equal((await organizations(dir))[0]!.mfaRequiredFrom, null);
    const [unknown, noOrg] = await Promise.all([cli(dir, ['org', 'delete', '--org', 'globex']), cli(dir, ['member', 'list'])]);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /organization_not_found/);
    assert.notEqual(noOrg.code, 0);
    assert.match(noOrg.stderr, /--org is required/);
    await run(dir, ['org', 'delete', '--org', 'acme']);
    assert.deepEqual(await organizations(dir), []);
  });
});
