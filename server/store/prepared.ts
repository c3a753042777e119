/*
 * The statements every sign-in runs, built and compiled to SQL once per store
 * rather than on every request. Kysely builds a tree of operation nodes and
 * compiles it to SQL each time a query runs: for a primary-key lookup that
 * costs about as much as SQLite takes to run it. A prepared query is built
 * once with a placeholder where each parameter goes; a run only puts the
 * values in their places. The SQL is still Kysely's, so the same statement
 * serves SQLite and PostgreSQL.
 */
import type { Compilable, CompiledQuery, QueryResult } from 'kysely';
import type { Db } from './index.js';

const NAME = Symbol('parameter');

/** Where a parameter goes: `p.email` in the builder stands for the value a run passes as `email`. */
type Placeholders<P> = { readonly [K in keyof P]: P[K] };

interface Compiled<P> {
  query: CompiledQuery;
  /** The parameter each position of `query.parameters` takes. */
  names: (keyof P)[];
}

/**
 * A query `build` makes from placeholders, compiled at its first run on each
 * store (per dialect adapter: a store and its transactions share one) and
 * reused after. Every parameter of the query must come from a placeholder:
 * a literal value would be frozen into the first compile, so it is refused.
 */
export function prepare<P extends Record<string, unknown>, R>(build: (db: Db, p: Placeholders<P>) => Compilable<R>): (db: Db, values: P) => Promise<QueryResult<R>> {
  const compiled = new WeakMap<object, Compiled<P>>();
  const placeholders = new Proxy({}, { get: (_, name) => ({ [NAME]: name }) }) as Placeholders<P>;
  return async (db, values) => {
    const adapter = db.getExecutor().adapter;
    let entry = compiled.get(adapter);
    if (!entry) {
      const query = build(db, placeholders).compile();
      const names = query.parameters.map((parameter) => {
        const name = (parameter as { [NAME]?: keyof P } | null)?.[NAME];
        if (name === undefined) throw new Error(`a prepared query takes every parameter from a placeholder: ${query.sql}`);
        return name;
      });
      entry = { query, names };
      compiled.set(adapter, entry);
    }
    const { query, names } = entry;
    return db.executeQuery<R>({ ...query, parameters: names.map((name) => values[name]) });
  };
}
