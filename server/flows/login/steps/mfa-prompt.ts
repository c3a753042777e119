/* `mfa-prompt`: "add an extra layer of security", now or later. */
import { mfaPolicy } from '../../../companies/accounts.js';
import { setSnooze } from '../../../store/users.js';
import { finish } from '../finish.js';
import { nothing } from '../inputs.js';
import { firstFactorOf, startSetup } from '../next.js';
import { action, type LoginStepDefinition } from '../state.js';

export const mfaPrompt: LoginStepDefinition<'mfa-prompt'> = {
  view: (state, app) => ({ requiredFrom: state.requiredFrom === undefined ? app.config.mfaRequiredFrom : state.requiredFrom }),
  actions: {
    enable: action({ input: nothing, run: (context) => startSetup(context, 'enable') }),
    'remind-later': action({
      atomic: true,
      input: nothing,
      async run(context) {
        const { app, state, now } = context;
        if ((await mfaPolicy(app, state.userId, now)).requiredNow) return startSetup(context, 'required');
        await setSnooze(app.db, state.userId, app.config.mfaRemindLaterLogins);
        return finish(context, [firstFactorOf(state)]);
      },
    }),
  },
};
