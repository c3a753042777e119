import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { createLogger } from '../../server/log.js';
import { openStore, type Db } from '../../server/store/index.js';
import { Secret, TOTP } from 'otpauth';
import type { AppContext } from '../../server/context.js';
import { challengeConsumer, passkeyCreationOptions, registerPasskey, storeRegistrationChallenge } from '../../server/factors/passkey.js';
import { issueRecoveryCode } from '../../server/factors/recovery.js';
import { saveConfirmedPhone } from '../../server/factors/sms.js';
import { createTotpSecret } from '../../server/factors/totp.js';
import type { RegistrationResponseJSON } from '../../server/flows/protocol.js';
import { rememberDevice } from '../../server/security/devices.js';
import { seal } from '../../server/security/secrets.js';
import { createSession, findSession } from '../../server/security/sessions.js';
import { createUser } from '../../server/users.js';

export const TEST_PASSWORD = 'Correct-Horse-42-Battery';

/** One running API: its origin, its store and its context (config, secret key). */
interface Api {
  url: string;
  db: Db;
  context: AppContext;
  close(): Promise<void>;
}

/** Which API a command is for: the default one, or one where 2FA is required already (`MFA_REQUIRED_FROM` past). */
type ApiName = 'default' | 'mfa-required';

/**
 * Starts a real API (real SQLite file in a temp dir) on a free port. The test
 * page's origin is localhost on the runner's port: a different origin from the API.
 */
async function startApi(pagePort: number, mfaRequiredFrom: string): Promise<Api> {
  const dir = mkdtempSync(join(tmpdir(), 'lf-wtr-'));
  // Listen first, so the config can name the real port as the API's public origin.
  let handle: (request: Request, env: unknown) => Response | Promise<Response> = () => new Response(null, { status: 503 });
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: (request, env) => handle(request, env), port: 0, hostname: 'localhost' }, () => resolve(s as Server));
  });
  const url = `http://localhost:${(server.address() as AddressInfo).port}`;
  const appConfig = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dir,
    PUBLIC_URL: url,
    LOG_LEVEL: 'silent',
    MFA_REQUIRED_FROM: mfaRequiredFrom,
    // SMS as a backup is offered after set-up only where texts can go out; the e2e tests cover it.
    SMS: 'off',
    ALLOWED_ORIGINS: `http://localhost:${pagePort}`,
  });
  const db = await openStore(appConfig);
  const { app, context } = createApp({ config: appConfig, db, log: createLogger('silent') });
  handle = (request, env) => app.fetch(request, env);
  return {
    url,
    db,
    context,
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Payload {
  api?: ApiName;
  totp?: boolean;
  prompt?: boolean;
  passkey?: boolean;
  secret?: string;
  email?: string;
  response?: RegistrationResponseJSON;
  /** create-user: a confirmed backup phone number. */
  sms?: boolean;
  /** create-user: this many passkeys already registered (rows only: listed, renamed, removed, never signed in with). */
  passkeys?: number;
  /** create-user: a live recovery code. */
  recoveryCode?: boolean;
  /** create-user: the user's display name. */
  name?: string;
  /** create-session: signed in longer ago than re-authentication allows changes for. */
  stale?: boolean;
  userAgent?: string;
  ip?: string;
  token?: string;
}

/**
 * Starts the real API beside the test runner (and a second one where 2FA is
 * already required) and answers commands from the browser: `api-url`,
 * `create-user` (a fresh user per test), `create-session`, `remember-device`,
 * `session-alive`, `totp-code`, `register-passkey`.
 */
export function loginFlowApiPlugin() {
  const apis = new Map<ApiName, Api>();
  let counter = 0;
  const userId = async (api: Api, email: string) => (await api.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
  return {
    name: 'login-flow-api',
    async serverStart({ config }: { config: { port?: number } }) {
      const port = config.port ?? 8000;
      // The seeds' policy (2FA required from a date ahead). People sign straight in after the
      // password unless a test asks for the prompt (`prompt`) or an enrolled factor.
      apis.set('default', await startApi(port, '2100-01-01'));
      apis.set('mfa-required', await startApi(port, '2000-01-01'));
    },
    async serverStop() {
      for (const api of apis.values()) await api.close();
    },
    async executeCommand({ command, payload }: { command: string; payload?: Payload }) {
      const api = apis.get(payload?.api ?? 'default')!;
      const { db, context } = api;
      const now = Date.now();
      if (command === 'api-url') return api.url;
      if (command === 'register-passkey' && payload?.email && payload.response) {
        // The browser's virtual authenticator answered real creation options: register it for real.
        const id = await userId(api, payload.email);
        const passkey = await registerPasskey(db, context.config, {
          response: payload.response,
          expectedChallenge: challengeConsumer(db, { userId: id, now }),
          userId: id,
          name: 'Test passkey',
          now,
        });
        return passkey.id;
      }
      if (command === 'create-user') {
        counter += 1;
        const email = `person${counter}-${now}@example.com`;
        const user = await createUser(db, { passwordPolicy: 'seeds' }, { email, password: TEST_PASSWORD, name: payload?.name ?? `Person ${counter}`, now });
        // "Remind me later" already chosen, unless the test wants to meet the prompt.
        if (!payload?.prompt) await db.updateTable('users').set({ mfa_snooze: 1000 }).where('id', '=', user.id).execute();
        let passkeyOptions;
        if (payload?.passkey) {
          passkeyOptions = await passkeyCreationOptions(db, context.config, { userId: user.id, email, name: '' });
          await storeRegistrationChallenge(db, { userId: user.id, challenge: passkeyOptions.challenge, now });
        }
        if (payload?.sms) await saveConfirmedPhone(db, context.secretKey, { userId: user.id, phone: '+31612345678', now });
        for (let i = 0; i < (payload?.passkeys ?? 0); i += 1) {
          await db
            .insertInto('credentials')
            .values({
              id: crypto.randomUUID(), user_id: user.id, type: 'passkey', secret: null, name: `Passkey ${i + 1}`, created_at: now, confirmed_at: now, last_used_at: null,
              last_step: null, credential_id: `test-${crypto.randomUUID()}`, public_key: 'AA', counter: 0, transports: '[]', backed_up: i === 0 ? 1 : 0,
              device_type: i === 0 ? 'multiDevice' : 'singleDevice', counter_regressed_at: null,
            })
            .execute();
        }
        if (payload?.recoveryCode) await issueRecoveryCode(db, { userId: user.id, kind: 'recovery', now });
        if (!payload?.totp) return { email, password: TEST_PASSWORD, ...(passkeyOptions ? { passkeyOptions } : {}) };
        // An authenticator already set up, as if the person had enrolled earlier.
        const secret = createTotpSecret();
        const id = crypto.randomUUID();
        await db
          .insertInto('credentials')
          .values({ id, user_id: user.id, type: 'totp', secret: seal(context.secretKey, secret, `totp:${id}`), name: 'Authenticator app', created_at: now, confirmed_at: now, last_used_at: null, last_step: null })
          .execute();
        return { email, password: TEST_PASSWORD, secret, ...(passkeyOptions ? { passkeyOptions } : {}) };
      }
      if (command === 'create-session' && payload?.email) {
        // Signed in with the second factor when the person has one, as the login would have.
        const id = await userId(api, payload.email);
        const factors = await db.selectFrom('credentials').select('id').where('user_id', '=', id).where('confirmed_at', 'is not', null).execute();
        const amr = factors.length ? ['pwd', 'otp', 'mfa'] : ['pwd'];
        const { token, session } = await createSession(db, context.config, { userId: id, amr, userAgent: payload.userAgent ?? null, ip: payload.ip ?? '192.0.2.1', now });
        if (payload.stale) {
          // Signed in (and past the second factor) longer ago than changes are allowed for without confirming again.
          const past = now - (context.config.reauthMfaHours + 1) * 3_600_000;
          await db.updateTable('sessions').set({ created_at: past, mfa_at: factors.length ? past : null }).where('id', '=', session.id).execute();
        }
        return { token, id: session.id };
      }
      if (command === 'session-alive' && payload?.token) return (await findSession(db, context.config, payload.token, now)) !== undefined;
      if (command === 'remember-device' && payload?.email) {
        await rememberDevice(db, { userId: await userId(api, payload.email), days: 30, userAgent: payload.userAgent ?? null, now });
        return true;
      }
      if (command === 'totp-code' && payload?.secret) {
        return new TOTP({ secret: Secret.fromBase32(payload.secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate();
      }
      return undefined;
    },
  };
}
