/*
 * Property-based fuzzing (fast-check) of every route the app mounts: random and
 * malformed methods, paths, ids, headers and bodies, against a server whose
 * flows stand at real steps (password, second factor with an authenticator
 * app, TOTP and passkey set-up, ...). For every answer:
 *
 * - never a 5xx (the store is healthy, so not even `store_unavailable`);
 * - an error is JSON with a catalogue code whose status it carries, and no
 *   stack trace, file path or SQL in it;
 * - a 4xx changes no security-relevant row (see SECURITY_TABLES);
 * - nothing reaches Object.prototype.
 *
 * Each run starts from the same database (every table restored from a
 * snapshot), so runs are independent and a failure shrinks and replays from
 * its seed and path, which fast-check prints: replay it with FUZZ_SEED=<seed>
 * FUZZ_PATH=<path> and --test-name-pattern naming the property. FUZZ_RUNS=<n>
 * runs more; FUZZ_STATS=1 prints what the probes met.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import fc from 'fast-check';
import type { Kysely } from 'kysely';
import { ERROR_CATALOGUE, type ErrorCode } from '../../server/errors.js';
import { saveConfirmedPhone } from '../../server/factors/sms.js';
import { issueRecoveryCode } from '../../server/factors/recovery.js';
import type { AuthenticationResponseJSON, FlowState, RegistrationResponseJSON } from '../../server/flows/protocol.js';
import { rememberDevice } from '../../server/security/devices.js';
import { issueLinkToken } from '../../server/security/link-tokens.js';
import { randomToken, sha256 } from '../../server/security/random.js';
import { createSession, revokeSession } from '../../server/security/sessions.js';
import type { Db } from '../../server/store/index.js';
import {
  act,
  addUser,
  bodyOf,
  PASSWORD,
  reachPassword,
  SESSION_COOKIE_NAME,
  sessionCookieToken,
  startLogin,
  startServer,
  WRONG_PASSWORD,
  type TestServer,
} from './helpers.js';
import { addTotp, codeIn, invite, messagesTo, onlyCodeMail, totpCode } from './inbox.js';
import { SoftAuthenticator } from './soft-authenticator.js';

/** Fixed, so a run is reproducible; FUZZ_SEED replays a reported failure. */
const SEED = Number(process.env.FUZZ_SEED ?? 20310115);
/** Runs per property (the flow property runs four times as many sequences); the file takes about 25 s on two cores. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 400);

const PUBLIC_URL = 'http://localhost:3000';
const HOST_ORIGIN = 'https://host.example';
const ADMIN_KEY = 'fuzz-admin-key-0123456789-abcdefghijklmnop';
const PHONE = '+31612345678';
const ENV = {
  ADMIN_API_KEY: ADMIN_KEY,
  PASSKEYS: 'true',
  SMS: 'outbox',
  // 2FA not yet required: people without it see the prompt, and may set it up.
  MFA_REQUIRED_FROM: '2040-01-01',
  ALLOWED_ORIGINS: HOST_ORIGIN,
  TRUSTED_PROXIES: '10.0.0.0/8',
};

const ALICE = 'alice@example.com'; // password, authenticator app, SMS, recovery code, passkey
const BOB = 'bob@example.com'; // password only: the 2FA prompt, TOTP set-up
const CAROL = 'carol@example.com'; // address never confirmed: verify-email
const ERIN = 'erin@example.com'; // passkey set-up
const FRANK = 'frank@example.com'; // a reset link without a second factor: set-password
const GINA = 'gina@example.com'; // TOTP confirmed in the flow: sms-setup, recovery-code
const DAVE = 'dave@example.com'; // invited
const HANK = 'hank@example.com'; // disabled
/** A client whose per-address limits are all used up. */
const NOISY_PEER = '203.0.113.9';

/**
 * Rows that no refused request may touch (one exception: a refused passkey
 * registration spends its challenge, see `check`). Flows, rate limits, the
 * audit log, the mail queue and the outbox may change on a 4xx, legitimately:
 * a failed attempt is counted (flow attempts, rate limits) and recorded
 * (audit), a refused step stores its error and a fresh passkey challenge in
 * the flow, and an expired flow is deleted.
 */
const SECURITY_TABLES = ['users', 'credentials', 'sessions', 'recovery_codes', 'remembered_devices', 'link_tokens', 'signing_keys', 'webauthn_challenges'];
/**
 * Columns that move on a refused request too: a valid session presented with a
 * bad request was still used, so its idle clock restarts (`findSession`).
 */
const MOVING_COLUMNS: Record<string, string[]> = { sessions: ['last_seen_at'] };

/** Every action name any step has. */
const ACTIONS = ['email', 'passkey', 'password', 'back', 'forgot', 'send-sms', 'sms', 'totp', 'recovery-code', 'enable', 'remind-later', 'choose', 'register', 'code', 'resend', 'phone', 'skip', 'change-number', 'confirm'];
/** Every body field any route reads, and a few it never should. */
const FIELDS = ['email', 'password', 'device', 'method', 'code', 'remember', 'saved', 'phone', 'token', 'name', 'locale', 'response', 'current', 'signOutOthers',
  'slug', 'mfaRequiredFrom', 'role', 'issuer', 'clientId', 'clientSecret', 'domains'];
/** Fields the routes take as optional. */
const OPTIONAL_FIELDS = ['device', 'remember', 'name', 'locale', 'signOutOthers', 'slug', 'mfaRequiredFrom', 'role', 'clientSecret'];
/** The input of each action (`{}` for the rest). */
const ACTION_FIELDS: Record<string, string[]> = {
  email: ['email'],
  password: ['password', 'device'],
  totp: ['code', 'remember'],
  sms: ['code', 'remember'],
  'recovery-code': ['code', 'remember'],
  code: ['code'],
  phone: ['phone'],
  confirm: ['saved'],
  passkey: ['response', 'remember'],
  register: ['response', 'name'],
  choose: ['method'],
};
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];

// ---------------------------------------------------------------------------
// The database: a snapshot of every table, restored before each run.

type Rows = Record<string, unknown>[];
/** The store without its table types: the fuzz reads and writes every table alike. */
type AnyDb = Kysely<Record<string, Record<string, unknown>>>;

interface Snapshot {
  /** Parents (users, organizations) first, so foreign keys hold while rows go back in. */
  tables: string[];
  rows: Map<string, Rows>;
}

async function takeSnapshot(db: Db): Promise<Snapshot> {
  const parents = ['users', 'organizations'];
  const names = (await db.introspection.getTables()).map((table) => table.name).filter((name) => !name.startsWith('kysely_'));
  const tables = [...parents.filter((p) => names.includes(p)), ...names.filter((n) => !parents.includes(n))];
  const rows = new Map<string, Rows>();
  for (const table of tables) rows.set(table, await (db as unknown as AnyDb).selectFrom(table).selectAll().execute());
  return { tables, rows };
}

async function restore(db: Db, { tables, rows }: Snapshot): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const any = trx as unknown as AnyDb;
    for (const table of [...tables].reverse()) await any.deleteFrom(table).execute();
    for (const table of tables) {
      const saved = rows.get(table)!;
      if (saved.length > 0) await any.insertInto(table).values(saved).execute();
    }
  });
}

/** The security tables as sorted JSON lines: order-free, so a dialect that reorders rows on update compares equal. */
async function securityRows(db: Db): Promise<Record<string, string[]>> {
  const result: Record<string, string[]> = {};
  for (const table of SECURITY_TABLES) {
    const moving = MOVING_COLUMNS[table] ?? [];
    const rows = await (db as unknown as AnyDb).selectFrom(table).selectAll().execute();
    result[table] = rows.map((row) => JSON.stringify(Object.fromEntries(Object.entries(row).filter(([column]) => !moving.includes(column))))).sort();
  }
  return result;
}

/** Lets work a request started in the background (a reset mail) finish before the tables are read. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

// ---------------------------------------------------------------------------
// The fixture: users, a session, a passkey, a remembered device, and flows at every step.

interface FlowRef {
  /** Where the flow stands, for a readable counterexample. */
  at: string;
  id: string;
}

interface Fixture {
  snapshot: Snapshot;
  /** The clock when the snapshot was taken. */
  now: number;
  flows: FlowRef[];
  /** Alice's session: fresh and past 2FA, so it may change her passkeys. */
  sessionToken: string;
  /** Other tokens: Bob's (password only), a revoked one. */
  otherTokens: string[];
  deviceToken: string;
  deviceId: string;
  passkeyId: string;
  /** Alice's authenticator app and SMS number (the account page removes them). */
  factorIds: string[];
  /** Sessions by id: Alice's own, Bob's, Alice's revoked one. */
  sessionIds: string[];
  outboxIds: string[];
  auditIds: string[];
  /** Strings that mean something here: addresses, the password, live codes and tokens. */
  secrets: string[];
  /** A valid passkey assertion for Alice's second-factor flow. */
  assertion: AuthenticationResponseJSON;
  /** A genuine registration response, made for a ceremony already spent. */
  registration: RegistrationResponseJSON;
}

async function flowOf(response: Response): Promise<FlowState> {
  return bodyOf<FlowState>(response);
}

/** Posts an action that must succeed and land on `step`. */
async function advance(server: TestServer, id: string, action: string, body: unknown, step: string): Promise<FlowState> {
  const flow = await flowOf(await act(server, id, action, body));
  assert.equal(flow.step, step, `${action} -> ${flow.step} ${JSON.stringify(flow.error)}`);
  return flow;
}

/** A second flow at the same step: a copy of the stored row under a new id. */
async function cloneFlow(server: TestServer, id: string, change: { expires_at?: number; attempts?: number } = {}): Promise<string> {
  const row = await server.db.selectFrom('flows').selectAll().where('id_hash', '=', sha256(id)).executeTakeFirstOrThrow();
  const clone = randomToken(24);
  await server.db.insertInto('flows').values({ ...row, ...change, id_hash: sha256(clone) }).execute();
  return clone;
}

async function prepare(server: TestServer): Promise<Fixture> {
  const { db, context } = server;
  const now = server.clock.now;
  const alice = await addUser(server, ALICE);
  // One argon2id hash is enough: the other users share it (the same password).
  const { password_hash } = await db.selectFrom('users').select('password_hash').where('id', '=', alice.id).executeTakeFirstOrThrow();
  const ids: Record<string, string> = {};
  for (const email of [BOB, CAROL, ERIN, FRANK, GINA, HANK]) {
    ids[email] = crypto.randomUUID();
    await db
      .insertInto('users')
      .values({ id: ids[email]!, email, name: '', password_hash, status: email === HANK ? 'disabled' : 'active', email_verified_at: email === CAROL ? null : now, created_at: now, updated_at: now })
      .execute();
  }
  for (const scope of ['flow', 'pwd', 'forgot', 'admin']) {
    await db.insertInto('rate_limits').values({ key: `${scope}:ip:${NOISY_PEER}`, count: 100_000, reset_at: now + 3_600_000 }).execute();
  }
  const totpSecret = await addTotp(server, alice.id);
  await saveConfirmedPhone(db, context.secretKey, { userId: alice.id, phone: PHONE, now });
  const recoveryCode = await issueRecoveryCode(db, { userId: alice.id, kind: 'recovery', now });
  const inviteToken = await invite(server, DAVE);

  // Alice signs in with her authenticator app (this claims the current time step) and adds a passkey.
  const signIn = await reachPassword(server, ALICE);
  await advance(server, signIn, 'password', { password: PASSWORD }, 'second-factor');
  const done = await act(server, signIn, 'totp', { code: totpCode(totpSecret, now) });
  assert.equal(done.status, 200);
  const sessionToken = sessionCookieToken(done);
  const auth = { authorization: `Bearer ${sessionToken}`, 'content-type': 'application/json' };
  const authenticator = new SoftAuthenticator(PUBLIC_URL);
  // A passkey is added the one way there is: the account page's enroll-passkey flow.
  let enrolment = await bodyOf<FlowState>(await server.request('/api/flows/enroll-passkey', { method: 'POST', headers: auth, body: '{}' }));
  if (enrolment.step !== 'passkey-setup') return assert.fail(enrolment.step);
  const creation = enrolment.data.options;
  enrolment = await bodyOf<FlowState>(await act(server, enrolment.id, 'register', { response: authenticator.create(creation), name: 'Phone' }));
  if (enrolment.step === 'recovery-code') enrolment = await bodyOf<FlowState>(await act(server, enrolment.id, 'confirm', { saved: true }));
  assert.equal(enrolment.step, 'done', JSON.stringify(enrolment.error));
  const passkeyId = (await bodyOf<{ passkeys: { id: string }[] }>(await server.request('/api/passkeys', { headers: auth }))).passkeys[0]!.id;
  // A genuine registration response to mutate (its ceremony's challenge is spent).
  const registration = new SoftAuthenticator(PUBLIC_URL).create(creation);
  const device = await rememberDevice(db, { userId: alice.id, days: 30, userAgent: 'fuzz', now });
  const deviceId = (await db.selectFrom('remembered_devices').select('id').where('user_id', '=', alice.id).where('revoked_at', 'is', null).executeTakeFirstOrThrow()).id;
  const bobSession = await createSession(db, server.config, { userId: ids[BOB]!, amr: ['pwd'], now });
  const revoked = await createSession(db, server.config, { userId: alice.id, amr: ['pwd', 'otp', 'mfa'], now });
  await revokeSession(db, revoked.session.id, now);

  const flows: FlowRef[] = [];
  const email = await startLogin(server);
  flows.push({ at: 'email', id: email.id });
  // A start sealed a flow lifetime and a minute ago: expired before anything was stored.
  server.clock.advance(-(server.config.flowTtlMinutes + 1) * 60_000);
  flows.push({ at: 'email (expired)', id: (await startLogin(server)).id });
  server.clock.advance((server.config.flowTtlMinutes + 1) * 60_000);
  flows.push({ at: 'password', id: await reachPassword(server, ALICE) });
  flows.push({ at: 'password (unknown address)', id: await reachPassword(server, 'nobody@example.com') });
  flows.push({ at: 'password (invited)', id: await reachPassword(server, DAVE) }, { at: 'password (disabled)', id: await reachPassword(server, HANK) });
  const forgot = await reachPassword(server, ALICE);
  await advance(server, forgot, 'forgot', {}, 'reset-sent');
  flows.push({ at: 'reset-sent', id: forgot });

  const second = await reachPassword(server, ALICE);
  const secondFactor = await advance(server, second, 'password', { password: PASSWORD }, 'second-factor');
  const assertion = authenticator.get((secondFactor.data as { passkey: { options: Parameters<SoftAuthenticator['get']>[0] } }).passkey.options);
  await advance(server, second, 'send-sms', {}, 'second-factor');
  const smsCode = codeIn((await messagesTo(server, PHONE, 'sms')).at(-1)!);
  flows.push({ at: 'second-factor', id: second });
  flows.push({ at: 'second-factor (locked)', id: await cloneFlow(server, second, { attempts: server.config.flowMaxAttempts }) });

  const prompt = await reachPassword(server, BOB);
  await advance(server, prompt, 'password', { password: PASSWORD }, 'mfa-prompt');
  flows.push({ at: 'mfa-prompt', id: prompt });
  const bobSetup = await reachPassword(server, BOB);
  await advance(server, bobSetup, 'password', { password: PASSWORD }, 'mfa-prompt');
  await advance(server, bobSetup, 'enable', {}, 'method-choice');
  flows.push({ at: 'method-choice', id: await cloneFlow(server, bobSetup) });
  const totpSetup = await advance(server, bobSetup, 'choose', { method: 'totp' }, 'totp-setup');
  const setupSecret = (totpSetup.data as { secret: string }).secret;
  flows.push({ at: 'totp-setup', id: bobSetup });

  const erin = await reachPassword(server, ERIN);
  await advance(server, erin, 'password', { password: PASSWORD }, 'mfa-prompt');
  await advance(server, erin, 'enable', {}, 'method-choice');
  await advance(server, erin, 'choose', { method: 'passkey' }, 'passkey-setup');
  flows.push({ at: 'passkey-setup', id: erin });

  const carol = await reachPassword(server, CAROL);
  await advance(server, carol, 'password', { password: PASSWORD }, 'verify-email');
  const emailCode = codeIn(onlyCodeMail(await messagesTo(server, CAROL)));
  flows.push({ at: 'verify-email', id: carol });

  const gina = await reachPassword(server, GINA);
  await advance(server, gina, 'password', { password: PASSWORD }, 'mfa-prompt');
  await advance(server, gina, 'enable', {}, 'method-choice');
  const ginaSetup = await advance(server, gina, 'choose', { method: 'totp' }, 'totp-setup');
  await advance(server, gina, 'totp', { code: totpCode((ginaSetup.data as { secret: string }).secret, now) }, 'method-choice');
  const ginaBackup = await cloneFlow(server, gina);
  const ginaRecovery = await cloneFlow(server, gina);
  await advance(server, ginaRecovery, 'skip', {}, 'recovery-code');
  await advance(server, gina, 'choose', { method: 'sms' }, 'sms-setup');
  const ginaSent = await cloneFlow(server, gina);
  await advance(server, ginaSent, 'phone', { phone: '+31687654321' }, 'sms-setup');
  flows.push({ at: 'method-choice (backup)', id: ginaBackup }, { at: 'sms-setup', id: gina }, { at: 'sms-setup (code sent)', id: ginaSent }, { at: 'recovery-code', id: ginaRecovery });

  const activate = await flowOf(await server.post('/api/flows/activate', { token: inviteToken }));
  assert.equal(activate.step, 'set-password');
  flows.push({ at: 'set-password (activation)', id: activate.id });
  const resetTokens: string[] = [];
  for (const [who, step] of [[alice.id, 'second-factor'], [ids[FRANK]!, 'set-password']] as const) {
    const { token } = await issueLinkToken(db, { userId: who, purpose: 'password-reset', ttlMs: 3_600_000, now });
    resetTokens.push(token);
    const reset = await flowOf(await server.post('/api/flows/reset', { token }));
    assert.equal(reset.step, step);
    flows.push({ at: `${step} (reset)`, id: reset.id });
  }
  await settle();

  const outboxIds = (await db.selectFrom('outbox').select('id').execute()).map((r) => r.id);
  const factorIds = (await db.selectFrom('credentials').select('id').where('user_id', '=', alice.id).where('type', '!=', 'passkey').execute()).map((r) => r.id);
  const aliceSession = await db.selectFrom('sessions').select('id').where('token_hash', '=', sha256(sessionToken)).executeTakeFirstOrThrow();
  const auditIds = (await db.selectFrom('audit_events').select('id').limit(5).execute()).map((r) => r.id);
  return {
    snapshot: await takeSnapshot(db),
    now,
    flows,
    sessionToken,
    otherTokens: [bobSession.token, revoked.token],
    deviceToken: device.token,
    deviceId,
    passkeyId,
    factorIds,
    sessionIds: [aliceSession.id, bobSession.session.id, revoked.session.id],
    outboxIds,
    auditIds,
    secrets: [
      ALICE, BOB, CAROL, DAVE, HANK, 'nobody@example.com', ` ${ALICE.toUpperCase()} `, PASSWORD, WRONG_PASSWORD,
      // The next time step: one step of drift is accepted, and this one is not spent yet.
      totpCode(totpSecret, now + 30_000), totpCode(setupSecret, now), smsCode, emailCode, recoveryCode,
      inviteToken, ...resetTokens, sessionToken, device.token, deviceId, passkeyId, PHONE, '0612345678', ADMIN_KEY, 'totp', 'passkey', 'sms',
      ...flows.map((f) => f.id),
    ],
    assertion,
    registration,
  };
}

// ---------------------------------------------------------------------------
// Arbitraries.

/** What a header can carry: latin-1 without control characters; other text arrives as its UTF-8 bytes read as latin-1, as Node reads them. */
function headerSafe(value: string): string {
  return Buffer.from(value, 'utf8').toString('latin1').replace(/[\x00-\x08\x0a-\x1f\x7f]/g, '');
}

const headerText = fc.oneof(fc.string({ unit: 'binary-ascii', maxLength: 60 }), fc.string({ unit: 'grapheme', maxLength: 30 }), fc.string({ maxLength: 300 }));

/** Any text a JSON string can hold, and some with meaning elsewhere. */
const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'binary-ascii', maxLength: 40 }),
  fc.string({ maxLength: 20 }).map((s) => `${s}\u0000${s}`),
  fc.integer({ min: 60, max: 20_000 }).map((n) => 'x'.repeat(n)),
  fc.constantFrom('', ' ', '\u0000', '\uFEFF', '\u202E', '\uD800', 'null', 'true', '0', '-1', '1e999', 'NaN', '123456', ' 123 456 ', '123-456', '[]', '{}',
    "' OR 1=1 --", '"; DROP TABLE users; --', '<script>alert(1)</script>', '../../etc/passwd', '%00', 'a@b', 'alice@example.com\u0000.evil', 'public-key', 'en', 'nl',
    // Digits people type that are not ASCII, and numbers that are almost phone numbers.
    '１２３４５６', '١٢٣٤٥٦', '12345６', '+', '+0', '00', '+999999999999999', '+31 6 1234 5678', '(06) 12-34-56-78', '+٣١٦١٢٣٤٥٦٧٨', 'tel:+31612345678'),
);

/** Percent-encodes text; a lone surrogate becomes U+FFFD first, as it would on the wire. */
function encode(value: string): string {
  return encodeURIComponent(Buffer.from(value, 'utf8').toString('utf8'));
}

/** A path segment: encoded, raw (slashes, dots, query and fragment marks included), or a known trick. */
const segment = fc.oneof(
  { weight: 3, arbitrary: text.map((s) => encode(s.slice(0, 200))) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom('..', '%2e%2e', '%2F', '%00', '%ZZ', '%', '%FF', '%C0%AF', '-', '', ...PROTO_KEYS) },
);

function jsonValue(fx: Fixture): fc.Arbitrary<unknown> {
  const leaf = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom<unknown>(...fx.secrets) },
    { weight: 4, arbitrary: text },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(true, false, null, 0, -0, -1, 1.5, 2 ** 53 + 1, 1e308, -1e308, 123456) },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean()) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  );
  return fc.oneof({ weight: 5, arbitrary: leaf }, { weight: 1, arbitrary: fc.array(leaf, { maxLength: 3 }) }, { weight: 1, arbitrary: fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS, ...PROTO_KEYS), fc.string()), leaf, { maxKeys: 3 }) });
}

/** A real WebAuthn response with one part replaced, so @simplewebauthn gets past its first checks. */
function mutatedWebauthn(fx: Fixture): fc.Arbitrary<unknown> {
  const replacement = fc.oneof(jsonValue(fx), fc.base64String({ maxLength: 120 }).map((s) => s.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')), fc.constant(undefined));
  return fc
    .record({
      genuine: fc.constantFrom<object>(fx.assertion, fx.registration),
      path: fc.constantFrom('', 'id', 'rawId', 'type', 'response', 'clientExtensionResults', 'authenticatorAttachment', 'response.clientDataJSON', 'response.authenticatorData',
        'response.signature', 'response.userHandle', 'response.attestationObject', 'response.transports', 'response.publicKey', '__proto__'),
      value: replacement,
    })
    .map(({ genuine, path, value }) => {
      const copy = JSON.parse(JSON.stringify(genuine)) as Record<string, unknown>;
      if (!path) return copy;
      const [head, tail] = path.split('.') as [string, string | undefined];
      const target = (tail ? copy[head] : copy) as Record<string, unknown>;
      Object.defineProperty(target, tail ?? head, { value, enumerable: true, configurable: true, writable: true });
      return copy;
    });
}

/** Sometimes `arbitrary`, otherwise nothing (`weight` in `outOf`). */
function sometimes<T>(arbitrary: fc.Arbitrary<T>, weight = 1, outOf = 4): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: outOf - weight, arbitrary: fc.constant(undefined) }, { weight, arbitrary });
}

/**
 * A body: shaped like the route's input (its fields, each with a value of any
 * type, sometimes one field missing or one extra), other JSON, not JSON, too
 * deep, too large, or not text at all.
 */
function body(fx: Fixture, fields: readonly string[] = []): fc.Arbitrary<string | number[] | undefined> {
  const value = jsonValue(fx);
  const webauthn = mutatedWebauthn(fx);
  const typed = (field: string): fc.Arbitrary<unknown> => {
    if (field === 'response') return webauthn;
    if (field === 'remember' || field === 'saved' || field === 'signOutOthers') return fc.boolean();
    return fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...fx.secrets) }, { weight: 1, arbitrary: text });
  };
  // Mostly the type the field wants, so the action runs and meets the value itself.
  const fieldValue = (field: string) => fc.oneof({ weight: 3, arbitrary: typed(field) }, { weight: 1, arbitrary: value });
  const shaped = fc
    .tuple(
      fc.record(Object.fromEntries(fields.map((f) => [f, fieldValue(f)])), { requiredKeys: fields.filter((f) => !OPTIONAL_FIELDS.includes(f)) }),
      sometimes(fc.integer({ min: 0, max: Math.max(0, fields.length - 1) }), 1, 6),
      sometimes(fc.tuple(fc.oneof(fc.constantFrom(...FIELDS, ...PROTO_KEYS), fc.string({ maxLength: 8 })), value), 1, 6),
    )
    .map(([record, drop, extra]) => {
      const copy: Record<string, unknown> = { ...record };
      if (drop !== undefined) delete copy[fields[drop]!];
      if (extra) Object.defineProperty(copy, extra[0], { value: extra[1], enumerable: true, configurable: true, writable: true });
      return JSON.stringify(copy);
    });
  const key = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...FIELDS) }, { weight: 1, arbitrary: fc.constantFrom(...PROTO_KEYS) }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) });
  const anyFields = fc.dictionary(key, fc.oneof({ weight: 4, arbitrary: value }, { weight: 1, arbitrary: webauthn }), { maxKeys: 4 }).map((v) => JSON.stringify(v));
  const limit = 16 * 1024;
  return fc.oneof(
    { weight: fields.length ? 10 : 3, arbitrary: shaped },
    { weight: 3, arbitrary: anyFields },
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.json({ maxDepth: 3 }) },
    { weight: 1, arbitrary: fc.anything({ maxDepth: 3, key: fc.oneof(fc.string(), fc.constantFrom(...PROTO_KEYS, ...FIELDS)), withNullPrototype: true }).map((v) => JSON.stringify(v) ?? 'undefined') },
    // Not JSON.
    { weight: 1, arbitrary: fc.oneof(text, fc.constantFrom('{', '{"email":', '{"a":1,}', "{'email':'a@b.c'}", 'NaN', 'undefined', '\uFEFF{}', '{} {}', '{"email":"alice@example.com"} trailing', 'email=alice%40example.com', '--fuzz\r\nContent-Disposition: form-data; name="email"\r\n\r\nalice@example.com\r\n--fuzz--')) },
    // Too deep for comfort, or over the body limit.
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 50, max: 8_000 }), fc.boolean()).map(([n, array]) => (array ? `${'['.repeat(n)}${']'.repeat(n)}` : `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`)) },
    { weight: 1, arbitrary: fc.integer({ min: limit - 16, max: limit * 3 }).map((n) => JSON.stringify({ email: 'x'.repeat(n) })) },
    // Bytes that are not UTF-8.
    { weight: 1, arbitrary: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 64 }) },
    { weight: 1, arbitrary: fc.constantFrom('{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"polluted":true}}}', `{"email":"${ALICE}","__proto__":{"admin":true}}`, '{"password":"x","__proto__":null}', '{"response":{"__proto__":{"type":"public-key"}}}') },
  );
}

const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/json;charset=UTF-8'];
const CONTENT_TYPES = ['application/json;charset=UTF-16', 'application/json; charset=latin1', 'application/json ; foo=bar', 'application/json, text/plain', 'application/jsonp', 'application/json5',
  'application/ld+json', 'text/plain', 'text/plain; charset=utf-8', 'text/json', 'multipart/form-data; boundary=fuzz', 'application/x-www-form-urlencoded', 'application/octet-stream', '*/*', ';', ''];

interface Envelope {
  headers: Record<string, string>;
  peer?: string | undefined;
  /** How far the clock moves before the request: codes, ceremonies, flows and sessions expire. */
  later?: number | undefined;
}

/**
 * Headers every request may carry, and the socket's address. Three in four
 * are clean at the gates (JSON, no foreign origin, no lying length), so the
 * body reaches the route; the rest are hostile there too.
 */
function envelope(fx: Fixture): fc.Arbitrary<Envelope> {
  const cookie = fc.oneof(
    headerText.map((v) => `${SESSION_COOKIE_NAME}=${v}`),
    headerText.map((v) => `__Host-lf_device=${v}`),
    fc.constantFrom(
      `${SESSION_COOKIE_NAME}=${fx.sessionToken}`, `lf_session=${fx.sessionToken}`, `${SESSION_COOKIE_NAME}="${fx.sessionToken}"`, `${SESSION_COOKIE_NAME}=${fx.sessionToken}; ${SESSION_COOKIE_NAME}=x`,
      `__Host-lf_device=${fx.deviceToken}`, `${SESSION_COOKIE_NAME}=%E0%A4%A`, `${SESSION_COOKIE_NAME}=${'%'.repeat(300)}`, `__Host-lf_device=${'x'.repeat(5000)}`, '=', ';;;', `${SESSION_COOKIE_NAME}`,
    ),
    headerText,
  );
  const address = fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom('10.0.0.3', 'fe80::1%eth0', '::ffff:1.2.3.4', '1.2.3.4:80', '[::1]', 'unknown', '::', '0.0.0.0'));
  const forwardedFor = fc.oneof(address, fc.array(fc.oneof(address, headerText), { maxLength: 5 }).map((a) => a.join(', ')), headerText);
  // These never stop a request at the gate: cookies, proxies, the user agent, the socket.
  const anywhere = {
    cookie: sometimes(cookie, 1, 3),
    'x-forwarded-for': sometimes(forwardedFor, 1, 3),
    'user-agent': sometimes(headerText),
    'x-flow-id': sometimes(fc.oneof(fc.constantFrom(...fx.flows.map((f) => f.id)), headerText), 1, 6),
    peer: sometimes(fc.oneof(fc.constantFrom('10.0.0.1', '::ffff:10.0.0.2', NOISY_PEER, '::1'), fc.ipV4(), fc.ipV6()), 1, 2),
    later: sometimes(fc.constantFrom(31_000, 61_000, 6 * 60_000, 11 * 60_000, 16 * 60_000, 31 * 60_000, 13 * 3_600_000, 31 * 86_400_000), 1, 6),
  };
  const clean = fc.record({
    ...anywhere,
    'content-type': fc.constantFrom(...JSON_TYPES),
    origin: fc.constantFrom(undefined, undefined, PUBLIC_URL, HOST_ORIGIN),
  });
  const hostile = fc.record({
    ...anywhere,
    'content-type': fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) }, { weight: 1, arbitrary: headerText }, { weight: 1, arbitrary: fc.constant(undefined) }),
    origin: sometimes(fc.oneof(fc.constantFrom(PUBLIC_URL, HOST_ORIGIN, 'https://evil.example', 'null', `${PUBLIC_URL}/`, 'HTTP://LOCALHOST:3000'), headerText), 1, 2),
    'sec-fetch-site': sometimes(fc.constantFrom('cross-site', 'same-site', 'same-origin', 'none')),
    'content-length': sometimes(fc.constantFrom('0', '-1', 'abc', '1e9', '99999999999', ' 12', '12, 12', '20000')),
    'content-encoding': sometimes(fc.constantFrom('gzip', 'br', 'identity', 'x')),
    // A CORS preflight, from a listed origin or not.
    'access-control-request-method': sometimes(fc.oneof(fc.constantFrom(...METHODS), headerText)),
    'access-control-request-headers': sometimes(fc.oneof(fc.constant('content-type, authorization, x-flow-id'), headerText)),
    'x-request-id': sometimes(fc.oneof(fc.uuid(), headerText, fc.constant('x'.repeat(300)))),
  });
  return fc
    .oneof({ weight: 3, arbitrary: clean }, { weight: 1, arbitrary: hostile })
    .map(({ peer, later, ...headers }) => ({ headers: Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)) as Record<string, string>, peer, later }));
}

/** A method: mostly the ones the route answers, sometimes any. */
function method(...usual: string[]): fc.Arbitrary<string> {
  return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...usual) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS, 'PROPFIND') });
}

function query(values: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc
    .array(fc.tuple(fc.oneof(fc.constantFrom('email', 'limit', 'before', ...PROTO_KEYS), fc.string({ maxLength: 6 })), values, fc.boolean()), { maxLength: 4 })
    .map((pairs) => (pairs.length ? `?${pairs.map(([k, v, raw]) => (raw ? `${k}=${v}` : `${encode(k)}=${encode(v)}`)).join('&')}` : ''));
}

// ---------------------------------------------------------------------------
// Sending and judging.

interface Probe {
  method: string;
  path: string;
  envelope: Envelope;
  /** Headers of the route under test; they win over the envelope's. */
  headers?: Record<string, string>;
  /** Text, raw bytes (not always UTF-8), or nothing. */
  body: string | number[] | undefined;
  /** The step of the flow addressed, for a readable counterexample. */
  at?: string;
}

function send(server: TestServer, probe: Probe): Promise<Response> {
  const headers = Object.fromEntries(Object.entries({ ...probe.envelope.headers, ...probe.headers }).map(([k, v]) => [k, headerSafe(v)]));
  const init: RequestInit = { method: probe.method, headers };
  if (probe.body !== undefined && !['GET', 'HEAD'].includes(probe.method.toUpperCase())) init.body = typeof probe.body === 'string' ? probe.body : new Uint8Array(probe.body);
  return server.request(probe.path, init, probe.envelope.peer);
}

/** A stack frame, a file, a driver or SQL: nothing a client should ever read. */
const LEAKS = [/\bat [\w$.<>[\]]+ \(/, /\bat (?:file|node):/, /\b[A-Z]\w*Error\b/, /Error:/, /node_modules/, /\/work\//, /file:\/\//, /\.[cm]?[jt]s:\d+/, /\bSELECT\b/, /\bINSERT INTO\b/, /\bDELETE FROM\b/, /\bWHERE\b/, /sqlite/i, /kysely/i, /"stack"/, /"cause"/];
const ERROR_KEYS = new Set(['code', 'message', 'field', 'details']);
const PROTOTYPE = Object.getOwnPropertyNames(Object.prototype).sort();

function assertCatalogueError(response: Response, text: string, what: string): ErrorCode {
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/, `not JSON: ${what}`);
  const body = JSON.parse(text) as { error?: Record<string, unknown>; step?: unknown; data?: unknown };
  const error = body.error;
  assert.ok(error && typeof error === 'object', `no error object: ${what}`);
  const code = error.code as ErrorCode;
  assert.ok(typeof code === 'string' && Object.hasOwn(ERROR_CATALOGUE, code), `not a catalogue code: ${what}`);
  assert.equal(response.status, ERROR_CATALOGUE[code].status, `status does not match the code: ${what}`);
  assert.ok(Object.keys(error).every((k) => ERROR_KEYS.has(k)), `unexpected error fields: ${what}`);
  assert.ok(error.field === undefined || typeof error.field === 'string', `field is not a string: ${what}`);
  let judged: unknown = body;
  if (body.step === undefined) {
    // A plain error: exactly `{ error: { code, message, field? } }`, the message the catalogue's.
    assert.deepEqual(Object.keys(body), ['error'], `extra top-level fields: ${what}`);
    assert.equal(error.message, ERROR_CATALOGUE[code].message, `message not from the catalogue: ${what}`);
  } else {
    // A flow shown again with its error; its `data` may echo what the person typed, so it is not judged.
    const { data: _echo, ...rest } = body;
    judged = rest;
  }
  const serialized = JSON.stringify(judged);
  for (const leak of LEAKS) assert.doesNotMatch(serialized, leak, `internals leaked: ${what}`);
  return code;
}

/** With FUZZ_STATS=1, a tally of what the probes met (status, code, target), printed at exit: how deep the fuzz reaches. */
const STATS = process.env.FUZZ_STATS ? new Map<string, number>() : undefined;
if (STATS) process.on('exit', () => console.log([...STATS].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n}\t${k}`).join('\n')));

function tally(probe: Probe, status: number, text: string): void {
  if (!STATS) return;
  const code = /"code":"(\w+)"/.exec(text)?.[1] ?? '';
  const target = probe.at ?? `${probe.method} ${probe.path.split('?')[0]!.split('/').slice(0, 4).join('/').slice(0, 40)}`;
  const key = `${status} ${code} ${target}`;
  STATS.set(key, (STATS.get(key) ?? 0) + 1);
}

/**
 * Restores the fixture (database and clock), then sends the probes one after
 * another (a sequence explores the states the earlier ones reach) and judges
 * every answer.
 */
async function check(server: TestServer, fx: Fixture, probes: Probe | Probe[]): Promise<void> {
  await restore(server.db, fx.snapshot);
  server.clock.now = fx.now;
  for (const probe of Array.isArray(probes) ? probes : [probes]) {
    server.clock.advance(probe.envelope.later ?? 0);
    const before = await securityRows(server.db);
    const response = await send(server, probe);
    const text = await response.text();
    await settle();
    tally(probe, response.status, text);
    const what = `${probe.method} ${probe.path.slice(0, 200)} -> ${response.status} ${text.slice(0, 300)}`;
    assert.ok(response.status < 500, what);
    assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), PROTOTYPE, `Object.prototype polluted: ${what}`);
    if (response.status < 400) continue;
    // A HEAD answer has no body to judge; it must still change nothing.
    const code = probe.method === 'HEAD' ? undefined : assertCatalogueError(response, text, what);
    const after = await securityRows(server.db);
    if (code?.startsWith('passkey_')) {
      // A ceremony's challenge is single use (WebAuthn Level 3 §13.4.3): a refused
      // registration has spent the one it presented. Rows may go, none may appear.
      assert.ok(after.webauthn_challenges!.every((row) => before.webauthn_challenges!.includes(row)), `a challenge appeared: ${what}`);
      before.webauthn_challenges = after.webauthn_challenges!;
    }
    assert.deepEqual(after, before, `a refused request changed a security table: ${what}`);
  }
}

/** Runs one property against its own server and fixture. */
async function fuzz(t: TestContext, probes: (fx: Fixture) => fc.Arbitrary<Probe | Probe[]>, runs = RUNS): Promise<void> {
  const server = await startServer(t, ENV);
  const fx = await prepare(server);
  const replay = process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {};
  await fc.assert(fc.asyncProperty(probes(fx), (probe) => check(server, fx, probe)), { numRuns: runs, seed: SEED, ...replay });
}

// ---------------------------------------------------------------------------
// The properties: one per group of routes.

/** The actions each step offers (some only in some states). */
const STEP_ACTIONS: Record<string, string[]> = {
  email: ['email', 'passkey'],
  password: ['password', 'back', 'passkey', 'forgot'],
  'reset-sent': ['back'],
  'second-factor': ['totp', 'recovery-code', 'passkey', 'sms', 'send-sms'],
  'mfa-prompt': ['enable', 'remind-later'],
  'method-choice': ['choose', 'remind-later', 'skip'],
  'totp-setup': ['totp', 'back'],
  'passkey-setup': ['register', 'back'],
  'verify-email': ['code', 'resend'],
  'sms-setup': ['phone', 'code', 'change-number', 'back'],
  'recovery-code': ['confirm'],
  'set-password': ['password'],
};

/** A route the app answers, and the body fields it reads. */
interface Route {
  method: string;
  path: fc.Arbitrary<string>;
  fields?: string[];
}

/** A probe of one of `routes` (mostly), or of a route's path with any method. */
function probeRoutes(fx: Fixture, routes: Route[], headers: fc.Arbitrary<Record<string, string>> = fc.constant({})): fc.Arbitrary<Probe> {
  return fc.constantFrom(...routes).chain((route) =>
    fc.record({
      method: method(route.method),
      path: route.path,
      envelope: envelope(fx),
      headers,
      body: body(fx, route.fields),
    }),
  );
}

/** Credentials for the session routes: mostly Alice's fresh session (bearer or cookie), sometimes another, a dead or a garbled one. */
function sessionCredentials(fx: Fixture): fc.Arbitrary<Record<string, string>> {
  const token = fc.oneof(fc.constantFrom(fx.sessionToken, ...fx.otherTokens), headerText);
  return fc.oneof<fc.MaybeWeightedArbitrary<Record<string, string>>[]>(
    { weight: 4, arbitrary: fc.constantFrom<Record<string, string>>({ authorization: `Bearer ${fx.sessionToken}` }, { cookie: `${SESSION_COOKIE_NAME}=${fx.sessionToken}` }) },
    { weight: 1, arbitrary: fc.constant<Record<string, string>>({}) },
    { weight: 1, arbitrary: token.map((v) => ({ authorization: `Bearer ${v}` })) },
    { weight: 1, arbitrary: token.map((v) => ({ cookie: `${SESSION_COOKIE_NAME}=${v}` })) },
    { weight: 1, arbitrary: fc.constantFrom<Record<string, string>>({ authorization: `bearer   ${fx.sessionToken}  ` }, { authorization: `Basic ${fx.sessionToken}` }, { authorization: fx.sessionToken }, { authorization: `Bearer ${fx.sessionToken} x` }) },
    { weight: 1, arbitrary: headerText.map((v) => ({ authorization: v })) },
  );
}

describe('fuzz: every route answers bad input with a catalogue 4xx and changes nothing it must not', () => {
  it('POST /api/flows/{kind}: login, activate, reset and kinds that do not exist', async (t) => {
    await fuzz(t, (fx) =>
      probeRoutes(fx, [
        { method: 'POST', path: fc.constantFrom('/api/flows/login', '/api/flows/activate', '/api/flows/reset'), fields: ['token'] },
        {
          method: 'POST',
          path: fc
            .tuple(fc.oneof(fc.constantFrom('LOGIN', 'login ', 'login%00', 'signup', 'login/', '', ...PROTO_KEYS), segment), fc.constantFrom('', '?kind=login', '/'))
            .map(([kind, tail]) => `/api/flows/${kind}${tail}`),
          fields: ['token'],
        },
      ]),
    );
  });

  it('POST /api/flows/{id}/{action} and /api/flows/-/{action} with X-Flow-Id, on flows at every step', async (t) => {
    await fuzz(
      t,
      (fx) => {
        const flow = fc.oneof(
          { weight: 8, arbitrary: fc.constantFrom(...fx.flows) },
          { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{22,64}$/).map((id) => ({ at: 'random id', id })) },
          { weight: 1, arbitrary: segment.map((id) => ({ at: 'garbage id', id })) },
        );
        return flow.chain((target) => {
          // Mostly an action the step has, so the body reaches its schema and the action itself.
          const own = STEP_ACTIONS[target.at.split(' ')[0]!] ?? ACTIONS;
          const action = fc.oneof(
            { weight: 6, arbitrary: fc.constantFrom(...own) },
            { weight: 2, arbitrary: fc.constantFrom(...ACTIONS) },
            { weight: 1, arbitrary: fc.oneof(fc.constantFrom(...PROTO_KEYS, 'EMAIL', 'email ', 'email%2F..'), segment) },
          );
          // A new password takes no remembered-device token.
          const fields = (name: string) => (target.at.startsWith('set-password') ? ['password'] : Object.hasOwn(ACTION_FIELDS, name) ? ACTION_FIELDS[name]! : []);
          const probe = fc
            .record({ method: method('POST'), action, inHeader: fc.boolean(), envelope: envelope(fx) })
            .chain((probe) => body(fx, fields(probe.action)).map((body) => ({ ...probe, body })))
            .map(({ method, action, inHeader, envelope, body }): Probe => ({
              method,
              path: inHeader ? `/api/flows/-/${action}` : `/api/flows/${target.id}/${action}`,
              envelope,
              headers: inHeader ? { 'x-flow-id': target.id } : {},
              body,
              at: target.at,
            }));
          // A few actions on the same flow: later ones meet the steps the first ones reached.
          return fc.array(probe, { minLength: 1, maxLength: 4 });
        });
      },
      RUNS * 4,
    );
  });

  it('/api/session, /api/devices and /api/passkeys with random credentials, ids and bodies', async (t) => {
    await fuzz(t, (fx) => {
      const id = fc.oneof(fc.constantFrom(fx.passkeyId, fx.deviceId, fx.passkeyId.toUpperCase(), `${fx.passkeyId}x`), fc.uuid(), segment);
      const under = (base: string) => id.map((v) => `${base}${v}`);
      return probeRoutes(
        fx,
        [
          { method: 'GET', path: fc.constantFrom('/api/session', '/api/session/') },
          { method: 'DELETE', path: fc.constantFrom('/api/session', '/api/session/') },
          { method: 'GET', path: fc.constant('/api/devices') },
          { method: 'DELETE', path: fc.constant('/api/devices') },
          { method: 'DELETE', path: under('/api/devices/') },
          { method: 'GET', path: fc.constant('/api/passkeys') },
          { method: 'PATCH', path: under('/api/passkeys/'), fields: ['name'] },
          { method: 'DELETE', path: under('/api/passkeys/') },
          { method: 'GET', path: under('/api/session/') },
        ],
        sessionCredentials(fx),
      );
    });
  });

  it('/api/account with random credentials, ids and bodies, from a fresh session and a stale one', async (t) => {
    await fuzz(t, (fx) => {
      const id = fc.oneof(fc.constantFrom(...fx.factorIds, ...fx.sessionIds, fx.passkeyId, fx.deviceId, `${fx.factorIds[0]}x`, fx.sessionIds[0]!.toLowerCase()), fc.uuid(), segment);
      const under = (base: string) => id.map((v) => `${base}${v}`);
      return probeRoutes(
        fx,
        [
          { method: 'GET', path: fc.constantFrom('/api/account', '/api/account/') },
          { method: 'POST', path: fc.constant('/api/account/password'), fields: ['current', 'password', 'signOutOthers'] },
          { method: 'DELETE', path: under('/api/account/factors/') },
          { method: 'POST', path: fc.constant('/api/account/recovery-code') },
          { method: 'POST', path: fc.constant('/api/account/mfa/disable') },
          { method: 'GET', path: fc.constant('/api/account/sessions') },
          { method: 'DELETE', path: under('/api/account/sessions/') },
          { method: 'POST', path: fc.constant('/api/account/sessions/sign-out-others') },
          { method: 'GET', path: under('/api/account/') },
        ],
        sessionCredentials(fx),
      );
    }, RUNS * 2);
  });

  it('/api/admin/* with random keys, paths, query strings and bodies', async (t) => {
    await fuzz(t, (fx) => {
      const key = fc.oneof(
        { weight: 12, arbitrary: fc.constantFrom(`Bearer ${ADMIN_KEY}`, `bearer ${ADMIN_KEY}`, `BEARER ${ADMIN_KEY}`) },
        { weight: 2, arbitrary: fc.constantFrom(`Bearer  ${ADMIN_KEY}`, `Bearer ${ADMIN_KEY} `, `Bearer ${ADMIN_KEY.slice(0, -1)}`, `Bearer ${ADMIN_KEY}x`, `Basic ${Buffer.from(`admin:${ADMIN_KEY}`).toString('base64')}`, ADMIN_KEY, 'Bearer', 'Bearer ', `Bearer ${'k'.repeat(10_000)}`) },
        { weight: 1, arbitrary: headerText.map((v) => `Bearer ${v}`) },
        { weight: 1, arbitrary: headerText },
      );
      const values = fc.oneof(fc.constantFrom(...fx.secrets, ...fx.auditIds, '0', '-1', '1', '1000', '1001', '1e3', '1.5', ' 5', '0x10', 'Infinity', '9999999999999999', '99999999999999999999', ''), text);
      const headers = sometimes(key, 7, 8).map((authorization): Record<string, string> => (authorization === undefined ? {} : { authorization }));
      // A company made first (`acme`), so the company routes reach their writes, not only their 404.
      const company = (tail: string) => fc.oneof(fc.constantFrom('acme', 'ACME', 'acme-', 'nobody'), segment).map((org) => `/api/admin/organizations/${org}${tail}`);
      const acme: Probe = { method: 'POST', path: '/api/admin/organizations', envelope: { headers: { 'content-type': 'application/json' } }, headers: { authorization: `Bearer ${ADMIN_KEY}` }, body: '{"name":"Acme","slug":"acme"}' };
      return probeRoutes(
        fx,
        [
          { method: 'GET', path: query(values).map((q) => `/api/admin/users${q}`) },
          { method: 'POST', path: fc.constant('/api/admin/users/invite'), fields: ['email', 'name', 'locale'] },
          { method: 'POST', path: fc.constant('/api/admin/users/reset-mfa'), fields: ['email'] },
          { method: 'POST', path: fc.constant('/api/admin/users/disable'), fields: ['email'] },
          { method: 'GET', path: query(values).map((q) => `/api/admin/audit${q}`) },
          { method: 'GET', path: fc.tuple(fc.oneof(fc.constantFrom('', 'users/', 'USERS', 'users/invite/x', '..'), segment), query(values)).map(([route, q]) => `/api/admin/${route}${q}`), fields: ['email'] },
          { method: 'GET', path: fc.constant('/api/admin/organizations') },
          { method: 'POST', path: fc.constant('/api/admin/organizations'), fields: ['name', 'slug', 'mfaRequiredFrom'] },
          { method: 'GET', path: company('') },
          { method: 'PATCH', path: company(''), fields: ['name', 'mfaRequiredFrom'] },
          { method: 'DELETE', path: company('') },
          { method: 'POST', path: company('/members'), fields: ['email', 'role'] },
          { method: 'DELETE', path: company('/members'), fields: ['email'] },
          { method: 'PUT', path: company('/sso'), fields: ['name', 'issuer', 'clientId', 'clientSecret', 'domains'] },
          { method: 'DELETE', path: company('/sso') },
        ],
        headers,
      ).map((probe) => [acme, probe]);
    });
  });

  it('every route, the health check, /.well-known, the dev outbox and paths that lead nowhere, with any method and headers', async (t) => {
    await fuzz(t, (fx) => {
      const path = fc.oneof(
        fc.constantFrom(
          '/api/health', '/api/health/', '/.well-known/jwks.json', '/.well-known/webauthn', '/.well-known/', '/dev/outbox', '/dev/outbox.json', '/dev/outbox/', '/api/flows', '/api/flows/',
          '/api/flows/login', '/api/session', '/api/devices', '/api/passkeys', '/api/account', '/api/account/sessions', '/api/admin/users', '/api', '/', '//api/health', '/api//health', '/API/HEALTH', '/api/health%00', '/.well-known/jwks.json/..',
        ),
        fc.oneof(fc.constantFrom(...fx.outboxIds), fc.uuid(), fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF-'), maxLength: 40 }), segment).map((id) => `/dev/outbox/${id}.html`),
        fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => `/${parts.join('/')}`),
        fc.tuple(fc.constantFrom('/api/', '/.well-known/', '/dev/'), segment).map(([base, rest]) => `${base}${rest}`),
      );
      // The name the browser asked for: the dev outbox answers only this machine's (DNS rebinding).
      const host = fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom('localhost:3000', '127.0.0.1:3000', '[::1]:3000') },
        { weight: 1, arbitrary: fc.oneof(fc.constantFrom('rebind.evil.test', 'localhost.evil.test:3000', 'LOCALHOST:3000'), headerText) },
      );
      return fc.record({ method: fc.constantFrom(...METHODS, 'PROPFIND'), path, envelope: envelope(fx), body: body(fx), headers: host.map((name) => ({ host: name })) });
    });
  });
});
