/*
 * Deciding recovery requests through the admin API: who may (the person's
 * company administrators, or support for people without one), the
 * two-person rule, races between decisions, rejection, expiry, bad input.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../../server/log.js';
import { sweepExpired } from '../../../server/maintenance.js';
import { addUser, assertError, bodyOf, startServer } from '../helpers.js';
import { addTotp, messagesTo } from '../inbox.js';
import { admin, ADMIN, ADMIN_ENV, company, fileRequest, OUTSIDER, PERSON, SECOND_ADMIN } from './support.js';

const approve = (server: Parameters<typeof admin>[0], id: string, by?: string) => admin(server, 'POST', `/recovery-requests/${id}/approve`, by === undefined ? {} : { by });
const reject = (server: Parameters<typeof admin>[0], id: string, body: Record<string, unknown>) => admin(server, 'POST', `/recovery-requests/${id}/reject`, body);
const linkMails = async (server: Parameters<typeof admin>[0], email = PERSON) => (await messagesTo(server, email)).filter((m) => /was approved/.test(m.subject));

describe('who decides a recovery request', () => {
  it("refuses anyone but an administrator of the person's company", async (t) => {
    const server = await startServer(t, ADMIN_ENV);
    await company(server);
    await addUser(server, 'colleague@acme.example');
    const id = await fileRequest(server);
    await assertError(await approve(server, id, OUTSIDER), 'recovery_not_administrator');
    await assertError(await approve(server, id, PERSON), 'recovery_not_administrator');
    await assertError(await approve(server, id, 'colleague@acme.example'), 'recovery_not_administrator');
    await assertError(await approve(server, id, 'nobody@acme.example'), 'recovery_not_administrator');
    await assertError(await approve(server, id), 'recovery_not_administrator');
    await assertError(await approve(server, id, 'support'), 'recovery_not_administrator');
    await assertError(await reject(server, id, { by: OUTSIDER, reason: 'No.' }), 'recovery_not_administrator');
    const answer = await approve(server, id, ADMIN);
    assert.equal(answer.status, 200);
    assert.equal((await bodyOf<{ status: string }>(answer)).status, 'approved');
    assert.equal((await linkMails(server)).length, 1);
  });

  it('sends the requests of people without a company administrator to support', async (t) => {
    const server = await startServer(t, ADMIN_ENV);
    const loner = await addUser(server, 'lou@example.com');
    await addTotp(server, loner.id);
    const id = await fileRequest(server, 'lou@example.com');
    const listed = await bodyOf<{ requests: { id: string; queue: string }[] }>(await admin(server, 'GET', '/recovery-requests?status=pending'));
    assert.deepEqual(listed.requests.map((r) => [r.id, r.queue]), [[id, 'support']]);
    await assertError(await approve(server, id, ADMIN), 'recovery_not_administrator');
    const answer = await approve(server, id);
    assert.equal(answer.status, 200);
    assert.equal((await linkMails(server, 'lou@example.com')).length, 1);
  });
});

describe('the two-person rule', () => {
  it('needs two different administrators; the same one twice is refused', async (t) => {
    const server = await startServer(t, ADMIN_ENV);
    await company(server);
    assert.equal((await admin(server, 'PUT', '/organizations/acme/recovery', { approvals: 2, employeeNumber: false })).status, 200);
    const id = await fileRequest(server);
    const first = await bodyOf<{ status: string; approvals: number; approvalsNeeded: number }>(await approve(server, id, ADMIN));
    assert.deepEqual(first, { id, status: 'pending', approvals: 1, approvalsNeeded: 2 });
    assert.equal((await linkMails(server)).length, 0);
    await assertError(await approve(server, id, ADMIN.toUpperCase()), 'recovery_same_administrator');
    server.clock.advance(60_000);
    const second = await bodyOf<{ status: string; approvals: number }>(await approve(server, id, SECOND_ADMIN));
    assert.equal(second.status, 'approved');
    assert.equal(second.approvals, 2);
    assert.equal((await linkMails(server)).length, 1);
    const details = await bodyOf<{ approvedBy: { by: string }[]; decidedBy: string }>(await admin(server, 'GET', `/recovery-requests/${id}`));
    assert.deepEqual(details.approvedBy.map((a) => a.by), [ADMIN, SECOND_ADMIN]);
    assert.equal(details.decidedBy, SECOND_ADMIN);
  });

  it('counts two administrators approving at once as the two approvals', async (t) => {
    const server = await startServer(t, ADMIN_ENV);
    await company(server);
    await admin(server, 'PUT', '/organizations/acme/recovery', { approvals: 2, employeeNumber: false });
    const id = await fileRequest(server);
    const answers = await Promise.all([approve(server, id, ADMIN), approve(server, id, SECOND_ADMIN)]);
    const statuses = await Promise.all(answers.map(async (a) => (await bodyOf<{ status: string }>(a)).status));
    assert.deepEqual(statuses.sort(), ['approved', 'pending']);
    assert.equal((await linkMails(server)).length, 1);
  });
});

describe('racing decisions', () => {
  it('two final approvals at once: one wins, the other hears recovery_request_closed, one link is mailed', async (t) => {
    const server = await startServer(t, ADMIN_ENV);
    await company(server);
    const id = await fileRequest(server);
    const answers = await Promise.all([approve(server, id, ADMIN), approve(server, id, SECOND_ADMIN)]);
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 409]);
    assert.equal((await linkMails(server)).length, 1);
    const approvals = await server.db.selectFrom('recovery_request_approvals').select('approver').where('request_id', '=', id).execute();
    assert.equal(approvals.length, 1, "the loser's approval is undone with it");
  });

  it('an approval and a rejection at once: exactly one of them happens', async (t) => {
    const server = await startServer(t, ADMIN_ENV);
    await company(server);
    const id = await fileRequest(server);
    const [approved, rejected] = await Promise.all([approve(server, id, ADMIN), reject(server, id, { by: SECOND_ADMIN, reason: 'Not you.' })]);
    assert.deepEqual([approved.status, rejected.status].sort(), [200, 409]);
    const row = await server.db.selectFrom('recovery_requests').select('status').where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.status, approved.status === 200 ? 'approved' : 'rejected');
  });
});

describe('rejection and expiry', () => {
  it('mails the person the reason, and the request stays closed', async (t) => {
    const server = await startServer(t, ADMIN_ENV);
    await company(server);
    const id = await fileRequest(server);
    const answer = await reject(server, id, { by: ADMIN, reason: 'Please come to the front desk with your ID.' });
    assert.deepEqual(await bodyOf(answer), { id, status: 'rejected' });
    const mail = (await messagesTo(server, PERSON)).find((m) => /was refused/.test(m.subject));
    assert.ok(mail);
    assert.match(mail.body, /Please come to the front desk with your ID\./);
    await assertError(await approve(server, id, SECOND_ADMIN), 'recovery_request_closed');
  });

  it('expires after 7 days: it reads expired, cannot be decided, and the sweep closes and audits it', async (t) => {
    const server = await startServer(t, ADMIN_ENV);
    const { personId } = await company(server);
    const id = await fileRequest(server);
    server.clock.advance(7 * 24 * 3_600_000);
    const shown = await bodyOf<{ status: string }>(await admin(server, 'GET', `/recovery-requests/${id}`));
    assert.equal(shown.status, 'expired');
    assert.deepEqual((await bodyOf<{ requests: unknown[] }>(await admin(server, 'GET', '/recovery-requests?status=pending'))).requests, []);
    assert.equal((await bodyOf<{ requests: unknown[] }>(await admin(server, 'GET', '/recovery-requests?status=expired&org=acme'))).requests.length, 1);
    await assertError(await approve(server, id, ADMIN), 'recovery_request_closed');
    await sweepExpired(server.db, server.clock.now, createLogger('silent'));
    const row = await server.db.selectFrom('recovery_requests').select('status').where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.status, 'expired');
    const events = await server.db.selectFrom('audit_events').select('event').where('user_id', '=', personId).where('event', '=', 'recovery.expired').execute();
    assert.equal(events.length, 1);
  });
});

describe('the admin API refuses bad input with catalogue codes', () => {
  it('bad id, bad by, missing or over-long reason, bad settings', async (t) => {
    const server = await startServer(t, ADMIN_ENV);
    await company(server);
    const id = await fileRequest(server);
    await assertError(await admin(server, 'GET', '/recovery-requests/nope'), 'recovery_request_not_found');
    await assertError(await admin(server, 'GET', `/recovery-requests/${'A'.repeat(22)}`), 'recovery_request_not_found');
    await assertError(await approve(server, 'x'.repeat(300), ADMIN), 'recovery_request_not_found');
    await assertError(await approve(server, id, 'not an address'), 'invalid_email');
    await assertError(await admin(server, 'POST', `/recovery-requests/${id}/approve`, { by: 42 }), 'invalid_request');
    await assertError(await reject(server, id, { by: ADMIN }), 'invalid_request');
    await assertError(await reject(server, id, { by: ADMIN, reason: 'x'.repeat(1001) }), 'invalid_request');
    await assertError(await admin(server, 'GET', '/recovery-requests?status=lost'), 'invalid_request');
    await assertError(await admin(server, 'GET', '/recovery-requests?org=nowhere'), 'organization_not_found');
    await assertError(await admin(server, 'PUT', '/organizations/acme/recovery', { approvals: 3, employeeNumber: false }), 'invalid_request');
    await assertError(await admin(server, 'PUT', '/organizations/nowhere/recovery', { approvals: 1, employeeNumber: false }), 'organization_not_found');
    await assertError(await admin(server, 'PUT', '/organizations/acme/members/employee-number', { email: OUTSIDER, employeeNumber: '1' }), 'user_not_found');
    await assertError(await admin(server, 'PUT', '/organizations/acme/members/employee-number', { email: 'bad', employeeNumber: '1' }), 'invalid_email');
    assert.equal((await admin(server, 'PUT', '/organizations/acme/members/employee-number', { email: PERSON, employeeNumber: 'E-1' })).status, 204);
    // Still pending after all that.
    assert.equal((await bodyOf<{ status: string }>(await admin(server, 'GET', `/recovery-requests/${id}`))).status, 'pending');
  });
});
