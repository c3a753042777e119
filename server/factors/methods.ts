/* The second factors a person can present. */
import type { AppContext } from '../context.js';
import type { Db } from '../store/index.js';
import { hasUnusedRecoveryCode } from './recovery.js';
import { prepare } from '../store/prepared.js';
import type { SecondFactorMethod } from '../shapes.js';
export type { SecondFactorMethod };

/**
 * The second factors a person can present now: a confirmed passkey (when
 * passkeys are on), authenticator app, SMS number (when texts can be sent: a
 * provider, or the dev outbox), and an unused recovery or support code. A
 * passkey first: after set-up, signing in takes one tap or a fingerprint.
 */
/** The types of a person's confirmed credentials: asked at every sign-in's second factor. */
const confirmedTypes = prepare<{ userId: string }, { type: string }>((db, p) => db.selectFrom('credentials').select('type').where('user_id', '=', p.userId).where('confirmed_at', 'is not', null));

export async function secondFactorMethods(app: AppContext, userId: string): Promise<SecondFactorMethod[]> {
  const { rows } = await confirmedTypes(app.db, { userId });
  const types = new Set(rows.map((r) => r.type));
  const methods: SecondFactorMethod[] = [];
  // The phone first: one tap, no code to copy (seeds 000-002).
  if (app.config.approver && types.has('approver')) methods.push('approver');
  if (app.config.passkeys && types.has('passkey')) methods.push('passkey');
  if (types.has('totp')) methods.push('totp');
  if (types.has('sms') && app.sms !== null) methods.push('sms');
  if (await hasUnusedRecoveryCode(app.db, userId)) methods.push('recovery_code');
  return methods;
}

/**
 * Does the person have a confirmed second factor (authenticator app, passkey
 * or SMS number), whatever is switched on today? This is "2FA is on" for the
 * person: a recovery code alone is not.
 */
export async function hasSecondFactor(db: Db, userId: string): Promise<boolean> {
  const row = await db.selectFrom('credentials').select('id').where('user_id', '=', userId).where('confirmed_at', 'is not', null).executeTakeFirst();
  return row !== undefined;
}

/** Does the person have an authenticator app, a passkey or an approver, which an SMS number can back up? */
export async function hasSecondFactorBesideSms(db: Db, userId: string): Promise<boolean> {
  const row = await db.selectFrom('credentials').select('id').where('user_id', '=', userId).where('type', 'in', ['totp', 'passkey', 'approver']).where('confirmed_at', 'is not', null).executeTakeFirst();
  return row !== undefined;
}
