/* `sso`: the company's provider signs the person in; its answer comes back as `callback`. */
import { z } from 'zod';
import { audit } from '../../../audit.js';
import { completeAuthorization, connectionOf, SsoError } from '../../../companies/oidc.js';
import { ssoUser } from '../../../companies/sso-user.js';
import type { AppContext } from '../../../context.js';
import { ApiError } from '../../../errors.js';
import { maskEmail } from '../../../log.js';
import { offerPasskey } from '../ceremony.js';
import { finish } from '../finish.js';
import { nothing } from '../inputs.js';
import { spendProviderCall, ssoStep } from '../sso.js';
import { action, type Identified, type LoginStepDefinition, type MoveTo } from '../state.js';

export const sso: LoginStepDefinition<'sso'> = {
  view: (state) => ({ email: state.email, provider: state.sso.provider, ...(state.sso.url ? { url: state.sso.url } : {}) }),
  // Re-authentication is for the signed-in person: no other address.
  unavailable: (state) => [...(state.sso.url ? ['retry' as const] : ['callback' as const]), ...(state.purpose === 'reauth' ? ['back' as const] : [])],
  actions: {
    callback: action({
      input: z.object({ params: z.string().max(8192) }).strict(),
      async run(context, { params }) {
        const { app, state, request } = context;
        const { sso: pending, ...rest } = state;
        const connection = await connectionOf(app, pending.organizationId);
        // Untied from its provider while the person was away: from the address again
        // (a re-authentication has no other way: the session came through that provider).
        if (!connection) return untied(app, state);
        await spendProviderCall(app, state, request.ip, context.now);
        try {
          if (!pending.request) throw new SsoError('sso_unavailable', 'no authorization request under way');
          const identity = await completeAuthorization(app, connection, pending.request, params);
          const userId = await ssoUser(app, connection, state.email, identity);
          const provider = { organizationId: connection.organizationId, issuer: connection.issuer, name: connection.name };
          // The company's provider stands for the password and the second factor (seed 001): none is asked here.
          return { ...(await finish({ ...context, state: { ...rest, userId, provider } }, identity.amr)), userId };
        } catch (error) {
          if (!(error instanceof SsoError)) throw error;
          await audit(app, { event: 'login.failure', ip: request.ip, detail: { method: 'sso', reason: error.code, email: maskEmail(state.email) } });
          app.log.log('info', 'single sign-on refused', { event: 'sso.refused', code: error.code, reason: error.message });
          // A new request for the next try: a state, nonce or verifier is never used twice.
          return ssoStep(context, rest, connection, error.code);
        }
      },
    }),
    retry: action({
      input: nothing,
      async run(context) {
        const { app, state } = context;
        const { sso: pending, ...rest } = state;
        const connection = await connectionOf(app, pending.organizationId);
        if (!connection) return untied(app, state);
        return ssoStep(context, rest, connection);
      },
    }),
    back: action({
      input: nothing,
      run: async ({ app, state }) => ({ step: 'email', state: await offerPasskey(app, { email: state.email }) }),
    }),
  },
};

/** The company no longer signs its people in through a provider: a sign-in starts again from the address. */
async function untied(app: AppContext, state: Identified): Promise<MoveTo<'email'>> {
  if (state.purpose === 'reauth') throw new ApiError('sso_required');
  return { step: 'email', state: await offerPasskey(app, { email: state.email }) };
}
