/*
 * Store writes per sign-in (DESIGN: a complete password + authenticator-code
 * login makes at most 4): each request commits once, and a clean sign-in
 * touches no failure counter. Counted by test/support/write-counter.ts on
 * SQLite, and on PostgreSQL under `npm run test:server:pg`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { TOTP_PERIOD_SECONDS } from '../../../../server/factors/totp.js';
import type { FlowState } from '../../../../server/flows/protocol.js';
import type { WriteCounter } from '../../../support/write-counter.js';
import { act, addUser, bodyOf, EMAIL, PASSWORD, startLogin, startServer, WRONG_PASSWORD, type TestServer } from '../../helpers.js';

const PROMPT = { MFA_REQUIRED_FROM: '2040-01-01' };

function codeAt(secret: string, time: number): string {
  return new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: TOTP_PERIOD_SECONDS, algorithm: 'SHA1' }).generate({ timestamp: time });
}

async function step(response: Response, expected: FlowState['step']): Promise<FlowState> {
  const flow = await bodyOf<FlowState>(response);
  assert.equal(flow.step, expected, JSON.stringify(flow.error));
  return flow;
}

/** A person with a password and an authenticator app; the clock a step past the set-up code. */
async function enrolled(server: TestServer): Promise<string> {
  await addUser(server);
  const start = await startLogin(server);
  await step(await act(server, start.id, 'email', { email: EMAIL }), 'password');
  await step(await act(server, start.id, 'password', { password: PASSWORD }), 'mfa-prompt');
  await step(await act(server, start.id, 'enable', {}), 'method-choice');
  const setup = await step(await act(server, start.id, 'choose', { method: 'totp' }), 'totp-setup');
  if (setup.step !== 'totp-setup') throw new Error('unreachable');
  // No backup method to offer (passkeys and texts are off here): straight on to the recovery code.
  await step(await act(server, start.id, 'totp', { code: codeAt(setup.data.secret, server.clock.now) }), 'recovery-code');
  await step(await act(server, start.id, 'confirm', { saved: true }), 'done');
  server.clock.advance(TOTP_PERIOD_SECONDS * 1000);
  return setup.data.secret;
}

/** Counts the writes of `work` alone. */
async function writesOf(counter: WriteCounter, work: () => Promise<void>): Promise<string[]> {
  const before = counter.log.length;
  await work();
  return counter.log.slice(before);
}

describe('store writes per sign-in', () => {
  it('a complete password + authenticator-code login commits 3 writes: none at the start, one per action', async (t) => {
    const counter: WriteCounter = { writes: 0, log: [] };
    const server = await startServer(t, PROMPT, { writes: counter });
    const secret = await enrolled(server);
    let id = '';
    const perRequest = [
      await writesOf(counter, async () => void (id = (await startLogin(server)).id)),
      await writesOf(counter, async () => void (await step(await act(server, id, 'email', { email: EMAIL }), 'password'))),
      await writesOf(counter, async () => void (await step(await act(server, id, 'password', { password: PASSWORD }), 'second-factor'))),
      await writesOf(counter, async () => void (await step(await act(server, id, 'totp', { code: codeAt(secret, server.clock.now) }), 'done'))),
    ];
    const all = perRequest.flat();
    assert.ok(all.length <= 4, `${all.length} writes:\n${all.join('\n')}`);
    // The start is sealed in the flow id and stores nothing; each action after it commits once.
    assert.deepEqual(perRequest.map((writes) => writes.length), [0, 1, 1, 1], perRequest.map((writes) => writes.join(' | ')).join('\n'));
    assert.match(perRequest[1]![0]!, /insert into "rate_limits".*insert into "flows"/s);
    // The last commit holds the whole end of the sign-in: the flow consumed, the session and the audit row.
    assert.match(perRequest[3]![0]!, /update "flows".*insert into "sessions".*insert into "audit_events"/s);
  });

  for (const [stored, sent, what] of [['nl', 'nl', 'the language already on record'], [null, 'nl-NL', 'a new language']] as const) {
    it(`a login that sends ${what} (Content-Language) still commits once per action`, async (t) => {
      const counter: WriteCounter = { writes: 0, log: [] };
      const server = await startServer(t, PROMPT, { writes: counter });
      const secret = await enrolled(server);
      await server.db.updateTable('users').set({ locale: stored }).execute();
      const headers = { 'content-language': sent };
      let id = '';
      const perRequest = [
        await writesOf(counter, async () => void (id = (await startLogin(server)).id)),
        await writesOf(counter, async () => void (await step(await act(server, id, 'email', { email: EMAIL }, { headers }), 'password'))),
        await writesOf(counter, async () => void (await step(await act(server, id, 'password', { password: PASSWORD }, { headers }), 'second-factor'))),
        await writesOf(counter, async () => void (await step(await act(server, id, 'totp', { code: codeAt(secret, server.clock.now) }, { headers }), 'done'))),
      ];
      assert.deepEqual(perRequest.map((writes) => writes.length), [0, 1, 1, 1], perRequest.map((writes) => writes.join(' | ')).join('\n'));
      // A new language joins the commit that ends the sign-in; the same one writes nothing.
      assert.equal(/update "users"/.test(perRequest[3]![0]!), stored === null);
      const user = await server.db.selectFrom('users').select('locale').executeTakeFirstOrThrow();
      assert.equal(user.locale, 'nl');
    });
  }

  it('a wrong password commits once: the failure counts, the audit row and the flow failure together', async (t) => {
    const counter: WriteCounter = { writes: 0, log: [] };
    const server = await startServer(t, {}, { writes: counter });
    await addUser(server);
    // The signing key is made once per store, at the first session: not a write of this sign-in.
    await server.context.keys.ready();
    const start = await startLogin(server);
    await step(await act(server, start.id, 'email', { email: EMAIL }), 'password');
    const writes = await writesOf(counter, async () => {
      const response = await act(server, start.id, 'password', { password: WRONG_PASSWORD });
      assert.equal(response.status, 401);
    });
    assert.equal(writes.length, 1, writes.join('\n'));
    assert.match(writes[0]!, /insert into "rate_limits".*insert into "audit_events".*update "flows"/s);
    // The right password after it clears the account's failures, still in one commit with the flow's move.
    const after = await writesOf(counter, async () => void (await step(await act(server, start.id, 'password', { password: PASSWORD }), 'done')));
    assert.equal(after.length, 1, after.join('\n'));
    assert.match(after[0]!, /delete from "rate_limits"/);
  });
});
