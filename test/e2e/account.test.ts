import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchBrowser, oathtool, skipBackupPhone, startServer, type ServerProcess } from './helpers.js';

const PASSWORD = 'Correct-Horse-42-Battery';
const NEW_PASSWORD = 'Staple-Orbit-17-Lantern';
const EMAIL = 'demo@example.com';
const STEP_MS = 30_000;

/** Waits into the next 30-second time step, so a code of the next step has not been used yet. */
async function nextTimeStep(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, STEP_MS - (Date.now() % STEP_MS) + 200));
}

async function signIn(page: Page, url: string, password = PASSWORD): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Email address', { exact: true }).fill(EMAIL);
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out', exact: true }).first().click();
  await page.getByLabel('Email address', { exact: true }).waitFor();
}

/** Opens the demo's "Account security" area; returns the element. */
async function openAccount(page: Page): Promise<Locator> {
  await page.locator('#signed-in').waitFor({ state: 'visible' });
  await page.getByText('Account security', { exact: true }).click();
  const account = page.locator('account-security');
  await account.getByRole('heading', { name: `Security for ${EMAIL}` }).waitFor();
  return account;
}

describe('the account security page in the demo', () => {
  let server: ServerProcess;
  let browser: Browser;
  before(async () => {
    browser = await launchBrowser();
    server = await startServer({ DEMO_PASSWORD: PASSWORD });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('ends another session at once, turns 2FA on, changes the password after re-authenticating, and forgets a device', async () => {
    // Two browsers signed in; the first chooses "remind me later".
    const first = await (await browser.newContext()).newPage();
    await signIn(first, server.url);
    await first.getByRole('button', { name: 'Remind me later' }).click();
    const second = await (await browser.newContext()).newPage();
    await signIn(second, server.url);
    await second.locator('#signed-in').waitFor({ state: 'visible' });

    // Where you're signed in: this browser is marked; the other one is signed out at once.
    let account = await openAccount(first);
    const sessions = account.locator('[data-section=sessions]');
    await sessions.getByText('This device').waitFor();
    const signOutOther = sessions.getByRole('button', { name: /^Sign out (?!everywhere).+/ });
    await signOutOther.first().waitFor();
    assert.equal(await signOutOther.count(), 1);
    await signOutOther.click();
    await sessions.getByText('Signed out.').waitFor();
    await second.reload();
    await second.getByLabel('Email address', { exact: true }).waitFor();
    assert.equal(await second.locator('#signed-in').isVisible(), false, 'the other browser is signed out');

    // Enable two-step verification: the login's own set-up steps, inside the page.
    await account.getByText('Two-step verification is off.').waitFor();
    await account.getByRole('button', { name: 'Enable two-step verification' }).click();
    const secret = account.locator('[data-secret]');
    await secret.waitFor();
    const key = (await secret.getAttribute('data-secret'))!;
    await account.getByLabel('Authentication code').fill(oathtool(key));
    await account.getByRole('button', { name: 'Next' }).click();
    await skipBackupPhone(first);
    await account.getByRole('button', { name: 'Continue' }).click();
    await account.getByLabel('I have saved my recovery code').check();
    await account.getByRole('button', { name: 'Continue' }).click();
    await account.getByText('Two-step verification is on.').waitFor();
    await account.getByText('Authenticator app', { exact: true }).waitFor();

    // Sign in again with the app's code and "remember this device"; then the password alone signs in.
    await signOut(first);
    await signIn(first, server.url);
    await first.getByLabel('Authentication code').fill(oathtool(key, 30));
    await first.getByLabel('Remember this device for 30 days').check();
    await first.getByRole('button', { name: 'Verify' }).click();
    await first.locator('#signed-in').waitFor({ state: 'visible' });
    await signOut(first);
    await signIn(first, server.url);
    account = await openAccount(first);
    assert.equal(await first.locator('#who-amr').textContent(), 'pwd', 'a remembered device skipped the code');

    // A password change on that session: "Confirm it's you" with the password and the app's code, then it goes through.
    await account.getByRole('button', { name: 'Change password' }).click();
    await account.getByLabel('Current password').fill(PASSWORD);
    await account.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await account.getByRole('button', { name: 'Save password' }).click();
    await account.getByRole('heading', { name: "Confirm it's you" }).waitFor();
    await account.locator('login-flow').getByLabel('Password', { exact: true }).fill(PASSWORD);
    await account.locator('login-flow').getByRole('button', { name: 'Log in' }).click();
    await nextTimeStep();
    await account.locator('login-flow').getByLabel('Authentication code').fill(oathtool(key, 30));
    await account.locator('login-flow').getByRole('button', { name: 'Verify' }).click();
    await account.getByText('Your password has been changed.').waitFor();
    const mail = (await (await fetch(`${server.url}/dev/outbox.json`)).json()) as { to: string; subject: string }[];
    assert.ok(mail.some((m) => m.to === EMAIL && /password/i.test(m.subject)), 'a notice was mailed');

    // A password change ends remembered devices: the new password signs in, and the code is asked again.
    await signOut(first);
    await signIn(first, server.url, PASSWORD);
    await first.getByRole('alert').waitFor();
    await signIn(first, server.url, NEW_PASSWORD);
    await nextTimeStep();
    await first.getByLabel('Authentication code').fill(oathtool(key, 30));
    await first.getByLabel('Remember this device for 30 days').check();
    await first.getByRole('button', { name: 'Verify' }).click();

    // Remembered devices: forgetting this browser takes effect at once.
    account = await openAccount(first);
    const devices = account.locator('[data-section=devices]');
    await devices.getByText(/^Remembered until/).waitFor();
    await devices.getByRole('button', { name: /^Forget (?!all)/ }).click();
    await devices.getByText('No remembered devices.').waitFor();
    await signOut(first);
    await signIn(first, server.url, NEW_PASSWORD);
    await first.getByLabel('Authentication code').waitFor();
    await first.context().close();
    await second.context().close();
  });
});
