/* `method-choice`: "how do you want to verify it's you?": the second factor to set up, or its backup. */
import { z } from 'zod';
import { offerPasskeyCreation } from '../ceremony.js';
import { nothing } from '../inputs.js';
import { afterSetup, chooseMethod, remindLater, startApproverSetup, startSetup } from '../next.js';
import { action, type LoginStepDefinition, type LoginStates } from '../state.js';

/** Putting 2FA off is the person's choice only before policy requires it, and never after a recovery code. */
function deferrable({ setup, purpose }: LoginStates['method-choice']): boolean {
  return setup.reason === 'enable' && setup.backup !== true && purpose !== 'enroll';
}

export const methodChoice: LoginStepDefinition<'method-choice'> = {
  view: (state, app) => ({
    methods: state.methods,
    backup: state.setup.backup === true,
    reason: state.setup.reason,
    requiredFrom: state.setup.requiredFrom === undefined ? app.config.mfaRequiredFrom : state.setup.requiredFrom,
  }),
  unavailable: (state) => [...(deferrable(state) ? [] : ['remind-later' as const]), ...(state.setup.backup ? [] : ['skip' as const])],
  actions: {
    // Atomic: set-up replaces the person's pending credentials; two racing choices must not both do it.
    choose: action({
      atomic: true,
      input: z.object({ method: z.enum(['totp', 'passkey', 'approver', 'sms']) }).strict(),
      async run(context, { method }) {
        const { app, state } = context;
        if (!state.methods.includes(method)) return { step: 'method-choice', state, error: { code: 'invalid_request', field: 'method' } };
        const { methods: _offered, ...rest } = state;
        if (method === 'totp') return startSetup({ ...context, state: rest }, state.setup);
        if (method === 'approver') return startApproverSetup({ ...context, state: rest }, state.setup);
        if (method === 'passkey') return { step: 'passkey-setup', state: { ...rest, ...(await offerPasskeyCreation(app, state.userId)) } };
        return { step: 'sms-setup', state: rest };
      },
    }),
    'remind-later': action({
      atomic: true,
      input: nothing,
      run: (context) => {
        const { setup: _putOff, methods: _offered, ...rest } = context.state;
        return remindLater({ ...context, state: rest });
      },
    }),
    skip: action({
      input: nothing,
      run: (context) => {
        const { setup: _done, methods: _offered, ...rest } = context.state;
        return afterSetup({ ...context, state: rest });
      },
    }),
  },
};
