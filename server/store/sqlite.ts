import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { SqliteDialect } from 'kysely';

/**
 * The embedded default: one SQLite file in the data directory, in WAL mode so
 * readers never wait for the writer, with foreign keys on.
 */
export function sqliteDialect(dataDir: string): SqliteDialect {
  mkdirSync(dataDir, { recursive: true });
  const database = new SQLite(join(dataDir, 'login-flow.sqlite'));
  database.pragma('journal_mode = WAL');
  // NORMAL in WAL mode keeps every committed transaction across a process
  // crash; only a power cut can lose the last ones.
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  return new SqliteDialect({ database });
}
