/*
 * Mail delivery against a real SMTP server (smtp-server on 127.0.0.1), the
 * real queue in a real SQLite file, and the received MIME parsed back with
 * postal-mime.
 */
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import PostalMime, { type Email } from 'postal-mime';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import {
  MAIL_RETRY_SCHEDULE_MS,
  deliverDueMail,
  escapeHtml,
  notifyUser,
  queueMail,
  renderMail,
  startMailWorker,
  type MailMessage,
} from '../../../server/delivery/mail.js';
import { createLogger } from '../../../server/log.js';
import { unseal } from '../../../server/security/secrets.js';
import { addUser, EMAIL, MINUTE, START, startServer, type TestServer } from '../helpers.js';

const DAY = 24 * 60 * MINUTE;
const MAIL_FROM = '"Payroll login" <no-reply@payroll.example>';
/** Longer than a quoted-printable line (76), with `=` and `&`, which QP and HTML both encode. */
const LINK = `https://login.payroll.example/activate?lang=nl&src=mail#token=${'Ab3-_'.repeat(24)}=end`;
const INVITATION: MailMessage = { kind: 'invitation', link: LINK, expiresAt: START + 7 * DAY };

interface Received {
  envelope: { from: string; to: string[] };
  raw: string;
}

interface Inbox {
  port: number;
  url: string;
  received: Received[];
  /** Answers RCPT TO with this 4xx/5xx code while set. */
  rejectWith: number | null;
  /** While set, DATA waits for it before answering. */
  hold: Promise<void> | null;
  close(): Promise<void>;
}

/**
 * A real SMTP server. No AUTH, and STARTTLS switched off: nodemailer upgrades
 * whenever a server offers STARTTLS (and then wants a trusted certificate),
 * and only then. Production points SMTP_URL at `smtps://` or at a server that
 * offers STARTTLS with a real certificate, and so always gets TLS.
 */
async function startSmtp(t: TestContext, port = 0): Promise<Inbox> {
  const inbox: Inbox = {
    port: 0,
    url: '',
    received: [],
    rejectWith: null,
    hold: null,
    close: async () => {},
  };
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(_address, _session, callback) {
      if (inbox.rejectWith === null) return callback();
      const error = Object.assign(new Error(inbox.rejectWith >= 500 ? 'no such mailbox' : 'try again later'), { responseCode: inbox.rejectWith });
      callback(error);
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', async () => {
        await inbox.hold;
        const envelope = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
        };
        inbox.received.push({ envelope, raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  inbox.port = (server.server.address() as AddressInfo).port;
  inbox.url = `smtp://127.0.0.1:${inbox.port}`;
  let closed = false;
  inbox.close = () =>
    new Promise<void>((resolve) => {
      if (closed) return resolve();
      closed = true;
      server.close(() => resolve());
    });
  t.after(() => inbox.close());
  return inbox;
}

/** A port on 127.0.0.1 with nothing listening: SMTP is down. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function mailServer(t: TestContext, smtpUrl: string, env: Record<string, string> = {}, lines?: string[]): Promise<TestServer> {
  return startServer(t, { SMTP_URL: smtpUrl, MAIL_FROM, APP_NAME: 'Payroll', ...env }, lines ? { log: createLogger('debug', (line) => lines.push(line)) } : {});
}

function parse(received: Received | undefined): Promise<Email> {
  assert.ok(received, 'expected a received mail');
  return PostalMime.parse(received.raw);
}

async function queueRow(server: TestServer, id: string) {
  const row = await server.db.selectFrom('mail_queue').selectAll().where('id', '=', id).executeTakeFirst();
  assert.ok(row, 'expected the mail in the queue');
  return row;
}

describe('mail over SMTP', () => {
  it('sends the invitation in English with a text and an HTML part, the long link intact, from MAIL_FROM', async (t) => {
    const inbox = await startSmtp(t);
    const server = await mailServer(t, inbox.url);

    const result = await queueMail(server.context, { to: 'new.hire@example.com', message: INVITATION });

    assert.deepEqual(result, { id: result.id, delivered: true });
    assert.equal(inbox.received.length, 1);
    assert.deepEqual(inbox.received[0]!.envelope, { from: 'no-reply@payroll.example', to: ['new.hire@example.com'] });
    const mail = await parse(inbox.received[0]);
    assert.deepEqual(mail.from, { address: 'no-reply@payroll.example', name: 'Payroll login' });
    assert.equal(mail.subject, 'Activate your Payroll account');
    assert.ok(mail.text?.includes(`\n${LINK}\n`), 'the link on a line of its own, unbroken');
    assert.match(mail.text!, /Your username is new\.hire@example\.com\./);
    assert.match(mail.text!, /The link works once, for 7 days \(until 22 January 2031 at 09:00 UTC\)\./);
    assert.match(mail.text!, /Has the link expired\? Ask your employer for a new invitation\./);
    assert.ok(mail.html?.includes(`<a href="${LINK.replace('&', '&amp;')}"`), 'the button links to the link');
    assert.match(mail.html!, /<html lang="en">/);
    assert.match(mail.html!, />Activate your account<\/a>/);
  });

  it("sends the invitation in Dutch when that is the person's language", async (t) => {
    const inbox = await startSmtp(t);
    const server = await mailServer(t, inbox.url);

    await queueMail(server.context, { to: 'nieuw@example.com', locale: 'nl', message: INVITATION });

    const mail = await parse(inbox.received[0]);
    assert.equal(mail.subject, 'Activeer je Payroll-account');
    assert.match(mail.text!, /Je gebruikersnaam is nieuw@example\.com\./);
    assert.match(mail.text!, /De link is één keer te gebruiken en blijft 7 dagen geldig \(tot 22 januari 2031 om 09:00 UTC\)\./);
    assert.match(mail.text!, /Vraag je werkgever om een nieuwe uitnodiging\./);
    assert.ok(mail.text!.includes(`\n${LINK}\n`));
    assert.match(mail.html!, /<html lang="nl">/);
    assert.match(mail.html!, />Account activeren<\/a>/);
  });

  it('writes in DEFAULT_LOCALE when the language is unknown or not one we write in', async (t) => {
    const inbox = await startSmtp(t);
    const server = await mailServer(t, inbox.url, { DEFAULT_LOCALE: 'nl' });

    await queueMail(server.context, { to: 'a@example.com', locale: 'de', message: { kind: 'password-changed' } });
    await queueMail(server.context, { to: 'b@example.com', locale: null, message: { kind: 'password-changed' } });
    await queueMail(server.context, { to: 'c@example.com', locale: 'en', message: { kind: 'password-changed' } });

    const subjects = await Promise.all(inbox.received.map(async (r) => (await parse(r)).subject));
    assert.deepEqual(subjects, ['Je Payroll-wachtwoord is gewijzigd', 'Je Payroll-wachtwoord is gewijzigd', 'Your Payroll password was changed']);
  });
});

describe('the mail templates', () => {
  it('escapes a hostile app name, address and link in the HTML part', () => {
    const appName = '<script>alert("app")</script> & Co';
    const email = '"><img src=x onerror=alert(1)>@example.com';
    const link = 'https://example.com/?a="><script>alert(1)</script>&b=\'x\'';
    const { html, text, subject } = renderMail({ kind: 'invitation', link, expiresAt: START + DAY }, { locale: 'en', appName, email, now: START });

    assert.doesNotMatch(html, /<script|<img/);
    assert.ok(html.includes('&lt;script&gt;alert(&quot;app&quot;)&lt;/script&gt; &amp; Co'));
    assert.ok(html.includes('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;@example.com'));
    assert.ok(html.includes('href="https://example.com/?a=&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;b=&#39;x&#39;"'));
    // The plain-text part and the subject are not HTML: they carry the values as they are.
    assert.ok(text.includes(link));
    assert.equal(subject, `Activate your ${appName} account`);
  });

  it('escapes the five characters that matter in HTML text and attributes', () => {
    assert.equal(escapeHtml(`<a href="x" title='y'>&amp;</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;');
  });

  it('refuses to mail a link that is not http(s)', () => {
    assert.throws(() => renderMail({ kind: 'password-reset', link: 'javascript:alert(1)', minutes: 60 }, { locale: 'en', appName: 'Payroll', email: EMAIL }), /http\(s\) URL/);
  });

  it('shows a code large and monospace, with how long it works and what to do if you did not ask', () => {
    const en = renderMail({ kind: 'email-code', code: '493817', minutes: 10 }, { locale: 'en', appName: 'Payroll', email: EMAIL });
    assert.match(en.html, /<p style="[^"]*monospace[^"]*font-size:32px[^"]*">493817<\/p>/);
    assert.match(en.text, /^ {4}493817$/m);
    assert.match(en.text, /The code works for 10 minutes\./);
    assert.match(en.text, /If you did not ask for this, you can ignore this email\./);
    const nl = renderMail({ kind: 'email-code', code: '493817', minutes: 1 }, { locale: 'nl', appName: 'Payroll', email: EMAIL });
    assert.match(nl.text, /De code is 1 minuut geldig\./);
    assert.match(nl.text, /Heb je hier niet om gevraagd\? Dan kun je deze e-mail negeren\./);
  });

  it('tells the person what to do when a security notice was not them, in both languages', () => {
    const messages: MailMessage[] = [
      { kind: 'password-changed' },
      { kind: 'factor-added', factor: 'passkey' },
      { kind: 'factor-removed', factor: 'totp' },
      { kind: 'recovery-code-used' },
      { kind: 'mfa-reset' },
    ];
    for (const message of messages) {
      assert.match(renderMail(message, { locale: 'en', appName: 'Payroll', email: EMAIL }).text, /If this was not you, contact your employer or support at once and change your password\./);
      assert.match(renderMail(message, { locale: 'nl', appName: 'Payroll', email: EMAIL }).text, /Was jij dit niet\? Neem dan meteen contact op met je werkgever of de helpdesk, en wijzig je wachtwoord\./);
    }
    assert.equal(renderMail({ kind: 'factor-added', factor: 'passkey' }, { locale: 'en', appName: 'Payroll', email: EMAIL }).subject, 'A passkey was added to your Payroll account');
    assert.equal(renderMail({ kind: 'factor-removed', factor: 'sms' }, { locale: 'nl', appName: 'Payroll', email: EMAIL }).subject, 'Er is een telefoonnummer voor verificatiecodes per sms verwijderd uit je Payroll-account');
  });
});

describe('the mail queue', () => {
  it('keeps the message sealed while queued, bound to its row', async (t) => {
    const port = await closedPort();
    const server = await mailServer(t, `smtp://127.0.0.1:${port}`);

    const { id } = await queueMail(server.context, { to: EMAIL, message: INVITATION });

    const queued = await queueRow(server, id);
    assert.ok(queued.message);
    assert.ok(!queued.message.includes('token='), 'the link is not stored in the clear');
    assert.equal(JSON.parse(unseal(server.context.secretKey, queued.message, `mail:${id}`)).subject, 'Activate your Payroll account');
    assert.throws(() => unseal(server.context.secretKey, queued.message!, 'mail:another-id'), 'bound to its row');
  });

  it('keeps a mail the SMTP server could not take, and sends it when the server is back', async (t) => {
    const port = await closedPort();
    const server = await mailServer(t, `smtp://127.0.0.1:${port}`);

    const result = await queueMail(server.context, { to: EMAIL, userId: null, message: INVITATION });

    assert.equal(result.delivered, false);
    assert.match(result.error ?? '', /ECONNREFUSED/);
    const failed = await queueRow(server, result.id);
    assert.equal(failed.attempts, 1);
    assert.equal(failed.next_attempt_at, START + MAIL_RETRY_SCHEDULE_MS[0]!);
    assert.match(failed.last_error ?? '', /ECONNREFUSED/);
    assert.equal(failed.sent_at, null);
    assert.equal(failed.kind, 'invitation');

    const inbox = await startSmtp(t, port);
    assert.deepEqual(await deliverDueMail(server.context), { sent: 0, failed: 0 }, 'not due yet');
    assert.equal(inbox.received.length, 0);

    server.clock.advance(MAIL_RETRY_SCHEDULE_MS[0]!);
    assert.deepEqual(await deliverDueMail(server.context), { sent: 1, failed: 0 });
    const sent = await queueRow(server, result.id);
    assert.equal(sent.message, null);
    assert.equal(sent.sent_at, server.clock.now);
    assert.equal(sent.next_attempt_at, null);
    assert.equal(sent.attempts, 2);
    assert.equal((await parse(inbox.received[0])).subject, 'Activate your Payroll account');
    assert.deepEqual(await deliverDueMail(server.context), { sent: 0, failed: 0 }, 'sent once');
  });

  it('retries a 4xx reply along the schedule and gives up after the last attempt', async (t) => {
    const inbox = await startSmtp(t);
    inbox.rejectWith = 451;
    const server = await mailServer(t, inbox.url);

    const { id, delivered, error } = await queueMail(server.context, { to: EMAIL, message: { kind: 'password-changed' } });
    assert.equal(delivered, false);
    assert.match(error ?? '', /451/);

    for (const [index, delay] of MAIL_RETRY_SCHEDULE_MS.entries()) {
      const row = await queueRow(server, id);
      assert.equal(row.attempts, index + 1);
      assert.equal(row.next_attempt_at, server.clock.now + delay);
      server.clock.advance(delay - 1);
      assert.deepEqual(await deliverDueMail(server.context), { sent: 0, failed: 0 }, `not before ${delay} ms`);
      server.clock.advance(1);
      assert.deepEqual(await deliverDueMail(server.context), { sent: 0, failed: 1 });
    }

    const given = await queueRow(server, id);
    assert.equal(given.attempts, MAIL_RETRY_SCHEDULE_MS.length + 1);
    assert.equal(given.next_attempt_at, null);
    assert.match(given.last_error ?? '', /451 try again later/);
    assert.ok(given.message, 'kept, for the record, still sealed');
    assert.equal(given.sent_at, null);
    server.clock.advance(7 * DAY);
    assert.deepEqual(await deliverDueMail(server.context), { sent: 0, failed: 0 });
    assert.equal(inbox.received.length, 0);
  });

  it('gives up at once on a permanent 5xx reply (RFC 5321 §4.2.1) and keeps no address in the error', async (t) => {
    const inbox = await startSmtp(t);
    inbox.rejectWith = 550;
    const server = await mailServer(t, inbox.url);

    const { id } = await queueMail(server.context, { to: 'gone@example.com', message: { kind: 'password-changed' } });

    const row = await queueRow(server, id);
    assert.equal(row.attempts, 1);
    assert.equal(row.next_attempt_at, null);
    assert.match(row.last_error ?? '', /550 no such mailbox/);
    assert.doesNotMatch(row.last_error ?? '', /gone@example\.com/);
  });

  it('sends a due mail once when two workers run at the same time', async (t) => {
    const inbox = await startSmtp(t);
    inbox.rejectWith = 421;
    const server = await mailServer(t, inbox.url);
    const first = await queueMail(server.context, { to: 'one@example.com', message: { kind: 'password-changed' } });
    const second = await queueMail(server.context, { to: 'two@example.com', message: { kind: 'mfa-reset' } });
    assert.equal(first.delivered || second.delivered, false);
    inbox.rejectWith = null;
    server.clock.advance(MAIL_RETRY_SCHEDULE_MS[0]!);

    const results = await Promise.all([deliverDueMail(server.context), deliverDueMail(server.context)]);

    assert.equal(results[0].sent + results[1].sent, 2);
    assert.equal(results[0].failed + results[1].failed, 0);
    assert.deepEqual(inbox.received.map((r) => r.envelope.to[0]).sort(), ['one@example.com', 'two@example.com']);
  });

  it('returns at once with wait: false, and sends in the background', async (t) => {
    const inbox = await startSmtp(t);
    let release!: () => void;
    inbox.hold = new Promise((resolve) => (release = resolve));
    const lines: string[] = [];
    const server = await mailServer(t, inbox.url, { LOG_LEVEL: 'debug' }, lines);

    const result = await queueMail(server.context, { to: EMAIL, message: INVITATION }, { wait: false });

    assert.equal(result.delivered, false);
    assert.equal((await queueRow(server, result.id)).sent_at, null, 'the SMTP server has not answered');
    const sent = new Promise<void>((resolve) => {
      const push = lines.push.bind(lines);
      lines.push = (...items: string[]) => {
        const length = push(...items);
        if (items.some((line) => JSON.parse(line).msg === 'mail.sent')) resolve();
        return length;
      };
    });
    release();
    await sent;
    assert.equal((await queueRow(server, result.id)).sent_at, START);
    assert.equal(inbox.received.length, 1);
  });

  it('logs mail.sent and mail.failed with a masked address, never the link', async (t) => {
    const inbox = await startSmtp(t);
    inbox.rejectWith = 451;
    const lines: string[] = [];
    const server = await mailServer(t, inbox.url, { LOG_LEVEL: 'debug' }, lines);

    const { id } = await queueMail(server.context, { to: 'new.hire@example.com', message: INVITATION });
    inbox.rejectWith = null;
    server.clock.advance(MAIL_RETRY_SCHEDULE_MS[0]!);
    await deliverDueMail(server.context);

    const events = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((e) => String(e.msg).startsWith('mail.'));
    assert.deepEqual(
      events.map((e) => [e.msg, e.mailId, e.to, e.kind, e.attempts]),
      [
        ['mail.failed', id, 'n•••@example.com', 'invitation', 1],
        ['mail.sent', id, 'n•••@example.com', 'invitation', 2],
      ],
    );
    const all = lines.join('\n');
    assert.ok(!all.includes('new.hire@example.com'));
    assert.ok(!all.includes('token='));
  });

  it('sends due mail from the worker, which stops when told', async (t) => {
    const inbox = await startSmtp(t);
    inbox.rejectWith = 451;
    const lines: string[] = [];
    const server = await mailServer(t, inbox.url, { LOG_LEVEL: 'debug' }, lines);
    await queueMail(server.context, { to: EMAIL, message: { kind: 'password-changed' } });
    inbox.rejectWith = null;
    server.clock.advance(MAIL_RETRY_SCHEDULE_MS[0]!);

    const sent = new Promise<void>((resolve) => {
      const push = lines.push.bind(lines);
      lines.push = (...items: string[]) => {
        const length = push(...items);
        if (items.some((line) => JSON.parse(line).msg === 'mail.sent')) resolve();
        return length;
      };
    });
    const stop = startMailWorker(server.context, 5);
    t.after(stop);
    await sent;
    stop();
    assert.equal(inbox.received.length, 1);
  });
});

describe('mail without SMTP_URL', () => {
  it('lands in the outbox with its text and HTML parts', async (t) => {
    const server = await startServer(t, { APP_NAME: 'Payroll' });

    const result = await queueMail(server.context, { to: EMAIL, message: { kind: 'email-code', code: '120934', minutes: 10 } });

    assert.equal(result.delivered, true);
    const [row, ...rest] = await server.db.selectFrom('outbox').selectAll().execute();
    assert.equal(rest.length, 0);
    assert.equal(row!.channel, 'email');
    assert.equal(row!.recipient, EMAIL);
    assert.equal(row!.subject, 'Your Payroll verification code');
    assert.match(row!.body, /^ {4}120934$/m);
    assert.match(row!.html ?? '', />120934<\/p>/);
    assert.equal((await queueRow(server, result.id)).message, null);
  });
});

describe('notifyUser', () => {
  it('never throws when sending fails, and leaves the notice queued for a retry', async (t) => {
    const server = await mailServer(t, `smtp://127.0.0.1:${await closedPort()}`);
    const user = await addUser(server);

    await notifyUser(server.context, user.id, { kind: 'factor-added', factor: 'totp' });

    const [row] = await server.db.selectFrom('mail_queue').selectAll().execute();
    assert.equal(row?.user_id, user.id);
    assert.equal(row?.recipient, EMAIL);
    assert.equal(row?.kind, 'factor-added');
    assert.equal(row?.attempts, 1);
    assert.ok((row?.next_attempt_at ?? 0) > server.clock.now);
  });

  it('never throws for an unknown user, nor when the store is gone', async (t) => {
    const server = await startServer(t);
    await notifyUser(server.context, 'no-such-user', { kind: 'password-changed' });
    assert.equal((await server.db.selectFrom('mail_queue').selectAll().execute()).length, 0);
    await server.close();
    await notifyUser(server.context, 'no-such-user', { kind: 'password-changed' });
  });

  it("writes to the user's address in the user's language", async (t) => {
    const server = await startServer(t, { APP_NAME: 'Payroll' });
    const user = await addUser(server);
    await server.db.updateTable('users').set({ locale: 'nl' }).where('id', '=', user.id).execute();

    await notifyUser(server.context, user.id, { kind: 'recovery-code-used' });

    const rows = await server.db.selectFrom('outbox').select(['recipient', 'subject']).execute();
    assert.deepEqual(rows, [{ recipient: EMAIL, subject: 'Je Payroll-herstelcode is gebruikt' }]);
  });
});
