/* `password`: the first factor, a passkey instead, or "forgot password". */
import { z } from 'zod';
import { audit } from '../../../audit.js';
import type { AppContext } from '../../../context.js';
import { queueMail } from '../../../delivery/mail.js';
import { ApiError } from '../../../errors.js';
import { HOUR_MS, rateWindow, SENDS_PER_HOUR } from '../../../factors/attempts.js';
import { checkPassword } from '../../../factors/password-check.js';
import { maskEmail } from '../../../log.js';
import { rateLimitKey } from '../../../security/client-ip.js';
import { issueLinkToken } from '../../../security/link-tokens.js';
import { consumeRateLimit, rateLimited, withAction } from '../../../security/rate-limit.js';
import { sha256 } from '../../../security/random.js';
import { offerPasskey, passkeyRefusal } from '../ceremony.js';
import { assertionInput, nothing } from '../inputs.js';
import { afterPassword } from '../next.js';
import { recoverWithLink } from '../recover.js';
import { signInWithPasskey } from '../passwordless.js';
import { action, type LoginStepDefinition } from '../state.js';

export const password: LoginStepDefinition<'password'> = {
  view: (state) => ({ email: state.email, ...(state.passkeyRequest ? { passkey: { options: state.passkeyRequest } } : {}) }),
  // Re-authentication is for the signed-in person, a recovery link for its own: no other address, no reset from here.
  unavailable: (state) => [...(state.passkeyRequest ? [] : ['passkey' as const]), ...(state.purpose === 'reauth' || state.purpose === 'recover' ? (['back', 'forgot'] as const) : [])],
  actions: {
    back: action({
      input: nothing,
      run: async ({ app, state }) => ({ step: 'email', state: await offerPasskey(app, { email: state.email }) }),
    }),
    passkey: action({
      input: assertionInput,
      async run(context, { response }) {
        try {
          return await signInWithPasskey(context, response, context.state.email);
        } catch (error) {
          return { step: 'password', state: await offerPasskey(context.app, context.state), error: passkeyRefusal(context.app, error) };
        }
      },
    }),
    forgot: action({
      input: nothing,
      async run({ app, state, request, now }) {
        const email = state.email;
        // Per address: a quiet cap, so nobody can flood a mailbox; the answer stays the same.
        const account = await consumeRateLimit(app.db, `forgot:acct:${sha256(email)}`, { limit: SENDS_PER_HOUR, windowMs: HOUR_MS }, now);
        // Per client: an open limit, which tells nothing about the address.
        const ip = await consumeRateLimit(app.db, `forgot:ip:${rateLimitKey(request.ip)}`, { limit: app.config.ipMaxFailures, windowMs: rateWindow(app) }, now);
        if (ip.limited) throw rateLimited(ip, now);
        if (!account.limited) {
          void requestPasswordReset(app, email, now).catch((error: unknown) =>
            app.log.log('error', 'reset link not sent', { event: 'mail.failed', error: error instanceof Error ? error.message : String(error) }));
        }
        return { step: 'reset-sent', state: { email } };
      },
    }),
    password: action({
      input: z.object({ password: z.string().min(1).max(4096), device: z.string().max(128).optional() }).strict(),
      async run(context, { password, device }) {
        const { app, state, request, now } = context;
        const checked = await checkPassword(app, { email: state.email, password, ip: request.ip, now });
        if (checked.refusal === 'account_disabled') throw new ApiError('account_disabled');
        if (checked.refusal) {
          await withAction(app, (db) => audit(app, { event: 'login.failure', userId: checked.userId, ip: request.ip, detail: { method: 'password', email: maskEmail(state.email) } }, db));
          return { step: 'password', state, failed: true, error: { code: 'invalid_credentials', field: 'password' } };
        }
        const { user } = checked;
        if (state.purpose === 'recover') return recoverWithLink({ ...context, state: { ...state, userId: user.id } });
        const next = { ...context, state: { ...state, userId: user.id } };
        return { ...(await afterPassword(next, { deviceToken: device ?? request.deviceToken, emailVerified: user.emailVerified })), userId: user.id };
      },
    }),
  },
};

/**
 * Forgot password: mails a reset link when the address belongs to an active
 * account. Runs after the answer is sent, so the answer (and its timing) is
 * the same for every address (OWASP Forgot Password Cheat Sheet).
 */
async function requestPasswordReset(app: AppContext, email: string, now: number): Promise<void> {
  const user = await app.db.selectFrom('users').select(['id', 'status', 'password_hash', 'locale']).where('email', '=', email).executeTakeFirst();
  if (!user || user.status !== 'active' || user.password_hash === null) return;
  const minutes = app.config.resetLinkMinutes;
  const { token } = await issueLinkToken(app.db, { userId: user.id, purpose: 'password-reset', ttlMs: minutes * 60_000, now });
  await queueMail(app, { to: email, userId: user.id, locale: user.locale, message: { kind: 'password-reset', link: `${app.config.resetUrl}#token=${token}`, minutes } }, { wait: false });
}
