import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { freePort, launchBrowser, startServer, type ServerProcess } from './helpers.js';

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('Email address', { exact: true }).fill(email);
  await page.getByRole('button', { name: 'Continue', exact: true }).click();
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/**
 * The demo's policy prompts people without 2FA; these tests are about the
 * password, so they choose "later". The prompt then stays away for a few
 * logins, so it may not come: wait for whichever comes first.
 */
async function remindLater(page: Page): Promise<void> {
  const prompt = page.getByRole('button', { name: 'Remind me later' });
  const signedIn = page.locator('#signed-in');
  await prompt.or(signedIn).first().waitFor();
  if (await prompt.isVisible()) await prompt.click();
}

describe('the demo, on a fresh data directory', () => {
  let server: ServerProcess;
  let password: string;
  before(async () => {
    server = await startServer();
    const line = server.output.find((l) => l.startsWith('Demo user created:'));
    assert.ok(line, `no demo user line in:\n${server.output.join('\n')}`);
    const match = /Demo user created: (\S+)\s+password: (\S+)/.exec(line)!;
    assert.equal(match[1], 'demo@example.com');
    password = match[2]!;
  });
  after(async () => {
    await server?.stop();
  });

  it('signs the demo user in, shows who and until when, and signs out', async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    await signIn(page, 'demo@example.com', password);
    await remindLater(page);
    const panel = page.locator('#signed-in');
    await panel.waitFor({ state: 'visible' });
    assert.equal(await page.locator('#who-email').textContent(), 'demo@example.com');
    assert.match((await page.locator('#session-expires').getAttribute('datetime')) ?? '', /^\d{4}-\d\d-\d\dT/);

    // The session cookie is HttpOnly: the page cannot read it, yet a reload stays signed in.
    assert.equal(await page.evaluate(() => document.cookie), '');
    await page.reload();
    await panel.waitFor({ state: 'visible' });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Email address', { exact: true }).waitFor();
    const status = await page.evaluate(async () => (await fetch('/api/session')).status);
    assert.equal(status, 401);
    await page.close();
  });

  it('gives the host a JWT that a backend verifies against the JWKS', async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    await signIn(page, 'demo@example.com', password);
    await remindLater(page);
    await page.locator('#signed-in').waitFor({ state: 'visible' });
    const jwt = (await page.locator('#jwt').textContent())!;
    const jwks = createRemoteJWKSet(new URL('/.well-known/jwks.json', server.url));
    const { payload, protectedHeader } = await jwtVerify(jwt, jwks, { issuer: server.url, audience: 'login-flow', algorithms: ['ES256'] });
    assert.equal(protectedHeader.alg, 'ES256');
    assert.equal(payload.email, 'demo@example.com');
    assert.deepEqual(payload.amr, ['pwd']);
    assert.ok(payload.sid);
    await page.close();
  });

  it('does not tell an unknown email from a wrong password', async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    await signIn(page, 'nobody@example.com', 'Some-Long-Password-42');
    const unknown = await page.getByRole('alert').textContent();
    await page.getByRole('button', { name: 'Change' }).click();
    await signIn(page, 'demo@example.com', 'Some-Long-Password-42');
    await page.getByRole('alert').waitFor();
    assert.equal(await page.getByRole('alert').textContent(), unknown);
    await page.close();
  });

  it('serves the demo page with a strict content security policy', async () => {
    const response = await fetch(server.url);
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  });
});

/** A host page on another origin that embeds the widget with one script tag. */
async function hostPage(apiUrl: string): Promise<{ url: string; server: Server }> {
  const port = await freePort();
  const server = createServer((_, response) => {
    response.setHeader('content-type', 'text/html');
    response.end(`<!doctype html><html lang="en"><body>
      <script type="module" src="${apiUrl}/login-flow.js"></script>
      <login-flow api="${apiUrl}"></login-flow>
      <script>
        document.querySelector('login-flow').addEventListener('lf-success', (e) => { window.grant = e.session; });
        document.querySelector('login-flow').addEventListener('lf-error', (e) => { window.lastError = e.code; });
      </script>
    </body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(port, 'localhost', resolve));
  return { url: `http://localhost:${port}`, server };
}

describe('embedding on another origin', () => {
  let api: ServerProcess;
  let allowed: { url: string; server: Server };
  let stranger: { url: string; server: Server };
  const password = 'Correct-Horse-42-Battery';

  before(async () => {
    const apiPort = await freePort();
    allowed = await hostPage(`http://localhost:${apiPort}`);
    stranger = await hostPage(`http://localhost:${apiPort}`);
    api = await startServer({ ALLOWED_ORIGINS: allowed.url, DEMO_PASSWORD: password, SESSION_COOKIE: 'false' }, { port: apiPort });
  });
  after(async () => {
    await api?.stop();
    allowed?.server.close();
    stranger?.server.close();
  });

  it('works on a listed host page with one script and one element', async () => {
    const page = await browser.newPage();
    await page.goto(allowed.url);
    await signIn(page, 'demo@example.com', password);
    await remindLater(page);
    await page.waitForFunction(() => (window as unknown as { grant?: unknown }).grant !== undefined);
    const grant = await page.evaluate(() => (window as unknown as { grant: { token: string; user: { email: string } } }).grant);
    assert.equal(grant.user.email, 'demo@example.com');
    // Without the cookie, the host gets the opaque token to call GET /api/session with.
    const response = await fetch(`${api.url}/api/session`, { headers: { authorization: `Bearer ${grant.token}` } });
    assert.equal(response.status, 200);
    await page.close();
  });

  it('is refused on a host page whose origin is not listed: the script does not load, the API does not answer', async () => {
    const page = await browser.newPage();
    const failed = page.waitForEvent('requestfailed', (request) => request.url().endsWith('/login-flow.js'));
    await page.goto(stranger.url);
    await failed;
    assert.equal(await page.evaluate(() => customElements.get('login-flow')), undefined);
    assert.equal(await page.getByLabel('Email address', { exact: true }).count(), 0);
    const answered = await page.evaluate(async (url) => {
      try {
        await fetch(`${url}/api/flows/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        return true;
      } catch {
        return false;
      }
    }, api.url);
    assert.equal(answered, false);
    await page.close();
  });
});

describe('a restart in the middle of a sign-in', () => {
  it('loses nothing: the flow goes on where it was', async () => {
    const password = 'Correct-Horse-42-Battery';
    const port = await freePort();
    let server = await startServer({ DEMO_PASSWORD: password }, { port });
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.getByLabel('Email address', { exact: true }).fill('demo@example.com');
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    await page.getByLabel('Password', { exact: true }).waitFor();

    await server.stop('SIGKILL');
    server = await startServer({ DEMO_PASSWORD: password }, { port, dataDir: server.dataDir });

    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await remindLater(page);
    await page.locator('#signed-in').waitFor({ state: 'visible' });
    await page.close();
    await server.stop();
  });
});
