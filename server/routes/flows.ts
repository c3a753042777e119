import { Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import { flowReadiness, runAction, startFlow, type RenderedFlow } from '../flows/engine.js';
import { waitFor } from './wait.js';
import { flowDefinitions as FLOWS } from '../flows/login/flows.js';
import { clientIp, rateLimitKey } from '../security/client-ip.js';
import { readJson } from './body.js';
import { DEVICE_COOKIE, presentedToken, requireSession, SESSION_COOKIE } from '../security/session-auth.js';

/** The path segment that says "the flow id is in the X-Flow-Id header". */
const FLOW_IN_HEADER = '-';

/**
 * Flow ids are base64url, or (a sign-in whose start is sealed in its id)
 * `s.` and a sealed value: base64url parts joined by dots. Anything else is
 * not worth a database round trip.
 */
const FLOW_ID = /^(?:[A-Za-z0-9_-]{22,64}|s\.v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{40,4096}\.[A-Za-z0-9_-]{22})$/;

/**
 * The language a request's `Content-Language` names (RFC 9110 §8.5), by its
 * primary subtag (`nl-BE` is `nl`), when it is one we speak; else none.
 */
export function requestLocale(header: string | undefined): 'en' | 'nl' | undefined {
  const primary = header?.split(',')[0]?.trim().split('-')[0]?.toLowerCase();
  return primary === 'en' || primary === 'nl' ? primary : undefined;
}

/** `POST /api/flows/{kind}` starts a flow; `POST /api/flows/{id}/{action}` moves it on; `GET /api/flows/{id}/wait` waits on the phone. */
export function flowRoutes(app: AppContext): Hono {
  const routes = new Hono();

  routes.post('/:kind', async (c) => {
    const definition = FLOWS.get(c.req.param('kind'));
    if (!definition) throw new ApiError('unknown_flow_kind');
    const body = await readJson(c, app.config.bodyLimitBytes);
    const flowsPerIp = { key: `flow:ip:${rateLimitKey(clientIp(c, app.config.trustedProxyList))}`, rule: { limit: app.config.ipMaxFlows, windowMs: app.config.rateWindowMinutes * 60_000 } };
    // The account page's flows run in the caller's session: from the start body's
    // `token` (a host that keeps the token), else the bearer header or cookie.
    const token = definition.authenticated && body && typeof body === 'object' && typeof (body as { token?: unknown }).token === 'string'
      ? (body as { token: string }).token
      : undefined;
    const session = definition.authenticated ? await requireSession(app, c, token) : undefined;
    return c.json(await startFlow(app, definition, { body, session, limit: flowsPerIp }), 201);
  });

  /**
   * A long poll for a step that waits on the person's phone: `{ ready }`
   * within WAIT_MS, `ready: true` as soon as the phone has answered or the
   * request expired (any process may have stored it). The widget then posts
   * the step's action. One wait per flow: a newer one ends the older.
   */
  routes.get('/:id/wait', async (c) => {
    const id = c.req.param('id') === FLOW_IN_HEADER ? (c.req.header('x-flow-id') ?? '') : c.req.param('id');
    if (!FLOW_ID.test(id)) throw new ApiError('flow_not_found');
    const ready = await flowReadiness(app, FLOWS, id);
    const answered = await waitFor(`flow:${id}`, c.req.raw.signal, async () => ((await ready()) ? true : undefined));
    c.header('Cache-Control', 'no-store');
    return c.json({ ready: answered === true });
  });

  /**
   * The flow id in `X-Flow-Id` (what the widget sends: a secret in a header
   * stays out of proxy and browser logs), or in the path (handy with curl).
   */
  routes.post('/:id/:action', async (c) => {
    const id = c.req.param('id') === FLOW_IN_HEADER ? (c.req.header('x-flow-id') ?? '') : c.req.param('id');
    if (!FLOW_ID.test(id)) throw new ApiError('flow_not_found');
    const body = await readJson(c, app.config.bodyLimitBytes);
    const outcome = await runAction(app, FLOWS, {
      id,
      action: c.req.param('action'),
      body,
      request: {
        ip: clientIp(c, app.config.trustedProxyList),
        userAgent: c.req.header('user-agent') ?? null,
        deviceToken: getCookie(c, DEVICE_COOKIE, 'host'),
        sessionToken: presentedToken(c),
        locale: requestLocale(c.req.header('content-language')),
      },
    });
    if (outcome.retryAfter !== undefined) c.header('Retry-After', String(outcome.retryAfter));
    let flow: RenderedFlow = outcome.flow;
    if (outcome.issued?.token && flow.step === 'done' && app.config.sessionCookie) {
      // Same-site hosts get the token as an HttpOnly cookie that page scripts
      // cannot read (OWASP ASVS 5.0 V3.3.1); the body then carries only the JWT.
      setCookie(c, SESSION_COOKIE, outcome.issued.token, {
        path: '/',
        secure: true,
        httpOnly: true,
        sameSite: 'Strict',
        prefix: 'host',
        maxAge: Math.floor((flow.data.session.expiresAt - app.now()) / 1000),
      });
      if (outcome.issued.device) {
        setCookie(c, DEVICE_COOKIE, outcome.issued.device.token, {
          path: '/',
          secure: true,
          httpOnly: true,
          sameSite: 'Strict',
          prefix: 'host',
          maxAge: Math.floor((outcome.issued.device.expiresAt - app.now()) / 1000),
        });
      }
      const { token: _token, deviceToken: _device, ...grant } = flow.data.session;
      flow = { ...flow, data: { session: grant } };
    }
    return c.json(flow, outcome.status as 200);
  });

  return routes;
}
