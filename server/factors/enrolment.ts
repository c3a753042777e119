/*
 * A second factor was just added: what follows for the person's other
 * methods and recovery code. Devices, audit and notice follow the one rule
 * for a change of methods (`methodsChanged`).
 */
import type { AppContext } from '../context.js';
import type { Db } from '../store/index.js';
import { methodsChanged, type FactorType } from '../security/credential-change.js';
import { hasRecoveryCode, issueRecoveryCode } from './recovery.js';
import { saveConfirmedPhone } from './sms.js';

/**
 * An authenticator app, a passkey or (as the first method) a phone number was added. After a recovery code
 * (`replaceOthers`) the new factor replaces the lost ones; a new recovery
 * code replaces the old one unless the person keeps theirs (the account page
 * adds a factor beside others). Returns the new recovery code, to be shown once.
 */
export async function factorAdded(
  app: AppContext,
  { userId, credentialId, factor, replaceOthers, keepRecoveryCode, flowIdHash, now }: { userId: string; credentialId: string; factor: FactorType; replaceOthers: boolean; keepRecoveryCode: boolean; flowIdHash?: string | undefined; now: number },
): Promise<string | undefined> {
  if (replaceOthers) await app.db.deleteFrom('credentials').where('user_id', '=', userId).where('id', '!=', credentialId).execute();
  const keep = keepRecoveryCode && (await hasRecoveryCode(app.db, userId));
  const recoveryCode = keep ? undefined : await issueRecoveryCode(app.db, { userId, kind: 'recovery', now });
  // Replacing the lost factors ends every session, every other flow and every request out to the phones.
  await methodsChanged(app, { userId, change: replaceOthers ? { kind: 'recovered', factor, keepFlow: flowIdHash } : { kind: 'added', factor }, now });
  return recoveryCode;
}

/** A phone number was confirmed as a backup second factor. */
export async function phoneAdded(app: AppContext, { userId, phone, now }: { userId: string; phone: string; now: number }): Promise<void> {
  await saveConfirmedPhone(app.db, app.secretKey, { userId, phone, now });
  await methodsChanged(app, { userId, change: { kind: 'added', factor: 'sms' }, now });
}

/**
 * Takes back a factor just confirmed whose set-up may not count (its
 * recovery link was spent meanwhile, in another tab): the person keeps the
 * factors they had.
 */
export async function discardNewFactor(db: Db, { userId, credentialId }: { userId: string; credentialId: string }): Promise<void> {
  await db.deleteFrom('credentials').where('id', '=', credentialId).where('user_id', '=', userId).execute();
}
