/**
 * The server as a library (`login-flow/server`), for a host that runs the API
 * inside its own Node process instead of `npx login-flow serve`.
 *
 * ```ts
 * import { loadConfig, startServer } from 'login-flow/server';
 * const server = await startServer(loadConfig(process.env));
 * ```
 *
 * `createApp` gives the Hono app itself, to mount under a host's own Hono app
 * (with `openStore` for its store). The settings are the README's table.
 */
import type { Config } from './config.js';
import { startServer as serve, type RunningServer, type ServeOptions } from './serve.js';

export { createApp, type AppOptions } from './app.js';
export { ConfigError, loadConfig, SETTINGS, type Config, type Environment } from './config.js';
export { openStore, type Db } from './store/index.js';
export type { RunningServer, ServeOptions };

/**
 * Runs the API (and the scripts host pages embed) on `config.port`. Unlike
 * `login-flow serve`, it creates no demo user and no demo companies, whatever
 * `NODE_ENV` says: this is the host's own store (`demoUser: true` asks for them).
 */
export function startServer(config: Config, options: ServeOptions = {}): Promise<RunningServer> {
  return serve(config, { demoUser: false, ...options });
}
