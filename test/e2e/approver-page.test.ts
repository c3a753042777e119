/*
 * The approver web app's own parts, without a person enrolled: the files the
 * API serves at /approve/ and their headers, the web app manifest and its
 * icons, the service worker's registration, the languages, the 320 px
 * layout, and that the strict CSP holds (nothing inline); and the code shown
 * after "Turn on", with the enrolment's answers stubbed. The journeys
 * through the approver API are in approver.test.ts.
 *
 * Needs the builds: `npx vite build && npx vite build --mode widget && npx vite build --mode approver`.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { pickLang } from '../../approver/i18n.js';
import type { EnrolmentResult, EnrolmentStart } from '../../server/approver-protocol.js';
import { APPROVER_CSP } from '../../server/routes/approver-page.js';
import { launchBrowser, secretKey, startServer, type ServerProcess } from './helpers.js';

const DIST = new URL('../../dist/approver/', import.meta.url).pathname;
const AXE = readFileSync(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');
const SHOTS = '/tmp/shots';
const WIDTHS = [320, 390, 1280];

/** The files the build must write, with the type each is served as. */
const FILES: Record<string, string> = {
  '': 'text/html; charset=utf-8',
  'approve.js': 'text/javascript; charset=utf-8',
  'approve.css': 'text/css; charset=utf-8',
  'sw.js': 'text/javascript; charset=utf-8',
  'manifest.webmanifest': 'application/manifest+json',
  'icon.svg': 'image/svg+xml',
  'icon-192.png': 'image/png',
  'icon-512.png': 'image/png',
};

/** Width and height from a PNG's IHDR chunk (PNG §11.2.2), after the 8-byte signature and the chunk's length and type. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG signature');
  assert.equal(bytes.toString('latin1', 12, 16), 'IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

interface Manifest {
  id?: string;
  name: string;
  short_name: string;
  start_url: string;
  scope: string;
  display: string;
  theme_color: string;
  background_color: string;
  icons: { src: string; sizes: string; type: string; purpose?: string }[];
}

/** Opens the approver in a fresh context; collects every CSP violation and page error it reports. */
async function openApprover(browser: Browser, url: string, options: Parameters<Browser['newContext']>[0] = {}): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) problems.push(`CSP: ${message.text()}`);
  });
  await page.goto(url);
  await page.locator('main[data-screen]:not([data-screen="loading"])').waitFor();
  return { context, page, problems };
}

/**
 * The enrolment's two answers, so the page reaches the screen after "Turn on"
 * without a person and a sign-in behind it (approver.test.ts enrols for
 * real): the set-up link opens, and enrolment answers with `confirmation`.
 * The phone has no platform authenticator here, so the passkey options go
 * unused; the request poll after "Done" is held.
 */
async function fakeEnrolment(page: Page, confirmation: string): Promise<void> {
  const start: EnrolmentStart = {
    user: { name: 'Robin de Vries', email: 'robin.de.vries@voorbeeld-bedrijf.example' },
    passkey: { options: { challenge: 'AAAA', rp: { name: 'login-flow' }, user: { id: 'AAAA', name: 'robin', displayName: 'Robin' }, pubKeyCredParams: [{ type: 'public-key', alg: -7 }] } },
    expiresAt: Date.now() + 600_000,
  };
  const result: EnrolmentResult = { device: { id: 'dev_1', name: 'Chrome on Linux' }, deviceToken: 'token', confirmation };
  const json = (body: unknown) => ({ status: 200, contentType: 'application/json', body: JSON.stringify(body) });
  await page.route('**/api/approver/enrolment', (route) => route.fulfill(json(start)));
  await page.route('**/api/approver/devices', (route) => route.fulfill(json(result)));
  await page.route('**/api/approver/requests?wait=1', () => undefined);
}

/** axe-core's WCAG 2.2 A/AA rules on the page; evaluated over CDP, which the page's CSP does not govern (a script tag would be refused). */
async function axe(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    const { violations } = await (window as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: { id: string; nodes: unknown[] }[] }> } }).axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
    });
    return violations.map(({ id, nodes }) => `${id} (${nodes.length})`);
  });
  return result;
}

describe('the approver page', () => {
  let server: ServerProcess;
  let browser: Browser;

  before(async () => {
    assert.ok(existsSync(`${DIST}index.html`), 'build the approver first: npx vite build --mode approver');
    mkdirSync(SHOTS, { recursive: true });
    [server, browser] = await Promise.all([startServer({ SESSION_COOKIE: 'false' }), launchBrowser()]);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('/approve redirects to /approve/, keeping the query', async () => {
    const response = await fetch(`${server.url}/approve?lang=nl`, { redirect: 'manual' });
    assert.equal(response.status, 308);
    assert.equal(response.headers.get('location'), '/approve/?lang=nl');
  });

  it('serves every file with its type, the strict CSP, no-cache and an ETag', async () => {
    for (const [name, type] of Object.entries(FILES)) {
      const response = await fetch(`${server.url}/approve/${name}`, { headers: { 'accept-encoding': 'identity' } });
      assert.equal(response.status, 200, name);
      assert.equal(response.headers.get('content-type'), type, name);
      assert.equal(response.headers.get('content-security-policy'), APPROVER_CSP, name);
      assert.equal(response.headers.get('cache-control'), 'no-cache', name);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', name);
      assert.equal(response.headers.get('access-control-allow-origin'), null, `${name}: same origin only`);
      assert.match(response.headers.get('etag') ?? '', /^"[\w-]+"$/, name);
      await response.arrayBuffer();
    }
  });

  it('the CSP allows nothing inline and no other origin, and forbids framing', () => {
    const directives = new Map(APPROVER_CSP.split(';').map((part) => part.trim().split(/\s+/) as [string, ...string[]]).map(([name, ...values]) => [name, values]));
    for (const name of ['default-src', 'script-src', 'style-src', 'connect-src', 'manifest-src', 'worker-src']) assert.deepEqual(directives.get(name), ["'self'"], name);
    assert.deepEqual(directives.get('frame-ancestors'), ["'none'"]);
    assert.deepEqual(directives.get('object-src'), ["'none'"]);
    assert.deepEqual(directives.get('base-uri'), ["'none'"]);
  });

  it('sends the text files compressed as the browser accepts, and 304 while the copy is current', async () => {
    for (const name of ['', 'approve.js', 'approve.css', 'sw.js', 'manifest.webmanifest', 'icon.svg']) {
      const br = await fetch(`${server.url}/approve/${name}`, { headers: { 'accept-encoding': 'br' } });
      assert.equal(br.headers.get('content-encoding'), 'br', name);
      assert.equal(br.headers.get('vary'), 'Accept-Encoding', name);
      const gzip = await fetch(`${server.url}/approve/${name}`, { headers: { 'accept-encoding': 'gzip' } });
      assert.equal(gzip.headers.get('content-encoding'), 'gzip', name);
      // fetch decodes both: the same bytes as the file.
      assert.equal(await br.text(), await gzip.text(), name);
      const again = await fetch(`${server.url}/approve/${name}`, { headers: { 'accept-encoding': 'br', 'if-none-match': br.headers.get('etag')! } });
      assert.equal(again.status, 304, name);
    }
  });

  it('has an installable web app manifest: name, scope, standalone, colours, PNG icons of 192 and 512 px and an SVG one', async () => {
    const manifest = (await (await fetch(`${server.url}/approve/manifest.webmanifest`)).json()) as Manifest;
    assert.equal(manifest.name, 'Approve sign-ins');
    assert.ok(manifest.short_name && manifest.short_name.length <= 12, 'a short name that fits under a home-screen icon');
    assert.equal(manifest.start_url, '/approve/');
    assert.equal(manifest.scope, '/approve/');
    assert.equal(manifest.display, 'standalone');
    assert.match(manifest.theme_color, /^#[0-9a-f]{6}$/i);
    assert.match(manifest.background_color, /^#[0-9a-f]{6}$/i);
    const base = new URL('/approve/manifest.webmanifest', server.url);
    for (const size of [192, 512]) {
      const icon = manifest.icons.find((entry) => entry.sizes === `${size}x${size}` && entry.type === 'image/png' && (entry.purpose ?? 'any').split(' ').includes('any'));
      assert.ok(icon, `a ${size} px PNG icon`);
      const response = await fetch(new URL(icon.src, base));
      assert.equal(response.headers.get('content-type'), 'image/png');
      assert.deepEqual(pngSize(Buffer.from(await response.arrayBuffer())), { width: size, height: size });
    }
    assert.ok(manifest.icons.some((entry) => entry.purpose === 'maskable'), 'a maskable icon for Android launchers');
    const svg = manifest.icons.find((entry) => entry.type === 'image/svg+xml');
    assert.ok(svg, 'an SVG icon');
    assert.match(await (await fetch(new URL(svg.src, base))).text(), /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  });

  it('Chromium reads the manifest and registers the service worker for /approve/, with no CSP violation', async () => {
    const { context, page, problems } = await openApprover(browser, `${server.url}/approve/`);
    try {
      const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
      assert.equal(scope, `${server.url}/approve/`);
      assert.equal(await page.evaluate(async () => (await navigator.serviceWorker.ready).active?.scriptURL), `${server.url}/approve/sw.js`);
      // The browser's own reading of the manifest (what an install prompt uses).
      const cdp = await context.newCDPSession(page);
      const { url, errors, data } = (await cdp.send('Page.getAppManifest' as never)) as { url: string; errors: { message: string }[]; data?: string };
      assert.equal(url, `${server.url}/approve/manifest.webmanifest`);
      assert.deepEqual(errors, []);
      assert.ok(data?.includes('"Approve sign-ins"'));
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it('the service worker takes over the open page at once (skip waiting, claim)', async () => {
    const { context, page } = await openApprover(browser, `${server.url}/approve/`);
    try {
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
      assert.equal(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL), `${server.url}/approve/sw.js`);
    } finally {
      await context.close();
    }
  });

  it('without an enrolment, says how to set the phone up', async () => {
    const { context, page } = await openApprover(browser, `${server.url}/approve/`, { locale: 'en-GB' });
    try {
      assert.equal(await page.locator('main').getAttribute('data-screen'), 'setup');
      await page.getByRole('heading', { level: 1, name: 'Set up this phone' }).waitFor();
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
      assert.equal(await page.title(), 'Approve sign-ins');
      // Focus is on the screen's heading: a screen reader reads the new screen.
      assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1');
    } finally {
      await context.close();
    }
  });

  it('speaks Dutch to a Dutch browser, and ?lang= overrides the browser either way', async () => {
    for (const [locale, query, lang, heading] of [
      ['nl-NL', '', 'nl', 'Deze telefoon instellen'],
      ['nl-BE', '', 'nl', 'Deze telefoon instellen'],
      ['en-US', '?lang=nl', 'nl', 'Deze telefoon instellen'],
      ['nl-NL', '?lang=en', 'en', 'Set up this phone'],
      ['de-DE', '', 'en', 'Set up this phone'],
    ] as const) {
      const { context, page } = await openApprover(browser, `${server.url}/approve/${query}`, { locale });
      try {
        await page.getByRole('heading', { level: 1, name: heading }).waitFor();
        assert.equal(await page.evaluate(() => document.documentElement.lang), lang, `${locale} ${query}`);
      } finally {
        await context.close();
      }
    }
  });

  it('a set-up link that is not valid says so in the catalogue’s words, and the token leaves the address bar', async () => {
    const { context, page } = await openApprover(browser, `${server.url}/approve/#enrol=not-a-token`);
    try {
      await page.getByText('This set-up link is no longer valid. Make a new one on the sign-in screen.').waitFor();
      assert.equal(new URL(page.url()).hash, '');
    } finally {
      await context.close();
    }
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`fits a 320 px phone and up, and passes axe (${colorScheme})`, async () => {
      for (const width of WIDTHS) {
        const { context, page, problems } = await openApprover(browser, `${server.url}/approve/`, { viewport: { width, height: 700 }, colorScheme });
        try {
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          assert.equal(overflow, 0, `${width} px: nothing wider than the screen`);
          assert.deepEqual(await axe(page), [], `${width} px ${colorScheme}`);
          assert.deepEqual(problems, []);
          await page.screenshot({ path: `${SHOTS}/approver-setup-${colorScheme}-${width}.png`, fullPage: true });
        } finally {
          await context.close();
        }
      }
    });
  }

  for (const [locale, heading, intro, label] of [
    ['en-GB', 'One more step', 'Type this code on your sign-in screen:', 'Code: 0 4 7 1 9 3'],
    ['nl-NL', 'Nog één stap', 'Typ deze code op je inlogscherm:', 'Code: 0 4 7 1 9 3'],
  ] as const) {
    it(`after Turn on, shows the code to type on the sign-in screen, large and in two groups, until Done (${locale})`, async () => {
      // Every width in light, the narrowest in dark too.
      for (const [colorScheme, width] of [...WIDTHS.map((width) => ['light', width] as const), ['dark', 320] as const]) {
        const context = await browser.newContext({ locale, viewport: { width, height: 700 }, colorScheme });
        const page = await context.newPage();
        const problems: string[] = [];
        page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
        page.on('console', (message) => {
          if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) problems.push(`CSP: ${message.text()}`);
        });
        try {
          await fakeEnrolment(page, '047193');
          await page.goto(`${server.url}/approve/#enrol=a-token`);
          await page.locator('main[data-screen="enrol"]').waitFor();
          await page.locator('main button[type="submit"]').click();
          await page.getByRole('heading', { level: 1, name: heading }).waitFor();
          assert.equal(await page.locator('main').getAttribute('data-screen'), 'confirmation');
          // The heading has focus (read out first), then the words, then the code read digit by digit.
          assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1');
          await page.getByText(intro).waitFor();
          const code = page.getByRole('img', { name: label });
          assert.equal(await code.textContent(), '047\u00a0193', 'grouped 3 and 3, on one line');
          assert.ok(parseFloat(await code.evaluate((element) => getComputedStyle(element).fontSize)) >= 40, 'large');
          const box = (await code.boundingBox())!;
          assert.ok(box.height < 100, `${width} px: the code on one line (${box.height} px high)`);
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          assert.equal(overflow, 0, `${width} px: nothing wider than the screen`);
          assert.deepEqual(await axe(page), [], `${locale} ${width} px ${colorScheme}`);
          // Not kept: the phone's stored record does not hold the code.
          const stored = await page.evaluate(
            () =>
              new Promise<string>((resolve, reject) => {
                const open = indexedDB.open('login-flow-approver');
                open.onerror = () => reject(open.error);
                open.onsuccess = () => {
                  const request = open.result.transaction('state').objectStore('state').get('device');
                  request.onsuccess = () => resolve(JSON.stringify(request.result));
                };
              }),
          );
          assert.ok(stored.includes('"deviceToken":"token"'), 'the enrolment is stored');
          assert.ok(!stored.includes('047193'), 'the code is not');
          await page.screenshot({ path: `${SHOTS}/approver-confirmation-${locale.slice(0, 2)}-${colorScheme}-${width}.png`, fullPage: true });
          assert.deepEqual(problems, []);
          if (width === 320 && colorScheme === 'light') {
            // The code stays until Done, which goes to the home screen.
            await page.getByRole('button', { name: locale === 'nl-NL' ? 'Klaar' : 'Done' }).click();
            await page.locator('main[data-screen="home"]').waitFor();
            assert.equal(await page.getByRole('img', { name: label }).count(), 0);
          }
        } finally {
          await context.close();
        }
      }
    });
  }

  it('follows the system’s dark mode', async () => {
    const colours: Record<string, string> = {};
    for (const colorScheme of ['light', 'dark'] as const) {
      const { context, page } = await openApprover(browser, `${server.url}/approve/`, { colorScheme });
      colours[colorScheme] = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      await context.close();
    }
    assert.equal(colours.light, 'rgb(255, 255, 255)');
    assert.equal(colours.dark, 'rgb(16, 24, 40)');
  });
});

describe('the approver page in production', () => {
  it('is served there too: it is part of the product, not the demo', async () => {
    const server = await startServer({ NODE_ENV: 'production', PUBLIC_URL: 'https://login.example', SECRET_KEY: secretKey(), SMTP_URL: 'smtp://127.0.0.1:1' });
    try {
      const page = await fetch(`${server.url}/approve/`);
      assert.equal(page.status, 200);
      assert.equal(page.headers.get('content-security-policy'), APPROVER_CSP);
      assert.equal((await fetch(`${server.url}/approve/sw.js`)).status, 200);
      // The demo is not: the approver's routes do not bring it along.
      assert.equal((await fetch(`${server.url}/`)).status, 404);
    } finally {
      await server.stop();
    }
  });
});

describe('the approver’s language', () => {
  it('picks the language: ?lang=, else the first preferred one it speaks, else English', () => {
    assert.equal(pickLang('nl', ['en-US']), 'nl');
    assert.equal(pickLang('fr', ['nl-BE', 'en']), 'nl');
    assert.equal(pickLang(null, ['de-DE', 'en-GB', 'nl']), 'en');
    assert.equal(pickLang(null, ['de-DE']), 'en');
    assert.equal(pickLang('NL', []), 'nl');
  });
});
