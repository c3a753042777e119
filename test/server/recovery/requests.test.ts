/*
 * Filing recovery requests: the public form answers the same for every
 * address (known, unknown, disabled, signed in by a company's provider) and
 * only a real account gets a request and a notice; the limits per account
 * (quiet) and per client (`rate_limited`); bad input; the employee number.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setEmployeeNumber } from '../../../server/companies/members.js';
import { createOrganization, setRecoverySettings } from '../../../server/companies/registry.js';
import { seedSsoConnection } from '../../../server/companies/sso-connections.js';
import type { FlowState } from '../../../server/flows/protocol.js';
import { rejectRecoveryRequest, showRecoveryRequest } from '../../../server/recovery/decisions.js';
import { disableUser } from '../../../server/users.js';
import { act, addUser, assertError, bodyOf, PASSWORD, type RequestOptions, startServer, type TestServer } from '../helpers.js';
import { eventually, messagesTo, totpCode } from '../inbox.js';
import { ADMIN, atSecondFactor, company, fileRequest, PERSON } from './support.js';

/** Opens the public form and sends it; returns the answer. */
async function formRequest(server: TestServer, body: Record<string, unknown>, options: RequestOptions = {}): Promise<Response> {
  const started = await server.post('/api/flows/recovery-request', undefined, options);
  assert.equal(started.status, 201);
  const form = await bodyOf<FlowState>(started);
  assert.equal(form.step, 'recovery-request');
  assert.deepEqual(form.actions, ['request']);
  return act(server, form.id, 'request', body, options);
}

/** The answer without what differs by nature between two flows (their ids and ends). */
async function shapeOf(response: Response): Promise<unknown> {
  const { id: _id, expiresAt: _end, ...rest } = await bodyOf<FlowState>(response);
  return { status: response.status, ...rest };
}

const requestsOf = (server: TestServer, email: string) =>
  server.db.selectFrom('recovery_requests').innerJoin('users', 'users.id', 'recovery_requests.user_id').select(['recovery_requests.id', 'recovery_requests.source']).where('users.email', '=', email).execute();

describe('the public recovery form', () => {
  it('answers a known and an unknown address alike; only the known one is stored and mailed', async (t) => {
    const server = await startServer(t);
    await company(server);
    const unknown = await formRequest(server, { email: 'nobody@acme.example', note: 'Lost my phone.' });
    const known = await formRequest(server, { email: PERSON, note: 'Lost my phone.' });
    const [a, b] = [await shapeOf(unknown), await shapeOf(known)];
    assert.deepEqual({ ...(a as object), data: { ...(a as { data: object }).data, email: 'x' } }, { ...(b as object), data: { ...(b as { data: object }).data, email: 'x' } });
    assert.equal((b as { step: string }).step, 'recovery-requested');
    const notice = await eventually(async () => (await messagesTo(server, PERSON)).find((m) => /recovery request was made/.test(m.subject)), 'the notice');
    assert.ok(notice);
    assert.deepEqual((await requestsOf(server, PERSON)).map((r) => r.source), ['form']);
    assert.equal((await server.db.selectFrom('recovery_requests').select('id').execute()).length, 1, 'nothing for the unknown address');
    assert.deepEqual(await messagesTo(server, 'nobody@acme.example'), []);
  });

  it('answers the same, and files nothing, for a disabled account and for a company that signs its people in itself', async (t) => {
    const server = await startServer(t);
    await company(server);
    await addUser(server, 'gone@acme.example');
    await disableUser(server.context, { email: 'gone@acme.example', actor: 'cli' });
    const sso = await createOrganization(server.context, { name: 'Initech', slug: 'initech', actor: 'cli' });
    await seedSsoConnection(server.context, { organizationId: sso.id, name: 'Initech ID', issuer: 'https://id.initech.example', clientId: 'c', clientSecret: 's', domain: 'initech.example', now: server.clock.now });
    await addUser(server, 'sam@initech.example');
    for (const email of ['gone@acme.example', 'sam@initech.example']) {
      const answer = await formRequest(server, { email, note: 'Lost my phone.' });
      assert.equal(answer.status, 200);
      assert.equal((await bodyOf<FlowState>(answer)).step, 'recovery-requested');
    }
    // A known address's request, filed after these, is the proof their background work has run.
    await formRequest(server, { email: PERSON, note: 'Lost my phone.' });
    await eventually(async () => (await requestsOf(server, PERSON)).length === 1, 'the known request');
    assert.equal((await server.db.selectFrom('recovery_requests').select('id').execute()).length, 1);
  });

  it('refuses bad input with catalogue codes', async (t) => {
    const server = await startServer(t);
    await assertError(await formRequest(server, { email: PERSON, note: 'x'.repeat(1001) }), 'invalid_request');
    await assertError(await formRequest(server, { email: PERSON }), 'invalid_request');
    await assertError(await formRequest(server, { email: PERSON, note: '   ' }), 'invalid_request');
    await assertError(await formRequest(server, { email: PERSON, note: 'Lost.', employeeNumber: '9'.repeat(65) }), 'invalid_request');
    await assertError(await formRequest(server, { email: 'not an address', note: 'Lost.' }), 'invalid_email');
    await assertError(await formRequest(server, { email: PERSON, note: 'Lost.', extra: true }), 'invalid_request');
  });

  it('limits a client to 10 requests an hour with rate_limited', async (t) => {
    const server = await startServer(t);
    const peer = { peer: '203.0.113.9' };
    for (let i = 0; i < 10; i++) assert.equal((await formRequest(server, { email: `n${i}@acme.example`, note: 'Lost.' }, peer)).status, 200);
    await assertError(await formRequest(server, { email: 'n10@acme.example', note: 'Lost.' }, peer), 'rate_limited');
    // Another client is not held back, and an hour later this one may ask again.
    assert.equal((await formRequest(server, { email: 'n11@acme.example', note: 'Lost.' }, { peer: '203.0.113.10' })).status, 200);
    server.clock.advance(3_600_000);
    assert.equal((await formRequest(server, { email: 'n12@acme.example', note: 'Lost.' }, peer)).status, 200);
  });
});

describe('recovery requests at the second factor', () => {
  it('files after the password; over 3 a day for one account the answer stays the same and nothing is filed', async (t) => {
    const server = await startServer(t);
    await company(server);
    for (let i = 0; i < 3; i++) {
      const id = await fileRequest(server);
      await rejectRecoveryRequest(server.context, id, { by: ADMIN, reason: 'Call me first.', actor: 'cli' });
    }
    const flow = await atSecondFactor(server);
    const fourth = await act(server, flow.id, 'request-recovery', { note: 'Again.' });
    assert.equal(fourth.status, 200);
    assert.equal((await bodyOf<FlowState>(fourth)).step, 'recovery-requested');
    assert.equal((await requestsOf(server, PERSON)).length, 3);
    // The next day the account may ask again.
    server.clock.advance(24 * 3_600_000);
    await fileRequest(server);
    assert.equal((await requestsOf(server, PERSON)).length, 4);
  });

  it('joins a pending request: one open request per person', async (t) => {
    const server = await startServer(t);
    await company(server);
    const first = await fileRequest(server);
    const flow = await atSecondFactor(server);
    assert.equal((await act(server, flow.id, 'request-recovery', { note: 'Me again.' })).status, 200);
    assert.deepEqual((await requestsOf(server, PERSON)).map((r) => r.id), [first]);
  });

  it("asks for the employee number where the company does, and tells only the administrator whether it matched", async (t) => {
    const server = await startServer(t);
    const { orgId } = await company(server);
    await setRecoverySettings(server.context, orgId, { approvals: 1, employeeNumber: true, actor: 'cli' });
    await setEmployeeNumber(server.context, { organization: orgId, email: PERSON, employeeNumber: 'E-1042', actor: 'cli' });
    const flow = await atSecondFactor(server);
    if (flow.step !== 'second-factor') throw new Error('unreachable');
    assert.deepEqual(flow.data.recoveryRequest, { employeeNumber: true });
    const answer = await bodyOf<FlowState>(await act(server, flow.id, 'request-recovery', { note: 'Lost.', employeeNumber: 'E-9999' }));
    assert.equal(answer.step, 'recovery-requested');
    assert.doesNotMatch(JSON.stringify(answer), /match/);
    const [stored] = await requestsOf(server, PERSON);
    assert.equal((await showRecoveryRequest(server.context, stored!.id)).checked.employeeNumber, 'mismatch');
    await rejectRecoveryRequest(server.context, stored!.id, { by: ADMIN, reason: 'Wrong number.', actor: 'cli' });
    const id = await fileRequest(server, PERSON, { note: 'Lost.', employeeNumber: 'E-1042' });
    const details = await showRecoveryRequest(server.context, id);
    assert.equal(details.checked.employeeNumber, 'match');
    assert.equal(details.checked.passwordChecked, true);
  });

  it('is not offered when RECOVERY_REQUESTS is off', async (t) => {
    const server = await startServer(t, { RECOVERY_REQUESTS: 'false' });
    await company(server);
    const flow = await atSecondFactor(server);
    if (flow.step !== 'second-factor') throw new Error('unreachable');
    assert.equal(flow.data.recoveryRequest, undefined);
    assert.ok(!flow.actions.includes('request-recovery'));
    await assertError(await act(server, flow.id, 'request-recovery', { note: 'Lost.' }), 'action_not_allowed');
    await assertError(await server.post('/api/flows/recovery-request'), 'action_not_allowed');
  });
});

describe('recovery requests on the account page', () => {
  it("are not offered at a re-authentication's second factor", async (t) => {
    const server = await startServer(t, { REAUTH_MFA_HOURS: '0', SESSION_COOKIE: 'false' });
    const { secret } = await company(server);
    const signedIn = await atSecondFactor(server);
    const done = await bodyOf<FlowState>(await act(server, signedIn.id, 'totp', { code: totpCode(secret, server.clock.now) }));
    if (done.step !== 'done') throw new Error(`expected done, got ${done.step}`);
    const headers = { authorization: `Bearer ${done.data.session.token!}` };
    const reauth = await bodyOf<FlowState>(await server.post('/api/flows/reauth', {}, { headers }));
    const second = await bodyOf<FlowState>(await act(server, reauth.id, 'password', { password: PASSWORD }));
    if (second.step !== 'second-factor') throw new Error(`expected second-factor, got ${second.step}`);
    assert.equal(second.data.recoveryRequest, undefined);
    assert.ok(!second.actions.includes('request-recovery'));
    await assertError(await act(server, second.id, 'request-recovery', { note: 'Lost.' }), 'action_not_allowed');
  });
});
