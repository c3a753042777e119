/*
 * Every step of every flow on a phone and on a desktop, in English and in
 * Dutch (the longer words), in a host page that centres the card: nothing
 * sticks out of the card, the card fits the screen (WCAG 2.2 SC 1.4.10
 * Reflow), keeps one width from step to step, and axe finds nothing.
 *
 * STEPS below is the walk: one entry per step, each with how to reach it from
 * the entry before. Adding a step is adding one entry.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { accountTranslator } from '../../components/account-security/i18n.js';
import { SETUP_MESSAGES } from '../../components/steps/setup-messages.js';
import { launchBrowser, oathtool, runCli, startServer, type ServerProcess } from './helpers.js';

const AXE = new URL('../../node_modules/axe-core/axe.min.js', import.meta.url).pathname;
const WIDTHS = [320, 390, 1280];
const PASSWORD = 'Correct-Horse-42-Battery';
/** Screenshots of these steps, at every width, go to SHOTS (for a person to look at). */
const SHOTS = '/tmp/shots-layout';
const SHOT_STEPS = new Set(['password', 'set-password', 'method-choice', 'totp-setup', 'sms-setup (phone)', 'account (password form open)', 'second-factor (lost phone: the request form)', 'recovery-request']);

type Lang = 'en' | 'nl';

interface Walk {
  page: Page;
  server: ServerProcess;
  lang: Lang;
  env: Record<string, string>;
  /** The user of this walk: a long address, as real ones can be. */
  email: string;
  /** The authenticator key set up on the way. */
  key?: string;
}

/**
 * A host page of the API's own origin (so the session cookie counts) that
 * centres the card, as many sign-in pages do: a flex column, items centred,
 * some padding. `element` is the markup to embed.
 */
function hostPage(lang: Lang, element: string): string {
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Layout</title><style>body{margin:0;font-family:system-ui,sans-serif}main{display:flex;flex-direction:column;align-items:center;padding:1rem}</style></head>
<body><main><h1>Payroll</h1>${element}</main>
<script type="module" src="/login-flow.js"></script><script type="module" src="/account-security.js"></script></body></html>`;
}

let opened = 0;

/** Opens the host page with `element` in it; the page is served by the test at the API's origin. */
async function open(walk: Walk, element: string, hash = ''): Promise<void> {
  const { page, server, lang } = walk;
  const host = (url: URL) => url.pathname === '/layout-host';
  await page.unroute(host);
  await page.route(host, (route) => route.fulfill({ contentType: 'text/html', body: hostPage(lang, element) }));
  // A new query each time: a fragment alone would not load the page again.
  await page.goto(`${server.url}/layout-host?${(opened += 1)}${hash}`);
}

/** At the method choice: the method whose name (a key of the set-up words) the button shows. */
async function chooseMethod({ page, lang }: Walk, name: 'method_totp' | 'method_sms'): Promise<void> {
  await page.locator('lf-method-choice-step .lf-choice', { has: page.locator('b', { hasText: SETUP_MESSAGES[lang][name] }) }).click();
}

/** The step the widget shows, once it shows it. */
function step(page: Page, name: string) {
  return page.locator(`login-flow > [data-step="${name}"]`);
}

async function signIn(walk: Walk, password = PASSWORD): Promise<void> {
  await open(walk, '<login-flow></login-flow>');
  await walk.page.locator('input[name="username"]').fill(walk.email);
  await walk.page.locator('login-flow button[type="submit"]').click();
  await step(walk.page, 'password').locator('input[name="password"]').fill(password);
  await walk.page.locator('login-flow button[type="submit"]').click();
}

interface StepEntry {
  /** The name in the report; the widget's step, or the account page. */
  name: string;
  /** What to measure: the widget (its width must not change) or the account page. */
  card: 'login-flow' | 'account-security';
  /** From the state the previous entry left, to this step on screen. */
  reach(walk: Walk): Promise<void>;
}

/**
 * The walk, in order, against the current protocol. Each reach starts where
 * the entry before left off, or opens the page afresh.
 */
const STEPS: StepEntry[] = [
  {
    name: 'email',
    card: 'login-flow',
    reach: async (walk) => {
      await open(walk, '<login-flow></login-flow>');
      await step(walk.page, 'email').waitFor();
    },
  },
  {
    name: 'password',
    card: 'login-flow',
    reach: async ({ page, email }) => {
      await page.locator('input[name="username"]').fill(email);
      await page.locator('login-flow button[type="submit"]').click();
      await step(page, 'password').waitFor();
    },
  },
  {
    name: 'password (error)',
    card: 'login-flow',
    reach: async ({ page }) => {
      await page.locator('input[name="password"]').fill('not-the-password');
      await page.locator('login-flow button[type="submit"]').click();
      await step(page, 'password').locator('.lf-error').waitFor();
    },
  },
  {
    name: 'reset-sent',
    card: 'login-flow',
    reach: async ({ page }) => {
      await page.locator('lf-password-step form > .lf-link').click();
      await step(page, 'reset-sent').waitFor();
    },
  },
  {
    name: 'mfa-prompt',
    card: 'login-flow',
    reach: async (walk) => {
      await signIn(walk);
      await step(walk.page, 'mfa-prompt').waitFor();
    },
  },
  {
    name: 'method-choice',
    card: 'login-flow',
    reach: async ({ page }) => {
      await page.locator('lf-mfa-prompt-step .lf-button').click();
      await step(page, 'method-choice').waitFor();
    },
  },
  {
    name: 'totp-setup',
    card: 'login-flow',
    reach: async (walk) => {
      await chooseMethod(walk, 'method_totp');
      const secret = step(walk.page, 'totp-setup').locator('[data-secret]');
      await secret.waitFor();
      walk.key = (await secret.getAttribute('data-secret'))!;
    },
  },
  {
    name: 'method-choice (backup)',
    card: 'login-flow',
    reach: async ({ page, key }) => {
      await page.locator('input[name="code"]').fill(oathtool(key!));
      await page.locator('login-flow button[type="submit"]').click();
      await step(page, 'method-choice').waitFor();
    },
  },
  {
    name: 'sms-setup (phone)',
    card: 'login-flow',
    reach: async (walk) => {
      await chooseMethod(walk, 'method_sms');
      await step(walk.page, 'sms-setup').locator('input[name="phone"]').waitFor();
    },
  },
  {
    name: 'sms-setup (code)',
    card: 'login-flow',
    reach: async ({ page }) => {
      await page.locator('input[name="phone"]').fill('+31 6 12345678');
      await page.locator('login-flow button[type="submit"]').click();
      await step(page, 'sms-setup').locator('input[name="code"]').waitFor();
    },
  },
  {
    name: 'recovery-code',
    card: 'login-flow',
    reach: async ({ page }) => {
      // Back to the backup choice, and skip it.
      await page.locator('lf-sms-setup-step .lf-link').last().click();
      await step(page, 'method-choice').waitFor();
      await page.locator('lf-method-choice-step .lf-link').last().click();
      await step(page, 'recovery-code').waitFor();
    },
  },
  {
    name: 'done',
    card: 'login-flow',
    reach: async ({ page }) => {
      await page.locator('input[name="saved"]').check();
      await page.locator('login-flow button[type="submit"]').click();
      await step(page, 'done').waitFor();
    },
  },
  {
    name: 'passkey-setup',
    card: 'login-flow',
    reach: async (walk) => {
      // Signed in a moment ago (the session cookie): adding a passkey needs no re-authentication yet.
      await open(walk, '<login-flow flow="enroll-passkey"></login-flow>');
      await step(walk.page, 'passkey-setup').waitFor();
    },
  },
  {
    name: 'reauth',
    card: 'login-flow',
    reach: async (walk) => {
      await open(walk, '<login-flow flow="reauth"></login-flow>');
      await step(walk.page, 'password').waitFor();
    },
  },
  {
    name: 'account (password form open)',
    card: 'account-security',
    reach: async (walk) => {
      await open(walk, '<account-security></account-security>');
      await walk.page.locator('account-security [data-section="password"] button').click();
      await walk.page.locator('account-security input[name="current"]').waitFor();
    },
  },
  {
    name: 'account (add a passkey)',
    card: 'account-security',
    reach: async ({ page, lang }) => {
      await page.getByRole('button', { name: accountTranslator(lang)('action_add_passkey'), exact: true }).first().click();
      await page.locator('account-security .lf-panel login-flow [data-step]').waitFor();
    },
  },
  {
    name: 'account (add a backup phone number)',
    card: 'account-security',
    reach: async ({ page, lang }) => {
      const t = accountTranslator(lang);
      await page.locator('account-security .lf-panel > .lf-button-secondary').click();
      await page.getByRole('button', { name: t('action_add_sms'), exact: true }).click();
      await page.locator('account-security .lf-panel login-flow [data-step]').waitFor();
    },
  },
  {
    name: 'second-factor',
    card: 'login-flow',
    reach: async (walk) => {
      await walk.page.context().clearCookies();
      await signIn(walk);
      await step(walk.page, 'second-factor').locator('input[name="code"]').waitFor();
    },
  },
  {
    name: 'second-factor (recovery code)',
    card: 'login-flow',
    reach: async ({ page }) => {
      await page.locator('lf-second-factor-step .lf-link').first().click();
      await page.locator('input[name="recovery-code"]').waitFor();
    },
  },
  {
    name: 'second-factor (lost phone: the request form)',
    card: 'login-flow',
    reach: async ({ page }) => {
      await page.locator('lf-second-factor-step .lf-link').last().click();
      await page.locator('lf-recovery-request-step textarea[name="note"]').waitFor();
    },
  },
  {
    name: 'second-factor (lost phone: the request form, error)',
    card: 'login-flow',
    reach: async ({ page }) => {
      await page.locator('lf-recovery-request-step button[type="submit"]').click();
      await page.locator('lf-recovery-request-step .lf-error').waitFor();
    },
  },
  {
    name: 'recovery-requested',
    card: 'login-flow',
    reach: async ({ page }) => {
      await page.locator('lf-recovery-request-step textarea[name="note"]').fill('My phone was stolen on the train; call me at extension 214.');
      await page.locator('lf-recovery-request-step button[type="submit"]').click();
      await step(page, 'recovery-requested').waitFor();
    },
  },
  {
    name: 'recovery-request',
    card: 'login-flow',
    reach: async (walk) => {
      await open(walk, '<login-flow flow="recovery-request"></login-flow>');
      await step(walk.page, 'recovery-request').locator('input[name="email"]').waitFor();
    },
  },
  {
    name: 'set-password',
    card: 'login-flow',
    reach: async (walk) => {
      const invited = `invited.${walk.lang}.${Date.now()}@payroll-department.example.com`;
      const printed = await runCli(['user', 'invite', '--email', invited, '--locale', walk.lang], walk.env);
      const token = new URL(/Activation link: (\S+)/.exec(printed)![1]!).hash;
      await open(walk, '<login-flow flow="activate"></login-flow>', token);
      await step(walk.page, 'set-password').waitFor();
    },
  },
  {
    name: 'verify-email',
    card: 'login-flow',
    reach: async ({ page }) => {
      await page.locator('input[name="password"]').fill(`${PASSWORD}-Fresh`);
      await page.locator('login-flow button[type="submit"]').click();
      await step(page, 'verify-email').waitFor();
    },
  },
];

interface Measure {
  left: number;
  right: number;
  width: number;
  innerWidth: number;
  scrollWidth: number;
  /** Elements whose box passes the card's content box. */
  outside: string[];
}

/** Where the card is, and which elements inside it pass its content box (1px tolerance). */
function measure(page: Page, card: string): Promise<Measure> {
  return page.evaluate((selector) => {
    const element = document.querySelector(selector)!;
    const box = element.getBoundingClientRect();
    const style = getComputedStyle(element);
    const left = box.left + parseFloat(style.borderLeftWidth) + parseFloat(style.paddingLeft) - 1;
    const right = box.right - parseFloat(style.borderRightWidth) - parseFloat(style.paddingRight) + 1;
    const outside: string[] = [];
    for (const child of element.querySelectorAll('*')) {
      const rect = child.getBoundingClientRect();
      if (!rect.width && !rect.height) continue;
      if (rect.left < left || rect.right > right) {
        outside.push(`<${child.localName} class="${child.getAttribute('class') ?? ''}"> ${Math.round(rect.left)}..${Math.round(rect.right)} (content ${Math.round(left + 1)}..${Math.round(right - 1)})`);
      }
    }
    return { left: box.left, right: box.right, width: box.width, innerWidth, scrollWidth: document.documentElement.scrollWidth, outside };
  }, card);
}

interface AxeResult {
  violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[];
}

async function axe(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(
    () => (window as unknown as { axe: { run(context: unknown, options: unknown): Promise<AxeResult> } }).axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } }),
  );
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('the card on a phone and a desktop, every step, English and Dutch', () => {
  let server: ServerProcess;
  let browser: Browser;
  let env: Record<string, string>;
  before(async () => {
    browser = await launchBrowser();
    server = await startServer({ SMS: 'outbox' });
    env = { DATA_DIR: server.dataDir, PUBLIC_URL: server.url, SMS: 'outbox' };
    mkdirSync(SHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  for (const lang of ['en', 'nl'] as const) {
    it(`fits from 320 px up, keeps one width, and passes axe (${lang})`, async () => {
      const email = `firstname.lastname-${lang}@payroll-department.example.com`;
      await runCli(['user', 'create', '--email', email, '--password', PASSWORD], env);
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const walk: Walk = { page, server, lang, env, email };
      const problems: string[] = [];
      /** The widget's width per viewport width, from the first step measured. */
      const widths = new Map<number, { step: string; width: number }>();
      try {
        for (const entry of STEPS) {
          await entry.reach(walk);
          for (const width of WIDTHS) {
            await page.setViewportSize({ width, height: 900 });
            // Let the layout settle (a resize, a web font).
            await page.evaluate(() => new Promise(requestAnimationFrame));
            const at = `${lang} ${width}px ${entry.name}`;
            const m = await measure(page, entry.card);
            for (const line of m.outside) problems.push(`${at}: sticks out of the card: ${line}`);
            if (m.left < 0 || m.right > m.innerWidth + 0.5) problems.push(`${at}: the card spans ${m.left}..${m.right} in a ${m.innerWidth}px viewport`);
            if (m.scrollWidth > m.innerWidth) problems.push(`${at}: the page scrolls sideways (${m.scrollWidth} > ${m.innerWidth})`);
            if (entry.card === 'login-flow') {
              const first = widths.get(width);
              if (!first) widths.set(width, { step: entry.name, width: m.width });
              else if (Math.abs(first.width - m.width) > 0.5) problems.push(`${at}: the card is ${m.width}px wide, at ${first.step} ${first.width}px`);
            }
            for (const violation of await axe(page)) problems.push(`${at}: axe: ${violation}`);
            if (SHOT_STEPS.has(entry.name)) await page.screenshot({ path: `${SHOTS}/${entry.name}-${lang}-${width}.png`, fullPage: true });
          }
          await page.setViewportSize({ width: 1280, height: 900 });
        }
      } finally {
        await context.close();
      }
      assert.deepEqual(problems, []);
    });
  }
});

/**
 * The host's one line of CSS keeps the card's place until the script runs,
 * and the card's least height (`--lf-min-height`) holds the email step: from
 * a blank page to the first step, nothing below the card moves. Cumulative
 * layout shift is read from the browser's own `layout-shift` entries.
 */
describe('no layout shift while the widget loads', () => {
  let server: ServerProcess;
  let browser: Browser;
  before(async () => {
    browser = await launchBrowser();
    server = await startServer({});
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  for (const lang of ['en', 'nl'] as const) {
    it(`shifts nothing from loading to the email step, at 320, 390 and 1280 px (${lang})`, async () => {
      const shifts: string[] = [];
      for (const width of WIDTHS) {
        const context = await browser.newContext({ viewport: { width, height: 900 } });
        const page = await context.newPage();
        try {
          await page.addInitScript(() => {
            const seen: number[] = [];
            (window as unknown as { shifts: number[] }).shifts = seen;
            new PerformanceObserver((list) => {
              for (const entry of list.getEntries()) seen.push((entry as PerformanceEntry & { value: number }).value);
            }).observe({ type: 'layout-shift', buffered: true });
          });
          const body = hostPage(lang, '<login-flow></login-flow><p id="below">Below the card</p>').replace(
            '</style>',
            'login-flow:not(:defined){display:block;min-height:19rem}</style>',
          );
          await page.route((url) => url.pathname === '/cls-host', (route) => route.fulfill({ contentType: 'text/html', body }));
          await page.goto(`${server.url}/cls-host`);
          await step(page, 'email').locator('input[name="username"]').waitFor();
          // Two frames: a shift is reported after the frame that made it.
          await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
          const total = await page.evaluate(() => (window as unknown as { shifts: number[] }).shifts.reduce((sum, value) => sum + value, 0));
          if (total > 0) shifts.push(`${lang} ${width}px: cumulative layout shift ${total}`);
        } finally {
          await context.close();
        }
      }
      assert.deepEqual(shifts, []);
    });
  }
});
