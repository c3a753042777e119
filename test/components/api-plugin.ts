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
import { createTotpSecret } from '../../server/factors/totp.js';
import type { RegistrationResponseJSON } from '../../server/flows/protocol.js';
import { seal } from '../../server/security/secrets.js';
import { createUser } from '../../server/users.js';

export const TEST_PASSWORD = 'Correct-Horse-42-Battery';

/**
 * Starts the real API (real SQLite file in a temp dir) beside the test runner
 * and answers two commands from the browser: `api-url` and `create-user`, which
 * makes a fresh user per test.
 */
export function loginFlowApiPlugin() {
  let server: Server | undefined;
  let db: Db | undefined;
  let context: AppContext | undefined;
  let dir = '';
  let url = '';
  let counter = 0;
  return {
    name: 'login-flow-api',
    async serverStart({ config }: { config: { port?: number } }) {
      dir = mkdtempSync(join(tmpdir(), 'lf-wtr-'));
      // Listen first, so the config can name the real port as the API's public origin.
      let handle: (request: Request, env: unknown) => Response | Promise<Response> = () => new Response(null, { status: 503 });
      server = await new Promise<Server>((resolve) => {
        const s = serve({ fetch: (request, env) => handle(request, env), port: 0, hostname: 'localhost' }, () => resolve(s as Server));
      });
      url = `http://localhost:${(server.address() as AddressInfo).port}`;
      // The test page's origin is localhost on the runner's port: a different origin from the API.
      const appConfig = loadConfig({
        NODE_ENV: 'test',
        DATA_DIR: dir,
        PUBLIC_URL: url,
        LOG_LEVEL: 'silent',
        // The seeds' policy (2FA required from a date ahead). People sign straight in after the
        // password unless a test asks for the prompt (`prompt`) or an enrolled factor.
        MFA_REQUIRED_FROM: '2100-01-01',
        // SMS as a backup is offered after set-up only where texts can go out; the e2e tests cover it.
        SMS: 'off',
        ALLOWED_ORIGINS: `http://localhost:${config.port ?? 8000}`,
      });
      db = await openStore(appConfig);
      const created = createApp({ config: appConfig, db, log: createLogger('silent') });
      const app = created.app;
      context = created.context;
      handle = (request, env) => app.fetch(request, env);
    },
    async serverStop() {
      await new Promise((resolve) => server?.close(resolve));
      await db?.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
    async executeCommand({ command, payload }: { command: string; payload?: { totp?: boolean; prompt?: boolean; passkey?: boolean; secret?: string; email?: string; response?: RegistrationResponseJSON } }) {
      if (command === 'api-url') return url;
      if (command === 'register-passkey' && payload?.email && payload.response) {
        // The browser's virtual authenticator answered real creation options: register it for real.
        const user = await db!.selectFrom('users').select('id').where('email', '=', payload.email).executeTakeFirstOrThrow();
        const passkey = await registerPasskey(db!, context!.config, {
          response: payload.response,
          expectedChallenge: challengeConsumer(db!, { userId: user.id, now: Date.now() }),
          userId: user.id,
          name: 'Test passkey',
          now: Date.now(),
        });
        return passkey.id;
      }
      if (command === 'create-user') {
        counter += 1;
        const email = `person${counter}-${Date.now()}@example.com`;
        const user = await createUser(db!, { passwordPolicy: 'seeds' }, { email, password: TEST_PASSWORD, name: `Person ${counter}`, now: Date.now() });
        // "Remind me later" already chosen, unless the test wants to meet the prompt.
        if (!payload?.prompt) await db!.updateTable('users').set({ mfa_snooze: 1000 }).where('id', '=', user.id).execute();
        let passkeyOptions;
        if (payload?.passkey) {
          passkeyOptions = await passkeyCreationOptions(db!, context!.config, { userId: user.id, email, name: '' });
          await storeRegistrationChallenge(db!, { userId: user.id, challenge: passkeyOptions.challenge, now: Date.now() });
        }
        if (!payload?.totp) return { email, password: TEST_PASSWORD, ...(passkeyOptions ? { passkeyOptions } : {}) };
        // An authenticator already set up, as if the person had enrolled earlier.
        const secret = createTotpSecret();
        const id = crypto.randomUUID();
        await db!
          .insertInto('credentials')
          .values({ id, user_id: user.id, type: 'totp', secret: seal(context!.secretKey, secret, `totp:${id}`), name: 'Authenticator app', created_at: Date.now(), confirmed_at: Date.now(), last_used_at: null, last_step: null })
          .execute();
        return { email, password: TEST_PASSWORD, secret, ...(passkeyOptions ? { passkeyOptions } : {}) };
      }
      if (command === 'totp-code' && payload?.secret) {
        return new TOTP({ secret: Secret.fromBase32(payload.secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate();
      }
      return undefined;
    },
  };
}
