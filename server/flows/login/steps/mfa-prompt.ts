/* `mfa-prompt`: "add an extra layer of security", now or later. */
import { nothing } from '../inputs.js';
import { chooseMethod, remindLater } from '../next.js';
import { action, type LoginStepDefinition } from '../state.js';

export const mfaPrompt: LoginStepDefinition<'mfa-prompt'> = {
  view: (state, app) => ({ requiredFrom: state.requiredFrom === undefined ? app.config.mfaRequiredFrom : state.requiredFrom }),
  actions: {
    enable: action({
      input: nothing,
      run: (context) => {
        const { requiredFrom, ...rest } = context.state;
        return chooseMethod({ ...context, state: rest }, { reason: 'enable', ...(requiredFrom === undefined ? {} : { requiredFrom }) });
      },
    }),
    'remind-later': action({ atomic: true, input: nothing, run: remindLater }),
  },
};
