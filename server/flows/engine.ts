import { sql, type Transaction } from 'kysely';
import type { z } from 'zod';
import { ApiError, invalidRequest, parseInput, statusOf, type ErrorBody } from '../errors.js';
import type { AppContext } from '../context.js';
import { randomToken, sha256 } from '../security/random.js';
import type { SessionRecord } from '../security/sessions.js';
import type { Database } from '../store/index.js';
import type { FlowKind, FlowState, SessionGrant } from './protocol.js';

/** Facts about the request that an action may use (never for logging secrets). */
export interface RequestFacts {
  ip: string;
  userAgent: string | null;
  /** The remembered-device token from this browser's cookie, if any. */
  deviceToken?: string | undefined;
  /** The session token the request carried (cookie or bearer), if any: a new sign-in ends that session. */
  sessionToken?: string | undefined;
}

export interface ActionContext<S> {
  app: AppContext;
  state: S;
  request: RequestFacts;
  now: number;
}

/** The session a flow ends with: a new one (sign-in), or the one it ran in (account page). */
export interface IssuedSession {
  /** The session's new token: at every sign-in and re-authentication, never after an enrolment (the token stays). */
  token?: string;
  grant: SessionGrant;
  /** A new remember-this-device token and its end, when the person asked to be remembered. */
  device?: { token: string; expiresAt: number };
}

export interface Transition<S> {
  step: string;
  state: S;
  userId?: string | null;
  /**
   * The action failed in a way that counts against the flow's attempt cap. A
   * failed transition keeps the flow's step and state; only the count moves.
   */
  failed?: boolean;
  error?: ErrorBody;
  /**
   * Runs inside the transaction that commits the transition, and only if this
   * request won the flow (no concurrent request moved it first). Issue
   * sessions here, so one flow can never yield two.
   */
  finalize?: (trx: Transaction<Database>) => Promise<IssuedSession>;
}

export interface ActionDefinition<S, I> {
  input: z.ZodType<I>;
  /**
   * Run the action inside the transaction that writes the flow's transition
   * (or its failure count): the consume-once claims it makes (a TOTP time
   * step, a recovery code), the attempts it spends and the step it moves to
   * then commit together or not at all, so a request answered 5xx has
   * changed nothing. Actions that wait on a password hash or on the network
   * (a provider, an SMS gateway) stay outside: a transaction must not be held
   * open that long (on SQLite it holds the one writer).
   */
  atomic?: boolean;
  run(context: ActionContext<S>, input: I): Promise<Transition<S>>;
}

export interface StepDefinition<S> {
  /** The step's `data`; may open sealed values with the app's key. */
  view(state: S, app: AppContext): Record<string, unknown>;
  actions: Record<string, ActionDefinition<S, any>>;
  /** Actions of this step that the current state does not offer (e.g. no `cancel` when set-up is required). */
  unavailable?(state: S, app: AppContext): string[];
}

export interface FlowDefinition<S> {
  kind: FlowKind;
  /** The start body's schema, for flows opened with something (an emailed link's token); others ignore the body. */
  start?: z.ZodType<Record<string, unknown>>;
  /** The flow runs inside a session (the account page): it starts only with one, which `initial` receives. */
  authenticated?: boolean;
  initial(app: AppContext, input: Record<string, unknown>, session?: SessionRecord): Promise<{ step: string; state: S }>;
  /** Checked before every action; throws to refuse it (an account-page flow whose session has ended). */
  guard?(app: AppContext, state: S): Promise<void>;
  steps: Record<string, StepDefinition<S>>;
}

/** Declares an action with its input schema; keeps the input type tied to the schema. */
export function action<S, I>(definition: ActionDefinition<S, I>): ActionDefinition<S, I> {
  return definition;
}

export interface ActionOutcome {
  status: number;
  flow: FlowState;
  issued?: IssuedSession;
  retryAfter?: number;
}

/** 192 random bits: DESIGN asks for at least 128, and the id is the flow's only credential. */
const FLOW_ID_BYTES = 24;

/** The actions a step offers in this state. Own keys only: `constructor` or `__proto__` never name an action. */
function availableActions<S>(app: AppContext, stepDefinition: StepDefinition<S> | undefined, state: S): string[] {
  if (!stepDefinition) return [];
  const hidden = new Set(stepDefinition.unavailable?.(state, app) ?? []);
  return Object.keys(stepDefinition.actions).filter((name) => !hidden.has(name));
}

function render<S>(app: AppContext, definition: FlowDefinition<S>, id: string, step: string, state: S, expiresAt: number, error?: ErrorBody): FlowState {
  const stepDefinition = definition.steps[step];
  if (!stepDefinition) throw new Error(`flow ${definition.kind} has no step ${step}`);
  return {
    id,
    kind: definition.kind,
    step,
    data: stepDefinition.view(state, app),
    actions: availableActions(app, stepDefinition, state),
    expiresAt,
    ...(error ? { error } : {}),
  } as FlowState;
}

/** Starts a flow and stores it; the returned state carries its secret id. */
export async function startFlow<S>(app: AppContext, definition: FlowDefinition<S>, body: unknown = {}, session?: SessionRecord): Promise<FlowState> {
  const input = definition.start ? parseInput(definition.start, body) : {};
  const now = app.now();
  const id = randomToken(FLOW_ID_BYTES);
  const { step, state } = await definition.initial(app, input, session);
  const expiresAt = now + app.config.flowTtlMinutes * 60_000;
  await app.db
    .insertInto('flows')
    .values({ id_hash: sha256(id), kind: definition.kind, step, state: JSON.stringify(state), user_id: session?.userId ?? null, attempts: 0, version: 0, created_at: now, expires_at: expiresAt })
    .execute();
  return render(app, definition, id, step, state, expiresAt);
}

/**
 * Performs one action on a stored flow: loads it, checks the action is
 * allowed at its step, validates the input, runs the action and writes the
 * transition conditionally on the version it read. A request that loses a race
 * gets `flow_conflict` and changes nothing.
 */
export async function runAction<S>(
  app: AppContext,
  definitions: ReadonlyMap<string, FlowDefinition<S>>,
  { id, action: actionName, body, request }: { id: string; action: string; body: unknown; request: RequestFacts },
): Promise<ActionOutcome> {
  const now = app.now();
  const idHash = sha256(id);
  const row = await app.db.selectFrom('flows').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
  if (!row) throw new ApiError('flow_not_found');
  if (Number(row.expires_at) <= now) {
    await app.db.deleteFrom('flows').where('id_hash', '=', idHash).execute();
    throw new ApiError('flow_expired');
  }
  const definition = definitions.get(row.kind);
  if (!definition) throw new ApiError('flow_not_found');
  if (row.attempts >= app.config.flowMaxAttempts) throw new ApiError('too_many_attempts');

  const state = JSON.parse(row.state) as S;
  const expiresAt = Number(row.expires_at);
  const again = (error: ErrorBody, status = statusOf(error.code), retryAfter?: number): ActionOutcome => ({
    status,
    flow: render(app, definition, id, row.step, state, expiresAt, error),
    ...(retryAfter === undefined ? {} : { retryAfter }),
  });

  // Own properties only: an action named `constructor` or `__proto__` must not reach Object.prototype.
  const stepDefinition = definition.steps[row.step];
  const actionDefinition = availableActions(app, stepDefinition, state).includes(actionName) ? stepDefinition!.actions[actionName] : undefined;
  if (!actionDefinition) return again({ code: 'action_not_allowed' });
  const parsed = actionDefinition.input.safeParse(body ?? {});
  if (!parsed.success) return again(invalidRequest(parsed.error));

  /** Runs the action in `context`: its transition, or the answer to a refusal (4xx); anything else propagates. */
  const perform = async (context: AppContext): Promise<Transition<S> | ActionOutcome> => {
    try {
      await definition.guard?.(context, state);
      return await actionDefinition.run({ app: context, state, request, now }, parsed.data);
    } catch (error) {
      if (error instanceof ApiError && error.status < 500) return again(error.body, error.status, error.retryAfter);
      throw error;
    }
  };
  const refused = (result: Transition<S> | ActionOutcome): result is ActionOutcome => 'flow' in result;

  if (actionDefinition.atomic) {
    // The session JWT is signed inside the transaction: its keys must not be read from there.
    await app.keys.ready();
    const afterCommit: ((app: AppContext) => Promise<void>)[] = [];
    const outcome = await app.db.transaction().execute(async (trx) => {
      const result = await perform({ ...app, db: trx, afterCommit: (work) => void afterCommit.push(work) });
      // A refusal keeps what the action wrote before it, as outside a transaction; an error undoes it all.
      return refused(result) ? result : commitTransition(trx, result);
    });
    for (const work of afterCommit) void work(app).catch((error: unknown) => app.log.log('error', 'after-commit work failed', { error: String(error) }));
    return outcome;
  }

  const result = await perform(app);
  if (refused(result)) return result;
  return app.db.transaction().execute((trx) => commitTransition(trx, result));

  /**
   * Writes the transition only if the flow's version has not moved since it
   * was read (a request that loses a race gets `flow_conflict`, and inside
   * the transaction that undoes everything it did), and issues the session
   * in the same transaction.
   */
  async function commitTransition(trx: Transaction<Database>, transition: Transition<S>): Promise<ActionOutcome> {
    if (transition.failed) {
      // A failure changes nothing but the count: increment it atomically and
      // leave the version alone, so a concurrent request that succeeds on this
      // flow still commits (two racing posts yield one session, never none).
      await trx.updateTable('flows').set({ attempts: sql<number>`attempts + 1` }).where('id_hash', '=', idHash).execute();
      return { status: statusOf(transition.error?.code ?? 'invalid_request'), flow: render(app, definition!, id, row!.step, state, expiresAt, transition.error) };
    }
    const written = transition.finalize
      ? await trx.deleteFrom('flows').where('id_hash', '=', idHash).where('version', '=', row!.version).executeTakeFirst()
          .then((r) => Number(r.numDeletedRows))
      : await trx
          .updateTable('flows')
          .set({
            step: transition.step,
            state: JSON.stringify(transition.state),
            user_id: transition.userId === undefined ? row!.user_id : transition.userId,
            version: row!.version + 1,
          })
          .where('id_hash', '=', idHash)
          .where('version', '=', row!.version)
          .executeTakeFirst()
          .then((r) => Number(r.numUpdatedRows));
    if (written !== 1) throw new ApiError('flow_conflict');
    const issued = transition.finalize ? await transition.finalize(trx) : undefined;
    const flow = issued
      ? ({ id, kind: definition!.kind, step: 'done', data: { session: issued.grant }, actions: [], expiresAt } satisfies FlowState)
      : render(app, definition!, id, transition.step, transition.state, expiresAt, transition.error);
    const status = transition.error ? statusOf(transition.error.code) : 200;
    return { status, flow, ...(issued ? { issued } : {}) };
  }
}
