/*
 * Signing in at the demo OpenID provider (demo/oidc-provider.ts) without a
 * browser, for server tests.
 */

interface StoredCookie {
  value: string;
  path: string;
}

/** A minimal cookie jar for one origin: names, paths and deletion; enough for oidc-provider. */
class CookieJar {
  readonly #cookies = new Map<string, StoredCookie>();

  store(setCookieHeaders: string[], requestUrl: URL): void {
    for (const header of setCookieHeaders) {
      const [pair = '', ...attributes] = header.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = requestUrl.pathname.replace(/\/[^/]*$/, '') || '/';
      let expired = false;
      for (const attribute of attributes) {
        const [rawKey = '', ...rest] = attribute.split('=');
        const key = rawKey.trim().toLowerCase();
        const attributeValue = rest.join('=').trim();
        if (key === 'path' && attributeValue.startsWith('/')) path = attributeValue;
        if (key === 'max-age' && Number(attributeValue) <= 0) expired = true;
        if (key === 'expires' && Date.parse(attributeValue) <= Date.now()) expired = true;
      }
      const key = `${name}\n${path}`;
      if (expired) this.#cookies.delete(key);
      else this.#cookies.set(key, { value, path });
    }
  }

  header(url: URL): string | undefined {
    const pairs: string[] = [];
    for (const [key, cookie] of this.#cookies) {
      const p = cookie.path;
      const matches = url.pathname === p || url.pathname.startsWith(p.endsWith('/') ? p : `${p}/`);
      if (matches) pairs.push(`${key.slice(0, key.indexOf('\n'))}=${cookie.value}`);
    }
    return pairs.length ? pairs.join('; ') : undefined;
  }
}

/**
 * Drives the provider's login page without a browser (fetch, manual redirects, a cookie jar):
 * opens `authorizationUrl`, fills in `email` (or presses Cancel when `cancel` is true) and follows
 * redirects until one leaves the provider; returns that final URL (the redirect_uri with
 * `?code=…&state=…&iss=…`, or `?error=access_denied&state=…`).
 */
export async function signInAtProvider(
  authorizationUrl: string,
  options: { email: string } | { cancel: true },
): Promise<URL> {
  const jar = new CookieJar();
  let url = new URL(authorizationUrl);
  const providerOrigin = url.origin;
  let method: 'GET' | 'POST' = 'GET';
  let body: string | undefined;
  let submitted = false;

  for (let hop = 0; hop < 20; hop++) {
    const headers: Record<string, string> = { accept: 'text/html' };
    const cookie = jar.header(url);
    if (cookie) headers.cookie = cookie;
    if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(url, { method, headers, body, redirect: 'manual' });
    jar.store(response.headers.getSetCookie(), url);

    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      const next = new URL(location, url);
      if (next.origin !== providerOrigin) return next;
      url = next;
      method = 'GET';
      body = undefined;
      continue;
    }

    const text = await response.text();
    const onLoginPage = response.status === 200 && url.pathname.startsWith('/interaction/');
    if (onLoginPage && !submitted) {
      submitted = true;
      method = 'POST';
      body = new URLSearchParams('cancel' in options ? { cancel: '1' } : { email: options.email }).toString();
      continue;
    }
    const alert = /role="alert">([^<]*)</.exec(text)?.[1];
    if (onLoginPage && alert) {
      throw new Error(`Sign-in at the test provider failed: ${alert}`);
    }
    throw new Error(
      `Unexpected response from the test provider: ${response.status} ${method} ${url.href}: ${text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 300)}`,
    );
  }
  throw new Error('Too many redirects at the test provider');
}
