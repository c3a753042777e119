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
  demoUser: 'DEMO_USER',
  demoPassword: 'DEMO_PASSWORD',
} as const;

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
  demoUser: z.string().email().default('demo@example.com'),
  demoPassword: z.string().optional(),
});

type Parsed = z.infer<typeof schema>;

/** The resolved settings, read once at start-up. */
export interface Config extends Omit<Parsed, 'publicUrl' | 'dataDir' | 'rpId' | 'webauthnOrigins'> {
  publicUrl: string;
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
    throw new ConfigError(`Invalid setting ${variable}=${JSON.stringify(input[key] ?? '')}: ${issue.message}`);
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
  const rpId = parsed.rpId ?? new URL(publicUrl).hostname;
  const webauthnOrigins = parsed.webauthnOrigins ?? [publicUrl, ...parsed.allowedOrigins];
  return { ...parsed, publicUrl, dataDir: resolve(parsed.dataDir), trustedProxyList, rpId, webauthnOrigins };
}
