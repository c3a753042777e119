/*
 * Several API processes, one store: nothing a flow, a session or a rate limit
 * needs lives in a process, so any process can take any request.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { approvalMessage, enrolmentMessage } from '../../server/approver-protocol.js';
import type { FlowState } from '../../server/flows/protocol.js';
import { createDatabase, postgresAvailable, startPostgres, type PostgresCluster } from '../support/postgres.js';
import { act, api, reachPassword, runCli, secretKey, sessionToken, signIn, startServer, type ServerProcess } from './helpers.js';

const PASSWORD = 'Correct-Horse-42-Battery';
const WRONG_PASSWORD = 'Incorrect-Horse-42-Battery';

/** The token in the body (no cookie jar needed), 2FA optional, no SMS or passkey steps. */
const COMMON_ENV = { SESSION_COOKIE: 'false', SMS: 'off', PASSKEYS: 'false', MFA_REQUIRED_FROM: 'never' };

describe('two API processes sharing one PostgreSQL', { skip: !postgresAvailable() }, () => {
  const ALICE = 'alice@example.com';
  const BOB = 'bob@example.com';
  let cluster: PostgresCluster;
  let a: ServerProcess;
  let b: ServerProcess;
  let running: ServerProcess[] = [];

  before(async () => {
    cluster = await startPostgres();
    // Same database and secret key, different ports and data directories: two machines behind a load balancer.
    const env = { ...COMMON_ENV, DATABASE_URL: (await createDatabase(cluster.url)).url, SECRET_KEY: secretKey(), ACCOUNT_MAX_FAILURES: '3' };
    // Started at the same moment, as a deploy does: both migrate and look for the demo user at once.
    const started = await Promise.allSettled([startServer(env), startServer(env)]);
    running = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    [a, b] = running as [ServerProcess, ServerProcess];
    await Promise.all([ALICE, BOB].map((email) => runCli(['user', 'create', '--email', email, '--password', PASSWORD], { ...env, DATA_DIR: a.dataDir })));
  });
  after(async () => {
    await Promise.all(running.map((server) => server.stop()));
    cluster?.stop();
  });

  it('continues on B a flow started on A', async () => {
    const id = await reachPassword(a.url, ALICE);
    const done = await act(b.url, id, 'password', { password: PASSWORD });
    assert.equal(done.status, 200);
    const token = sessionToken(done.body);
    const session = await api<{ user: { email: string } }>(b.url, 'GET', '/api/session', { token });
    assert.equal(session.status, 200);
    assert.equal(session.body.user.email, ALICE);
  });

  it('accepts on B a session issued on A', async () => {
    const token = await signIn(a.url, ALICE, PASSWORD);
    const session = await api<{ user: { email: string } }>(b.url, 'GET', '/api/session', { token });
    assert.equal(session.status, 200);
    assert.equal(session.body.user.email, ALICE);
  });

  it('ends on B at once a session revoked on A', async () => {
    const token = await signIn(a.url, ALICE, PASSWORD);
    assert.equal((await api(b.url, 'GET', '/api/session', { token })).status, 200);
    assert.equal((await api(a.url, 'DELETE', '/api/session', { token })).status, 204);
    assert.equal((await api(b.url, 'GET', '/api/session', { token })).status, 401);
  });

  it('hears on A, within a second, a sign-in approved on the phone through B', async () => {
    const phone = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const signed = (message: string) => sign('sha256', Buffer.from(message), { key: phone.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    // Bob adds the approver on the account page (A); his phone enrols through B.
    const session = await signIn(a.url, BOB, PASSWORD);
    const setup = await api<FlowState>(a.url, 'POST', '/api/flows/enroll-approver', { body: { token: session } });
    if (setup.body.step !== 'approver-setup') return assert.fail(JSON.stringify(setup.body));
    const enrolment = new URL(setup.body.data.url).hash.slice('#enrol='.length);
    assert.equal((await api(b.url, 'POST', '/api/approver/enrolment', { body: { token: enrolment } })).status, 200);
    const device = await api<{ deviceToken: string; confirmation: string }>(b.url, 'POST', '/api/approver/devices', {
      body: { token: enrolment, name: 'Bob\'s phone', key: { type: 'device', publicKey: phone.publicKey.export({ format: 'jwk' }), proof: signed(enrolmentMessage(enrolment)) } },
    });
    assert.equal(device.status, 201);
    const added = await act(a.url, setup.body.id, 'check', { code: device.body.confirmation });
    assert.equal(added.body.step, 'recovery-code', JSON.stringify(added.body));
    assert.equal((await act(a.url, setup.body.id, 'confirm', { saved: true })).body.step, 'done');

    // A sign-in on A asks the phone; A waits while the phone answers through B.
    const id = await reachPassword(a.url, BOB);
    const second = await act(a.url, id, 'password', { password: PASSWORD });
    assert.equal(second.body.step, 'second-factor');
    const sent = await act(a.url, id, 'send-approval', {});
    if (sent.body.step !== 'second-factor' || !sent.body.data.approval) return assert.fail(JSON.stringify(sent.body));
    const number = sent.body.data.approval.number;
    const waiting = fetch(`${a.url}/api/flows/-/wait`, { headers: { 'x-flow-id': id } });
    const pending = await api<{ requests: { id: string }[] }>(b.url, 'GET', '/api/approver/requests', { token: device.body.deviceToken });
    const request = pending.body.requests[0]!.id;
    const answeredAt = Date.now();
    const answer = await api(b.url, 'POST', `/api/approver/requests/${request}`, {
      token: device.body.deviceToken,
      body: { number, decision: 'approve', proof: { type: 'device', signature: signed(approvalMessage(request, number, 'approve')) } },
    });
    assert.deepEqual(answer.body, { status: 'approved' });
    assert.deepEqual(await (await waiting).json(), { ready: true });
    assert.ok(Date.now() - answeredAt < 1_000, `A heard the answer ${Date.now() - answeredAt} ms after it was stored`);
    const done = await act(a.url, id, 'approval', {});
    assert.equal(done.body.step, 'done');
    if (done.body.step === 'done') assert.deepEqual(done.body.data.session.amr, ['pwd', 'swk', 'mfa']);
  });

  it('counts failed passwords on A and B together: 2 on A and 1 on B, then 429 on either', async () => {
    const onA = await reachPassword(a.url, BOB);
    const onB = await reachPassword(b.url, BOB);
    for (const [server, id] of [[a, onA], [a, onA], [b, onB]] as const) {
      const failed = await act(server.url, id, 'password', { password: WRONG_PASSWORD });
      assert.equal(failed.status, 401);
      assert.equal(failed.body.error?.code, 'invalid_credentials');
    }
    // The right password now: it is the account's spent attempts that refuse it.
    for (const [server, id] of [[a, onA], [b, onB]] as const) {
      const limited = await act(server.url, id, 'password', { password: PASSWORD });
      assert.equal(limited.status, 429, `on ${server === a ? 'A' : 'B'}`);
      assert.equal(limited.body.error?.code, 'rate_limited');
    }
  });
});

/** The pids of a process's children, from /proc (no ps needed). */
function childPids(parent: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // it ended while we looked
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'.
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(ppid) === parent && state !== 'Z') pids.push(Number(entry));
  }
  return pids.sort((x, y) => x - y);
}

/** Resolves once `fn` returns true, polling; fails after `ms`. */
async function eventually(what: string, fn: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > deadline) assert.fail(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('serve --workers 2', () => {
  const EMAIL = 'demo@example.com';
  let server: ServerProcess;
  let workers: number[];

  before(async () => {
    // At debug, each worker logs `listening` with its pid.
    server = await startServer({ ...COMMON_ENV, DEMO_PASSWORD: PASSWORD, LOG_LEVEL: 'debug' }, { args: ['--workers', '2'] });
    workers = childPids(server.process.pid!);
  });
  after(async () => {
    await server?.stop('SIGKILL');
  });

  it('runs two worker processes and prints the demo user and the listening line once', () => {
    assert.equal(workers.length, 2, `children of the primary: ${workers.join(', ')}`);
    assert.equal(server.output.filter((line) => line.startsWith('Demo user created:')).length, 1, server.output.join('\n'));
    assert.equal(server.output.filter((line) => line.startsWith('login-flow listening on')).length, 1, server.output.join('\n'));
  });

  it('signs in through the shared port, and the session holds whichever worker answers', async () => {
    const token = await signIn(server.url, EMAIL, PASSWORD);
    // Separate connections, handed to the workers in turn.
    for (let i = 0; i < 6; i++) assert.equal((await api(server.url, 'GET', '/api/session', { token })).status, 200);
  });

  it('starts a worker killed with SIGKILL again, and keeps serving', async () => {
    const [victim] = workers;
    process.kill(victim!, 'SIGKILL');
    let replacement: number | undefined;
    await eventually('a new worker replaces the killed one', () => {
      const now = childPids(server.process.pid!);
      replacement = now.find((pid) => !workers.includes(pid));
      return now.length === 2 && !now.includes(victim!) && replacement !== undefined;
    });
    assert.equal(server.process.exitCode, null, 'the primary lives on');
    await eventually('the new worker listens', () => server.output.some((line) => line.includes('"msg":"listening"') && line.includes(`"pid":${replacement}`)));
    const token = await signIn(server.url, EMAIL, PASSWORD);
    assert.equal((await api(server.url, 'GET', '/api/session', { token })).status, 200);
    assert.equal(server.output.filter((line) => line.startsWith('login-flow listening on')).length, 1, 'a restarted worker does not announce itself');
  });

  it('drains every worker on SIGTERM and exits 0', async () => {
    const before = childPids(server.process.pid!);
    assert.equal(before.length, 2);
    server.process.kill('SIGTERM');
    assert.deepEqual(await server.exited, { code: 0, signal: null });
    for (const pid of before) assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `worker ${pid} is gone`);
  });
});
