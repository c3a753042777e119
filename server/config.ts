import { BlockList, isIP } from 'node:net';
import { resolve } from 'node:path';
import { z } from 'zod';

const csv = z
  .string()
  .transform((s) => s.split(',').map((part) => part.trim()).filter(Boolean));

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((s) => s === 'true' || s === '1' || s === 'yes');

const origin = z.string().transform((value, ctx) => {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
    return url.origin;
  } catch {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not an http(s) origin` });
    return z.NEVER;
  }
});

const cidr = z.string().refine(
  (value) => {
    const [address, bits] = value.split('/');
    if (!address || !isIP(address)) return false;
    return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (isIP(address) === 6 ? 128 : 32));
  },
  { message: 'expected an IP address or CIDR range' },
);

/**
 * Every setting, its environment variable and its default. The keys of
 * `SETTINGS` are the names used in code; the values name the environment
 * variable that sets them.
 */
const SETTINGS = {
  env: 'NODE_ENV',
  port: 'PORT',
  host: 'HOST',
  dataDir: 'DATA_DIR',
  databaseUrl: 'DATABASE_URL',
  publicUrl: 'PUBLIC_URL',
  allowedOrigins: 'ALLOWED_ORIGINS',
  trustedProxies: 'TRUSTED_PROXIES',
  appName: 'APP_NAME',
  passwordPolicy: 'PASSWORD_POLICY',
  sessionIdleMinutes: 'SESSION_IDLE_MINUTES',
  sessionAbsoluteHours: 'SESSION_ABSOLUTE_HOURS',
  sessionCookie: 'SESSION_COOKIE',
  reauthMinutes: 'REAUTH_MINUTES',
  reauthMfaHours: 'REAUTH_MFA_HOURS',
  jwtTtlSeconds: 'JWT_TTL_SECONDS',
  jwtAudience: 'JWT_AUDIENCE',
  flowTtlMinutes: 'FLOW_TTL_MINUTES',
  flowMaxAttempts: 'FLOW_MAX_ATTEMPTS',
  accountMaxFailures: 'ACCOUNT_MAX_FAILURES',
  ipMaxFailures: 'IP_MAX_FAILURES',
  ipMaxFlows: 'IP_MAX_FLOWS',
  rateWindowMinutes: 'RATE_WINDOW_MINUTES',
  bodyLimitBytes: 'BODY_LIMIT_BYTES',
  logLevel: 'LOG_LEVEL',
  mfaRequiredFrom: 'MFA_REQUIRED_FROM',
  mfaRemindLaterLogins: 'MFA_REMIND_LATER_LOGINS',
  rememberDeviceDays: 'REMEMBER_DEVICE_DAYS',
  secretKey: 'SECRET_KEY',
  passkeys: 'PASSKEYS',
  rpId: 'RP_ID',
  webauthnOrigins: 'WEBAUTHN_ORIGINS',
  passkeyUserVerification: 'PASSKEY_USER_VERIFICATION',
  smtpUrl: 'SMTP_URL',
  mailFrom: 'MAIL_FROM',
  defaultLocale: 'DEFAULT_LOCALE',
  activationUrl: 'ACTIVATION_URL',
  resetUrl: 'RESET_URL',
  ssoRedirectUrl: 'SSO_REDIRECT_URL',
  invitationDays: 'INVITATION_DAYS',
  resetLinkMinutes: 'RESET_LINK_MINUTES',
  sms: 'SMS',
  smsUrl: 'SMS_URL',
  smsAuth: 'SMS_AUTH',
  smsBody: 'SMS_BODY',
  smsContentType: 'SMS_CONTENT_TYPE',
  smsFrom: 'SMS_FROM',
  smsDefaultCountry: 'SMS_DEFAULT_COUNTRY',
  adminApiKey: 'ADMIN_API_KEY',
  demoUser: 'DEMO_USER',
  demoPassword: 'DEMO_PASSWORD',
} as const;

/** Settings whose values are secrets: an error names them but never prints them. */
const SECRET_SETTINGS = new Set<string>(['secretKey', 'adminApiKey', 'smsAuth', 'smtpUrl', 'databaseUrl']);

const schema = z.object({
  env: z.enum(['development', 'production', 'test']).default('development'),
  port: z.coerce.number().int().min(0).max(65535).default(3000),
  host: z.string().min(1).default('localhost'),
  dataDir: z.string().min(1).default('./data'),
  /** `postgres://...` selects PostgreSQL; unset means SQLite in `dataDir`. */
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL')
    .optional(),
  /** The origin the API is reached at; the JWT issuer and the same-site origin. */
  publicUrl: origin.optional(),
  /** Host pages (other than `publicUrl`) that may embed the widget and call the API. */
  allowedOrigins: csv.pipe(z.array(origin)).default([]),
  /** Proxies whose `X-Forwarded-For` is believed; anything else is the client. */
  trustedProxies: csv.pipe(z.array(cidr)).default([]),
  appName: z.string().min(1).max(64).default('login-flow'),
  /** `seeds`: length plus composition rules; `nist`: length and blocklist only. */
  passwordPolicy: z.enum(['seeds', 'nist']).default('seeds'),
  // OWASP ASVS 5.0 V7.3.1 / NIST SP 800-63B-4 §2.2.3: an idle timeout; 30 minutes
  // sits within the AAL2 requirement (no more than 1 hour of inactivity).
  sessionIdleMinutes: z.coerce.number().int().min(1).max(24 * 60).default(30),
  // OWASP ASVS 5.0 V7.3.2 / NIST SP 800-63B-4 §2.2.3: an absolute lifetime;
  // AAL2 allows at most 24 hours, a working day is enough for payroll work.
  sessionAbsoluteHours: z.coerce.number().int().min(1).max(24 * 30).default(12),
  sessionCookie: bool.default(true),
  // OWASP ASVS 5.0 V7.5.1: changing a password or sign-in methods needs a fresh
  // authentication. A sign-in or re-authentication allows changes this long.
  reauthMinutes: z.coerce.number().int().min(1).max(60).default(10),
  // NIST SP 800-63B §4.2.3 (AAL2): reauthenticate at least once per 12 hours.
  // A session whose second factor is older than this gives it again to re-authenticate.
  reauthMfaHours: z.coerce.number().int().min(0).max(24).default(12),
  // A short JWT life bounds how long a revoked session's JWT stays usable.
  jwtTtlSeconds: z.coerce.number().int().min(30).max(3600).default(300),
  jwtAudience: z.string().min(1).default('login-flow'),
  flowTtlMinutes: z.coerce.number().int().min(1).max(120).default(15),
  flowMaxAttempts: z.coerce.number().int().min(1).max(100).default(5),
  // NIST SP 800-63B-4 §3.2.2 caps consecutive failures at 100 per account;
  // ten per window slows online guessing far more and rarely bothers a person.
  accountMaxFailures: z.coerce.number().int().min(1).max(100).default(10),
  ipMaxFailures: z.coerce.number().int().min(1).default(100),
  ipMaxFlows: z.coerce.number().int().min(1).default(300),
  rateWindowMinutes: z.coerce.number().int().min(1).max(24 * 60).default(15),
  bodyLimitBytes: z.coerce.number().int().min(1024).max(1024 * 1024).default(16 * 1024),
  logLevel: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /**
   * 2FA policy: `never` (optional), or the date from which it is required
   * (YYYY-MM-DD, UTC). Before that date people without 2FA are prompted and may
   * choose "remind me later". The default mirrors the seeds: required from a
   * date still ahead.
   */
  mfaRequiredFrom: z
    .union([z.literal('never'), z.iso.date()])
    .default('2027-07-01')
    .transform((value) => (value === 'never' ? null : value)),
  /** Logins without the prompt after "remind me later". */
  mfaRemindLaterLogins: z.coerce.number().int().min(0).max(100).default(3),
  /** "Remember this device" lifetime; 0 turns the choice off. */
  rememberDeviceDays: z.coerce.number().int().min(0).max(365).default(30),
  /**
   * 32 bytes, base64 or hex, that encrypt authenticator secrets at rest
   * (AES-256-GCM). Development keeps a generated one in DATA_DIR/secret.key;
   * production must set it.
   */
  secretKey: z
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
  /** Offer passkeys (WebAuthn): sign-in, second factor, set-up. */
  passkeys: bool.default(true),
  /**
   * WebAuthn relying-party id: the host pages' registrable domain (WebAuthn
   * Level 3 §5.1.2). Defaults to PUBLIC_URL's host name; a widget embedded on
   * app.example.com with the API on auth.example.com needs `example.com`.
   */
  rpId: z
    .string()
    .regex(/^(localhost|([a-z0-9-]+\.)+[a-z]{2,})$/i, 'expected a domain name such as example.com')
    .optional(),
  /** Origins whose ceremonies are accepted (WebAuthn Level 3 §7.1 step 9); default PUBLIC_URL and ALLOWED_ORIGINS. */
  webauthnOrigins: csv.pipe(z.array(origin)).optional(),
  /** `required` (default): a passkey must verify the person (face, fingerprint, PIN) and then counts as two factors. */
  passkeyUserVerification: z.enum(['required', 'preferred']).default('required'),
  /**
   * `smtp://user:pass@host:587` (STARTTLS) or `smtps://...:465`. Unset: mail
   * goes to the dev outbox (development) and production refuses to start.
   */
  smtpUrl: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/, 'expected an smtp:// or smtps:// URL')
    .optional(),
  /** The sender of every mail, e.g. `"Payroll login" <no-reply@example.com>`. */
  mailFrom: z.string().min(3).max(256).default('login-flow <no-reply@localhost>'),
  /** The language of mail to people whose language is not known. */
  defaultLocale: z.enum(['en', 'nl']).default('en'),
  /** The page that runs `<login-flow flow="activate">`; the token follows in the fragment. Default PUBLIC_URL/activate. */
  activationUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** The page that runs `<login-flow flow="reset">`. Default PUBLIC_URL/reset-password. */
  resetUrl: z.url({ protocol: /^https?$/ }).optional(),
  /**
   * The page that runs `<login-flow>` and that companies' OpenID providers send
   * people back to (the `redirect_uri` to register with each provider). Default PUBLIC_URL/.
   */
  ssoRedirectUrl: z
    .url({ protocol: /^https?$/ })
    // The token request repeats the redirect URI without its query (RFC 6749 §4.1.3 wants it identical): none, then.
    .refine((url) => !url.includes('?') && !url.includes('#'), 'expected a URL without a query or fragment')
    .optional(),
  /** How long an invitation link works. */
  invitationDays: z.coerce.number().int().min(1).max(30).default(7),
  // OWASP Forgot Password Cheat Sheet: reset tokens expire after a short period.
  resetLinkMinutes: z.coerce.number().int().min(5).max(24 * 60).default(60),
  /**
   * SMS as a backup second factor: `http` (a provider's HTTP API, SMS_URL),
   * `outbox` (the dev outbox) or `off`. Default: `http` when SMS_URL is set,
   * else `outbox` in development and `off` in production.
   */
  sms: z.enum(['off', 'outbox', 'http']).optional(),
  /** The provider's endpoint that sends one text. */
  smsUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** The `Authorization` header value for the provider, e.g. `Bearer ...` or `Basic ...`. */
  smsAuth: z.string().min(1).max(1024).optional(),
  /**
   * The request body, with `{{to}}`, `{{from}}` and `{{text}}` filled in and
   * escaped for the content type.
   */
  smsBody: z.string().min(1).max(4096).default('{"to":{{to}},"from":{{from}},"text":{{text}}}'),
  smsContentType: z.enum(['application/json', 'application/x-www-form-urlencoded']).default('application/json'),
  smsFrom: z.string().min(1).max(32).default('login-flow'),
  /** The country assumed for phone numbers typed without a +country code (ISO 3166-1 alpha-2). */
  smsDefaultCountry: z.string().regex(/^[A-Z]{2}$/, 'expected a country code such as NL').default('NL'),
  /**
   * The admin API's key (`Authorization: Bearer <key>`); unset, the admin API
   * is off. At least 32 characters: it stands for an administrator.
   */
  adminApiKey: z.string().min(32, 'expected at least 32 characters (openssl rand -base64 32)').optional(),
  demoUser: z.string().email().default('demo@example.com'),
  demoPassword: z.string().optional(),
});

type Parsed = z.infer<typeof schema>;

/** The resolved settings, read once at start-up. */
export interface Config extends Omit<Parsed, 'publicUrl' | 'dataDir' | 'rpId' | 'webauthnOrigins' | 'activationUrl' | 'resetUrl' | 'ssoRedirectUrl' | 'sms'> {
  publicUrl: string;
  activationUrl: string;
  resetUrl: string;
  ssoRedirectUrl: string;
  sms: 'off' | 'outbox' | 'http';
  dataDir: string;
  rpId: string;
  webauthnOrigins: string[];
  /** Checks an address against `trustedProxies`. */
  trustedProxyList: BlockList;
}

/** A setting that does not parse; its message is one line naming the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type Environment = Record<string, string | undefined>;

/**
 * Reads every setting from the environment (or the given record), applies the
 * defaults and validates. Throws one `ConfigError` naming the first bad setting.
 */
export function loadConfig(environment: Environment = process.env): Config {
  const input: Record<string, string> = {};
  for (const [key, variable] of Object.entries(SETTINGS)) {
    const value = environment[variable];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const key = String(issue.path[0]) as keyof typeof SETTINGS;
    const variable = SETTINGS[key] ?? key;
    const shown = SECRET_SETTINGS.has(key) ? '(hidden)' : JSON.stringify(input[key] ?? '');
    throw new ConfigError(`Invalid setting ${variable}=${shown}: ${issue.message}`);
  }
  const parsed = result.data;
  const trustedProxyList = new BlockList();
  for (const range of parsed.trustedProxies) {
    const [address, bits] = range.split('/') as [string, string | undefined];
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) trustedProxyList.addAddress(address, family);
    else trustedProxyList.addSubnet(address, Number(bits), family);
  }
  const publicUrl = parsed.publicUrl ?? `http://localhost:${parsed.port}`;
  if (parsed.env === 'production' && !parsed.secretKey) {
    throw new ConfigError('Invalid setting SECRET_KEY="": production needs 32 random bytes, base64 (openssl rand -base64 32)');
  }
  if (parsed.env === 'production' && !publicUrl.startsWith('https://')) {
    throw new ConfigError(`Invalid setting PUBLIC_URL=${JSON.stringify(publicUrl)}: production needs an https:// origin`);
  }
  if (parsed.env === 'production' && !parsed.smtpUrl) {
    throw new ConfigError('Invalid setting SMTP_URL="": production needs an SMTP server to send invitations and codes');
  }
  const sms = parsed.sms ?? (parsed.smsUrl ? 'http' : parsed.env === 'production' ? 'off' : 'outbox');
  if (sms === 'http' && !parsed.smsUrl) throw new ConfigError('Invalid setting SMS_URL="": SMS=http needs the provider URL');
  if (sms === 'outbox' && parsed.env === 'production') throw new ConfigError('Invalid setting SMS="outbox": the outbox is for development only');
  // The number and the code travel in the request: never in clear outside development.
  if (sms === 'http' && parsed.env === 'production' && !parsed.smsUrl!.startsWith('https://')) {
    throw new ConfigError(`Invalid setting SMS_URL=${JSON.stringify(parsed.smsUrl)}: production needs an https:// provider URL`);
  }
  const rpId = parsed.rpId ?? new URL(publicUrl).hostname;
  const webauthnOrigins = parsed.webauthnOrigins ?? [publicUrl, ...parsed.allowedOrigins];
  return {
    ...parsed,
    publicUrl,
    dataDir: resolve(parsed.dataDir),
    trustedProxyList,
    rpId,
    webauthnOrigins,
    sms,
    activationUrl: parsed.activationUrl ?? `${publicUrl}/activate`,
    resetUrl: parsed.resetUrl ?? `${publicUrl}/reset-password`,
    ssoRedirectUrl: parsed.ssoRedirectUrl ?? `${publicUrl}/`,
  };
}
