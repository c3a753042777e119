/* `mfa-prompt`: "add an extra layer of security", now or later. */
import { mfaPolicy } from '../../../companies/accounts.js';
import { setSnooze } from '../../../store/users.js';
import { finish } from '../finish.js';
import { nothing } from '../inputs.js';
import { chooseMethod, firstFactorOf } from '../next.js';
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
    'remind-later': action({
      atomic: true,
      input: nothing,
      async run(context) {
        const { app, state, now } = context;
        const policy = await mfaPolicy(app, state.userId, now);
        if (policy.requiredNow) return chooseMethod(context, { reason: 'required', requiredFrom: policy.requiredFrom });
        await setSnooze(app.db, state.userId, app.config.mfaRemindLaterLogins);
        return finish(context, [firstFactorOf(state)]);
      },
    }),
  },
};
