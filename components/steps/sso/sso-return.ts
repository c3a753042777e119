/*
 * The way back from a company's OpenID Connect provider. Before the sso step
 * sends the browser there, it keeps the flow's id under SSO_RETURN_KEY in
 * sessionStorage (this tab only, gone with it); the provider sends the browser
 * back to the page with its answer in the query, and `<login-flow>` posts
 * that answer to the kept flow. Every access is guarded: storage may be
 * blocked (privacy settings, sandboxed iframes), and then the flow is not resumed.
 */

/** The sessionStorage key; its value is the JSON of an {@link SsoReturn}. */
export const SSO_RETURN_KEY = 'lf-sso';

/** What the sso step keeps before it leaves for the provider. */
export interface SsoReturn {
  /** The flow's id. */
  id: string;
  /** The `api` of the `<login-flow>` that ran it: only that element resumes it. */
  api: string;
}

/**
 * The parameters a provider adds to the redirect URI: RFC 6749 §4.1.2
 * (`code`, `state`) and §4.1.2.1 (`error`, `error_description`, `error_uri`),
 * RFC 9207 (`iss`), OpenID Connect Session Management 1.0 §3 (`session_state`).
 */
const PROVIDER_PARAMS = ['code', 'state', 'iss', 'error', 'error_description', 'error_uri', 'session_state'];

/**
 * Back from the provider with this API's flow waiting: takes the kept entry,
 * takes the provider's parameters out of the address bar (the host's own
 * parameters and the fragment stay), and returns the flow's id with the query
 * as it came. Anything else (no entry, another API's, no `state` with a
 * `code` or an `error`) returns nothing and leaves the URL alone.
 */
export function takeSsoReturn(api: string): { id: string; params: string } | undefined {
  const query = new URLSearchParams(location.search);
  if (!query.has('state') || !(query.has('code') || query.has('error'))) return undefined;
  let kept: SsoReturn;
  try {
    kept = JSON.parse(sessionStorage.getItem(SSO_RETURN_KEY)!);
    if (kept.api !== api) return undefined;
    sessionStorage.removeItem(SSO_RETURN_KEY);
  } catch {
    return undefined;
  }
  const params = location.search;
  for (const name of PROVIDER_PARAMS) query.delete(name);
  const rest = `${query}`;
  history.replaceState(history.state, '', location.pathname + (rest && `?${rest}`) + location.hash);
  return { id: kept.id, params };
}
