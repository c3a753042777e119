import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../server/config.js';
import { checkPasswordPolicy, verifyPassword } from '../../server/factors/password.js';
import { resolveSecretKey } from '../../server/security/secrets.js';
import { KeyRing } from '../../server/security/tokens.js';
import { openStore, type Db } from '../../server/store/index.js';
import { createUser, listUsers } from '../../server/users.js';

const BIN = fileURLToPath(new URL('../../bin/login-flow.js', import.meta.url));
const VALID = 'Correct-Horse-9-Battery';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A fresh data directory for one test, removed afterwards. */
function dataDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'lf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs `login-flow ...args` with the data directory and extra environment. */
function cli(dir: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  const environment: Record<string, string | undefined> = { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dir, ...env };
  for (const name of ['PORT', 'PUBLIC_URL', 'DATABASE_URL', 'ALLOWED_ORIGINS', 'TRUSTED_PROXIES', 'PASSWORD_POLICY']) {
    if (!(name in env)) delete environment[name];
  }
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: environment, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
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

const emails = (dir: string) => withStore(dir, async (db) => (await listUsers(db)).map((u) => u.email));

function addUser(dir: string, email: string): Promise<unknown> {
  return withStore(dir, (db) => createUser(db, loadConfig({ DATA_DIR: dir }), { email, password: VALID, now: Date.now() }));
}

// Each test has its own directory, so they may run side by side.
describe('cli', { concurrency: true }, () => {
  it('user create adds an active user that user list --json shows', async (t) => {
    const dir = dataDir(t);
    const created = await cli(dir, ['user', 'create', '--email', 'a@example.com', '--password', VALID]);
    assert.equal(created.code, 0, created.stderr);
    assert.ok(!created.stdout.includes(VALID), 'a given password is not echoed');
    const list = await cli(dir, ['user', 'list', '--json']);
    assert.equal(list.code, 0, list.stderr);
    const users = JSON.parse(list.stdout) as Array<{ email: string; status: string }>;
    assert.deepEqual(users.map((u) => [u.email, u.status]), [['a@example.com', 'active']]);
  });

  it('user create without --password sets a generated password and prints it', async (t) => {
    const dir = dataDir(t);
    const created = await cli(dir, ['user', 'create', '--email', 'b@example.com']);
    assert.equal(created.code, 0, created.stderr);
    const password = /^Password: (\S+)$/m.exec(created.stdout)?.[1];
    assert.ok(password, created.stdout);
    assert.deepEqual(checkPasswordPolicy({ password, policy: 'seeds', email: 'b@example.com' }), []);
    const hash = await withStore(dir, async (db) => (await db.selectFrom('users').select('password_hash').executeTakeFirstOrThrow()).password_hash);
    assert.equal(await verifyPassword({ hash, password }), true);
  });

  it('user create refuses a weak password with password_policy and a non-zero exit', async (t) => {
    const dir = dataDir(t);
    const created = await cli(dir, ['user', 'create', '--email', 'a@example.com', '--password', 'password']);
    assert.notEqual(created.code, 0);
    assert.match(created.stderr, /password_policy/);
    assert.deepEqual(await emails(dir), []);
  });

  it('user create refuses an email that already has an account', async (t) => {
    const dir = dataDir(t);
    await addUser(dir, 'a@example.com');
    const again = await cli(dir, ['user', 'create', '--email', 'A@example.com', '--password', VALID]);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /invalid_email/);
  });

  it('user delete removes the user', async (t) => {
    const dir = dataDir(t);
    await addUser(dir, 'a@example.com');
    await addUser(dir, 'b@example.com');
    const deleted = await cli(dir, ['user', 'delete', '--email', 'a@example.com']);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.deepEqual(await emails(dir), ['b@example.com']);
  });

  it('user delete exits non-zero for an unknown email', async (t) => {
    const dir = dataDir(t);
    const deleted = await cli(dir, ['user', 'delete', '--email', 'nobody@example.com']);
    assert.notEqual(deleted.code, 0);
  });

  it('keys rotate adds a new signing key and retires the previous one', async (t) => {
    const dir = dataDir(t);
    const previous = await withStore(dir, (db) => new KeyRing(db, loadConfig({ DATA_DIR: dir }), Date.now, resolveSecretKey(undefined, dir)).rotate());
    const run = await cli(dir, ['keys', 'rotate']);
    assert.equal(run.code, 0, run.stderr);
    const keys = await withStore(dir, (db) => db.selectFrom('signing_keys').select(['kid', 'retired_at']).execute());
    assert.equal(keys.length, 2);
    const current = keys.filter((k) => k.retired_at === null);
    assert.equal(current.length, 1);
    assert.notEqual(current[0]!.kid, previous);
    assert.ok(run.stdout.includes(current[0]!.kid), 'the new key id is printed');
  });

  it('migrate creates the schema in an empty data directory, and is a no-op the second time', async (t) => {
    const dir = dataDir(t);
    const first = await cli(dir, ['migrate']);
    assert.equal(first.code, 0, first.stderr);
    const second = await cli(dir, ['migrate']);
    assert.equal(second.code, 0, second.stderr);
    assert.notEqual(first.stdout, second.stdout);
    const db = await openStore({ dataDir: dir, databaseUrl: undefined }, { migrate: false });
    try {
      // The schema is there without this process migrating anything.
      assert.deepEqual(await db.selectFrom('users').selectAll().execute(), []);
    } finally {
      await db.destroy();
    }
  });

  it('exits 2 for an unknown command', async (t) => {
    const dir = dataDir(t);
    const run = await cli(dir, ['frobnicate']);
    assert.equal(run.code, 2);
  });

  it('exits 2 for an unknown option', async (t) => {
    const dir = dataDir(t);
    const run = await cli(dir, ['user', 'list', '--frobnicate']);
    assert.equal(run.code, 2);
  });

  it('refuses to serve with PORT=abc, printing one line that names PORT', async (t) => {
    const dir = dataDir(t);
    const run = await cli(dir, ['serve'], { PORT: 'abc' });
    assert.notEqual(run.code, 0);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0]!, /\bPORT\b/);
  });
});
