/*
 * The SQLite store's disk: full while the API runs, and read-only at start.
 * A real filesystem of a few megabytes (tmpfs), mounted for the test; it
 * needs root, as CI and the development machines run.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { api, errorCode, runCli, secretKey, signIn, startServer, type ServerProcess } from './helpers.js';

const PASSWORD = 'Correct-Horse-42-Battery';

/** Mounts a tmpfs of `megabytes` at a new directory; undefined where mounting is not allowed. */
function mountTmpfs(megabytes: number): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'lf-disk-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m`, 'tmpfs', dir]);
  if (mounted.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  return dir;
}

function unmount(dir: string): void {
  spawnSync('umount', [dir]);
  rmSync(dir, { recursive: true, force: true });
}

/** Writes until the filesystem says no space is left; returns the filler's path. */
function fill(dir: string): string {
  const path = join(dir, 'filler');
  const chunk = Buffer.alloc(256 * 1024, 1);
  let size = 0;
  for (;;) {
    try {
      writeFileSync(path, chunk, { flag: 'a' });
      size += chunk.length;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      // The last bytes: smaller writes until not even one fits.
      for (const bytes of [16384, 1024, 64, 1]) {
        try {
          for (;;) writeFileSync(path, Buffer.alloc(bytes, 1), { flag: 'a' });
        } catch {
          // next size down
        }
      }
      assert.ok(size > 0);
      return path;
    }
  }
}

const mountable = mountTmpfs(1);
if (mountable) unmount(mountable);

describe('a full disk under a running API (SQLite)', { skip: mountable ? false : 'mounting a tmpfs needs root' }, () => {
  let disk: string;
  let server: ServerProcess;
  const env = { SECRET_KEY: secretKey(), SESSION_COOKIE: 'false', SMS: 'off', PASSKEYS: 'false', MFA_REQUIRED_FROM: 'never' };

  before(async () => {
    disk = mountTmpfs(12)!;
    const dataDir = join(disk, 'data');
    server = await startServer(env, { dataDir });
    await runCli(['user', 'create', '--email', 'fay@example.com', '--password', PASSWORD], { ...env, DATA_DIR: dataDir });
  });
  after(async () => {
    await server?.stop();
    if (disk) unmount(disk);
  });

  it('answers 503 store_unavailable while the disk is full, health included, and serves again once there is room', async () => {
    assert.equal((await api(server.url, 'GET', '/api/health')).status, 200);
    const filler = fill(disk);
    try {
      // Opening the sign-in writes nothing; its first action is the first write, and it is refused.
      const start = await api(server.url, 'POST', '/api/flows/login');
      assert.equal(start.status, 201, JSON.stringify(start.body));
      const email = await api(server.url, 'POST', `/api/flows/${(start.body as { id: string }).id}/email`, { body: { email: 'fay@example.com' } });
      assert.equal(email.status, 503, JSON.stringify(email.body));
      assert.equal(errorCode(email), 'store_unavailable');
      const health = await api(server.url, 'GET', '/api/health');
      assert.equal(health.status, 503);
      assert.equal(errorCode(health), 'store_unavailable');
    } finally {
      rmSync(filler);
    }
    assert.equal((await api(server.url, 'GET', '/api/health')).status, 200);
    assert.ok(await signIn(server.url, 'fay@example.com', PASSWORD));
    assert.equal(server.process.exitCode, null);
  });
});

describe('starting on a read-only data directory', { skip: mountable ? false : 'mounting a tmpfs needs root' }, () => {
  it('exits 2 with one line that names DATA_DIR and the cause, and no stack trace', async () => {
    const disk = mountTmpfs(1)!;
    try {
      const dataDir = join(disk, 'data');
      mkdirSync(dataDir);
      assert.equal(spawnSync('mount', ['-o', 'remount,ro', disk]).status, 0);
      const result = spawnSync(process.execPath, ['bin/login-flow.js', 'serve'], {
        cwd: new URL('../../', import.meta.url).pathname,
        env: { ...process.env, NODE_ENV: 'development', DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' },
        encoding: 'utf8',
      });
      assert.equal(result.status, 2, result.stderr);
      const lines = result.stderr.trim().split('\n');
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0]!, new RegExp(`^login-flow: cannot open the SQLite store in DATA_DIR=${dataDir}: .+`));
      assert.doesNotMatch(result.stderr, /\n\s+at /);
    } finally {
      unmount(disk);
    }
  });
});
