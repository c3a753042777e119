import { randomUUID } from 'node:crypto';
import type { Config } from '../config.js';
import type { Db } from '../store/index.js';
import type { Locale } from './templates.js';

export interface Sms {
  /** The number in E.164 (`+31612345678`). */
  to: string;
  text: string;
}

/** Where SMS go: a provider's HTTP API, or the dev outbox. */
export interface SmsSender {
  /** Sends one text; resolves once the provider accepted it, throws `SmsDeliveryError` when it did not. */
  send(sms: Sms): Promise<void>;
}

/** The provider did not take the text. The message names the status, never the number or the text. */
export class SmsDeliveryError extends Error {
  override name = 'SmsDeliveryError';
}

/** How long the provider may take to accept a text; a code that arrives later is of little use. */
export const SMS_TIMEOUT_MS = 10_000;

/**
 * The configured sender: `http` (the provider at `SMS_URL`), `outbox` (the dev
 * outbox) or, for `off`, null: SMS is not offered as a factor.
 */
export function createSmsSender(config: Config, db: Db, now: () => number): SmsSender | null {
  switch (config.sms) {
    case 'off':
      return null;
    case 'outbox':
      return outboxSmsSender(db, now);
    case 'http':
      return httpSmsSender(config);
  }
}

/** The development sender: every text lands in the outbox table, readable at `/dev/outbox`. */
export function outboxSmsSender(db: Db, now: () => number): SmsSender {
  return {
    async send(sms) {
      await db.insertInto('outbox').values({ id: randomUUID(), channel: 'sms', recipient: sms.to, subject: 'SMS', body: sms.text, html: null, created_at: now() }).execute();
    },
  };
}

/** Fills `{{to}}`, `{{from}}` and `{{text}}` in one pass, so a value that itself reads `{{to}}` stays as it is. */
function fillBody(template: string, contentType: Config['smsContentType'], values: { to: string; from: string; text: string }): string {
  const encode = contentType === 'application/json' ? (value: string) => JSON.stringify(value) : encodeURIComponent;
  return template.replace(/\{\{(to|from|text)\}\}/g, (_, name: keyof typeof values) => encode(values[name]));
}

/**
 * A provider's HTTP API: one POST per text, the body built from `SMS_BODY`.
 * No retry here: a code is short-lived, and the person can ask for a new one.
 */
export function httpSmsSender(
  config: Pick<Config, 'smsUrl' | 'smsAuth' | 'smsBody' | 'smsContentType' | 'smsFrom'>,
  { timeoutMs = SMS_TIMEOUT_MS }: { timeoutMs?: number } = {},
): SmsSender {
  const { smsUrl, smsAuth, smsBody, smsContentType, smsFrom } = config;
  if (!smsUrl) throw new Error('SMS=http needs SMS_URL');
  return {
    async send(sms) {
      const headers: Record<string, string> = { 'Content-Type': smsContentType };
      if (smsAuth) headers.Authorization = smsAuth;
      let response: Response;
      try {
        response = await fetch(smsUrl, {
          method: 'POST',
          headers,
          body: fillBody(smsBody, smsContentType, { to: sms.to, from: smsFrom, text: sms.text }),
          // A redirect would resend the number and the code to wherever it points.
          redirect: 'error',
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        const timedOut = error instanceof Error && error.name === 'TimeoutError';
        throw new SmsDeliveryError(timedOut ? `SMS provider did not answer within ${timeoutMs} ms` : 'SMS provider unreachable');
      }
      // The body is the provider's business; read it away so the connection can be reused.
      await response.arrayBuffer().catch(() => undefined);
      if (!response.ok) throw new SmsDeliveryError(`SMS provider answered ${response.status}`);
    },
  };
}

/** The text of an SMS code: short (one GSM-7 segment), in the person's language. */
export function smsCodeText({ locale, appName, code, minutes }: { locale: Locale; appName: string; code: string; minutes: number }): string {
  return locale === 'nl'
    ? `${code} is je verificatiecode voor ${appName}. ${minutes} min. geldig. Deel deze code met niemand.`
    : `${code} is your ${appName} verification code. Valid for ${minutes} min. Do not share it with anyone.`;
}
