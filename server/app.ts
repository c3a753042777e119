import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Config } from './config.js';
import type { AppContext } from './context.js';
import { ApiError, ERROR_CATALOGUE, type ErrorCode } from './errors.js';
import { compressJson } from './compression.js';
import { createMailer, type Mailer } from './delivery/mail.js';
import { createSmsSender, type SmsSender } from './delivery/sms.js';
import { verifyPassword } from './factors/password.js';
import { HashGate } from './security/hash-gate.js';
import { createLogger, type Logger } from './log.js';
import { accountRoutes } from './routes/account.js';
import { adminRoutes } from './routes/admin.js';
import { approverRoutes } from './routes/approver.js';
import { devRoutes } from './routes/dev.js';
import { deviceRoutes } from './routes/devices.js';
import { flowRoutes } from './routes/flows.js';
import { openApiRoutes } from './routes/openapi.js';
import { passkeyRoutes } from './routes/passkeys.js';
import { healthRoutes } from './routes/health.js';
import { sessionRoutes } from './routes/session.js';
import { wellKnownRoutes } from './routes/well-known.js';
import { apiHeaders } from './security/headers.js';
import { originCheck } from './security/origin.js';
import { resolveSecretKey } from './security/secrets.js';
import { KeyRing } from './security/tokens.js';
import type { Db } from './store/index.js';

export interface AppOptions {
  config: Config;
  db: Db;
  now?: () => number;
  log?: Logger;
  mailer?: Mailer;
  /** Null turns SMS off whatever the config says. */
  sms?: SmsSender | null;
}

/** Status codes Hono itself may raise, mapped to catalogue codes. */
const HTTP_CODES: Partial<Record<number, ErrorCode>> = {
  400: 'invalid_request',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'body_too_large',
  415: 'unsupported_media_type',
};

/**
 * Driver error codes that mean "the database cannot take this right now", not
 * "the request is bad": SQLite busy, locked, unopenable, out of disk or
 * read-only; the network to PostgreSQL; and PostgreSQL's own (SQLSTATE class
 * 08, connection exception; 57P01-57P03, shutting down or starting up; 53300,
 * too many connections; 57014, a statement cancelled by its timeout; 55P03, a
 * lock not available; 40001 and 40P01, a serialization failure or deadlock,
 * which a retry resolves; 25P02, a transaction already aborted by one of those).
 * The transaction is rolled back either way: the answer is 503 and nothing changed.
 */
const STORE_DOWN_CODES = new Set([
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_CANTOPEN',
  'SQLITE_IOERR',
  'SQLITE_FULL',
  'SQLITE_READONLY',
  '57014',
  '55P03',
  '40001',
  '40P01',
  '25P02',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);
/** node-postgres reports a lost or unobtainable connection without a code; better-sqlite3 a closed database likewise. */
const STORE_DOWN_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|The database connection is not open)/;

function isStoreUnavailable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  // SQLite's extended codes name their primary one first (SQLITE_IOERR_WRITE, SQLITE_READONLY_DBMOVED).
  const primary = typeof code === 'string' && code.startsWith('SQLITE_') ? code.split('_', 2).join('_') : code;
  if (typeof primary === 'string' && (STORE_DOWN_CODES.has(primary) || primary.startsWith('08'))) return true;
  return typeof message === 'string' && STORE_DOWN_MESSAGES.test(message);
}

/**
 * Builds the API: every route module mounted under one error boundary that
 * answers with a catalogue code and never a stack trace.
 */
export function createApp({ config, db, now = Date.now, log = createLogger(config.logLevel), mailer = createMailer(config, db, now), sms = createSmsSender(config, db, now) }: AppOptions): { app: Hono; context: AppContext } {
  const secretKey = resolveSecretKey(config.secretKey, config.dataDir);
  const context: AppContext = {
    config,
    db,
    now,
    log,
    mailer,
    sms,
    keys: new KeyRing(db, config, now, secretKey),
    secretKey,
    hashing: new HashGate(config.hashSlots, config.hashQueue),
    pendingAttempts: new Map(),
  };
  const origins = [config.publicUrl, ...config.allowedOrigins];
  const app = new Hono();

  // Pay for the dummy hash now, so the first unknown email is not faster or slower than the rest.
  void verifyPassword({ hash: null, password: 'warm-up' });

  app.use(requestId({ headerName: 'X-Request-Id', generator: () => crypto.randomUUID() }));
  app.use(async function logRequest(c, next) {
    const started = performance.now();
    await next();
    // The route pattern, never the path: paths carry flow ids.
    log.log(c.res.status >= 500 ? 'error' : 'info', 'request', {
      reqId: c.get('requestId'),
      method: c.req.method,
      route: c.req.routePath,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
    });
  });
  app.use('/api/*', compressJson());
  app.use('/.well-known/*', compressJson());
  app.use('/api/*', apiHeaders(origins));
  app.use('/.well-known/*', apiHeaders(origins));
  app.use('/api/*', originCheck(origins));

  app.route('/api/flows', flowRoutes(context));
  app.route('/api/session', sessionRoutes(context));
  app.route('/api/devices', deviceRoutes(context));
  app.route('/api/passkeys', passkeyRoutes(context));
  app.route('/api/approver', approverRoutes(context));
  app.route('/api/account', accountRoutes(context));
  app.route('/api/health', healthRoutes(context));
  app.route('/api/admin', adminRoutes(context));
  app.route('/api/openapi.json', openApiRoutes({ development: config.env !== 'production' }));
  app.route('/.well-known', wellKnownRoutes(context));
  // The dev outbox shows mail meant for people: never in production.
  if (config.env !== 'production') app.route('/dev', devRoutes(context));

  app.notFound((c) => c.json({ error: { code: 'not_found', message: ERROR_CATALOGUE.not_found.message } }, 404));

  app.onError((error, c) => {
    let apiError: ApiError;
    if (error instanceof ApiError) apiError = error;
    else if (error instanceof HTTPException && HTTP_CODES[error.status]) apiError = new ApiError(HTTP_CODES[error.status]!);
    else if (isStoreUnavailable(error)) apiError = new ApiError('store_unavailable', { cause: error });
    else apiError = new ApiError('internal_error', { cause: error });
    if (apiError.status >= 500) {
      const cause = apiError.cause ?? error;
      log.log('error', 'request failed', {
        reqId: c.get('requestId'),
        route: c.req.routePath,
        error: cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause),
        stack: cause instanceof Error ? cause.stack : undefined,
      });
    }
    if (apiError.retryAfter !== undefined) c.header('Retry-After', String(apiError.retryAfter));
    if (apiError.code === 'store_unavailable') c.header('Retry-After', '5');
    return c.json({ error: { ...apiError.body, message: ERROR_CATALOGUE[apiError.code].message } }, apiError.status as ContentfulStatusCode);
  });

  return { app, context };
}
