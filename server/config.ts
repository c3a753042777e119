import { availableParallelism } from 'node:os';
import { BlockList, isIP } from 'node:net';
import { resolve } from 'node:path';
import { z } from 'zod';
import { SETTINGS, type Setting, type SettingName } from './config/settings.js';

export { SETTINGS, type Setting, type SettingName } from './config/settings.js';

type Shape = { [K in SettingName]: (typeof SETTINGS)[K]['schema'] };

/** The settings' schemas as one object, in the table's order. */
const schema = z.object(Object.fromEntries(Object.entries(SETTINGS).map(([name, setting]: [string, Setting]) => [name, setting.schema])) as Shape);

type Parsed = z.output<typeof schema>;

/** Settings without a default in their schema that `loadConfig` fills in from others. */
type Filled = 'publicUrl' | 'rpId' | 'webauthnOrigins' | 'sms' | 'activationUrl' | 'resetUrl' | 'recoveryUrl' | 'ssoRedirectUrl' | 'hashSlots' | 'vapidSubject';
type FilledIn = { [K in Filled]: NonNullable<Parsed[K]> };

/** The resolved settings, read once at start-up. */
export interface Config extends Omit<Parsed, Filled>, FilledIn {
  /** `DATA_DIR`, made absolute. */
  dataDir: string;
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
  for (const [name, setting] of Object.entries(SETTINGS)) {
    const value = environment[setting.env];
    if (value !== undefined && value !== '') input[name] = value;
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const name = String(issue.path[0]);
    const setting: Setting | undefined = SETTINGS[name as SettingName];
    const shown = setting?.secret ? '(hidden)' : JSON.stringify(input[name] ?? '');
    throw new ConfigError(`Invalid setting ${setting?.env ?? name}=${shown}: ${issue.message}`);
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
    recoveryUrl: parsed.recoveryUrl ?? `${publicUrl}/recover`,
    ssoRedirectUrl: parsed.ssoRedirectUrl ?? `${publicUrl}/`,
    hashSlots: parsed.hashSlots ?? availableParallelism(),
    vapidSubject: parsed.vapidSubject ?? `mailto:${mailAddress(parsed.mailFrom)}`,
  };
}

/** The address in a `From` such as `login-flow <no-reply@example.com>`. */
function mailAddress(from: string): string {
  return /<([^>]+)>/.exec(from)?.[1] ?? from.trim();
}
