/*
 * The demo's companies in Chromium: an Acme employee signs in through Acme's
 * OpenID provider (a real oidc-provider on 127.0.0.1:9400, as `npm run idp`
 * starts it), and a person with two companies chooses one and switches.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { DEMO_IDP } from '../../server/companies/demo.js';
import { startTestProvider, type TestProvider } from '../../demo/oidc-provider.js';
import { freePort, launchBrowser, signInChoosingCompany, startServer, switchCompany, type ServerProcess } from './helpers.js';

const PASSWORD = 'Correct-Horse-42-Battery';

/** The session as the page's own cookie shows it to the API. */
async function session(page: Page): Promise<{ account?: { name: string }; provider?: { name: string }; user: { email: string } }> {
  return page.evaluate(async () => (await fetch('/api/session', { credentials: 'include' })).json());
}

describe('companies in the demo', () => {
  let server: ServerProcess;
  let provider: TestProvider;
  let browser: Browser;
  before(async () => {
    const port = await freePort();
    provider = await startTestProvider({
      port: Number(new URL(DEMO_IDP.issuer).port),
      clientId: DEMO_IDP.clientId,
      clientSecret: DEMO_IDP.clientSecret,
      redirectUris: [`http://localhost:${port}/`],
      accounts: [...DEMO_IDP.people, { email: 'eve@elsewhere.example', name: 'Eve' }],
      title: 'Acme Identity',
    });
    server = await startServer({ DEMO_PASSWORD: PASSWORD }, { port });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await provider?.close();
  });

  it('signs an Acme employee in through Acme\'s provider: no password, no 2FA here, and the account page says so', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(server.url);
    await page.getByLabel('Email address', { exact: true }).fill('sam@acme.example');
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    await page.getByRole('heading', { name: 'Sign in with your company' }).waitFor();

    // Cancelled at the provider: back in the widget, which says so and offers the provider again.
    await page.getByRole('link', { name: 'Continue with Acme Identity' }).or(page.getByRole('button', { name: 'Continue with Acme Identity' })).click();
    await page.waitForURL(`${provider.issuer}/**`);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByText('Signing in at your company was cancelled.').waitFor();
    assert.equal(new URL(page.url()).search, '', 'the provider\'s answer leaves the address bar');

    // Another address at the provider than the one typed here.
    await page.getByRole('link', { name: 'Continue with Acme Identity' }).or(page.getByRole('button', { name: 'Continue with Acme Identity' })).click();
    await page.getByLabel('Email').fill('eve@elsewhere.example');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByText('You signed in at your company with another email address').waitFor();

    await page.getByRole('link', { name: 'Continue with Acme Identity' }).or(page.getByRole('button', { name: 'Continue with Acme Identity' })).click();
    await page.getByLabel('Email').fill('sam@acme.example');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.locator('#signed-in').waitFor({ state: 'visible' });
    assert.equal(new URL(page.url()).search, '');
    const signedIn = await session(page);
    assert.equal(signedIn.user.email, 'sam@acme.example');
    assert.equal(signedIn.provider?.name, 'Acme Identity');
    assert.equal(signedIn.account?.name, 'Acme');

    await page.getByText('Account security', { exact: true }).click();
    const account = page.locator('account-security');
    await account.getByText('You are signed in with Acme Identity').waitFor();
    assert.equal(await account.getByRole('heading', { name: 'Password' }).count(), 0);
  });

  it('confirms it is Sam through Acme\'s provider again before signing out everywhere else', async () => {
    const signInAsSam = async () => {
      const page = await (await browser.newContext()).newPage();
      await page.goto(server.url);
      await page.getByLabel('Email address', { exact: true }).fill('sam@acme.example');
      await page.getByRole('button', { name: 'Continue', exact: true }).click();
      await page.getByRole('link', { name: 'Continue with Acme Identity' }).or(page.getByRole('button', { name: 'Continue with Acme Identity' })).click();
      await page.getByLabel('Email').fill('sam@acme.example');
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.locator('#signed-in').waitFor({ state: 'visible' });
      return page;
    };
    const laptop = await signInAsSam();
    const phone = await signInAsSam();
    // An hour passes for the laptop's sign-in: changes now need Sam to confirm it is them.
    const store = new Database(join(server.dataDir, 'login-flow.sqlite'));
    store.prepare('update sessions set created_at = created_at - 3600000 where user_id = (select id from users where email = ?)').run('sam@acme.example');
    store.close();

    await laptop.getByText('Account security', { exact: true }).click();
    const account = laptop.locator('account-security');
    await account.getByRole('button', { name: 'Sign out everywhere else' }).click();
    await account.getByRole('heading', { name: "Confirm it's you" }).waitFor();
    await account.getByRole('link', { name: 'Continue with Acme Identity' }).or(account.getByRole('button', { name: 'Continue with Acme Identity' })).click();
    await laptop.waitForURL(`${provider.issuer}/**`);
    await laptop.getByLabel('Email').fill('sam@acme.example');
    await laptop.getByRole('button', { name: 'Sign in', exact: true }).click();
    // Back on the page, still the same session, now fresh: the change goes through.
    await laptop.locator('#signed-in').waitFor({ state: 'visible' });
    assert.equal(new URL(laptop.url()).search, '');
    await laptop.getByText('Account security', { exact: true }).click();
    await laptop.locator('account-security').getByRole('button', { name: 'Sign out everywhere else' }).click();
    await laptop.locator('account-security').getByText(/Signed out of \d+ other sessions?\./).waitFor();
    const phoneSession = await phone.evaluate(async () => (await fetch('/api/session', { credentials: 'include' })).status);
    assert.equal(phoneSession, 401);
  });

  it('lets a person with two companies choose one, then switch without signing in again', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(server.url);
    await signInChoosingCompany(page, 'jordan@example.com', PASSWORD, 'Noordzee Logistics');
    await page.locator('#signed-in').waitFor({ state: 'visible' });
    assert.equal((await session(page)).account?.name, 'Noordzee Logistics');

    await switchCompany(page, 'Noordzee Logistics', 'Bakkerij de Vries');
    assert.equal((await session(page)).account?.name, 'Bakkerij de Vries');
  });
});
