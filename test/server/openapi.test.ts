/*
 * The OpenAPI document at /api/openapi.json: it lists exactly the routes the
 * app mounts, it holds together as OpenAPI 3.1, and the answers real journeys
 * get (a sign-in with 2FA set-up, the account page, the approver on a phone,
 * the admin API, errors) each validate against the schema it gives for that
 * operation and status.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, it, type TestContext } from 'node:test';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { approvalMessage, enrolmentMessage, type ApprovalDetails, type ApproverConfig, type EnrolmentResult, type EnrolmentStart } from '../../server/approver-protocol.js';
import type { FlowState, SessionGrant } from '../../server/flows/protocol.js';
import { startPushService } from '../support/push-service.js';
import { act, addUser, bodyOf, EMAIL, grantOf, PASSWORD, startServer, WRONG_PASSWORD, type TestServer } from './helpers.js';
import { totpCode } from './inbox.js';
import { SoftAuthenticator } from './soft-authenticator.js';

const ADMIN_KEY = 'admin-key-for-tests-0123456789-abcdefghij';
const ORIGIN = 'http://localhost:3000';
/** 2FA prompted (required from a date ahead), passkeys and texts on, the session token in the body, the admin API on. */
const ENV = { MFA_REQUIRED_FROM: '2040-01-01', PASSKEYS: 'true', SMS: 'outbox', SESSION_COOKIE: 'false', ADMIN_API_KEY: ADMIN_KEY };

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Partial<Record<Method, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, Record<string, string>> };
}

/**
 * Entries of `app.routes` that are middleware, not routes: Hono lists each
 * `use()` as method ALL. None answers a request of its own, so none is an
 * operation; each is named here with why, so a new one is a decision, not
 * something the comparison skips unseen.
 */
const MIDDLEWARE: Record<string, string> = {
  'ALL /* requestId': 'gives every request an X-Request-Id',
  'ALL /* logRequest': 'logs every request',
  'ALL /api/* compressJson': 'compresses the JSON answers of the routes below it',
  'ALL /.well-known/* compressJson': 'the same, for the JWKS',
  'ALL /api/* headers': 'security and CORS headers on every API answer',
  'ALL /.well-known/* headers': 'the same, for /.well-known',
  'ALL /api/* checkOrigin': 'refuses unsafe methods from origins not listed (`origin_not_allowed`, in every operation\'s `default`)',
  'ALL /api/passkeys/* passkeysOn': 'answers 404 to every passkey route while passkeys are off',
  'ALL /api/approver/* approverOn': 'answers 404 (`not_found`, in each approver operation\'s errors) while the approver is off; `Cache-Control: no-store` on every answer',
  'ALL /api/admin/* adminKey': 'the admin API key check (the `adminKey` security scheme)',
  'ALL /dev/* checkHost': 'answers the dev outbox only under this machine\'s own names',
};

/** Hono's `/x/:id` (and `:file{regex}`) as OpenAPI's `/x/{id}`. */
function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)(\{[^/]*\})?/g, '{$1}');
}

async function documentOf(server: TestServer): Promise<OpenApiDocument> {
  const response = await server.request('/api/openapi.json');
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  return bodyOf<OpenApiDocument>(response);
}

/** A JSON Pointer's segment (RFC 6901 §3), percent-encoded for a URI fragment. */
function pointer(segment: string): string {
  return encodeURIComponent(segment.replace(/~/g, '~0').replace(/\//g, '~1'));
}

const DOCUMENT_ID = 'urn:login-flow:openapi';

/**
 * Validates answers against the document's own schemas, with ajv's JSON Schema
 * 2020-12 (OpenAPI 3.1's dialect) in strict mode. The document is added as a
 * schema resource, so each operation's schema is compiled where it stands and
 * its `#/components/schemas/...` refs resolve within the document itself.
 */
class Answers {
  // Strict, but a `type` array is allowed: zod writes a union of primitives (an audit entry's detail values) as
  // `type: ['string', 'number', 'boolean', 'null']`, plain JSON Schema that strict mode would otherwise refuse.
  private readonly ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(readonly document: OpenApiDocument) {
    // The document's own top-level fields are OpenAPI's, not JSON Schema keywords.
    this.ajv.addVocabulary(['openapi', 'info', 'jsonSchemaDialect', 'tags', 'paths', 'components']);
    this.ajv.addSchema({ ...document, $id: DOCUMENT_ID });
  }

  /** The validator of the answer `method path` gives with `status`: its own entry, else its range (`4XX`), else `default`. */
  validator(method: Method, path: string, status: number): ValidateFunction {
    const operation = this.document.paths[path]?.[method];
    assert.ok(operation, `no operation ${method.toUpperCase()} ${path} in the document`);
    const key = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => operation.responses[k]);
    assert.ok(key, `${method.toUpperCase()} ${path} documents no answer for ${status}`);
    const id = `${DOCUMENT_ID}#/paths/${pointer(path)}/${method}/responses/${key}/content/application~1json/schema`;
    let validate = this.compiled.get(id);
    if (!validate) {
      assert.ok(operation.responses[key]!.content?.['application/json'], `${method.toUpperCase()} ${path} ${key} documents no JSON body`);
      validate = this.ajv.compile({ $ref: id });
      this.compiled.set(id, validate);
    }
    return validate;
  }

  /** Asserts the recorded answer matches the document (a 204 has no body, and the document says none); returns its body. */
  async check<T = unknown>(method: Method, path: string, response: Response): Promise<T> {
    const where = `${method.toUpperCase()} ${path} ${response.status}`;
    if (response.status === 204) {
      assert.equal(await response.text(), '', where);
      const operation = this.document.paths[path]?.[method];
      assert.ok(operation?.responses['204'] && !operation.responses['204'].content, `${where}: the document says 204 carries no body`);
      return undefined as T;
    }
    const body = (await response.json()) as T;
    const validate = this.validator(method, path, response.status);
    assert.ok(validate(body), `${where} does not match the document: ${this.ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 2000)}`);
    return body;
  }

  /** Compiles the schema at a fragment of the document. */
  compile(fragment: string): ValidateFunction {
    return this.ajv.compile({ $ref: `${DOCUMENT_ID}${fragment}` });
  }

  /** Whether a body matches the document's schema for an answer (for bodies built by hand). */
  accepts(method: Method, path: string, status: number, body: unknown): boolean {
    return this.validator(method, path, status)(body) as boolean;
  }

  /** Whether a request body matches the document's schema for what `method path` takes. */
  takes(method: Method, path: string, body: unknown): boolean {
    const id = `${DOCUMENT_ID}#/paths/${pointer(path)}/${method}/requestBody/content/application~1json/schema`;
    let validate = this.compiled.get(id);
    if (!validate) {
      validate = this.ajv.compile({ $ref: id });
      this.compiled.set(id, validate);
    }
    return validate(body) as boolean;
  }
}

async function setUp(t: TestContext): Promise<{ server: TestServer; answers: Answers }> {
  const server = await startServer(t, ENV);
  return { server, answers: new Answers(await documentOf(server)) };
}

const FLOW_ACTION = '/api/flows/{id}/{action}';

/** Posts one flow action and checks the answer against the document. */
async function step(server: TestServer, answers: Answers, id: string, action: string, body: unknown = {}): Promise<FlowState> {
  return answers.check<FlowState>('post', FLOW_ACTION, await act(server, id, action, body));
}

/** Signs up for 2FA with an authenticator app the first time, or passes it with a code later; every answer checked. Returns the session and the app's secret. */
async function signInWith2fa(server: TestServer, answers: Answers, secret?: string, remember = false): Promise<{ grant: SessionGrant; secret: string }> {
  const start = await answers.check<FlowState>('post', '/api/flows/{kind}', await server.post('/api/flows/login'));
  assert.equal(start.step, 'email');
  const password = await step(server, answers, start.id, 'email', { email: EMAIL });
  assert.equal(password.step, 'password');
  const next = await step(server, answers, start.id, 'password', { password: PASSWORD });
  if (secret) {
    assert.equal(next.step, 'second-factor');
    server.clock.advance(30_000);
    return { grant: grantOf(await step(server, answers, start.id, 'totp', { code: totpCode(secret, server.clock.now), remember })), secret };
  }
  assert.equal(next.step, 'mfa-prompt');
  const choice = await step(server, answers, start.id, 'enable');
  assert.equal(choice.step, 'method-choice');
  const setup = await step(server, answers, start.id, 'choose', { method: 'totp' });
  if (setup.step !== 'totp-setup') return assert.fail(JSON.stringify(setup));
  const backup = await step(server, answers, start.id, 'totp', { code: totpCode(setup.data.secret, server.clock.now) });
  assert.equal(backup.step, 'method-choice');
  // A passkey as the backup: its creation options are checked too, then the way back.
  const passkey = await step(server, answers, start.id, 'choose', { method: 'passkey' });
  assert.equal(passkey.step, 'passkey-setup');
  assert.equal((await step(server, answers, start.id, 'back')).step, 'method-choice');
  const recovery = await step(server, answers, start.id, 'skip');
  assert.equal(recovery.step, 'recovery-code');
  return { grant: grantOf(await step(server, answers, start.id, 'confirm', { saved: true })), secret: setup.data.secret };
}

/**
 * A phone with the approver, as the approver web app drives it: its
 * device-bound key is node:crypto's ECDSA P-256 (what WebCrypto makes), its
 * bearer token the one enrolment gave. Every request body it sends is held to
 * the document's schema for that operation first.
 */
class Phone {
  token = '';
  private readonly key = generateKeyPairSync('ec', { namedCurve: 'P-256' });

  constructor(private readonly server: TestServer, private readonly answers: Answers) {}

  /** Calls `/api/approver<path>`; `operation` is the document's path for it. */
  call(method: Method, path: string, operation: string, body?: unknown, token = this.token): Promise<Response> {
    if (body !== undefined) assert.ok(this.answers.takes(method, operation, body), `${method.toUpperCase()} ${operation}: the document takes the body the phone sends`);
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    return this.server.request(`/api/approver${path}`, { method: method.toUpperCase(), headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  }

  /** ECDSA P-256 / SHA-256 over `message`, WebCrypto's raw r‖s form, base64url. */
  sign(message: string): string {
    return sign('sha256', Buffer.from(message), { key: this.key.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  }

  enrolment(token: string, subscription?: unknown) {
    return {
      token,
      name: 'Pixel 8',
      key: { type: 'device', publicKey: this.key.publicKey.export({ format: 'jwk' }), proof: this.sign(enrolmentMessage(token)) },
      ...(subscription === undefined ? {} : { subscription }),
    };
  }

  decision(id: string, number: string, decision: 'approve' | 'deny' = 'approve') {
    return { number, decision, proof: { type: 'device', signature: this.sign(approvalMessage(id, number, decision)) } };
  }
}

describe('the OpenAPI document', () => {
  it('is served at /api/openapi.json: OpenAPI 3.1, this package\'s name and version, the session, admin and approver security schemes', async (t) => {
    const server = await startServer(t);
    const document = await documentOf(server);
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    assert.equal(document.openapi, '3.1.0');
    assert.deepEqual({ title: document.info.title, version: document.info.version }, { title: 'login-flow', version });
    assert.deepEqual(document.components.securitySchemes.sessionCookie, {
      type: 'apiKey',
      in: 'cookie',
      name: '__Host-lf_session',
      description: document.components.securitySchemes.sessionCookie!.description,
    });
    assert.equal(document.components.securitySchemes.sessionToken!.scheme, 'bearer');
    assert.equal(document.components.securitySchemes.adminKey!.scheme, 'bearer');
    assert.equal(document.components.securitySchemes.approverDevice!.scheme, 'bearer');
    assert.ok(new Answers(document).accepts('get', '/api/openapi.json', 200, document), 'it describes itself');
  });

  for (const [where, env] of [
    ['outside production', {}],
    ['in production (no dev outbox)', { NODE_ENV: 'production', SECRET_KEY: Buffer.alloc(32, 1).toString('base64'), PUBLIC_URL: 'https://login.example', SMTP_URL: 'smtps://mail.example:465' }],
  ] as const)
  it(`documents every route the app mounts, and none it does not, ${where}`, async (t) => {
    const server = await startServer(t, env);
    const document = await documentOf(server);
    assert.equal(Object.keys(document.paths).some((path) => path.startsWith('/dev/')), !('NODE_ENV' in env));
    const middleware = server.app.routes.filter((route) => route.method === 'ALL').map((route) => `ALL ${route.path} ${route.handler.name}`);
    const expected = Object.keys(MIDDLEWARE).filter((entry) => !('NODE_ENV' in env) || !entry.startsWith('ALL /dev/'));
    assert.deepEqual(middleware.sort(), expected.sort(), 'every ALL entry is a middleware named in MIDDLEWARE');
    // A route's own middleware (liveSession, ownSignIn, ...) is listed under the route's method and path too: a set keeps one.
    const mounted = new Set(server.app.routes.filter((route) => route.method !== 'ALL').map((route) => `${route.method} ${openApiPath(route.path)}`));
    const documented = new Set(Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`)));
    assert.deepEqual([...mounted].filter((route) => !documented.has(route)), [], 'mounted but not documented');
    assert.deepEqual([...documented].filter((route) => !mounted.has(route)), [], 'documented but not mounted');
    assert.ok(mounted.has('GET /api/openapi.json') && mounted.has('POST /api/flows/{id}/{action}'));
  });

  it('is made once: the same bytes each time, precompressed for brotli and gzip, and 304 for a client that has them', async (t) => {
    const server = await startServer(t);
    const plain = await server.request('/api/openapi.json');
    const text = await plain.text();
    assert.equal(text, await (await server.request('/api/openapi.json')).text());
    assert.ok(text.length > 20_000, 'a check on the check: the whole document');
    for (const [coding, decode] of [['br', brotliDecompressSync], ['gzip', gunzipSync]] as const) {
      const response = await server.request('/api/openapi.json', { headers: { 'Accept-Encoding': coding } });
      assert.equal(response.headers.get('content-encoding'), coding);
      assert.match(response.headers.get('vary') ?? '', /Accept-Encoding/);
      const bytes = Buffer.from(await response.arrayBuffer());
      assert.ok(bytes.length < text.length / 5);
      assert.equal(decode(bytes).toString(), text);
      const again = await server.request('/api/openapi.json', { headers: { 'Accept-Encoding': coding, 'If-None-Match': response.headers.get('etag')! } });
      assert.equal(again.status, 304);
    }
    // Another coding's tag is another representation: the whole document again.
    const other = await server.request('/api/openapi.json', { headers: { 'If-None-Match': plain.headers.get('etag')!, 'Accept-Encoding': 'br' } });
    assert.equal(other.status, 200);
  });

  it('holds together: every operation has an id and answers, every path parameter is declared, every $ref resolves', async (t) => {
    const server = await startServer(t);
    const document = await documentOf(server);
    const ids = new Set<string>();
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations) as [Method, { operationId: string; responses: object; parameters?: { name: string; in: string }[] }][]) {
        assert.ok(operation.operationId && !ids.has(operation.operationId), `${method} ${path}: a unique operationId`);
        ids.add(operation.operationId);
        assert.ok(Object.keys(operation.responses).length > 0, `${method} ${path}: responses`);
        const declared = (operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name).sort();
        const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
        assert.deepEqual(declared, templated, `${method} ${path}: path parameters`);
      }
    }
    const refs: string[] = [];
    (function collect(value: unknown): void {
      if (Array.isArray(value)) value.forEach(collect);
      else if (value && typeof value === 'object') {
        for (const [key, inner] of Object.entries(value)) key === '$ref' && typeof inner === 'string' ? refs.push(inner) : collect(inner);
      }
    })(document);
    assert.ok(refs.length > 50);
    for (const ref of new Set(refs)) {
      assert.match(ref, /^#\//, ref);
      const target = ref.slice(2).split('/').reduce<unknown>((node, segment) => (node as Record<string, unknown> | undefined)?.[segment.replace(/~1/g, '/').replace(/~0/g, '~')], document);
      assert.ok(target !== undefined, `${ref} resolves`);
    }
    // Every schema compiles in strict mode: no unknown keyword, no contradiction.
    const answers = new Answers(document);
    for (const name of Object.keys(document.components.schemas)) answers.compile(`#/components/schemas/${pointer(name)}`);
  });

  it('matches a whole sign-in with 2FA set-up, step by step: email, password, the prompt, the app, a passkey offered as backup, the recovery code, done', async (t) => {
    const { server, answers } = await setUp(t);
    await addUser(server);
    const { grant } = await signInWith2fa(server, answers);
    assert.ok(grant.token, 'SESSION_COOKIE=false: the token in the body');
    assert.deepEqual(grant.amr.sort(), ['mfa', 'otp', 'pwd']);
  });

  it('matches the second factor with "remember this device", and the session, account, passkey and device answers after it', async (t) => {
    const { server, answers } = await setUp(t);
    await addUser(server);
    const { secret } = await signInWith2fa(server, answers);
    const { grant } = await signInWith2fa(server, answers, secret, true);
    assert.ok(grant.deviceToken);
    const auth = { headers: { authorization: `Bearer ${grant.token}` } };
    const get = (path: string) => server.request(path, auth);
    const overview = await answers.check<{ mfa: { totp: unknown[] } }>('get', '/api/account', await get('/api/account'));
    assert.equal(overview.mfa.totp.length, 1);
    await answers.check('get', '/api/session', await get('/api/session'));
    await answers.check('get', '/api/session/accounts', await get('/api/session/accounts'));
    const sessions = await answers.check<{ sessions: unknown[] }>('get', '/api/account/sessions', await get('/api/account/sessions'));
    assert.equal(sessions.sessions.length, 2);
    await answers.check('get', '/api/passkeys', await get('/api/passkeys'));
    const devices = await answers.check<{ devices: unknown[] }>('get', '/api/devices', await get('/api/devices'));
    assert.equal(devices.devices.length, 1);
    const post = (path: string, body: unknown = {}) => server.post(path, body, auth);
    await answers.check('post', '/api/account/recovery-code', await post('/api/account/recovery-code'));
    const signedOut = await answers.check<{ signedOut: number }>('post', '/api/account/sessions/sign-out-others', await post('/api/account/sessions/sign-out-others'));
    assert.equal(signedOut.signedOut, 1);
    await answers.check('delete', '/api/devices', await server.request('/api/devices', { method: 'DELETE', ...auth }));
    await answers.check('delete', '/api/session', await server.request('/api/session', { method: 'DELETE', ...auth }));
    await answers.check('get', '/api/session', await get('/api/session'));
  });

  it('matches an added passkey in the account\'s list, renamed', async (t) => {
    const { server, answers } = await setUp(t);
    await addUser(server);
    const { grant } = await signInWith2fa(server, answers);
    const auth = { authorization: `Bearer ${grant.token}` };
    const setup = await answers.check<FlowState>('post', '/api/flows/{kind}', await server.post('/api/flows/enroll-passkey', {}, { headers: auth }));
    if (setup.step !== 'passkey-setup') return assert.fail(JSON.stringify(setup));
    const done = await step(server, answers, setup.id, 'register', { response: new SoftAuthenticator(ORIGIN).create(setup.data.options), name: 'Laptop' });
    assert.equal(done.step, 'done');
    const { passkeys } = await answers.check<{ passkeys: { id: string }[] }>('get', '/api/passkeys', await server.request('/api/passkeys', { headers: auth }));
    assert.equal(passkeys.length, 1);
    const renamed = await server.request(`/api/passkeys/${passkeys[0]!.id}`, { method: 'PATCH', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Work laptop' }) });
    await answers.check('patch', '/api/passkeys/{id}', renamed);
  });

  it('matches the approver: set-up from the link, enrolment with a push subscription, a push, the request, its signed answer, the wait, the sign-in it lets through', async (t) => {
    const server = await startServer(t, { ...ENV, APPROVER: 'true' });
    const answers = new Answers(await documentOf(server));
    const push = await startPushService();
    t.after(() => push.close());
    await addUser(server);
    const expectCode = async (method: Method, path: string, response: Response, code: string) =>
      assert.equal((await answers.check<{ error: { code: string } }>(method, path, response)).error.code, code);
    const wait = (id: string) => server.request('/api/flows/-/wait', { headers: { 'x-flow-id': id } });

    // The approver chosen at the 2FA prompt: its step shows the set-up link, and waits for the phone.
    const setUp = await answers.check<FlowState>('post', '/api/flows/{kind}', await server.post('/api/flows/login'));
    await step(server, answers, setUp.id, 'email', { email: EMAIL });
    assert.equal((await step(server, answers, setUp.id, 'password', { password: PASSWORD })).step, 'mfa-prompt');
    const choice = await step(server, answers, setUp.id, 'enable');
    if (choice.step !== 'method-choice') return assert.fail(JSON.stringify(choice));
    assert.ok(choice.data.methods.includes('approver'));
    const setup = await step(server, answers, setUp.id, 'choose', { method: 'approver' });
    if (setup.step !== 'approver-setup') return assert.fail(JSON.stringify(setup));
    const early = await act(server, setUp.id, 'check', { code: '123456' });
    assert.equal(early.status, 409);
    assert.equal((await answers.check<FlowState>('post', FLOW_ACTION, early)).error?.code, 'approver_pending');

    // The phone opens the link: the push key, whose phone it becomes, then enrolment with its key and a subscription.
    const token = new URL(setup.data.url).hash.replace('#enrol=', '');
    const phone = new Phone(server, answers);
    const config = await answers.check<ApproverConfig>('get', '/api/approver/config', await phone.call('get', '/config', '/api/approver/config'));
    const { subscription, id: subscriptionId } = await push.subscribe({ applicationServerKey: config.vapidPublicKey });
    const opened = await answers.check<EnrolmentStart>('post', '/api/approver/enrolment', await phone.call('post', '/enrolment', '/api/approver/enrolment', { token }));
    assert.equal(opened.user.email, EMAIL);
    const enrolled = await phone.call('post', '/devices', '/api/approver/devices', phone.enrolment(token, subscription));
    assert.equal(enrolled.status, 201);
    assert.equal(enrolled.headers.get('cache-control'), 'no-store');
    const result = await answers.check<EnrolmentResult>('post', '/api/approver/devices', enrolled);
    phone.token = result.deviceToken;
    await expectCode('post', '/api/approver/enrolment', await phone.call('post', '/enrolment', '/api/approver/enrolment', { token }), 'approver_enrolment_invalid');
    await expectCode('post', '/api/approver/devices', await phone.call('post', '/devices', '/api/approver/devices', phone.enrolment(token)), 'approver_enrolment_invalid');
    // Until the set-up step goes on, the phone is pending: no requests for it.
    assert.deepEqual(await answers.check('get', '/api/approver/requests', await phone.call('get', '/requests', '/api/approver/requests')), { requests: [] });
    assert.deepEqual(await answers.check('get', '/api/flows/{id}/wait', await wait(setUp.id)), { ready: true });
    // A wrong confirmation code is refused at its field; the phone's own goes on.
    const wrongCode = await act(server, setUp.id, 'check', { code: result.confirmation === '000000' ? '000001' : '000000' });
    assert.equal((await answers.check<FlowState>('post', FLOW_ACTION, wrongCode)).error?.code, 'invalid_code');
    let next = await step(server, answers, setUp.id, 'check', { code: result.confirmation });
    if (next.step === 'method-choice') next = await step(server, answers, setUp.id, 'skip');
    assert.equal(next.step, 'recovery-code');
    grantOf(await step(server, answers, setUp.id, 'confirm', { saved: true }));

    // The next sign-in asks the phone: a push with the request's id, the request with three numbers, a signed answer.
    const login = await answers.check<FlowState>('post', '/api/flows/{kind}', await server.post('/api/flows/login'));
    await step(server, answers, login.id, 'email', { email: EMAIL });
    const second = await step(server, answers, login.id, 'password', { password: PASSWORD });
    if (second.step !== 'second-factor') return assert.fail(JSON.stringify(second));
    assert.equal(second.data.methods[0], 'approver');
    const sent = await step(server, answers, login.id, 'send-approval');
    if (sent.step !== 'second-factor' || !sent.data.approval) return assert.fail(JSON.stringify(sent));
    const number = sent.data.approval.number;
    const { id } = (await push.next(subscriptionId)).payload as { type: string; id: string };
    const { requests } = await answers.check<{ requests: ApprovalDetails[] }>('get', '/api/approver/requests', await phone.call('get', '/requests?wait=1', '/api/approver/requests'));
    assert.deepEqual(requests.map((r) => r.id), [id]);
    const request = await answers.check<ApprovalDetails>('get', '/api/approver/requests/{id}', await phone.call('get', `/requests/${id}`, '/api/approver/requests/{id}'));
    assert.ok(request.numbers.includes(number));
    const pending = await act(server, login.id, 'approval');
    assert.equal(pending.status, 409);
    assert.equal((await answers.check<FlowState>('post', FLOW_ACTION, pending)).error?.code, 'approval_pending');
    const outcome = await phone.call('post', `/requests/${id}`, '/api/approver/requests/{id}', phone.decision(id, number));
    assert.deepEqual(await answers.check('post', '/api/approver/requests/{id}', outcome), { status: 'approved' });
    assert.deepEqual(await answers.check('get', '/api/flows/{id}/wait', await wait(login.id)), { ready: true });
    const grant = grantOf(await step(server, answers, login.id, 'approval'));
    assert.deepEqual(grant.amr, ['pwd', 'swk', 'mfa']);
    // Answered once.
    await expectCode('post', '/api/approver/requests/{id}', await phone.call('post', `/requests/${id}`, '/api/approver/requests/{id}', phone.decision(id, number)), 'approval_decided');
    await expectCode('get', '/api/approver/requests/{id}', await phone.call('get', `/requests/${id}`, '/api/approver/requests/{id}'), 'approval_decided');

    // The account page lists the phone; the phone changes its subscription, then stops pushes.
    const overview = await answers.check<{ mfa: { approvers: { push: boolean }[] }; features: { approver: boolean } }>(
      'get',
      '/api/account',
      await server.request('/api/account', { headers: { authorization: `Bearer ${grant.token}` } }),
    );
    assert.deepEqual(overview.mfa.approvers.map((a) => a.push), [true]);
    assert.equal(overview.features.approver, true);
    const { subscription: renewed } = await push.subscribe({ applicationServerKey: config.vapidPublicKey });
    const SUBSCRIPTION = '/api/approver/devices/current/subscription';
    await answers.check('put', SUBSCRIPTION, await phone.call('put', '/devices/current/subscription', SUBSCRIPTION, { subscription: renewed }));
    await answers.check('put', SUBSCRIPTION, await phone.call('put', '/devices/current/subscription', SUBSCRIPTION, { subscription: null }));

    // Refusals, each with its code.
    await expectCode('put', SUBSCRIPTION, await phone.call('put', '/devices/current/subscription', SUBSCRIPTION, { subscription: { ...renewed, endpoint: 'http://push.example/x' } }), 'push_endpoint_invalid');
    await expectCode('get', '/api/approver/requests', await phone.call('get', '/requests', '/api/approver/requests', undefined, 'nope'), 'approver_unknown');
    await expectCode('get', '/api/approver/requests/{id}', await phone.call('get', `/requests/${'A'.repeat(22)}`, '/api/approver/requests/{id}'), 'approval_not_found');
    const malformed = await server.request(`/api/approver/requests/${id}`, { method: 'POST', headers: { authorization: `Bearer ${phone.token}`, 'content-type': 'application/json' }, body: '{}' });
    await expectCode('post', '/api/approver/requests/{id}', malformed, 'invalid_request');
    await expectCode('get', '/api/flows/{id}/wait', await wait(login.id), 'flow_not_found');
    // A step that waits on no phone (a stored flow: a sign-in's first step lives in its id alone).
    const idle = await answers.check<FlowState>('post', '/api/flows/{kind}', await server.post('/api/flows/login'));
    await step(server, answers, idle.id, 'email', { email: EMAIL });
    await expectCode('get', '/api/flows/{id}/wait', await wait(idle.id), 'action_not_allowed');

    // What the route refuses as `invalid_request`, the document's request schemas refuse too.
    const decision = phone.decision(id, number);
    for (const body of [{}, { ...decision, number: '123' }, { ...decision, decision: 'maybe' }, { ...decision, proof: { type: 'other' } }, { ...decision, extra: true }]) {
      assert.equal(answers.takes('post', '/api/approver/requests/{id}', body), false, JSON.stringify(body));
    }
    const enrolment = phone.enrolment(token);
    for (const body of [{ ...enrolment, key: { type: 'other' } }, { ...enrolment, name: '' }, { ...enrolment, subscription: { endpoint: 'https://push.example/x', keys: { p256dh: 'a+b' } } }]) {
      assert.equal(answers.takes('post', '/api/approver/devices', body), false, JSON.stringify(body));
    }
    assert.equal(answers.takes('put', SUBSCRIPTION, {}), false, 'no subscription field');
  });

  it('matches the admin API: invite, users, audit, a company with a member, reset 2FA, disable', async (t) => {
    const { server, answers } = await setUp(t);
    const user = await addUser(server);
    const admin = (method: string, path: string, body?: unknown) =>
      server.request(`/api/admin${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    assert.equal((await answers.check<{ resent: boolean }>('post', '/api/admin/users/invite', await admin('POST', '/users/invite', { email: 'new@example.com', name: 'New' }))).resent, false);
    assert.equal((await answers.check<{ resent: boolean }>('post', '/api/admin/users/invite', await admin('POST', '/users/invite', { email: 'new@example.com' }))).resent, true);
    await answers.check('get', '/api/admin/users', await admin('GET', '/users'));
    await answers.check('get', '/api/admin/audit', await admin('GET', '/audit?limit=1'));
    const company = await answers.check<{ id: string }>('post', '/api/admin/organizations', await admin('POST', '/organizations', { name: 'Acme', mfaRequiredFrom: '2030-01-01' }));
    await answers.check('post', '/api/admin/organizations/{org}/members', await admin('POST', `/organizations/${company.id}/members`, { email: user.email, role: 'manager' }));
    await answers.check('get', '/api/admin/organizations/{org}', await admin('GET', `/organizations/${company.id}`));
    await answers.check('patch', '/api/admin/organizations/{org}', await admin('PATCH', `/organizations/${company.id}`, { name: 'Acme Inc.' }));
    await answers.check('get', '/api/admin/organizations', await admin('GET', '/organizations'));
    const imported = await server.request('/api/admin/users/import', {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'text/csv' },
      body: 'email,companies\nmoved@example.com,acme:manager\nnot-an-address,\n',
    });
    assert.equal((await answers.check<{ failed: number }>('post', '/api/admin/users/import', imported)).failed, 1);
    await answers.check('post', '/api/admin/users/reset-mfa', await admin('POST', '/users/reset-mfa', { email: user.email }));
    await answers.check('post', '/api/admin/users/disable', await admin('POST', '/users/disable', { email: user.email }));
    await answers.check('delete', '/api/admin/organizations/{org}/members', await admin('DELETE', `/organizations/${company.id}/members`, { email: user.email }));
    await answers.check('delete', '/api/admin/organizations/{org}', await admin('DELETE', `/organizations/${company.id}`));
    await answers.check('post', '/api/admin/users/disable', await admin('POST', '/users/disable', { email: 'nobody@example.com' }));
    const active = await admin('POST', '/users/invite', { email: EMAIL });
    assert.equal(active.status, 409);
    await answers.check('post', '/api/admin/users/invite', active);
  });

  it('matches the public answers: health, the JWKS, the WebAuthn origins, the dev outbox', async (t) => {
    const { server, answers } = await setUp(t);
    await addUser(server);
    await signInWith2fa(server, answers);
    const jwks = await answers.check<{ keys: unknown[] }>('get', '/.well-known/jwks.json', await server.request('/.well-known/jwks.json'));
    assert.equal(jwks.keys.length, 1);
    await answers.check('get', '/api/health', await server.request('/api/health'));
    await answers.check('get', '/.well-known/webauthn', await server.request('/.well-known/webauthn'));
    await answers.check('get', '/dev/outbox.json', await server.request('/dev/outbox.json'));
  });

  it('matches error answers, each with its catalogue code: a malformed body, a refused action, no flow, no session, a wrong admin key', async (t) => {
    const { server, answers } = await setUp(t);
    await addUser(server);
    const expectCode = async (method: Method, path: string, response: Response, code: string) =>
      assert.equal((await answers.check<{ error: { code: string } }>(method, path, response)).error.code, code);

    const start = await answers.check<FlowState>('post', '/api/flows/{kind}', await server.post('/api/flows/login'));
    const malformed = await server.request(`/api/flows/${start.id}/email`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":' });
    assert.equal(malformed.status, 400);
    await expectCode('post', FLOW_ACTION, malformed, 'invalid_json');
    const text = await server.request(`/api/flows/${start.id}/email`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'alice' });
    await expectCode('post', FLOW_ACTION, text, 'unsupported_media_type');
    // A refused action answers the step again, with the error.
    const wrongShape = await act(server, start.id, 'email', { email: 42 });
    assert.equal(wrongShape.status, 400);
    await expectCode('post', FLOW_ACTION, wrongShape, 'invalid_request');
    await expectCode('post', FLOW_ACTION, await act(server, start.id, 'password', { password: PASSWORD }), 'action_not_allowed');
    await step(server, answers, start.id, 'email', { email: EMAIL });
    const refused = await act(server, start.id, 'password', { password: WRONG_PASSWORD });
    assert.equal(refused.status, 401);
    await expectCode('post', FLOW_ACTION, refused, 'invalid_credentials');

    await expectCode('post', FLOW_ACTION, await act(server, 'A'.repeat(32), 'email', { email: EMAIL }), 'flow_not_found');
    await expectCode('post', '/api/flows/{kind}', await server.post('/api/flows/nonsense'), 'unknown_flow_kind');
    await expectCode('post', '/api/flows/{kind}', await server.post('/api/flows/activate', { token: 'no-such-link' }), 'invitation_invalid');
    await expectCode('get', '/api/account', await server.request('/api/account'), 'unauthenticated');
    await expectCode('get', '/api/session', await server.request('/api/session', { headers: { authorization: 'Bearer nope' } }), 'unauthenticated');
    await expectCode('get', '/api/admin/users', await server.request('/api/admin/users', { headers: { authorization: 'Bearer wrong' } }), 'unauthenticated');
    await expectCode('post', '/api/session/account', await server.post('/api/session/account', { account: 'x' }, { headers: { origin: 'https://evil.example' } }), 'origin_not_allowed');
    // The approver is off here: every route of it answers 404.
    await expectCode('get', '/api/approver/config', await server.request('/api/approver/config'), 'not_found');
  });

  it('refuses answers that break it: the schemas are real constraints, not placeholders', async (t) => {
    const { server, answers } = await setUp(t);
    const flow = await answers.check<FlowState>('post', '/api/flows/{kind}', await server.post('/api/flows/login'));
    assert.ok(answers.accepts('post', FLOW_ACTION, 200, flow));
    const broken: [string, unknown][] = [
      ['a step the protocol does not have', { ...flow, step: 'captcha' }],
      ['the password step without its email', { ...flow, step: 'password', data: {}, actions: ['password'] }],
      ['an action the step does not offer', { ...flow, actions: ['email', 'password'] }],
      ['a field the protocol does not have', { ...flow, debug: true }],
      ['no expiry', { ...flow, expiresAt: undefined }],
      ['done with an action left', { ...flow, step: 'done', data: { session: { user: { id: 'u', email: EMAIL, name: '' }, jwt: 'j', jwtExpiresAt: 1, expiresAt: 1, idleExpiresAt: 1, amr: ['pwd'] } }, actions: ['email'] }],
    ];
    for (const [why, body] of broken) assert.equal(answers.accepts('post', FLOW_ACTION, 200, JSON.parse(JSON.stringify(body))), false, why);
    assert.ok(answers.accepts('get', '/api/account', 401, { error: { code: 'unauthenticated', message: 'No valid session was presented.' } }));
    assert.equal(answers.accepts('get', '/api/account', 401, { error: { code: 'not_a_catalogue_code', message: 'x' } }), false, 'a code outside the catalogue');
    assert.equal(answers.accepts('get', '/api/account', 401, { error: { message: 'x' } }), false, 'no code');
    assert.equal(answers.accepts('get', '/api/health', 200, { status: 'degraded', store: 'ok' }), false, 'health that is not ok');
  });
});
