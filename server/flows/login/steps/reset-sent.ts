/* `reset-sent`: "if an account exists for this address, we sent a link". */
import { offerPasskey } from '../ceremony.js';
import { nothing } from '../inputs.js';
import { action, type LoginStepDefinition } from '../state.js';

export const resetSent: LoginStepDefinition<'reset-sent'> = {
  view: (state, app) => ({ email: state.email, minutes: app.config.resetLinkMinutes }),
  actions: {
    back: action({
      input: nothing,
      run: async ({ app, state }) => ({ step: 'password', state: await offerPasskey(app, { email: state.email }) }),
    }),
  },
};
