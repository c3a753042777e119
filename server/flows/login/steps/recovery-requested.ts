/* `recovery-requested`: "if an account exists for this address, your request was sent"; the flow ends here. */
import type { LoginStepDefinition } from '../state.js';

export const recoveryRequested: LoginStepDefinition<'recovery-requested'> = {
  view: (state, app) => ({ email: state.email, expiresInDays: app.config.recoveryRequestDays }),
  actions: {},
};
