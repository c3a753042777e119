/*
 * Stores for the load benchmark: a migrated SQLite file or PostgreSQL database,
 * filled fast with the accounts that sign in plus any number of filler users.
 *
 * Filling bypasses the API on purpose: a million createUser calls would hash a
 * million passwords (three hours at this machine's rate). The rows that sign in come from
 * createUser (see `signInAccounts`); the fillers copy their shape.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { loadConfig } from '../server/config.js';
import { hashPassword } from '../server/factors/password.js';
import { createTotpSecret } from '../server/factors/totp.js';
import { seal } from '../server/security/secrets.js';
import { openStore } from '../server/store/index.js';
import { createUser } from '../server/users.js';
import { createDatabase, type PostgresCluster } from '../test/support/postgres.js';

/** Rows a statement in PostgreSQL (one `unnest` per column, so the 65,535-parameter cap does not bind). */
const PG_ROWS_PER_STATEMENT = 10_000;

export type StoreKind = 'sqlite' | 'postgres';
export type Row = Record<string, unknown>;

/** Rows to put in a store: the sign-in accounts as they are, then `fillers` more users made by `filler(i)`. */
export interface Fill {
  users: Row[];
  credentials: Row[];
  fillers: number;
  filler(index: number): { user: Row; credential: Row };
}

export interface BenchStore {
  kind: StoreKind;
  /** What `login-flow serve` needs to open this store. */
  env: Record<string, string>;
  /** Inserts the rows in one transaction and leaves the store as a running server would find it; resolves to the seconds it took. */
  fill(rows: Fill): Promise<number>;
  drop(): Promise<void>;
}

/** A fresh, migrated store of `kind`; PostgreSQL as a new database in `cluster`. */
export async function createStore(kind: StoreKind, cluster?: PostgresCluster): Promise<BenchStore> {
  if (kind === 'sqlite') return sqliteStore();
  if (!cluster) throw new Error('a PostgreSQL store needs a cluster');
  return postgresStore(cluster);
}

async function sqliteStore(): Promise<BenchStore> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lf-bench-'));
  await (await openStore({ dataDir, databaseUrl: undefined })).destroy();
  return {
    kind: 'sqlite',
    env: { DATA_DIR: dataDir },
    async fill(rows) {
      const started = performance.now();
      const database = new SQLite(join(dataDir, 'login-flow.sqlite'));
      // This connection only: the server opens the file with its own settings.
      // No syncs while filling, and a 1 GB page cache so the indexes being built stay in memory.
      database.pragma('synchronous = OFF');
      database.pragma('cache_size = -1000000');
      const insertUser = prepareInsert(database, 'users', rows.users[0]!);
      const insertCredential = prepareInsert(database, 'credentials', rows.credentials[0]!);
      database.transaction(() => {
        for (const user of rows.users) insertUser(user);
        for (const credential of rows.credentials) insertCredential(credential);
        for (let i = 0; i < rows.fillers; i++) {
          const { user, credential } = rows.filler(i);
          insertUser(user);
          insertCredential(credential);
        }
      })();
      // Leave no big WAL behind for the server's first checkpoint to pay during the run.
      database.pragma('wal_checkpoint(TRUNCATE)');
      database.close();
      return (performance.now() - started) / 1000;
    },
    async drop() {
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function prepareInsert(database: SQLite.Database, table: string, shape: Row): (row: Row) => void {
  const columns = Object.keys(shape);
  const statement = database.prepare(`insert into ${table} (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})`);
  return (row) => void statement.run(...columns.map((c) => row[c] ?? null));
}

async function postgresStore(cluster: PostgresCluster): Promise<BenchStore> {
  const database = await createDatabase(cluster.url);
  await (await openStore({ dataDir: '', databaseUrl: database.url })).destroy();
  return {
    kind: 'postgres',
    env: { DATABASE_URL: database.url },
    async fill(rows) {
      const started = performance.now();
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        const insertUsers = await prepareBulkInsert(client, 'users', rows.users[0]!);
        const insertCredentials = await prepareBulkInsert(client, 'credentials', rows.credentials[0]!);
        await client.query('begin');
        await insertUsers(rows.users);
        await insertCredentials(rows.credentials);
        for (let from = 0; from < rows.fillers; from += PG_ROWS_PER_STATEMENT) {
          const batch = Array.from({ length: Math.min(PG_ROWS_PER_STATEMENT, rows.fillers - from) }, (_, i) => rows.filler(from + i));
          await insertUsers(batch.map((b) => b.user));
          await insertCredentials(batch.map((b) => b.credential));
        }
        await client.query('commit');
        // What autovacuum and the checkpointer would do soon after such a load; done now, not during the measurement.
        await client.query('vacuum analyze users');
        await client.query('vacuum analyze credentials');
        await client.query('checkpoint');
      } finally {
        await client.end();
      }
      return (performance.now() - started) / 1000;
    },
    drop: () => database.drop(),
  };
}

/**
 * `insert ... select ... from unnest($1::type[], ...)`: any number of rows in
 * one statement, one parameter a column; a column with one value in every row
 * goes as that one value (less to encode and parse).
 */
async function prepareBulkInsert(client: pg.Client, table: string, shape: Row): Promise<(rows: Row[]) => Promise<void>> {
  const columns = Object.keys(shape);
  const types = new Map(
    (await client.query<{ column_name: string; udt_name: string }>(
      'select column_name, udt_name from information_schema.columns where table_name = $1',
      [table],
    )).rows.map((r) => [r.column_name, r.udt_name]),
  );
  return async (rows) => {
    if (rows.length === 0) return;
    const params: unknown[] = [];
    const arrays: string[] = [];
    const select = columns.map((column) => {
      const first = rows[0]![column] ?? null;
      // The first column (the id) always varies, and unnest needs one array.
      if (column !== columns[0] && rows.every((r) => (r[column] ?? null) === first)) {
        params.push(first);
        return `$${params.length}::${types.get(column)}`;
      }
      params.push(rows.map((r) => r[column] ?? null));
      arrays.push(`$${params.length}::${types.get(column)}[]`);
      return `c${arrays.length}`;
    });
    const from = `unnest(${arrays.join(', ')}) as t(${arrays.map((_, i) => `c${i + 1}`).join(', ')})`;
    await client.query(`insert into ${table} (${columns.join(', ')}) select ${select.join(', ')} from ${from}`, params);
  };
}

/** A signing-in account as the load driver sees it: its email and its authenticators' secrets (base32). */
export interface Account {
  email: string;
  secrets: string[];
}

/**
 * `count` filler users: active, verified, with one confirmed authenticator
 * each, so both tables a login reads grow with the store. They never sign in,
 * so they share one argon2id hash (of a password nobody knows) and one sealed
 * secret that is never opened. Ids are random (v4) as the API makes them, but
 * handed out in sorted order, so every index is filled in key order: appends,
 * not a million random B-tree inserts.
 */
export async function fillerFactory(secretKey: Buffer, shapes: { user: Row; credential: Row }, count: number): Promise<Fill['filler']> {
  const passwordHash = await hashPassword(randomUUID());
  const sealed = seal(secretKey, 'never-opened', 'totp:filler');
  const userIds = Array.from({ length: count }, () => randomUUID()).sort();
  const credentialIds = Array.from({ length: count }, () => randomUUID()).sort();
  return (index) => {
    const id = userIds[index]!;
    return {
      user: { ...shapes.user, id, email: `filler${String(index).padStart(7, '0')}@bench.invalid`, password_hash: passwordHash },
      credential: { ...shapes.credential, id: credentialIds[index]!, user_id: id, secret: sealed },
    };
  };
}

/**
 * `count` accounts that sign in, made by createUser (policy, normalised email,
 * a real argon2id hash each) in a scratch store and read back as rows, each
 * with `authenticators` confirmed TOTP credentials sealed as the login flow
 * seals them. The same rows then go into every store of the run.
 */
export async function signInAccounts(
  { count, authenticators, password, secretKey, now }: { count: number; authenticators: number; password: string; secretKey: Buffer; now: number },
): Promise<{ users: Row[]; credentials: Row[]; accounts: Account[] }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lf-bench-accounts-'));
  const db = await openStore({ dataDir, databaseUrl: undefined });
  try {
    const emails = Array.from({ length: count }, (_, i) => `signin${String(i).padStart(5, '0')}@example.com`);
    // As many hashes in flight as the thread pool runs.
    let next = 0;
    await Promise.all(Array.from({ length: Number(process.env.UV_THREADPOOL_SIZE ?? 4) }, async () => {
      while (next < emails.length) await createUser(db, loadConfig({}), { email: emails[next++]!, password, now });
    }));
    const users = (await db.selectFrom('users').selectAll().orderBy('email').execute()) as Row[];
    const credentials: Row[] = [];
    const accounts = users.map((user) => {
      const secrets = Array.from({ length: authenticators }, () => {
        const secret = createTotpSecret();
        const id = randomUUID();
        credentials.push({ id, user_id: user.id, type: 'totp', secret: seal(secretKey, secret, `totp:${id}`), name: 'Authenticator app', created_at: now, confirmed_at: now, last_used_at: null, last_step: null });
        return secret;
      });
      return { email: user.email as string, secrets };
    });
    return { users, credentials, accounts };
  } finally {
    await db.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
