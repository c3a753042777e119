/* `passkey-setup`: a passkey (face ID, fingerprint, Windows Hello, security key) as the second factor. */
import { registerPasskey } from '../../../factors/passkey.js';
import { cancelTotpEnrolment } from '../../../factors/totp-enrolment.js';
import { liveChallenge, offerPasskeyCreation, passkeyRefusal } from '../ceremony.js';
import { nothing, registrationInput } from '../inputs.js';
import { enrolled } from '../next.js';
import { action, type LoginStepDefinition } from '../state.js';

export const passkeySetup: LoginStepDefinition<'passkey-setup'> = {
  view: (state) => ({ options: state.passkeyCreation, suggestedName: 'Passkey', required: state.setup.reason !== 'enable', reason: state.setup.reason }),
  unavailable: (state) => (state.setup.reason === 'enable' && state.purpose !== 'enroll' ? [] : ['cancel']),
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
        // The passkey replaces the authenticator set-up that was offered.
        await cancelTotpEnrolment(app.db, state.setup.credentialId);
        return enrolled(context, added.id, ['hwk', 'mfa']);
      },
    }),
    'use-totp': action({
      input: nothing,
      run: async ({ state }) => {
        const { passkeyCreation: _ceremony, ...rest } = state;
        return { step: 'totp-setup', state: rest };
      },
    }),
    cancel: action({
      input: nothing,
      async run({ app, state }) {
        await cancelTotpEnrolment(app.db, state.setup.credentialId);
        const { setup: _cancelled, passkeyCreation: _ceremony, ...rest } = state;
        return { step: 'mfa-prompt', state: rest };
      },
    }),
  },
};
