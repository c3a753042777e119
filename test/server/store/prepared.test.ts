/* Prepared queries (server/store/prepared.ts): compiled once per store, filled per run, on SQLite and PostgreSQL. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { prepare } from '../../../server/store/prepared.js';
import { addUser, EMAIL, startServer } from '../helpers.js';

describe('prepared queries', () => {
  it('answer each run with its own values, from one compile', async (t) => {
    const server = await startServer(t);
    await addUser(server);
    await addUser(server, 'bob@example.com');
    let builds = 0;
    const byEmail = prepare<{ email: string }, { email: string }>((db, p) => {
      builds += 1;
      return db.selectFrom('users').select('email').where('email', '=', p.email);
    });
    assert.deepEqual((await byEmail(server.db, { email: EMAIL })).rows, [{ email: EMAIL }]);
    assert.deepEqual((await byEmail(server.db, { email: 'bob@example.com' })).rows, [{ email: 'bob@example.com' }]);
    assert.deepEqual((await byEmail(server.db, { email: 'nobody@example.com' })).rows, []);
    // A transaction shares its store's compile.
    await server.db.transaction().execute(async (trx) => assert.equal((await byEmail(trx, { email: EMAIL })).rows.length, 1));
    assert.equal(builds, 1);
  });

  it('put a placeholder used twice in both places', async (t) => {
    const server = await startServer(t);
    const twice = prepare<{ n: number }, { a: number; b: number }>((db, p) => db.selectNoFrom([sql<number>`${p.n} + 0`.as('a'), sql<number>`${p.n} * 2`.as('b')]));
    const [row] = (await twice(server.db, { n: 21 })).rows;
    assert.deepEqual({ a: Number(row!.a), b: Number(row!.b) }, { a: 21, b: 42 });
  });

  it('refuse a query with a literal value, which the first compile would freeze for every run', async (t) => {
    const server = await startServer(t);
    const frozen = prepare<{ email: string }, never>((db, p) => db.selectFrom('users').select('id').where('email', '=', p.email).where('status', '=', 'active'));
    await assert.rejects(frozen(server.db, { email: EMAIL }), /takes every parameter from a placeholder/);
  });
});
