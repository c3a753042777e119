import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { ErrorResponse, FlowState } from '../../server/flows/protocol.js';

const ROOT = new URL('../../', import.meta.url).pathname;

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, 'localhost', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'lf-e2e-'));
}

export interface ServerProcess {
  url: string;
  port: number;
  dataDir: string;
  output: string[];
  process: ChildProcess;
  /** How the process ended, once it has. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Runs `login-flow serve` as a real process and waits until it listens. `args` go after `serve` (e.g. `--workers 2`). */
export async function startServer(
  env: Record<string, string> = {},
  { dataDir = tempDir(), port, args = [] }: { dataDir?: string; port?: number; args?: string[] } = {},
): Promise<ServerProcess> {
  const chosen = port ?? (await freePort());
  const child = spawn(process.execPath, ['bin/login-flow.js', 'serve', ...args], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'warn', DATA_DIR: dataDir, PORT: String(chosen), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output.push(...chunk.toString().split('\n').filter(Boolean));
      if (output.some((line) => line.startsWith('login-flow listening on'))) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${output.join('\n')}`)));
  });
  return {
    url: `http://localhost:${chosen}`,
    port: chosen,
    dataDir,
    output,
    process: child,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** Debian's Chromium, headless, with the flags this closed network needs. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
    args: ['--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** At "How do you want to verify it's you?": the method whose name the button starts with. */
export async function chooseMethod(page: Page, name: 'Authenticator app' | 'Face ID, fingerprint or screen lock' | 'Text message (SMS)'): Promise<void> {
  await page.getByRole('button', { name: new RegExp(`^${name.replace(/[()]/g, '\\$&')}`) }).click();
}

/**
 * After the first method the widget offers a second one as a backup ("Tip: set
 * up two methods"); these journeys are about one method, so they skip it.
 */
export async function skipBackupMethod(page: Page): Promise<void> {
  const skip = page.getByRole('button', { name: 'Skip for now' });
  const recovery = page.locator('.lf-recovery-code');
  await skip.or(recovery).first().waitFor();
  if (await skip.isVisible()) await skip.click();
  await recovery.waitFor();
}

/** Runs the CLI (`login-flow user create ...`) with the server's settings; resolves with its output, rejects if it fails. */
export function runCli(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['bin/login-flow.js', ...args], { cwd: ROOT, env: { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'warn', ...env } }, (error, stdout, stderr) => {
      if (error) reject(new Error(`login-flow ${args.join(' ')} failed: ${stderr || stdout}`, { cause: error }));
      else resolve(stdout);
    });
  });
}

/** 32 random bytes, base64: a `SECRET_KEY` that several server processes share. */
export function secretKey(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64');
}

export interface ApiResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

/** One JSON request to the API, as a host backend or curl sends it (no cookies, no Origin). */
export async function api<T = unknown>(base: string, method: string, path: string, { body, token }: { body?: unknown; token?: string } = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(new URL(path, base), { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as T };
}

/** Posts one action to a flow. */
export function act(base: string, flowId: string, action: string, body: unknown = {}): Promise<ApiResponse<FlowState>> {
  return api<FlowState>(base, 'POST', `/api/flows/${flowId}/${action}`, { body });
}

/** Starts a login flow and enters an email; returns the flow id, at the password step. */
export async function reachPassword(base: string, email: string): Promise<string> {
  const started = await api<FlowState>(base, 'POST', '/api/flows/login');
  assert.equal(started.status, 201, JSON.stringify(started.body));
  const next = await act(base, started.body.id, 'email', { email });
  assert.equal(next.status, 200, JSON.stringify(next.body));
  assert.equal(next.body.step, 'password');
  return started.body.id;
}

/** The opaque session token of a finished flow (the server runs with `SESSION_COOKIE=false`). */
export function sessionToken(flow: FlowState): string {
  assert.equal(flow.step, 'done', `expected done, got ${flow.step} ${JSON.stringify(flow.error ?? {})}`);
  if (flow.step !== 'done' || !flow.data.session.token) throw new Error('no session token: run the server with SESSION_COOKIE=false');
  return flow.data.session.token;
}

/** Email and password through to a session, for a user without a second factor (and `MFA_REQUIRED_FROM=never`). */
export async function signIn(base: string, email: string, password: string): Promise<string> {
  const id = await reachPassword(base, email);
  const done = await act(base, id, 'password', { password });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  return sessionToken(done.body);
}

/** The error code of a response that has no flow to show (`{ error: { code } }`). */
export function errorCode(response: ApiResponse<unknown>): string | undefined {
  return (response.body as Partial<ErrorResponse> | undefined)?.error?.code;
}

/** Debian's oathtool: an authenticator app that shares no code with ours. `offset` seconds from now. */
export function oathtool(key: string, offset = 0): string {
  const when = new Date(Date.now() + offset * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  return execFileSync('oathtool', ['--totp', '-b', key, '--now', when]).toString().trim();
}

/** With `<company-switch>` showing `from`, switches to `to` (a list or buttons, whichever it renders) and waits for the announcement. */
export async function switchCompany(page: Page, from: string, to: string): Promise<void> {
  const switcher = page.locator('company-switch');
  await switcher.getByText(from).first().waitFor();
  const select = switcher.getByRole('combobox');
  if (await select.count()) {
    await select.selectOption({ label: to });
    await switcher.getByRole('button', { name: /switch/i }).click();
  } else {
    await switcher.getByRole('button', { name: new RegExp(to) }).click();
  }
  await switcher.getByText(new RegExp(`Now working in ${to}`)).waitFor();
}

/**
 * Signs a person with accounts at several companies in through the widget on
 * `page`: email, password, the demo's 2FA prompt if it comes ("Remind me
 * later"), then `company` at "Choose a company".
 */
export async function signInChoosingCompany(page: Page, email: string, password: string, company: string): Promise<void> {
  await page.getByLabel('Email address', { exact: true }).fill(email);
  await page.getByRole('button', { name: 'Continue', exact: true }).click();
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  const remind = page.getByRole('button', { name: 'Remind me later' });
  const choose = page.getByRole('heading', { name: 'Choose a company' });
  await remind.or(choose).first().waitFor();
  if (await remind.isVisible()) await remind.click();
  await choose.waitFor();
  await page.getByRole('button', { name: company }).click();
}
