/*
 * Counts store writes as the store sees them: a transaction that changed
 * something is one write when it commits, and so is a statement that changes
 * something outside a transaction. Reads, transactions that only read, and
 * rolled-back work count nothing. Wraps any Kysely dialect (SQLite or
 * PostgreSQL), so the same count holds on both stores.
 */
import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult, TransactionSettings } from 'kysely';

export interface WriteCounter {
  /** Writes committed so far. */
  writes: number;
  /** The statements that made them, oldest first (`insert into "flows"`, ...), for a failing test's message. */
  log: string[];
}

const WRITE_NODES = new Set(['InsertQueryNode', 'UpdateQueryNode', 'DeleteQueryNode', 'MergeQueryNode']);

function writes(query: CompiledQuery): boolean {
  if (WRITE_NODES.has(query.query.kind)) return true;
  // Raw SQL (`sql\`...\``): judged by its first word.
  return query.query.kind === 'RawNode' && /^\s*(insert|update|delete|merge|replace)\b/i.test(query.sql);
}

function summary(query: CompiledQuery): string {
  return query.sql.replace(/\s+/g, ' ').slice(0, 60);
}

/** Wraps `dialect` so that `counter` sees every committed write. */
export function countWrites(dialect: Dialect, counter: WriteCounter = { writes: 0, log: [] }): { dialect: Dialect; counter: WriteCounter } {
  /** Per connection: the statements that wrote inside its open transaction, or undefined outside one. */
  const open = new WeakMap<DatabaseConnection, string[]>();
  const commit = (statements: string[]): void => {
    counter.writes += 1;
    counter.log.push(statements.join('; '));
  };
  const wrapDriver = (driver: Driver): Driver => ({
    init: () => driver.init(),
    destroy: () => driver.destroy(),
    releaseConnection: (connection) => driver.releaseConnection(inner(connection)),
    async acquireConnection() {
      const connection = await driver.acquireConnection();
      const wrapped: DatabaseConnection & { inner: DatabaseConnection } = {
        // Kysely hands the driver back the connection it acquired: this wrapper, around `inner`.
        inner: connection,
        async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
          const result = await connection.executeQuery<R>(query);
          if (writes(query)) {
            const inTransaction = open.get(wrapped);
            if (inTransaction) inTransaction.push(summary(query));
            else commit([summary(query)]);
          }
          return result;
        },
        streamQuery: <R>(query: CompiledQuery, chunkSize?: number) => connection.streamQuery<R>(query, chunkSize),
      };
      return wrapped;
    },
    async beginTransaction(connection, settings: TransactionSettings) {
      await driver.beginTransaction(inner(connection), settings);
      open.set(connection, []);
    },
    async commitTransaction(connection) {
      await driver.commitTransaction(inner(connection));
      const statements = open.get(connection) ?? [];
      open.delete(connection);
      if (statements.length > 0) commit(statements);
    },
    async rollbackTransaction(connection) {
      open.delete(connection);
      await driver.rollbackTransaction(inner(connection));
    },
  });
  return {
    counter,
    dialect: {
      createAdapter: () => dialect.createAdapter(),
      createDriver: () => wrapDriver(dialect.createDriver()),
      createQueryCompiler: () => dialect.createQueryCompiler(),
      createIntrospector: (db) => dialect.createIntrospector(db),
    },
  };
}

function inner(connection: DatabaseConnection): DatabaseConnection {
  return (connection as DatabaseConnection & { inner?: DatabaseConnection }).inner ?? connection;
}
