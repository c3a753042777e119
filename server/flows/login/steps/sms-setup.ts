/* `sms-setup`: a phone number for texted codes, confirmed with a texted code: the method chosen, its backup, or the account page's backup number. */
import { z } from 'zod';
import { spendFactorAttempt } from '../../../factors/attempts.js';
import { phoneAdded } from '../../../factors/enrolment.js';
import { ONE_TIME_CODE_LENGTH } from '../../../factors/one-time-code.js';
import { checkTextedCode, maskPhone, parsePhone, saveConfirmedPhone, textCode } from '../../../factors/sms.js';
import { seal, unseal } from '../../../security/secrets.js';
import { nothing, setupCodeInput } from '../inputs.js';
import { afterSetup, chooseMethod, codeRefusal, enrolled } from '../next.js';
import { action, type LoginStepDefinition } from '../state.js';

export const smsSetup: LoginStepDefinition<'sms-setup'> = {
  view: (state, app) => ({
    defaultCountry: app.config.smsDefaultCountry,
    codeLength: ONE_TIME_CODE_LENGTH,
    ...(state.smsSetup ? { sentTo: maskPhone(unseal(app.secretKey, state.smsSetup.sealedPhone, `flow-sms:${state.userId}`)) } : {}),
  }),
  // The account page closes its own enrolment; `back` is the sign-in's way back to the choice of method.
  unavailable: (state) => [...(state.smsSetup ? [] : (['code', 'change-number'] as const)), ...(state.purpose === 'enroll' ? ['back' as const] : [])],
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
          // Counted against the account (above), not the flow: after a first method the recovery code is
          // already issued, and a locked flow would never show it. A wrong code here proves nothing about anyone else.
          return { step: 'sms-setup', state, error: codeRefusal(result) };
        }
        spent.succeeded();
        const phone = unseal(app.secretKey, pending.sealedPhone, `flow-sms:${userId}`);
        const { setup } = state;
        if (setup && !setup.backup && state.purpose !== 'enroll') {
          // The first method: the phone is the person's second factor (RFC 8176 §2: `sms`), with a recovery code and the backup offer.
          const credentialId = await saveConfirmedPhone(app.db, app.secretKey, { userId, phone, now });
          return enrolled({ ...context, state: { ...rest, userId, setup } }, credentialId, ['sms', 'mfa']);
        }
        await phoneAdded(app, { userId, phone, now });
        const { setup: _done, ...after } = rest;
        return afterSetup({ ...context, state: { ...after, userId } });
      },
    }),
    'change-number': action({
      input: nothing,
      run: async ({ state }) => {
        const { smsSetup: _forgotten, ...rest } = state;
        return { step: 'sms-setup', state: rest };
      },
    }),
    back: action({
      input: nothing,
      run: (context) => {
        const { smsSetup: _forgotten, setup, ...rest } = context.state;
        // A flow parked at the backup number offered before the choice of method goes back to that choice.
        return chooseMethod({ ...context, state: rest }, setup ?? { reason: 'enable', backup: true });
      },
    }),
  },
};
