/*
 * The dev outbox: what a developer sees of the mail and SMS the app would
 * have sent, and that none of it exists in production.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import { queueMail } from '../../../server/delivery/mail.js';
import { assertError, EMAIL, START, startServer, type TestServer } from '../helpers.js';

const DAY = 24 * 60 * 60 * 1000;
const NUMBER = '+31612345678';
const LINK = 'https://login.example.com/activate?lang=en&src=mail#token=abc123';
/** What a browser on the developer's machine sends for the default PUBLIC_URL. */
const LOCAL = { host: 'localhost:3000' };

/** A dev page as the developer's browser asks for it (`app.request` sends no Host of its own). */
function devPage(server: TestServer, path: string, headers: Record<string, string> = LOCAL): Promise<Response> {
  return server.request(path, { headers });
}

interface OutboxEntry {
  id: string;
  channel: 'email' | 'sms';
  to: string;
  subject: string;
  text: string;
  html: string | null;
  sentAt: number;
}

/** A server whose outbox holds one invitation, then one SMS. */
async function withOutbox(t: TestContext, appName = 'Payroll'): Promise<{ server: TestServer; mail: OutboxEntry; sms: OutboxEntry }> {
  const server = await startServer(t, { SMS: 'outbox', APP_NAME: appName });
  await queueMail(server.context, { to: EMAIL, message: { kind: 'invitation', link: LINK, expiresAt: START + 7 * DAY } });
  server.clock.advance(1000);
  assert.ok(server.context.sms);
  await server.context.sms.send({ to: NUMBER, text: '482910 is your Payroll code.' });
  const entries = (await (await devPage(server, '/dev/outbox.json')).json()) as OutboxEntry[];
  const [sms, mail] = entries;
  assert.ok(sms && mail, 'expected two entries');
  return { server, mail, sms };
}

describe('the dev outbox', () => {
  it('lists mail with its HTML part and SMS without one as JSON, newest first', async (t) => {
    const { mail, sms } = await withOutbox(t);

    assert.deepEqual(sms, { id: sms.id, channel: 'sms', to: NUMBER, subject: 'SMS', text: '482910 is your Payroll code.', html: null, sentAt: START + 1000 });
    assert.equal(mail.channel, 'email');
    assert.equal(mail.to, EMAIL);
    assert.equal(mail.subject, 'Activate your Payroll account');
    assert.ok(mail.text.includes(LINK));
    assert.match(mail.html ?? '', /<html lang="en">/);
    assert.equal(mail.sentAt, START);
  });

  it('shows both channels on the page, with the link in the text clickable and the HTML part a click away', async (t) => {
    const { server, mail } = await withOutbox(t);

    const response = await devPage(server, '/dev/outbox');

    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-security-policy'), "default-src 'none'; style-src 'unsafe-inline'");
    const page = await response.text();
    assert.match(page, /<article data-channel="sms">\s*<h2><span class="channel sms">SMS<\/span> to \+31612345678<\/h2>/);
    assert.match(page, /<article data-channel="email">\s*<h2><span class="channel email">Email<\/span> Activate your Payroll account<\/h2>/);
    const escapedLink = LINK.replace('&', '&amp;');
    assert.ok(page.includes(`<a href="${escapedLink}">${escapedLink}</a>`), 'the activation link is a link');
    assert.ok(page.includes(`<a href="outbox/${mail.id}.html">View HTML</a>`));
    assert.equal(page.match(/View HTML/g)?.length, 1, 'only the mail has an HTML part');
  });

  it('ends a link at the punctuation after it and escapes everything around it', async (t) => {
    const server = await startServer(t);
    await server.db
      .insertInto('outbox')
      .values({
        id: 'c0ffee00-0000-4000-8000-000000000000',
        channel: 'email',
        recipient: EMAIL,
        subject: '<script>alert("subject")</script>',
        body: 'Go to https://example.com/a?b=1&c=2. Or <b>javascript:alert(1)</b> "https://evil.example/"><script>',
        html: null,
        created_at: START,
      })
      .execute();

    const page = await (await devPage(server, '/dev/outbox')).text();

    assert.ok(page.includes('<a href="https://example.com/a?b=1&amp;c=2">https://example.com/a?b=1&amp;c=2</a>. Or &lt;b&gt;javascript:alert(1)&lt;/b&gt;'));
    assert.ok(page.includes('&quot;<a href="https://evil.example/">https://evil.example/</a>&quot;&gt;&lt;script&gt;'));
    assert.ok(page.includes('&lt;script&gt;alert(&quot;subject&quot;)&lt;/script&gt;'));
    assert.doesNotMatch(page, /<script|<b>/);
    assert.doesNotMatch(page, /View HTML/, 'no HTML part, no link to one');
  });

  it("serves a mail's HTML part on its own under a CSP that loads nothing", async (t) => {
    const { server, mail, sms } = await withOutbox(t, '<img src=x> & Co');

    const response = await devPage(server, `/dev/outbox/${mail.id}.html`);

    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(response.headers.get('content-security-policy'), "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'; sandbox allow-popups allow-popups-to-escape-sandbox");
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    const body = await response.text();
    assert.equal(body, mail.html);
    assert.ok(body.includes('&lt;img src=x&gt; &amp; Co'));
    assert.doesNotMatch(body, /<img/);

    assert.equal((await devPage(server, `/dev/outbox/${sms.id}.html`)).status, 404, 'an SMS has no HTML part');
    assert.equal((await devPage(server, '/dev/outbox/00000000-0000-4000-8000-000000000000.html')).status, 404);
    assert.equal((await devPage(server, '/dev/outbox/..%2Fsecret.html')).status, 404);
  });

  it('does not exist in production', async (t) => {
    const server = await startServer(t, {
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://login.example.com',
      SECRET_KEY: randomBytes(32).toString('base64'),
      SMTP_URL: 'smtp://127.0.0.1:1',
    });
    await server.db
      .insertInto('outbox')
      .values({ id: 'c0ffee00-0000-4000-8000-000000000000', channel: 'email', recipient: EMAIL, subject: 'Hi', body: 'Hi', html: '<p>Hi</p>', created_at: START })
      .execute();

    for (const path of ['/dev/outbox', '/dev/outbox.json', '/dev/outbox/c0ffee00-0000-4000-8000-000000000000.html']) {
      const response = await devPage(server, path, { host: 'login.example.com' });
      assert.equal(response.status, 404, path);
      assert.doesNotMatch(await response.text(), /Hi/, path);
    }
  });
});

/*
 * DNS rebinding (CWE-346): a page on evil.test points its own name at
 * 127.0.0.1 and reads the outbox same-origin, unless the outbox checks the
 * name the browser asked for. The browser always sends that name as `Host`.
 */
describe('the dev outbox and the Host it is asked under', () => {
  const paths = (mail: OutboxEntry) => ['/dev/outbox', '/dev/outbox.json', `/dev/outbox/${mail.id}.html`];

  it('answers under a loopback name with any port, in any case', async (t) => {
    const { server, mail } = await withOutbox(t);
    for (const host of ['localhost', 'localhost:3000', 'localhost:5173', 'LOCALHOST:3000', 'LocalHost', '127.0.0.1', '127.0.0.1:8080', '[::1]', '[::1]:3000']) {
      for (const path of paths(mail)) assert.equal((await devPage(server, path, { host })).status, 200, `${host} ${path}`);
    }
  });

  it("answers under PUBLIC_URL's host name, with any port", async (t) => {
    const server = await startServer(t, { PUBLIC_URL: 'https://login.dev.example:8443' });
    await queueMail(server.context, { to: EMAIL, message: { kind: 'invitation', link: LINK, expiresAt: START + 7 * DAY } });
    for (const host of ['login.dev.example:8443', 'login.dev.example', 'Login.Dev.Example:443']) {
      const response = await devPage(server, '/dev/outbox.json', { host });
      assert.equal(response.status, 200, host);
      assert.ok((await response.text()).includes('abc123'), host);
    }
  });

  it('answers 404 not_found under any other name, and shows nothing', async (t) => {
    const { server, mail } = await withOutbox(t);
    const hosts = [
      'rebind.evil.test',
      'rebind.evil.test:3000',
      'localhost.evil.test',
      'localhost.evil.test:3000',
      '127.0.0.1.evil.test',
      '[::1].evil.test',
      'evil.test:80@localhost',
      'localhost:3000@evil.test',
      'localhost:3000, rebind.evil.test',
      'localhost.',
      'localhost:',
      'localhost:abc',
      'localhost:3000:3000',
      '127.0.0.2',
      '127.1',
      '0.0.0.0',
      '[::]',
      '[::1',
      '::1',
      'login.example.com',
      '',
    ];
    for (const host of hosts) {
      for (const path of paths(mail)) {
        const response = await devPage(server, path, { host });
        const text = await response.clone().text();
        await assertError(response, 'not_found');
        assert.ok(!text.includes('abc123') && !text.includes('482910'), `${JSON.stringify(host)} ${path} shows nothing`);
      }
    }
  });

  it('answers 404 not_found without a Host', async (t) => {
    const { server, mail } = await withOutbox(t);
    for (const path of paths(mail)) await assertError(await devPage(server, path, {}), 'not_found');
  });
});
