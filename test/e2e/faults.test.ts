/*
 * Faults against real `login-flow serve` processes: kill -9 and a restart on
 * the same data, the database going away under a running API, and SIGTERM
 * with requests in flight.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import pg from 'pg';
import type { FlowState } from '../../server/flows/protocol.js';
import { createDatabase, postgresAvailable, startPostgres, type PostgresCluster } from '../support/postgres.js';
import { act, api, errorCode, reachPassword, runCli, secretKey, sessionToken, signIn, startServer, type ServerProcess } from './helpers.js';

const PASSWORD = 'Correct-Horse-42-Battery';
const WRONG_PASSWORD = 'Incorrect-Horse-42-Battery';
const TOTP_PERIOD_MS = 30_000;

/** The settings every server here runs with: the token in the body (no cookie jar needed), no SMS or passkey steps. */
function baseEnv(): Record<string, string> {
  return { SECRET_KEY: secretKey(), SESSION_COOKIE: 'false', SMS: 'off', PASSKEYS: 'false', MFA_REQUIRED_FROM: 'never' };
}

function totp(secret: string): TOTP {
  return new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' });
}

/** Resolves once `fn` returns true, polling; fails after `ms`. */
async function eventually(what: string, fn: () => Promise<boolean>, { ms = 10_000, every = 100 }: { ms?: number; every?: number } = {}): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await fn().catch(() => false)) return;
    if (Date.now() > deadline) assert.fail(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}

/** Whether a new TCP connection to the port is refused (nobody listens). */
function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, 'localhost');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

/** Posts one action and expects the next step. */
async function step(base: string, flowId: string, action: string, body: unknown, expected: FlowState['step']): Promise<FlowState> {
  const response = await act(base, flowId, action, body);
  assert.equal(response.body.step, expected, `${action}: ${response.status} ${JSON.stringify(response.body.error ?? response.body)}`);
  return response.body;
}

/** From the 2FA prompt to authenticator set-up: enable, then choose the app. */
async function startTotpSetup(base: string, id: string): Promise<string> {
  await step(base, id, 'enable', {}, 'method-choice');
  const setup = await step(base, id, 'choose', { method: 'totp' }, 'totp-setup');
  if (setup.step !== 'totp-setup') throw new Error('unreachable');
  return setup.data.secret;
}

/** Confirms set-up with a code; the backup method offered next (when one is left) is skipped. */
async function confirmTotpSetup(base: string, id: string, secret: string): Promise<FlowState> {
  const confirmed = (await act(base, id, 'totp', { code: totp(secret).generate() })).body;
  const next = confirmed.step === 'method-choice' ? (await act(base, id, 'skip', {})).body : confirmed;
  assert.equal(next.step, 'recovery-code', JSON.stringify(next));
  return next;
}

/**
 * Signs in through the 2FA prompt and sets up the authenticator app
 * (prompt → enable → method choice → totp-setup → recovery code → done).
 * Returns the secret and the session; the code that confirmed set-up spent its time step.
 */
async function enrollTotp(base: string, email: string): Promise<{ secret: string; token: string }> {
  const id = await reachPassword(base, email);
  await step(base, id, 'password', { password: PASSWORD }, 'mfa-prompt');
  const secret = await startTotpSetup(base, id);
  await confirmTotpSetup(base, id, secret);
  const done = await step(base, id, 'confirm', { saved: true }, 'done');
  return { secret, token: sessionToken(done) };
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`kill -9 in the middle of sign-ins, then a restart on the same data (${backend})`, { skip: backend === 'postgres' && !postgresAvailable() }, () => {
    const ALICE = 'alice@example.com';
    const BOB = 'bob@example.com';
    let cluster: PostgresCluster | undefined;
    let server: ServerProcess;
    /** Issued before the kill. */
    let sessions: string[];
    /** Left at the password step before the kill. */
    let openFlow: string;
    /** Accepted at the second factor before the kill. */
    let spentCode: { secret: string; code: string };

    before(async () => {
      // Prompted for 2FA (a date ahead) so Alice can enable it; three failures per window.
      const env: Record<string, string> = { ...baseEnv(), MFA_REQUIRED_FROM: '2040-01-01', ACCOUNT_MAX_FAILURES: '3' };
      if (backend === 'postgres') {
        cluster = await startPostgres();
        env.DATABASE_URL = (await createDatabase(cluster.url)).url;
      }
      server = await startServer(env);
      await Promise.all([ALICE, BOB].map((email) => runCli(['user', 'create', '--email', email, '--password', PASSWORD], { ...env, DATA_DIR: server.dataDir })));

      const enrolled = await enrollTotp(server.url, ALICE);
      // The next time step: set-up spent this one.
      const code = totp(enrolled.secret).generate({ timestamp: Date.now() + TOTP_PERIOD_MS });
      const challenge = await reachPassword(server.url, ALICE);
      await step(server.url, challenge, 'password', { password: PASSWORD }, 'second-factor');
      const done = await step(server.url, challenge, 'totp', { code }, 'done');
      sessions = [enrolled.token, sessionToken(done)];
      spentCode = { secret: enrolled.secret, code };

      openFlow = await reachPassword(server.url, ALICE);
      const failing = await reachPassword(server.url, BOB);
      for (let i = 0; i < 2; i++) assert.equal((await act(server.url, failing, 'password', { password: WRONG_PASSWORD })).status, 401);

      await server.stop('SIGKILL');
      assert.equal((await server.exited).signal, 'SIGKILL');
      server = await startServer(env, { port: server.port, dataDir: server.dataDir });
    });
    after(async () => {
      await server?.stop();
      cluster?.stop();
    });

    it('keeps the sessions issued before the kill', async () => {
      for (const token of sessions) {
        const response = await api<{ user: { email: string } }>(server.url, 'GET', '/api/session', { token });
        assert.equal(response.status, 200);
        assert.equal(response.body.user.email, ALICE);
      }
    });

    it('continues a flow started before the kill, with the authenticator enrolled before it', async () => {
      const next = await step(server.url, openFlow, 'password', { password: PASSWORD }, 'second-factor');
      if (next.step !== 'second-factor') return;
      assert.ok(next.data.methods.includes('totp'), `methods: ${next.data.methods.join(',')}`);
    });

    it('still refuses a TOTP code accepted before the kill', async () => {
      const challenge = await reachPassword(server.url, ALICE);
      await step(server.url, challenge, 'password', { password: PASSWORD }, 'second-factor');
      // The code is still inside the accepted window: only the record of its use refuses it.
      assert.notEqual(totp(spentCode.secret).validate({ token: spentCode.code, window: 1 }), null, 'the code has left the window; the test ran too slowly');
      const replay = await act(server.url, challenge, 'totp', { code: spentCode.code });
      assert.equal(replay.status, 401);
      assert.equal(replay.body.step, 'second-factor');
      assert.deepEqual(replay.body.error, { code: 'invalid_code', field: 'code' });
    });

    it('counts the failed passwords from before the kill: 2 before, 1 after, then 429', async () => {
      const id = await reachPassword(server.url, BOB);
      const third = await act(server.url, id, 'password', { password: WRONG_PASSWORD });
      assert.equal(third.status, 401);
      assert.equal(third.body.error?.code, 'invalid_credentials');
      // Even the right password: the account has spent its attempts.
      const fourth = await act(server.url, id, 'password', { password: PASSWORD });
      assert.equal(fourth.status, 429);
      assert.equal(fourth.body.error?.code, 'rate_limited');
      assert.ok(Number(fourth.headers.get('retry-after')) > 0);
    });
  });
}

describe('PostgreSQL going away under a running API', { skip: !postgresAvailable() }, () => {
  const EMAIL = 'carol@example.com';
  let cluster: PostgresCluster;
  let databaseUrl: string;
  let server: ServerProcess;

  before(async () => {
    cluster = await startPostgres();
    databaseUrl = (await createDatabase(cluster.url)).url;
    const env = { ...baseEnv(), DATABASE_URL: databaseUrl };
    server = await startServer(env);
    await runCli(['user', 'create', '--email', EMAIL, '--password', PASSWORD], { ...env, DATA_DIR: server.dataDir });
  });
  after(async () => {
    await server?.stop();
    cluster?.stop();
  });

  /**
   * What the store holds that a password step could change. The test cluster
   * commits asynchronously (synchronous_commit=off), which a crash of the
   * cluster may undo: a checkpoint first makes what is committed durable.
   */
  async function snapshot(): Promise<{ limits: unknown[]; sessions: number }> {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query('checkpoint');
      // The health check's own row (it writes to tell a full disk) is no attempt.
      const limits = (await client.query("select key, count::int, reset_at::text from rate_limits where key <> 'store:health' order by key")).rows;
      const sessions = Number((await client.query('select count(*) from sessions')).rows[0].count);
      return { limits, sessions };
    } finally {
      await client.end();
    }
  }

  it('answers 503 store_unavailable while it is down, spends nothing, and serves again once it is back', async () => {
    const pid = server.process.pid;
    // One failure on record, so there is a counter the outage must not move.
    const failed = await reachPassword(server.url, EMAIL);
    assert.equal((await act(server.url, failed, 'password', { password: WRONG_PASSWORD })).status, 401);
    const flow = await reachPassword(server.url, EMAIL);
    const before = await snapshot();
    assert.equal(before.limits.length > 0, true);

    cluster.pause();
    try {
      const password = await act(server.url, flow, 'password', { password: PASSWORD });
      assert.equal(password.status, 503);
      assert.equal(errorCode(password), 'store_unavailable');
      assert.ok(Number(password.headers.get('retry-after')) > 0, 'Retry-After');
      // Opening the sign-in touches no store; its first action does, and is refused.
      const start = await api<{ id: string }>(server.url, 'POST', '/api/flows/login');
      assert.equal(start.status, 201);
      const email = await act(server.url, start.body.id, 'email', { email: EMAIL });
      assert.equal(email.status, 503);
      assert.equal(errorCode(email), 'store_unavailable');
      const health = await api(server.url, 'GET', '/api/health');
      assert.equal(health.status, 503);
      assert.equal(errorCode(health), 'store_unavailable');
      assert.ok(health.headers.get('retry-after'));
    } finally {
      cluster.resume();
    }

    await eventually('/api/health answers 200', async () => (await api(server.url, 'GET', '/api/health')).status === 200);
    assert.equal(server.process.exitCode, null, 'the same process serves');
    assert.equal(server.process.pid, pid);
    assert.deepEqual(await snapshot(), before, 'no attempt spent, no session issued');

    // The flow from before the outage completes, and so does a new one.
    const done = await act(server.url, flow, 'password', { password: PASSWORD });
    assert.equal(done.status, 200);
    const token = sessionToken(done.body);
    assert.equal((await api(server.url, 'GET', '/api/session', { token })).status, 200);
    assert.equal((await api(server.url, 'GET', '/api/session', { token: await signIn(server.url, EMAIL, PASSWORD) })).status, 200);
  });
});

describe('SIGTERM with requests in flight', () => {
  const EMAIL = 'demo@example.com';
  const CONCURRENT = 20;

  it('finishes every request in flight, refuses new connections, and exits 0', async () => {
    // Every attempt counts against the account until its success clears it: 20 at once need room.
    const env = { ...baseEnv(), DEMO_PASSWORD: PASSWORD, ACCOUNT_MAX_FAILURES: '100' };
    let server = await startServer(env);
    const flows = await Promise.all(Array.from({ length: CONCURRENT }, () => reachPassword(server.url, EMAIL)));

    // Each password costs an argon2id hash: 20 at once keep both cores busy for a while.
    let answered = 0;
    const posts = flows.map((id) =>
      act(server.url, id, 'password', { password: PASSWORD }).then((response) => {
        answered++;
        return { response, at: performance.now() };
      }),
    );
    await Promise.race(posts);
    assert.equal(await connectionRefused(server.port), false, 'the probe connects while the server listens');
    // One request surely in flight across the signal: its headers and half its body are in, the rest comes after.
    const slow = connect(server.port, 'localhost');
    await new Promise<void>((resolve) => slow.once('connect', resolve));
    let reply = '';
    slow.on('data', (chunk: Buffer) => (reply += chunk.toString()));
    const slowClosed = new Promise<void>((resolve) => slow.once('close', () => resolve()));
    slow.write('POST /api/flows/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{');
    // The server has the request once it answers another one sent after it.
    assert.equal((await api(server.url, 'GET', '/api/health')).status, 200);
    const signalled = performance.now();
    server.process.kill('SIGTERM');
    // The listening socket closes at once: poll until a new connection is refused.
    await eventually('a new connection is refused', () => connectionRefused(server.port), { ms: 2_000, every: 2 });
    // The request that was in flight when the door closed still completes, with its full answer.
    slow.write('}');
    await slowClosed;
    assert.match(reply, /^HTTP\/1\.1 201 /, reply.slice(0, 200));
    assert.match(reply, /connection: close/i);

    const results = await Promise.all(posts);
    const exit = await server.exited;
    const stoppedIn = performance.now() - signalled;
    assert.deepEqual(exit, { code: 0, signal: null });
    // fetch keeps its connections alive: they must not hold the process open
    // (without `Connection: close` on the last responses it waits about 3 s for the client to let go).
    assert.ok(stoppedIn < 2_000, `exited ${Math.round(stoppedIn)} ms after SIGTERM`);
    assert.equal(answered, CONCURRENT);

    const tokens = results.map(({ response }) => {
      assert.equal(response.status, 200);
      return sessionToken(response.body);
    });
    assert.equal(new Set(tokens).size, CONCURRENT);
    // Each of those sessions was committed before the process exited.
    server = await startServer(env, { port: server.port, dataDir: server.dataDir });
    try {
      for (const token of tokens) assert.equal((await api(server.url, 'GET', '/api/session', { token })).status, 200);
    } finally {
      await server.stop();
    }
  });

  it('closes a connection still busy at the shutdown timeout, then exits 0', async () => {
    const server = await startServer(baseEnv(), { args: ['--shutdown-timeout', '1'] });
    // A client that sends its headers and half its body, then stalls: a request in flight that never ends.
    const socket = connect(server.port, 'localhost');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now())));
    socket.on('error', () => undefined);
    socket.write('POST /api/flows/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{');
    // The request is in the server's hands once it answers another request after it on a second connection.
    assert.equal((await api(server.url, 'GET', '/api/health')).status, 200);

    const signalled = performance.now();
    server.process.kill('SIGTERM');
    const exit = await server.exited;
    const waited = performance.now() - signalled;
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.ok(waited >= 900, `exited after ${Math.round(waited)} ms: it did not wait for the request`);
    assert.ok(waited < 5_000, `exited after ${Math.round(waited)} ms: the timeout did not cut the request`);
    assert.ok((await closed) - signalled < 5_000);
  });
});

/** Counts one answer by status and catalogue code. */
function tally(answers: Map<string, number>, status: number, code?: string): void {
  const key = code ? `${status} ${code}` : String(status);
  answers.set(key, (answers.get(key) ?? 0) + 1);
}

describe('PostgreSQL failing under load: a restart, a freeze, a lock held past the timeouts', { skip: !postgresAvailable() }, () => {
  const EMAIL = 'dana@example.com';
  let env: Record<string, string>;
  let cluster: PostgresCluster;
  let databaseUrl: string;
  let server: ServerProcess;

  before(async () => {
    cluster = await startPostgres();
    databaseUrl = (await createDatabase(cluster.url)).url;
    // Prompted for 2FA (a date ahead), so a person can enable it; limits high enough for the load.
    env = { ...baseEnv(), MFA_REQUIRED_FROM: '2040-01-01', DATABASE_URL: databaseUrl, IP_MAX_FLOWS: '1000000', IP_MAX_FAILURES: '1000000', ACCOUNT_MAX_FAILURES: '100' };
    server = await startServer(env);
    await runCli(['user', 'create', '--email', EMAIL, '--password', PASSWORD], { ...env, DATA_DIR: server.dataDir });
  });
  after(async () => {
    await server?.stop();
    cluster?.stop();
  });

  async function query<T = Record<string, unknown>>(text: string): Promise<T[]> {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      return (await client.query(text)).rows as T[];
    } finally {
      await client.end();
    }
  }

  /** login-flow's own connections that sit inside a transaction: after a fault, there must be none. */
  async function stuckConnections(): Promise<number> {
    const rows = await query<{ count: string }>("select count(*) from pg_stat_activity where application_name = 'login-flow' and state like 'idle in transaction%'");
    return Number(rows[0]!.count);
  }

  /**
   * Ten clients signing in until told to stop (start, email, password, "remind me later": the
   * last commits a session in a transaction of several statements); every answer tallied.
   */
  function load(): { stop(): Promise<Map<string, number>> } {
    const answers = new Map<string, number>();
    let running = true;
    const clients = Array.from({ length: 10 }, async () => {
      while (running) {
        try {
          const start = await api<FlowState>(server.url, 'POST', '/api/flows/login');
          tally(answers, start.status, errorCode(start));
          if (start.status !== 201) continue;
          for (const [action, body] of [['email', { email: EMAIL }], ['password', { password: PASSWORD }], ['remind-later', {}]] as const) {
            const next = await act(server.url, start.body.id, action, body);
            tally(answers, next.status, next.body.error?.code ?? errorCode(next));
            // "Remind me later" keeps the prompt away for a few sign-ins: then the password is the last step.
            if (next.status !== 200 || next.body.step === 'done') break;
          }
        } catch (error) {
          tally(answers, 0, (error as Error & { cause?: { code?: string } }).cause?.code ?? 'network');
        }
      }
    });
    return {
      async stop() {
        running = false;
        await Promise.all(clients);
        return answers;
      },
    };
  }

  for (const mode of ['fast', 'immediate'] as const) {
    it(`survives a PostgreSQL stop (${mode}) under load: 503s while it is down, nothing else, and serves again by itself`, async () => {
      const pid = server.process.pid;
      const running = load();
      for (let outage = 0; outage < 3; outage++) {
        await new Promise((resolve) => setTimeout(resolve, 700));
        cluster.pause(mode);
        await new Promise((resolve) => setTimeout(resolve, 500));
        cluster.resume();
        await eventually('/api/health answers 200', async () => (await api(server.url, 'GET', '/api/health')).status === 200, { ms: 15_000 });
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
      const answers = await running.stop();
      assert.equal(server.process.exitCode, null, 'the process is still running');
      assert.equal(server.process.pid, pid);
      const unexpected = [...answers].filter(([key]) => !['201', '200', '503 store_unavailable'].includes(key));
      assert.deepEqual(unexpected, [], `every answer: ${JSON.stringify([...answers])}`);
      assert.ok((answers.get('503 store_unavailable') ?? 0) > 0, 'the outage was seen');
      assert.ok((answers.get('200') ?? 0) > 0);
      assert.equal(await stuckConnections(), 0);
    });
  }

  it('survives a frozen PostgreSQL (SIGSTOP): requests end 503 after the query timeout, and it serves again once thawed', async () => {
    const flow = await reachPassword(server.url, EMAIL);
    cluster.freeze();
    let frozen: Awaited<ReturnType<typeof act>>;
    try {
      frozen = await act(server.url, flow, 'password', { password: WRONG_PASSWORD });
    } finally {
      cluster.thaw();
    }
    assert.equal(frozen.status, 503);
    assert.equal(errorCode(frozen), 'store_unavailable');
    await eventually('/api/health answers 200 at once', async () => {
      const started = Date.now();
      const health = await api(server.url, 'GET', '/api/health');
      return health.status === 200 && Date.now() - started < 1_000;
    }, { ms: 15_000 });
    assert.equal(await stuckConnections(), 0);
  });

  it('a lock held past the statement timeout: the codes sent meanwhile are answered 503 and spend nothing; afterwards they work, and no connection is left in a transaction', async () => {
    const email = 'erin@example.com';
    await runCli(['user', 'create', '--email', email, '--password', PASSWORD], { ...env, DATA_DIR: server.dataDir });
    // Set up the app and keep the recovery code shown once.
    const setupFlow = await reachPassword(server.url, email);
    await step(server.url, setupFlow, 'password', { password: PASSWORD }, 'mfa-prompt');
    const secret = await startTotpSetup(server.url, setupFlow);
    const shown = await confirmTotpSetup(server.url, setupFlow, secret);
    if (shown.step !== 'recovery-code') return;
    const recoveryCode = shown.data.code;
    await step(server.url, setupFlow, 'confirm', { saved: true }, 'done');
    // A fresh time step: the one that confirmed set-up is spent.
    await new Promise((resolve) => setTimeout(resolve, TOTP_PERIOD_MS - (Date.now() % TOTP_PERIOD_MS) + 100));

    const atSecondFactor = async () => {
      const id = await reachPassword(server.url, email);
      await step(server.url, id, 'password', { password: PASSWORD }, 'second-factor');
      return id;
    };
    const [right, wrong, recovery] = [await atSecondFactor(), await atSecondFactor(), await atSecondFactor()];
    const before = await query("select key, count::int from rate_limits where key like 'mfa:%' order by key");
    const code = totp(secret).generate();
    const wrongCode = code === '000000' ? '111111' : '000000';

    const locker = new pg.Client({ connectionString: databaseUrl });
    await locker.connect();
    await locker.query('begin');
    await locker.query('lock table flows in exclusive mode');
    let answers: Awaited<ReturnType<typeof act>>[];
    try {
      answers = await Promise.all([
        act(server.url, right, 'totp', { code }),
        act(server.url, wrong, 'totp', { code: wrongCode }),
        act(server.url, recovery, 'recovery-code', { code: recoveryCode }),
      ]);
    } finally {
      await locker.query('rollback');
      await locker.end();
    }
    for (const answer of answers) {
      assert.equal(answer.status, 503, JSON.stringify(answer.body));
      assert.equal(errorCode(answer), 'store_unavailable');
    }

    // Nothing was spent: no attempt counted, no time step claimed, no recovery code used.
    assert.equal(await stuckConnections(), 0);
    assert.deepEqual(await query("select key, count::int from rate_limits where key like 'mfa:%' order by key"), before);
    const flows = await query<{ attempts: number }>('select attempts from flows where user_id is not null and step = \'second-factor\'');
    assert.ok(flows.every((f) => Number(f.attempts) === 0), JSON.stringify(flows));
    assert.deepEqual(await query('select used_at from recovery_codes where used_at is not null'), []);

    // And so the same inputs now do what they would have done.
    await step(server.url, right, 'totp', { code }, 'done');
    const refused = await act(server.url, wrong, 'totp', { code: wrongCode });
    assert.equal(refused.body.error?.code, 'invalid_code');
    const recovered = await act(server.url, recovery, 'recovery-code', { code: recoveryCode });
    assert.equal(recovered.body.step, 'method-choice', JSON.stringify(recovered.body));
  });
});
