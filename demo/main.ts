import type { AccountSecurity, CompanySwitch } from '../components/account-security/index.js';
import type { LoginFlow } from '../components/index.js';

/*
 * The host page: it embeds <login-flow>, listens to its events, and asks the
 * API who is signed in (the session cookie is HttpOnly; the page never sees it).
 */

const widget = document.querySelector<LoginFlow>('#widget')!;

// The server serves this page at /activate, /reset-password and /recover too, for
// the emailed links (`#token=…`, which the widget reads), and at /recovery-request,
// the public "lost access to your phone?" form. The kind of flow must be set
// before the widget starts, so the widget's script loads after it.
const KINDS: Record<string, string> = { activate: 'activate', 'reset-password': 'reset', recover: 'recover', 'recovery-request': 'recovery-request' };
const kind = KINDS[location.pathname.split('/').pop() ?? ''];
if (kind) widget.setAttribute('flow', kind);
await import('../components/index.js');
await import('../components/account-security/index.js');

const signedOut = document.querySelector<HTMLElement>('#signed-out')!;
const signedIn = document.querySelector<HTMLElement>('#signed-in')!;
const events = document.querySelector<HTMLOListElement>('#events')!;
const accountArea = document.querySelector<HTMLDetailsElement>('#account')!;
const companyArea = document.querySelector<HTMLElement>('#company')!;
const text = (selector: string, value: string) => (document.querySelector(selector)!.textContent = value);

interface SessionInfo {
  user: { id: string; email: string; name: string };
  /** The company the session works in, when the API says so. */
  account?: { id: string; name: string };
  session: { amr: string[]; expiresAt: number; idleExpiresAt: number };
  jwt: { token: string; expiresAt: number };
}

function time(selector: string, epochMs: number): void {
  const element = document.querySelector<HTMLTimeElement>(selector)!;
  element.dateTime = new Date(epochMs).toISOString();
  element.textContent = new Date(epochMs).toLocaleString();
}

function logEvent(line: string): void {
  const item = document.createElement('li');
  item.textContent = `${new Date().toLocaleTimeString()} ${line}`;
  events.prepend(item);
  while (events.children.length > 8) events.lastElementChild!.remove();
}

/** The account security page of whoever is signed in, in the same session (the cookie: no token needed). */
function showAccount(): void {
  const account = document.createElement('account-security') as AccountSecurity;
  account.lang = document.querySelector<HTMLSelectElement>('#theme [name=lang]')!.value;
  account.addEventListener('account-security-change', (event) => logEvent(`account-security-change: ${event.kind}`));
  account.addEventListener('account-security-error', (event) => logEvent(`account-security-error: ${event.code}`));
  accountArea.querySelector('account-security')?.remove();
  accountArea.append(account);
}

function hideAccount(): void {
  accountArea.querySelector('account-security')?.remove();
  accountArea.open = false;
}

/**
 * The company switch of whoever is signed in (it shows only for people with
 * accounts at several companies). A switch brings a fresh JWT: the panel shows it.
 */
function showCompanySwitch(): void {
  const control = document.createElement('company-switch') as CompanySwitch;
  control.lang = document.querySelector<HTMLSelectElement>('#theme [name=lang]')!.value;
  control.addEventListener('company-switch-change', (event) => {
    logEvent(`company-switch-change: ${event.detail.account.name}`);
    text('#who-company', event.detail.account.name);
    time('#jwt-expires', event.detail.jwt.expiresAt);
    text('#jwt', event.detail.jwt.token);
  });
  control.addEventListener('company-switch-error', (event) => logEvent(`company-switch-error: ${event.code}`));
  companyArea.replaceChildren(control);
}

// The page loads when it is opened, as a host's "My Account" page would: what it shows is current.
accountArea.addEventListener('toggle', () => (accountArea.open ? showAccount() : accountArea.querySelector('account-security')?.remove()));

/** The widget is asking "a passkey for next time?" under its "signed in": its card stays until that is answered. */
let offerOpen = false;

async function showSession(): Promise<void> {
  const response = await fetch('/api/session', { credentials: 'same-origin' });
  if (!response.ok) {
    signedIn.hidden = true;
    signedOut.hidden = false;
    hideAccount();
    companyArea.replaceChildren();
    return;
  }
  const info = (await response.json()) as SessionInfo;
  text('#who-name', info.user.name || info.user.email);
  text('#who-email', info.user.email);
  text('#who-company', info.account?.name ?? '–');
  text('#who-amr', info.session.amr.join(', '));
  time('#session-expires', info.session.expiresAt);
  time('#session-idle', info.session.idleExpiresAt);
  time('#jwt-expires', info.jwt.expiresAt);
  text('#jwt', info.jwt.token);
  showCompanySwitch();
  signedOut.hidden = !offerOpen;
  signedIn.hidden = false;
  if (!offerOpen) document.querySelector<HTMLElement>('#signed-in h2')!.focus();
}

widget.addEventListener('lf-step-change', (event) => logEvent(`lf-step-change: ${event.previous ?? '∅'} → ${event.step}`));
widget.addEventListener('lf-error', (event) => logEvent(`lf-error: ${event.code}`));
widget.addEventListener('lf-success', (event) => {
  logEvent(`lf-success: ${event.session.user.email}${event.passkeyOffer ? ' (a passkey for next time is offered)' : ''}`);
  offerOpen = event.passkeyOffer;
  void showSession();
});
widget.addEventListener('lf-passkey-offer', (event) => {
  logEvent(`lf-passkey-offer: ${event.outcome}`);
  offerOpen = false;
  if (!signedIn.hidden) signedOut.hidden = true;
});

document.querySelector('#sign-out')!.addEventListener('click', async () => {
  await fetch('/api/session', { method: 'DELETE', credentials: 'same-origin' });
  logEvent('signed out');
  hideAccount();
  companyArea.replaceChildren();
  signedIn.hidden = true;
  signedOut.hidden = false;
  await widget.restart();
});

// The person picked a language on the card: the rest of the page follows.
widget.addEventListener('lf-language-change', (event) => {
  const select = document.querySelector<HTMLSelectElement>('#theme [name=lang]')!;
  select.value = event.locale;
  applyTheme();
  logEvent(`lf-language-change: ${event.locale}`);
});

// Theme playground: each control sets one custom property on the widget.
const theme = document.querySelector<HTMLFormElement>('#theme')!;
const themeCss = document.querySelector<HTMLElement>('#theme-css')!;
const themed = document.querySelector<HTMLElement>('.app')!;
function applyTheme(): void {
  const lines: string[] = [];
  for (const control of Array.from(theme.elements) as HTMLInputElement[]) {
    if (!control.name) continue;
    if (control.name === 'lang') {
      widget.lang = control.value;
      const account = accountArea.querySelector('account-security');
      if (account) account.lang = control.value;
      const companySwitch = companyArea.querySelector('company-switch');
      if (companySwitch) companySwitch.lang = control.value;
      continue;
    }
    const value = control.value ? `${control.value}${control.dataset.unit ?? ''}` : '';
    // The account page takes the same custom properties: set on the app, both inherit them.
    if (value && value !== `${control.defaultValue}${control.dataset.unit ?? ''}`) {
      themed.style.setProperty(control.name, value);
      lines.push(`  ${control.name}: ${value};`);
    } else themed.style.removeProperty(control.name);
  }
  themeCss.textContent = lines.length ? `login-flow, account-security, company-switch {\n${lines.join('\n')}\n}` : 'login-flow, account-security, company-switch {}';
}
theme.addEventListener('input', applyTheme);
theme.addEventListener('reset', () => setTimeout(applyTheme));

document.querySelector<HTMLElement>('#signed-in h2')!.tabIndex = -1;
void showSession();
