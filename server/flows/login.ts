import { sql } from 'kysely';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { NOTICES } from '../delivery/mail.js';
import { ApiError } from '../errors.js';
import { needsRehash, hashPassword, verifyPassword } from '../factors/password.js';
import { hasUnusedRecoveryCode, issueRecoveryCode, useRecoveryCode } from '../factors/recovery.js';
import { claimTotpStep, createTotpSecret, matchTotp, normalizeCode, totpQr, totpUri } from '../factors/totp.js';
import { maskEmail } from '../log.js';
import { forgetDevices, rememberDevice, spendRememberedDevice } from '../security/devices.js';
import { clearRateLimit, consumeRateLimit, rateLimited, refundRateLimit } from '../security/rate-limit.js';
import { sha256 } from '../security/random.js';
import { seal, unseal } from '../security/secrets.js';
import { createSession } from '../security/sessions.js';
import { action, type ActionContext, type FlowDefinition, type Transition } from './engine.js';
import type { SecondFactorMethod } from './protocol.js';

/** RFC 5321 §4.5.3.1.3: a path is at most 256 octets, so an address at most 254 characters. */
const MAX_EMAIL_LENGTH = 254;

type SetupReason = 'enable' | 'required' | 'recovered';

interface LoginState {
  email?: string;
  userId?: string;
  /** RFC 8176 methods passed so far. */
  amr?: string[];
  /** Second factors offered at `second-factor`. */
  methods?: SecondFactorMethod[];
  /** Remember this device when the flow completes. */
  remember?: boolean;
  /** End date carried over when a remembered-device token is rotated. */
  deviceExpiresAt?: number;
  /** Authenticator set-up in progress: the pending credential and its secret, sealed. */
  setup?: { credentialId: string; sealedSecret: string; reason: SetupReason };
  /** The new recovery code, sealed, until the person confirms they saved it. */
  sealedRecoveryCode?: string;
}

type Context = ActionContext<LoginState>;

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

const codeInput = z.object({ code: z.string().max(64), remember: z.boolean().optional() }).strict();

function rateWindow(app: AppContext): number {
  return app.config.rateWindowMinutes * 60_000;
}

/** Is 2FA required for everyone today (the configured date has come)? */
export function mfaRequiredNow(app: AppContext, now: number): boolean {
  const from = app.config.mfaRequiredFrom;
  return from !== null && now >= Date.parse(`${from}T00:00:00Z`);
}

/** The second factors a user can present: a confirmed authenticator app, an unused recovery or support code. */
async function secondFactorMethods(app: AppContext, userId: string): Promise<SecondFactorMethod[]> {
  const totp = await app.db
    .selectFrom('credentials')
    .select('id')
    .where('user_id', '=', userId)
    .where('type', '=', 'totp')
    .where('confirmed_at', 'is not', null)
    .executeTakeFirst();
  const methods: SecondFactorMethod[] = totp ? ['totp'] : [];
  if (await hasUnusedRecoveryCode(app.db, userId)) methods.push('recovery_code');
  return methods;
}

/**
 * Spends one attempt at a second factor against the account's limit before
 * checking it (OWASP ASVS 5.0 V6.3.1; NIST SP 800-63B-4 §3.2.2), so parallel
 * guesses across flows cannot slip past it.
 */
async function spendFactorAttempt(app: AppContext, userId: string, now: number): Promise<string> {
  const key = `mfa:acct:${userId}`;
  const hit = await consumeRateLimit(app.db, key, { limit: app.config.accountMaxFailures, windowMs: rateWindow(app) }, now);
  if (hit.limited) throw rateLimited(hit, now);
  return key;
}

/** Checks a code against every confirmed authenticator of the user; a time step is accepted once. */
async function verifyUserTotp(app: AppContext, userId: string, code: string, now: number): Promise<boolean> {
  const credentials = await app.db
    .selectFrom('credentials')
    .select(['id', 'secret'])
    .where('user_id', '=', userId)
    .where('type', '=', 'totp')
    .where('confirmed_at', 'is not', null)
    .execute();
  for (const credential of credentials) {
    const secret = unseal(app.secretKey, credential.secret!, `totp:${credential.id}`);
    const step = matchTotp({ secret, code, now });
    if (step !== null) return claimTotpStep(app.db, { credentialId: credential.id, step, now });
  }
  return false;
}

/** Starts authenticator set-up: a pending credential whose secret is sealed in the store and in the flow. */
async function startSetup({ app, state, now }: Context, reason: SetupReason): Promise<Transition<LoginState>> {
  const userId = state.userId!;
  const secret = createTotpSecret();
  const credentialId = crypto.randomUUID();
  await app.db.deleteFrom('credentials').where('user_id', '=', userId).where('confirmed_at', 'is', null).execute();
  await app.db
    .insertInto('credentials')
    .values({ id: credentialId, user_id: userId, type: 'totp', secret: seal(app.secretKey, secret, `totp:${credentialId}`), name: 'Authenticator app', created_at: now, confirmed_at: null, last_used_at: null, last_step: null })
    .execute();
  const sealedSecret = seal(app.secretKey, secret, `flow-setup:${credentialId}`);
  return { step: 'totp-setup', state: { ...state, setup: { credentialId, sealedSecret, reason } } };
}

/** Completes the flow: the session (and a remembered-device token) are issued as the flow is consumed. */
async function finish({ app, state, request, now }: Context, amr: string[]): Promise<Transition<LoginState>> {
  const user = await app.db.selectFrom('users').select(['id', 'email', 'name']).where('id', '=', state.userId!).executeTakeFirstOrThrow();
  const signJwt = await app.keys.signer();
  const days = app.config.rememberDeviceDays;
  return {
    step: 'done',
    state,
    async finalize(trx) {
      const { token, session } = await createSession(trx, app.config, { userId: user.id, amr, userAgent: request.userAgent, now });
      const device = state.remember && days > 0
        ? await rememberDevice(trx, { userId: user.id, days, userAgent: request.userAgent, now, ...(state.deviceExpiresAt ? { expiresAt: state.deviceExpiresAt } : {}) })
        : undefined;
      const jwt = await signJwt({ sub: user.id, sid: session.id, email: user.email, amr, authTime: Math.floor(now / 1000) });
      app.log.log('info', 'signed in', { event: 'login.success', userId: user.id, sessionId: session.id, amr: amr.join(' ') });
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
          ...(device ? { deviceToken: device.token } : {}),
        },
        ...(device ? { device } : {}),
      };
    },
  };
}

/** After the password: a second factor, a remembered device, the 2FA prompt, required set-up, or done. */
async function afterPassword(context: Context, deviceToken: string | undefined): Promise<Transition<LoginState>> {
  const { app, state, now } = context;
  const userId = state.userId!;
  const methods = await secondFactorMethods(app, userId);
  if (methods.length > 0) {
    if (deviceToken && app.config.rememberDeviceDays > 0 && methods.includes('totp')) {
      // A remembered device skips only the second factor; the token rotates on every use.
      const expiresAt = await spendRememberedDevice(app.db, { userId, token: deviceToken, now });
      if (expiresAt !== null) return finish({ ...context, state: { ...state, remember: true, deviceExpiresAt: expiresAt } }, ['pwd']);
    }
    return { step: 'second-factor', state: { ...state, methods } };
  }
  if (mfaRequiredNow(app, now)) return startSetup(context, 'required');
  if (app.config.mfaRequiredFrom === null) return finish(context, ['pwd']);
  // "Remind me later" holds for a number of logins; each login spends one, atomically.
  const snoozed = await app.db
    .updateTable('users')
    .set({ mfa_snooze: sql<number>`mfa_snooze - 1` })
    .where('id', '=', userId)
    .where('mfa_snooze', '>', 0)
    .executeTakeFirst();
  if (Number(snoozed.numUpdatedRows) === 1) return finish(context, ['pwd']);
  return { step: 'mfa-prompt', state };
}

/**
 * Sign in: `email` -> `password` -> (`second-factor` | `mfa-prompt` ->
 * `totp-setup` -> `recovery-code`) -> `done`. An unknown email walks the same
 * path as a known one up to the password, with the same answers and the same
 * work, so the flow never tells whether an account exists.
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
          input: z.object({ password: z.string().min(1).max(4096), device: z.string().max(128).optional() }).strict(),
          async run(context, { password, device }) {
            const { app, state, request, now } = context;
            const email = state.email!;
            // Spend the attempt before checking it, atomically, so parallel
            // guesses cannot slip past the limit (OWASP ASVS 5.0 V6.3.1).
            const accountKey = `pwd:acct:${sha256(email)}`;
            const account = await consumeRateLimit(app.db, accountKey, { windowMs: rateWindow(app), limit: app.config.accountMaxFailures }, now);
            const ipKey = `pwd:ip:${request.ip}`;
            const ip = await consumeRateLimit(app.db, ipKey, { windowMs: rateWindow(app), limit: app.config.ipMaxFailures }, now);
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
            const next = { ...context, state: { ...state, userId: user.id } };
            return { ...(await afterPassword(next, device ?? request.deviceToken)), userId: user.id };
          },
        }),
      },
    },
    'second-factor': {
      view: (state, app) => ({ methods: state.methods ?? [], rememberDays: app.config.rememberDeviceDays > 0 ? app.config.rememberDeviceDays : null }),
      unavailable: (state) => [...(state.methods?.includes('totp') ? [] : ['totp']), ...(state.methods?.includes('recovery_code') ? [] : ['recovery-code'])],
      actions: {
        totp: action({
          input: codeInput,
          async run(context, { code, remember }) {
            const { app, state, now } = context;
            const key = await spendFactorAttempt(app, state.userId!, now);
            if (!(await verifyUserTotp(app, state.userId!, normalizeCode(code), now))) {
              return { step: 'second-factor', state, failed: true, error: { code: 'invalid_code', field: 'code' } };
            }
            await clearRateLimit(app.db, key);
            return finish({ ...context, state: { ...state, remember: remember === true } }, ['pwd', 'otp', 'mfa']);
          },
        }),
        'recovery-code': action({
          input: codeInput,
          async run(context, { code, remember }) {
            const { app, state, now } = context;
            const userId = state.userId!;
            const key = await spendFactorAttempt(app, userId, now);
            const kind = await useRecoveryCode(app.db, { userId, code, now });
            if (!kind) return { step: 'second-factor', state, failed: true, error: { code: 'invalid_recovery_code', field: 'code' } };
            await clearRateLimit(app.db, key);
            // The code stands in for a lost phone: the old authenticators and
            // remembered devices go, and set-up starts again (as the seeds describe).
            await app.db.deleteFrom('credentials').where('user_id', '=', userId).execute();
            await forgetDevices(app.db, userId, now);
            const user = await app.db.selectFrom('users').select('email').where('id', '=', userId).executeTakeFirstOrThrow();
            await app.mailer.send({ to: user.email, ...NOTICES.recoveryCodeUsed(app.config.appName) });
            app.log.log('warn', 'recovery code used', { event: 'mfa.recovery', userId, kind });
            return startSetup({ ...context, state: { ...state, remember: remember === true } }, 'recovered');
          },
        }),
      },
    },
    'mfa-prompt': {
      view: (_, app) => ({ requiredFrom: app.config.mfaRequiredFrom }),
      actions: {
        enable: action({ input: z.object({}).strict(), run: (context) => startSetup(context, 'enable') }),
        'remind-later': action({
          input: z.object({}).strict(),
          async run(context) {
            const { app, state, now } = context;
            if (mfaRequiredNow(app, now)) return startSetup(context, 'required');
            await app.db.updateTable('users').set({ mfa_snooze: app.config.mfaRemindLaterLogins }).where('id', '=', state.userId!).execute();
            return finish(context, ['pwd']);
          },
        }),
      },
    },
    'totp-setup': {
      view(state, app) {
        const setup = state.setup!;
        const secret = unseal(app.secretKey, setup.sealedSecret, `flow-setup:${setup.credentialId}`);
        const issuer = app.config.appName;
        const account = state.email!;
        const uri = totpUri({ secret, issuer, account });
        return { qr: totpQr(uri), secret, uri, issuer, account, required: setup.reason !== 'enable', reason: setup.reason };
      },
      unavailable: (state) => (state.setup?.reason === 'enable' ? [] : ['cancel']),
      actions: {
        totp: action({
          input: z.object({ code: z.string().max(64) }).strict(),
          async run(context, { code }) {
            const { app, state, now } = context;
            const userId = state.userId!;
            const setup = state.setup!;
            const key = await spendFactorAttempt(app, userId, now);
            const secret = unseal(app.secretKey, setup.sealedSecret, `flow-setup:${setup.credentialId}`);
            const step = matchTotp({ secret, code: normalizeCode(code), now });
            // Confirming records the step, so the code that confirmed set-up cannot sign in again.
            const confirmed = step !== null && Number(
              (await app.db
                .updateTable('credentials')
                .set({ confirmed_at: now, last_step: step, last_used_at: now })
                .where('id', '=', setup.credentialId)
                .where('user_id', '=', userId)
                .where('confirmed_at', 'is', null)
                .executeTakeFirst()).numUpdatedRows,
            ) === 1;
            if (!confirmed) return { step: 'totp-setup', state, failed: true, error: { code: 'invalid_code', field: 'code' } };
            await clearRateLimit(app.db, key);
            // A 2FA change ends remembered devices; the new recovery code replaces any old one.
            await forgetDevices(app.db, userId, now);
            const recoveryCode = await issueRecoveryCode(app.db, { userId, kind: 'recovery', now });
            app.log.log('info', 'authenticator added', { event: 'mfa.enrolled', userId });
            const { setup: _done, ...rest } = state;
            return {
              step: 'recovery-code',
              state: { ...rest, amr: ['pwd', 'otp', 'mfa'], sealedRecoveryCode: seal(app.secretKey, recoveryCode, `flow-recovery:${userId}`) },
            };
          },
        }),
        cancel: action({
          input: z.object({}).strict(),
          async run({ app, state }) {
            await app.db.deleteFrom('credentials').where('id', '=', state.setup!.credentialId).where('confirmed_at', 'is', null).execute();
            const { setup: _cancelled, ...rest } = state;
            return { step: 'mfa-prompt', state: rest };
          },
        }),
      },
    },
    'recovery-code': {
      view: (state, app) => ({ code: unseal(app.secretKey, state.sealedRecoveryCode!, `flow-recovery:${state.userId}`) }),
      actions: {
        confirm: action({
          input: z.object({ saved: z.literal(true) }).strict(),
          run: (context) => finish(context, context.state.amr ?? ['pwd', 'otp', 'mfa']),
        }),
      },
    },
  },
};
