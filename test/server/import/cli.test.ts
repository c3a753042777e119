/*
 * `login-flow import users FILE` as a person runs it: the real CLI in a
 * child process, on the same store (SQLite file or PostgreSQL database) as
 * a server that the imported people then sign in to.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { createOrganization } from '../../../server/companies/organizations.js';
import type { ImportReport } from '../../../server/import/import.js';
import { CLI_CONCURRENCY, cli } from '../cli-run.js';
import type { FlowState } from '../../../server/flows/protocol.js';
import { bodyOf, grantOf, signIn, startServer, type TestServer } from '../helpers.js';
import { jsonl, LEGACY_FORMATS, legacyHash, type LegacyFormat } from './legacy.js';

/** Runs the CLI against the server's store. */
function importCli(server: TestServer, args: string[]) {
  return cli(server.dir, ['import', 'users', ...args], server.config.databaseUrl ? { DATABASE_URL: server.config.databaseUrl } : {});
}

async function withFile(t: TestContext, name: string, text: string): Promise<{ server: TestServer; file: string }> {
  const server = await startServer(t);
  const file = join(server.dir, name);
  writeFileSync(file, text);
  return { server, file };
}

describe('cli: import users', { concurrency: CLI_CONCURRENCY }, () => {
  it('exits 0 when every row imported, and prints the counts', async (t) => {
    const { server, file } = await withFile(t, 'people.csv', 'email,name\na@example.com,Ann\nb@example.com,Bob\n');
    const run = await importCli(server, [file]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), 'Imported: created 2, updated 0, unchanged 0, failed 0');
  });

  it('exits 1 when rows failed, printing one line per row error, the good rows imported', async (t) => {
    const { server, file } = await withFile(t, 'people.jsonl', jsonl([{ email: 'a@example.com' }, { email: 'b@example.com', password_hash: '$md5$nope' }, { email: 'x' }]));
    const run = await importCli(server, [file]);
    assert.equal(run.code, 1, run.stderr);
    assert.deepEqual(run.stdout.trim().split('\n'), [
      'row 2: password_hash: unsupported format',
      'row 3: email: not an email address',
      'Imported: created 1, updated 0, unchanged 0, failed 2',
    ]);
    assert.equal((await server.db.selectFrom('users').select('email').execute()).length, 1);
  });

  it('--json prints the report, --dry-run writes nothing, --format overrides the extension', async (t) => {
    const { server, file } = await withFile(t, 'people.txt', 'email\na@example.com\n');
    const run = await importCli(server, [file, '--format', 'csv', '--json', '--dry-run']);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as ImportReport;
    assert.deepEqual(report, { format: 'csv', dryRun: true, created: 1, updated: 0, unchanged: 0, failed: 0, errors: [], errorsNotListed: 0 });
    assert.equal((await server.db.selectFrom('users').select('email').execute()).length, 0);
  });

  it('exits 2 for a usage error: no file, a file that is not there, a format it cannot tell', async (t) => {
    const { server, file } = await withFile(t, 'people.txt', 'email\na@example.com\n');
    for (const args of [[], [join(server.dir, 'missing.csv')], [file], [file, '--format', 'xml']]) {
      const run = await importCli(server, args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stdout}`);
      assert.match(run.stderr, /^login-flow: /);
    }
  });

  it('10,000 people from another system, with bcrypt, PBKDF2, scrypt and argon2 hashes: one command, and a sample signs in with their old passwords, each rehashed', async (t) => {
    const server = await startServer(t);
    await createOrganization(server.context, { name: 'Acme', slug: 'acme', actor: 'cli' });
    // Distinct hashes per format, reused across rows with distinct emails (each string is salted once: enough here).
    const POOL = 20;
    const pool = new Map<LegacyFormat, { hash: string; password: string }[]>();
    for (const format of LEGACY_FORMATS) {
      const hashes = [];
      for (let i = 0; i < POOL; i++) {
        const password = `Old-${format.replace(/\W/g, '')}-${i}-pass`;
        hashes.push({ hash: await legacyHash(format, password), password });
      }
      pool.set(format, hashes);
    }
    const TOTAL = 10_000;
    const row = (i: number) => {
      const format = LEGACY_FORMATS[i % LEGACY_FORMATS.length]!;
      const { hash, password } = pool.get(format)![Math.floor(i / LEGACY_FORMATS.length) % POOL]!;
      return { format, password, line: { email: `person${i}@example.com`, name: `Person ${i}`, email_verified: true, password_hash: hash, companies: [{ org: 'acme', role: i % 10 === 0 ? 'admin' : 'employee' }] } };
    };
    const file = join(server.dir, 'export.jsonl');
    writeFileSync(file, jsonl(Array.from({ length: TOTAL }, (_, i) => row(i).line)));

    const run = await importCli(server, [file, '--json']);
    assert.equal(run.code, 0, run.stderr + run.stdout.slice(0, 2000));
    const report = JSON.parse(run.stdout) as ImportReport;
    assert.deepEqual([report.created, report.failed], [TOTAL, 0]);
    const counted = await server.db.selectFrom('users').select(server.db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(counted.n), TOTAL);
    const members = await server.db.selectFrom('memberships').select(server.db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(members.n), TOTAL);

    // Four of each format sign in, spread over the file.
    for (let f = 0; f < LEGACY_FORMATS.length; f++) {
      for (const k of [0, 1, 400, Math.floor(TOTAL / LEGACY_FORMATS.length) - 1]) {
        const i = k * LEGACY_FORMATS.length + f;
        const { format, password, line } = row(i);
        const response = await signIn(server, line.email, password);
        assert.equal(response.status, 200, `${format} row ${i}: ${await response.clone().text()}`);
        const grant = grantOf(await bodyOf<FlowState>(response));
        assert.equal(grant.user.email, line.email, format);
        const stored = await server.db.selectFrom('users').select('password_hash').where('email', '=', line.email).executeTakeFirstOrThrow();
        assert.match(stored.password_hash!, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/, format);
      }
    }
  });
});
