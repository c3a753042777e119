// Importing the modules registers <login-flow>, <account-security> and <company-switch>.
import 'login-flow/elements';
import 'login-flow/account';
import type { AccountSecurity } from 'login-flow/account';
import type { SessionGrant } from 'login-flow/elements';

const API = import.meta.env.VITE_LOGIN_FLOW_API ?? 'http://localhost:3000';

/** The widget's colours as `--lf-*` custom properties (README "Theming"). */
const THEMES = {
  light: {
    '--lf-color-surface': '#ffffff',
    '--lf-color-input': '#ffffff',
    '--lf-color-text': '#1d2939',
    '--lf-color-muted': '#475467',
    '--lf-color-border': '#d0d5dd',
  },
  dark: {
    '--lf-color-surface': '#101828',
    '--lf-color-input': '#1d2939',
    '--lf-color-text': '#f2f4f7',
    '--lf-color-muted': '#98a2b3',
    '--lf-color-border': '#344054',
  },
} satisfies Record<string, Record<`--lf-${string}`, string>>;
type Theme = keyof typeof THEMES;

const signedOut = document.querySelector<HTMLElement>('#signed-out')!;
const signedIn = document.querySelector<HTMLElement>('#signed-in')!;
const language = document.querySelector<HTMLSelectElement>('#language')!;
const theme = document.querySelector<HTMLSelectElement>('#theme')!;
// In the HTML; the API's address comes from the build, so it is set here (the first flow starts after this).
const flow = document.querySelector('login-flow')!;
flow.api = API;
flow.lang = language.value;

/** The session token: the API is on another site (`SESSION_COOKIE=false`), so the page keeps it. */
let token = '';
let account: AccountSecurity | undefined;

/** Sets the chosen theme on the elements shown. */
function applyTheme(): void {
  for (const element of [flow, account]) {
    if (!element) continue;
    for (const [property, value] of Object.entries(THEMES[theme.value as Theme])) element.style.setProperty(property, value);
  }
}

function showSignedIn(session: SessionGrant): void {
  token = session.token ?? '';
  document.querySelector('#who')!.textContent = `Signed in as ${session.user.email}`;
  document.querySelector('#expiry')!.textContent = `JWT valid until ${new Date(session.jwtExpiresAt).toLocaleTimeString()}`;
  // Created only now: the account page loads as soon as it is in the document.
  const page = document.createElement('account-security');
  page.api = API;
  page.token = token;
  page.lang = language.value;
  // "Confirm it's you" gives the session a new token; the old one stops working.
  page.addEventListener('account-security-change', (event) => {
    if (event.kind === 'session-renewed' && event.token) token = page.token = event.token;
  });
  account = page;
  signedIn.append(account);
  applyTheme();
  signedOut.hidden = true;
  signedIn.hidden = false;
}

flow.addEventListener('lf-success', (event) => showSignedIn(event.session));

document.querySelector('#sign-out')!.addEventListener('click', async () => {
  await fetch(new URL('/api/session', API), { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
  token = '';
  account?.remove();
  account = undefined;
  signedIn.hidden = true;
  signedOut.hidden = false;
  await flow.restart();
});

language.addEventListener('change', () => {
  flow.lang = language.value;
  if (account) account.lang = language.value;
});
theme.addEventListener('change', applyTheme);
applyTheme();
