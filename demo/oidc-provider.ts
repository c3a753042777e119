/**
 * A real OpenID Provider on loopback for tests and the demo, built on `oidc-provider`.
 *
 * - One confidential client (client_secret_basic), authorization code only, PKCE (S256) required.
 * - Scopes `openid email profile`; `email`, `email_verified` and `name` are put in the ID token.
 * - Its own login page at `/interaction/:uid` (oidc-provider's devInteractions are off); a known
 *   email signs in and grants consent at once, Cancel answers `access_denied`.
 * - `signInAtProvider` (test/support/sign-in-at-provider.ts) drives that page with fetch, so server
 *   tests need no browser.
 * - `tamper` rewrites what it answers at a path (its metadata, tokens, keys), for tests of a
 *   provider that misbehaves.
 */
import { generateKeyPair, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { loadProviderModule } from './oidc-provider-library.js';
import { loginInteraction } from './oidc-provider-login.js';
import { AccountDirectory, createMemoryAdapterClass } from './oidc-provider-memory.js';
import { escapeHtml, page, send } from './oidc-provider-pages.js';

export interface ProviderAccount {
  sub?: string;
  email: string;
  /** Default true. */
  emailVerified?: boolean;
  name?: string;
}

export interface TestProviderOptions {
  accounts: ProviderAccount[];
  /** Registered for the client. */
  redirectUris: string[];
  /** Default 'login-flow-test'. */
  clientId?: string;
  /** Default a random 32-byte base64url string. */
  clientSecret?: string;
  /** Default 0 (a free port); the host is always 127.0.0.1. */
  port?: number;
  /** Default the library's (60 s); tests use 1 to make a code expire. */
  authorizationCodeTtlSeconds?: number;
  /** Heading of the login page, default 'Test Identity Provider'. */
  title?: string;
}

export interface TestProvider {
  /** e.g. 'http://127.0.0.1:43123' (no trailing slash). */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Replace or add an account (e.g. make an email unverified) while running. */
  setAccount(account: ProviderAccount): void;
  /**
   * From now on, the JSON the provider answers at `path` (`/.well-known/openid-configuration`,
   * `/token`, `/jwks`) goes through `rewrite` before it is sent; without `rewrite`, it is sent as
   * the provider made it again. For tests of a provider that is broken or not to be trusted.
   */
  tamper(path: string, rewrite?: JsonRewrite): void;
  close(): Promise<void>;
}

/** Changes a JSON answer of the provider (the parsed body in, the body to send out). */
export type JsonRewrite = (body: Record<string, unknown>) => Record<string, unknown> | Promise<Record<string, unknown>>;


// ---------------------------------------------------------------------------------------------
// The provider

export async function startTestProvider(options: TestProviderOptions): Promise<TestProvider> {
  const { Provider, interactionPolicy } = await loadProviderModule();
  const clientId = options.clientId ?? 'login-flow-test';
  const clientSecret = options.clientSecret ?? randomBytes(32).toString('base64url');
  const title = options.title ?? 'Test Identity Provider';

  const accounts = new AccountDirectory();
  for (const account of options.accounts) accounts.set(account);

  const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' };

  // Listen first: the issuer contains the port.
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // Show the login page on every authorization request, even when the browser still has a session
  // here: tests and demo users can then sign in as someone else without clearing cookies.
  const policy = interactionPolicy.base();
  policy.find((prompt) => prompt.name === 'login')?.checks.push(
    new interactionPolicy.Check('always_login', 'the test provider asks on every request', (ctx) => !ctx.oidc.result?.login),
  );

  const provider = new Provider(issuer, {
    adapter: createMemoryAdapterClass(),
    jwks: { keys: [signingKey] },
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        client_name: title,
        redirect_uris: options.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    responseTypes: ['code'],
    scopes: ['openid', 'email', 'profile'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // Put the scope claims in the ID token too (the RP reads ID token claims), not only /me.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
    },
    interactions: {
      policy,
      url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}`,
    },
    cookies: {
      keys: [randomBytes(32).toString('base64url')],
      long: { httpOnly: true, sameSite: 'lax', secure: false },
      short: { httpOnly: true, sameSite: 'lax', secure: false },
    },
    ttl: {
      ...(options.authorizationCodeTtlSeconds === undefined ? {} : { AuthorizationCode: options.authorizationCodeTtlSeconds }),
      AccessToken: 3600,
      IdToken: 3600,
      Interaction: 3600,
      Session: 24 * 3600,
      Grant: 24 * 3600,
    },
    // Loopback test provider: allow browser calls from any origin.
    clientBasedCORS: () => true,
    async findAccount(_ctx: unknown, sub: string) {
      if (!accounts.bySub(sub)) return undefined;
      return {
        accountId: sub,
        async claims() {
          // Read at claim time, so setAccount() applies to the next token.
          const account = accounts.bySub(sub);
          if (!account) return { sub };
          return {
            sub,
            email: account.email,
            email_verified: account.emailVerified,
            ...(account.name === undefined ? {} : { name: account.name }),
          };
        },
      };
    },
    async renderError(ctx: { type: string; body: string }, out: Record<string, string>) {
      ctx.type = 'html';
      const rows = Object.entries(out)
        .map(([key, value]) => `<p><strong>${escapeHtml(key)}</strong>: ${escapeHtml(String(value))}</p>`)
        .join('\n');
      ctx.body = page(title, `<h1>${escapeHtml(title)}</h1>\n<p role="alert">The sign-in request failed.</p>\n${rows}`);
    },
  });
  provider.on('server_error', (_ctx, error) => {
    console.error('test OIDC provider: server error', error);
  });

  const interaction = loginInteraction({ provider, accounts, title });
  const providerCallback = provider.callback();

  const rewrites = new Map<string, JsonRewrite>();

  handler = (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const rewrite = rewrites.get(path);
    if (rewrite) rewriteJsonAnswer(res, rewrite);
    const match = /^\/interaction\/([^/]+)\/?$/.exec(path);
    if (!match) {
      providerCallback(req, res);
      return;
    }
    interaction(req, res, decodeURIComponent(match[1] ?? '')).catch((error: unknown) => {
      console.error('test OIDC provider: interaction failed', error);
      if (!res.headersSent) send(res, 500, page(title, `<h1>${escapeHtml(title)}</h1>\n<p role="alert">Something went wrong.</p>`));
      else res.destroy();
    });
  };

  let closing: Promise<void> | undefined;
  return {
    issuer,
    clientId,
    clientSecret,
    setAccount(account) {
      accounts.set(account);
    },
    tamper(path, rewrite) {
      if (rewrite) rewrites.set(path, rewrite);
      else rewrites.delete(path);
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/**
 * Holds back the JSON body the provider is about to send on `res` and sends `rewrite`'s version of
 * it instead. oidc-provider (Koa) sends a JSON answer whole with one `res.end(body)`, headers not
 * yet written, so the length can still be set; anything else passes unchanged.
 */
function rewriteJsonAnswer(res: ServerResponse, rewrite: JsonRewrite): void {
  const end = res.end.bind(res) as (chunk?: string | Buffer) => ServerResponse;
  res.end = ((chunk?: unknown) => {
    const json = /json/i.test(String(res.getHeader('content-type') ?? ''));
    if (!json || !(typeof chunk === 'string' || Buffer.isBuffer(chunk))) return end(chunk as string | Buffer | undefined);
    Promise.resolve()
      .then(() => rewrite(JSON.parse(chunk.toString()) as Record<string, unknown>))
      .then((body) => {
        const text = JSON.stringify(body);
        res.setHeader('Content-Length', Buffer.byteLength(text));
        end(text);
      })
      .catch((error: unknown) => {
        console.error('test OIDC provider: rewriting an answer failed', error);
        res.destroy();
      });
    return res;
  }) as ServerResponse['end'];
}
