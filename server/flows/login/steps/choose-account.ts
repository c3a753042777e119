/* `choose-account`: one email, several companies; the person chooses where to work. */
import { z } from 'zod';
import { enterableAccounts } from '../../../companies/accounts.js';
import { finish } from '../finish.js';
import { action, type LoginStepDefinition } from '../state.js';

export const chooseAccount: LoginStepDefinition<'choose-account'> = {
  view: (state) => ({ accounts: state.accounts }),
  actions: {
    choose: action({
      input: z.object({ account: z.string().max(64) }).strict(),
      async run(context, { account }) {
        const { app, state, now } = context;
        // Still one of the person's accounts, and one this sign-in may enter (a membership can go while the list shows).
        const accounts = await enterableAccounts(app, state.userId, { sso: state.provider?.organizationId ?? null, now });
        const chosen = state.accounts.some((a) => a.id === account) ? accounts.find((a) => a.id === account) : undefined;
        if (!chosen) return { step: 'choose-account', state: { ...state, accounts }, error: { code: 'account_not_available' } };
        return finish({ ...context, state: { ...state, accounts: [chosen], membershipId: chosen.id } }, state.amr);
      },
    }),
  },
};
