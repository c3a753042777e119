/* `totp-setup`: scan the QR code (or type the key) into an authenticator app, and confirm with a code. */
import { spendFactorAttempt } from '../../../factors/attempts.js';
import { matchTotp, normalizeCode, totpQr, totpUri } from '../../../factors/totp.js';
import { cancelTotpEnrolment, confirmTotpEnrolment } from '../../../factors/totp-enrolment.js';
import { unseal } from '../../../security/secrets.js';
import { nothing, setupCodeInput } from '../inputs.js';
import { chooseMethod, enrolled } from '../next.js';
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
  // The account page closes its own enrolment; `back` is the sign-in's way back to the choice of method.
  unavailable: (state) => (state.purpose === 'enroll' ? ['back'] : []),
  actions: {
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
    back: action({
      atomic: true,
      input: nothing,
      async run(context) {
        const { app, state } = context;
        // The key shown is discarded with its pending credential: choosing the app again shows a new one.
        await cancelTotpEnrolment(app.db, state.setup.credentialId);
        const { setup: { credentialId: _pending, sealedSecret: _secret, ...intent }, ...rest } = state;
        return chooseMethod({ ...context, state: rest }, intent);
      },
    }),
  },
};
