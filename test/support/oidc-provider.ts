/**
 * A real OpenID Provider on loopback for tests and the demo, built on `oidc-provider`.
 *
 * - One confidential client (client_secret_basic), authorization code only, PKCE (S256) required.
 * - Scopes `openid email profile`; `email`, `email_verified` and `name` are put in the ID token.
 * - Its own login page at `/interaction/:uid` (oidc-provider's devInteractions are off); a known
 *   email signs in and grants consent at once, Cancel answers `access_denied`.
 * - `signInAtProvider` drives that page with fetch, so server tests need no browser.
 * - `tamper` rewrites what it answers at a path (its metadata, tokens, keys), for tests of a
 *   provider that misbehaves.
 */
import { createHash, generateKeyPair, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';

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
// The slice of oidc-provider's API used here (the package ships no type declarations).

interface OidcInteraction {
  uid: string;
  prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
  params: Record<string, unknown>;
  grantId?: string;
  session?: { uid?: string; accountId?: string };
  exp: number;
  save(ttlSeconds: number): Promise<unknown>;
}

interface OidcGrant {
  accountId: string;
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  save(): Promise<string>;
}

interface OidcGrantClass {
  new (properties: { accountId: string; clientId: string }): OidcGrant;
  find(id: string): Promise<OidcGrant | undefined>;
}

interface OidcProvider {
  Grant: OidcGrantClass;
  Session: { findByUid(uid: string): Promise<{ destroy(): Promise<void> } | undefined> };
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<OidcInteraction>;
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: Record<string, unknown>,
    options?: { mergeWithLastSubmission?: boolean },
  ): Promise<void>;
  on(event: string, listener: (...args: unknown[]) => void): void;
}

type OidcProviderClass = new (issuer: string, configuration: Record<string, unknown>) => OidcProvider;

interface OidcContext {
  oidc: { result?: { login?: unknown } };
}

interface OidcInteractionPolicy {
  base(): Array<{ name: string; checks: unknown[] }>;
  Check: new (reason: string, description: string, check: (ctx: OidcContext) => boolean) => unknown;
}

interface OidcProviderModule {
  Provider: OidcProviderClass;
  interactionPolicy: OidcInteractionPolicy;
}

let providerModule: Promise<OidcProviderModule> | undefined;

/**
 * Imports oidc-provider once. Its entry module warns on import about any runtime but the newest
 * Node LTS lines; that one notice is dropped (it is informational; the library runs on Node 20).
 */
function loadProviderModule(): Promise<OidcProviderModule> {
  providerModule ??= (async () => {
    const specifier: string = 'oidc-provider';
    const originalWarn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].includes('oidc-provider WARNING: Unsupported runtime')) return;
      originalWarn.apply(console, args);
    };
    try {
      return (await import(specifier)) as OidcProviderModule;
    } finally {
      console.warn = originalWarn;
    }
  })();
  return providerModule;
}

// ---------------------------------------------------------------------------------------------
// Storage: a small in-memory adapter per provider (the library's own one prints a warning).

interface StoredRecord {
  payload: Record<string, unknown>;
  expiresAt: number;
}

function createMemoryAdapterClass() {
  const records = new Map<string, StoredRecord>();
  const byGrant = new Map<string, Set<string>>();
  const sessionByUid = new Map<string, string>();
  const byUserCode = new Map<string, string>();
  const graceMs = 15_000; // keep records a little past `exp`; the models check `exp` themselves

  const live = (key: string | undefined): Record<string, unknown> | undefined => {
    if (key === undefined) return undefined;
    const record = records.get(key);
    if (!record) return undefined;
    if (record.expiresAt <= Date.now()) {
      records.delete(key);
      return undefined;
    }
    return record.payload;
  };

  return class TestProviderAdapter {
    constructor(private readonly model: string) {}

    private key(id: string): string {
      return `${this.model}:${id}`;
    }

    async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number): Promise<void> {
      const key = this.key(id);
      const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 + graceMs : Infinity;
      records.set(key, { payload, expiresAt });
      if (typeof payload.grantId === 'string') {
        let keys = byGrant.get(payload.grantId);
        if (!keys) byGrant.set(payload.grantId, (keys = new Set()));
        keys.add(key);
      }
      if (this.model === 'Session' && typeof payload.uid === 'string') sessionByUid.set(payload.uid, id);
      if (typeof payload.userCode === 'string') byUserCode.set(payload.userCode, id);
    }

    async find(id: string): Promise<Record<string, unknown> | undefined> {
      return live(this.key(id));
    }

    async findByUid(uid: string): Promise<Record<string, unknown> | undefined> {
      const id = sessionByUid.get(uid);
      return id === undefined ? undefined : live(this.key(id));
    }

    async findByUserCode(userCode: string): Promise<Record<string, unknown> | undefined> {
      const id = byUserCode.get(userCode);
      return id === undefined ? undefined : live(this.key(id));
    }

    async consume(id: string): Promise<void> {
      const payload = live(this.key(id));
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }

    async destroy(id: string): Promise<void> {
      const key = this.key(id);
      const payload = records.get(key)?.payload;
      records.delete(key);
      if (payload && typeof payload.uid === 'string' && sessionByUid.get(payload.uid) === id) {
        sessionByUid.delete(payload.uid);
      }
      if (payload && typeof payload.userCode === 'string' && byUserCode.get(payload.userCode) === id) {
        byUserCode.delete(payload.userCode);
      }
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      for (const key of byGrant.get(grantId) ?? []) records.delete(key);
      byGrant.delete(grantId);
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Accounts

function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** A stable `sub` for an account that has none: derived from the (normalised) email. */
function subjectFor(account: ProviderAccount): string {
  if (account.sub) return account.sub;
  return createHash('sha256').update(`test-provider-sub:${normalizeEmail(account.email)}`).digest('base64url').slice(0, 24);
}

class AccountDirectory {
  readonly #byEmail = new Map<string, Required<Omit<ProviderAccount, 'name'>> & { name?: string }>();

  set(account: ProviderAccount): void {
    const email = normalizeEmail(account.email);
    const sub = subjectFor(account);
    for (const [key, existing] of this.#byEmail) {
      if (existing.sub === sub && key !== email) this.#byEmail.delete(key);
    }
    this.#byEmail.set(email, {
      sub,
      email: account.email.trim(),
      emailVerified: account.emailVerified ?? true,
      ...(account.name === undefined ? {} : { name: account.name }),
    });
  }

  byEmail(email: string) {
    return this.#byEmail.get(normalizeEmail(email));
  }

  bySub(sub: string) {
    for (const account of this.#byEmail.values()) if (account.sub === sub) return account;
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// HTML

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: system-ui, sans-serif; background: #f4f5f7; color: #1b1d21; margin: 0; }
  main { max-width: 24rem; margin: 4rem auto; background: #fff; padding: 2rem; border-radius: 0.5rem;
         box-shadow: 0 1px 4px rgb(0 0 0 / 0.15); }
  h1 { font-size: 1.4rem; margin-top: 0; }
  label { display: block; font-weight: 600; margin-bottom: 0.25rem; }
  input { width: 100%; box-sizing: border-box; padding: 0.5rem; font: inherit; border: 1px solid #6b7280; border-radius: 0.25rem; }
  .actions { display: flex; gap: 0.5rem; margin-top: 1rem; }
  button { font: inherit; padding: 0.5rem 1rem; border-radius: 0.25rem; border: 1px solid #1d4ed8; cursor: pointer; }
  button.primary { background: #1d4ed8; color: #fff; }
  button.secondary { background: #fff; color: #1d4ed8; }
  .error { color: #b91c1c; font-weight: 600; }
</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;
}

function loginPage(options: { title: string; uid: string; clientId: string; email?: string; error?: string }): string {
  const action = `/interaction/${encodeURIComponent(options.uid)}`;
  const error = options.error
    ? `<p class="error" id="email-error" role="alert">${escapeHtml(options.error)}</p>\n`
    : '';
  const described = options.error ? ' aria-invalid="true" aria-describedby="email-error"' : '';
  const value = options.email ? ` value="${escapeHtml(options.email)}"` : '';
  return page(
    options.title,
    `<h1>${escapeHtml(options.title)}</h1>
<p>Sign in to continue to <strong>${escapeHtml(options.clientId)}</strong>.</p>
${error}<form method="post" action="${action}">
  <label for="email">Email</label>
  <input id="email" name="email" type="email" autocomplete="email" required autofocus${value}${described}>
  <div class="actions">
    <button type="submit" class="primary">Sign in</button>
    <button type="submit" name="cancel" value="1" formnovalidate class="secondary">Cancel</button>
  </div>
</form>`,
  );
}

function send(res: ServerResponse, status: number, html: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
  res.setHeader('Content-Length', Buffer.byteLength(html));
  res.end(html);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 16 * 1024) throw new Error('form body too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

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

  /** Grants everything requested (no consent screen) and returns the grant id. */
  async function grantAll(details: OidcInteraction, accountId: string): Promise<string> {
    const clientOfRequest = String(details.params.client_id);
    const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
    const grant = existing?.accountId === accountId ? existing : new provider.Grant({ accountId, clientId: clientOfRequest });
    grant.addOIDCScope(['openid', 'email', 'profile', ...String(details.params.scope ?? '').split(' ')].filter(Boolean).join(' '));
    const requestedClaims = requestedClaimNames(details.params.claims);
    if (requestedClaims.length) grant.addOIDCClaims(requestedClaims);
    return grant.save();
  }

  const providerCallback = provider.callback();

  async function interaction(req: IncomingMessage, res: ServerResponse, uid: string): Promise<void> {
    let details: OidcInteraction;
    try {
      details = await provider.interactionDetails(req, res);
    } catch {
      send(res, 400, page(title, `<h1>${escapeHtml(title)}</h1>\n<p role="alert">This sign-in request has expired or is not valid. Start again from the application.</p>`));
      return;
    }
    if (details.uid !== uid) {
      send(res, 400, page(title, `<h1>${escapeHtml(title)}</h1>\n<p role="alert">This sign-in request does not match this page. Start again from the application.</p>`));
      return;
    }
    const clientOfRequest = String(details.params.client_id);

    if (details.prompt.name === 'consent') {
      // Someone already signed in here: consent is granted automatically.
      const accountId = details.session?.accountId;
      if (!accountId) throw new Error('consent prompt without a signed-in account');
      const grantId = await grantAll(details, accountId);
      await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      return;
    }
    if (details.prompt.name !== 'login') {
      send(res, 400, page(title, `<h1>${escapeHtml(title)}</h1>\n<p role="alert">Unsupported prompt: ${escapeHtml(details.prompt.name)}</p>`));
      return;
    }

    if (req.method === 'GET' || req.method === 'HEAD') {
      send(res, 200, loginPage({ title, uid, clientId: clientOfRequest }));
      return;
    }
    if (req.method !== 'POST') {
      res.statusCode = 405;
      res.setHeader('Allow', 'GET, POST');
      res.end();
      return;
    }

    const form = await readForm(req);
    if (form.has('cancel')) {
      await provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'The person cancelled the sign-in' },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    const email = (form.get('email') ?? '').trim();
    const account = email ? accounts.byEmail(email) : undefined;
    if (!account) {
      send(res, 200, loginPage({ title, uid, clientId: clientOfRequest, email, error: 'No account with this email' }));
      return;
    }
    // Every sign-in starts a fresh session here. Otherwise signing in as someone else in the same
    // browser makes oidc-provider detour through its logout confirmation first.
    if (details.session?.uid) {
      await (await provider.Session.findByUid(details.session.uid))?.destroy();
      delete details.session;
      await details.save(Math.max(details.exp - Math.floor(Date.now() / 1000), 1));
    }
    const grantId = await grantAll(details, account.sub);
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: account.sub }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
  }

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

/** Claim names asked for with the `claims` request parameter (id_token and userinfo members). */
function requestedClaimNames(claimsParameter: unknown): string[] {
  if (typeof claimsParameter !== 'string' || !claimsParameter) return [];
  try {
    const parsed = JSON.parse(claimsParameter) as Record<string, unknown>;
    const names = new Set<string>();
    for (const member of ['id_token', 'userinfo']) {
      const requested = parsed[member];
      if (requested && typeof requested === 'object') for (const name of Object.keys(requested)) names.add(name);
    }
    return [...names];
  } catch {
    return [];
  }
}

// ---------------------------------------------------------------------------------------------
// Driving the login page without a browser

interface StoredCookie {
  value: string;
  path: string;
}

/** A minimal cookie jar for one origin: names, paths and deletion; enough for oidc-provider. */
class CookieJar {
  readonly #cookies = new Map<string, StoredCookie>();

  store(setCookieHeaders: string[], requestUrl: URL): void {
    for (const header of setCookieHeaders) {
      const [pair = '', ...attributes] = header.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = requestUrl.pathname.replace(/\/[^/]*$/, '') || '/';
      let expired = false;
      for (const attribute of attributes) {
        const [rawKey = '', ...rest] = attribute.split('=');
        const key = rawKey.trim().toLowerCase();
        const attributeValue = rest.join('=').trim();
        if (key === 'path' && attributeValue.startsWith('/')) path = attributeValue;
        if (key === 'max-age' && Number(attributeValue) <= 0) expired = true;
        if (key === 'expires' && Date.parse(attributeValue) <= Date.now()) expired = true;
      }
      const key = `${name}\n${path}`;
      if (expired) this.#cookies.delete(key);
      else this.#cookies.set(key, { value, path });
    }
  }

  header(url: URL): string | undefined {
    const pairs: string[] = [];
    for (const [key, cookie] of this.#cookies) {
      const p = cookie.path;
      const matches = url.pathname === p || url.pathname.startsWith(p.endsWith('/') ? p : `${p}/`);
      if (matches) pairs.push(`${key.slice(0, key.indexOf('\n'))}=${cookie.value}`);
    }
    return pairs.length ? pairs.join('; ') : undefined;
  }
}

/**
 * Drives the provider's login page without a browser (fetch, manual redirects, a cookie jar):
 * opens `authorizationUrl`, fills in `email` (or presses Cancel when `cancel` is true) and follows
 * redirects until one leaves the provider; returns that final URL (the redirect_uri with
 * `?code=…&state=…&iss=…`, or `?error=access_denied&state=…`).
 */
export async function signInAtProvider(
  authorizationUrl: string,
  options: { email: string } | { cancel: true },
): Promise<URL> {
  const jar = new CookieJar();
  let url = new URL(authorizationUrl);
  const providerOrigin = url.origin;
  let method: 'GET' | 'POST' = 'GET';
  let body: string | undefined;
  let submitted = false;

  for (let hop = 0; hop < 20; hop++) {
    const headers: Record<string, string> = { accept: 'text/html' };
    const cookie = jar.header(url);
    if (cookie) headers.cookie = cookie;
    if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(url, { method, headers, body, redirect: 'manual' });
    jar.store(response.headers.getSetCookie(), url);

    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      const next = new URL(location, url);
      if (next.origin !== providerOrigin) return next;
      url = next;
      method = 'GET';
      body = undefined;
      continue;
    }

    const text = await response.text();
    const onLoginPage = response.status === 200 && url.pathname.startsWith('/interaction/');
    if (onLoginPage && !submitted) {
      submitted = true;
      method = 'POST';
      body = new URLSearchParams('cancel' in options ? { cancel: '1' } : { email: options.email }).toString();
      continue;
    }
    const alert = /role="alert">([^<]*)</.exec(text)?.[1];
    if (onLoginPage && alert) {
      throw new Error(`Sign-in at the test provider failed: ${alert}`);
    }
    throw new Error(
      `Unexpected response from the test provider: ${response.status} ${method} ${url.href}: ${text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 300)}`,
    );
  }
  throw new Error('Too many redirects at the test provider');
}
