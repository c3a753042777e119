import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { SqliteDialect, type SqliteDatabase } from 'kysely';

/** Distinct statements the API issues are a few dozen; the cap only guards against unbounded growth. */
const STATEMENT_CACHE_SIZE = 256;

/** The store cannot be opened at all: a setting or the machine is wrong, and the message says which. */
export class StoreOpenError extends Error {
  override name = 'StoreOpenError';
}

/**
 * The embedded default: one SQLite file in the data directory, in WAL mode so
 * readers never wait for the writer, with foreign keys on.
 */
export function sqliteDialect(dataDir: string): SqliteDialect {
  let database: SQLite.Database;
  try {
    mkdirSync(dataDir, { recursive: true });
    database = new SQLite(join(dataDir, 'login-flow.sqlite'));
    // WAL needs to write beside the file: a read-only directory fails here, at start, not at the first sign-in.
    database.pragma('journal_mode = WAL');
  } catch (cause) {
    const { code, message } = cause as { code?: string; message?: string };
    throw new StoreOpenError(
      `cannot open the SQLite store in DATA_DIR=${dataDir}: ${message ?? String(cause)}${code ? ` (${code})` : ''}. ` +
        'The directory must exist or be creatable, and be writable by this user (SQLite writes its journal beside the file).',
      { cause },
    );
  }
  // NORMAL in WAL mode keeps every committed transaction across a process
  // crash; only a power cut can lose the last ones.
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  return new SqliteDialect({ database: withStatementCache(database) });
}

/**
 * Kysely prepares every query afresh; compiling the SQL each time costs more
 * than running it. Reuse prepared statements by their SQL text.
 */
/** What `rollback` runs when SQLite has already ended the transaction: nothing. */
const NOTHING_TO_ROLL_BACK = { reader: false, run: () => ({ changes: 0, lastInsertRowid: 0 }) } as unknown as SQLite.Statement;

function withStatementCache(database: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => void database.close(),
    prepare(sql: string) {
      // SQLite ends a transaction itself on some errors (SQLITE_FULL, SQLITE_IOERR,
      // SQLITE_NOMEM): a ROLLBACK after that would fail with its own error and hide the
      // real one, which says the store is unavailable. Nothing is left to roll back.
      if (sql === 'rollback' && !database.inTransaction) return NOTHING_TO_ROLL_BACK;
      let statement = cache.get(sql);
      if (!statement) {
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
        statement = database.prepare(sql);
        cache.set(sql, statement);
      }
      return statement;
    },
  } as SqliteDatabase;
}
