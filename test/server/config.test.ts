import assert from 'node:assert/strict';
import { isAbsolute } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, type Environment } from '../../server/config.js';

const KEY = Buffer.alloc(32, 1).toString('base64');

/** Runs `loadConfig` and returns the ConfigError it throws; fails the test if it does not throw one. */
function configError(environment: Environment): ConfigError {
  try {
    loadConfig(environment);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${JSON.stringify(environment)} to be refused`);
}

describe('config', () => {
  it('applies the documented defaults when nothing is set', () => {
    const config = loadConfig({});
    assert.equal(config.env, 'development');
    assert.equal(config.port, 3000);
    assert.equal(config.publicUrl, 'http://localhost:3000');
    assert.ok(isAbsolute(config.dataDir), 'the data directory is resolved to an absolute path');
    assert.ok(config.dataDir.endsWith('data'));
    assert.equal(config.databaseUrl, undefined);
    assert.deepEqual(config.allowedOrigins, []);
    assert.deepEqual(config.trustedProxies, []);
    assert.equal(config.passwordPolicy, 'seeds');
    assert.equal(config.sessionIdleMinutes, 30);
    assert.equal(config.sessionAbsoluteHours, 12);
    assert.equal(config.sessionCookie, true);
    assert.equal(config.jwtTtlSeconds, 300);
    assert.equal(config.jwtAudience, 'login-flow');
    assert.equal(config.flowTtlMinutes, 15);
    assert.equal(config.flowMaxAttempts, 5);
    assert.equal(config.accountMaxFailures, 10);
    assert.equal(config.bodyLimitBytes, 16 * 1024);
  });

  it('treats an empty variable as unset', () => {
    assert.equal(loadConfig({ PORT: '' }).port, 3000);
  });

  it('derives the public URL from the port when PUBLIC_URL is unset', () => {
    assert.equal(loadConfig({ PORT: '4123' }).publicUrl, 'http://localhost:4123');
  });

  it('reduces ALLOWED_ORIGINS entries to their origins', () => {
    const config = loadConfig({ ALLOWED_ORIGINS: 'https://host.example/app/, http://other.example:8080' });
    assert.deepEqual(config.allowedOrigins, ['https://host.example', 'http://other.example:8080']);
  });

  it('puts TRUSTED_PROXIES addresses and ranges into the proxy list', () => {
    const config = loadConfig({ TRUSTED_PROXIES: '10.0.0.0/8,192.0.2.7,::1' });
    assert.equal(config.trustedProxyList.check('10.20.30.40', 'ipv4'), true);
    assert.equal(config.trustedProxyList.check('192.0.2.7', 'ipv4'), true);
    assert.equal(config.trustedProxyList.check('::1', 'ipv6'), true);
    assert.equal(config.trustedProxyList.check('192.0.2.8', 'ipv4'), false);
  });

  for (const [variable, value] of [
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PASSWORD_POLICY', 'weak'],
    ['ALLOWED_ORIGINS', 'notaurl'],
    ['ALLOWED_ORIGINS', 'https://ok.example,ftp://files.example'],
    ['TRUSTED_PROXIES', '1.2.3'],
    ['SESSION_COOKIE', 'maybe'],
    ['DATABASE_URL', 'mysql://db'],
    ['BODY_LIMIT_BYTES', '10'],
    ['LOG_LEVEL', 'loud'],
  ] as const) {
    it(`refuses ${variable}=${value} with a one-line message naming ${variable}`, () => {
      const error = configError({ [variable]: value });
      assert.match(error.message, new RegExp(`\\b${variable}\\b`));
      assert.doesNotMatch(error.message, /\n/);
    });
  }

  it('refuses production without an https PUBLIC_URL', () => {
    const error = configError({ NODE_ENV: 'production', SECRET_KEY: KEY, PUBLIC_URL: 'http://login.example' });
    assert.match(error.message, /\bPUBLIC_URL\b/);
    assert.doesNotMatch(error.message, /\n/);
  });

  it('refuses production with no PUBLIC_URL at all', () => {
    assert.match(configError({ NODE_ENV: 'production', SECRET_KEY: KEY }).message, /\bPUBLIC_URL\b/);
  });

  it('refuses production without a SECRET_KEY', () => {
    assert.match(configError({ NODE_ENV: 'production', PUBLIC_URL: 'https://login.example' }).message, /^Invalid setting SECRET_KEY/);
  });

  it('refuses a SECRET_KEY that is not 32 bytes', () => {
    assert.match(configError({ SECRET_KEY: Buffer.alloc(16).toString('base64') }).message, /^Invalid setting SECRET_KEY/);
  });

  it('reads MFA_REQUIRED_FROM as a date or never', () => {
    assert.equal(loadConfig({}).mfaRequiredFrom, '2027-07-01');
    assert.equal(loadConfig({ MFA_REQUIRED_FROM: 'never' }).mfaRequiredFrom, null);
    assert.match(configError({ MFA_REQUIRED_FROM: 'July 1st' }).message, /^Invalid setting MFA_REQUIRED_FROM/);
  });

  it('accepts production with an https PUBLIC_URL and an SMTP server', () => {
    const config = loadConfig({ NODE_ENV: 'production', SECRET_KEY: KEY, PUBLIC_URL: 'https://login.example', SMTP_URL: 'smtps://mail.example:465' });
    assert.equal(config.publicUrl, 'https://login.example');
    assert.equal(config.activationUrl, 'https://login.example/activate');
    assert.equal(config.resetUrl, 'https://login.example/reset-password');
    // No SMS provider in production means no SMS, never the outbox.
    assert.equal(config.sms, 'off');
  });

  it('refuses production without an SMTP server: invitations and codes would go nowhere', () => {
    assert.match(configError({ NODE_ENV: 'production', SECRET_KEY: KEY, PUBLIC_URL: 'https://login.example' }).message, /^Invalid setting SMTP_URL/);
  });

  it('refuses the SMS outbox in production and SMS=http without a URL', () => {
    const production = { NODE_ENV: 'production', SECRET_KEY: KEY, PUBLIC_URL: 'https://login.example', SMTP_URL: 'smtp://mail.example' };
    assert.match(configError({ ...production, SMS: 'outbox' }).message, /^Invalid setting SMS=/);
    assert.match(configError({ SMS: 'http' }).message, /^Invalid setting SMS_URL/);
    assert.match(configError({ ...production, SMS_URL: 'http://sms.example/send' }).message, /^Invalid setting SMS_URL="http:\/\/sms\.example\/send": production needs an https/);
    assert.equal(loadConfig({ ...production, SMS_URL: 'https://sms.example/send' }).sms, 'http');
  });

  it('chooses SMS by what is configured: a provider URL, else the dev outbox', () => {
    assert.equal(loadConfig({ SMS_URL: 'https://sms.example/send' }).sms, 'http');
    assert.equal(loadConfig({}).sms, 'outbox');
  });

  it('refuses an admin API key shorter than 32 characters, without printing it', () => {
    const { message } = configError({ ADMIN_API_KEY: 'short-secret' });
    assert.match(message, /^Invalid setting ADMIN_API_KEY=\(hidden\)/);
    assert.doesNotMatch(message, /short-secret/);
  });
});
