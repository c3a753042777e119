/*
 * Runs a command with a throwaway PostgreSQL 15 cluster: starts it, passes its
 * URL as TEST_DATABASE_URL, stops it when the command ends. The server tests
 * then give every test its own database in it (test/server/helpers.ts).
 *
 *   node --import tsx test/support/with-postgres.ts npm run test:server
 */
import { spawn } from 'node:child_process';
import { openStore } from '../../server/store/index.js';
import { createDatabase, startPostgres } from './postgres.js';

/** The database every test's own database is copied from, migrated once. */
const TEMPLATE = 'lf_template';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: with-postgres <command> [args...]');
  process.exit(2);
}
const cluster = await startPostgres();
console.log(`PostgreSQL 15 test cluster on 127.0.0.1:${cluster.port}`);
const template = await createDatabase(cluster.url, { name: TEMPLATE });
await (await openStore({ dataDir: cluster.dir, databaseUrl: template.url })).destroy();
const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, TEST_DATABASE_URL: cluster.url, TEST_DATABASE_TEMPLATE: TEMPLATE } });
const code = await new Promise<number>((resolve) => child.once('exit', (status, signal) => resolve(status ?? (signal ? 1 : 0))));
cluster.stop();
process.exit(code);
