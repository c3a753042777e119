/*
 * The import's rules: rows checked and reported by number, the good ones
 * written, a re-run that updates and never duplicates nor undoes what a
 * person did here since, imported authenticators, and the admin API.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it, type TestContext } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { listAudit } from '../../../server/audit.js';
import { createOrganization } from '../../../server/companies/organizations.js';
import type { FlowState } from '../../../server/flows/protocol.js';
import type { ImportReport } from '../../../server/import/import.js';
import { act, bodyOf, grantOf, PASSWORD, reachPassword, signIn, signInForGrant, startServer, type TestServer } from '../helpers.js';
import { importText, jsonl, legacyHash } from './legacy.js';

const ADMIN_KEY = 'admin-key-for-tests-0123456789-abcdefghij';

async function withCompanies(t: TestContext, env: Record<string, string> = {}): Promise<TestServer> {
  const server = await startServer(t, env);
  await createOrganization(server.context, { name: 'Acme', slug: 'acme', actor: 'cli' });
  await createOrganization(server.context, { name: 'Globex', slug: 'globex', actor: 'cli' });
  return server;
}

async function people(server: TestServer) {
  return server.db.selectFrom('users').select(['id', 'email', 'name', 'locale', 'status', 'password_hash', 'email_verified_at']).orderBy('email').execute();
}

async function accounts(server: TestServer) {
  return server.db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .innerJoin('organizations', 'organizations.id', 'memberships.organization_id')
    .select(['users.email', 'organizations.slug', 'memberships.role'])
    .orderBy('users.email')
    .orderBy('organizations.slug')
    .execute();
}

const counts = (r: ImportReport) => ({ created: r.created, updated: r.updated, unchanged: r.unchanged, failed: r.failed });

describe('import: rows', () => {
  it('reports each bad JSON line by its line number and imports the good ones', async (t) => {
    const server = await withCompanies(t);
    const text = [
      JSON.stringify({ email: 'good1@example.com', name: 'Good One', locale: 'nl', email_verified: true }),
      JSON.stringify({ email: 'not-an-address' }),
      JSON.stringify({ email: 'co@example.com', companies: [{ org: 'initech', role: 'admin' }] }),
      JSON.stringify({ email: 'hash@example.com', password_hash: '5f4dcc3b5aa765d61d8327deb882cf99' }),
      JSON.stringify({ email: 'totp@example.com', totp_secret: 'not base32!' }),
      JSON.stringify({ email: 'locale@example.com', locale: 'de' }),
      '{"email": "broken@example.com",',
      '',
      JSON.stringify({ email: 'extra@example.com', shoe_size: 44 }),
      JSON.stringify({ email: 'good2@example.com', companies: [{ org: 'acme' }] }),
    ].join('\n');
    const report = await importText(server.context, text);
    assert.deepEqual(counts(report), { created: 2, updated: 0, unchanged: 0, failed: 7 });
    assert.deepEqual(report.errors, [
      { row: 2, field: 'email', reason: 'not an email address' },
      { row: 3, field: 'companies', reason: 'unknown company "initech"' },
      { row: 4, field: 'password_hash', reason: 'unsupported format' },
      { row: 5, field: 'totp_secret', reason: 'not a base32 secret of 80 to 512 bits' },
      { row: 6, field: 'locale', reason: 'en or nl' },
      { row: 7, reason: 'malformed JSON' },
      { row: 9, reason: 'unknown field "shoe_size"' },
    ]);
    const rows = await people(server);
    assert.deepEqual(rows.map((u) => [u.email, u.name, u.locale, u.status, u.email_verified_at !== null]), [
      ['good1@example.com', 'Good One', 'nl', 'invited', true],
      ['good2@example.com', '', null, 'invited', false],
    ]);
    assert.deepEqual(await accounts(server), [{ email: 'good2@example.com', slug: 'acme', role: 'employee' }]);
  });

  it('reads CSV with a header: records numbered with the header as row 1, a wrong field count reported, companies as org:role;org:role', async (t) => {
    const server = await withCompanies(t);
    const hash = await legacyHash('bcrypt $2y$', PASSWORD);
    const csv = [
      'email,name,email_verified,password_hash,companies',
      `ann@example.com,"Ann, of Acme",true,${hash},acme:admin;globex`,
      'short@example.com,Short',
      'bob@example.com,"Bob ""the builder""",no,,globex:manager',
      'bad@example.com,Bad,maybe,,',
    ].join('\r\n');
    const report = await importText(server.context, csv, 'csv');
    assert.deepEqual(counts(report), { created: 2, updated: 0, unchanged: 0, failed: 2 });
    assert.deepEqual(report.errors, [
      { row: 3, reason: 'expected 5 fields, found 2' },
      { row: 5, field: 'email_verified', reason: 'true or false' },
    ]);
    const rows = await people(server);
    assert.deepEqual(rows.map((u) => [u.email, u.name, u.status, u.password_hash === hash, u.email_verified_at !== null]), [
      ['ann@example.com', 'Ann, of Acme', 'active', true, true],
      ['bob@example.com', 'Bob "the builder"', 'invited', false, false],
    ]);
    assert.deepEqual(await accounts(server), [
      { email: 'ann@example.com', slug: 'acme', role: 'admin' },
      { email: 'ann@example.com', slug: 'globex', role: 'employee' },
      { email: 'bob@example.com', slug: 'globex', role: 'manager' },
    ]);
    // Her password is right, and with two companies she is asked which account.
    assert.equal((await bodyOf<FlowState>(await signIn(server, 'ann@example.com', PASSWORD))).step, 'choose-account');
  });

  it('refuses a CSV without an email column, and one with an unknown column, at row 1', async (t) => {
    const server = await withCompanies(t);
    assert.deepEqual((await importText(server.context, 'name\nAnn\n', 'csv')).errors, [{ row: 1, reason: 'header: no email column' }]);
    assert.deepEqual((await importText(server.context, 'email,password\na@example.com,secret\n', 'csv')).errors, [{ row: 1, reason: 'header: unknown column "password"' }]);
    assert.deepEqual(await people(server), []);
  });

  it('refuses hashes over the cost caps with a row error (scrypt memory, PBKDF2 iterations)', async (t) => {
    const server = await withCompanies(t);
    const key = Buffer.alloc(32, 1).toString('base64').replace(/=+$/, '');
    const report = await importText(server.context, jsonl([
      { email: 'scrypt@example.com', password_hash: `$scrypt$ln=20,r=8,p=1$c2FsdHNhbHQ$${key}` },
      { email: 'pbkdf2@example.com', password_hash: `$pbkdf2-sha256$i=50000000,l=32$c2FsdHNhbHQ$${key}` },
      { email: 'ok@example.com', password_hash: `$pbkdf2-sha256$i=600000,l=32$c2FsdHNhbHQ$${key}` },
    ]));
    assert.deepEqual(report.errors, [
      { row: 1, field: 'password_hash', reason: 'parameters over the cap' },
      { row: 2, field: 'password_hash', reason: 'parameters over the cap' },
    ]);
    assert.equal(report.created, 1);
  });

  it('a dry run counts and writes nothing', async (t) => {
    const server = await withCompanies(t);
    const report = await importText(server.context, jsonl([{ email: 'a@example.com' }, { email: 'b@example.com', companies: [{ org: 'nope' }] }]), 'jsonl', { dryRun: true });
    assert.deepEqual({ ...counts(report), dryRun: report.dryRun }, { created: 1, updated: 0, unchanged: 0, failed: 1, dryRun: true });
    assert.deepEqual(await people(server), []);
    assert.deepEqual((await listAudit(server.db)).filter((e) => e.event === 'users.imported'), []);
  });

  it('records one users.imported audit event per run, with its counts', async (t) => {
    const server = await withCompanies(t);
    await importText(server.context, jsonl([{ email: 'a@example.com' }, { email: 'b@example.com' }, { email: 'nobody' }]));
    const events = (await listAudit(server.db)).filter((e) => e.event === 'users.imported');
    assert.deepEqual(events.map((e) => e.detail), [{ format: 'jsonl', created: 2, updated: 0, unchanged: 0, failed: 1 }]);
  });
});

describe('import: again', () => {
  it('the same file again creates no one and duplicates no account; a changed file updates', async (t) => {
    const server = await withCompanies(t);
    const hash = await legacyHash('pbkdf2_sha256 Django', PASSWORD);
    const rows = [
      { email: 'Ann@Example.com', name: 'Ann', companies: [{ org: 'acme', role: 'admin' }], password_hash: hash },
      { email: 'bob@example.com', name: 'Bob', companies: [{ org: 'globex' }] },
    ];
    assert.deepEqual(counts(await importText(server.context, jsonl(rows))), { created: 2, updated: 0, unchanged: 0, failed: 0 });
    const first = await people(server);
    assert.deepEqual(counts(await importText(server.context, jsonl(rows))), { created: 0, updated: 0, unchanged: 2, failed: 0 });
    assert.deepEqual(await people(server), first);
    const changed = [
      { email: 'ann@example.com', name: 'Ann Smith', locale: 'nl', companies: [{ org: 'acme', role: 'owner' }, { org: 'globex' }] },
      { email: 'bob@example.com', name: 'Bob', companies: [{ org: 'globex' }] },
    ];
    assert.deepEqual(counts(await importText(server.context, jsonl(changed))), { created: 0, updated: 1, unchanged: 1, failed: 0 });
    const after = await people(server);
    assert.deepEqual(after.map((u) => [u.email, u.name, u.locale, u.password_hash === hash]), [
      ['ann@example.com', 'Ann Smith', 'nl', true],
      ['bob@example.com', 'Bob', null, false],
    ]);
    assert.deepEqual(await accounts(server), [
      { email: 'ann@example.com', slug: 'acme', role: 'owner' },
      { email: 'ann@example.com', slug: 'globex', role: 'employee' },
      { email: 'bob@example.com', slug: 'globex', role: 'employee' },
    ]);
  });

  it('a person named twice in one file is written once, the later row updating the earlier', async (t) => {
    const server = await withCompanies(t);
    const report = await importText(server.context, jsonl([{ email: 'a@example.com', name: 'First' }, { email: 'A@example.com', name: 'Second' }]));
    assert.deepEqual(counts(report), { created: 1, updated: 1, unchanged: 0, failed: 0 });
    assert.deepEqual((await people(server)).map((u) => u.name), ['Second']);
  });

  it('a re-run after the person signed in does not bring the old hash back', async (t) => {
    const server = await withCompanies(t);
    const legacy = await legacyHash('bcrypt $2b$', PASSWORD);
    const file = jsonl([{ email: 'moved@example.com', email_verified: true, password_hash: legacy }]);
    await importText(server.context, file);
    await signInForGrant(server, 'moved@example.com', PASSWORD);
    const rehashed = (await people(server))[0]!.password_hash;
    assert.notEqual(rehashed, legacy);
    const again = await importText(server.context, file);
    assert.deepEqual(counts(again), { created: 0, updated: 0, unchanged: 1, failed: 0 });
    assert.equal((await people(server))[0]!.password_hash, rehashed);
    // The old system's newer hash of another password does not replace it either.
    await importText(server.context, jsonl([{ email: 'moved@example.com', password_hash: await legacyHash('bcrypt $2b$', 'Another-Password-77!') }]));
    assert.equal((await people(server))[0]!.password_hash, rehashed);
  });

  it('a re-run replaces a hash still from the old system, and activates an invited person given one', async (t) => {
    const server = await withCompanies(t);
    await importText(server.context, jsonl([{ email: 'a@example.com', email_verified: true, password_hash: await legacyHash('bcrypt $2b$', 'Old-Password-123!') }, { email: 'b@example.com', email_verified: true }]));
    const report = await importText(server.context, jsonl([
      { email: 'a@example.com', password_hash: await legacyHash('scrypt PHC', PASSWORD) },
      { email: 'b@example.com', password_hash: await legacyHash('argon2i', PASSWORD) },
    ]));
    assert.deepEqual(counts(report), { created: 0, updated: 2, unchanged: 0, failed: 0 });
    assert.deepEqual((await people(server)).map((u) => u.status), ['active', 'active']);
    await signInForGrant(server, 'a@example.com', PASSWORD);
    await signInForGrant(server, 'b@example.com', PASSWORD);
  });
});

describe('import: authenticator apps', () => {
  const SECRET = new Secret({ size: 20 }).base32;

  /** The code of an independent implementation: Debian's oathtool when installed, else otpauth. */
  function codeAt(secret: string, time: number): string {
    try {
      const oathtool = execFileSync('which', ['oathtool']).toString().trim();
      return execFileSync(oathtool, ['--totp', '-b', secret, '--now', new Date(time).toISOString().replace('T', ' ').replace('.000Z', ' UTC')]).toString().trim();
    } catch {
      return new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp: time });
    }
  }

  it('an imported TOTP secret is asked at sign-in, and its code signs in', async (t) => {
    const server = await withCompanies(t);
    // Spaced and lower-case, as some systems export it.
    const spaced = SECRET.toLowerCase().replace(/(.{4})/g, '$1 ').trim();
    const report = await importText(server.context, jsonl([{ email: 'two@example.com', email_verified: true, password_hash: await legacyHash('argon2d', PASSWORD), totp_secret: spaced }]));
    assert.equal(report.created, 1, JSON.stringify(report.errors));
    const stored = await server.db.selectFrom('credentials').select(['type', 'secret', 'confirmed_at']).execute();
    assert.equal(stored.length, 1);
    assert.ok(stored[0]!.confirmed_at !== null);
    assert.ok(!stored[0]!.secret!.includes(SECRET), 'the secret is sealed');
    const id = await reachPassword(server, 'two@example.com');
    const second = await bodyOf<FlowState>(await act(server, id, 'password', { password: PASSWORD }));
    assert.equal(second.step, 'second-factor', JSON.stringify(second.error));
    const done = await bodyOf<FlowState>(await act(server, id, 'totp', { code: codeAt(SECRET, server.clock.now) }));
    assert.equal(grantOf(done).user.email, 'two@example.com');
  });

  it('a re-run adds no second authenticator', async (t) => {
    const server = await withCompanies(t);
    const file = jsonl([{ email: 'two@example.com', totp_secret: SECRET }]);
    await importText(server.context, file);
    assert.deepEqual(counts(await importText(server.context, file)), { created: 0, updated: 0, unchanged: 1, failed: 0 });
    assert.deepEqual(counts(await importText(server.context, jsonl([{ email: 'two@example.com', totp_secret: new Secret({ size: 20 }).base32 }]))), { created: 0, updated: 0, unchanged: 1, failed: 0 });
    assert.equal((await server.db.selectFrom('credentials').select('id').execute()).length, 1);
  });
});

describe('import: the admin API', () => {
  const auth = { authorization: `Bearer ${ADMIN_KEY}` };
  const post = (server: TestServer, body: string, headers: Record<string, string>, query = '') =>
    server.request(`/api/admin/users/import${query}`, { method: 'POST', headers, body });

  it('imports JSON lines and CSV and answers the report', async (t) => {
    const server = await withCompanies(t, { ADMIN_API_KEY: ADMIN_KEY });
    const ndjson = await post(server, jsonl([{ email: 'a@example.com', companies: [{ org: 'acme' }] }, { email: 'nope' }]), { ...auth, 'content-type': 'application/x-ndjson' });
    assert.equal(ndjson.status, 200);
    const report = await bodyOf<ImportReport>(ndjson);
    assert.deepEqual(report, { format: 'jsonl', dryRun: false, created: 1, updated: 0, unchanged: 0, failed: 1, errors: [{ row: 2, field: 'email', reason: 'not an email address' }], errorsNotListed: 0 });
    const csv = await post(server, 'email,name\na@example.com,Ann\nb@example.com,Bob\n', { ...auth, 'content-type': 'text/csv; charset=utf-8' });
    assert.deepEqual(counts(await bodyOf<ImportReport>(csv)), { created: 1, updated: 1, unchanged: 0, failed: 0 });
    const dry = await post(server, 'email\nc@example.com\n', { ...auth, 'content-type': 'text/csv' }, '?dryRun=true');
    assert.deepEqual(counts(await bodyOf<ImportReport>(dry)), { created: 1, updated: 0, unchanged: 0, failed: 0 });
    assert.deepEqual((await people(server)).map((u) => u.email), ['a@example.com', 'b@example.com']);
    assert.deepEqual((await listAudit(server.db)).filter((e) => e.event === 'users.imported').map((e) => e.actor), ['admin', 'admin']);
  });

  it('refuses a missing key (401), another media type (415), and a body over IMPORT_MAX_BYTES (413)', async (t) => {
    const server = await withCompanies(t, { ADMIN_API_KEY: ADMIN_KEY, IMPORT_MAX_BYTES: '2048' });
    const body = jsonl([{ email: 'a@example.com' }]);
    assert.equal((await post(server, body, { 'content-type': 'application/x-ndjson' })).status, 401);
    const json = await post(server, body, { ...auth, 'content-type': 'application/json' });
    assert.equal(json.status, 415);
    assert.equal((await bodyOf<{ error: { code: string } }>(json)).error.code, 'unsupported_media_type');
    const big = jsonl(Array.from({ length: 100 }, (_, i) => ({ email: `p${i}@example.com` })));
    assert.ok(big.length > 2048);
    const declared = await post(server, big, { ...auth, 'content-type': 'application/x-ndjson', 'content-length': String(Buffer.byteLength(big)) });
    assert.equal(declared.status, 413);
    // Chunked, with no length declared: cut off where it passes the cap.
    const streamed = await server.request('/api/admin/users/import', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/x-ndjson' },
      body: new ReadableStream({ start(controller) { controller.enqueue(new TextEncoder().encode(big)); controller.close(); } }),
      duplex: 'half',
    } as RequestInit);
    assert.equal(streamed.status, 413);
    assert.equal((await bodyOf<{ error: { code: string } }>(streamed)).error.code, 'body_too_large');
  });
});
