/*
 * The README's embedding snippet, word for word, on a host page of another
 * site than the API: the sign-in, the company switch and the account page,
 * every script from the API's origin, compressed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { act, freePort, launchBrowser, reachPassword, signInChoosingCompany, startServer, switchCompany, type ServerProcess } from './helpers.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const PASSWORD = 'Correct-Horse-42-Battery';
const PLACEHOLDER = 'https://auth.example.com';

/** The README's "Everything in one page" snippet, as a host copies it. */
function readmeSnippet(): string {
  const from = README.indexOf('**Everything in one page**');
  assert.ok(from >= 0, 'the README has the snippet');
  const match = /```html\n([\s\S]*?)```/.exec(README.slice(from));
  assert.ok(match, 'the snippet is an html block');
  return match[1]!;
}

describe('the README snippet on a host page of another site', () => {
  let browser: Browser;
  let api: ServerProcess;
  let host: Server;
  let hostUrl: string;

  before(async () => {
    browser = await launchBrowser();
    const apiPort = await freePort();
    const hostPort = await freePort();
    // 127.0.0.1 and localhost are different sites: no cookie of the API's reaches this page's requests.
    hostUrl = `http://127.0.0.1:${hostPort}`;
    const page = `<!doctype html><html lang="en"><head><meta name="viewport" content="width=device-width"><title>Host</title></head><body>
${readmeSnippet().replaceAll(PLACEHOLDER, `http://localhost:${apiPort}`)}
</body></html>`;
    host = createServer((_, response) => {
      response.setHeader('content-type', 'text/html');
      response.end(page);
    });
    await new Promise<void>((resolve) => host.listen(hostPort, '127.0.0.1', resolve));
    api = await startServer({ ALLOWED_ORIGINS: hostUrl, DEMO_PASSWORD: PASSWORD, SESSION_COOKIE: 'false' }, { port: apiPort });
  });
  after(async () => {
    await browser?.close();
    await api?.stop();
    host?.close();
  });

  it('signs in, switches company, opens the account page and re-authenticates there, every script compressed from the API', async () => {
    const page = await browser.newPage();
    const scripts = new Map<string, string | undefined>();
    page.on('response', (response) => {
      if (response.url().startsWith(api.url) && response.url().endsWith('.js')) scripts.set(new URL(response.url()).pathname, response.headers()['content-encoding']);
    });
    // Jordan is also signed in elsewhere (a phone): the account page then offers "Sign out everywhere else".
    const phone = await reachPassword(api.url, 'jordan@example.com');
    let step = (await act(api.url, phone, 'password', { password: PASSWORD })).body;
    if (step.step === 'mfa-prompt') step = (await act(api.url, phone, 'remind-later', {})).body;
    if (step.step === 'choose-account') step = (await act(api.url, phone, 'choose', { account: step.data.accounts[0]!.id })).body;
    assert.equal(step.step, 'done');
    await page.goto(hostUrl);
    // Jordan works at two companies: the demo's 2FA prompt may come first, then the choice.
    await signInChoosingCompany(page, 'jordan@example.com', PASSWORD, 'Noordzee Logistics');

    // Behind sign-in: the company switch, in the session the token names.
    const account = page.locator('#account');
    await account.waitFor({ state: 'visible' });
    await switchCompany(page, 'Noordzee Logistics', 'Bakkerij de Vries');

    // And the account page.
    const security = page.locator('account-security');
    await security.getByRole('heading', { name: 'Security for jordan@example.com' }).waitFor();
    await security.locator('[data-section=sessions]').getByText('This device').waitFor();

    // "Confirm it's you" renews the session's token: the snippet hands the new one to both elements.
    // An hour passes (in the store): the sign-in is no longer fresh enough for changes.
    const store = new SQLite(join(api.dataDir, 'login-flow.sqlite'));
    store.prepare('update sessions set created_at = created_at - 3600000, reauth_at = reauth_at - 3600000').run();
    store.close();
    await security.getByRole('button', { name: 'Sign out everywhere else' }).click();
    await security.getByRole('heading', { name: "Confirm it's you" }).waitFor();
    await security.locator('login-flow').getByLabel('Password', { exact: true }).fill(PASSWORD);
    await security.locator('login-flow').getByRole('button', { name: 'Sign in', exact: true }).click();
    await security.getByText(/Signed out of \d+ other sessions?\./).waitFor();
    await switchCompany(page, 'Bakkerij de Vries', 'Noordzee Logistics');

    // The three files came from the API's origin, each with brotli.
    const chunk = [...scripts.keys()].find((path) => /^\/company-steps-[\w-]+\.js$/.test(path));
    assert.ok(chunk, `the company steps were loaded on demand: ${[...scripts.keys()].join(', ')}`);
    for (const path of ['/login-flow.js', '/account-security.js', chunk]) assert.equal(scripts.get(path), 'br', `${path} with brotli`);
    await page.close();
  });

  it('tells a host page the API does not list that it is not allowed, rather than blaming the network', async () => {
    // A page that bundles the widget itself (from npm, say) on an origin missing from
    // ALLOWED_ORIGINS: its script runs, and the API refuses the widget's preflight.
    const otherPort = await freePort();
    const widget = join(import.meta.dirname, '../../dist/widget');
    const other = createServer((request, response) => {
      if (request.url?.endsWith('.js')) {
        response.setHeader('content-type', 'text/javascript');
        response.end(readFileSync(join(widget, request.url.slice(1))));
        return;
      }
      response.setHeader('content-type', 'text/html');
      response.end(`<!doctype html><html lang="en"><head><title>Unlisted</title></head><body>
<script type="module" src="/login-flow.js"></script><login-flow api="${api.url}"></login-flow></body></html>`);
    });
    await new Promise<void>((resolve) => other.listen(otherPort, '127.0.0.1', resolve));
    const page = await browser.newPage();
    try {
      await page.addInitScript(() => document.addEventListener('lf-error', (event) => ((window as unknown as { lfError: string }).lfError = (event as Event & { code: string }).code)));
      await page.goto(`http://127.0.0.1:${otherPort}`);
      await page.waitForFunction(() => (window as unknown as { lfError?: string }).lfError);
      assert.equal(await page.evaluate(() => (window as unknown as { lfError: string }).lfError), 'origin_not_allowed');
      await page.getByRole('alert').getByText('This page is not allowed to sign you in.').waitFor();
      // No spinner that never ends: a way to try again instead.
      await page.getByRole('button', { name: 'Try again' }).waitFor();
      assert.equal(await page.locator('.lf-loading').count(), 0);
    } finally {
      await page.close();
      other.close();
    }
  });

  it('serves the scripts cross-origin to the listed host only, entry files revalidated and chunks cached for good', async () => {
    const entry = await fetch(`${api.url}/login-flow.js`, { headers: { origin: hostUrl, 'accept-encoding': 'gzip' } });
    assert.equal(entry.status, 200);
    assert.equal(entry.headers.get('access-control-allow-origin'), hostUrl);
    assert.equal(entry.headers.get('cache-control'), 'public, no-cache');
    // fetch decodes the body; what came over the wire was gzip, smaller than the budget.
    assert.equal(entry.headers.get('content-encoding'), 'gzip');
    const etag = entry.headers.get('etag')!;
    const revalidated = await fetch(`${api.url}/login-flow.js`, { headers: { origin: hostUrl, 'accept-encoding': 'gzip', 'if-none-match': etag } });
    assert.equal(revalidated.status, 304);

    const text = await entry.text();
    const setupChunk = /setup-steps-[\w-]+\.js/.exec(text)?.[0];
    for (const name of ['company-steps', 'setup-steps', 'approver-steps', 'recovery-steps', 'passkey-offer']) {
      const chunk = new RegExp(`${name}-[\\w-]+\\.js`).exec(text)?.[0];
      assert.ok(chunk, `the widget names its ${name} chunk`);
      const lazy = await fetch(`${api.url}/${chunk}`, { headers: { origin: hostUrl } });
      assert.equal(lazy.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      // A chunk imports only the running widget: nothing to preload (vite.config.ts, noPreloadPlugin).
      const imports = [...(await lazy.text()).matchAll(/\bfrom\s*["'`]([^"'`]+)["'`]|\bimport\s*\(\s*["'`]([^"'`]+)/g)].map((m) => m[1] ?? m[2]);
      // The passkey offer shows the recovery code of a first second factor with the set-up chunk's step.
      const expected = name === 'passkey-offer' ? ['./login-flow.js', `./${setupChunk}`] : ['./login-flow.js'];
      assert.deepEqual([...new Set(imports)].sort(), expected.sort(), `${name} imports`);
    }

    const account = await fetch(`${api.url}/account-security.js`, { headers: { origin: 'https://elsewhere.example' } });
    assert.equal(account.status, 200);
    assert.equal(account.headers.get('access-control-allow-origin'), null);
  });
});
