/*
 * The `recover` flow from an approved request's link: its password counts
 * against the same limits as a sign-in's, the link is spent only when the new
 * factor replaces the lost ones, and a recovery link opens nothing else (nor
 * does another link open it).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FlowState } from '../../../server/flows/protocol.js';
import { approveRecoveryRequest } from '../../../server/recovery/decisions.js';
import { issueLinkToken } from '../../../server/security/link-tokens.js';
import { sha256 } from '../../../server/security/random.js';
import { act, assertError, bodyOf, chooseMethod, PASSWORD, startServer, type TestServer, WRONG_PASSWORD } from '../helpers.js';
import { invite, linkTokenIn, messagesTo, openLink, totpCode } from '../inbox.js';
import { ADMIN, company, fileRequest, PERSON } from './support.js';

/** Files and approves a request; returns the mailed link's token. */
async function approvedLink(server: TestServer): Promise<string> {
  const id = await fileRequest(server);
  await approveRecoveryRequest(server.context, id, { by: ADMIN, actor: 'cli' });
  const mail = (await messagesTo(server, PERSON)).find((m) => /was approved/.test(m.subject));
  assert.ok(mail);
  return linkTokenIn(mail.body);
}

async function openRecover(server: TestServer, token: string): Promise<FlowState> {
  const opened = await server.post('/api/flows/recover', { token });
  assert.equal(opened.status, 201);
  return bodyOf<FlowState>(opened);
}

describe('the recover flow', () => {
  it('counts a wrong password against the account like a sign-in does', async (t) => {
    const server = await startServer(t, { ACCOUNT_MAX_FAILURES: '2' });
    await company(server);
    const token = await approvedLink(server);
    const flow = await openRecover(server, token);
    await assertError(await act(server, flow.id, 'password', { password: WRONG_PASSWORD }), 'invalid_credentials');
    const row = await server.db.selectFrom('rate_limits').select('count').where('key', '=', `pwd:acct:${sha256(PERSON)}`).executeTakeFirst();
    assert.equal(Number(row?.count), 1);
    await assertError(await act(server, flow.id, 'password', { password: WRONG_PASSWORD }), 'invalid_credentials');
    // Over the account's limit even the right password waits.
    const locked = await act(server, (await openRecover(server, token)).id, 'password', { password: PASSWORD });
    assert.equal(locked.status, 429);
  });

  it('keeps the link until set-up completes: an abandoned set-up leaves the old factors and the link', async (t) => {
    const server = await startServer(t);
    const { personId } = await company(server);
    const token = await approvedLink(server);
    const first = await openRecover(server, token);
    const choice = await bodyOf<FlowState>(await act(server, first.id, 'password', { password: PASSWORD }));
    await chooseMethod(server, choice);
    // Abandoned at the QR code: the old app is still there, and the link opens again.
    const confirmed = await server.db.selectFrom('credentials').select('id').where('user_id', '=', personId).where('confirmed_at', 'is not', null).execute();
    assert.equal(confirmed.length, 1);
    const second = await openRecover(server, token);
    const setup = await chooseMethod(server, await bodyOf<FlowState>(await act(server, second.id, 'password', { password: PASSWORD })));
    if (setup.step !== 'totp-setup') throw new Error('unreachable');
    const done = await act(server, setup.id, 'totp', { code: totpCode(setup.data.secret, server.clock.now) });
    assert.equal(done.status, 200);
    await assertError(await server.post('/api/flows/recover', { token }), 'recovery_link_invalid');
  });

  it('spends the link once: a second tab finishing set-up after the first is refused', async (t) => {
    const server = await startServer(t);
    await company(server);
    const token = await approvedLink(server);
    const tabs = await Promise.all([openRecover(server, token), openRecover(server, token)]);
    const choices: FlowState[] = [];
    for (const tab of tabs) choices.push(await bodyOf<FlowState>(await act(server, tab.id, 'password', { password: PASSWORD })));
    for (const [i, choice] of choices.entries()) {
      const setup = await chooseMethod(server, choice);
      if (setup.step !== 'totp-setup') throw new Error('unreachable');
      const answer = await act(server, setup.id, 'totp', { code: totpCode(setup.data.secret, server.clock.now) });
      if (i === 0) assert.equal(answer.status, 200);
      else await assertError(answer, 'recovery_link_invalid');
    }
    const credentials = await server.db.selectFrom('credentials').innerJoin('users', 'users.id', 'credentials.user_id').select('credentials.id').where('credentials.confirmed_at', 'is not', null).where('users.email', '=', PERSON).execute();
    assert.equal(credentials.length, 1, "the first tab's app only");
  });

  it('opens from a recovery link only: not from a reset or invitation link, and a recovery link opens neither', async (t) => {
    const server = await startServer(t);
    const { personId } = await company(server);
    const recovery = await approvedLink(server);
    const { token: reset } = await issueLinkToken(server.db, { userId: personId, purpose: 'password-reset', ttlMs: 3_600_000, now: server.clock.now });
    const invitation = await invite(server, 'newbie@acme.example');
    await assertError(await server.post('/api/flows/recover', { token: reset }), 'recovery_link_invalid');
    await assertError(await server.post('/api/flows/recover', { token: invitation }), 'recovery_link_invalid');
    await assertError(await server.post('/api/flows/recover', { token: 'nonsense' }), 'recovery_link_invalid');
    await assertError(await openLink(server, 'reset', recovery), 'reset_link_invalid');
    await assertError(await openLink(server, 'activate', recovery), 'invitation_invalid');
    // The recovery link itself still works after all that.
    assert.equal((await openRecover(server, recovery)).step, 'password');
  });

  it('stops working after RECOVERY_LINK_HOURS', async (t) => {
    const server = await startServer(t, { RECOVERY_LINK_HOURS: '2' });
    await company(server);
    const token = await approvedLink(server);
    server.clock.advance(2 * 3_600_000);
    await assertError(await server.post('/api/flows/recover', { token }), 'recovery_link_invalid');
  });
});
