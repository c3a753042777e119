/*
 * "Remember this device" in token mode: when the API cannot keep the device
 * token in an HttpOnly cookie, the widget keeps it in localStorage and sends it
 * back with the password. Every access is guarded: storage may be blocked
 * (privacy settings, sandboxed iframes), and then the device is simply not remembered.
 */

/** One token per API origin and email address, so two APIs or two people on one browser never mix theirs. */
function key(api: string, email: string): string {
  return `lf-device:${new URL(api || document.baseURI, document.baseURI).origin}:${email.trim().toLowerCase()}`;
}

/** The stored token for this API and person, if any. */
export function readDeviceToken(api: string, email: string): string | undefined {
  try {
    return localStorage.getItem(key(api, email)) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Keeps the newest token: the server rotates it on every use, so the old one is spent. */
export function storeDeviceToken(api: string, email: string, token: string): void {
  try {
    localStorage.setItem(key(api, email), token);
  } catch {
    // Storage blocked or full: the person will be asked for the second factor next time.
  }
}

/** Drops a token the server no longer accepts. */
export function forgetDeviceToken(api: string, email: string): void {
  try {
    localStorage.removeItem(key(api, email));
  } catch {
    // Nothing stored that could be read either.
  }
}
