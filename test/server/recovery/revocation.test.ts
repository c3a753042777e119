/*
 * A recovery replaces factors that may be in a thief's hands: when the new
 * factor is set up, every other session of the person ends, and so does
 * every sign-in parked at the second factor.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { issueRecoveryCode } from '../../../server/factors/recovery.js';
import type { FlowState } from '../../../server/flows/protocol.js';
import { approveRecoveryRequest } from '../../../server/recovery/decisions.js';
import { act, assertError, bodyOf, chooseMethod, PASSWORD, sessionCookieToken, SESSION_COOKIE_NAME, startServer, type TestServer } from '../helpers.js';
import { linkTokenIn, messagesTo, totpCode } from '../inbox.js';
import { ADMIN, atSecondFactor, company, fileRequest, PERSON } from './support.js';

/** Signs the person in with the authenticator app; returns the session's token. */
async function signedIn(server: TestServer, secret: string): Promise<string> {
  const flow = await atSecondFactor(server);
  const done = await act(server, flow.id, 'totp', { code: totpCode(secret, server.clock.now) });
  assert.equal((await bodyOf<FlowState>(done.clone())).step, 'done');
  return sessionCookieToken(done);
}

function session(server: TestServer, token: string): Promise<Response> {
  return server.request('/api/session', { headers: { cookie: `${SESSION_COOKIE_NAME}=${token}` } });
}

/** Files and approves a request, then completes the `recover` flow with a new authenticator app. */
async function recoverWithLink(server: TestServer): Promise<void> {
  const id = await fileRequest(server);
  await approveRecoveryRequest(server.context, id, { by: ADMIN, actor: 'cli' });
  const mail = (await messagesTo(server, PERSON)).find((m) => /was approved/.test(m.subject));
  assert.ok(mail);
  const opened = await bodyOf<FlowState>(await server.post('/api/flows/recover', { token: linkTokenIn(mail.body) }, { peer: PEER }));
  await completeSetup(server, await bodyOf<FlowState>(await act(server, opened.id, 'password', { password: PASSWORD }, { peer: PEER })));
}

/** The address the recovery is completed from. */
const PEER = '203.0.113.9';

/** At `method-choice` after a recovery: sets up a new authenticator app. */
async function completeSetup(server: TestServer, choice: FlowState): Promise<void> {
  const setup = await chooseMethod(server, choice);
  if (setup.step !== 'totp-setup') throw new Error('unreachable');
  const answer = await act(server, setup.id, 'totp', { code: totpCode(setup.data.secret, server.clock.now) }, { peer: PEER });
  assert.equal(answer.status, 200, JSON.stringify((await bodyOf<FlowState>(answer.clone())).error));
}

describe('a recovery ends what the lost factors opened', () => {
  for (const path of ['link', 'recovery code'] as const) {
    it(`ends every other session and parked sign-in (${path})`, async (t) => {
      const server = await startServer(t);
      const { personId, secret } = await company(server);
      const token = await signedIn(server, secret);
      assert.equal((await session(server, token)).status, 200);
      // A sign-in parked at the second factor, perhaps a thief's with the lost phone.
      const parked = await atSecondFactor(server);

      if (path === 'link') await recoverWithLink(server);
      else {
        const code = await issueRecoveryCode(server.db, { userId: personId, kind: 'recovery', now: server.clock.now });
        const flow = await atSecondFactor(server);
        await completeSetup(server, await bodyOf<FlowState>(await act(server, flow.id, 'recovery-code', { code })));
      }

      assert.equal((await session(server, token)).status, 401);
      const late = await act(server, parked.id, 'totp', { code: totpCode(secret, server.clock.now) });
      await assertError(late, 'flow_not_found');
      const audit = await server.db.selectFrom('audit_events').select('event').where('user_id', '=', personId).where('event', '=', 'mfa.recovered').execute();
      assert.equal(audit.length, 1);
      if (path === 'link') {
        const completed = await server.db.selectFrom('audit_events').select('ip').where('user_id', '=', personId).where('event', '=', 'recovery.completed').executeTakeFirstOrThrow();
        assert.equal(completed.ip, PEER);
      }
    });
  }
});
