/*
 * A second factor was just added: what follows for the person's other
 * methods, devices and recovery code, and who is told.
 */
import { audit } from '../audit.js';
import type { AppContext } from '../context.js';
import { notifyUser } from '../delivery/mail.js';
import { forgetDevices } from '../security/devices.js';
import { hasRecoveryCode, issueRecoveryCode } from './recovery.js';
import { saveConfirmedPhone } from './sms.js';

/**
 * An authenticator app or a passkey was added. Remembered devices end (a 2FA
 * change); after a recovery code (`replaceOthers`) the new factor replaces
 * the lost ones; a new recovery code replaces any old one unless the person
 * keeps theirs (the account page adds a factor beside others). Returns the
 * new recovery code, to be shown once.
 */
export async function factorAdded(
  app: AppContext,
  { userId, credentialId, factor, replaceOthers, keepRecoveryCode, now }: { userId: string; credentialId: string; factor: 'totp' | 'passkey'; replaceOthers: boolean; keepRecoveryCode: boolean; now: number },
): Promise<string | undefined> {
  if (replaceOthers) await app.db.deleteFrom('credentials').where('user_id', '=', userId).where('id', '!=', credentialId).execute();
  await forgetDevices(app.db, userId, now);
  const keep = keepRecoveryCode && (await hasRecoveryCode(app.db, userId));
  const recoveryCode = keep ? undefined : await issueRecoveryCode(app.db, { userId, kind: 'recovery', now });
  await audit(app, { event: 'factor.added', userId, detail: { factor } });
  await notifyUser(app, userId, { kind: 'factor-added', factor });
  return recoveryCode;
}

/** A phone number was confirmed as a backup second factor. */
export async function phoneAdded(app: AppContext, { userId, phone, now }: { userId: string; phone: string; now: number }): Promise<void> {
  await saveConfirmedPhone(app.db, app.secretKey, { userId, phone, now });
  await audit(app, { event: 'factor.added', userId, detail: { factor: 'sms' } });
  await notifyUser(app, userId, { kind: 'factor-added', factor: 'sms' });
}
