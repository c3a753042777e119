/* `sms-setup`: a phone number as a backup second factor, confirmed with a texted code. */
import { z } from 'zod';
import { spendFactorAttempt } from '../../../factors/attempts.js';
import { phoneAdded } from '../../../factors/enrolment.js';
import { ONE_TIME_CODE_LENGTH } from '../../../factors/one-time-code.js';
import { checkTextedCode, maskPhone, parsePhone, textCode } from '../../../factors/sms.js';
import { seal, unseal } from '../../../security/secrets.js';
import { nothing, setupCodeInput } from '../inputs.js';
import { afterSetup, codeRefusal } from '../next.js';
import { action, type LoginStepDefinition } from '../state.js';

export const smsSetup: LoginStepDefinition<'sms-setup'> = {
  view: (state, app) => ({
    defaultCountry: app.config.smsDefaultCountry,
    codeLength: ONE_TIME_CODE_LENGTH,
    ...(state.smsSetup ? { sentTo: maskPhone(unseal(app.secretKey, state.smsSetup.sealedPhone, `flow-sms:${state.userId}`)) } : {}),
  }),
  unavailable: (state) => [...(state.smsSetup ? [] : (['code', 'change-number'] as const)), ...(state.smsOnly ? ['skip' as const] : [])],
  actions: {
    phone: action({
      input: z.object({ phone: z.string().max(64) }).strict(),
      async run({ app, state, now }, { phone: typed }) {
        const phone = parsePhone(typed, app.config.smsDefaultCountry);
        if (!phone) return { step: 'sms-setup', state, error: { code: 'invalid_phone', field: 'phone' } };
        const code = await textCode(app, { userId: state.userId, phone, now });
        return { step: 'sms-setup', state: { ...state, smsSetup: { sealedPhone: seal(app.secretKey, phone, `flow-sms:${state.userId}`), code } } };
      },
    }),
    code: action({
      atomic: true,
      input: setupCodeInput,
      async run(context, { code }) {
        const { app, state, now } = context;
        const { userId, smsSetup: pending, ...rest } = state;
        if (!pending) return { step: 'sms-setup', state, error: { code: 'action_not_allowed' } };
        const spent = await spendFactorAttempt(app, userId, now);
        const result = checkTextedCode(app, pending.code, { userId, input: code, now });
        if (result !== 'valid') {
          // Counted against the account (above), not the flow: the recovery code is already
          // issued, and a locked flow would never show it. A wrong code here proves nothing about anyone else.
          return { step: 'sms-setup', state, error: codeRefusal(result) };
        }
        spent.succeeded();
        await phoneAdded(app, { userId, phone: unseal(app.secretKey, pending.sealedPhone, `flow-sms:${userId}`), now });
        return afterSetup({ ...context, state: { ...rest, userId } });
      },
    }),
    'change-number': action({
      input: nothing,
      run: async ({ state }) => {
        const { smsSetup: _forgotten, ...rest } = state;
        return { step: 'sms-setup', state: rest };
      },
    }),
    skip: action({
      input: nothing,
      run: (context) => {
        const { smsSetup: _skipped, ...rest } = context.state;
        return afterSetup({ ...context, state: rest });
      },
    }),
  },
};
