/*
 * The person's language: told to the widget on flows opened from an emailed
 * link (the invitation's language), and remembered on their record when they
 * sign in having chosen one (`Content-Language`), for the mail that follows.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { issueLinkToken } from '../../../../server/security/link-tokens.js';
import { act, addUser, chooseMethod, EMAIL, grantOf, PASSWORD, reachPassword, signIn, startServer } from '../../helpers.js';
import { codeIn, eventually, flowOf, invite, messagesTo, openLink, totpCode } from '../../inbox.js';

const NEW_EMAIL = 'nieuw@example.com';

describe('the language of flows opened from an emailed link', () => {
  it('activation carries the invitation\'s language on every step, to the end', async (t) => {
    const server = await startServer(t, { MFA_REQUIRED_FROM: '2020-01-01', SMS: 'off' });
    const opened = await flowOf(await openLink(server, 'activate', await invite(server, NEW_EMAIL, { locale: 'nl' })));
    assert.equal(opened.locale, 'nl');
    const verify = await flowOf(await act(server, opened.id, 'password', { password: PASSWORD }));
    assert.equal(verify.locale, 'nl');
    // The code mail, in the invitation's language.
    const mail = (await messagesTo(server, NEW_EMAIL)).at(-1)!;
    assert.match(mail.subject, /verificatiecode/);
    const wrong = await flowOf(await act(server, opened.id, 'code', { code: codeIn(mail) === '000000' ? '111111' : '000000' }));
    assert.equal(wrong.error?.code, 'invalid_code');
    assert.equal(wrong.locale, 'nl', 'a refusal too');
    const choice = await flowOf(await act(server, opened.id, 'code', { code: codeIn(mail) }));
    assert.equal(choice.locale, 'nl');
    const setup = await chooseMethod(server, choice);
    if (setup.step !== 'totp-setup') return;
    const recovery = await flowOf(await act(server, opened.id, 'totp', { code: totpCode(setup.data.secret, server.clock.now) }));
    assert.equal(recovery.step, 'recovery-code');
    assert.equal(recovery.locale, 'nl');
    const done = await flowOf(await act(server, opened.id, 'confirm', { saved: true }));
    grantOf(done);
    assert.equal(done.locale, 'nl');
  });

  it('a reset carries the record\'s language, the default one when the record has none; a sign-in carries none', async (t) => {
    const server = await startServer(t, { DEFAULT_LOCALE: 'en' });
    await addUser(server);
    const id = await reachPassword(server);
    assert.equal((await flowOf(await act(server, id, 'password', { password: PASSWORD }))).locale, undefined);
    const user = await server.db.selectFrom('users').select('id').executeTakeFirstOrThrow();
    const link = async () => (await issueLinkToken(server.db, { userId: user.id, purpose: 'password-reset', ttlMs: 3_600_000, now: server.clock.now })).token;
    assert.equal((await flowOf(await openLink(server, 'reset', await link()))).locale, 'en');
    await server.db.updateTable('users').set({ locale: 'nl' }).execute();
    assert.equal((await flowOf(await openLink(server, 'reset', await link()))).locale, 'nl');
  });
});

describe('the language a person chose (Content-Language)', () => {
  it('is remembered at sign-in: the next reset mail is in Dutch', async (t) => {
    const server = await startServer(t);
    await addUser(server);
    const done = await flowOf(await signIn(server, EMAIL, PASSWORD, { headers: { 'content-language': 'nl-NL' } }));
    grantOf(done);
    assert.equal((await server.db.selectFrom('users').select('locale').executeTakeFirstOrThrow()).locale, 'nl');
    const id = await reachPassword(server);
    await act(server, id, 'forgot', {});
    const mail = await eventually(async () => (await messagesTo(server, EMAIL)).at(-1), 'the reset mail');
    assert.match(mail.subject, /^Nieuw wachtwoord voor /);
  });

  it('ignores a language we do not speak, and a flow that does not end in a session', async (t) => {
    const server = await startServer(t);
    await addUser(server);
    await server.db.updateTable('users').set({ locale: 'en' }).execute();
    grantOf(await flowOf(await signIn(server, EMAIL, PASSWORD, { headers: { 'content-language': 'de-DE' } })));
    const id = await reachPassword(server, EMAIL, { headers: { 'content-language': 'nl' } });
    await act(server, id, 'forgot', {}, { headers: { 'content-language': 'nl' } });
    assert.equal((await server.db.selectFrom('users').select('locale').executeTakeFirstOrThrow()).locale, 'en');
  });

  it('is remembered at the end of a re-authentication on the account page too', async (t) => {
    const server = await startServer(t, { SESSION_COOKIE: 'false' });
    await addUser(server);
    await server.db.updateTable('users').set({ locale: 'en' }).execute();
    const token = grantOf(await flowOf(await signIn(server, EMAIL, PASSWORD))).token!;
    const headers = { authorization: `Bearer ${token}`, 'content-language': 'nl' };
    const reauth = await flowOf(await server.post('/api/flows/reauth', {}, { headers }));
    assert.equal(reauth.step, 'password');
    grantOf(await flowOf(await act(server, reauth.id, 'password', { password: PASSWORD }, { headers })));
    assert.equal((await server.db.selectFrom('users').select('locale').executeTakeFirstOrThrow()).locale, 'nl');
  });

  it('passes the preflight of a host on another site', async (t) => {
    const server = await startServer(t, { ALLOWED_ORIGINS: 'https://host.example' });
    const preflight = await server.request('/api/flows/login', {
      method: 'OPTIONS',
      headers: { origin: 'https://host.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-language, content-type, x-flow-id' },
    });
    assert.equal(preflight.status, 204);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Content-Language/);
  });
});
