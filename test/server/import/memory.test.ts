/*
 * The import streams: 200,000 people go through in batches while the heap
 * stays within a few megabytes of where it started, whatever the file's size.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { importUsers } from '../../../server/import/import.js';
import { startServer } from '../helpers.js';
import { legacyHash } from './legacy.js';

setFlagsFromString('--expose-gc');
/** The collector, so a sample measures what is still held, not garbage not yet collected. */
const gc = runInNewContext('gc') as () => void;

const ROWS = 200_000;
const LINES_PER_CHUNK = 1000;
/** Heap growth allowed: the batch in flight, the parser's buffers, the report; the file itself is about 20 MB. */
const MAX_GROWTH_BYTES = 24 * 1024 * 1024;

describe('import: memory', () => {
  it(`imports ${ROWS.toLocaleString('en')} rows with the heap bounded`, { timeout: 180_000 }, async (t) => {
    // PostgreSQL writes these rows several times slower; the streaming is the same code on both stores.
    if (process.env.TEST_DATABASE_URL) return t.skip('measured on SQLite');
    const server = await startServer(t);
    const hash = await legacyHash('bcrypt $2b$', 'Shared-Password-1!');
    const samples: number[] = [];
    gc();
    const baseline = process.memoryUsage().heapUsed;
    async function* file(): AsyncGenerator<string> {
      for (let start = 0; start < ROWS; start += LINES_PER_CHUNK) {
        let chunk = '';
        for (let i = start; i < start + LINES_PER_CHUNK; i++) chunk += `${JSON.stringify({ email: `user${i}@example.com`, name: `User ${i}`, locale: i % 2 ? 'nl' : 'en', password_hash: i % 100 === 0 ? hash : undefined })}\n`;
        if ((start / LINES_PER_CHUNK) % 20 === 10) {
          gc();
          samples.push(process.memoryUsage().heapUsed - baseline);
        }
        yield chunk;
      }
    }
    const report = await importUsers(server.context, { source: Readable.from(file()), format: 'jsonl', actor: 'cli' });
    assert.deepEqual([report.created, report.failed], [ROWS, 0]);
    const peak = Math.max(...samples);
    t.diagnostic(`heap growth: peak ${(peak / 1048576).toFixed(1)} MB over ${samples.length} samples`);
    assert.ok(peak < MAX_GROWTH_BYTES, `the heap grew by ${(peak / 1048576).toFixed(1)} MB`);
    const counted = await server.db.selectFrom('users').select(server.db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(counted.n), ROWS);
  });
});
