/*
 * Runs the real CLI (`bin/login-flow.js`) as a child process, on a throwaway
 * data directory, for the CLI test files.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openStore, type Db } from '../../server/store/index.js';

export const BIN = fileURLToPath(new URL('../../bin/login-flow.js', import.meta.url));

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A fresh data directory for one test, removed afterwards. */
export function dataDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'lf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Settings of the caller's environment that would change what the CLI does; a test passes them in `env` when it means them. */
const SCRUBBED = ['PORT', 'PUBLIC_URL', 'DATABASE_URL', 'ALLOWED_ORIGINS', 'TRUSTED_PROXIES', 'PASSWORD_POLICY', 'SSO_CLIENT_SECRET'];

/** A hang guard, not a timing: a CLI start compiles the server with tsx (about 2 s of CPU each). */
const CLI_TIMEOUT_MS = 60_000;

/**
 * How many CLI tests of a file run at once: each start costs seconds of CPU,
 * so a dozen at once on a small machine would queue past the guard.
 */
export const CLI_CONCURRENCY = 2;

/** Runs `login-flow ...args` with the data directory and extra environment. */
export function cli(dir: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  const environment: Record<string, string | undefined> = { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dir, ...env };
  for (const name of SCRUBBED) {
    if (!(name in env)) delete environment[name];
  }
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: environment, timeout: CLI_TIMEOUT_MS }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Opens a data directory's store in the test's process (a CLI run costs seconds, so set-up and checks happen here). */
export async function withStore<T>(dir: string, use: (db: Db) => Promise<T>): Promise<T> {
  const db = await openStore({ dataDir: dir, databaseUrl: undefined });
  try {
    return await use(db);
  } finally {
    await db.destroy();
  }
}
