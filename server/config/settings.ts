import { z } from 'zod';
import { bool, cidr, csv, origin } from './values.js';

/** One setting: where it comes from, how it is read, and what it is for. */
export interface Setting {
  /** The environment variable that sets it. */
  env: string;
  /** Reads the variable's text; the schema's default is the value when the variable is unset or empty. */
  schema: z.ZodType;
  /** One line for the operator: what it does. */
  help: string;
  /** For a setting without a default in its schema: what `loadConfig` (or the server) takes instead, in words. */
  fallback?: string;
  /** A secret: an error names the variable but never prints its value. */
  secret?: true;
}

/**
 * Every setting, by the name code uses for it (`Config`'s properties), in the
 * order they are checked: the first bad one is the one reported.
 */
export const SETTINGS = {
  env: {
    env: 'NODE_ENV',
    schema: z.enum(['development', 'production', 'test']).default('development'),
    help: '`production` turns off the demo, the demo user and the dev outbox, and requires an https PUBLIC_URL, SECRET_KEY and SMTP_URL',
  },
  port: { env: 'PORT', schema: z.coerce.number().int().min(0).max(65535).default(3000), help: 'the port to listen on' },
  host: { env: 'HOST', schema: z.string().min(1).default('localhost'), help: 'the interface to listen on (`0.0.0.0` for all)' },
  dataDir: { env: 'DATA_DIR', schema: z.string().min(1).default('./data'), help: 'where the SQLite file (and a generated secret key) live' },
  databaseUrl: {
    env: 'DATABASE_URL',
    schema: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL').optional(),
    help: '`postgres://user:pass@host:5432/db` selects PostgreSQL; unset, SQLite in DATA_DIR',
    secret: true,
  },
  publicUrl: { env: 'PUBLIC_URL', schema: origin.optional(), help: "the API's origin: the JWT issuer and its own allowed origin", fallback: 'http://localhost:$PORT' },
  allowedOrigins: { env: 'ALLOWED_ORIGINS', schema: csv.pipe(z.array(origin)).default([]), help: 'host pages (besides PUBLIC_URL) that may embed the widget and call the API' },
  trustedProxies: { env: 'TRUSTED_PROXIES', schema: csv.pipe(z.array(cidr)).default([]), help: 'proxies whose `X-Forwarded-For` is believed; anything else is the client' },
  appName: { env: 'APP_NAME', schema: z.string().min(1).max(64).default('login-flow'), help: 'the issuer name people see in their authenticator app' },
  passwordPolicy: { env: 'PASSWORD_POLICY', schema: z.enum(['seeds', 'nist']).default('seeds'), help: '`seeds`: length plus composition rules; `nist`: length and blocklist only' },
  // OWASP ASVS 5.0 V7.3.1 / NIST SP 800-63B-4 §2.2.3: an idle timeout; 30 minutes
  // sits within the AAL2 requirement (no more than 1 hour of inactivity).
  sessionIdleMinutes: { env: 'SESSION_IDLE_MINUTES', schema: z.coerce.number().int().min(1).max(24 * 60).default(30), help: 'idle timeout of a session' },
  // OWASP ASVS 5.0 V7.3.2 / NIST SP 800-63B-4 §2.2.3: an absolute lifetime;
  // AAL2 allows at most 24 hours, a working day is enough for payroll work.
  sessionAbsoluteHours: { env: 'SESSION_ABSOLUTE_HOURS', schema: z.coerce.number().int().min(1).max(24 * 30).default(12), help: 'absolute lifetime of a session' },
  sessionCookie: { env: 'SESSION_COOKIE', schema: bool.default(true), help: 'keep the session token in an HttpOnly `__Host-` cookie (same-site hosts)' },
  // OWASP ASVS 5.0 V7.5.1: changing a password or sign-in methods needs a fresh
  // authentication. A sign-in or re-authentication allows changes this long.
  reauthMinutes: { env: 'REAUTH_MINUTES', schema: z.coerce.number().int().min(1).max(60).default(10), help: 'how long a sign-in or re-authentication allows changes on the account page' },
  // NIST SP 800-63B §4.2.3 (AAL2): reauthenticate at least once per 12 hours.
  // A session whose second factor is older than this gives it again to re-authenticate.
  reauthMfaHours: {
    env: 'REAUTH_MFA_HOURS',
    schema: z.coerce.number().int().min(0).max(24).default(12),
    help: 'a session whose second factor is older gives it again to re-authenticate (`0`: always)',
  },
  // A short JWT life bounds how long a revoked session's JWT stays usable.
  jwtTtlSeconds: { env: 'JWT_TTL_SECONDS', schema: z.coerce.number().int().min(30).max(3600).default(300), help: 'JWT lifetime' },
  jwtAudience: { env: 'JWT_AUDIENCE', schema: z.string().min(1).default('login-flow'), help: "the JWTs' `aud`" },
  flowTtlMinutes: { env: 'FLOW_TTL_MINUTES', schema: z.coerce.number().int().min(1).max(120).default(15), help: 'how long a flow lives' },
  flowMaxAttempts: { env: 'FLOW_MAX_ATTEMPTS', schema: z.coerce.number().int().min(1).max(100).default(5), help: 'failures before a flow locks' },
  // NIST SP 800-63B-4 §3.2.2 caps consecutive failures at 100 per account;
  // ten per window slows online guessing far more and rarely bothers a person.
  accountMaxFailures: { env: 'ACCOUNT_MAX_FAILURES', schema: z.coerce.number().int().min(1).max(100).default(10), help: 'password attempts per account per window' },
  ipMaxFailures: { env: 'IP_MAX_FAILURES', schema: z.coerce.number().int().min(1).default(100), help: 'password attempts per client IP per window' },
  ipMaxFlows: { env: 'IP_MAX_FLOWS', schema: z.coerce.number().int().min(1).default(300), help: 'flows stored per client IP per window (a sign-in is stored at its first action; opening it stores nothing)' },
  rateWindowMinutes: { env: 'RATE_WINDOW_MINUTES', schema: z.coerce.number().int().min(1).max(24 * 60).default(15), help: 'the rate-limit window' },
  // One hash per core keeps every core busy under load; more would only queue on the thread pool.
  hashSlots: {
    env: 'HASH_SLOTS',
    schema: z.coerce.number().int().min(1).max(256).optional(),
    help: 'password hashes computed at once',
    fallback: 'the number of cores',
  },
  // 256 waiting hashes are about 1.5 s of work on two cores: a person still gets an answer, not a hang.
  hashQueue: {
    env: 'HASH_QUEUE',
    schema: z.coerce.number().int().min(0).max(100_000).default(256),
    help: 'password hashes that may wait for a slot; beyond them a request is refused with 503 `busy` and `Retry-After`',
  },
  bodyLimitBytes: { env: 'BODY_LIMIT_BYTES', schema: z.coerce.number().int().min(1024).max(1024 * 1024).default(16 * 1024), help: 'the largest request body' },
  logLevel: { env: 'LOG_LEVEL', schema: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'), help: '`debug`, `info`, `warn`, `error` or `silent`' },
  // The default mirrors the seeds: 2FA required from a date still ahead.
  mfaRequiredFrom: {
    env: 'MFA_REQUIRED_FROM',
    schema: z
      .union([z.literal('never'), z.iso.date()])
      .default('2027-07-01')
      .transform((value) => (value === 'never' ? null : value)),
    help: '`never` (2FA optional), or the date (YYYY-MM-DD, UTC) from which it is required; before it, people without 2FA are prompted and may choose "remind me later"',
  },
  mfaRemindLaterLogins: { env: 'MFA_REMIND_LATER_LOGINS', schema: z.coerce.number().int().min(0).max(100).default(3), help: 'logins without the prompt after "remind me later"' },
  rememberDeviceDays: {
    env: 'REMEMBER_DEVICE_DAYS',
    schema: z.coerce.number().int().min(0).max(365).default(30),
    help: 'how long "remember this device" skips the second factor; `0` turns the choice off',
  },
  secretKey: {
    env: 'SECRET_KEY',
    schema: z
      .string()
      .transform((value, ctx) => {
        const key = /^[0-9a-f]{64}$/i.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
        if (key.length !== 32) {
          ctx.addIssue({ code: 'custom', message: 'expected 32 bytes, base64 or hex' });
          return z.NEVER;
        }
        return key;
      })
      .optional(),
    help: '32 bytes, base64 or hex, that encrypt authenticator secrets at rest (AES-256-GCM); production must set it',
    fallback: 'generated in DATA_DIR/secret.key outside production',
    secret: true,
  },
  passkeys: { env: 'PASSKEYS', schema: bool.default(true), help: 'offer passkeys (WebAuthn): sign-in, second factor, set-up' },
  // The approver: push approval with number matching on the person's phone (CISA, "Implementing Number Matching in MFA Applications", 2022).
  approver: { env: 'APPROVER', schema: bool.default(true), help: 'offer the approver: sign-ins approved on the person\'s phone by push, picking the number the sign-in screen shows' },
  vapidSubject: {
    env: 'VAPID_SUBJECT',
    schema: z.string().regex(/^(mailto:[^\s@]+@[^\s@]+|https:\/\/\S+)$/, 'expected mailto:you@example.com or an https:// URL').optional(),
    // RFC 8292 §2.1: a push service contacts the sender through the JWT's `sub`.
    help: 'how push services reach the operator (RFC 8292 §2.1): `mailto:` an address, or an https URL',
    fallback: 'mailto: MAIL_FROM\'s address',
  },
  approvalsPerHour: {
    env: 'APPROVALS_PER_HOUR',
    // Push fatigue: a person asked again and again may tap "approve" to make it stop (CISA, 2022).
    schema: z.coerce.number().int().min(1).max(60).default(6),
    help: 'sign-in requests pushed to one person\'s phones in an hour, at most',
  },
  pushServiceHosts: {
    env: 'PUSH_SERVICE_HOSTS',
    schema: csv.pipe(z.array(z.string().regex(/^[a-z0-9.-]+$/i, 'expected host names'))).default(['fcm.googleapis.com', 'push.services.mozilla.com', 'notify.windows.com', 'push.apple.com']),
    // OWASP ASVS 5.0 V1.3.6: the server posts to a URL a phone gave it, so only to known push services (SSRF).
    help: 'in production, the push services (a host or its parent domain) the server may post to; https only',
  },
  rpId: {
    env: 'RP_ID',
    schema: z
      .string()
      .regex(/^(localhost|([a-z0-9-]+\.)+[a-z]{2,})$/i, 'expected a domain name such as example.com')
      .optional(),
    // WebAuthn Level 3 §5.1.2: a widget on app.example.com with the API on auth.example.com needs `example.com`.
    help: 'the WebAuthn relying-party id: the registrable domain of the pages that show the widget',
    fallback: "PUBLIC_URL's host name",
  },
  webauthnOrigins: {
    env: 'WEBAUTHN_ORIGINS',
    schema: csv.pipe(z.array(origin)).optional(),
    // WebAuthn Level 3 §7.1 step 9.
    help: 'origins whose ceremonies are accepted',
    fallback: 'PUBLIC_URL and ALLOWED_ORIGINS',
  },
  passkeyUserVerification: {
    env: 'PASSKEY_USER_VERIFICATION',
    schema: z.enum(['required', 'preferred']).default('required'),
    help: '`required`: a passkey must verify the person (face, fingerprint, PIN) and then counts as two factors; `preferred`: one without counts as one',
  },
  smtpUrl: {
    env: 'SMTP_URL',
    schema: z
      .string()
      .regex(/^smtps?:\/\/[^\s]+$/, 'expected an smtp:// or smtps:// URL')
      .optional(),
    help: '`smtp://user:pass@host:587` (STARTTLS) or `smtps://...:465`; unset, mail goes to the dev outbox and production refuses to start',
    secret: true,
  },
  mailFrom: { env: 'MAIL_FROM', schema: z.string().min(3).max(256).default('login-flow <no-reply@localhost>'), help: 'the sender of every mail' },
  defaultLocale: { env: 'DEFAULT_LOCALE', schema: z.enum(['en', 'nl']).default('en'), help: 'the language of mail to people whose language is not known' },
  activationUrl: {
    env: 'ACTIVATION_URL',
    schema: z.url({ protocol: /^https?$/ }).optional(),
    help: 'the page that runs `<login-flow flow="activate">`; the token follows in the fragment',
    fallback: 'PUBLIC_URL/activate',
  },
  resetUrl: { env: 'RESET_URL', schema: z.url({ protocol: /^https?$/ }).optional(), help: 'the page that runs `<login-flow flow="reset">`', fallback: 'PUBLIC_URL/reset-password' },
  ssoRedirectUrl: {
    env: 'SSO_REDIRECT_URL',
    schema: z
      .url({ protocol: /^https?$/ })
      // The token request repeats the redirect URI without its query (RFC 6749 §4.1.3 wants it identical): none, then.
      .refine((url) => !url.includes('?') && !url.includes('#'), 'expected a URL without a query or fragment')
      .optional(),
    help: "the page that runs `<login-flow>` and that companies' OpenID providers send people back to (the redirect URI to register with each)",
    fallback: 'PUBLIC_URL/',
  },
  invitationDays: { env: 'INVITATION_DAYS', schema: z.coerce.number().int().min(1).max(30).default(7), help: 'how long an invitation link works' },
  // OWASP Forgot Password Cheat Sheet: reset tokens expire after a short period.
  resetLinkMinutes: { env: 'RESET_LINK_MINUTES', schema: z.coerce.number().int().min(5).max(24 * 60).default(60), help: 'how long a reset link works' },
  recoveryRequests: {
    env: 'RECOVERY_REQUESTS',
    schema: bool.default(true),
    help: "\"lost access to your phone?\": people may ask their company's administrators (or support) for a recovery link",
  },
  recoveryUrl: {
    env: 'RECOVERY_URL',
    schema: z.url({ protocol: /^https?$/ }).optional(),
    help: 'the page that runs `<login-flow flow="recover">`; the token follows in the fragment',
    fallback: 'PUBLIC_URL/recover',
  },
  // Like a reset link (OWASP Forgot Password Cheat Sheet: tokens expire), but an
  // approval may reach the person after working hours: a day by default, a week at most.
  recoveryLinkHours: { env: 'RECOVERY_LINK_HOURS', schema: z.coerce.number().int().min(1).max(168).default(24), help: 'how long the link mailed on an approved recovery request works' },
  recoveryRequestDays: { env: 'RECOVERY_REQUEST_DAYS', schema: z.coerce.number().int().min(1).max(30).default(7), help: 'how long a recovery request waits for a decision before it expires' },
  sms: {
    env: 'SMS',
    schema: z.enum(['off', 'outbox', 'http']).optional(),
    help: "SMS as a backup second factor: `http` (a provider's HTTP API at SMS_URL), `outbox` (the dev outbox) or `off`",
    fallback: 'http with SMS_URL, else outbox in development, off in production',
  },
  smsUrl: { env: 'SMS_URL', schema: z.url({ protocol: /^https?$/ }).optional(), help: "the provider's endpoint that sends one text" },
  smsAuth: {
    env: 'SMS_AUTH',
    schema: z.string().min(1).max(1024).optional(),
    help: 'the `Authorization` header value for the provider, e.g. `Bearer ...` or `Basic ...`',
    secret: true,
  },
  smsBody: {
    env: 'SMS_BODY',
    schema: z.string().min(1).max(4096).default('{"to":{{to}},"from":{{from}},"text":{{text}}}'),
    help: 'the request body, with `{{to}}`, `{{from}}` and `{{text}}` filled in and escaped for the content type',
  },
  smsContentType: {
    env: 'SMS_CONTENT_TYPE',
    schema: z.enum(['application/json', 'application/x-www-form-urlencoded']).default('application/json'),
    help: "the request body's content type",
  },
  smsFrom: { env: 'SMS_FROM', schema: z.string().min(1).max(32).default('login-flow'), help: 'the sender name or number' },
  smsDefaultCountry: {
    env: 'SMS_DEFAULT_COUNTRY',
    schema: z.string().regex(/^[A-Z]{2}$/, 'expected a country code such as NL').default('NL'),
    help: 'the country (ISO 3166-1 alpha-2) of phone numbers typed without a +country code',
  },
  // NIST SP 800-63B-4 §3.1.3.3: an out-of-band code sent over the phone network
  // (PSTN, SMS) is a restricted authenticator. The seeds offer SMS as a method of
  // its own, so the default allows it; an operator may keep it to a backup.
  smsFirstMethod: {
    env: 'SMS_FIRST_METHOD',
    schema: bool.default(true),
    help: 'offer SMS as a person\'s only second factor, not just as a backup; NIST SP 800-63B-4 §3.1.3.3 treats SMS (PSTN) as a restricted authenticator',
  },
  adminApiKey: {
    env: 'ADMIN_API_KEY',
    schema: z.string().min(32, 'expected at least 32 characters (openssl rand -base64 32)').optional(),
    // At least 32 characters: it stands for an administrator.
    help: "the admin API's key (`Authorization: Bearer <key>`); unset, the admin API is off",
    secret: true,
  },
  demoUser: { env: 'DEMO_USER', schema: z.string().email().default('demo@example.com'), help: 'the demo user made on first start in development' },
  demoPassword: { env: 'DEMO_PASSWORD', schema: z.string().optional(), help: "the demo user's password", fallback: 'generated' },
  // An import is streamed in batches, so this bounds the work of one request, not its memory.
  importMaxBytes: {
    env: 'IMPORT_MAX_BYTES',
    schema: z.coerce.number().int().min(1024).max(10 * 1024 * 1024 * 1024).default(100 * 1024 * 1024),
    help: 'the largest body of `POST /api/admin/users/import` (streamed, not held: `BODY_LIMIT_BYTES` does not apply)',
  },
} satisfies Record<string, Setting>;

/** A setting's name in code. */
export type SettingName = keyof typeof SETTINGS;
