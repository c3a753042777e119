/*
 * Import rate: rows per second of `importUsers` (what `login-flow import
 * users` and the admin API run) on a fresh store of each kind, in this
 * process. The file is generated as it is read, JSON lines, no password
 * hashes (a hash is checked for its format only, so hashes change little),
 * a name and a language each, one person in ten with a company account.
 * Part 6 of `npm run bench`; alone:
 *
 *   node --import tsx bench/import.ts        (BENCH_IMPORT_ROWS, BENCH_STORES)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createApp } from '../server/app.js';
import { createOrganization } from '../server/companies/organizations.js';
import { loadConfig } from '../server/config.js';
import { importUsers } from '../server/import/import.js';
import { openStore } from '../server/store/index.js';
import { createDatabase, startPostgres, type PostgresCluster } from '../test/support/postgres.js';
import type { StoreKind } from './fill.js';

/** Rows per run unless BENCH_IMPORT_ROWS says otherwise. */
export const IMPORT_ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 100_000);

export interface ImportRate {
  kind: StoreKind;
  rows: number;
  seconds: number;
  perSecond: number;
}

async function* generated(rows: number): AsyncGenerator<string> {
  const PER_CHUNK = 1000;
  for (let start = 0; start < rows; start += PER_CHUNK) {
    let chunk = '';
    for (let i = start; i < Math.min(rows, start + PER_CHUNK); i++) {
      chunk += `${JSON.stringify({ email: `person${i}@example.com`, name: `Person ${i}`, locale: i % 2 ? 'nl' : 'en', email_verified: true, ...(i % 10 === 0 ? { companies: [{ org: 'acme', role: 'employee' }] } : {}) })}\n`;
    }
    yield chunk;
  }
}

/** Imports `rows` generated people into a fresh store of `kind` (PostgreSQL: a new database in `cluster`). */
export async function importRate(kind: StoreKind, rows: number, cluster?: PostgresCluster): Promise<ImportRate> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lf-bench-import-'));
  const database = kind === 'postgres' ? await createDatabase(cluster!.url) : undefined;
  const config = loadConfig({ DATA_DIR: dataDir, NODE_ENV: 'test', LOG_LEVEL: 'silent', ...(database ? { DATABASE_URL: database.url } : {}) });
  const db = await openStore(config);
  try {
    const { context } = createApp({ config, db });
    await createOrganization(context, { name: 'Acme', slug: 'acme', actor: 'cli' });
    const started = performance.now();
    const report = await importUsers(context, { source: Readable.from(generated(rows)), format: 'jsonl', actor: 'cli', ...(process.env.BENCH_IMPORT_BATCH ? { batchRows: Number(process.env.BENCH_IMPORT_BATCH) } : {}) });
    const seconds = (performance.now() - started) / 1000;
    if (report.created !== rows) throw new Error(`imported ${report.created} of ${rows}: ${JSON.stringify(report.errors.slice(0, 3))}`);
    return { kind, rows, seconds, perSecond: rows / seconds };
  } finally {
    await db.destroy();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** One line of the bench's table. */
export function describeImportRate({ rows, seconds, perSecond }: ImportRate): string {
  return `${Math.round(perSecond).toLocaleString('en-US')} rows/s (${rows.toLocaleString('en-US')} rows in ${seconds.toFixed(1)} s, batches of 500, in process)`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const stores = (process.env.BENCH_STORES ?? 'sqlite,postgres').split(',').filter(Boolean) as StoreKind[];
  const cluster = stores.includes('postgres') ? await startPostgres() : undefined;
  try {
    for (const kind of stores) console.log(`import, ${kind}: ${describeImportRate(await importRate(kind, IMPORT_ROWS, cluster))}`);
  } finally {
    cluster?.stop();
  }
}
