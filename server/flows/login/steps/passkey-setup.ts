/* `passkey-setup`: a passkey (face ID, fingerprint, Windows Hello, security key) as a second factor. */
import { registerPasskey } from '../../../factors/passkey.js';
import { cancelTotpEnrolment } from '../../../factors/totp-enrolment.js';
import { liveChallenge, offerPasskeyCreation, passkeyRefusal } from '../ceremony.js';
import { nothing, registrationInput } from '../inputs.js';
import { chooseMethod, enrolled } from '../next.js';
import { action, type LoginStepDefinition } from '../state.js';

export const passkeySetup: LoginStepDefinition<'passkey-setup'> = {
  view: (state) => ({ options: state.passkeyCreation, suggestedName: 'Passkey', required: state.setup.reason !== 'enable', reason: state.setup.reason }),
  // The account page closes its own enrolment; `back` is the sign-in's way back to the choice of method.
  unavailable: (state) => (state.purpose === 'enroll' ? ['back'] : []),
  actions: {
    register: action({
      atomic: true,
      input: registrationInput,
      async run(context, { response, name }) {
        const { app, state, now } = context;
        let added;
        try {
          const expectedChallenge = liveChallenge(state, state.passkeyCreation.challenge, now);
          added = await registerPasskey(app.db, app.config, { response, expectedChallenge, userId: state.userId, name, now });
        } catch (error) {
          const refusal = passkeyRefusal(app, error);
          return { step: 'passkey-setup', state: { ...state, ...(await offerPasskeyCreation(app, state.userId)) }, error: refusal };
        }
        // A flow parked before the choice of method held an authenticator set-up beside the passkey.
        if (state.setup.credentialId) await cancelTotpEnrolment(app.db, state.setup.credentialId);
        return enrolled(context, added.id, ['hwk', 'mfa']);
      },
    }),
    back: action({
      atomic: true,
      input: nothing,
      async run(context) {
        const { app, state } = context;
        if (state.setup.credentialId) await cancelTotpEnrolment(app.db, state.setup.credentialId);
        // The ceremony is dropped: its challenge never verifies.
        const { setup: { credentialId: _pending, ...intent }, passkeyCreation: _ceremony, ceremonyIssuedAt: _issued, ...rest } = state;
        return chooseMethod({ ...context, state: rest }, intent);
      },
    }),
  },
};
