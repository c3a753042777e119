/* `totp-setup`: scan the QR code (or type the key) into an authenticator app, and confirm with a code. */
import { spendFactorAttempt } from '../../../factors/attempts.js';
import { matchTotp, normalizeCode, totpQr, totpUri } from '../../../factors/totp.js';
import { cancelTotpEnrolment, confirmTotpEnrolment } from '../../../factors/totp-enrolment.js';
import { unseal } from '../../../security/secrets.js';
import { offerPasskeyCreation } from '../ceremony.js';
import { nothing, setupCodeInput } from '../inputs.js';
import { enrolled } from '../next.js';
import { action, type LoginStepDefinition } from '../state.js';

export const totpSetup: LoginStepDefinition<'totp-setup'> = {
  view(state, app) {
    const { setup } = state;
    const secret = unseal(app.secretKey, setup.sealedSecret, `flow-setup:${setup.credentialId}`);
    const issuer = app.config.appName;
    const account = state.email;
    const uri = totpUri({ secret, issuer, account });
    return { qr: totpQr(uri), secret, uri, issuer, account, required: setup.reason !== 'enable', reason: setup.reason };
  },
  // The account page closes its own enrolment; `cancel` is the login's way back to the prompt.
  unavailable: (state, app) => [...(state.setup.reason === 'enable' && state.purpose !== 'enroll' ? [] : ['cancel' as const]), ...(app.config.passkeys ? [] : ['use-passkey' as const])],
  actions: {
    'use-passkey': action({
      input: nothing,
      run: async ({ app, state }) => ({ step: 'passkey-setup', state: { ...state, ...(await offerPasskeyCreation(app, state.userId)) } }),
    }),
    totp: action({
      atomic: true,
      input: setupCodeInput,
      async run(context, { code }) {
        const { app, state, now } = context;
        const { setup } = state;
        const spent = await spendFactorAttempt(app, state.userId, now);
        const secret = unseal(app.secretKey, setup.sealedSecret, `flow-setup:${setup.credentialId}`);
        const step = matchTotp({ secret, code: normalizeCode(code), now });
        const confirmed = step !== null && (await confirmTotpEnrolment(app.db, { credentialId: setup.credentialId, userId: state.userId, step, now }));
        if (!confirmed) return { step: 'totp-setup', state, failed: true, error: { code: 'invalid_code', field: 'code' } };
        spent.succeeded();
        return enrolled(context, setup.credentialId, ['otp', 'mfa']);
      },
    }),
    cancel: action({
      input: nothing,
      async run({ app, state }) {
        await cancelTotpEnrolment(app.db, state.setup.credentialId);
        const { setup: _cancelled, ...rest } = state;
        return { step: 'mfa-prompt', state: rest };
      },
    }),
  },
};
