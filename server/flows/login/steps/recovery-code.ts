/* `recovery-code`: the one-time recovery code, shown once, saved by the person. */
import { z } from 'zod';
import { unseal } from '../../../security/secrets.js';
import { finish } from '../finish.js';
import { action, type LoginStepDefinition } from '../state.js';

export const recoveryCode: LoginStepDefinition<'recovery-code'> = {
  view: (state, app) => ({ code: unseal(app.secretKey, state.sealedRecoveryCode, `flow-recovery:${state.userId}`) }),
  actions: {
    confirm: action({
      atomic: true,
      input: z.object({ saved: z.literal(true) }).strict(),
      run: (context) => finish(context, context.state.amr),
    }),
  },
};
