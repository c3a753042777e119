import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/min';
import type { Db } from '../store/index.js';
import { seal, unseal } from '../security/secrets.js';

/**
 * A phone number as typed ("06 12345678", "+31 6 1234 5678") in E.164
 * (ITU-T E.164: "+", country code, at most 15 digits), or null when it is not
 * a valid number. Parsed with libphonenumber-js's metadata, so national
 * formats of `defaultCountry` work.
 */
export function parsePhone(input: string, defaultCountry: string): string | null {
  const parsed = parsePhoneNumberFromString(input.trim(), defaultCountry as CountryCode);
  if (!parsed || !parsed.isValid()) return null;
  return parsed.number;
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
