/* `set-password`: the first password (activation) or a new one (reset link). */
import { z } from 'zod';
import { audit } from '../../../audit.js';
import { notifyUser } from '../../../delivery/mail.js';
import { ApiError } from '../../../errors.js';
import { hashPassword } from '../../../factors/password.js';
import { checkNewPassword, policyView } from '../../../factors/password-policy.js';
import { passwordChanged } from '../../../security/credential-change.js';
import { consumeLinkToken } from '../../../security/link-tokens.js';
import { clearRateLimit } from '../../../security/rate-limit.js';
import { sha256 } from '../../../security/random.js';
import { inTransaction } from '../../../store/index.js';
import { finish } from '../finish.js';
import { afterVerified, confirmAddress } from '../next.js';
import { action, type LoginStepDefinition } from '../state.js';
import { setUserStatus } from '../../../store/users.js';

export const setPassword: LoginStepDefinition<'set-password'> = {
  view: (state, app) => ({ email: state.email, purpose: state.purpose === 'reset' ? 'reset' : 'activate', policy: policyView(app.config) }),
  actions: {
    password: action({
      input: z.object({ password: z.string().min(1).max(4096) }).strict(),
      async run(context, { password }) {
        const { app, state, request, now } = context;
        const { userId } = state;
        const reset = state.purpose === 'reset';
        const broken = await checkNewPassword(app.db, app.config, { password, email: state.email, userId });
        // A refused password is the person's draft, not a guess: it does not count as a failed attempt.
        if (broken.length > 0) return { step: 'set-password', state, error: { code: 'password_policy', field: 'password', details: { rules: broken } } };
        const passwordHash = await app.hashing.run(() => hashPassword(password));
        // The link is spent and the password set in one transaction: the spend is a conditional
        // update (a second tab or a replay gets nothing), and an account no longer in the state
        // the link was made for (disabled meanwhile) leaves the link as it was.
        const refusal = new ApiError(reset ? 'reset_link_invalid' : 'invitation_invalid');
        await inTransaction(app.db, async (trx) => {
          if (!(await consumeLinkToken(trx, { tokenHash: state.linkTokenHash, purpose: reset ? 'password-reset' : 'invitation', now }))) throw refusal;
          // Activation sets the password with the status; a reset checks the account is still active.
          const moved = reset
            ? await setUserStatus(trx, userId, { status: 'active', from: 'active', now })
            : await setUserStatus(trx, userId, { status: 'active', from: 'invited', passwordHash, now });
          if (!moved) throw refusal;
          // OWASP Forgot Password Cheat Sheet: every other session ends, and the person is told.
          if (reset) {
            await passwordChanged({ ...app, db: trx }, { userId, passwordHash, endSessions: true, now });
            // The old password's failures are forgotten with it.
            await clearRateLimit(trx, `pwd:acct:${sha256(state.email)}`);
          }
        });
        if (reset) {
          await audit(app, { event: 'password.reset', userId, ip: request.ip });
          await notifyUser(app, userId, { kind: 'password-changed' });
          const next = { ...context, state: { ...state, passwordSet: true } };
          // No second factor passed (the person has none they can use): on as a sign-in with the
          // new password, so required 2FA set-up, or the prompt, still comes.
          if (!state.amr?.includes('mfa')) return afterVerified({ ...next, state: { ...next.state, amr: ['pwd'] } }, undefined);
          return finish(next, state.amr);
        }
        await audit(app, { event: 'user.activated', userId, ip: request.ip });
        // A flow opened from a link is stored without an owner (the engine knows none at
        // start); from here it has one, so disabling the user ends it (`disableUser`).
        return { ...(await confirmAddress({ ...context, state: { ...state, amr: ['pwd'] } })), userId };
      },
    }),
  },
};
