import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import PostalMime from 'postal-mime';
import { SMTPServer } from 'smtp-server';
import { chooseMethod, launchBrowser, startServer, type ServerProcess } from './helpers.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const EMAIL = 'new.employee@example.com';
const PASSWORD = 'Fresh-Start-2026-Payroll!';

interface Received {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** A real SMTP server on loopback: whatever the API sends arrives here, as a person's mailbox would get it. */
async function startMailbox(): Promise<{ port: number; mail: Received[]; next(to: string, subject: RegExp): Promise<Received>; close(): Promise<void> }> {
  const mail: Received[] = [];
  const arrived = new EventEmitter();
  const server = new SMTPServer({
    authOptional: true,
    // Loopback only; production relays use smtps:// or STARTTLS.
    disabledCommands: ['STARTTLS', 'AUTH'],
    async onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      const parsed = await PostalMime.parse(Buffer.concat(chunks));
      for (const to of session.envelope.rcptTo) mail.push({ to: to.address, subject: parsed.subject ?? '', text: parsed.text ?? '', html: parsed.html ?? '' });
      arrived.emit('mail');
      callback();
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as { port: number }).port;
  let taken = 0;
  return {
    port,
    mail,
    /** The next mail to `to` whose subject matches, after the ones already taken; waits up to ten seconds. */
    async next(to, subject) {
      const deadline = AbortSignal.timeout(10_000);
      for (;;) {
        const index = mail.findIndex((m, i) => i >= taken && m.to === to && subject.test(m.subject));
        if (index >= 0) {
          taken = index + 1;
          return mail[index]!;
        }
        // Wake when the next mail arrives, not on a timer.
        await once(arrived, 'mail', { signal: deadline }).catch(() => {
          throw new Error(`no mail to ${to} matching ${subject}; got ${mail.map((m) => m.subject).join(' | ')}`);
        });
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Debian's oathtool: an authenticator app that shares no code with ours; the code of the time step holding `at`. */
function oathtool(key: string, at = Date.now()): string {
  const when = new Date(at).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  return execFileSync('oathtool', ['--totp', '-b', key, '--now', when]).toString().trim();
}

/** A code for a time step not used yet: each step is accepted once, and one step ahead is within the drift allowed. */
function freshCode(key: string, usedAt: number): string {
  const step = (t: number) => Math.floor(t / 30_000);
  return oathtool(key, step(Date.now()) === step(usedAt) ? usedAt + 30_000 : Date.now());
}

/** Runs the CLI as its own process; asynchronously, so this process's SMTP server keeps answering meanwhile. */
async function cli(args: string[], env: Record<string, string>): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['bin/login-flow.js', ...args], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn', ...env } });
  return stdout;
}

async function textedCode(server: ServerProcess, to: string): Promise<string> {
  // The server is another process: ask its outbox until the text is there, for five seconds at most.
  for (const deadline = Date.now() + 5000; Date.now() < deadline; ) {
    const outbox = (await (await fetch(`${server.url}/dev/outbox.json`)).json()) as { channel: string; to: string; text: string }[];
    const code = outbox.find((m) => m.channel === 'sms' && m.to === to)?.text.match(/\b\d{6}\b/)?.[0];
    if (code) return code;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no text to ${to}`);
}

describe('a new employee activates their account from the invitation mail (seed 002)', () => {
  let server: ServerProcess;
  let mailbox: Awaited<ReturnType<typeof startMailbox>>;
  let browser: Browser;
  let env: Record<string, string>;
  /** The authenticator key set up at activation. */
  let key: string;
  let setupAt: number;
  before(async () => {
    mailbox = await startMailbox();
    browser = await launchBrowser();
    server = await startServer({ SMTP_URL: `smtp://127.0.0.1:${mailbox.port}`, MAIL_FROM: 'Payroll <no-reply@example.com>', SMS: 'outbox' });
    env = { DATA_DIR: server.dataDir, SMTP_URL: `smtp://127.0.0.1:${mailbox.port}`, MAIL_FROM: 'Payroll <no-reply@example.com>', PUBLIC_URL: server.url, SMS: 'outbox' };
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await mailbox?.close();
  });

  it('walks from the invitation to signed in: password, mailed code, oathtool, backup phone, recovery code', async () => {
    // The employer invites by CLI; the activation mail arrives over SMTP with the username and a link.
    const printed = await cli(['user', 'invite', '--email', EMAIL, '--name', 'Nieuwe Collega'], env);
    const printedLink = /Activation link: (\S+)/.exec(printed)?.[1];
    assert.ok(printedLink, printed);
    const invitation = await mailbox.next(EMAIL, /./);
    assert.ok(invitation.text.includes(EMAIL), 'the mail names the username');
    assert.ok(invitation.text.includes(printedLink), 'the mail carries the link the CLI printed');
    assert.ok(invitation.html.includes(printedLink.replace(/&/g, '&amp;')), 'the HTML part carries it too');
    const link = new URL(printedLink);
    assert.equal(link.pathname, '/activate');
    assert.match(link.hash, /^#token=[A-Za-z0-9_-]{43}$/);

    const context = await browser.newContext();
    const page: Page = await context.newPage();
    await page.goto(link.href);
    await page.getByRole('heading', { name: 'Create your password' }).waitFor();
    // The token leaves the address bar (and the history) as soon as the widget has read it.
    assert.equal(new URL(page.url()).hash, '');

    // A password the policy refuses, then one it accepts.
    const field = page.getByLabel('New password', { exact: true });
    await field.fill('password');
    await page.getByRole('button', { name: /Create password|Save password|Continue/ }).first().click();
    await page.getByRole('alert').first().waitFor();
    await field.fill(PASSWORD);
    await page.getByRole('button', { name: /Create password|Save password|Continue/ }).first().click();

    // The address is confirmed with the code from the next mail.
    await page.getByLabel(/code/i).first().waitFor();
    const codeMail = await mailbox.next(EMAIL, /code/i);
    const code = /\b(\d{6})\b/.exec(codeMail.text)?.[1];
    assert.ok(code, codeMail.text);
    await page.getByLabel(/code/i).first().fill(code);
    await page.getByRole('button', { name: 'Verify' }).click();

    // 2FA set-up: the seeds' choice of method, then an independent authenticator app.
    await page.getByRole('heading', { name: "How do you want to verify it's you?" }).waitFor();
    await chooseMethod(page, 'Authenticator app');
    const secret = page.locator('[data-secret]');
    await secret.waitFor();
    key = (await secret.getAttribute('data-secret'))!;
    setupAt = Date.now();
    await page.getByLabel('Verification code').fill(oathtool(key, setupAt));
    await page.getByRole('button', { name: 'Continue', exact: true }).click();

    // The backup method the widget offers next: a phone, whose code arrives by text (the dev outbox stands in for the SMS provider).
    await page.getByRole('heading', { name: 'Add a backup method' }).waitFor();
    await chooseMethod(page, 'Text message (SMS)');
    await page.getByLabel('Mobile number', { exact: true }).fill('06 12345678');
    await page.getByRole('button', { name: 'Text me a code' }).click();
    await page.getByText('+31 •• ••• ••78').waitFor();
    await page.getByLabel(/code/i).first().fill(await textedCode(server, '+31612345678'));
    await page.getByRole('button', { name: /Confirm|Verify/ }).first().click();

    // The recovery code, saved, and the person is signed in.
    const shown = page.locator('.lf-recovery-code');
    await shown.waitFor();
    await page.getByLabel('I have saved my recovery code').check();
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    await page.locator('#signed-in').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#who-email').textContent(), EMAIL);
    assert.match((await page.locator('#who-amr').textContent()) ?? '', /otp/);

    await context.close();

    // The link is spent: opening it again (in a browser not signed in) says so, in words.
    const fresh = await browser.newContext();
    const again = await fresh.newPage();
    await again.goto(link.href);
    await again.getByRole('heading', { name: 'This link no longer works' }).waitFor();
    await again.getByText('Ask your employer for a new invitation', { exact: false }).waitFor();
    await fresh.close();

    // The notices went out by mail too: an authenticator app and a phone were added.
    assert.ok(mailbox.mail.filter((m) => m.to === EMAIL).length >= 4, mailbox.mail.map((m) => m.subject).join(' | '));
  });

  it('sets a new password from the forgot-password mail, after the second factor', async () => {
    const NEW_PASSWORD = 'Second-Start-2026-Payroll!';
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(server.url);
    await page.getByLabel('Email address', { exact: true }).fill(EMAIL);
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    await page.getByRole('button', { name: 'Forgot your password?' }).click();
    await page.getByText(`If an account exists for ${EMAIL}`).waitFor();

    const resetMail = await mailbox.next(EMAIL, /password/i);
    const link = /https?:\/\/\S+#token=[A-Za-z0-9_-]+/.exec(resetMail.text)?.[0];
    assert.ok(link, resetMail.text);
    assert.equal(new URL(link).pathname, '/reset-password');
    await page.goto(link);
    // The mailbox alone does not get past 2FA: the authenticator code comes first.
    await page.getByLabel('Verification code').fill(freshCode(key, setupAt));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByRole('button', { name: /Create password|Save password|Continue/ }).first().click();
    await page.locator('#signed-in').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#who-email').textContent(), EMAIL);
    await mailbox.next(EMAIL, /password was changed/i);

    await context.close();

    // The link is spent.
    const fresh = await browser.newContext();
    const again = await fresh.newPage();
    await again.goto(link);
    await again.getByRole('heading', { name: 'This link no longer works' }).waitFor();
    await fresh.close();
  });
});
