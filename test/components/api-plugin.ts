import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { createLogger } from '../../server/log.js';
import { openStore, type Db } from '../../server/store/index.js';
import { createUser } from '../../server/users.js';

export const TEST_PASSWORD = 'Correct-Horse-42-Battery';

/**
 * Starts the real API (real SQLite file in a temp dir) beside the test runner
 * and answers two commands from the browser: `api-url` and `create-user`, which
 * makes a fresh user per test.
 */
export function loginFlowApiPlugin() {
  let server: Server | undefined;
  let db: Db | undefined;
  let dir = '';
  let url = '';
  let counter = 0;
  return {
    name: 'login-flow-api',
    async serverStart({ config }: { config: { port?: number } }) {
      dir = mkdtempSync(join(tmpdir(), 'lf-wtr-'));
      // Listen first, so the config can name the real port as the API's public origin.
      let handle: (request: Request, env: unknown) => Response | Promise<Response> = () => new Response(null, { status: 503 });
      server = await new Promise<Server>((resolve) => {
        const s = serve({ fetch: (request, env) => handle(request, env), port: 0, hostname: 'localhost' }, () => resolve(s as Server));
      });
      url = `http://localhost:${(server.address() as AddressInfo).port}`;
      // The test page's origin is localhost on the runner's port: a different origin from the API.
      const appConfig = loadConfig({
        NODE_ENV: 'test',
        DATA_DIR: dir,
        PUBLIC_URL: url,
        LOG_LEVEL: 'silent',
        ALLOWED_ORIGINS: `http://localhost:${config.port ?? 8000}`,
      });
      db = await openStore(appConfig);
      const { app } = createApp({ config: appConfig, db, log: createLogger('silent') });
      handle = (request, env) => app.fetch(request, env);
    },
    async serverStop() {
      await new Promise((resolve) => server?.close(resolve));
      await db?.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
    async executeCommand({ command }: { command: string }) {
      if (command === 'api-url') return url;
      if (command === 'create-user') {
        counter += 1;
        const email = `person${counter}-${Date.now()}@example.com`;
        await createUser(db!, { passwordPolicy: 'seeds' }, { email, password: TEST_PASSWORD, name: `Person ${counter}`, now: Date.now() });
        return { email, password: TEST_PASSWORD };
      }
      return undefined;
    },
  };
}
