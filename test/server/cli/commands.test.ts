import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { createApp } from '../../../server/app.js';
import { audit } from '../../../server/audit.js';
import { loadConfig } from '../../../server/config.js';
import { issueRecoveryCode } from '../../../server/factors/recovery.js';
import { createLogger } from '../../../server/log.js';
import { createSession } from '../../../server/security/sessions.js';
import { verifyPassword } from '../../../server/factors/password.js';
import { checkPasswordPolicy } from '../../../server/factors/password-policy.js';
import { resolveSecretKey } from '../../../server/security/secrets.js';
import { KeyRing } from '../../../server/security/tokens.js';
import { openStore, type Db } from '../../../server/store/index.js';
import { createUser, listUsers } from '../../../server/users.js';
import { CLI_CONCURRENCY, cli, dataDir } from '../cli-run.js';

const VALID = 'Correct-Horse-9-Battery';

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
describe('cli', { concurrency: CLI_CONCURRENCY }, () => {
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
    assert.notEqual(current[0]!.kid, previous.kid);
    // The previous key signs for two more minutes, published beside the new one, then retires.
    assert.ok(keys.filter((k) => k.retired_at !== null).every((k) => Number(k.retired_at) > Date.now()));
    assert.match(run.stdout, /signing from \d{4}-\d\d-\d\dT/);
    assert.ok(run.stdout.includes(current[0]!.kid), 'the new key id is printed');
  });

  it('several processes starting at once on a new data directory agree on one secret key', async (t) => {
    const dir = dataDir(t);
    // Each process waits for the same instant, so they race for the file for real.
    const start = Date.now() + 3000;
    const script = `import { resolveSecretKey } from ${JSON.stringify(new URL('../../../server/security/secrets.ts', import.meta.url).href)};
while (Date.now() < ${start});
process.stdout.write(resolveSecretKey(undefined, ${JSON.stringify(dir)}).toString('base64'));`;
    const keys = await Promise.all(Array.from({ length: 8 }, () => new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], (error, stdout) => (error ? reject(error) : resolve(stdout)));
    })));
    assert.equal(new Set(keys).size, 1, 'one key for all');
    assert.equal(Buffer.from(keys[0]!, 'base64').length, 32);
    assert.equal(resolveSecretKey(undefined, dir).toString('base64'), keys[0], 'and the file holds it');
    assert.deepEqual(readdirSync(dir), ['secret.key'], 'no drafts are left behind');
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

/** The API over a directory the CLI wrote to, in this process. */
async function withApp<T>(dir: string, use: (app: ReturnType<typeof createApp>['app'], db: Db) => Promise<T>): Promise<T> {
  return withStore(dir, (db) => use(createApp({ config: loadConfig({ DATA_DIR: dir, NODE_ENV: 'test', LOG_LEVEL: 'silent' }), db }).app, db));
}

describe('cli: invitations, disabling and the audit log', { concurrency: CLI_CONCURRENCY }, () => {
  it('user invite mails the activation link and prints it; the link opens an activation flow', async (t) => {
    const dir = dataDir(t);
    const run = await cli(dir, ['user', 'invite', '--email', 'New@Example.com', '--name', 'Nina', '--locale', 'nl']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Invited: new@example\.com;/m);
    const link = /^Activation link: (\S+)$/m.exec(run.stdout)?.[1];
    assert.ok(link, run.stdout);
    assert.match(link, /^http:\/\/localhost:3000\/activate#token=[A-Za-z0-9_-]{43}$/);
    await withApp(dir, async (app, db) => {
      const [mail] = await db.selectFrom('outbox').select(['recipient', 'subject', 'body']).execute();
      assert.equal(mail?.recipient, 'new@example.com');
      assert.match(mail!.subject, /^Activeer je /);
      assert.ok(mail!.body.includes(link), 'the mail carries the printed link');
      const user = await db.selectFrom('users').select(['status', 'name', 'locale']).executeTakeFirstOrThrow();
      assert.deepEqual(user, { status: 'invited', name: 'Nina', locale: 'nl' });
      const event = await db.selectFrom('audit_events').select(['event', 'actor']).executeTakeFirstOrThrow();
      assert.deepEqual(event, { event: 'user.invited', actor: 'cli' });
      const response = await app.request('/api/flows/activate', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: new URL(link).hash.slice('#token='.length) }) });
      assert.equal(response.status, 201);
      const flow = (await response.json()) as { step: string; data: { email: string } };
      assert.deepEqual([flow.step, flow.data.email], ['set-password', 'new@example.com']);
    });
  });

  it('user invite refuses an active user and an unknown language, exiting non-zero', async (t) => {
    const dir = dataDir(t);
    await addUser(dir, 'a@example.com');
    const [active, language] = await Promise.all([
      cli(dir, ['user', 'invite', '--email', 'a@example.com']),
      cli(dir, ['user', 'invite', '--email', 'b@example.com', '--locale', 'de']),
    ]);
    assert.equal(active.code, 2);
    assert.match(active.stderr, /user_active/);
    assert.equal(language.code, 2);
    assert.match(language.stderr, /--locale/);
    assert.deepEqual(await emails(dir), ['a@example.com']);
  });

  it('user disable ends the sessions and the account; an unknown address exits non-zero', async (t) => {
    const dir = dataDir(t);
    await addUser(dir, 'a@example.com');
    const token = await withStore(dir, async (db) => {
      const user = await db.selectFrom('users').select('id').executeTakeFirstOrThrow();
      return (await createSession(db, loadConfig({ DATA_DIR: dir }), { userId: user.id, amr: ['pwd'], now: Date.now() })).token;
    });
    const [disabled, unknown] = await Promise.all([
      cli(dir, ['user', 'disable', '--email', 'A@example.com']),
      cli(dir, ['user', 'disable', '--email', 'nobody@example.com']),
    ]);
    assert.equal(disabled.code, 0, disabled.stderr);
    assert.notEqual(unknown.code, 0);
    await withApp(dir, async (app, db) => {
      assert.equal((await db.selectFrom('users').select('status').executeTakeFirstOrThrow()).status, 'disabled');
      assert.equal((await app.request('/api/session', { headers: { authorization: `Bearer ${token}` } })).status, 401);
      const event = await db.selectFrom('audit_events').select(['event', 'actor']).executeTakeFirstOrThrow();
      assert.deepEqual(event, { event: 'user.disabled', actor: 'cli' });
    });
  });

  it('user list shows each user with their second factors and recovery code', async (t) => {
    const dir = dataDir(t);
    await addUser(dir, 'a@example.com');
    await addUser(dir, 'b@example.com');
    await withStore(dir, async (db) => {
      const a = await db.selectFrom('users').select('id').where('email', '=', 'a@example.com').executeTakeFirstOrThrow();
      const now = Date.now();
      for (const type of ['totp', 'passkey', 'passkey'] as const) {
        await db.insertInto('credentials').values({ id: crypto.randomUUID(), user_id: a.id, type, secret: 'sealed', name: type, created_at: now, confirmed_at: now, last_used_at: null, last_step: null }).execute();
      }
      // An authenticator whose set-up was never confirmed is not a factor.
      await db.insertInto('credentials').values({ id: crypto.randomUUID(), user_id: a.id, type: 'sms', secret: 'sealed', name: 'sms', created_at: now, confirmed_at: null, last_used_at: null, last_step: null }).execute();
      await issueRecoveryCode(db, { userId: a.id, kind: 'recovery', now });
    });
    const run = await cli(dir, ['user', 'list']);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split('\n').map((line) => line.split('\t'));
    const byEmail = new Map(lines.map(([email, ...rest]) => [email, rest]));
    assert.equal(byEmail.size, 2);
    const [statusA, factorsA] = byEmail.get('a@example.com')!;
    assert.equal(statusA, 'active');
    assert.deepEqual(factorsA!.replace('+recovery', '').split(',').sort(), ['passkey×2', 'totp']);
    assert.ok(factorsA!.endsWith('+recovery'), factorsA);
    assert.deepEqual(byEmail.get('b@example.com')!.slice(0, 2), ['active', 'no 2FA']);
  });

  it('audit prints security events newest first, for one user, as JSON, within --limit', async (t) => {
    const dir = dataDir(t);
    await addUser(dir, 'a@example.com');
    await addUser(dir, 'b@example.com');
    await withStore(dir, async (db) => {
      const users = await db.selectFrom('users').select(['id', 'email']).execute();
      const id = (email: string) => users.find((u) => u.email === email)!.id;
      let at = Date.UTC(2031, 0, 15, 9, 0, 0);
      const app = { db, log: createLogger('silent'), now: () => at };
      await audit(app, { event: 'login.failure', userId: id('a@example.com'), ip: '192.0.2.1', detail: { method: 'password' } });
      at += 1000;
      await audit(app, { event: 'login.success', userId: id('a@example.com'), ip: '192.0.2.1' });
      at += 1000;
      await audit(app, { event: 'mfa.reset', userId: id('a@example.com'), actor: 'admin' });
      at += 1000;
      await audit(app, { event: 'login.failure', userId: id('b@example.com') });
    });
    const [mine, json, tooMany, nobody] = await Promise.all([
      cli(dir, ['audit', '--email', 'a@example.com', '--limit', '2']),
      cli(dir, ['audit', '--json']),
      cli(dir, ['audit', '--limit', '0']),
      cli(dir, ['audit', '--email', 'nobody@example.com']),
    ]);
    assert.equal(mine.code, 0, mine.stderr);
    const lines = mine.stdout.trim().split('\n').map((line) => line.split('\t'));
    assert.deepEqual(lines.map(([at, event, actor]) => [at, event, actor]), [
      ['2031-01-15T09:00:02.000Z', 'mfa.reset', 'admin'],
      ['2031-01-15T09:00:01.000Z', 'login.success', 'user'],
    ]);
    assert.equal(json.code, 0, json.stderr);
    const events = JSON.parse(json.stdout) as Array<{ event: string; ip: string | null; detail: Record<string, unknown> }>;
    assert.deepEqual(events.map((e) => e.event), ['login.failure', 'mfa.reset', 'login.success', 'login.failure']);
    assert.deepEqual([events[3]!.ip, events[3]!.detail], ['192.0.2.1', { method: 'password' }]);
    assert.equal(tooMany.code, 2);
    assert.notEqual(nobody.code, 0);
  });
});
