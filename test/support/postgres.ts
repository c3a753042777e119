import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** Where Debian puts PostgreSQL 15's programs (see SETUP.md); `PG_BIN` overrides. */
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface PostgresCluster {
  /** A superuser URL for the `postgres` database. */
  url: string;
  port: number;
  dir: string;
  /** Stops the cluster the fast way (`immediate`: like a crash, which the tests also want) and removes its files. */
  stop(): void;
  /**
   * Stops it, keeping its files, to restart later (the database going away):
   * `immediate` (the default) is like a crash, `fast` an ordinary restart that
   * ends every session first.
   */
  pause(mode?: 'immediate' | 'fast'): void;
  resume(): void;
  /** SIGSTOP to the server and every backend: it still holds its connections but answers nothing. */
  freeze(): void;
  /** SIGCONT after `freeze`. */
  thaw(): void;
}

/** A free TCP port on 127.0.0.1. */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** initdb and the server refuse to run as root: run them as `postgres` then. */
function run(program: string, args: string[]): void {
  const root = process.getuid?.() === 0;
  const command = root ? 'runuser' : join(PG_BIN, program);
  const argv = root ? ['-u', 'postgres', '--', join(PG_BIN, program), ...args] : args;
  const result = spawnSync(command, argv, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${program} failed (${result.status}): ${result.stderr || result.stdout}`);
}

export function postgresAvailable(): boolean {
  return existsSync(join(PG_BIN, 'initdb'));
}

/** A throwaway PostgreSQL 15 cluster on loopback, in a temp directory: about a second to start. */
export async function startPostgres(): Promise<PostgresCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'lf-pg-'));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--no-locale']);
  const port = await freeLoopbackPort();
  // fsync off: a test cluster trades durability for speed (never for a real one).
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200`;
  const start = () => run('pg_ctl', ['-D', data, '-w', '-l', join(dir, 'log'), '-o', options, 'start']);
  const stopNow = (mode: 'immediate' | 'fast' = 'immediate') => run('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
  /** The postmaster and its children (backends, checkpointer, ...). */
  const processes = () => {
    const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = spawnSync('pgrep', ['-P', String(postmaster)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
    return [postmaster, ...children];
  };
  start();
  let running = true;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    stop() {
      if (running) stopNow();
      running = false;
      rmSync(dir, { recursive: true, force: true });
    },
    pause(mode = 'immediate') {
      stopNow(mode);
      running = false;
    },
    freeze() {
      for (const pid of processes()) process.kill(pid, 'SIGSTOP');
    },
    thaw() {
      for (const pid of processes()) process.kill(pid, 'SIGCONT');
    },
    resume() {
      start();
      running = true;
    },
  };
}

/**
 * Creates a fresh database in the cluster and returns its URL and a function
 * that drops it. With `template`, a copy of that database (already migrated:
 * copying its files is faster than running the migrations again).
 */
export async function createDatabase(
  clusterUrl: string,
  { template, name = `lf_${crypto.randomUUID().replace(/-/g, '')}` }: { template?: string | undefined; name?: string } = {},
): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = new pg.Client({ connectionString: clusterUrl });
  await admin.connect();
  try {
    await admin.query(template ? `create database ${name} template ${template} strategy file_copy` : `create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(clusterUrl);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    async drop() {
      const client = new pg.Client({ connectionString: clusterUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
