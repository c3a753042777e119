import { Kysely, type Dialect } from 'kysely';
import type { Config } from '../config.js';
import { migrateToLatest } from './migrations.js';
import type { Database } from './schema.js';
import { postgresDialect } from './postgres.js';
import { sqliteDialect } from './sqlite.js';

export type Db = Kysely<Database>;
export type { Database };

/**
 * Opens the store the config names (SQLite in the data directory unless
 * `databaseUrl` names PostgreSQL) and, unless told otherwise, migrates it.
 */
export async function openStore(
  config: Pick<Config, 'dataDir' | 'databaseUrl'>,
  { migrate = true, wrap = (dialect) => dialect }: { migrate?: boolean; /** Wraps the dialect, e.g. to count writes in a test or a benchmark. */ wrap?: (dialect: Dialect) => Dialect } = {},
): Promise<Db> {
  const dialect = wrap(config.databaseUrl ? postgresDialect(config.databaseUrl) : sqliteDialect(config.dataDir));
  const db = new Kysely<Database>({ dialect });
  if (migrate) await migrateToLatest(db);
  return db;
}

/**
 * Runs `work` in one transaction: the caller's, when `db` already is one (a
 * flow action that commits with its transition), else a new one.
 */
export function inTransaction<T>(db: Db, work: (trx: Db) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}
