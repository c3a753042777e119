import cluster, { type Worker } from 'node:cluster';
import { existsSync } from 'node:fs';
import type { Server, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Config } from './config.js';
import { createApp } from './app.js';
import { startMailWorker } from './delivery/mail.js';
import { ApiError } from './errors.js';
import { generatePassword } from './factors/password.js';
import { createLogger } from './log.js';
import { approverPageRoutes } from './routes/approver-page.js';
import { assetRoutes } from './routes/assets.js';
import { sweepExpired } from './maintenance.js';
import { resolveSecretKey } from './security/secrets.js';
import { KeyRing } from './security/tokens.js';
import { openStore } from './store/index.js';
import { createUser, findUserByEmail } from './users.js';
import { ensureDemoCompanies } from './companies/demo.js';

const DIST = fileURLToPath(new URL('../dist', import.meta.url));
const SWEEP_INTERVAL_MS = 10 * 60_000;

/**
 * How long a stopping server waits for in-flight requests before it closes
 * the connections that remain. Kubernetes sends SIGKILL 30 s after SIGTERM
 * by default (terminationGracePeriodSeconds); 10 s stays well inside it.
 */
export const SHUTDOWN_TIMEOUT_MS = 10_000;

/** A worker that dies is started again after this, doubled for each quick death in a row (a crash loop must not spin). */
const RESTART_BACKOFF_MS = 250;
const RESTART_BACKOFF_MAX_MS = 30_000;
/** A worker that lived this long before it died was not crash-looping: its restart waits the base backoff again. */
const WORKER_STABLE_MS = 30_000;
/** After the drain timeout, the primary gives stopping workers this much longer before it kills them. */
const WORKER_KILL_GRACE_MS = 5_000;

/** The page's own scripts and styles only; the widget needs nothing inline (OWASP ASVS 5.0 V3.4.3). */
const DEMO_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

export interface RunningServer {
  url: string;
  /**
   * Stops gracefully: stops accepting connections at once, closes idle
   * keep-alive connections, lets in-flight requests finish (their responses
   * carry `Connection: close`), closes what is still open after the shutdown
   * timeout, then closes the store. Resolves when all of that is done; calling
   * it again returns the same promise.
   */
  close(): Promise<void>;
}

export interface ServeOptions {
  /** Where the demo user's line goes. */
  print?: (line: string) => void;
  /** Create (or name) the demo user in development; a cluster's primary does it once instead of each worker. */
  demoUser?: boolean;
  /** Log `listening` at info; a cluster worker logs it at debug, its primary announces the cluster once. */
  announce?: boolean;
  /** See `SHUTDOWN_TIMEOUT_MS`. */
  shutdownTimeoutMs?: number;
}

/**
 * Runs the API, and with it the built demo (`/`) and the scripts host pages
 * embed (`/login-flow.js`, `/account-security.js` and their chunks). In
 * development, creates the demo user on first start.
 */
export async function startServer(
  config: Config,
  { print = console.log, demoUser = config.env === 'development', announce = true, shutdownTimeoutMs = SHUTDOWN_TIMEOUT_MS }: ServeOptions = {},
): Promise<RunningServer> {
  const log = createLogger(config.logLevel);
  const db = await openStore(config);
  const { app, context } = createApp({ config, db, log });

  // The scripts host pages embed (login-flow.js, account-security.js and the chunks they load).
  app.route('/', assetRoutes({ dir: `${DIST}/widget`, origins: [config.publicUrl, ...config.allowedOrigins] }));
  // The approver web app people install on their phone (/approve/), production included; before the demo's catch-all and CSP.
  app.route('/', approverPageRoutes({ dir: `${DIST}/approver` }));
  if (config.env !== 'production' && existsSync(`${DIST}/demo`)) {
    app.use('/*', async (c, next) => {
      await next();
      if (c.res.headers.get('content-type')?.startsWith('text/html')) c.header('Content-Security-Policy', DEMO_CSP);
    });
    // The pages that emailed links open (ACTIVATION_URL, RESET_URL): the demo page runs the matching flow.
    app.get('/activate', serveStatic({ path: `${DIST}/demo/index.html` }));
    app.get('/reset-password', serveStatic({ path: `${DIST}/demo/index.html` }));
    app.get('/recover', serveStatic({ path: `${DIST}/demo/index.html` }));
    // The public recovery request form ("Lost access to your phone?"): the demo page runs `recovery-request`.
    app.get('/recovery-request', serveStatic({ path: `${DIST}/demo/index.html` }));
    app.get('/*', serveStatic({ root: `${DIST}/demo`, precompressed: true }));
  }

  if (demoUser) {
    await ensureDemoUser(config, db, print);
    await ensureDemoCompanies(context, print);
  }

  const sweep = setInterval(() => void sweepExpired(db, Date.now(), context.log).catch(() => undefined), SWEEP_INTERVAL_MS);
  sweep.unref();
  // Mail that could not be sent at once (SMTP down) goes out when its retry is due.
  const stopMail = startMailWorker(context);

  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(s as Server));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host}:${port}`;
  log.log(announce ? 'info' : 'debug', 'listening', { url, store: config.databaseUrl ? 'postgres' : 'sqlite', pid: process.pid });

  // Responses not yet started when the server stops say `Connection: close`,
  // so a keep-alive connection ends with its last response instead of holding
  // the shutdown open until the timeout (and the client knows not to reuse it).
  let draining = false;
  const pending = new Set<ServerResponse>();
  server.prependListener('request', (_request, response: ServerResponse) => {
    if (draining) response.setHeader('Connection', 'close');
    pending.add(response);
    response.once('close', () => pending.delete(response));
  });

  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= (async () => {
        clearInterval(sweep);
        stopMail();
        draining = true;
        for (const response of pending) if (!response.headersSent) response.setHeader('Connection', 'close');
        const drained = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const pendingAtStop = pending.size;
        const deadline = setTimeout(() => {
          log.log('warn', 'shutdown timeout: closing open connections', { requests: pending.size, timeoutMs: shutdownTimeoutMs });
          server.closeAllConnections();
        }, shutdownTimeoutMs);
        log.log('info', 'stopping', { requests: pendingAtStop, pid: process.pid });
        await drained;
        clearTimeout(deadline);
        await db.destroy().catch((error: unknown) => log.log('warn', 'closing the store failed', { error: String(error) }));
      })();
      return closing;
    },
  };
}

/**
 * What a cluster's primary does once before it forks: migrates the store,
 * makes the secret key file and the first signing key (so workers do not race
 * to make them), and creates or names the demo user (so it is printed once).
 */
async function prepareStore(config: Config, print: (line: string) => void): Promise<void> {
  const db = await openStore(config);
  try {
    const secretKey = resolveSecretKey(config.secretKey, config.dataDir);
    await new KeyRing(db, config, Date.now, secretKey).jwks();
    if (config.env === 'development') await ensureDemoUser(config, db, print);
  } finally {
    await db.destroy();
  }
}

/** What a worker tells its primary. */
interface WorkerMessage {
  type: 'listening';
  url: string;
}

export interface ClusterOptions {
  workers: number;
  /** Startup lines (the demo user, where it listens). */
  print?: (line: string) => void;
  shutdownTimeoutMs?: number;
}

export interface RunningCluster {
  url: string;
  /** Forwards SIGTERM to every worker and resolves with the exit code once all of them have drained and exited. */
  close(): Promise<number>;
}

/**
 * The primary of `serve --workers N`: N API processes share one port through
 * node:cluster (the primary accepts and hands connections to workers in turn).
 * Each worker opens its own store connection; nothing a flow, session or rate
 * limit needs lives in a process, so any worker can serve any request. A
 * worker that dies unexpectedly is started again after a short backoff.
 * Resolves once every worker listens.
 */
export async function startCluster(config: Config, { workers, print = console.log, shutdownTimeoutMs = SHUTDOWN_TIMEOUT_MS }: ClusterOptions): Promise<RunningCluster> {
  if (!cluster.isPrimary) throw new Error('startCluster runs in the primary process');
  const log = createLogger(config.logLevel);
  await prepareStore(config, print);

  let stopping = false;
  let quickDeaths = 0;
  const started = new WeakMap<Worker, number>();
  const fork = () => started.set(cluster.fork(), Date.now());

  // A worker that dies before the cluster first listens (a port in use, a bad
  // setting) would die again: give up and say why, rather than loop.
  const url = await new Promise<string>((resolve, reject) => {
    const listening = new Set<number>();
    const onMessage = (worker: Worker, message: WorkerMessage) => {
      if (message?.type !== 'listening') return;
      listening.add(worker.id);
      if (listening.size < workers) return;
      cluster.off('message', onMessage).off('exit', onExit);
      resolve(message.url);
    };
    const onExit = (worker: Worker, code: number | null, signal: string | null) => {
      cluster.off('message', onMessage).off('exit', onExit);
      for (const other of Object.values(cluster.workers ?? {})) other?.process.kill('SIGTERM');
      reject(new Error(`worker ${worker.process.pid} exited (${signal ?? `code ${code}`}) before it listened`));
    };
    cluster.on('message', onMessage).on('exit', onExit);
    for (let i = 0; i < workers; i++) fork();
  });

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    const lived = Date.now() - (started.get(worker) ?? 0);
    quickDeaths = lived < WORKER_STABLE_MS ? quickDeaths + 1 : 0;
    const delay = Math.min(RESTART_BACKOFF_MS * 2 ** Math.max(0, quickDeaths - 1), RESTART_BACKOFF_MAX_MS);
    log.log('error', 'worker died; restarting it', { pid: worker.process.pid, code, signal, restartInMs: delay });
    setTimeout(() => {
      if (!stopping) fork();
    }, delay);
  });
  log.log('info', 'listening', { url, store: config.databaseUrl ? 'postgres' : 'sqlite', workers, pid: process.pid });

  let closing: Promise<number> | undefined;
  return {
    url,
    close() {
      closing ??= new Promise<number>((resolve) => {
        stopping = true;
        let exitCode = 0;
        const remaining = new Set(Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead()));
        const done = () => {
          if (remaining.size > 0) return;
          clearTimeout(kill);
          resolve(exitCode);
        };
        const kill = setTimeout(() => {
          for (const worker of remaining) worker.process.kill('SIGKILL');
        }, shutdownTimeoutMs + WORKER_KILL_GRACE_MS);
        cluster.on('exit', (worker, code) => {
          if (!remaining.delete(worker)) return;
          if (code !== 0) exitCode = 1;
          done();
        });
        for (const worker of remaining) worker.process.kill('SIGTERM');
        done();
      });
      return closing;
    },
  };
}

/**
 * A worker of `serve --workers N`: runs the API without the demo user and
 * without announcing itself (the primary does both once), and tells the
 * primary when it listens.
 */
export async function startWorker(config: Config, { shutdownTimeoutMs = SHUTDOWN_TIMEOUT_MS }: { shutdownTimeoutMs?: number } = {}): Promise<RunningServer> {
  if (!cluster.isWorker) throw new Error('startWorker runs in a cluster worker');
  const server = await startServer(config, { demoUser: false, announce: false, shutdownTimeoutMs });
  process.send?.({ type: 'listening', url: server.url } satisfies WorkerMessage);
  return server;
}

async function ensureDemoUser(config: Config, db: Awaited<ReturnType<typeof openStore>>, print: (line: string) => void): Promise<void> {
  if (await findUserByEmail(db, config.demoUser)) {
    print(`Demo user: ${config.demoUser} (its password was printed at first start; change it with: npx login-flow user set-password --email ${config.demoUser})`);
    return;
  }
  const password = config.demoPassword ?? generatePassword();
  try {
    await createUser(db, config, { email: config.demoUser, password, name: 'Demo User', now: Date.now() });
  } catch (error) {
    // Another process on the same database (started at the same moment) created it first.
    if (error instanceof ApiError && error.details?.reason === 'exists') {
      print(`Demo user: ${config.demoUser} (created by another process on this database, which printed its password)`);
      return;
    }
    throw error;
  }
  print(`Demo user created: ${config.demoUser}  password: ${password}`);
}
