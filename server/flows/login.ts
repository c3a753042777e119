import { z } from 'zod';
import { ApiError } from '../errors.js';
import { needsRehash, hashPassword, verifyPassword } from '../factors/password.js';
import { maskEmail } from '../log.js';
import { clearRateLimit, consumeRateLimit, rateLimited, refundRateLimit } from '../security/rate-limit.js';
import { sha256 } from '../security/random.js';
import { createSession } from '../security/sessions.js';
import { action, type FlowDefinition } from './engine.js';

/** RFC 5321 §4.5.3.1.3: a path is at most 256 octets, so an address at most 254 characters. */
const MAX_EMAIL_LENGTH = 254;

interface LoginState {
  email?: string;
}

/** Trims and lower-cases an address so one person has one account key. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export const emailSchema = z
  .string()
  .trim()
  .max(MAX_EMAIL_LENGTH)
  .pipe(z.email())
  .transform(normalizeEmail);

/**
 * Sign in: `email` -> `password` -> `done`. An unknown email walks the same
 * path as a known one, with the same answers and the same work, so the flow
 * never tells whether an account exists.
 */
export const loginFlow: FlowDefinition<LoginState> = {
  kind: 'login',
  initial: () => ({ step: 'email', state: {} }),
  steps: {
    email: {
      view: (state) => (state.email ? { email: state.email } : {}),
      actions: {
        email: action({
          input: z.object({ email: z.string().max(1024) }),
          async run(_, input) {
            const email = emailSchema.safeParse(input.email);
            if (!email.success) {
              return { step: 'email', state: { email: input.email.slice(0, MAX_EMAIL_LENGTH) }, error: { code: 'invalid_email', field: 'email' } };
            }
            return { step: 'password', state: { email: email.data } };
          },
        }),
      },
    },
    password: {
      view: (state) => ({ email: state.email }),
      actions: {
        back: action({
          input: z.object({}).strict(),
          run: async ({ state }) => ({ step: 'email', state }),
        }),
        password: action({
          input: z.object({ password: z.string().min(1).max(4096) }).strict(),
          async run({ app, state, request, now }, { password }) {
            const email = state.email!;
            const window = { windowMs: app.config.rateWindowMinutes * 60_000 };
            // Spend the attempt before checking it, atomically, so parallel
            // guesses cannot slip past the limit (OWASP ASVS 5.0 V6.3.1).
            const accountKey = `pwd:acct:${sha256(email)}`;
            const account = await consumeRateLimit(app.db, accountKey, { ...window, limit: app.config.accountMaxFailures }, now);
            const ipKey = `pwd:ip:${request.ip}`;
            const ip = await consumeRateLimit(app.db, ipKey, { ...window, limit: app.config.ipMaxFailures }, now);
            if (account.limited) throw rateLimited(account, now);
            if (ip.limited) throw rateLimited(ip, now);

            const user = await app.db
              .selectFrom('users')
              .select(['id', 'email', 'name', 'password_hash', 'status'])
              .where('email', '=', email)
              .executeTakeFirst();
            const valid = await verifyPassword({ hash: user?.password_hash ?? null, password });
            if (!user || !valid) {
              app.log.log('info', 'sign-in failed', { event: 'login.failure', email: maskEmail(email), ip: request.ip });
              return { step: 'password', state, failed: true, error: { code: 'invalid_credentials', field: 'password' } };
            }
            if (user.status !== 'active') throw new ApiError('account_disabled');

            await clearRateLimit(app.db, accountKey);
            // The IP limit counts failures: give back the attempt this success spent.
            await refundRateLimit(app.db, ipKey, now);
            if (needsRehash(user.password_hash!)) {
              await app.db.updateTable('users').set({ password_hash: await hashPassword(password), updated_at: now }).where('id', '=', user.id).execute();
            }
            const signJwt = await app.keys.signer();
            return {
              step: 'done',
              state,
              userId: user.id,
              async finalize(trx) {
                const amr = ['pwd'];
                const { token, session } = await createSession(trx, app.config, { userId: user.id, amr, userAgent: request.userAgent, now });
                const jwt = await signJwt({ sub: user.id, sid: session.id, email: user.email, amr, authTime: Math.floor(now / 1000) });
                app.log.log('info', 'signed in', { event: 'login.success', userId: user.id, sessionId: session.id });
                return {
                  token,
                  grant: {
                    user: { id: user.id, email: user.email, name: user.name },
                    token,
                    jwt: jwt.token,
                    jwtExpiresAt: jwt.expiresAt,
                    expiresAt: session.expiresAt,
                    idleExpiresAt: session.idleExpiresAt,
                    amr,
                  },
                };
              },
            };
          },
        }),
      },
    },
  },
};
