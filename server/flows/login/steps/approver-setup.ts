/* `approver-setup`: the approver on the person's phone, from a QR code (or a link on the phone itself), confirmed once the phone has enrolled. */
import { confirmApprover, dropPendingApprovers, enrolledBy } from '../../../factors/approver.js';
import { totpQr } from '../../../factors/totp.js';
import { consumeLinkToken } from '../../../security/link-tokens.js';
import { unseal } from '../../../security/secrets.js';
import { nothing, setupCodeInput } from '../inputs.js';
import { chooseMethod, enrolled, startApproverSetup } from '../next.js';
import { action, type Context, type LoginStates, type LoginStepDefinition } from '../state.js';

type State = LoginStates['approver-setup'];

/** The set-up link dies with the step: a QR code photographed before `back` or `renew` enrols nothing, and a phone it enrolled goes. */
async function spendLink({ app, state, now }: Context<State>): Promise<void> {
  await consumeLinkToken(app.db, { tokenHash: state.approverSetup.enrolment, purpose: 'approver-enrolment', now });
  await dropPendingApprovers(app.db, { userId: state.userId, enrolment: state.approverSetup.enrolment });
}

export const approverSetup: LoginStepDefinition<'approver-setup'> = {
  view: (state, app) => {
    const link = unseal(app.secretKey, state.approverSetup.sealedUrl, `flow-approver:${state.userId}`);
    return { url: link, qr: totpQr(link), expiresAt: state.approverSetup.expiresAt, required: state.setup.reason !== 'enable', reason: state.setup.reason };
  },
  // The account page closes its own enrolment; `back` is the sign-in's way back to the choice of method.
  unavailable: (state) => (state.purpose === 'enroll' ? ['back'] : []),
  ready: (app, state) => enrolledBy(app.db, { userId: state.userId, enrolment: state.approverSetup.enrolment }).then((id) => id !== undefined),
  actions: {
    check: action({
      atomic: true,
      input: setupCodeInput,
      async run(context, { code }) {
        const { app, state, now } = context;
        const confirmed = await confirmApprover(app, { userId: state.userId, enrolment: state.approverSetup.enrolment, code, now });
        if (confirmed === 'pending') return { step: 'approver-setup', state, error: { code: 'approver_pending' } };
        // Another phone than the one in the person's hand, or a typo: a failed attempt of the flow (it locks after FLOW_MAX_ATTEMPTS).
        if (confirmed === 'wrong') return { step: 'approver-setup', state, failed: true, error: { code: 'invalid_code', field: 'code' } };
        const id = confirmed.id;
        const key = await app.db.selectFrom('credentials').select('credential_id').where('id', '=', id).executeTakeFirstOrThrow();
        // RFC 8176 §2: a key the phone holds, in its authenticator (`hwk`) or in its browser (`swk`).
        return enrolled(context, id, [key.credential_id ? 'hwk' : 'swk', 'mfa'], 'approver');
      },
    }),
    renew: action({
      atomic: true,
      input: nothing,
      async run(context) {
        await spendLink(context);
        const { approverSetup: _old, setup, ...rest } = context.state;
        return startApproverSetup({ ...context, state: rest }, setup);
      },
    }),
    back: action({
      atomic: true,
      input: nothing,
      async run(context) {
        await spendLink(context);
        const { approverSetup: _old, setup, ...rest } = context.state;
        return chooseMethod({ ...context, state: rest }, setup);
      },
    }),
  },
};
