/*
 * `npm run bench`: the budgets of DESIGN.md, measured on this machine in one run.
 *
 * 1. Widget size: gzip of dist/widget/login-flow.js (all steps, English and Dutch).
 * 2. Throughput of a flow action that hashes nothing (starting a flow: a rate-limit
 *    upsert and a flow insert) against a bare Hono JSON handler, both servers in a
 *    child process, driven by autocannon from this one.
 * 3. Password step: complete logins per second through the real API against the raw
 *    argon2id hash rate of this machine with every core busy.
 *
 * Prints a table and exits 1 if a budget is missed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import argon2 from 'argon2';
import autocannon from 'autocannon';
import { ARGON2_OPTIONS } from '../server/factors/password.js';
import { openStore } from '../server/store/index.js';
import { createUser } from '../server/users.js';
import { freePort } from '../test/e2e/helpers.js';

const ROOT = new URL('../', import.meta.url).pathname;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 50;
const PASSWORD = 'Correct-Horse-42-Battery';

interface Row {
  name: string;
  value: string;
  budget: string;
  ok: boolean;
}
const rows: Row[] = [];

function child(args: string[], env: Record<string, string>): Promise<ChildProcess> {
  const proc = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    proc.stdout!.on('data', (chunk: Buffer) => {
      if (/listening/.test(chunk.toString())) resolve(proc);
    });
    proc.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
  });
}

async function stop(proc: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGTERM');
  await exited;
}

async function rps(url: string, body: string): Promise<{ rps: number; p50: number; p99: number; errors: number; non2xx: number }> {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections: CONNECTIONS,
    duration: SECONDS,
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors, non2xx: result.non2xx };
}

/** Raw argon2id with OWASP parameters, as many in flight as the thread pool runs, for SECONDS. */
async function rawHashRate(): Promise<number> {
  const deadline = performance.now() + SECONDS * 1000;
  let hashes = 0;
  const lanes = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (performance.now() < deadline) {
        await argon2.hash(PASSWORD, ARGON2_OPTIONS);
        hashes += 1;
      }
    }),
  );
  return hashes / SECONDS;
}

async function json(url: string, body: unknown): Promise<{ status: number; body: { id?: string; step?: string } }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as { id?: string; step?: string } };
}

/** Complete logins (start, email, password) through the real API, `concurrency` at a time, for SECONDS. */
async function loginRate(base: string, emails: string[]): Promise<{ perSecond: number; failures: number; p50: number; p99: number }> {
  const deadline = performance.now() + SECONDS * 1000;
  const durations: number[] = [];
  let failures = 0;
  await Promise.all(
    emails.map(async (email) => {
      while (performance.now() < deadline) {
        const started = performance.now();
        const flow = await json(`${base}/api/flows/login`, {});
        await json(`${base}/api/flows/${flow.body.id}/email`, { email });
        const done = await json(`${base}/api/flows/${flow.body.id}/password`, { password: PASSWORD });
        if (done.body.step === 'done') durations.push(performance.now() - started);
        else failures += 1;
      }
    }),
  );
  durations.sort((a, b) => a - b);
  const at = (q: number) => Math.round(durations[Math.min(durations.length - 1, Math.floor(q * durations.length))] ?? 0);
  return { perSecond: durations.length / SECONDS, failures, p50: at(0.5), p99: at(0.99) };
}

async function main(): Promise<void> {
  // 1. Widget size.
  const widget = readFileSync(join(ROOT, 'dist/widget/login-flow.js'));
  const gzip = gzipSync(widget, { level: 9 }).length;
  rows.push({ name: 'widget, gzip', value: `${(gzip / 1024).toFixed(1)} KB (${(widget.length / 1024).toFixed(1)} KB raw)`, budget: '<= 20 KB', ok: gzip <= 20 * 1024 });

  // 2. Non-hashing action against a bare Hono handler.
  const barePort = await freePort();
  const bare = await child(['--import', 'tsx', 'bench/servers/bare.ts', String(barePort)], {});
  const baseline = await rps(`http://localhost:${barePort}/json`, '{}');
  await stop(bare);

  const dataDir = mkdtempSync(join(tmpdir(), 'lf-bench-'));
  const apiPort = await freePort();
  const env = {
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    PORT: String(apiPort),
    // Load comes from one address: lift the per-IP limits so they measure nothing here.
    IP_MAX_FLOWS: '1000000000',
    // This measures the password step; the 2FA prompt would add a step per login.
    MFA_REQUIRED_FROM: 'never',
    IP_MAX_FAILURES: '1000000000',
    ...(process.env.LOG_LEVEL ? { LOG_LEVEL: process.env.LOG_LEVEL } : {}),
  };
  // One user per concurrent login: one account signing in 16 times at once would
  // (rightly) meet its own per-account limit.
  const lanes = availableParallelism() * 8;
  const emails = Array.from({ length: lanes }, (_, i) => `bench${i}@example.com`);
  const db = await openStore({ dataDir, databaseUrl: undefined });
  for (const email of emails) await createUser(db, { passwordPolicy: 'seeds' }, { email, password: PASSWORD, now: Date.now() });
  await db.destroy();
  const api = await child(['bin/login-flow.js', 'serve'], env);
  const start = await rps(`http://localhost:${apiPort}/api/flows/login`, '{}');
  const ratio = start.rps / baseline.rps;
  rows.push({ name: 'bare Hono JSON handler', value: `${Math.round(baseline.rps)} req/s (p50 ${baseline.p50} ms, p99 ${baseline.p99} ms)`, budget: 'baseline', ok: true });
  rows.push({
    name: 'start a flow (no hashing)',
    value: `${Math.round(start.rps)} req/s (p50 ${start.p50} ms, p99 ${start.p99} ms, ${start.non2xx + start.errors} errors) = ${(ratio * 100).toFixed(0)} % of bare`,
    budget: '>= 50 % of bare',
    ok: ratio >= 0.5 && start.non2xx + start.errors === 0,
  });

  // 3. Password step against the raw hash rate, all cores busy.
  const raw = await rawHashRate();
  const logins = await loginRate(`http://localhost:${apiPort}`, emails);
  await stop(api);
  rmSync(dataDir, { recursive: true, force: true });
  const share = logins.perSecond / raw;
  rows.push({ name: `raw argon2id (${ARGON2_OPTIONS.memoryCost / 1024} MiB, t=${ARGON2_OPTIONS.timeCost}, p=1)`, value: `${raw.toFixed(1)} hashes/s on ${availableParallelism()} cores`, budget: 'baseline', ok: true });
  rows.push({
    name: 'complete logins (email + password)',
    value: `${logins.perSecond.toFixed(1)} logins/s (p50 ${logins.p50} ms, p99 ${logins.p99} ms, ${logins.failures} failures) = ${(share * 100).toFixed(0)} % of raw`,
    budget: '>= 90 % of raw',
    ok: share >= 0.9 && logins.failures === 0,
  });

  const width = Math.max(...rows.map((r) => r.name.length));
  console.log(`\nlogin-flow bench (${SECONDS} s per measurement, ${CONNECTIONS} connections, node ${process.version})\n`);
  for (const row of rows) console.log(`${row.ok ? 'PASS' : 'MISS'}  ${row.name.padEnd(width)}  ${row.value}   [${row.budget}]`);
  if (rows.some((r) => !r.ok)) process.exitCode = 1;
}

await main();
