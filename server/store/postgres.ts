import pg from 'pg';
import { PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';

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
 * PostgreSQL itself cancels a statement that runs (or waits for a lock) this
 * long, answering SQLSTATE 57014: the connection stays in a known state, the
 * transaction's ROLLBACK runs, and the request is answered 503. Below the
 * client's own timeout, so the server's cancel always comes first.
 */
const STATEMENT_TIMEOUT_MS = 10_000;
/**
 * The client gives up on a query after this, for a server that no longer
 * answers at all (SIGSTOP, a dead network). Such a connection is in an unknown
 * state: it is closed, never returned to the pool.
 */
const QUERY_TIMEOUT_MS = 15_000;
/**
 * A backstop on the server: a session left idle inside a transaction this long
 * is ended by PostgreSQL, releasing its row locks, whatever happened to the
 * process that opened it.
 */
const IDLE_IN_TRANSACTION_TIMEOUT_MS = 30_000;

/**
 * An error that PostgreSQL sent (it carries a SQLSTATE and a severity) leaves
 * the connection usable; any other (a lost socket, a client-side timeout)
 * leaves it in a state nobody can know.
 */
function fromServer(error: unknown): boolean {
  const { code, severity } = (error ?? {}) as { code?: unknown; severity?: unknown };
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && typeof severity === 'string';
}

/**
 * Hands Kysely connections that fail safe. node-postgres takes its own error
 * listener off a connection while it is checked out, so a server restart
 * during a request would emit an unhandled 'error' and end the process: each
 * connection gets a listener of ours for its whole life. A connection whose
 * query failed without an answer from the server (its transaction may still
 * be open there, its socket may be dead) is destroyed on release rather than
 * pooled, so the next request never inherits a half-finished transaction.
 */
function resilientPool(pool: pg.Pool): PostgresPool {
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  // An idle connection that dies (server restart) must not crash the process; the pool drops it.
  pool.on('error', () => undefined);
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      let broken: Error | undefined;
      return {
        async query(sql: string, parameters: readonly unknown[]) {
          try {
            return await client.query(sql, parameters as unknown[]);
          } catch (error) {
            if (!fromServer(error)) broken ??= error instanceof Error ? error : new Error(String(error));
            throw error;
          }
        },
        release() {
          // With an error, pg-pool ends the connection instead of keeping it.
          client.release(broken);
        },
      } as unknown as PostgresPoolClient;
    },
    end: () => pool.end(),
  };
}

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
    statement_timeout: STATEMENT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_TIMEOUT_MS,
    application_name: 'login-flow',
  });
  return new PostgresDialect({ pool: resilientPool(pool) });
}
