import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { chooseMethod, launchBrowser, oathtool, skipBackupMethod, startServer, type ServerProcess } from './helpers.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const PASSWORD = 'Correct-Horse-42-Battery';
const EMAIL = 'demo@example.com';

async function signInWithPassword(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Email address', { exact: true }).fill(EMAIL);
  await page.getByRole('button', { name: 'Continue', exact: true }).click();
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('Email address', { exact: true }).waitFor();
}

/** At the method choice: the authenticator app; read the manual key from the screen, confirm with oathtool, save the recovery code. */
async function completeSetup(page: Page, codeOffset = 0): Promise<{ key: string; recoveryCode: string; code: string }> {
  await chooseMethod(page, 'Authenticator app');
  const secret = page.locator('[data-secret]');
  await secret.waitFor();
  const key = (await secret.getAttribute('data-secret'))!;
  assert.match(key, /^[A-Z2-7]{32}$/);
  assert.equal((await secret.textContent())!.replace(/\s/g, ''), key, 'the key on screen is the key');
  assert.equal(await page.locator('svg path').first().count(), 1, 'a QR code is drawn');
  const code = oathtool(key, codeOffset);
  await page.getByLabel('Verification code').fill(code);
  await page.getByRole('button', { name: 'Continue', exact: true }).click();
  await skipBackupMethod(page);
  const shown = page.locator('.lf-recovery-code');
  await shown.waitFor();
  const recoveryCode = (await shown.textContent())!.trim();
  await page.getByRole('button', { name: 'Continue', exact: true }).click();
  await page.getByRole('alert').waitFor();
  await page.getByLabel('I have saved my recovery code').check();
  await page.getByRole('button', { name: 'Continue', exact: true }).click();
  await page.locator('#signed-in').waitFor({ state: 'visible' });
  return { key, recoveryCode, code };
}

describe('two-step verification in the demo, with oathtool as the authenticator app', () => {
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

  it('walks the seeds journey: prompt, set-up, second factor, replay, remembered device, recovery code', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();

    // A person without 2FA meets the prompt and enables it.
    await signInWithPassword(page, server.url);
    await page.getByRole('heading', { name: 'Add an extra layer of security' }).waitFor();
    await page.getByRole('button', { name: 'Enable' }).click();
    const { key, recoveryCode, code: setupCode } = await completeSetup(page);
    assert.match(await page.locator('#who-amr').textContent() ?? '', /otp/);
    await signOut(page);

    // Next login asks for the code; the code that confirmed set-up is refused (its step is spent).
    await signInWithPassword(page, server.url);
    const codeField = page.getByLabel('Verification code');
    await codeField.fill(setupCode);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('alert').filter({ hasText: 'incorrect or has already been used' }).waitFor();
    // A fresh code: the next time step, inside the one step of drift allowed.
    await codeField.fill(oathtool(key, 30));
    await page.getByLabel('Remember this device for 30 days').check();
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.locator('#signed-in').waitFor({ state: 'visible' });
    await signOut(page);

    // This browser is remembered: the password alone signs in.
    await signInWithPassword(page, server.url);
    await page.locator('#signed-in').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#who-amr').textContent(), 'pwd');
    await context.close();

    // Another browser, phone lost: the recovery code signs in once and set-up starts again.
    const other = await browser.newContext();
    const second = await other.newPage();
    await signInWithPassword(second, server.url);
    await second.getByRole('button', { name: 'Use a recovery code' }).click();
    await second.getByLabel('Recovery code').fill(recoveryCode);
    await second.getByRole('button', { name: 'Verify' }).click();
    await second.getByText('Set up two-step verification again.').waitFor();
    const mail = (await (await fetch(`${server.url}/dev/outbox.json`)).json()) as { to: string; subject: string }[];
    assert.equal(mail[0]?.to, EMAIL);
    assert.match(mail[0]!.subject, /recovery code was used/);
    const renewed = await completeSetup(second);
    assert.notEqual(renewed.key, key);
    assert.notEqual(renewed.recoveryCode, recoveryCode);
    await signOut(second);

    // The spent recovery code does not work again.
    await signInWithPassword(second, server.url);
    await second.getByRole('button', { name: 'Use a recovery code' }).click();
    await second.getByLabel('Recovery code').fill(recoveryCode);
    await second.getByRole('button', { name: 'Verify' }).click();
    await second.getByRole('alert').waitFor();
    assert.equal(await second.locator('#signed-in').isVisible(), false);
    await other.close();
  });

  it('lets support reset 2FA with a one-time backup code from the CLI', async () => {
    const output = execFileSync(process.execPath, ['bin/login-flow.js', 'user', 'reset-mfa', '--email', EMAIL], {
      cwd: ROOT,
      env: { ...process.env, DATA_DIR: server.dataDir, LOG_LEVEL: 'warn' },
    }).toString();
    const backup = /\n([0-9A-Z]{4}(?:-[0-9A-Z]{4}){3})\n?$/.exec(output)?.[1];
    assert.ok(backup, output);
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInWithPassword(page, server.url);
    await page.getByText('Two-step verification was reset for your account').waitFor();
    await page.getByLabel('Recovery code').fill(backup);
    await page.getByRole('button', { name: 'Verify' }).click();
    await completeSetup(page);
    await context.close();
  });
});
