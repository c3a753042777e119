/*
 * What a request may carry to whoever decides: a note of printable text and
 * line feeds, an employee number, a rejection's reason and the admin API's
 * `by` without control or bidi-override characters (`invalid_request` with
 * the field, never a 500 on PostgreSQL), and `recovery show` prints a note,
 * even one stored before the rule, so it cannot pass for the fields above it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FlowState } from '../../../server/flows/protocol.js';
import { cli } from '../cli-run.js';
import { act, bodyOf, startServer, type TestServer } from '../helpers.js';
import { admin, ADMIN_ENV, atSecondFactor, company, fileRequest, PERSON } from './support.js';

/** Asserts a 400 `invalid_request` naming `field`. */
async function refused(answer: Response, field: string): Promise<void> {
  assert.equal(answer.status, 400);
  const body = await bodyOf<{ error?: { code: string; field?: string } }>(answer);
  assert.deepEqual({ code: body.error?.code, field: body.error?.field }, { code: 'invalid_request', field });
}

async function formRequest(server: TestServer, body: Record<string, unknown>): Promise<Response> {
  const form = await bodyOf<FlowState>(await server.post('/api/flows/recovery-request'));
  return act(server, form.id, 'request', body);
}

const UNSAFE_NOTES = [
  ['an escape sequence', 'Lost it \x1b[2J\x1b[1;1HApproved by support'],
  ['NUL', 'Lost\0 it'],
  ['a bidi override', 'Lost it \u202Eorez\u202C'],
  ['a tab', 'Lost\tit'],
] as const;

describe('the text of a recovery request', () => {
  for (const [what, note] of UNSAFE_NOTES) {
    it(`refuses a note with ${what}, after the password and on the public form, for any address`, async (t) => {
      const server = await startServer(t);
      await company(server);
      const flow = await atSecondFactor(server);
      await refused(await act(server, flow.id, 'request-recovery', { note }), 'note');
      await refused(await formRequest(server, { email: PERSON, note }), 'note');
      await refused(await formRequest(server, { email: 'nobody@acme.example', note }), 'note');
      assert.equal((await server.db.selectFrom('recovery_requests').select('id').execute()).length, 0);
    });
  }

  it('refuses control characters in the employee number', async (t) => {
    const server = await startServer(t);
    await company(server);
    const flow = await atSecondFactor(server);
    await refused(await act(server, flow.id, 'request-recovery', { note: 'Lost it.', employeeNumber: 'E-7\0' }), 'employeeNumber');
    await refused(await formRequest(server, { email: PERSON, note: 'Lost it.', employeeNumber: 'E\x1b[0m' }), 'employeeNumber');
  });

  it('keeps a note\'s lines, a CR LF read as a line feed', async (t) => {
    const server = await startServer(t);
    await company(server);
    const id = await fileRequest(server, PERSON, { note: 'Lost it.\r\nOn the train.' });
    const row = await server.db.selectFrom('recovery_requests').select('note').where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.note, 'Lost it.\nOn the train.');
  });

  it("refuses control characters in a rejection's reason and in `by` on the admin API", async (t) => {
    const server = await startServer(t, ADMIN_ENV);
    await company(server);
    const id = await fileRequest(server);
    await refused(await admin(server, 'POST', `/recovery-requests/${id}/reject`, { reason: 'No\0' }), 'reason');
    await refused(await admin(server, 'POST', `/recovery-requests/${id}/reject`, { reason: 'Come by.', by: 'ada@acme.example\x1b[2K' }), 'by');
    await refused(await admin(server, 'POST', `/recovery-requests/${id}/approve`, { by: 'ada\0@acme.example' }), 'by');
    const row = await server.db.selectFrom('recovery_requests').select('status').where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.status, 'pending');
  });

  it('`recovery show` prints the note last, each line marked, and any control character stored before the rule escaped', async (t) => {
    const server = await startServer(t);
    server.clock.now = Date.now();
    await company(server);
    const env = { ...(server.config.databaseUrl ? { DATABASE_URL: server.config.databaseUrl } : {}) };
    const id = await fileRequest(server, PERSON, { note: 'Lost it.\nEmployee number: match\nApproved by ada@acme.example' });
    // Then as stored before the rule: a terminal's escape sequence and a carriage return.
    const before = 'Fine\x1b[1A\rEmployee number: match';
    for (const stored of [undefined, before]) {
      if (stored) await server.db.updateTable('recovery_requests').set({ note: stored }).where('id', '=', id).execute();
      const shown = await cli(server.dir, ['recovery', 'show', '--id', id], env);
      assert.equal(shown.code, 0, shown.stderr);
      const lines = shown.stdout.split(/\r\n|\r|\n/).filter((line) => line !== '');
      assert.equal(lines.filter((line) => line.startsWith('Employee number')).length, 1, shown.stdout);
      assert.equal(lines.filter((line) => line.startsWith('Approved by')).length, 0, shown.stdout);
      assert.doesNotMatch(shown.stdout, /\x1b/);
      const note = lines.findIndex((line) => line.startsWith('Note'));
      assert.ok(note > 0);
      assert.ok(lines.slice(note + 1).every((line) => line.startsWith('  | ')), shown.stdout);
    }
  });
});
