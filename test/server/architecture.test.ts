import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/*
 * The server's shape, checked from its source: layers point one way
 * (routes -> flows -> factors, security -> store), no module imports itself
 * back through others, and every table has the writers it is meant to have
 * ("give each rule one function and each table one writer").
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SERVER = join(ROOT, 'server');

/** Every `.ts` file under `server/`, as a path relative to the repository (`server/routes/account.ts`). */
function serverFiles(dir = SERVER): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return serverFiles(path);
    return entry.name.endsWith('.ts') ? [relative(ROOT, path).split('\\').join('/')] : [];
  });
}

const FILES = serverFiles();
const SOURCES = new Map(FILES.map((file) => [file, readFileSync(join(ROOT, file), 'utf8')]));

/** Comments out, strings kept: an import named in a doc comment is not an import. */
function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/[^\n]*/g, '$1');
}

/**
 * The relative modules a file imports, type-only imports included:
 * `import … from '…'`, `export … from '…'`, `import '…'` and `import('…')`.
 */
function importsOf(file: string): string[] {
  const source = withoutComments(SOURCES.get(file)!);
  const specifiers = [
    ...source.matchAll(/\b(?:import|export)\s[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g),
    ...source.matchAll(/\bimport\s*['"]([^'"]+)['"]/g),
    ...source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((match) => match[1]!);
  return [...new Set(specifiers.filter((s) => s.startsWith('.')).map((s) => resolveModule(file, s)))];
}

/** `./x.js` written in `server/a/b.ts` is `server/a/x.ts` (or `server/a/x/index.ts`). */
function resolveModule(from: string, specifier: string): string {
  const base = join(dirname(from), specifier.replace(/\.js$/, ''));
  for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base]) {
    if (existsSync(join(ROOT, candidate))) return candidate.split('\\').join('/');
  }
  return `${base}.ts`.split('\\').join('/');
}

const GRAPH = new Map(FILES.map((file) => [file, importsOf(file)]));

/** The first import cycle found, as the path that closes it (`a -> b -> a`), or undefined. */
function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const onPath = new Set<string>();
  function visit(file: string): string[] | undefined {
    if (onPath.has(file)) return [...path.slice(path.indexOf(file)), file];
    if (done.has(file) || !graph.has(file)) return undefined;
    path.push(file);
    onPath.add(file);
    for (const next of graph.get(file)!) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    onPath.delete(file);
    done.add(file);
    return undefined;
  }
  for (const file of [...graph.keys()].sort()) {
    const cycle = visit(file);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('the import graph of server/', () => {
  it('reads the imports of a module (a check on the check)', () => {
    const account = GRAPH.get('server/routes/account.ts')!;
    assert.ok(account.includes('server/context.ts'), 'a type-only import counts');
    assert.ok(account.includes('server/security/session-auth.ts'));
    assert.ok(GRAPH.get('server/store/index.ts')!.includes('server/store/migrations.ts'));
    assert.deepEqual(findCycle(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]])), ['a', 'b', 'c', 'a']);
  });

  it('has no cycle', () => {
    const cycle = findCycle(GRAPH);
    assert.equal(cycle, undefined, `import cycle: ${cycle?.join(' -> ')}`);
  });

  it('points one way: nothing in security/, factors/ or store/ imports a route or a flow', () => {
    const lower = FILES.filter((file) => /^server\/(security|factors|store)\//.test(file));
    const upward = lower.flatMap((file) => GRAPH.get(file)!.filter((dep) => /^server\/(routes|flows)\//.test(dep)).map((dep) => `${file} imports ${dep}`));
    assert.deepEqual(upward, []);
  });
});

/**
 * Who may write each table (insert, update, delete), as the code stands. A
 * new writer fails the test: give the change to the table's owner instead, or
 * add it here on purpose. To be narrowed as the rules move to their homes.
 */
const WRITERS: Record<string, readonly string[]> = {
  audit_events: ['server/audit.ts'],
  credentials: [
    'server/factors/passkey.ts',
    'server/factors/removal.ts',
    'server/factors/sms.ts',
    'server/factors/totp.ts',
    'server/flows/login.ts',
    // Renaming a passkey.
    'server/routes/passkeys.ts',
    // Support's 2FA reset.
    'server/users.ts',
  ],
  flows: ['server/flows/engine.ts', 'server/maintenance.ts', 'server/security/credential-change.ts', 'server/users.ts'],
  link_tokens: ['server/security/link-tokens.ts'],
  mail_queue: ['server/delivery/mail.ts'],
  memberships: ['server/companies/demo.ts', 'server/companies/organizations.ts', 'server/flows/login.ts', 'server/routes/session.ts', 'server/users.ts'],
  organizations: ['server/companies/demo.ts', 'server/companies/organizations.ts'],
  outbox: ['server/delivery/mail.ts', 'server/delivery/sms.ts'],
  rate_limits: ['server/maintenance.ts', 'server/security/rate-limit.ts', 'server/store/migrations.ts', 'server/users.ts'],
  recovery_codes: ['server/factors/recovery.ts', 'server/factors/removal.ts'],
  remembered_devices: ['server/security/devices.ts'],
  sessions: ['server/companies/organizations.ts', 'server/maintenance.ts', 'server/security/sessions.ts', 'server/users.ts'],
  signing_keys: ['server/security/tokens.ts'],
  sso_connections: ['server/companies/demo.ts', 'server/companies/organizations.ts'],
  sso_domains: ['server/companies/demo.ts', 'server/companies/organizations.ts'],
  users: [
    'server/companies/demo.ts',
    'server/factors/passkey.ts',
    'server/factors/password-check.ts',
    'server/flows/login.ts',
    'server/security/credential-change.ts',
    // `lockUser`: a no-op update that takes the person's row.
    'server/store/index.ts',
    'server/store/migrations.ts',
    'server/users.ts',
  ],
  webauthn_challenges: ['server/factors/passkey.ts'],
};

/** Every `table` a file writes: Kysely's `insertInto`/`updateTable`/`deleteFrom`, and SQL in `sql` templates. */
function writesOf(source: string): string[] {
  const code = withoutComments(source);
  const tables = [...code.matchAll(/\b(?:insertInto|updateTable|deleteFrom)\(\s*['"`]([A-Za-z_]+)['"`]/g)].map((m) => m[1]!);
  for (const template of code.matchAll(/\bsql(?:<[^>]*>)?`([^`]*)`/g)) {
    tables.push(...[...template[1]!.matchAll(/\b(?:insert\s+into|(?<!\bdo\s+)update|delete\s+from)\s+"?([A-Za-z_]+)"?/gi)].map((m) => m[1]!.toLowerCase()));
  }
  return [...new Set(tables)];
}

describe('writers of each table', () => {
  it('finds writes (a check on the check)', () => {
    assert.deepEqual(writesOf("db.updateTable('users').set({}); trx\n  .deleteFrom( 'flows' )"), ['users', 'flows']);
    assert.deepEqual(writesOf('await sql`insert into rate_limits (key) values (1)`.execute(db); const x = sql`update "sessions" set a = 1`;'), ['rate_limits', 'sessions']);
    assert.deepEqual(writesOf('sql`insert into a (k) values (1) on conflict (k) do update set k = 2`'), ['a'], 'an upsert writes its own table only');
    assert.deepEqual(writesOf("// db.deleteFrom('users')\nconst a = 1;"), []);
  });

  it('has only the writers each table allows', () => {
    const unexpected: string[] = [];
    for (const file of FILES) {
      for (const table of writesOf(SOURCES.get(file)!)) {
        if (!(WRITERS[table] ?? []).includes(file)) unexpected.push(`${file} writes ${table}`);
      }
    }
    assert.deepEqual(unexpected, [], 'a new writer: move the write to the table\'s owner, or list it in WRITERS on purpose');
  });

  it('lists no writer that no longer writes (keep the map tight)', () => {
    const stale = Object.entries(WRITERS).flatMap(([table, files]) => files.filter((file) => !writesOf(SOURCES.get(file) ?? '').includes(table)).map((file) => `${file} no longer writes ${table}`));
    assert.deepEqual(stale, []);
  });
});
