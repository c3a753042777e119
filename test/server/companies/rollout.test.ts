/*
 * A company's 2FA rollout in stages (seeds 001 and 004): the prompt from one
 * date, the code asked of those who have 2FA from another, 2FA required from
 * a third. Sign-ins go through the real flow API against a clock the test
 * moves (START is 2031-01-15); companies are made through the admin API.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import type { FlowState } from '../../../server/flows/protocol.js';
import type { Organization, RolloutStats } from '../../../server/companies/organizations.js';
import type { ErrorResponse } from '../../../server/flows/protocol.js';
import { sha256 } from '../../../server/security/random.js';
import { act, addUser, assertError, bodyOf, EMAIL, grantOf, MINUTE, PASSWORD, reachPassword, SESSION_COOKIE_NAME, sessionCookieToken, setCookieFor, startServer, type TestServer } from '../helpers.js';
import { addTotp, eventually, flowOf, linkTokenIn, messagesTo, openLink, totpCode } from '../inbox.js';

const KEY = 'admin-key-for-tests-0123456789-abcdefghij';
const PAST = '2031-01-01';
const SOON = '2031-02-01';
const LATER = '2031-03-01';
const DAY = 24 * 60 * MINUTE;
const DEVICE_COOKIE = '__Host-lf_device';

type Stages = { mfaPromptFrom?: string | null; mfaAskCodeFrom?: string | null; mfaRequiredFrom?: string | null };

/** One admin API request with the right key. */
function admin(server: TestServer, method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${KEY}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return server.request(`/api/admin${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

/** A response that must have `status`; its body. */
async function ok<T>(response: Response, status = 200): Promise<T> {
  assert.equal(response.status, status, await response.clone().text());
  return bodyOf<T>(response);
}

/** Status, catalogue code and field of a refusal. */
async function fieldOf(response: Response): Promise<[number, string | undefined, string | undefined]> {
  const { error } = await bodyOf<Partial<ErrorResponse>>(response);
  return [response.status, error?.code, error?.field];
}

async function serverWith(t: TestContext, env: Record<string, string> = {}): Promise<TestServer> {
  return startServer(t, { ADMIN_API_KEY: KEY, ...env });
}

/** A company with these stages, the person (by email) a member of it. */
async function company(server: TestServer, name: string, stages: Stages, members: string[] = [EMAIL]): Promise<Organization> {
  const created = await ok<Organization>(await admin(server, 'POST', '/organizations', { name, ...stages }), 201);
  for (const email of members) await ok(await admin(server, 'POST', `/organizations/${created.slug}/members`, { email }), 201);
  return created;
}

/** The step after the password, for a new sign-in. */
async function afterPassword(server: TestServer, email = EMAIL, headers: Record<string, string> = {}): Promise<FlowState> {
  const id = await reachPassword(server, email, { headers });
  return flowOf(await act(server, id, 'password', { password: PASSWORD }, { headers }));
}

/** A person with an authenticator app; returns its secret. */
async function withTotp(server: TestServer, email = EMAIL): Promise<string> {
  const user = await addUser(server, email);
  return addTotp(server, user.id);
}

describe('2FA rollout: people without 2FA', () => {
  it('a company with no stages prompts nobody', async (t) => {
    const server = await serverWith(t);
    await addUser(server);
    await company(server, 'Acme', {});
    assert.equal((await afterPassword(server)).step, 'done');
  });

  it('only a required date: the prompt shows from now on, with that date, as before prompt dates existed', async (t) => {
    const server = await serverWith(t);
    await addUser(server);
    await company(server, 'Acme', { mfaRequiredFrom: LATER });
    const prompt = await afterPassword(server);
    assert.equal(prompt.step, 'mfa-prompt');
    if (prompt.step === 'mfa-prompt') assert.equal(prompt.data.requiredFrom, LATER);
  });

  it('before the prompt date nobody is prompted; from it the prompt with "remind me later"; from the required date set-up', async (t) => {
    const server = await serverWith(t, { MFA_REMIND_LATER_LOGINS: '1' });
    await addUser(server);
    await company(server, 'Nmbrs', { mfaPromptFrom: SOON, mfaRequiredFrom: LATER });
    assert.equal((await afterPassword(server)).step, 'done', 'the prompt date has not come');

    server.clock.now = Date.parse(`${SOON}T00:00:00Z`);
    const prompt = await afterPassword(server);
    assert.equal(prompt.step, 'mfa-prompt', 'from 00:00 UTC on the prompt date');
    if (prompt.step === 'mfa-prompt') assert.equal(prompt.data.requiredFrom, LATER);
    assert.equal(grantOf(await flowOf(await act(server, prompt.id, 'remind-later'))).amr.join(' '), 'pwd');
    assert.equal((await afterPassword(server)).step, 'done', '"remind me later" holds for a sign-in');
    assert.equal((await afterPassword(server)).step, 'mfa-prompt', 'then the prompt is back');

    server.clock.now = Date.parse(`${LATER}T00:00:00Z`);
    const required = await afterPassword(server);
    assert.equal(required.step, 'method-choice');
    if (required.step === 'method-choice') assert.equal(required.data.reason, 'required');
  });

  it('a prompt date without a required date prompts from that date, with no date to show', async (t) => {
    const server = await serverWith(t);
    await addUser(server);
    await company(server, 'Acme', { mfaPromptFrom: PAST });
    const prompt = await afterPassword(server);
    assert.equal(prompt.step, 'mfa-prompt');
    if (prompt.step === 'mfa-prompt') assert.equal(prompt.data.requiredFrom, null);
  });

  it('the strictest of several companies and the server wins: any prompt on prompts, the earliest required date applies', async (t) => {
    const server = await serverWith(t, { MFA_REQUIRED_FROM: LATER });
    await addUser(server);
    await company(server, 'Later', { mfaPromptFrom: LATER, mfaRequiredFrom: LATER });
    // The server requires 2FA from LATER and has no prompt date: it prompts now, as it always did.
    assert.equal((await afterPassword(server)).step, 'mfa-prompt');
    await company(server, 'Sooner', { mfaRequiredFrom: PAST });
    assert.equal((await afterPassword(server)).step, 'method-choice', 'one company requires it already');
  });
});

describe('2FA rollout: asking people with 2FA for their code (seed 001: "from April 13th onwards")', () => {
  it('before the date, with every company in its window, the sign-in skips the code and carries amr pwd only', async (t) => {
    const server = await serverWith(t);
    await withTotp(server);
    await company(server, 'Nmbrs', { mfaPromptFrom: PAST, mfaAskCodeFrom: SOON, mfaRequiredFrom: LATER });
    await company(server, 'Sister', { mfaAskCodeFrom: LATER });
    const id = await reachPassword(server);
    // Two companies: the person chooses where to work, and the sign-in ends.
    const choice = await flowOf(await act(server, id, 'password', { password: PASSWORD }));
    if (choice.step !== 'choose-account') return assert.fail(choice.step);
    const response = await act(server, id, 'choose', { account: choice.data.accounts[0]!.id });
    const grant = grantOf(await flowOf(response));
    assert.deepEqual(grant.amr, ['pwd']);
    const session = await server.db.selectFrom('sessions').select(['amr', 'mfa_at']).executeTakeFirstOrThrow();
    assert.deepEqual(JSON.parse(session.amr), ['pwd']);
    assert.equal(session.mfa_at, null);
    const audit = await server.db.selectFrom('audit_events').select('detail').where('event', '=', 'login.success').executeTakeFirstOrThrow();
    assert.match(audit.detail ?? '', /"amr":"pwd"/);

    // Re-authentication for a credential change still asks the second factor.
    const cookie = { headers: { cookie: `${SESSION_COOKIE_NAME}=${sessionCookieToken(response)}` } };
    const reauth = await flowOf(await server.post('/api/flows/reauth', {}, cookie));
    const second = await flowOf(await act(server, reauth.id, 'password', { password: PASSWORD }, cookie));
    assert.equal(second.step, 'second-factor');
  });

  it('from the date the code is asked', async (t) => {
    const server = await serverWith(t);
    const secret = await withTotp(server);
    await company(server, 'Nmbrs', { mfaAskCodeFrom: SOON, mfaRequiredFrom: LATER });
    assert.equal((await afterPassword(server)).step, 'done');
    server.clock.now = Date.parse(`${SOON}T00:00:00Z`);
    const challenge = await afterPassword(server);
    assert.equal(challenge.step, 'second-factor');
    const done = grantOf(await flowOf(await act(server, challenge.id, 'totp', { code: totpCode(secret, server.clock.now) })));
    assert.deepEqual(done.amr, ['pwd', 'otp', 'mfa']);
  });

  it('one company without the date: the code is asked', async (t) => {
    const server = await serverWith(t);
    await withTotp(server);
    await company(server, 'Nmbrs', { mfaAskCodeFrom: SOON });
    await company(server, 'Elsewhere', {});
    assert.equal((await afterPassword(server)).step, 'second-factor');
  });

  it('no company: the code is asked', async (t) => {
    const server = await serverWith(t);
    await withTotp(server);
    // Another person's company in its window changes nothing for this one.
    await addUser(server, 'bob@example.com');
    await company(server, 'Nmbrs', { mfaAskCodeFrom: SOON }, ['bob@example.com']);
    assert.equal((await afterPassword(server)).step, 'second-factor');
    assert.equal((await afterPassword(server, 'bob@example.com')).step, 'done', 'bob has no 2FA and no prompt');
  });

  it('the server requires 2FA today: the code is asked, whatever the companies say', async (t) => {
    const server = await serverWith(t, { MFA_REQUIRED_FROM: PAST });
    await withTotp(server);
    await company(server, 'Nmbrs', { mfaAskCodeFrom: SOON });
    assert.equal((await afterPassword(server)).step, 'second-factor');
  });

  it('a company whose required date has come asks, even with its ask date ahead (stored out of order)', async (t) => {
    const server = await serverWith(t);
    await withTotp(server);
    const nmbrs = await company(server, 'Nmbrs', { mfaAskCodeFrom: SOON });
    await server.db.updateTable('organizations').set({ mfa_required_from: PAST }).where('id', '=', nmbrs.id).execute();
    assert.equal((await afterPassword(server)).step, 'second-factor');
  });

  it('a person holding only a recovery code is asked for it', async (t) => {
    const server = await serverWith(t);
    const user = await addUser(server);
    await server.db.insertInto('recovery_codes').values({ id: randomUUID(), user_id: user.id, code_hash: sha256('support-code'), kind: 'support', created_at: server.clock.now, used_at: null }).execute();
    await company(server, 'Nmbrs', { mfaAskCodeFrom: SOON });
    const challenge = await afterPassword(server);
    assert.equal(challenge.step, 'second-factor');
  });

  it('a password reset never skips a factor the person has, even in the window', async (t) => {
    const server = await serverWith(t);
    const user = await addUser(server);
    await company(server, 'Nmbrs', { mfaAskCodeFrom: SOON });
    const id = await reachPassword(server);
    assert.equal((await act(server, id, 'forgot', {})).status, 200);
    const mail = await eventually(async () => (await messagesTo(server, EMAIL)).find((m) => /reset your/i.test(m.subject)), 'the reset mail');
    const opened = await flowOf(await openLink(server, 'reset', linkTokenIn(mail.body)));
    assert.equal(opened.step, 'set-password', 'no second factor yet when the link is opened');
    // One is set up elsewhere before the new password is chosen.
    await addTotp(server, user.id);
    const next = await flowOf(await act(server, opened.id, 'password', { password: 'Another-Horse-7-Battery' }));
    assert.equal(next.step, 'second-factor');
  });

  it('a remembered device works as before, and its token still rotates', async (t) => {
    const server = await serverWith(t);
    const secret = await withTotp(server);
    const challenge = await afterPassword(server);
    const remembered = await act(server, challenge.id, 'totp', { code: totpCode(secret, server.clock.now), remember: true });
    const token = /=([^;]+)/.exec(setCookieFor(remembered, DEVICE_COOKIE) ?? '')![1]!;
    await company(server, 'Nmbrs', { mfaAskCodeFrom: SOON });
    server.clock.advance(MINUTE);
    const id = await reachPassword(server, EMAIL, { headers: { cookie: `${DEVICE_COOKIE}=${token}` } });
    const response = await act(server, id, 'password', { password: PASSWORD }, { headers: { cookie: `${DEVICE_COOKIE}=${token}` } });
    assert.deepEqual(grantOf(await flowOf(response)).amr, ['pwd']);
    const rotated = /=([^;]+)/.exec(setCookieFor(response, DEVICE_COOKIE) ?? '')?.[1];
    assert.ok(rotated && rotated !== token, 'the device was used, and its token rotated');
  });

  it('a person with 2FA in the window is not prompted, and one without it follows the prompt stage', async (t) => {
    const server = await serverWith(t);
    await withTotp(server);
    await addUser(server, 'bob@example.com');
    await company(server, 'Nmbrs', { mfaPromptFrom: PAST, mfaAskCodeFrom: SOON, mfaRequiredFrom: LATER }, [EMAIL, 'bob@example.com']);
    assert.equal((await afterPassword(server)).step, 'done');
    assert.equal((await afterPassword(server, 'bob@example.com')).step, 'mfa-prompt');
    server.clock.advance(60 * DAY);
    assert.equal((await afterPassword(server)).step, 'second-factor');
    assert.equal((await afterPassword(server, 'bob@example.com')).step, 'method-choice');
  });
});

describe('2FA rollout: the admin API', () => {
  it('creates and changes the stages, clears one with null, and keeps the others', async (t) => {
    const server = await serverWith(t);
    const created = await company(server, 'Nmbrs', { mfaPromptFrom: PAST, mfaAskCodeFrom: SOON, mfaRequiredFrom: LATER }, []);
    assert.deepEqual([created.mfaPromptFrom, created.mfaAskCodeFrom, created.mfaRequiredFrom], [PAST, SOON, LATER]);
    const changed = await ok<Organization>(await admin(server, 'PATCH', '/organizations/nmbrs', { mfaAskCodeFrom: null, mfaPromptFrom: SOON }));
    assert.deepEqual([changed.mfaPromptFrom, changed.mfaAskCodeFrom, changed.mfaRequiredFrom], [SOON, null, LATER]);
    const read = await ok<Organization>(await admin(server, 'GET', '/organizations/nmbrs'));
    assert.deepEqual([read.mfaPromptFrom, read.mfaAskCodeFrom], [SOON, null]);
    const events = await server.db.selectFrom('audit_events').select('detail').where('event', '=', 'organization.updated').execute();
    assert.deepEqual(JSON.parse(events[0]!.detail!), { organizationId: created.id, slug: 'nmbrs', mfaAskCodeFrom: null, mfaPromptFrom: SOON });
  });

  it('refuses stages out of order, bad dates and unknown companies', async (t) => {
    const server = await serverWith(t);
    await company(server, 'Nmbrs', { mfaRequiredFrom: SOON }, []);
    assert.deepEqual(await fieldOf(await admin(server, 'POST', '/organizations', { name: 'A', mfaPromptFrom: LATER, mfaRequiredFrom: SOON })), [400, 'invalid_request', 'mfaPromptFrom']);
    assert.deepEqual(await fieldOf(await admin(server, 'POST', '/organizations', { name: 'B', mfaAskCodeFrom: LATER, mfaRequiredFrom: SOON })), [400, 'invalid_request', 'mfaAskCodeFrom']);
    // Against the stored required date.
    assert.deepEqual(await fieldOf(await admin(server, 'PATCH', '/organizations/nmbrs', { mfaPromptFrom: LATER })), [400, 'invalid_request', 'mfaPromptFrom']);
    assert.deepEqual(await fieldOf(await admin(server, 'PATCH', '/organizations/nmbrs', { mfaAskCodeFrom: LATER })), [400, 'invalid_request', 'mfaAskCodeFrom']);
    // Moving the required date before a stored stage is as much out of order.
    await ok(await admin(server, 'PATCH', '/organizations/nmbrs', { mfaPromptFrom: SOON }));
    assert.deepEqual(await fieldOf(await admin(server, 'PATCH', '/organizations/nmbrs', { mfaRequiredFrom: PAST })), [400, 'invalid_request', 'mfaPromptFrom']);
    for (const bad of ['2031-02-30', '2031-1-1', 'soon', 20310101, '']) {
      assert.deepEqual(await fieldOf(await admin(server, 'PATCH', '/organizations/nmbrs', { mfaAskCodeFrom: bad })), [400, 'invalid_request', 'mfaAskCodeFrom']);
      assert.deepEqual(await fieldOf(await admin(server, 'POST', '/organizations', { name: 'C', mfaPromptFrom: bad })), [400, 'invalid_request', 'mfaPromptFrom']);
    }
    // Nothing was written by the refusals; an equal date is in order.
    const stored = await ok<Organization>(await admin(server, 'PATCH', '/organizations/nmbrs', { mfaAskCodeFrom: SOON }));
    assert.deepEqual([stored.mfaPromptFrom, stored.mfaAskCodeFrom, stored.mfaRequiredFrom], [SOON, SOON, SOON]);
    assert.equal((await server.db.selectFrom('organizations').select('id').execute()).length, 1);
    await assertError(await admin(server, 'PATCH', '/organizations/globex', { mfaPromptFrom: PAST }), 'organization_not_found');
    await assertError(await admin(server, 'GET', '/organizations/globex/stats'), 'organization_not_found');
  });
});

/** Gives a person a confirmed credential of a type, straight in the store. */
async function credential(server: TestServer, userId: string, type: 'totp' | 'passkey' | 'sms' | 'approver', confirmed = true): Promise<void> {
  await server.db
    .insertInto('credentials')
    .values({ id: randomUUID(), user_id: userId, type, secret: null, name: type, created_at: server.clock.now, confirmed_at: confirmed ? server.clock.now : null, last_used_at: null, last_step: null, credential_id: type === 'passkey' ? randomUUID() : null })
    .execute();
}

describe('2FA rollout: stats', () => {
  it('counts the members by method, without 2FA, deferred and by single sign-on, and shows the stages', async (t) => {
    const server = await serverWith(t);
    const people = ['totp', 'two', 'passkey', 'approver', 'snoozed', 'recovery', 'pending', 'sso'].map((name) => `${name}@${name === 'sso' ? 'acme.example' : 'example.com'}`);
    const ids = new Map<string, string>();
    for (const email of people) ids.set(email.split('@')[0]!, (await addUser(server, email)).id);
    const id = (name: string) => ids.get(name)!;
    await credential(server, id('totp'), 'totp');
    await credential(server, id('two'), 'totp');
    await credential(server, id('two'), 'sms');
    await credential(server, id('passkey'), 'passkey');
    await credential(server, id('approver'), 'approver');
    await credential(server, id('pending'), 'totp', false);
    await credential(server, id('sso'), 'totp');
    await server.db.updateTable('users').set({ mfa_snooze: 2 }).where('id', '=', id('snoozed')).execute();
    await server.db.insertInto('recovery_codes').values({ id: randomUUID(), user_id: id('recovery'), code_hash: sha256('x'), kind: 'support', created_at: server.clock.now, used_at: null }).execute();
    const nmbrs = await company(server, 'Nmbrs', { mfaPromptFrom: PAST, mfaAskCodeFrom: SOON, mfaRequiredFrom: LATER }, people);
    // Someone else's company and credentials count for nothing here.
    await addUser(server, 'other@example.com');
    await credential(server, (await server.db.selectFrom('users').select('id').where('email', '=', 'other@example.com').executeTakeFirstOrThrow()).id, 'totp');
    await company(server, 'Other', {}, ['other@example.com', 'totp@example.com']);
    // The acme.example addresses sign in through Acme's own provider.
    const acme = await company(server, 'Acme', {}, []);
    await server.db.insertInto('sso_domains').values({ domain: 'acme.example', organization_id: acme.id, created_at: server.clock.now }).execute();

    const stats = await ok<RolloutStats>(await admin(server, 'GET', `/organizations/${nmbrs.slug}/stats`));
    assert.deepEqual(stats, {
      organization: { id: nmbrs.id, slug: 'nmbrs', name: 'Nmbrs' },
      members: 8,
      sso: 1,
      withMfa: 4,
      byMethod: { totp: 2, passkey: 1, sms: 1, approver: 1 },
      withoutMfa: 3,
      recoveryCodeOnly: 1,
      deferred: 1,
      stages: { prompt: { from: PAST, reached: true }, askCode: { from: SOON, reached: false }, required: { from: LATER, reached: false } },
    });
    const empty = await ok<RolloutStats>(await admin(server, 'GET', `/organizations/${acme.id}/stats`));
    assert.deepEqual({ ...empty, organization: undefined }, {
      organization: undefined,
      members: 0,
      sso: 0,
      withMfa: 0,
      byMethod: { totp: 0, passkey: 0, sms: 0, approver: 0 },
      withoutMfa: 0,
      recoveryCodeOnly: 0,
      deferred: 0,
      // No dates: no prompt, the code always asked, 2FA not required.
      stages: { prompt: { from: null, reached: false }, askCode: { from: null, reached: true }, required: { from: null, reached: false } },
    });
  });
});
