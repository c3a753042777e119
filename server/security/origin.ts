import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../errors.js';

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Cross-site request forgery defence (OWASP ASVS 5.0 V3.5.1): a state-changing
 * request that a browser sends carries `Origin`; it must be our own origin or a
 * listed host. Requests without `Origin` come from non-browser clients (a host
 * backend, curl), which cannot ride a victim's cookie. Bodies must also be JSON
 * (checked in the routes), which a cross-site form cannot send without a
 * preflight.
 */
export function originCheck(allowed: readonly string[]): MiddlewareHandler {
  const list = new Set(allowed);
  return async function checkOrigin(c, next) {
    if (UNSAFE_METHODS.has(c.req.method)) {
      const origin = c.req.header('origin');
      if (origin !== undefined && !list.has(origin)) throw new ApiError('origin_not_allowed');
      if (origin === undefined && c.req.header('sec-fetch-site') === 'cross-site') throw new ApiError('origin_not_allowed');
    }
    await next();
  };
}
