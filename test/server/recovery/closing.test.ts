/*
 * Requests that other events end: a stranger's form filings neither use up
 * nor absorb the person's own request after the password (it supersedes a
 * pending form request), and a password change, support's 2FA reset or a
 * disabled account closes open requests and ends their links.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FlowState } from '../../../server/flows/protocol.js';
import { approveRecoveryRequest } from '../../../server/recovery/decisions.js';
import { disableUser, setPassword, supportResetMfa } from '../../../server/users.js';
import { act, assertError, bodyOf, startServer, type TestServer } from '../helpers.js';
import { eventually, linkTokenIn, messagesTo } from '../inbox.js';
import { ADMIN, atSecondFactor, company, fileRequest, PERSON } from './support.js';

const requestsOf = (server: TestServer) =>
  server.db.selectFrom('recovery_requests').select(['id', 'source', 'status', 'note', 'reason']).orderBy('created_at').execute();

async function formRequest(server: TestServer, note: string): Promise<void> {
  const form = await bodyOf<FlowState>(await server.post('/api/flows/recovery-request'));
  const answer = await act(server, form.id, 'request', { email: PERSON, note });
  assert.equal(answer.status, 200);
}

const closedEvents = (server: TestServer, userId: string) =>
  server.db.selectFrom('audit_events').select('detail').where('user_id', '=', userId).where('event', '=', 'recovery.closed').execute();

describe('a recovery request and what ends it', () => {
  it("files after the password even when a stranger's form filings used up the form's limit; the form's request is superseded", async (t) => {
    const server = await startServer(t);
    const { personId } = await company(server);
    for (let i = 0; i < 3; i++) {
      await formRequest(server, `Not me ${i}.`);
      // The form files after its answer: the first is stored before the next comes.
      await eventually(async () => (await requestsOf(server)).length === 1, 'the form request');
    }
    const flow = await atSecondFactor(server);
    const answer = await act(server, flow.id, 'request-recovery', { note: 'My phone fell in the canal.' });
    assert.equal((await bodyOf<FlowState>(answer)).step, 'recovery-requested');
    const rows = await requestsOf(server);
    assert.deepEqual(rows.map((r) => [r.source, r.status]), [['form', 'closed'], ['second-factor', 'pending']]);
    assert.equal(rows[0]!.reason, 'superseded');
    assert.equal(rows[1]!.note, 'My phone fell in the canal.');
    assert.equal((await closedEvents(server, personId)).length, 1);
  });

  for (const event of ['support resets 2FA', 'the password changes', 'the account is disabled'] as const) {
    it(`ends an approved request's link when ${event}`, async (t) => {
      const server = await startServer(t);
      const { personId } = await company(server);
      const id = await fileRequest(server);
      await approveRecoveryRequest(server.context, id, { by: ADMIN, actor: 'cli' });
      const mail = (await messagesTo(server, PERSON)).find((m) => /was approved/.test(m.subject));
      assert.ok(mail);
      const token = linkTokenIn(mail.body);

      if (event === 'support resets 2FA') await supportResetMfa(server.context, { email: PERSON, actor: 'cli' });
      else if (event === 'the password changes') await setPassword(server.context, server.config, { email: PERSON, password: 'Another-Horse-42-Battery', now: server.clock.now });
      else await disableUser(server.context, { email: PERSON, actor: 'cli' });

      await assertError(await server.post('/api/flows/recover', { token }), 'recovery_link_invalid');
      assert.deepEqual((await requestsOf(server)).map((r) => r.status), ['closed']);
      assert.equal((await closedEvents(server, personId)).length, 1);
    });
  }

  it('closes a pending request when the password changes', async (t) => {
    const server = await startServer(t);
    await company(server);
    await fileRequest(server);
    await setPassword(server.context, server.config, { email: PERSON, password: 'Another-Horse-42-Battery', now: server.clock.now });
    assert.deepEqual((await requestsOf(server)).map((r) => [r.status, r.reason]), [['closed', 'password-changed']]);
  });
});
