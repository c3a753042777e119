/*
 * Every write to the `flows` table: the engine's (start, move, count a
 * failure, finish) and those that end a person's parked flows when their
 * credentials or account change.
 */
import { sql, type Insertable, type Selectable } from 'kysely';
import type { Db } from './index.js';
import { prepare } from './prepared.js';
import type { Database } from './schema.js';

type FlowRow = Insertable<Database['flows']> & Selectable<Database['flows']>;

/** Every column of a new flow, from its placeholders (a spread would see none: they are made on demand). */
function flowValues(p: FlowRow): FlowRow {
  return { id_hash: p.id_hash, kind: p.kind, step: p.step, state: p.state, user_id: p.user_id, attempts: p.attempts, version: p.version, created_at: p.created_at, expires_at: p.expires_at };
}

const insert = prepare<FlowRow, never>((db, p) => db.insertInto('flows').values(flowValues(p)));

export async function insertFlow(db: Db, row: FlowRow): Promise<void> {
  await insert(db, row);
}

const insertOnce = prepare<FlowRow, never>((db, p) =>
  db
    .insertInto('flows')
    .values(flowValues(p))
    .onConflict((oc) => oc.column('id_hash').doNothing()),
);

/** Stores a flow whose start was sealed in its id, at its first action; false when another request stored it first. */
export async function storeSealedFlow(db: Db, row: FlowRow): Promise<boolean> {
  return Number((await insertOnce(db, row)).numAffectedRows) === 1;
}

const byIdHash = prepare<{ idHash: string }, Selectable<Database['flows']>>((db, p) => db.selectFrom('flows').selectAll().where('id_hash', '=', p.idHash));

/** The flow with this id hash, if there is one (a read; the engine's, on every action). */
export async function findFlow(db: Db, idHash: string): Promise<Selectable<Database['flows']> | undefined> {
  return (await byIdHash(db, { idHash })).rows[0];
}

/** An expired flow goes when it is next asked for. */
export async function deleteFlow(db: Db, idHash: string): Promise<void> {
  await db.deleteFrom('flows').where('id_hash', '=', idHash).execute();
}

/** A failed attempt: only the count moves, atomically; the version stays, so a concurrent success still commits. */
const countFailure = prepare<{ idHash: string }, never>((db, p) => db.updateTable('flows').set({ attempts: sql<number>`attempts + 1` }).where('id_hash', '=', p.idHash));

export async function countFlowFailure(db: Db, idHash: string): Promise<void> {
  await countFailure(db, { idHash });
}

const move = prepare<{ idHash: string; version: number; next: number; step: string; state: string; userId: string | null }, never>((db, p) =>
  db.updateTable('flows').set({ step: p.step, state: p.state, user_id: p.userId, version: p.next }).where('id_hash', '=', p.idHash).where('version', '=', p.version),
);

/** Moves the flow on, only from the version read; false when another request moved it first. */
export async function moveFlow(db: Db, { idHash, version, step, state, userId }: { idHash: string; version: number; step: string; state: string; userId: string | null }): Promise<boolean> {
  const result = await move(db, { idHash, version, next: version + 1, step, state, userId });
  return Number(result.numAffectedRows) === 1;
}

const consume = prepare<{ idHash: string; version: number }, never>((db, p) => db.deleteFrom('flows').where('id_hash', '=', p.idHash).where('version', '=', p.version));

/** Ends the flow as it completes, only at the version read; false when another request moved it first. */
export async function consumeFlow(db: Db, { idHash, version }: { idHash: string; version: number }): Promise<boolean> {
  const result = await consume(db, { idHash, version });
  return Number(result.numAffectedRows) === 1;
}

/** What is left of a flow that started sealed once it has ended: its id opens nothing until it would have expired. */
export const ENDED_STEP = 'ended';

const end = prepare<{ idHash: string; version: number; next: number }, never>((db, p) =>
  db
    .updateTable('flows')
    .set({ step: sql.lit(ENDED_STEP), state: sql.lit('{}'), user_id: sql<null>`null`, version: p.next })
    .where('id_hash', '=', p.idHash)
    .where('version', '=', p.version),
);

/**
 * Ends a flow that started sealed, only at the version read (false when
 * another request moved it first). The row stays, marked ended, until it
 * expires: its id still carries the sealed start, which must not open a
 * second flow (a passkey assertion or anything else replayed into it).
 */
export async function endSealedFlow(db: Db, { idHash, version }: { idHash: string; version: number }): Promise<boolean> {
  return Number((await end(db, { idHash, version, next: version + 1 })).numAffectedRows) === 1;
}

/**
 * Ends a person's flows: all of them (`{}`: an account disabled), those of
 * one kind (`{ kind: 'login' }`: sign-ins parked past a factor that changed),
 * or all but one kind (`{ except: 'reset' }`: the reset setting the password
 * stays); `keep` spares one flow by the hash of its id (the one making the
 * change). Each is left marked ended until it expires, so an id that carries
 * its sealed start cannot open it again.
 */
export async function endUserFlows(db: Db, userId: string, { kind, except, keep }: { kind?: string; except?: string; keep?: string | undefined } = {}): Promise<void> {
  let query = db.updateTable('flows').set({ step: ENDED_STEP, state: '{}', user_id: null, version: sql<number>`version + 1` }).where('user_id', '=', userId);
  if (kind) query = query.where('kind', '=', kind);
  if (except) query = query.where('kind', '!=', except);
  if (keep) query = query.where('id_hash', '!=', keep);
  await query.execute();
}

/** Deletes flows past their end. */
export async function purgeExpiredFlows(db: Db, now: number): Promise<void> {
  await db.deleteFrom('flows').where('expires_at', '<=', now).execute();
}
