import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { chooseMethod, launchBrowser, skipBackupMethod, startServer, type ServerProcess } from './helpers.js';

const PASSWORD = 'Correct-Horse-42-Battery';
const EMAIL = 'demo@example.com';

/** Chromium's virtual authenticator (SETUP.md): a platform authenticator with face/fingerprint that always says yes. */
async function withAuthenticator(page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return { cdp, authenticatorId };
}

async function signInWithPassword(page: Page): Promise<void> {
  await page.getByLabel('Email address', { exact: true }).fill(EMAIL);
  await page.getByRole('button', { name: 'Continue', exact: true }).click();
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

describe('passkeys in the demo, with Chromium as the authenticator', () => {
  let server: ServerProcess;
  let browser: Browser;
  let context: BrowserContext;
  before(async () => {
    browser = await launchBrowser();
    server = await startServer({ DEMO_PASSWORD: PASSWORD });
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
  });

  it('registers a passkey at 2FA set-up, then signs in from autofill with no typing', async () => {
    context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(server.url);
    const { cdp, authenticatorId } = await withAuthenticator(page);

    await signInWithPassword(page);
    await page.getByRole('button', { name: 'Enable' }).click();
    await chooseMethod(page, 'Face ID, fingerprint or screen lock');
    await page.getByLabel('Name for this passkey').fill('Test laptop');
    await page.getByRole('button', { name: 'Create passkey' }).click();
    await skipBackupMethod(page);
    await page.getByLabel('I have saved my recovery code').check();
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    await page.locator('#signed-in').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#who-amr').textContent(), 'pwd, hwk, mfa');
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.equal(credentials.length, 1);
    assert.equal(credentials[0]!.rpId, 'localhost');
    assert.equal(credentials[0]!.isResidentCredential, true);

    // Signing out shows the email step, whose autofill offers the passkey; the
    // virtual authenticator accepts at once, so no key is pressed.
    await page.getByRole('button', { name: 'Sign out' }).click();
    // The panel shows the new session once the passkey has signed in again.
    await page.waitForFunction(() => document.querySelector('#who-amr')?.textContent === 'hwk, mfa');
    assert.equal(await page.locator('#who-email').textContent(), EMAIL);
    assert.ok(await page.locator('#signed-in').isVisible());
  });

  it('tells the person when face ID fails, and keeps the other ways in', async () => {
    const other = await browser.newContext();
    const page = await other.newPage();
    await page.goto(server.url);
    // An authenticator that holds no passkey for this account: the ceremony fails like a failed face ID.
    const { cdp, authenticatorId } = await withAuthenticator(page);
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
    await signInWithPassword(page);
    const alert = page.getByRole('alert');
    await page.getByRole('button', { name: /passkey/i }).first().click();
    await alert.waitFor();
    assert.ok(await page.getByRole('button', { name: 'Use a recovery code' }).isVisible());
    await other.close();
  });
});
