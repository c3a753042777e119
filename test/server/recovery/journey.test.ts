/*
 * The whole journey of a person who lost their authenticator app: the
 * request at the second factor, the notice, an administrator's approval from
 * the CLI, the mailed link, the password, a new authenticator app, the new
 * recovery code, and the old app refused from then on.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FlowState } from '../../../server/flows/protocol.js';
import { cli } from '../cli-run.js';
import { act, assertError, bodyOf, chooseMethod, grantOf, PASSWORD, skipBackup, startServer } from '../helpers.js';
import { eventually, linkTokenIn, messagesTo, totpCode } from '../inbox.js';
import { ADMIN, atSecondFactor, company, PERSON } from './support.js';

describe('recovery request journey', () => {
  it('files at the second factor, is approved from the CLI, and replaces the lost app through the mailed link', async (t) => {
    const server = await startServer(t);
    // The CLI runs on the real clock: the server's starts there too, so the link it mails is live here.
    server.clock.now = Date.now();
    const { personId, secret: lost } = await company(server);

    const second = await atSecondFactor(server);
    if (second.step !== 'second-factor') throw new Error('unreachable');
    assert.deepEqual(second.data.recoveryRequest, { employeeNumber: false });
    assert.ok(second.actions.includes('request-recovery'));
    const requested = await bodyOf<FlowState>(await act(server, second.id, 'request-recovery', { note: 'My phone fell in the canal.' }));
    assert.equal(requested.step, 'recovery-requested');
    assert.deepEqual(requested.data, { email: PERSON, expiresInDays: 7 });
    assert.deepEqual(requested.actions, []);
    const notice = await eventually(async () => (await messagesTo(server, PERSON)).find((m) => /recovery request was made/.test(m.subject)), 'the notice mail');
    assert.match(notice.body, /If this was not you, change your password/);

    const env = { ...(server.config.databaseUrl ? { DATABASE_URL: server.config.databaseUrl } : {}) };
    const listed = await cli(server.dir, ['recovery', 'list', '--status', 'pending', '--json'], env);
    assert.equal(listed.code, 0, listed.stderr);
    const [request] = JSON.parse(listed.stdout) as { id: string; user: { email: string }; queue: string; note: string }[];
    assert.equal(request?.user.email, PERSON);
    assert.equal(request.queue, 'company');
    assert.equal(request.note, 'My phone fell in the canal.');
    const approved = await cli(server.dir, ['recovery', 'approve', '--id', request.id, '--by', ADMIN], env);
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(approved.stdout, /Approved; the recovery link was mailed/);

    const mail = (await messagesTo(server, PERSON)).find((m) => /was approved/.test(m.subject));
    assert.ok(mail, 'the link mail');
    assert.match(mail.body, /\/recover#token=/);
    const token = linkTokenIn(mail.body);
    server.clock.now = Date.now();

    const opened = await server.post('/api/flows/recover', { token });
    assert.equal(opened.status, 201);
    const password = await bodyOf<FlowState>(opened);
    assert.equal(password.step, 'password');
    assert.deepEqual(password.data, { email: PERSON });
    assert.deepEqual(password.actions, ['password'], 'no other address, no reset, no passkey');
    const choice = await bodyOf<FlowState>(await act(server, password.id, 'password', { password: PASSWORD }));
    assert.equal(choice.step, 'method-choice');
    if (choice.step !== 'method-choice') throw new Error('unreachable');
    assert.equal(choice.data.reason, 'recovered');
    assert.ok(!choice.actions.includes('remind-later'), 'set-up cannot be put off');
    const setup = await chooseMethod(server, choice);
    if (setup.step !== 'totp-setup') throw new Error('unreachable');
    const after = await skipBackup(server, await bodyOf<FlowState>(await act(server, setup.id, 'totp', { code: totpCode(setup.data.secret, server.clock.now) })));
    assert.equal(after.step, 'recovery-code');
    const done = await bodyOf<FlowState>(await act(server, after.id, 'confirm', { saved: true }));
    assert.equal(grantOf(done).user.email, PERSON);

    const stored = await server.db.selectFrom('recovery_requests').select(['status']).where('id', '=', request.id).executeTakeFirstOrThrow();
    assert.equal(stored.status, 'used');
    const credentials = await server.db.selectFrom('credentials').select(['type']).where('user_id', '=', personId).execute();
    assert.deepEqual(credentials.map((c) => c.type), ['totp'], 'the new app only');
    assert.ok((await messagesTo(server, PERSON)).some((m) => /Two-step verification was reset/.test(m.subject)), 'the recovered notice');
    const events = await server.db.selectFrom('audit_events').select('event').where('user_id', '=', personId).execute();
    for (const event of ['recovery.requested', 'recovery.approved', 'recovery.completed']) assert.ok(events.some((e) => e.event === event), event);

    // The lost app no longer signs in; the link is spent.
    server.clock.advance(30_000);
    const again = await atSecondFactor(server);
    await assertError(await act(server, again.id, 'totp', { code: totpCode(lost, server.clock.now) }), 'invalid_code');
    await assertError(await server.post('/api/flows/recover', { token }), 'recovery_link_invalid');
  });
});
