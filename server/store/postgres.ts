import pg from 'pg';
import { PostgresDialect } from 'kysely';

/** PostgreSQL's type ids for 8-byte integers and counts (`bigint`, and `count(*)`). */
const INT8_OID = 20;

/**
 * Times are epoch milliseconds in `bigint` columns. node-postgres returns
 * `bigint` as a string (it can exceed 2^53); ours never do (year 287,396), so
 * read them as numbers, as SQLite gives them. Scoped to this pool, not set
 * globally on the driver.
 */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** Connections per process; every request holds one only for its own queries. */
const POOL_SIZE = 10;

/**
 * PostgreSQL through a connection pool. A lost connection or a database that
 * is down fails the query (answered 503 `store_unavailable`); the pool makes
 * new connections as soon as the database answers again.
 */
export function postgresDialect(connectionString: string): PostgresDialect {
  const pool = new pg.Pool({
    connectionString,
    max: POOL_SIZE,
    types,
    // Fail fast when the database is unreachable, rather than holding the request.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // Bounds a query stuck behind a lock or a dead server.
    query_timeout: 15_000,
    application_name: 'login-flow',
  });
  // An idle connection that dies (server restart) must not crash the process; the pool drops it.
  pool.on('error', () => undefined);
  return new PostgresDialect({ pool });
}
