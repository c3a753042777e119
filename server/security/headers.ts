import type { MiddlewareHandler } from 'hono';

const ALLOW_METHODS = 'GET, POST, PATCH, DELETE';
/**
 * `Content-Language` (the language the person chose in the widget) is
 * CORS-safelisted (Fetch Standard §4.1) only while its value is short and plain;
 * listed here, any value passes the preflight.
 */
const ALLOW_HEADERS = 'Content-Type, Content-Language, Authorization, X-Flow-Id';
const EXPOSE_HEADERS = 'Retry-After, X-Request-Id';
/** Browsers cap this (Chromium at 2 hours); ten minutes keeps a changed allowlist quick to take effect. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/**
 * CORS for the configured host origins, and the security headers of a JSON API
 * (OWASP REST Security Cheat Sheet; ASVS 5.0 V3.4), in one middleware.
 *
 * Every header is set before the handler runs, through `c.header()`: setting
 * them on `c.res` afterwards makes the Node adapter build a full `Response`
 * per request, which costs more than the rest of a flow action put together.
 * An origin that is not listed is never echoed.
 */
export function apiHeaders(allowedOrigins: readonly string[]): MiddlewareHandler {
  const allowed = new Set(allowedOrigins);
  return async function headers(c, next) {
    const origin = c.req.header('origin');
    const listed = origin !== undefined && allowed.has(origin);
    c.header('Vary', 'Origin');
    if (listed) {
      c.header('Access-Control-Allow-Origin', origin);
      c.header('Access-Control-Allow-Credentials', 'true');
    }
    if (c.req.method === 'OPTIONS' && c.req.header('access-control-request-method')) {
      if (listed) {
        c.header('Access-Control-Allow-Methods', ALLOW_METHODS);
        c.header('Access-Control-Allow-Headers', ALLOW_HEADERS);
        c.header('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE_SECONDS));
      }
      return c.body(null, 204);
    }
    if (listed) c.header('Access-Control-Expose-Headers', EXPOSE_HEADERS);
    c.header('Cache-Control', 'no-store');
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
    c.header('Cross-Origin-Resource-Policy', 'cross-origin');
    await next();
  };
}
