/* The second factors a person can present. */
import type { AppContext } from '../context.js';
import type { Db } from '../store/index.js';
import { hasUnusedRecoveryCode } from './recovery.js';

/** Second factors a person can use at the sign-in's `second-factor` step. */
export type SecondFactorMethod = 'totp' | 'passkey' | 'sms' | 'recovery_code';

/** The second factors a user can present: a passkey, an authenticator app, an SMS number, an unused recovery or support code. */
export async function secondFactorMethods(app: AppContext, userId: string): Promise<SecondFactorMethod[]> {
  const rows = await app.db.selectFrom('credentials').select('type').where('user_id', '=', userId).where('confirmed_at', 'is not', null).execute();
  const types = new Set(rows.map((r) => r.type));
  // A passkey first: after set-up, signing in takes one tap or a fingerprint.
  const methods: SecondFactorMethod[] = [];
  if (app.config.passkeys && types.has('passkey')) methods.push('passkey');
  if (types.has('totp')) methods.push('totp');
  if (types.has('sms') && app.sms !== null) methods.push('sms');
  if (await hasUnusedRecoveryCode(app.db, userId)) methods.push('recovery_code');
  return methods;
}

/** Does the person have an authenticator app or a passkey, which an SMS number can back up? */
export async function hasSecondFactorBesideSms(db: Db, userId: string): Promise<boolean> {
  const row = await db.selectFrom('credentials').select('id').where('user_id', '=', userId).where('type', 'in', ['totp', 'passkey']).where('confirmed_at', 'is not', null).executeTakeFirst();
  return row !== undefined;
}
