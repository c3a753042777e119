/*
 * Compile-time checks of the flow engine's typing, run by `npm run check`
 * (tsc): each `@ts-expect-error` below must be an error, or the check fails.
 * A misspelt step, a wrong data field, an action the protocol does not name,
 * or a state that lacks what the target step needs does not type-check.
 */
import { z } from 'zod';
import type { Move, LoginStepDefinition } from '../../server/flows/login/state.js';
import { action } from '../../server/flows/login/state.js';
import type { FlowMap } from '../../server/flows/engine.js';

const nothing = z.object({}).strict();

export const resetSent: LoginStepDefinition<'reset-sent'> = {
  view: (state, app) => ({ email: state.email, minutes: app.config.resetLinkMinutes }),
  actions: {
    back: action({ input: nothing, run: async ({ state }) => ({ step: 'password', state: { email: state.email } }) }),
  },
};

export const misspeltStep: LoginStepDefinition<'reset-sent'> = {
  view: (state) => ({ email: state.email, minutes: 15 }),
  actions: {
    // @ts-expect-error 'pasword' is no step
    back: action({ input: nothing, run: async ({ state }) => ({ step: 'pasword', state: { email: state.email } }) }),
  },
};

export const wrongData: LoginStepDefinition<'reset-sent'> = {
  // @ts-expect-error `minutes` is a number in the protocol
  view: (state) => ({ email: state.email, minutes: '15' }),
  actions: { back: action({ input: nothing, run: async ({ state }) => ({ step: 'password', state: { email: state.email } }) }) },
};

export const extraAction: LoginStepDefinition<'reset-sent'> = {
  view: (state) => ({ email: state.email, minutes: 15 }),
  actions: {
    back: action({ input: nothing, run: async ({ state }) => ({ step: 'password', state: { email: state.email } }) }),
    // @ts-expect-error `reset-sent` offers only `back`
    resend: action({ input: nothing, run: async ({ state }) => ({ step: 'password', state: { email: state.email } }) }),
  },
};

export const missingAction: LoginStepDefinition<'reset-sent'> = {
  view: (state) => ({ email: state.email, minutes: 15 }),
  // @ts-expect-error an action of the step must be defined
  actions: {},
};

export const wrongUnavailable: LoginStepDefinition<'reset-sent'> = {
  view: (state) => ({ email: state.email, minutes: 15 }),
  // @ts-expect-error `cancel` is not an action of this step
  unavailable: () => ['cancel'],
  actions: { back: action({ input: nothing, run: async ({ state }) => ({ step: 'password', state: { email: state.email } }) }) },
};

/** The second factor needs the person: an address alone is not enough. */
export function withoutPerson(email: string): Move {
  // @ts-expect-error `second-factor` needs `userId`, `amr` and `methods`
  return { step: 'second-factor', state: { email } };
}

// @ts-expect-error a map names steps only
export const badMap: FlowMap = { email: ['pasword'] };
