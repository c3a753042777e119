/*
 * What a flow is made of: steps typed by the protocol's StepMap, actions with
 * their input schemas, transitions that name a step with that step's state,
 * and the map of which step may lead to which. The engine runs them.
 */
import type { Transaction } from 'kysely';
import type { z } from 'zod';
import type { AppContext } from '../context.js';
import type { ErrorBody } from '../errors.js';
import type { SessionRecord } from '../security/sessions.js';
import type { Database } from '../store/index.js';
import type { FlowKind, FlowStateOf, SessionGrant, StepMap, StepName } from './protocol.js';

/** Facts about the request that an action may use (never for logging secrets). */
export interface RequestFacts {
  ip: string;
  userAgent: string | null;
  /** The remembered-device token from this browser's cookie, when it has one. */
  deviceToken?: string | undefined;
  /** The session token the request carried (cookie or bearer), when it carried one: a new sign-in ends that session. */
  sessionToken?: string | undefined;
  /** The language the person chose in the widget (`Content-Language`), when it is one we speak: a sign-in remembers it. */
  locale?: 'en' | 'nl' | undefined;
}

export interface ActionContext<S> {
  app: AppContext;
  state: S;
  request: RequestFacts;
  now: number;
  /** The SHA-256 of the flow's id: a change that ends the person's other flows spares this one. */
  flowIdHash?: string;
}

/** The session a flow ends with: a new one (sign-in), or the one it ran in (account page). */
export interface IssuedSession {
  /** The session's new token: at every sign-in and re-authentication, never after an enrolment (the token stays). */
  token?: string;
  grant: SessionGrant;
  /** A new remember-this-device token and its end, when the person asked to be remembered. */
  device?: { token: string; expiresAt: number };
  /** Offer a passkey for next time (the `done` step's `passkeyOffer`). */
  passkeyOffer?: boolean;
}

/** The steps a flow's states are typed for: every step but `done`, which has no state. */
export type FlowStep = Exclude<StepName, 'done'>;

/** Each step's flow state: what the stored JSON holds while the flow is at that step. */
export type StateMap = { [K in FlowStep]: object };

/** Fields every transition may carry beside its step. */
interface TransitionFacts {
  /** The flow's owner from now on (a flow opened from a link learns it); null when it has none. */
  userId?: string | null;
  /**
   * The action failed in a way that counts against the flow's attempt cap. A
   * failed transition keeps the flow's step and state; only the count moves.
   */
  failed?: boolean;
  error?: ErrorBody;
}

/** A move to step `K` with that step's state. */
export type TransitionTo<M extends StateMap> = { [K in FlowStep]: TransitionFacts & { step: K; state: M[K] } };

/** The end of a flow: the session is issued as the flow is consumed. */
export interface Completion extends TransitionFacts {
  step: 'done';
  /**
   * Runs inside the transaction that commits the transition, and only if this
   * request won the flow (no concurrent request moved it first). Issue
   * sessions here, so one flow can never yield two.
   */
  finalize: (trx: Transaction<Database>) => Promise<IssuedSession>;
}

/** Where an action leads: a step with exactly that step's state, or the end. */
export type Transition<M extends StateMap> = TransitionTo<M>[FlowStep] | Completion;

export interface ActionDefinition<M extends StateMap, S, I> {
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
  run(context: ActionContext<S>, input: I): Promise<Transition<M>>;
}

/** Step `K`: its `data` for the widget, and exactly the actions the protocol names for it. */
export interface StepDefinition<M extends StateMap, K extends FlowStep> {
  /** The step's `data`; may open sealed values with the app's key. */
  view(state: M[K], app: AppContext): StepMap[K]['data'];
  actions: { [A in StepMap[K]['actions']]: ActionDefinition<M, M[K], unknown> };
  /** Actions of this step that the current state does not offer (e.g. no `cancel` when set-up is required). */
  unavailable?(state: M[K], app: AppContext): StepMap[K]['actions'][];
  /**
   * A step that waits on something outside the flow (the person's phone):
   * whether it has happened, read from the store only, so any process sees it.
   * `GET /api/flows/{id}/wait` asks it until true; undefined when this state
   * waits on nothing.
   */
  ready?(app: AppContext, state: M[K], now: number): Promise<boolean> | undefined;
}

/** The definitions of the steps a flow reaches. */
export type StepDefinitions<M extends StateMap> = { [K in FlowStep]?: StepDefinition<M, K> };

/** The first step of a flow and its state. */
export type Opening<M extends StateMap> = TransitionTo<M>[FlowStep];

/** Which step may lead to which (besides showing itself again). */
export type FlowMap = { readonly [K in FlowStep]?: readonly StepName[] };

export interface FlowDefinition<M extends StateMap> {
  kind: FlowKind;
  /** The moves the flow's steps may make; a move it does not list is a bug (an error outside production, logged in it). */
  map: FlowMap;
  /** The start body's schema, for flows opened with something (an emailed link's token); others ignore the body. */
  start?: z.ZodType<Record<string, unknown>>;
  /** The flow runs inside a session (the account page): it starts only with one, which `initial` receives. */
  authenticated?: boolean;
  /**
   * The start stores nothing: its first step's state travels sealed in the
   * flow id until the first action stores the flow. For a flow that starts
   * from nothing (the sign-in), so a page view costs the store no write.
   */
  sealedStart?: boolean;
  initial(app: AppContext, input: Record<string, unknown>, session?: SessionRecord): Promise<Opening<M>>;
  /** The language the flow's answers tell the widget (FlowState's `locale`), when the flow knows the person's. */
  locale?(state: M[FlowStep]): 'en' | 'nl' | undefined;
  /** Checked before every action; throws to refuse it (an account-page flow whose session has ended). */
  guard?(app: AppContext, state: M[FlowStep]): Promise<void>;
  steps: StepDefinitions<M>;
}

/** Declares an action with its input schema; keeps the input type tied to the schema. */
export function action<M extends StateMap, S, I>(definition: ActionDefinition<M, S, I>): ActionDefinition<M, S, I> {
  return definition;
}

/**
 * A flow as sent: a step rendered from its definition (its `data` and
 * `actions` typed by that step's entry in `StepMap`), or the end.
 */
export type RenderedFlow = FlowStateOf<FlowStep> | FlowStateOf<'done'>;

export interface ActionOutcome {
  status: number;
  flow: RenderedFlow;
  issued?: IssuedSession;
  retryAfter?: number;
}
