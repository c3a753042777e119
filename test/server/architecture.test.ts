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
 * The one owner of each table's writes (insert, update, delete): a module,
 * or for `credentials` and `recovery_codes` the factors folder, where each
 * method's module writes its own rows. Everything else asks the owner. A new
 * writer fails the test: give the change to the owner. Migrations
 * (`server/store/migrations/`) change schema and data once and are not scanned.
 */
const OWNERS: Record<string, string> = {
  audit_events: 'server/audit.ts',
  credentials: 'server/factors/',
  flows: 'server/store/flows.ts',
  link_tokens: 'server/security/link-tokens.ts',
  mail_queue: 'server/delivery/mail.ts',
  memberships: 'server/companies/members.ts',
  organizations: 'server/companies/registry.ts',
  outbox: 'server/delivery/',
  rate_limits: 'server/security/rate-limit.ts',
  recovery_codes: 'server/factors/recovery.ts',
  recovery_requests: 'server/recovery/',
  recovery_request_approvals: 'server/recovery/decisions.ts',
  remembered_devices: 'server/security/devices.ts',
  sessions: 'server/security/sessions.ts',
  signing_keys: 'server/security/tokens.ts',
  push_keys: 'server/delivery/push.ts',
  approval_requests: 'server/factors/approver.ts',
  sso_connections: 'server/companies/sso-connections.ts',
  sso_domains: 'server/companies/sso-connections.ts',
  users: 'server/store/users.ts',
  webauthn_challenges: 'server/factors/passkey.ts',
};

function owns(owner: string, file: string): boolean {
  return owner.endsWith('/') ? file.startsWith(owner) : file === owner;
}

/** The files scanned for writes: the server without its migrations. */
const WRITING_FILES = FILES.filter((file) => !file.startsWith('server/store/migrations/'));

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

  it('has one owner per table, and no other writer', () => {
    const unexpected: string[] = [];
    for (const file of WRITING_FILES) {
      for (const table of writesOf(SOURCES.get(file)!)) {
        const owner = OWNERS[table];
        if (!owner || !owns(owner, file)) unexpected.push(`${file} writes ${table} (owner: ${owner ?? 'none'})`);
      }
    }
    assert.deepEqual(unexpected, [], "a new writer: move the write to the table's owner");
  });

  it('names an owner that writes its table (keep the map true)', () => {
    const idle = Object.entries(OWNERS).filter(([table, owner]) => !WRITING_FILES.some((file) => owns(owner, file) && writesOf(SOURCES.get(file)!).includes(table)));
    assert.deepEqual(idle.map(([table, owner]) => `${owner} does not write ${table}`), []);
  });
});
