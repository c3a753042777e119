/*
 * The recovery commands of the CLI on a server's store: a company's rules, a
 * member's employee number, one request shown, and a rejection by an
 * administrator (approval is in the journey test).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { showRecoveryRequest } from '../../../server/recovery/decisions.js';
import { cli } from '../cli-run.js';
import { startServer } from '../helpers.js';
import { messagesTo } from '../inbox.js';
import { ADMIN, company, fileRequest, PERSON } from './support.js';

describe('recovery commands', () => {
  it('set the rules, record an employee number, show a request and reject it', async (t) => {
    const server = await startServer(t);
    server.clock.now = Date.now();
    await company(server);
    const env = { ...(server.config.databaseUrl ? { DATABASE_URL: server.config.databaseUrl } : {}) };
    const run = (...args: string[]) => cli(server.dir, args, env);

    const rules = await run('org', 'recovery', '--org', 'acme', '--approvals', '2', '--employee-number', 'required');
    assert.equal(rules.code, 0, rules.stderr);
    assert.match(rules.stdout, /two administrators; employee number required/);
    const numbered = await run('member', 'employee-number', '--org', 'acme', '--email', PERSON, '--number', 'E-7');
    assert.equal(numbered.code, 0, numbered.stderr);
    assert.equal((await run('org', 'recovery', '--org', 'acme', '--approvals', '3')).code, 2, 'approvals is 1 or 2');
    assert.equal((await run('recovery', 'reject', '--id', 'x')).code, 2, '--reason is required');

    const id = await fileRequest(server, PERSON, { note: 'Lost it on the train.', employeeNumber: 'E-7' });
    const shown = await run('recovery', 'show', '--id', id);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /Employee number: match/);
    assert.match(shown.stdout, /0\/2 approvals/);
    assert.match(shown.stdout, /\n  \| Lost it on the train\.\n/);

    const rejected = await run('recovery', 'reject', '--id', id, '--by', ADMIN, '--reason', 'Come by the office.');
    assert.equal(rejected.code, 0, rejected.stderr);
    assert.equal((await showRecoveryRequest(server.context, id)).status, 'rejected');
    assert.ok((await messagesTo(server, PERSON)).some((m) => /was refused/.test(m.subject) && /Come by the office\./.test(m.body)));
    const again = await run('recovery', 'approve', '--id', id, '--by', ADMIN);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /recovery_request_closed/);
  });
});
