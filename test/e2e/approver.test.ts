/*
 * The approver in real Chromium: a person with a password and an
 * authenticator app adds their phone at the 2FA set-up, and then approves
 * sign-ins on it by picking the number the sign-in screen shows. The phone is
 * a second browser context at a phone's size with Chromium's virtual
 * authenticator (a platform authenticator with user verification, over CDP),
 * or without one (then the approver signs with its own WebCrypto key). The
 * phone talks to the real API. The first journey signs in on the demo page
 * (the widget in another context, the "laptop"); the others post the same
 * flow actions the widget does, to keep each to its one behaviour.
 *
 * Needs the builds: `npx vite build && npx vite build --mode widget && npx vite build --mode approver`.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import type { FlowState } from '../../server/flows/protocol.js';
import { startPushService, type PushService } from '../support/push-service.js';
import { launchBrowser, oathtool, runCli, startServer, type ServerProcess } from './helpers.js';

const PASSWORD = 'Correct-Horse-42-Battery';
const SHOTS = '/tmp/shots';
const WIDTHS = [320, 390, 1280];
const AXE = readFileSync(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');
/** The phone: Chrome on a Pixel, which the approver names itself after. */
const PHONE_UA = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36';
/** The computer signing in, which the phone names in its question. */
const LAPTOP_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

/** The sign-in screen's field for the code the phone shows. */
const CODE_FIELD = /6-digit code/;

let people = 0;

/**
 * Runs in the phone's pages before theirs: `pushManager.subscribe` asks the
 * test (`lfTestSubscribe`, a function the test exposes) for a subscription at
 * the local push service, with the VAPID key the approver passed. Plain
 * JavaScript text: a function here would be compiled with helpers the page
 * lacks.
 */
const FAKE_PUSH_MANAGER = `{
  const encode = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes instanceof ArrayBuffer ? bytes : bytes.buffer))).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  let current = null;
  PushManager.prototype.subscribe = async function (options) {
    const key = options.applicationServerKey;
    const json = await window.lfTestSubscribe(typeof key === 'string' ? key : encode(key));
    current = { endpoint: json.endpoint, expirationTime: null, options, toJSON: () => json, unsubscribe: async () => true, getKey: () => null };
    return current;
  };
  PushManager.prototype.getSubscription = async function () { return current; };
}`;

/** The sign-in screen: one flow through the API, as the widget on a Windows laptop posts it. */
class Laptop {
  id = '';
  constructor(private readonly server: ServerProcess) {}

  private async request(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(new URL(path, this.server.url), { ...init, headers: { 'user-agent': LAPTOP_UA, 'content-type': 'application/json', 'x-flow-id': this.id, ...init.headers } });
  }

  /** A flow opened from a mailed link (`reset`: the forgot-password link's token). */
  async open(kind: 'reset', token: string): Promise<FlowState> {
    const opened = (await (await this.request(`/api/flows/${kind}`, { method: 'POST', body: JSON.stringify({ token }) })).json()) as FlowState;
    this.id = opened.id;
    return opened;
  }

  async start(email: string, password = PASSWORD): Promise<FlowState> {
    const started = (await (await this.request('/api/flows/login', { method: 'POST' })).json()) as FlowState;
    this.id = started.id;
    assert.equal((await this.act('email', { email })).step, 'password');
    return this.act('password', { password });
  }

  /** "Forgot password" on the password step: a reset link goes out by mail. */
  async forgot(email: string): Promise<void> {
    const started = (await (await this.request('/api/flows/login', { method: 'POST' })).json()) as FlowState;
    this.id = started.id;
    assert.equal((await this.act('email', { email })).step, 'password');
    assert.equal((await this.act('forgot')).step, 'reset-sent');
  }

  /** One action; the answer's FlowState (an error answer carries one too, or `{ error }`). */
  async act(action: string, body: unknown = {}): Promise<FlowState> {
    const response = await this.request(`/api/flows/${this.id}/${action}`, { method: 'POST', body: JSON.stringify(body) });
    return (await response.json()) as FlowState;
  }

  /** The flow's long poll until it is ready (the phone answered or enrolled). */
  async waitReady(): Promise<void> {
    for (let round = 0; round < 10; round++) {
      const { ready } = (await (await this.request('/api/flows/-/wait')).json()) as { ready: boolean };
      if (ready) return;
    }
    assert.fail('the flow never became ready');
  }
}

interface Phone {
  context: BrowserContext;
  page: Page;
  cdp: CDPSession;
}

/** A person with a password; 2FA is required from 2020, so their first sign-in sets it up. */
async function newPerson(server: ServerProcess): Promise<{ email: string; name: string }> {
  people += 1;
  const email = `approver-${people}-${Date.now()}@example.com`;
  const name = `Robin Approver ${people}`;
  await runCli(['user', 'create', '--email', email, '--password', PASSWORD, '--name', name], { DATA_DIR: server.dataDir });
  return { email, name };
}

/**
 * The phone: a browser context at a phone's size with Chrome on Android's
 * User-Agent; `passkey` gives it Chromium's virtual platform authenticator
 * (the WebAuthn CDP domain), as a phone with a fingerprint reader.
 */
async function openPhone(browser: Browser, { passkey = true, notifications = false }: { passkey?: boolean; notifications?: boolean } = {}): Promise<Phone> {
  const context = await browser.newContext({ userAgent: PHONE_UA, viewport: { width: 390, height: 844 }, locale: 'en-GB', permissions: notifications ? ['notifications'] : [] });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  if (passkey) {
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
  }
  return { context, page, cdp };
}

/** The screen the approver shows, once it shows it. */
async function screen(page: Page, name: string): Promise<void> {
  await page.locator(`main[data-screen="${name}"]`).waitFor();
}

/** axe-core's WCAG 2.2 A/AA rules; evaluated over CDP, which the page's CSP does not govern. */
async function axe(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE);
  return page.evaluate(async () => {
    const { violations } = await (window as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: { id: string; nodes: unknown[] }[] }> } }).axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
    });
    return violations.map(({ id, nodes }) => `${id} (${nodes.length})`);
  });
}

/** Screenshots of the phone's screen at each width (for a person to look at); nothing wider than the screen, and axe finds nothing. */
async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  assert.deepEqual(await axe(page), [], `${name}: axe`);
  const before = page.viewportSize()!;
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0, `${name} at ${width} px: nothing wider than the screen`);
    await page.screenshot({ path: `${SHOTS}/approver-${name}-${width}.png`, fullPage: true });
  }
  await page.setViewportSize(before);
}

/**
 * The person's first sign-in: password, then (2FA required) the authenticator
 * app, then "Approve on your phone" as the second method; the phone opens the
 * set-up link and turns the approver on, and shows a code, which the laptop
 * types (`check` `{ code }`) and which ends with the recovery code; then
 * "Done" on the phone.
 */
async function setUpWithPhone(server: ServerProcess, phone: Phone, { email, name }: { email: string; name: string }, { shots = false } = {}): Promise<void> {
  const laptop = new Laptop(server);
  const choice = await laptop.start(email);
  assert.equal(choice.step, 'method-choice', JSON.stringify(choice));
  const totp = await laptop.act('choose', { method: 'totp' });
  if (totp.step !== 'totp-setup') return assert.fail(JSON.stringify(totp));
  const next = await laptop.act('totp', { code: oathtool(totp.data.secret) });
  // The widget's "Tip: set up two methods": the approver as the second.
  if (next.step !== 'method-choice') return assert.fail(JSON.stringify(next));
  assert.ok(next.data.methods.includes('approver'));
  const setup = await laptop.act('choose', { method: 'approver' });
  if (setup.step !== 'approver-setup') return assert.fail(JSON.stringify(setup));
  assert.match(setup.data.url, /\/approve\/#enrol=/);

  const code = await enrolOnPhone(phone.page, setup.data.url, { email, name }, { shots });

  await laptop.waitReady();
  const recovery = await laptop.act('check', { code });
  if (recovery.step !== 'recovery-code') return assert.fail(JSON.stringify(recovery));
  assert.equal((await laptop.act('confirm', { saved: true })).step, 'done');
  await donePhone(phone.page, email);
}

/** A sign-in that gets as far as "Check your phone": returns the laptop and the number on its screen. */
async function signInAskingPhone(server: ServerProcess, email: string): Promise<{ laptop: Laptop; number: string }> {
  const laptop = new Laptop(server);
  const second = await laptop.start(email);
  if (second.step !== 'second-factor') return assert.fail(JSON.stringify(second));
  assert.equal(second.data.methods[0], 'approver', 'the approver is offered first');
  const sent = await laptop.act('send-approval');
  if (sent.step !== 'second-factor' || !sent.data.approval) return assert.fail(JSON.stringify(sent));
  return { laptop, number: sent.data.approval.number };
}

/** On the demo page: email and password. */
async function signInOnDemo(page: Page, url: string, email: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Email address', { exact: true }).fill(email);
  await page.getByRole('button', { name: 'Continue', exact: true }).click();
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/**
 * The phone opens the set-up link and turns the approver on; it then shows
 * the code to type on the sign-in screen, large, in two groups of three, read
 * out digit by digit. Returns the code (the phone stays on that screen).
 */
async function enrolOnPhone(page: Page, url: string, { email, name }: { email: string; name: string }, { shots = false } = {}): Promise<string> {
  await page.goto(url);
  await screen(page, 'enrol');
  await page.getByText(`Approve sign-ins for ${name} (${email}) on this phone`).waitFor();
  assert.equal(await page.getByLabel('Name of this phone').inputValue(), 'Chrome on Android');
  if (shots) await shoot(page, 'enrol');
  await page.getByRole('button', { name: 'Turn on' }).click();
  await page.getByRole('heading', { level: 1, name: 'One more step' }).waitFor();
  await screen(page, 'confirmation');
  await page.getByText('Type this code on your sign-in screen:').waitFor();
  assert.equal(new URL(page.url()).hash, '', 'the one-time token left the address bar');
  const shown = page.getByRole('img', { name: /^Code: (\d ){5}\d$/ });
  const [, a, b] = /^(\d{3})\u00a0(\d{3})$/.exec((await shown.textContent()) ?? '') ?? assert.fail('the code in two groups of three');
  const code = `${a}${b}`;
  assert.equal(await shown.getAttribute('aria-label'), `Code: ${[...code].join(' ')}`);
  if (shots) await shoot(page, 'confirmation');
  return code;
}

/** "Done" on the phone's code screen: the code goes, and the phone waits for requests. */
async function donePhone(page: Page, email: string): Promise<void> {
  await page.getByRole('button', { name: 'Done' }).click();
  await page.getByRole('heading', { level: 1, name: `This phone approves sign-ins for ${email}` }).waitFor();
  assert.equal(await page.getByRole('img', { name: /^Code:/ }).count(), 0);
}

interface OutboxMail {
  to: string;
  subject: string;
  text: string;
}

/** The dev outbox (newest first); mail goes out in the background, so this waits up to 10 s for `match`. */
async function mailTo(server: ServerProcess, match: (mail: OutboxMail) => boolean): Promise<OutboxMail> {
  for (let round = 0; round < 50; round++) {
    const found = ((await (await fetch(`${server.url}/dev/outbox.json`)).json()) as OutboxMail[]).find(match);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return assert.fail('no such mail');
}

/** The three numbers on the phone's request screen. */
async function numbersOn(page: Page): Promise<string[]> {
  return page.locator('.numbers button').allTextContents();
}

describe('the approver on a phone, in Chromium', () => {
  let server: ServerProcess;
  let browser: Browser;

  before(async () => {
    [server, browser] = await Promise.all([startServer({ MFA_REQUIRED_FROM: '2020-01-01' }), launchBrowser()]);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('on the demo page: a person with a password and an authenticator app adds the phone with a passkey, then approves a sign-in by picking the number on the screen', async () => {
    const person = await newPerson(server);
    const phone = await openPhone(browser);
    const laptop = await browser.newContext({ userAgent: LAPTOP_UA });
    try {
      const screenPage = await laptop.newPage();
      const { page } = phone;
      // First sign-in: 2FA is required; the authenticator app first, then the approver as the backup method.
      await signInOnDemo(screenPage, server.url, person.email);
      await screenPage.getByRole('button', { name: /^Authenticator app/ }).click();
      const secret = screenPage.locator('[data-secret]');
      await secret.waitFor();
      await screenPage.getByLabel('Verification code').fill(oathtool((await secret.getAttribute('data-secret'))!));
      await screenPage.getByRole('button', { name: 'Continue', exact: true }).click();
      await screenPage.getByRole('heading', { name: 'Add a backup method' }).waitFor();
      await screenPage.getByRole('button', { name: /^Approve on your phone/ }).click();
      const link = screenPage.getByRole('link', { name: 'Setting up on this phone? Open the approver' });
      await link.waitFor();
      const url = (await link.getAttribute('href'))!;
      assert.match(url, new RegExp(`^${server.url}/approve/#enrol=`));

      // The phone opens the QR code's link and turns the approver on; it shows a code, which the sign-in screen asks for.
      const code = await enrolOnPhone(page, url, person, { shots: true });
      const codeField = screenPage.getByLabel(CODE_FIELD);
      await codeField.waitFor();
      // A wrong code is refused at the field; the phone's code stays on its screen.
      const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
      await codeField.fill(wrong);
      await screenPage.getByRole('button', { name: 'Confirm', exact: true }).click();
      await screenPage.getByText('The code is incorrect. Check the code on your phone and try again.').waitFor();
      assert.equal(await codeField.getAttribute('aria-invalid'), 'true');
      await screen(page, 'confirmation');
      // The right one moves on.
      await codeField.fill(code);
      await screenPage.getByRole('button', { name: 'Confirm', exact: true }).click();
      await screenPage.locator('.lf-recovery-code').waitFor();
      // "Done" on the phone: it waits for requests. No notifications were allowed: the approver says how it still works.
      await donePhone(page, person.email);
      await page.getByText('Notifications are off: open this app to approve sign-ins.').waitFor();
      await shoot(page, 'home');
      await screenPage.getByRole('button', { name: 'Continue', exact: true }).click();
      await screenPage.getByLabel('I have saved my recovery code').check();
      await screenPage.getByRole('button', { name: 'Continue', exact: true }).click();
      await screenPage.locator('#signed-in').waitFor({ state: 'visible' });
      await screenPage.getByRole('button', { name: 'Sign out' }).click();

      // The next sign-in asks the phone: "Check your phone" and a number.
      await signInOnDemo(screenPage, server.url, person.email);
      await screenPage.getByRole('heading', { name: 'Check your phone' }).waitFor();
      const shown = screenPage.locator('.lf-number');
      await shown.waitFor();
      const number = (await shown.textContent())!.trim();
      assert.match(number, /^\d{2}$/);

      // The open approver sees the request by itself (its long poll).
      await page.getByRole('heading', { level: 1, name: 'Are you signing in?' }).waitFor();
      await page.getByText('Chrome on Windows').waitFor();
      const numbers = await numbersOn(page);
      assert.equal(numbers.length, 3);
      assert.ok(numbers.includes(number), `${numbers.join(' ')} has ${number}`);
      await shoot(page, 'request');
      await page.getByRole('button', { name: number, exact: true }).click();
      await page.getByText('Approved. You can go back to your other screen.').waitFor();
      await shoot(page, 'approved');

      // The laptop lands signed in, with the approver's passkey as the second factor.
      await screenPage.locator('#signed-in').waitFor({ state: 'visible' });
      assert.match((await screenPage.locator('#who-amr').textContent()) ?? '', /hwk/);

      // Back on the phone: "Done" returns to waiting; "Turn off on this phone" forgets the enrolment.
      await page.getByRole('button', { name: 'Done' }).click();
      await screen(page, 'home');
      await page.getByRole('button', { name: 'Turn off on this phone' }).click();
      await page.getByRole('heading', { level: 1, name: 'Turned off on this phone' }).waitFor();
      await shoot(page, 'turned-off');
      await page.reload();
      await screen(page, 'setup');
      await shoot(page, 'setup');
    } finally {
      await laptop.close();
      await phone.context.close();
    }
  });

  it('a phone without a platform authenticator signs with its own key; picking another number than the screen’s denies the sign-in', async () => {
    const person = await newPerson(server);
    const phone = await openPhone(browser, { passkey: false });
    try {
      await setUpWithPhone(server, phone, person);
      const { page } = phone;
      const { laptop, number } = await signInAskingPhone(server, person.email);
      await screen(page, 'request');
      const wrong = (await numbersOn(page)).find((n) => n !== number)!;
      await page.getByRole('button', { name: wrong, exact: true }).click();
      await page.getByText('That was not the number on your sign-in screen, so we ended the sign-in').waitFor();
      await shoot(page, 'denied-number');

      await laptop.waitReady();
      const refused = await laptop.act('approval', { remember: false });
      assert.equal(refused.error?.code, 'approval_denied', JSON.stringify(refused));
    } finally {
      await phone.context.close();
    }
  });

  it('“This wasn’t me” denies the sign-in, and the person gets an email about it', async () => {
    const person = await newPerson(server);
    const phone = await openPhone(browser);
    try {
      await setUpWithPhone(server, phone, person);
      const { page } = phone;
      const { laptop } = await signInAskingPhone(server, person.email);
      await screen(page, 'request');
      await page.getByRole('button', { name: 'This wasn’t me' }).click();
      await page.getByText('Denied. We ended the sign-in and told you by email.').waitFor();
      await shoot(page, 'denied');

      await laptop.waitReady();
      assert.equal((await laptop.act('approval', { remember: false })).error?.code, 'approval_denied');
      const mail = await mailTo(server, (message) => message.to === person.email && /tried to sign in/.test(message.subject));
      assert.match(mail.text, /Chrome, Windows/);
    } finally {
      await phone.context.close();
    }
  });

  it('a password reset asks the phone as well: “Are you setting a new password?”; refused, the password stays', async () => {
    const person = await newPerson(server);
    const phone = await openPhone(browser);
    try {
      await setUpWithPhone(server, phone, person);
      const { page } = phone;
      // Forgot password: the mailed link's flow asks for the second factor before the new password.
      await new Laptop(server).forgot(person.email);
      const link = await mailTo(server, (message) => message.to === person.email && /Reset your .* password/.test(message.subject));
      const [, token] = /#token=([\w-]+)/.exec(link.text) ?? assert.fail(link.text);
      const laptop = new Laptop(server);
      const second = await laptop.open('reset', token!);
      if (second.step !== 'second-factor') return assert.fail(JSON.stringify(second));
      assert.equal(second.data.methods[0], 'approver');
      const sent = await laptop.act('send-approval');
      if (sent.step !== 'second-factor' || !sent.data.approval) return assert.fail(JSON.stringify(sent));

      await page.getByRole('heading', { level: 1, name: 'Are you setting a new password?' }).waitFor();
      await page.getByRole('heading', { level: 2, name: 'Pick the number shown on the screen where you are setting your new password' }).waitFor();
      assert.ok((await numbersOn(page)).includes(sent.data.approval.number));
      await shoot(page, 'request-reset');
      await page.getByRole('button', { name: 'This wasn’t me' }).click();
      await page.getByText('Denied. Your password stays as it was, and we told you by email.').waitFor();

      await laptop.waitReady();
      assert.equal((await laptop.act('approval', { remember: false })).error?.code, 'approval_denied');
      await mailTo(server, (message) => message.to === person.email && /tried to set a new password/.test(message.subject));

      // In Dutch, the same question in Dutch.
      const again = await laptop.act('send-approval');
      if (again.step !== 'second-factor' || !again.data.approval) return assert.fail(JSON.stringify(again));
      await page.goto(`${server.url}/approve/?lang=nl`);
      await page.getByRole('heading', { level: 1, name: 'Ben jij een nieuw wachtwoord aan het instellen?' }).waitFor();
      await page.getByRole('heading', { level: 2, name: 'Kies het getal op het scherm waar je je nieuwe wachtwoord instelt' }).waitFor();
      await shoot(page, 'request-reset-nl');
    } finally {
      await phone.context.close();
    }
  });

  it('a phone removed from the account says so, and forgets its enrolment', async () => {
    const person = await newPerson(server);
    const phone = await openPhone(browser, { passkey: false });
    try {
      await setUpWithPhone(server, phone, person);
      const { page } = phone;
      // In Dutch on asking (`?lang=nl`), the same phone.
      await page.goto(`${server.url}/approve/?lang=nl`);
      await page.getByRole('heading', { level: 1, name: `Deze telefoon keurt inloggen goed voor ${person.email}` }).waitFor();
      await runCli(['user', 'reset-mfa', '--email', person.email], { DATA_DIR: server.dataDir });
      // The long poll that is waiting ends (within 25 s) with nothing; the next one learns the phone is gone.
      await page.getByRole('heading', { level: 1, name: 'Deze telefoon keurt geen inloggen meer goed' }).waitFor({ timeout: 40_000 });
      await shoot(page, 'removed-nl');
      await page.reload();
      await screen(page, 'setup');
      await shoot(page, 'setup-nl');
    } finally {
      await phone.context.close();
    }
  });
});

describe('the approver with push, in Chromium', () => {
  let server: ServerProcess;
  let browser: Browser;
  let push: PushService;

  before(async () => {
    push = await startPushService();
    [server, browser] = await Promise.all([startServer({ MFA_REQUIRED_FROM: '2020-01-01' }), launchBrowser()]);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await push?.close();
  });

  it('a push reaches the service worker, which notifies and brings the request up in the open app', async () => {
    const person = await newPerson(server);
    const phone = await openPhone(browser, { notifications: true });
    const { context, page, cdp } = phone;
    try {
      // Headless Chromium reaches no real push service: subscribe at the tests' own (RFC 8030, on 127.0.0.1).
      const subscriptions: string[] = [];
      await context.exposeFunction('lfTestSubscribe', async (applicationServerKey: string) => {
        const { subscription, id } = await push.subscribe({ applicationServerKey });
        subscriptions.push(id);
        return subscription;
      });
      await context.addInitScript({ content: FAKE_PUSH_MANAGER });
      // Only the service worker may bring the request up: the page's own long poll is held (never answered).
      await page.route((url) => url.pathname === '/api/approver/requests' && url.searchParams.get('wait') === '1', () => undefined);
      await cdp.send('ServiceWorker.enable');
      const registrations = new Map<string, string>();
      cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations: updated }) => {
        for (const { registrationId, scopeURL, isDeleted } of updated) if (!isDeleted) registrations.set(scopeURL, registrationId);
      });

      await setUpWithPhone(server, phone, person);
      assert.equal(subscriptions.length, 1, 'the approver subscribed once');
      assert.equal(await page.getByText('Notifications are off').count(), 0);

      const { laptop, number } = await signInAskingPhone(server, person.email);
      const message = await push.next(subscriptions[0], 10_000);
      const { id } = message.payload as { type: string; id: string };
      assert.deepEqual(message.payload, { type: 'approval', id }, 'the push says nothing but that a request waits');
      const registrationId = registrations.get(`${server.url}/approve/`);
      assert.ok(registrationId, 'the service worker of /approve/ is registered');
      await cdp.send('ServiceWorker.deliverPushMessage', { origin: server.url, registrationId, data: JSON.stringify(message.payload) });

      await screen(page, 'request');
      const notifications = await page.evaluate(async () => (await navigator.serviceWorker.ready).getNotifications().then((list) => list.map((n) => ({ title: n.title, body: n.body, tag: n.tag, requireInteraction: n.requireInteraction }))));
      assert.deepEqual(notifications, [{ title: 'Sign-in request', body: 'Tap to review it', tag: id, requireInteraction: true }]);
      await page.getByRole('button', { name: number, exact: true }).click();
      await page.getByText('Approved. You can go back to your other screen.').waitFor();
      await laptop.waitReady();
      assert.equal((await laptop.act('approval', { remember: false })).step, 'done');
    } finally {
      await context.close();
    }
  });
});
