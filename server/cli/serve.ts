import cluster from 'node:cluster';
import { SHUTDOWN_TIMEOUT_MS, startCluster, startServer, startWorker, type RunningServer } from '../serve.js';
import { UsageError, type Command } from './command.js';

/** A process manager allows about this many CPUs' worth of workers; more is almost certainly a typo. */
const MAX_WORKERS = 256;

/** The longest drain `--shutdown-timeout` allows, in seconds. */
const SHUTDOWN_TIMEOUT_MAX_S = 3600;

/**
 * `serve`: one process, or with `--workers N` a primary and N workers on one
 * port (each worker runs this command again). The first SIGTERM or SIGINT
 * drains; a second one of the same kind ends the process at once (the default
 * action). It opens its own store, and keeps the process running.
 */
export const serve: Command = {
  name: 'serve',
  flags: '[--port N] [--workers N] [--shutdown-timeout S]',
  help: [
    'run the API (and the demo, in development); --workers N runs',
    'N API processes on one port (default 1: a single process);',
    'on SIGTERM or SIGINT it stops accepting, lets requests in',
    `flight finish for up to S seconds (default ${SHUTDOWN_TIMEOUT_MS / 1000}), then exits`,
  ],
  prepare(flags) {
    const workers = flags.workers === undefined ? 1 : Number(flags.workers);
    if (!Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) throw new UsageError(`--workers is a whole number from 1 to ${MAX_WORKERS}`);
    const timeout = flags['shutdown-timeout'] === undefined ? SHUTDOWN_TIMEOUT_MS / 1000 : Number(flags['shutdown-timeout']);
    if (!Number.isFinite(timeout) || timeout < 0 || timeout > SHUTDOWN_TIMEOUT_MAX_S) {
      throw new UsageError(`--shutdown-timeout is a number of seconds from 0 to ${SHUTDOWN_TIMEOUT_MAX_S}`);
    }
    const shutdownTimeoutMs = Math.round(timeout * 1000);

    return async (config) => {
      if (cluster.isPrimary && workers > 1) {
        const primary = await startCluster(config, { workers, shutdownTimeoutMs });
        console.log(`login-flow listening on ${primary.url} (${workers} workers)`);
        const stop = () => void primary.close().then((code) => process.exit(code));
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
        return undefined;
      }

      // Signals that arrive while the server starts are honoured once it listens.
      let server: RunningServer | undefined;
      let stopRequested = false;
      const stop = () => {
        stopRequested = true;
        if (server) void server.close().then(() => process.exit(0));
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      server = cluster.isWorker ? await startWorker(config, { shutdownTimeoutMs }) : await startServer(config, { shutdownTimeoutMs });
      if (!cluster.isWorker) console.log(`login-flow listening on ${server.url}`);
      if (stopRequested) stop();
      return undefined;
    };
  },
};
