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
export { createApp, type AppOptions } from './app.js';
export { ConfigError, loadConfig, SETTINGS, type Config, type Environment } from './config.js';
export { openStore, type Db } from './store/index.js';
export { startServer, type RunningServer, type ServeOptions } from './serve.js';
