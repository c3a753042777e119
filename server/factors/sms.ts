import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import type { AppContext } from '../context.js';
import { resolveLocale } from '../delivery/mail.js';
import { SmsDeliveryError, smsCodeText } from '../delivery/sms.js';
import { ApiError } from '../errors.js';
import { sha256 } from '../security/random.js';
import { seal, unseal } from '../security/secrets.js';
import type { Db } from '../store/index.js';
import { spendSend } from './attempts.js';
import { checkCode, generateCode, ONE_TIME_CODE_MINUTES, pendingCode, type PendingCode } from './one-time-code.js';

/**
 * A phone number as typed ("06 12345678", "+31 6 1234 5678") in E.164
 * (ITU-T E.164: "+", country code, at most 15 digits), or null when it is not
 * a valid mobile number. Parsed with libphonenumber-js's metadata, so national
 * formats of `defaultCountry` work. The full (`max`) metadata: with the
 * smaller sets `isValid()` checks only a number's length, and "12345" passes
 * for the Netherlands; the full set holds each region's number patterns and
 * types. Only numbers that can take a text: mobile, or (where a region's plan
 * does not tell them apart, as in the US) fixed line or mobile. A landline or
 * a premium-rate number is refused, so codes cannot be sent to numbers that
 * charge per message (SMS pumping).
 */
export function parsePhone(input: string, defaultCountry: string): string | null {
  const parsed = parsePhoneNumberFromString(input.trim(), defaultCountry as CountryCode);
  if (!parsed || !parsed.isValid()) return null;
  const type = parsed.getType();
  return type === 'MOBILE' || type === 'FIXED_LINE_OR_MOBILE' ? parsed.number : null;
}

/** "+31 •• ••• ••78": enough for the person to recognise their number, not enough to harvest it. */
export function maskPhone(e164: string): string {
  const parsed = parsePhoneNumberFromString(e164);
  const country = parsed ? `+${parsed.countryCallingCode}` : e164.slice(0, 3);
  return `${country} •• ••• ••${e164.slice(-2)}`;
}

/** The person's confirmed SMS number, if any, opened from its sealed form. */
export async function confirmedPhone(db: Db, key: Buffer, userId: string): Promise<{ credentialId: string; phone: string } | undefined> {
  const row = await db
    .selectFrom('credentials')
    .select(['id', 'secret'])
    .where('user_id', '=', userId)
    .where('type', '=', 'sms')
    .where('confirmed_at', 'is not', null)
    .executeTakeFirst();
  return row && { credentialId: row.id, phone: unseal(key, row.secret!, `sms:${row.id}`) };
}

/** Stores a confirmed number as the person's SMS factor, replacing any earlier one. */
export async function saveConfirmedPhone(db: Db, key: Buffer, { userId, phone, now }: { userId: string; phone: string; now: number }): Promise<string> {
  const id = crypto.randomUUID();
  await db.deleteFrom('credentials').where('user_id', '=', userId).where('type', '=', 'sms').execute();
  await db
    .insertInto('credentials')
    .values({ id, user_id: userId, type: 'sms', secret: seal(key, phone, `sms:${id}`), name: maskPhone(phone), created_at: now, confirmed_at: now, last_used_at: null, last_step: null })
    .execute();
  return id;
}

/** Texts a fresh code to a number; a failed send is the provider's, reported as `delivery_failed`. */
export async function textCode(app: AppContext, { userId, phone, now }: { userId: string; phone: string; now: number }): Promise<PendingCode> {
  if (!app.sms) throw new ApiError('action_not_allowed');
  await spendSend(app, `send:sms:acct:${userId}`, now);
  await spendSend(app, `send:sms:num:${sha256(phone)}`, now);
  const code = generateCode();
  const user = await app.db.selectFrom('users').select('locale').where('id', '=', userId).executeTakeFirstOrThrow();
  try {
    await app.sms.send({ to: phone, text: smsCodeText({ locale: resolveLocale(user.locale, app.config.defaultLocale), appName: app.config.appName, code, minutes: ONE_TIME_CODE_MINUTES }) });
  } catch (error) {
    if (!(error instanceof SmsDeliveryError)) throw error;
    app.log.log('error', 'sms not sent', { event: 'sms.failed', userId, error: error.message });
    throw new ApiError('delivery_failed');
  }
  return pendingCode(app.secretKey, { code, context: `sms:${userId}`, now });
}

/** Checks a typed code against the one texted to the person. */
export function checkTextedCode(app: AppContext, pending: PendingCode | undefined, { userId, input, now }: { userId: string; input: string; now: number }) {
  return checkCode(app.secretKey, pending, { input, context: `sms:${userId}`, now });
}

/** The person's number just passed a sign-in. */
export async function smsUsed(db: Db, userId: string, now: number): Promise<void> {
  await db.updateTable('credentials').set({ last_used_at: now }).where('user_id', '=', userId).where('type', '=', 'sms').execute();
}
