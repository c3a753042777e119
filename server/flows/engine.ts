import type { Transaction } from 'kysely';
import { ApiError, invalidRequest, parseInput, statusOf, type ErrorBody } from '../errors.js';
import type { AppContext } from '../context.js';
import { randomToken, sha256 } from '../security/random.js';
import type { SessionRecord } from '../security/sessions.js';
import { inTransaction, type Database, type Db } from '../store/index.js';
import { assertUnderLimit, consumeRateLimit, rateLimited, type RateLimitRule } from '../security/rate-limit.js';
import { consumeFlow, countFlowFailure, deleteFlow, endSealedFlow, ENDED_STEP, findFlow, insertFlow, moveFlow, storeSealedFlow } from '../store/flows.js';
import { rateLimitKey } from '../security/client-ip.js';
import { seal, unseal } from '../security/secrets.js';
import type { ActionDefinition, ActionOutcome, FlowDefinition, FlowStep, RenderedFlow, RequestFacts, StateMap, StepDefinition, StepDefinitions, Transition } from './definition.js';
import type { FlowStateOf, StepMap, StepName } from './protocol.js';

export * from './definition.js';

/** 192 random bits: DESIGN asks for at least 128, and the id is the flow's only credential. */
const FLOW_ID_BYTES = 24;

/** Is `name` a step this flow defines? Own keys only: `constructor` or `__proto__` never name a step. */
function isStep<M extends StateMap>(definition: FlowDefinition<M>, name: string): name is FlowStep {
  return Object.hasOwn(definition.steps, name);
}

/** The actions step `K` offers in this state. Own keys only: `constructor` or `__proto__` never name an action. */
function availableActions<M extends StateMap, K extends FlowStep>(app: AppContext, step: StepDefinition<M, K>, state: M[K]): StepMap[K]['actions'][] {
  const hidden = new Set<string>(step.unavailable?.(state, app) ?? []);
  return actionNames(step).filter((name) => !hidden.has(name));
}

function actionNames<M extends StateMap, K extends FlowStep>(step: StepDefinition<M, K>): StepMap[K]['actions'][] {
  return Object.keys(step.actions).filter((name) => isAction(step, name));
}

function isAction<M extends StateMap, K extends FlowStep>(step: StepDefinition<M, K>, name: string): name is StepMap[K]['actions'] {
  return Object.hasOwn(step.actions, name);
}

/** The definition of step `K`, which the flow must have: a transition to a step it lacks is a bug. */
function stepOf<M extends StateMap, K extends FlowStep>(definition: FlowDefinition<M>, step: K): StepDefinition<M, K> {
  const found: StepDefinitions<M>[K] = definition.steps[step];
  if (!found) throw new Error(`flow ${definition.kind} has no step ${step}`);
  return found;
}

/** The flow's `locale` field, where its kind tells one (flows opened from an emailed link). */
function localeOf<M extends StateMap>(definition: FlowDefinition<M>, state: M[FlowStep]): { locale?: 'en' | 'nl' } {
  const locale = definition.locale?.(state);
  return locale ? { locale } : {};
}

function render<M extends StateMap, K extends FlowStep>(
  app: AppContext,
  definition: FlowDefinition<M>,
  { id, step, state, expiresAt, error }: { id: string; step: K; state: M[K]; expiresAt: number; error?: ErrorBody | undefined },
): FlowStateOf<K> {
  const stepDefinition = stepOf(definition, step);
  const flow: FlowStateOf<K> = {
    id,
    kind: definition.kind,
    step,
    data: stepDefinition.view(state, app),
    actions: availableActions(app, stepDefinition, state),
    expiresAt,
    ...(error ? { error } : {}),
    ...localeOf(definition, state),
  };
  return flow;
}

/**
 * Starts a flow; the returned state carries its secret id. A kind that starts
 * sealed (the sign-in) stores nothing yet (`startSealed`); any other is stored
 * now. With `limit` (flows stored per client), a client over it is refused before
 * any work; a start counts against it in the transaction that stores the
 * flow, so a start commits once; a start refused by its first step (a dead
 * link) counts too, so nobody probes links without limit.
 */
export async function startFlow<M extends StateMap>(
  app: AppContext,
  definition: FlowDefinition<M>,
  { body = {}, session, limit }: { body?: unknown; session?: SessionRecord | undefined; limit?: { key: string; rule: RateLimitRule } } = {},
): Promise<RenderedFlow> {
  const input = definition.start ? parseInput(definition.start, body) : {};
  const now = app.now();
  if (definition.sealedStart) return startSealed(app, definition, input, now);
  if (limit) await assertUnderLimit(app.db, limit, now);
  const id = randomToken(FLOW_ID_BYTES);
  const { step, state } = await definition.initial(app, input, session).catch(async (error: unknown) => {
    if (limit) await consumeRateLimit(app.db, limit.key, limit.rule, now);
    throw error;
  });
  const expiresAt = now + app.config.flowTtlMinutes * 60_000;
  const flow = { id_hash: sha256(id), kind: definition.kind, step, state: JSON.stringify(state), user_id: session?.userId ?? null, attempts: 0, version: 0, created_at: now, expires_at: expiresAt };
  await inTransaction(app.db, async (trx) => {
    if (limit) {
      const hit = await consumeRateLimit(trx, limit.key, limit.rule, now);
      if (hit.limited) throw rateLimited(hit, now);
    }
    await insertFlow(trx, flow);
  });
  return render(app, definition, { id, step, state, expiresAt });
}

/** Marks the id of a flow whose start is sealed in it (ids of stored starts are plain base64url). */
const SEALED_PREFIX = 's.';
/** What the seal is bound to: a value sealed for anything else does not open as a start. */
const SEALED_CONTEXT = 'flow-start';

interface SealedStart {
  /** 128 random bits: the id is the flow's only credential, and the rest of the seal is not secret to its holder. */
  nonce: string;
  kind: string;
  step: string;
  state: string;
  expiresAt: number;
}

/**
 * A start that stores nothing: the first step's state is sealed (AES-256-GCM
 * under the server's secret key, secrets.ts) into the flow id, and the first
 * action stores the flow. Opening the sign-in page costs no write, and a
 * flood of starts fills no table.
 */
async function startSealed<M extends StateMap>(app: AppContext, definition: FlowDefinition<M>, input: Record<string, unknown>, now: number): Promise<RenderedFlow> {
  const { step, state } = await definition.initial(app, input);
  const expiresAt = now + app.config.flowTtlMinutes * 60_000;
  const sealed: SealedStart = { nonce: randomToken(16), kind: definition.kind, step, state: JSON.stringify(state), expiresAt };
  const id = `${SEALED_PREFIX}${seal(app.secretKey, JSON.stringify(sealed), SEALED_CONTEXT)}`;
  return render(app, definition, { id, step, state, expiresAt });
}

/** The flow a sealed id started, not stored yet; undefined for any other id, or one that does not open. */
function openSealed(app: AppContext, id: string): StoredFlow<FlowStep> | undefined {
  if (!id.startsWith(SEALED_PREFIX)) return undefined;
  let start: SealedStart;
  try {
    start = JSON.parse(unseal(app.secretKey, id.slice(SEALED_PREFIX.length), SEALED_CONTEXT)) as SealedStart;
  } catch {
    return undefined;
  }
  return { kind: start.kind, step: start.step as FlowStep, state: start.state, user_id: null, attempts: 0, version: 0, expires_at: start.expiresAt, stored: false };
}

/**
 * What `GET /api/flows/{id}/wait` asks, again and again: whether the thing the
 * flow's step waits on has happened. Throws for an unknown or ended flow, and
 * `action_not_allowed` for a step that waits on nothing.
 */
export async function flowReadiness<M extends StateMap>(app: AppContext, definitions: ReadonlyMap<string, FlowDefinition<M>>, id: string): Promise<() => Promise<boolean>> {
  const idHash = sha256(id);
  const row = await findFlow(app.db, idHash);
  if (!row) throw new ApiError('flow_not_found');
  if (Number(row.expires_at) <= app.now()) throw new ApiError('flow_expired');
  const definition = definitions.get(row.kind);
  if (!definition || !isStep(definition, row.step)) throw new ApiError('flow_not_found');
  const step = stepOf(definition, row.step);
  const state = JSON.parse(row.state) as M[FlowStep];
  if (!step.ready || step.ready(app, state as never, app.now()) === undefined) throw new ApiError('action_not_allowed');
  return async () => (await step.ready!(app, state as never, app.now())) === true;
}

/**
 * Performs one action on a stored flow: loads it, checks the action is
 * allowed at its step, validates the input, runs the action and writes the
 * transition conditionally on the version it read. A request that loses a race
 * gets `flow_conflict` and changes nothing.
 */
export async function runAction<M extends StateMap>(
  app: AppContext,
  definitions: ReadonlyMap<string, FlowDefinition<M>>,
  { id, action: actionName, body, request }: { id: string; action: string; body: unknown; request: RequestFacts },
): Promise<ActionOutcome> {
  const now = app.now();
  const idHash = sha256(id);
  const found = await findFlow(app.db, idHash);
  const row = found ? { ...found, stored: true } : openSealed(app, id);
  if (!row) throw new ApiError('flow_not_found');
  if (Number(row.expires_at) <= now) {
    if (row.stored) await deleteFlow(app.db, idHash);
    throw new ApiError('flow_expired');
  }
  const definition = definitions.get(row.kind);
  // Only a kind that starts sealed is ever opened from a seal, whatever the seal says.
  if (!definition || !isStep(definition, row.step) || (!row.stored && !definition.sealedStart)) throw new ApiError('flow_not_found');
  if (row.attempts >= app.config.flowMaxAttempts) throw new ApiError('too_many_attempts');
  return act(app, definition, { id, idHash, row: { ...row, kind: definition.kind, step: row.step }, actionName, body, request, now });
}

/** A move the flow map does not list: the map or the step is wrong. */
function unmapped<M extends StateMap>(app: AppContext, definition: FlowDefinition<M>, from: FlowStep, to: StepName): void {
  const message = `flow ${definition.kind}: ${from} -> ${to} is not in its map`;
  if (app.config.env !== 'production') throw new Error(message);
  app.log.log('error', message, { event: 'flow.unmapped', kind: definition.kind, from, to });
}

interface StoredFlow<K extends FlowStep> {
  kind: string;
  step: K;
  state: string;
  user_id: string | null;
  attempts: number;
  version: number;
  expires_at: number | string;
  /** False for a flow whose start is still only sealed in its id: its first action stores it. */
  stored: boolean;
}

/** One action at step `K` of a loaded flow. */
async function act<M extends StateMap, K extends FlowStep>(
  app: AppContext,
  definition: FlowDefinition<M>,
  { id, idHash, row, actionName, body, request, now }: { id: string; idHash: string; row: StoredFlow<K>; actionName: string; body: unknown; request: RequestFacts; now: number },
): Promise<ActionOutcome> {
  // The engine wrote this JSON at step K from a transition typed for K; the row is only ever written here.
  const state: M[K] = JSON.parse(row.state);
  const expiresAt = Number(row.expires_at);
  const stepDefinition = stepOf(definition, row.step);
  const again = (error: ErrorBody, status = statusOf(error.code), retryAfter?: number): ActionOutcome => ({
    status,
    flow: render(app, definition, { id, step: row.step, state, expiresAt, error }),
    ...(retryAfter === undefined ? {} : { retryAfter }),
  });

  const offered: readonly string[] = availableActions(app, stepDefinition, state);
  const actions: Partial<Record<string, ActionDefinition<M, M[K], unknown>>> = stepDefinition.actions;
  const actionDefinition = offered.includes(actionName) ? actions[actionName] : undefined;
  if (!actionDefinition) return again({ code: 'action_not_allowed' });
  const parsed = actionDefinition.input.safeParse(body ?? {});
  if (!parsed.success) return again(invalidRequest(parsed.error));

  /** Runs the action in `context`: its transition, or the answer to a refusal (4xx); anything else propagates. */
  const perform = async (context: AppContext): Promise<Transition<M> | ActionOutcome> => {
    try {
      await definition.guard?.(context, state);
      return await actionDefinition.run({ app: context, state, request, now, flowIdHash: idHash }, parsed.data);
    } catch (error) {
      // A refusal, or the hash gate's `busy`: the same step again, with the error (and when to retry).
      if (error instanceof ApiError && (error.status < 500 || error.code === 'busy')) return again(error.body, error.status, error.retryAfter);
      throw error;
    }
  };
  const refused = (result: Transition<M> | ActionOutcome): result is ActionOutcome => 'flow' in result;

  // Writes that belong with the outcome (failure counts, cleared limits) commit with the flow's move.
  const writes: ((db: Db) => Promise<void>)[] = [];
  const settled: (() => void)[] = [];
  const transition = { write: (work: (db: Db) => Promise<void>) => void writes.push(work), settled: (work: () => void) => void settled.push(work) };
  const flush = async (db: Db): Promise<void> => {
    for (const work of writes.splice(0)) await work(db);
  };
  try {
    if (actionDefinition.atomic) {
      // The session JWT is signed inside the transaction: its keys must not be read from there.
      await app.keys.ready();
      const afterCommit: ((app: AppContext) => Promise<void>)[] = [];
      const outcome = await app.db.transaction().execute(async (trx) => {
        const result = await perform({ ...app, db: trx, transition, afterCommit: (work) => void afterCommit.push(work) });
        // A refusal keeps what the action wrote before it, as outside a transaction; an error undoes it all.
        if (!refused(result)) return commitTransition(trx, result);
        await flush(trx);
        return result;
      });
      // Outside the transaction, before the answer: a notice's first delivery attempt is made
      // (its mail is already queued durably), as for mail sent outside a transaction.
      for (const work of afterCommit) await work(app).catch((error: unknown) => app.log.log('error', 'after-commit work failed', { error: String(error) }));
      return outcome;
    }

    const result = await perform({ ...app, transition });
    if (!refused(result)) return await app.db.transaction().execute((trx) => commitTransition(trx, result));
    if (writes.length > 0) await app.db.transaction().execute(flush);
    return result;
  } finally {
    for (const work of settled) work();
  }

  /**
   * Writes the transition only if the flow's version has not moved since it
   * was read (a request that loses a race gets `flow_conflict`, and inside
   * the transaction that undoes everything it did), and issues the session
   * in the same transaction.
   */
  async function commitTransition(trx: Transaction<Database>, transition: Transition<M>): Promise<ActionOutcome> {
    await flush(trx);
    if (transition.step !== row.step && !definition.map[row.step]?.includes(transition.step)) unmapped(app, definition, row.step, transition.step);
    if (transition.failed) {
      // A failure changes nothing but the count: increment it atomically and
      // leave the version alone, so a concurrent request that succeeds on this
      // flow still commits (two racing posts yield one session, never none).
      if (row.stored) await countFlowFailure(trx, idHash);
      else await storeSealed(trx, { step: row.step, state: row.state, userId: null, attempts: 1, version: 0 });
      return { status: statusOf(transition.error?.code ?? 'invalid_request'), flow: render(app, definition, { id, step: row.step, state, expiresAt, error: transition.error }) };
    }
    if (transition.step === 'done') {
      const ended = !row.stored
        ? await storeSealed(trx, { step: ENDED_STEP, state: '{}', userId: null, attempts: 0, version: 1 })
        : id.startsWith(SEALED_PREFIX)
          ? await endSealedFlow(trx, { idHash, version: row.version })
          : await consumeFlow(trx, { idHash, version: row.version });
      if (!ended) throw new ApiError('flow_conflict');
      const issued = await transition.finalize(trx);
      return { status: 200, flow: { id, kind: definition.kind, step: 'done', data: { session: issued.grant, ...(issued.passkeyOffer ? { passkeyOffer: true } : {}) }, actions: [], expiresAt, ...localeOf(definition, state) }, issued };
    }
    const next = { step: transition.step, state: JSON.stringify(transition.state), userId: transition.userId === undefined ? row.user_id : transition.userId };
    const moved = row.stored ? await moveFlow(trx, { idHash, version: row.version, ...next }) : await storeSealed(trx, { ...next, attempts: 0, version: 1 });
    if (!moved) throw new ApiError('flow_conflict');
    const status = transition.error ? statusOf(transition.error.code) : 200;
    return { status, flow: render(app, definition, { id, step: transition.step, state: transition.state, expiresAt, error: transition.error }) };
  }

  /**
   * Stores a flow that started sealed, at its first action that changes it:
   * it counts against the client's limit on flows (IP_MAX_FLOWS) in the same
   * transaction, and of two first actions racing, one stores it and the
   * other gets `flow_conflict`.
   */
  async function storeSealed(trx: Transaction<Database>, fields: { step: string; state: string; userId: string | null; attempts: number; version: number }): Promise<boolean> {
    const hit = await consumeRateLimit(trx, `flow:ip:${rateLimitKey(request.ip)}`, { limit: app.config.ipMaxFlows, windowMs: app.config.rateWindowMinutes * 60_000 }, now);
    if (hit.limited) throw rateLimited(hit, now);
    return storeSealedFlow(trx, {
      id_hash: idHash,
      kind: definition.kind,
      step: fields.step,
      state: fields.state,
      user_id: fields.userId,
      attempts: fields.attempts,
      version: fields.version,
      created_at: now,
      expires_at: expiresAt,
    });
  }

}
