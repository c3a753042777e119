/* `verify-email`: the 6-digit code mailed to the address. */
import { audit } from '../../../audit.js';
import { mfaPolicy } from '../../../companies/accounts.js';
import { spendFactorAttempt } from '../../../factors/attempts.js';
import { checkEmailCode, markEmailVerified } from '../../../factors/email-code.js';
import { ONE_TIME_CODE_LENGTH } from '../../../factors/one-time-code.js';
import { nothing, setupCodeInput } from '../inputs.js';
import { afterVerified, chooseMethod, codeRefusal, confirmAddress, recordFailure } from '../next.js';
import { action, type LoginStepDefinition } from '../state.js';

export const verifyEmail: LoginStepDefinition<'verify-email'> = {
  view: (state) => ({ email: state.email, codeLength: ONE_TIME_CODE_LENGTH }),
  actions: {
    code: action({
      atomic: true,
      input: setupCodeInput,
      async run(context, { code }) {
        const { app, state, request, now } = context;
        const { userId } = state;
        const spent = await spendFactorAttempt(app, userId, now);
        const result = checkEmailCode(app, state.emailCode, { userId, input: code, now });
        if (result !== 'valid') {
          await recordFailure(context, 'email_code');
          return { step: 'verify-email', state, failed: true, error: codeRefusal(result) };
        }
        spent.succeeded();
        await markEmailVerified(app, userId, now);
        await audit(app, { event: 'email.verified', userId, ip: request.ip });
        const { emailCode: _used, ...rest } = state;
        const next = { ...context, state: rest };
        // Activation goes straight on to 2FA set-up (seed 002, step 5); a sign-in goes on as usual.
        if (state.purpose === 'activate') {
          const policy = await mfaPolicy(app, userId, now);
          return chooseMethod(next, { reason: policy.requiredNow ? 'required' : 'enable', requiredFrom: policy.requiredFrom });
        }
        return afterVerified(next, undefined);
      },
    }),
    resend: action({ input: nothing, run: (context) => confirmAddress(context) }),
  },
};
