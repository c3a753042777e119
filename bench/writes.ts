/*
 * Store writes per complete login, counted where the store sees them: the
 * real app (createApp) in this process on a fresh store of each kind, its
 * Kysely dialect wrapped by test/support/write-counter.ts (a transaction that
 * wrote is one write when it commits, and so is a write statement outside a
 * transaction; reads and rolled-back work count nothing).
 *
 * One account with a password and a confirmed authenticator signs in
 * (start, email, password, authenticator code) once to warm up, uncounted
 * (first-use work such as a signing key), then LOGINS times, counted. The
 * app's clock is the bench's: each login runs at its own instant, minutes
 * apart, so each authenticator code is of a fresh time step (the server
 * accepts each step once per credential) and outside the drift window of the
 * one before.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { createApp } from '../server/app.js';
import { loadConfig } from '../server/config.js';
import { createTotpSecret, TOTP_DIGITS, TOTP_PERIOD_SECONDS } from '../server/factors/totp.js';
import { seal } from '../server/security/secrets.js';
import { openStore } from '../server/store/index.js';
import { createUser } from '../server/users.js';
import { createDatabase, type PostgresCluster } from '../test/support/postgres.js';
import { countWrites, type WriteCounter } from '../test/support/write-counter.js';
import type { StoreKind } from './fill.js';

/** Complete logins counted per store. */
export const LOGINS = 3;
/** Time between two logins on the app's clock: ten TOTP steps (5 min), far outside the drift window. */
const LOGIN_SPACING_MS = 10 * TOTP_PERIOD_SECONDS * 1000;
/** A write may land after the answer (a notice's delivery): a login is over once no write came for this long. */
const QUIET_MS = 100;
const QUIET_MAX_MS = 3000;

export interface WriteCount {
  kind: StoreKind;
  logins: number;
  /** Committed writes of each counted login, in order. */
  perLogin: number[];
  /** Each counted login's writes as the counter logged them (a transaction's statements joined by '; '). */
  logs: string[][];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the counter has seen no new write for QUIET_MS (at most QUIET_MAX_MS). */
async function quiet(counter: WriteCounter): Promise<void> {
  const until = performance.now() + QUIET_MAX_MS;
  let seen = counter.writes;
  while (performance.now() < until) {
    await sleep(QUIET_MS);
    if (counter.writes === seen) return;
    seen = counter.writes;
  }
}

/** Counts the store writes of LOGINS complete logins on a fresh store of `kind` (PostgreSQL: a new database in `cluster`). */
export async function countLoginWrites(kind: StoreKind, password: string, cluster?: PostgresCluster): Promise<WriteCount> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lf-bench-writes-'));
  const database = kind === 'postgres' ? await createDatabase(cluster!.url) : undefined;
  const counter: WriteCounter = { writes: 0, log: [] };
  const config = loadConfig({
    DATA_DIR: dataDir,
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    // As the load runs: 2FA optional, and every account here has a factor, so the second-factor step comes anyway.
    MFA_REQUIRED_FROM: 'never',
    ...(database ? { DATABASE_URL: database.url } : {}),
  });
  const db = await openStore(config, { wrap: (dialect) => countWrites(dialect, counter).dialect });
  try {
    let now = Date.now();
    const { app, context } = createApp({ config, db, now: () => now });

    // One account as bench/fill.ts makes them: createUser, and a confirmed authenticator sealed as the login flow seals it.
    const email = 'writes@example.com';
    const user = await createUser(db, config, { email, password, now });
    const secret = createTotpSecret();
    const credentialId = randomUUID();
    await db
      .insertInto('credentials')
      .values({ id: credentialId, user_id: user.id, type: 'totp', secret: seal(context.secretKey, secret, `totp:${credentialId}`), name: 'Authenticator app', created_at: now, confirmed_at: now, last_used_at: null, last_step: null })
      .execute();
    const totp = new TOTP({ algorithm: 'SHA1', digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS, secret: Secret.fromBase32(secret) });

    const post = async (path: string, body: unknown, flowId?: string): Promise<{ status: number; body: { id?: string; step?: string; error?: { code?: string } } }> => {
      const response = await app.request(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(flowId ? { 'x-flow-id': flowId } : {}) },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as { id?: string; step?: string; error?: { code?: string } } };
    };
    const expect = (answer: Awaited<ReturnType<typeof post>>, status: number, step: string, action: string) => {
      if (answer.status !== status || answer.body.step !== step) {
        throw new Error(`${kind}: ${action} answered ${answer.status} ${answer.body.error?.code ?? `step ${answer.body.step}`}, expected ${status} ${step}`);
      }
      return answer;
    };
    /** The four requests of bench/logins.ts, in one instant of the app's clock. */
    const login = async (): Promise<void> => {
      now += LOGIN_SPACING_MS;
      const id = expect(await post('/api/flows/login', {}), 201, 'email', 'start').body.id!;
      expect(await post('/api/flows/-/email', { email }, id), 200, 'password', 'email');
      expect(await post('/api/flows/-/password', { password }, id), 200, 'second-factor', 'password');
      expect(await post('/api/flows/-/totp', { code: totp.generate({ timestamp: now }) }, id), 200, 'done', 'totp');
      await quiet(counter);
    };

    await login();
    counter.writes = 0;
    counter.log.length = 0;
    const perLogin: number[] = [];
    const logs: string[][] = [];
    for (let i = 0; i < LOGINS; i++) {
      const [writes, logged] = [counter.writes, counter.log.length];
      await login();
      perLogin.push(counter.writes - writes);
      logs.push(counter.log.slice(logged));
    }
    return { kind, logins: LOGINS, perLogin, logs };
  } finally {
    await db.destroy();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
