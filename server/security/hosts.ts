import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../errors.js';

/** The names of this machine, as URL host names (an IPv6 address in brackets, RFC 3986 §3.2.2). */
export const LOOPBACK_HOSTNAMES: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

/** Is `hostname` (a URL's `hostname`) one of this machine's own names? */
export function isLoopbackHostname(hostname: string): boolean {
  return LOOPBACK_HOSTNAMES.includes(hostname.toLowerCase());
}

/**
 * RFC 9110 §7.2: `Host = uri-host [ ":" port ]`. Only an IP literal in brackets
 * or a plain DNS name is taken; anything else (user info, a list, an empty
 * port, percent-encoding) names no host we answer for.
 */
const HOST_HEADER = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::[0-9]{1,5})?$/i;

/** The host name of a `Host` header, lower case and without the port; undefined when there is none or it does not parse. */
export function hostnameOf(header: string | undefined): string | undefined {
  const match = header === undefined ? null : HOST_HEADER.exec(header);
  return match ? match[1]!.toLowerCase() : undefined;
}

/**
 * DNS rebinding defence (CWE-346): a page on another site can point its own
 * name at this machine and then read it same-origin, but its requests still
 * carry that name in `Host`. Answers only requests whose `Host` names one of
 * `hostnames` (any port); every other request, one without `Host` included,
 * finds nothing here (404 `not_found`), as if the route did not exist.
 */
export function hostCheck(hostnames: readonly string[]): MiddlewareHandler {
  const allowed = new Set(hostnames.map((name) => name.toLowerCase()));
  return async function checkHost(c, next) {
    const hostname = hostnameOf(c.req.header('host'));
    if (hostname === undefined || !allowed.has(hostname)) throw new ApiError('not_found');
    await next();
  };
}
