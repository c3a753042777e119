/*
 * Every write to the `flows` table: the engine's (start, move, count a
 * failure, finish) and those that end a person's parked flows when their
 * credentials or account change.
 */
import { sql, type Insertable } from 'kysely';
import type { Db } from './index.js';
import type { Database } from './schema.js';

export async function insertFlow(db: Db, row: Insertable<Database['flows']>): Promise<void> {
  await db.insertInto('flows').values(row).execute();
}

/** An expired flow goes when it is next asked for. */
export async function deleteFlow(db: Db, idHash: string): Promise<void> {
  await db.deleteFrom('flows').where('id_hash', '=', idHash).execute();
}

/** A failed attempt: only the count moves, atomically; the version stays, so a concurrent success still commits. */
export async function countFlowFailure(db: Db, idHash: string): Promise<void> {
  await db.updateTable('flows').set({ attempts: sql<number>`attempts + 1` }).where('id_hash', '=', idHash).execute();
}

/** Moves the flow on, only from the version read; false when another request moved it first. */
export async function moveFlow(db: Db, { idHash, version, step, state, userId }: { idHash: string; version: number; step: string; state: string; userId: string | null }): Promise<boolean> {
  const result = await db
    .updateTable('flows')
    .set({ step, state, user_id: userId, version: version + 1 })
    .where('id_hash', '=', idHash)
    .where('version', '=', version)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Ends the flow as it completes, only at the version read; false when another request moved it first. */
export async function consumeFlow(db: Db, { idHash, version }: { idHash: string; version: number }): Promise<boolean> {
  const result = await db.deleteFrom('flows').where('id_hash', '=', idHash).where('version', '=', version).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/**
 * Ends a person's flows: all of them (`{}`: an account disabled), those of
 * one kind (`{ kind: 'login' }`: sign-ins parked past a factor that changed),
 * or all but one kind (`{ except: 'reset' }`: the reset setting the password stays).
 */
export async function endUserFlows(db: Db, userId: string, { kind, except }: { kind?: string; except?: string } = {}): Promise<void> {
  let query = db.deleteFrom('flows').where('user_id', '=', userId);
  if (kind) query = query.where('kind', '=', kind);
  if (except) query = query.where('kind', '!=', except);
  await query.execute();
}

/** Deletes flows past their end. */
export async function purgeExpiredFlows(db: Db, now: number): Promise<void> {
  await db.deleteFrom('flows').where('expires_at', '<=', now).execute();
}
