import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

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
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Runs `login-flow serve` as a real process and waits until it listens. */
export async function startServer(env: Record<string, string> = {}, { dataDir = tempDir(), port }: { dataDir?: string; port?: number } = {}): Promise<ServerProcess> {
  const chosen = port ?? (await freePort());
  const child = spawn(process.execPath, ['bin/login-flow.js', 'serve'], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'warn', DATA_DIR: dataDir, PORT: String(chosen), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
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

/**
 * After 2FA set-up the demo offers a backup phone number (SMS is on in
 * development); these journeys are about other factors, so they skip it.
 */
export async function skipBackupPhone(page: Page): Promise<void> {
  const skip = page.getByRole('button', { name: 'Skip' });
  const recovery = page.locator('.lf-recovery-code');
  await skip.or(recovery).first().waitFor();
  if (await skip.isVisible()) await skip.click();
  await recovery.waitFor();
}
