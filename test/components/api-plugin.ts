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
    // The pages hold their session token and send it as a bearer token, as a host on another
    // site does: the API answers as it does for one, with the token in the grant (a new one
    // after a re-authentication), not in a cookie the page would not use.
    SESSION_COOKIE: 'false',
    ALLOWED_ORIGINS: `http://localhost:${pagePort}`,
  });
  const db = await openStore(appConfig);
  const { app, context } = createApp({ config: appConfig, db, log: createLogger('silent') });
  // A stand-in for a company's OpenID provider, on the same server: enough of a discovery
  // document (OpenID Connect Discovery 1.0 §3) for the API to build the URL of the sso step.
  // Nothing signs in there; the e2e tests run a real provider.
  handle = (request, env) =>
    new URL(request.url).pathname === '/test-idp/.well-known/openid-configuration'
      ? Response.json({
          issuer: `${url}/test-idp`,
          authorization_endpoint: `${url}/test-idp/authorize`,
          token_endpoint: `${url}/test-idp/token`,
          jwks_uri: `${url}/test-idp/jwks`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
        })
      : app.fetch(request, env);
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

/**
 * One sign-in through the real flows over HTTP, as a browser would: email,
 * password, then the authenticator code with "remember this device", unless
 * `device` (the remembered-device token, sent with the password as the widget
 * sends it) skips the code. Returns the remembered-device token the grant
 * carried, if it carried one.
 */
async function signInOverHttp(api: Api, { email, secret, userAgent, device }: { email: string; secret: string; userAgent: string; device?: string }): Promise<string | undefined> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': userAgent };
  const post = async (path: string, body: unknown = {}) => {
    const response = await fetch(`${api.url}/api/flows${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    return (await response.json()) as { id: string; step: string; data?: { session?: { deviceToken?: string } } };
  };
  const flow = await post('/login');
  await post(`/${flow.id}/email`, { email });
  let done = await post(`/${flow.id}/password`, { password: TEST_PASSWORD, ...(device ? { device } : {}) });
  if (!device) {
    const code = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate();
    done = await post(`/${flow.id}/totp`, { code, remember: true });
  }
  if (done.step !== 'done') throw new Error(`sign-in ended at ${done.step}`);
  return done.data?.session?.deviceToken;
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
  /** create-user: an account (membership) at a fresh company of each of these names, in this order. */
  companies?: string[];
  /** create-session: the membership the session works in. */
  account?: string;
  /** create-session: signed in through this OpenID provider (its issuer), as single sign-on would. create-sso-company: the provider's name. */
  provider?: string;
  /** create-sso-company: the provider cannot be reached. */
  unreachable?: boolean;
}

/**
 * Starts the real API beside the test runner (and a second one where 2FA is
 * already required) and answers commands from the browser: `api-url`,
 * `create-user` (a fresh user per test, with accounts at `companies` if asked),
 * `create-session` (in an `account`, through a `provider` if asked),
 * `create-sso-company` (a company with its own provider and email domain), `remember-device`,
 * `sign-in-remembered`, `session-alive`, `totp-code`, `register-passkey`, `user-locale`.
 */
export function loginFlowApiPlugin() {
  let releaseHashes = (): void => {};
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
        const user = await createUser(db, context.config, { email, password: TEST_PASSWORD, name: payload?.name ?? `Person ${counter}`, now });
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
        // Accounts at companies, the first one used last (so listed first, "last used first").
        const accounts = [];
        for (const [index, name] of (payload?.companies ?? []).entries()) {
          const organizationId = crypto.randomUUID();
          const id = crypto.randomUUID();
          await db.insertInto('organizations').values({ id: organizationId, name, slug: `${organizationId}`, mfa_required_from: null, created_at: now }).execute();
          await db.insertInto('memberships').values({ id, user_id: user.id, organization_id: organizationId, role: 'member', created_at: now, last_used_at: now - index * 1000 }).execute();
          accounts.push({ id, organizationId, name });
        }
        const extra = { ...(passkeyOptions ? { passkeyOptions } : {}), ...(accounts.length ? { accounts } : {}) };
        if (!payload?.totp) return { email, password: TEST_PASSWORD, ...extra };
        // An authenticator already set up, as if the person had enrolled earlier.
        const secret = createTotpSecret();
        const id = crypto.randomUUID();
        await db
          .insertInto('credentials')
          .values({ id, user_id: user.id, type: 'totp', secret: seal(context.secretKey, secret, `totp:${id}`), name: 'Authenticator app', created_at: now, confirmed_at: now, last_used_at: null, last_step: null })
          .execute();
        return { email, password: TEST_PASSWORD, secret, ...extra };
      }
      if (command === 'create-session' && payload?.email) {
        // Signed in with the second factor when the person has one, as the login would have.
        const id = await userId(api, payload.email);
        const factors = await db.selectFrom('credentials').select('id').where('user_id', '=', id).where('confirmed_at', 'is not', null).execute();
        const amr = factors.length ? ['pwd', 'otp', 'mfa'] : ['pwd'];
        const { token, session } = await createSession(db, context.config, {
          userId: id,
          amr: payload.provider ? ['ext'] : amr,
          membershipId: payload.account ?? null,
          provider: payload.provider ?? null,
          userAgent: payload.userAgent ?? null,
          ip: payload.ip ?? '192.0.2.1',
          now,
        });
        if (payload.stale) {
          // Signed in (and past the second factor) longer ago than changes are allowed for without confirming again.
          const past = now - (context.config.reauthMfaHours + 1) * 3_600_000;
          await db.updateTable('sessions').set({ created_at: past, mfa_at: factors.length ? past : null }).where('id', '=', session.id).execute();
        }
        return { token, id: session.id };
      }
      if (command === 'create-sso-company') {
        // A company that signs its people in through its own provider: reachable (the stand-in
        // above, so the sso step has a URL) unless `unreachable`.
        counter += 1;
        const organizationId = crypto.randomUUID();
        const domain = `sso${counter}-${now}.example`;
        const issuer = payload?.unreachable ? 'http://127.0.0.1:9/idp' : `${api.url}/test-idp`;
        await db.insertInto('organizations').values({ id: organizationId, name: payload?.name ?? 'Acme', slug: organizationId, mfa_required_from: null, created_at: now }).execute();
        await db.insertInto('sso_domains').values({ domain, organization_id: organizationId, created_at: now }).execute();
        await db
          .insertInto('sso_connections')
          .values({
            organization_id: organizationId, name: payload?.provider ?? 'Acme ID', issuer, client_id: 'login-flow',
            client_secret: seal(context.secretKey, 'test-secret', `sso-client:${organizationId}`), created_at: now, updated_at: now,
          })
          .execute();
        return { organizationId, domain, issuer };
      }
      if (command === 'hold-hashes') {
        // Every slot of the real hash gate busy and its queue full, until `release-hashes`.
        const { slots, queue } = context.hashing;
        const held = new Promise<void>((resolve) => (releaseHashes = resolve));
        for (let i = 0; i < slots + queue; i++) void context.hashing.run(() => held);
        return context.hashing.load;
      }
      if (command === 'release-hashes') {
        releaseHashes();
        return true;
      }
      if (command === 'session-alive' && payload?.token) return (await findSession(db, context.config, payload.token, now)) !== undefined;
      if (command === 'remember-device' && payload?.email) {
        await rememberDevice(db, { userId: await userId(api, payload.email), days: 30, userAgent: payload.userAgent ?? null, now });
        return true;
      }
      if (command === 'sign-in-remembered' && payload?.email && payload.secret) {
        const person = { email: payload.email, secret: payload.secret, userAgent: payload.userAgent ?? 'test' };
        const device = await signInOverHttp(api, person);
        if (!device) throw new Error('the device was not remembered');
        await signInOverHttp(api, { ...person, device });
        return true;
      }
      if (command === 'user-locale' && payload?.email) {
        return (await db.selectFrom('users').select('locale').where('email', '=', payload.email).executeTakeFirstOrThrow()).locale;
      }
      if (command === 'totp-code' && payload?.secret) {
        return new TOTP({ secret: Secret.fromBase32(payload.secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate();
      }
      return undefined;
    },
  };
}
