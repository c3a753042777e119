/*
 * Shared set-up for the in-process server tests: a fresh data directory, a real
 * SQLite file, the real app and a clock the test moves by hand.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { Hono } from 'hono';
import { createApp } from '../../server/app.js';
import { loadConfig, type Config, type Environment } from '../../server/config.js';
import type { AppContext } from '../../server/context.js';
import { ERROR_CATALOGUE, type ErrorCode } from '../../server/errors.js';
import type { ErrorResponse, FlowState, SessionGrant } from '../../server/flows/protocol.js';
import type { Logger } from '../../server/log.js';
import { openStore, type Db } from '../../server/store/index.js';
import { createUser, type UserSummary } from '../../server/users.js';
import { createDatabase } from '../support/postgres.js';
import { countWrites, type WriteCounter } from '../support/write-counter.js';

/** A fixed start, so two servers started in one test answer with identical timestamps. */
export const START = Date.UTC(2031, 0, 15, 9, 0, 0);

export const MINUTE = 60_000;

/** Meets the default (seeds) policy and is not on the blocklist. */
export const PASSWORD = 'Correct-Horse-9-Battery';
export const WRONG_PASSWORD = 'Incorrect-Horse-9-Battery';
export const EMAIL = 'alice@example.com';

export interface Clock {
  now: number;
  advance(ms: number): void;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  /** The socket's remote address; without it the request has no socket, as `app.request` makes it. */
  peer?: string;
}

export interface TestServer {
  dir: string;
  config: Config;
  db: Db;
  app: Hono;
  context: AppContext;
  clock: Clock;
  /** `app.request` with an optional socket address for the client. */
  request(path: string, init?: RequestInit, peer?: string): Promise<Response>;
  /** POSTs `body` as JSON (nothing when `body` is undefined). */
  post(path: string, body?: unknown, options?: RequestOptions): Promise<Response>;
  close(): Promise<void>;
}

/** What `@hono/node-server/conninfo` reads: `env.incoming.socket`. */
export function socketEnv(address: string): { incoming: { socket: { remoteAddress: string; remotePort: number; remoteFamily: string } } } {
  return { incoming: { socket: { remoteAddress: address, remotePort: 1, remoteFamily: isIP(address) === 6 ? 'IPv6' : 'IPv4' } } };
}

/**
 * Starts a fresh server: new temp directory, new SQLite file, new app, clock at
 * `START`. Registers its own clean-up on the test, so each test owns its state.
 */
export async function startServer(t: TestContext, env: Environment = {}, { log, writes }: { log?: Logger; /** Counts the store's committed writes. */ writes?: WriteCounter } = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'lf-'));
  // 2FA optional, passkeys and the approver off unless a test says otherwise: each suite tests its own factor.
  // With TEST_DATABASE_URL (test/support/with-postgres.ts), each test gets its own PostgreSQL database.
  const database = process.env.TEST_DATABASE_URL ? await createDatabase(process.env.TEST_DATABASE_URL, { template: process.env.TEST_DATABASE_TEMPLATE }) : undefined;
  const config = loadConfig({
    DATA_DIR: dir,
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    MFA_REQUIRED_FROM: 'never',
    PASSKEYS: 'false',
    SMS: 'off',
    APPROVER: 'false',
    ...(database ? { DATABASE_URL: database.url } : {}),
    ...env,
  });
  const db = await openStore({ dataDir: dir, databaseUrl: config.databaseUrl }, writes ? { wrap: (dialect) => countWrites(dialect, writes).dialect } : {});
  const clock: Clock = {
    now: START,
    advance(ms) {
      this.now += ms;
    },
  };
  const { app, context } = createApp({ config, db, now: () => clock.now, ...(log ? { log } : {}) });
  let closed = false;
  const server: TestServer = {
    dir,
    config,
    db,
    app,
    context,
    clock,
    request: async (path, init, peer) => app.request(path, init, peer === undefined ? undefined : socketEnv(peer)),
    post: (path, body, { headers = {}, peer } = {}) =>
      server.request(
        path,
        {
          method: 'POST',
          headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        },
        peer,
      ),
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
      await database?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  t.after(() => server.close());
  return server;
}

/** Creates an active user with a password (one argon2id hash). */
export function addUser(server: TestServer, email = EMAIL, password = PASSWORD): Promise<UserSummary> {
  return createUser(server.db, server.config, { email, password, now: server.clock.now });
}

export async function bodyOf<T>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

/** Starts a login flow and returns its state. */
export async function startLogin(server: TestServer, options: RequestOptions = {}): Promise<FlowState> {
  const response = await server.post('/api/flows/login', undefined, options);
  assert.equal(response.status, 201);
  return bodyOf<FlowState>(response);
}

/** Posts one action to a flow. */
export function act(server: TestServer, id: string, action: string, body?: unknown, options: RequestOptions = {}): Promise<Response> {
  return server.post(`/api/flows/${id}/${action}`, body, options);
}

/** At `method-choice`, chooses a method; returns the set-up step it leads to. */
export async function chooseMethod(server: TestServer, flow: FlowState, method: 'totp' | 'passkey' | 'sms' = 'totp'): Promise<FlowState> {
  assert.equal(flow.step, 'method-choice', `expected step method-choice, got ${flow.step} (${JSON.stringify(flow.error)})`);
  const next = await bodyOf<FlowState>(await act(server, flow.id, 'choose', { method }));
  assert.equal(next.step, `${method}-setup`, JSON.stringify(next.error));
  return next;
}

/** After the first method: skips the offer of a backup method when it comes; returns the step after it. */
export async function skipBackup(server: TestServer, flow: FlowState): Promise<FlowState> {
  if (flow.step !== 'method-choice' || !flow.data.backup) return flow;
  return bodyOf<FlowState>(await act(server, flow.id, 'skip', {}));
}

/** Starts a login flow and enters an email; returns the flow id, now at the password step. */
export async function reachPassword(server: TestServer, email = EMAIL, options: RequestOptions = {}): Promise<string> {
  const flow = await startLogin(server, options);
  const response = await act(server, flow.id, 'email', { email }, options);
  assert.equal(response.status, 200);
  const next = await bodyOf<FlowState>(response);
  assert.equal(next.step, 'password');
  return flow.id;
}

/** A whole login in a new flow; returns the response of the password step. */
export async function signIn(server: TestServer, email = EMAIL, password = PASSWORD, options: RequestOptions = {}): Promise<Response> {
  const id = await reachPassword(server, email, options);
  return act(server, id, 'password', { password }, options);
}

/** The session grant of a `done` flow; fails the test for any other step. */
export function grantOf(flow: FlowState): SessionGrant {
  assert.equal(flow.step, 'done', `expected step done, got ${flow.step} (${JSON.stringify(flow.error)})`);
  if (flow.step !== 'done') throw new Error('unreachable');
  return flow.data.session;
}

/** Signs in and returns the grant (it carries `token` only when the server runs with `SESSION_COOKIE=false`). */
export async function signInForGrant(server: TestServer, email = EMAIL, password = PASSWORD): Promise<SessionGrant> {
  const response = await signIn(server, email, password);
  assert.equal(response.status, 200);
  return grantOf(await bodyOf<FlowState>(response));
}

/** The error code of a response, whether it is an error body or a flow with an error. */
export async function errorCodeOf(response: Response): Promise<ErrorCode | undefined> {
  const body = await bodyOf<Partial<ErrorResponse> & Partial<FlowState>>(response);
  return body.error?.code;
}

/** Asserts the status and the catalogue code of a response, and that the two agree. */
export async function assertError(response: Response, code: ErrorCode): Promise<void> {
  const actual = await errorCodeOf(response);
  assert.equal(actual, code);
  assert.equal(response.status, ERROR_CATALOGUE[code].status);
}

/** The value of a `Set-Cookie` header for `name`, if one was set. */
export function setCookieFor(response: Response, name: string): string | undefined {
  return response.headers.getSetCookie().find((cookie) => cookie.startsWith(`${name}=`));
}

export const SESSION_COOKIE_NAME = '__Host-lf_session';

/** The session token from the `Set-Cookie` of a `done` response. */
export function sessionCookieToken(response: Response): string {
  const cookie = setCookieFor(response, SESSION_COOKIE_NAME);
  assert.ok(cookie, 'expected a session cookie');
  return cookie.slice(SESSION_COOKIE_NAME.length + 1).split(';')[0]!;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
