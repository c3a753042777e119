import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Config } from './config.js';
import { createApp } from './app.js';
import { startMailWorker } from './delivery/mail.js';
import { generatePassword } from './factors/password.js';
import { createLogger } from './log.js';
import { sweepExpired } from './maintenance.js';
import { openStore } from './store/index.js';
import { createUser, findUserByEmail } from './users.js';

const DIST = fileURLToPath(new URL('../dist', import.meta.url));
const SWEEP_INTERVAL_MS = 10 * 60_000;

/** The page's own scripts and styles only; the widget needs nothing inline (OWASP ASVS 5.0 V3.4.3). */
const DEMO_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Runs the API, and with it the built demo (`/`) and the widget script
 * (`/login-flow.js`). In development, creates the demo user on first start.
 */
export async function startServer(config: Config, { print = console.log }: { print?: (line: string) => void } = {}): Promise<RunningServer> {
  const log = createLogger(config.logLevel);
  const db = await openStore(config);
  const { app, context } = createApp({ config, db, log });

  if (existsSync(`${DIST}/widget/login-flow.js`)) {
    // A module script loaded by host pages on other origins: it is public, so any origin may fetch it.
    app.get('/login-flow.js', async (c, next) => {
      await next();
      c.header('Access-Control-Allow-Origin', '*');
      c.header('Cross-Origin-Resource-Policy', 'cross-origin');
      c.header('Cache-Control', 'public, max-age=300');
    }, serveStatic({ path: `${DIST}/widget/login-flow.js` }));
  }
  if (config.env !== 'production' && existsSync(`${DIST}/demo`)) {
    app.use('/*', async (c, next) => {
      await next();
      if (c.res.headers.get('content-type')?.startsWith('text/html')) c.header('Content-Security-Policy', DEMO_CSP);
    });
    // The pages that emailed links open (ACTIVATION_URL, RESET_URL): the demo page runs the matching flow.
    app.get('/activate', serveStatic({ path: `${DIST}/demo/index.html` }));
    app.get('/reset-password', serveStatic({ path: `${DIST}/demo/index.html` }));
    app.get('/*', serveStatic({ root: `${DIST}/demo` }));
  }

  if (config.env === 'development') await ensureDemoUser(config, db, print);

  const sweep = setInterval(() => void sweepExpired(db, Date.now()).catch(() => undefined), SWEEP_INTERVAL_MS);
  sweep.unref();
  // Mail that could not be sent at once (SMTP down) goes out when its retry is due.
  const stopMail = startMailWorker(context);

  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(s as Server));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host}:${port}`;
  log.log('info', 'listening', { url, store: config.databaseUrl ? 'postgres' : 'sqlite' });

  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      // Stop accepting, let in-flight requests finish, then release the store.
      closing ??= new Promise<void>((resolve) => {
        clearInterval(sweep);
        stopMail();
        server.close(() => void db.destroy().then(resolve, resolve));
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

async function ensureDemoUser(config: Config, db: Awaited<ReturnType<typeof openStore>>, print: (line: string) => void): Promise<void> {
  if (await findUserByEmail(db, config.demoUser)) {
    print(`Demo user: ${config.demoUser} (its password was printed at first start; change it with: npx login-flow user set-password --email ${config.demoUser})`);
    return;
  }
  const password = config.demoPassword ?? generatePassword();
  await createUser(db, config, { email: config.demoUser, password, name: 'Demo User', now: Date.now() });
  print(`Demo user created: ${config.demoUser}  password: ${password}`);
}
