import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { chooseMethod, launchBrowser, oathtool, runCli, skipBackupMethod, startServer, type ServerProcess } from './helpers.js';

const PASSWORD = 'Correct-Horse-42-Battery';

interface OutboxMail {
  channel: string;
  to: string;
  subject: string;
  text: string;
}

/** The newest mail to `to` whose subject matches, once the server (another process) has it; five seconds at most. */
async function mailTo(server: ServerProcess, to: string, subject: RegExp): Promise<OutboxMail> {
  for (const deadline = Date.now() + 5000; Date.now() < deadline; ) {
    const outbox = (await (await fetch(`${server.url}/dev/outbox.json`)).json()) as OutboxMail[];
    const found = outbox.find((m) => m.channel === 'email' && m.to === to && subject.test(m.subject));
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no mail to ${to} matching ${subject}`);
}

async function signIn(page: Page, url: string, email: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Email address', { exact: true }).fill(email);
  await page.getByRole('button', { name: 'Continue', exact: true }).click();
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** At the method choice: the authenticator app with the key read from the screen (oathtool computes the code), then the recovery code saved. */
async function setUpAuthenticator(page: Page): Promise<string> {
  await chooseMethod(page, 'Authenticator app');
  const secret = page.locator('[data-secret]');
  await secret.waitFor();
  const key = (await secret.getAttribute('data-secret'))!;
  await page.getByLabel('Verification code').fill(oathtool(key));
  await page.getByRole('button', { name: 'Continue', exact: true }).click();
  await skipBackupMethod(page);
  await page.getByRole('button', { name: 'Continue', exact: true }).click();
  await page.getByLabel('I have saved my recovery code').check();
  await page.getByRole('button', { name: 'Continue', exact: true }).click();
  await page.locator('#signed-in').waitFor({ state: 'visible' });
  return key;
}

/** Nothing in the page is wider than the window: no sideways scrolling at this width. */
async function assertFits(page: Page, width: number, where: string): Promise<void> {
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(scrollWidth <= width, `${where} fits ${width} px (scroll width ${scrollWidth})`);
}

describe('"Lost access to your phone?" in the demo: request, approval, recovery', () => {
  let server: ServerProcess;
  let browser: Browser;
  let env: Record<string, string>;
  before(async () => {
    browser = await launchBrowser();
    // 2FA required from long ago: a first sign-in sets it up.
    server = await startServer({ MFA_REQUIRED_FROM: '2020-01-01' });
    // The CLI mails the link an approval makes: to the server's pages (RECOVERY_URL's fallback, PUBLIC_URL/recover).
    env = { DATA_DIR: server.dataDir, MFA_REQUIRED_FROM: '2020-01-01', PUBLIC_URL: server.url };
    await runCli(['org', 'create', '--name', 'Fernway Payroll', '--slug', 'fernway'], env);
    await runCli(['org', 'recovery', '--org', 'fernway', '--employee-number', 'required'], env);
    await runCli(['user', 'create', '--email', 'boss@fernway.example', '--password', PASSWORD, '--name', 'Bo Boss'], env);
    await runCli(['member', 'add', '--org', 'fernway', '--email', 'boss@fernway.example', '--role', 'admin'], env);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  for (const width of [320, 1280]) {
    it(`a person who lost their authenticator asks, the administrator approves, the mailed link sets 2FA up again (${width} px)`, async () => {
      // A long address: it must wrap, not widen the card, at 320 px.
      const email = `robin.with.a.rather.long.address-${width}@fernway.example`;
      await runCli(['user', 'create', '--email', email, '--password', PASSWORD, '--name', 'Robin Employee'], env);
      await runCli(['member', 'add', '--org', 'fernway', '--email', email, '--role', 'employee'], env);
      await runCli(['member', 'employee-number', '--org', 'fernway', '--email', email, '--number', `E-${width}`], env);
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const page = await context.newPage();

      // The first sign-in sets up the authenticator app; then the phone is lost.
      await signIn(page, server.url, email);
      const lostKey = await setUpAuthenticator(page);
      await page.getByRole('button', { name: 'Sign out' }).click();

      // At the second factor: "Lost access to your phone?" opens the form in place.
      await signIn(page, server.url, email);
      await page.getByLabel('Verification code').waitFor();
      await page.getByRole('button', { name: 'Lost access to your phone?' }).click();
      await page.getByRole('heading', { name: 'Request recovery' }).waitFor();
      await page.getByText(`The answer goes to ${email}.`).waitFor();
      await assertFits(page, width, 'the request form');
      const note = page.getByLabel('Note for your administrator');
      assert.equal(await note.evaluate((element) => element === document.activeElement), true, 'the note has focus');
      // Sent empty: refused in the page, nothing filed.
      await page.getByRole('button', { name: 'Send request' }).click();
      await page.getByRole('alert').filter({ hasText: 'Write a short note for your administrator.' }).waitFor();
      await note.fill('New phone; the old one was stolen on the train. Call me at extension 214.');
      await page.getByLabel('Employee number (if your employer gave you one)').fill(`E-${width}`);
      await assertFits(page, width, 'the request form');
      await page.getByRole('button', { name: 'Send request' }).click();
      await page.getByRole('heading', { name: 'Request sent' }).waitFor();
      await page.getByText(`If an account exists for ${email}, your administrator will look at your request.`).waitFor();
      await assertFits(page, width, 'Request sent');
      await mailTo(server, email, /recovery request was made/);

      // The administrator finds it in the queue, with the employee number checked, and approves.
      const queue = JSON.parse(await runCli(['recovery', 'list', '--org', 'fernway', '--status', 'pending', '--json'], env)) as { id: string; user: { email: string } }[];
      const request = queue.find((r) => r.user.email === email);
      assert.ok(request, `the request is in the queue: ${JSON.stringify(queue)}`);
      const shown = await runCli(['recovery', 'show', '--id', request.id], env);
      assert.match(shown, /Employee number: match/);
      assert.match(shown, /\n  \| New phone; the old one was stolen/);
      assert.match(await runCli(['recovery', 'approve', '--id', request.id, '--by', 'boss@fernway.example'], env), /Approved; the recovery link was mailed/);

      // The mailed link opens /recover with the token in the fragment.
      const approved = await mailTo(server, email, /recovery request was approved/);
      const link = approved.text.match(/https?:\/\/\S+\/recover#token=[\w-]+/)?.[0];
      assert.ok(link, `a recovery link in: ${approved.text}`);
      await page.goto(link);
      await page.getByRole('heading', { name: 'Enter your password' }).waitFor();
      assert.equal(new URL(page.url()).hash, '', 'the token left the address bar');
      await page.getByText(email).first().waitFor();
      // The link's account only: no other address, no password reset from here.
      assert.equal(await page.getByRole('button', { name: 'Forgot your password?' }).count(), 0);
      assert.equal(await page.getByRole('button', { name: 'Change email address' }).count(), 0);
      await assertFits(page, width, 'the recover password step');
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByText('Set up two-step verification again.').first().waitFor();
      const newKey = await setUpAuthenticator(page);
      assert.notEqual(newKey, lostKey);
      assert.match((await page.locator('#who-email').textContent()) ?? '', new RegExp(email));

      await context.close();

      // The link is spent (in another browser: this one is signed in, and the demo shows its session).
      const other = await browser.newContext({ viewport: { width, height: 900 } });
      const again = await other.newPage();
      await again.goto(link);
      await again.getByRole('heading', { name: 'This link no longer works' }).waitFor();
      await again.getByText('If you still cannot sign in, send a new recovery request.').waitFor();
      await other.close();
    });
  }

  it('the public request page, in Dutch, answers the same for an address without an account', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(`${server.url}/recovery-request`);
    await page.locator('login-flow .lf-lang').selectOption('nl');
    await page.getByRole('heading', { name: 'Herstel aanvragen' }).waitFor();
    await page.getByLabel('E-mailadres').fill('nobody@fernway.example');
    await page.getByLabel('Toelichting voor je beheerder').fill('Telefoon kwijt.');
    await page.getByLabel('Personeelsnummer (als je werkgever je er een heeft gegeven)').fill('E-1');
    await assertFits(page, 390, 'the public form');
    await page.getByRole('button', { name: 'Verzoek versturen' }).click();
    await page.getByRole('heading', { name: 'Verzoek verstuurd' }).waitFor();
    await page.getByText('Als er een account is voor nobody@fernway.example, bekijkt je beheerder je verzoek.').waitFor();
    const queue = JSON.parse(await runCli(['recovery', 'list', '--json'], env)) as { user: { email: string } }[];
    assert.equal(queue.some((r) => r.user.email === 'nobody@fernway.example'), false);
    await context.close();
  });
});
