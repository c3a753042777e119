import { executeServerCommand } from '@web/test-runner-commands';
import { oneEvent } from '@open-wc/testing';
import type { LoginFlow } from '../../components/index.js';
import type { CompanyAccount, PublicKeyCredentialCreationOptionsJSON, RegistrationResponseJSON } from '../../server/flows/protocol.js';

export interface TestUser {
  email: string;
  password: string;
  /** The authenticator secret (base32), for users created with `{ totp: true }`. */
  secret?: string;
  /** Real creation options for this user, for users created with `{ passkey: true }`. */
  passkeyOptions?: PublicKeyCredentialCreationOptionsJSON;
  /** The user's company accounts, for users created with `{ companies }`, in the order given. */
  accounts?: CompanyAccount[];
}

/** Which test API: the default one, or one where two-step verification is required already. */
export type ApiName = 'default' | 'mfa-required';

/** The real API's origin (another origin than the test page). */
export function apiUrl(api: ApiName = 'default'): Promise<string> {
  return executeServerCommand<string, { api: ApiName }>('api-url', { api });
}

interface UserOptions {
  /** An authenticator app already set up. */
  totp?: boolean;
  /** Meets the 2FA prompt after the password (others have chosen "remind me later"). */
  prompt?: boolean;
  /** Comes with real passkey creation options; see `registerPasskey`. */
  passkey?: boolean;
  /** A confirmed backup phone number (+31 6 12345678). */
  sms?: boolean;
  /** This many passkeys registered already ("Passkey 1" synced, the others on one device). */
  passkeys?: number;
  /** A live recovery code. */
  recoveryCode?: boolean;
  /** The display name (default "Person N"). */
  name?: string;
  /** An account at a fresh company of each of these names (the first one used most recently). */
  companies?: string[];
  /** The API to create the user in. */
  api?: ApiName;
}

/** A fresh active user in the real store, one per test. */
export function createUser(options: UserOptions = {}): Promise<TestUser> {
  return executeServerCommand<TestUser, UserOptions>('create-user', options);
}

/** Registers a passkey made by the browser's virtual authenticator for `email` with the real server. */
export function registerPasskey(email: string, response: RegistrationResponseJSON): Promise<string> {
  return executeServerCommand<string, { email: string; response: RegistrationResponseJSON }>('register-passkey', { email, response });
}

/** The current code of an authenticator secret, computed by the test server (otpauth). */
export function totpCode(secret: string): Promise<string> {
  return executeServerCommand<string, { secret: string }>('totp-code', { secret });
}

/** Resolves once the widget shows the named step. */
export async function untilStep(flow: LoginFlow, step: string): Promise<void> {
  while (flow.querySelector(`lf-${step}-step`) === null) await oneEvent(flow, 'lf-step-change');
  await flow.updateComplete;
  await (flow.querySelector(`lf-${step}-step`) as unknown as { updateComplete: Promise<unknown> }).updateComplete;
}

/** Fills an input the way typing would, so the element sees input events. */
export function fill(input: HTMLInputElement, value: string): void {
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true }));
}

interface SessionOptions {
  /** Signed in longer ago than changes on the account page allow without confirming again. */
  stale?: boolean;
  userAgent?: string;
  ip?: string;
  api?: ApiName;
  /** The company account (membership id) the session works in. */
  account?: string;
  /** Signed in through this OpenID provider (its issuer): a single sign-on session. */
  provider?: string;
}

/** A session for `email`, as if they had just signed in (with their second factor, if they have one): its token and id. */
export function createSession(email: string, options: SessionOptions = {}): Promise<{ token: string; id: string }> {
  return executeServerCommand<{ token: string; id: string }, SessionOptions & { email: string }>('create-session', { email, ...options });
}

/** Whether the server still accepts a session token. */
export function sessionAlive(token: string, api: ApiName = 'default'): Promise<boolean> {
  return executeServerCommand<boolean, { token: string; api: ApiName }>('session-alive', { token, api });
}

/** Remembers a browser (for 30 days) for `email`, as "remember this device" at sign-in would. */
export function rememberDevice(email: string, userAgent: string): Promise<boolean> {
  return executeServerCommand<boolean, { email: string; userAgent: string }>('remember-device', { email, userAgent });
}

/**
 * Signs `user` (with an authenticator app) in twice through the real API, from
 * a browser with `userAgent`: with the code and "remember this device", then
 * with the remembered device instead of the code.
 */
export function signInRemembered(user: TestUser, userAgent: string): Promise<boolean> {
  return executeServerCommand<boolean, { email: string; secret: string; userAgent: string }>('sign-in-remembered', { email: user.email, secret: user.secret!, userAgent });
}

/** A company that signs its people in through its own OpenID provider (a stand-in: only its discovery document), owning `domain`. */
export function createSsoCompany(options: { name?: string; provider?: string; unreachable?: boolean } = {}): Promise<{ organizationId: string; domain: string; issuer: string }> {
  return executeServerCommand<{ organizationId: string; domain: string; issuer: string }, typeof options>('create-sso-company', options);
}

/** The card's content box. */
export function content(card: HTMLElement): { left: number; right: number; width: number } {
  const box = card.getBoundingClientRect();
  const style = getComputedStyle(card);
  const left = box.left + parseFloat(style.borderLeftWidth) + parseFloat(style.paddingLeft);
  const right = box.right - parseFloat(style.borderRightWidth) - parseFloat(style.paddingRight);
  return { left, right, width: right - left };
}

/** The elements that pass the card's content box (1 px tolerance), as in test/e2e/layout.test.ts. */
export function outside(card: HTMLElement): string[] {
  const { left, right } = content(card);
  return [...card.querySelectorAll('*')]
    .filter((child) => {
      const rect = child.getBoundingClientRect();
      return (rect.width || rect.height) && (rect.left < left - 1 || rect.right > right + 1);
    })
    .map((child) => `<${child.localName} class="${child.getAttribute('class') ?? ''}">`);
}

interface AxeResult {
  violations: { id: string; help: string; nodes: { target: string[] }[] }[];
}

/** axe-core's WCAG 2.2 AA checks of `element`, as test/e2e/layout.test.ts runs them on every step of the walk. */
export async function axe(element: Element): Promise<string[]> {
  const page = window as unknown as { axe?: { run(context: unknown, options: unknown): Promise<AxeResult> } };
  if (!page.axe) {
    const script = Object.assign(document.createElement('script'), { src: '/node_modules/axe-core/axe.min.js' });
    const loaded = new Promise((resolve, reject) => {
      script.addEventListener('load', resolve);
      script.addEventListener('error', reject);
    });
    document.head.append(script);
    await loaded;
  }
  const result = await page.axe!.run(element, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
  return result.violations.map((v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/**
 * Answers the widget's requests from `answers`, in turn, and records each
 * request's path and body. The test puts the real `fetch` back afterwards.
 */
export function stubFetch(answers: { status: number; body: unknown }[]): { path: string; body: unknown }[] {
  const requests: { path: string; body: unknown }[] = [];
  window.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    requests.push({ path: new URL(String(input)).pathname, body: JSON.parse(String(init?.body)) });
    const answer = answers.shift() ?? { status: 500, body: {} };
    return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { 'Content-Type': 'application/json' } });
  };
  return requests;
}
