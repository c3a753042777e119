/* `email`: the address, or a passkey from autofill. */
import { z } from 'zod';
import { connectionForEmail } from '../../../companies/oidc.js';
import { emailSchema, MAX_EMAIL_LENGTH } from '../../../factors/email-address.js';
import { offerPasskey, passkeyRefusal } from '../ceremony.js';
import { assertionInput } from '../inputs.js';
import { signInWithPasskey } from '../passwordless.js';
import { ssoStep } from '../sso.js';
import { action, type LoginStepDefinition } from '../state.js';

export const email: LoginStepDefinition<'email'> = {
  view: (state) => ({ ...(state.email ? { email: state.email } : {}), ...(state.passkeyRequest ? { passkey: { options: state.passkeyRequest } } : {}) }),
  unavailable: (state) => (state.passkeyRequest ? [] : ['passkey']),
  actions: {
    email: action({
      input: z.object({ email: z.string().max(1024) }),
      async run(context, input) {
        const { app, state } = context;
        const address = emailSchema.safeParse(input.email);
        if (!address.success) {
          return { step: 'email', state: { ...state, email: input.email.slice(0, MAX_EMAIL_LENGTH) }, error: { code: 'invalid_email', field: 'email' } };
        }
        const connection = await connectionForEmail(app, address.data);
        if (connection) return ssoStep(context, { email: address.data }, connection);
        return { step: 'password', state: await offerPasskey(app, { email: address.data }) };
      },
    }),
    passkey: action({
      input: assertionInput,
      async run(context, { response }) {
        try {
          return await signInWithPasskey(context, response);
        } catch (error) {
          return { step: 'email', state: await offerPasskey(context.app, context.state), error: passkeyRefusal(context.app, error) };
        }
      },
    }),
  },
};
