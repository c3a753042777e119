import { useState, type CSSProperties } from 'react';
import type { SessionGrant } from 'login-flow/elements';

const API = import.meta.env.VITE_LOGIN_FLOW_API ?? 'http://localhost:3000';

/** The widget's colours as `--lf-*` custom properties (README "Theming"); React sets them with `style.setProperty`. */
const THEMES = {
  light: {
    '--lf-color-surface': '#ffffff',
    '--lf-color-input': '#ffffff',
    '--lf-color-text': '#1d2939',
    '--lf-color-muted': '#475467',
    '--lf-color-border': '#d0d5dd',
  } as CSSProperties,
  dark: {
    '--lf-color-surface': '#101828',
    '--lf-color-input': '#1d2939',
    '--lf-color-text': '#f2f4f7',
    '--lf-color-muted': '#98a2b3',
    '--lf-color-border': '#344054',
  } as CSSProperties,
};
type Theme = keyof typeof THEMES;
type Language = 'en' | 'nl';

export function App() {
  const [language, setLanguage] = useState<Language>('en');
  const [theme, setTheme] = useState<Theme>('light');
  // The API is on another site (SESSION_COOKIE=false): the session token comes in the grant.
  const [session, setSession] = useState<SessionGrant>();

  async function signOut(): Promise<void> {
    await fetch(new URL('/api/session', API), { method: 'DELETE', headers: { authorization: `Bearer ${session?.token}` } });
    // Unmounting the account page and mounting a new <login-flow> starts a fresh flow.
    setSession(undefined);
  }

  return (
    <>
      <header>
        <label>
          Language{' '}
          <select value={language} onChange={(event) => setLanguage(event.target.value as Language)}>
            <option value="en">English</option>
            <option value="nl" lang="nl">Nederlands</option>
          </select>
        </label>
        <label>
          Theme{' '}
          <select value={theme} onChange={(event) => setTheme(event.target.value as Theme)}>
            <option value="light">Light</option>
            <option value="dark">Dark</option>
          </select>
        </label>
      </header>
      <main>
        {session ? (
          <>
            <p>Signed in as {session.user.email}</p>
            <p>JWT valid until {new Date(session.jwtExpiresAt).toLocaleTimeString()}</p>
            <button type="button" onClick={signOut}>
              Sign out
            </button>
            <account-security
              api={API}
              token={session.token}
              lang={language}
              style={THEMES[theme]}
              // "Confirm it's you" gives the session a new token; the old one stops working.
              onaccount-security-change={(event) => {
                if (event.kind === 'session-renewed' && event.token) setSession({ ...session, token: event.token });
              }}
            />
          </>
        ) : (
          <login-flow api={API} lang={language} style={THEMES[theme]} onlf-success={(event) => setSession(event.session)} />
        )}
      </main>
    </>
  );
}
