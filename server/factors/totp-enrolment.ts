/*
 * The authenticator apps of a person: a pending credential while set-up
 * runs, its confirmation, and the check of a code at sign-in.
 */
import type { AppContext } from '../context.js';
import { seal, unseal } from '../security/secrets.js';
import type { Db } from '../store/index.js';
import { claimTotpStep, createTotpSecret, matchTotp } from './totp.js';
import { prepare } from '../store/prepared.js';
import { sql } from 'kysely';

/** Starts set-up: a pending credential whose secret is sealed in the store. Any earlier pending one goes. */
export async function beginTotpEnrolment(app: AppContext, userId: string, now: number): Promise<{ credentialId: string; secret: string }> {
  const secret = createTotpSecret();
  const credentialId = crypto.randomUUID();
  await dropPendingCredentials(app.db, userId);
  await app.db
    .insertInto('credentials')
    .values({ id: credentialId, user_id: userId, type: 'totp', secret: seal(app.secretKey, secret, `totp:${credentialId}`), name: 'Authenticator app', created_at: now, confirmed_at: null, last_used_at: null, last_step: null })
    .execute();
  return { credentialId, secret };
}

/**
 * Confirms a pending authenticator with the time step its first code matched;
 * recording the step means the code that confirmed set-up cannot sign in again.
 */
export async function confirmTotpEnrolment(db: Db, { credentialId, userId, step, now }: { credentialId: string; userId: string; step: number; now: number }): Promise<boolean> {
  const updated = await db
    .updateTable('credentials')
    .set({ confirmed_at: now, last_step: step, last_used_at: now })
    .where('id', '=', credentialId)
    .where('user_id', '=', userId)
    .where('confirmed_at', 'is', null)
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

/** Set-up abandoned, or replaced by a passkey: the pending credential goes. */
export async function cancelTotpEnrolment(db: Db, credentialId: string): Promise<void> {
  await db.deleteFrom('credentials').where('id', '=', credentialId).where('confirmed_at', 'is', null).execute();
}

async function dropPendingCredentials(db: Db, userId: string): Promise<void> {
  await db.deleteFrom('credentials').where('user_id', '=', userId).where('confirmed_at', 'is', null).execute();
}

const authenticatorsOf = prepare<{ userId: string }, { id: string; secret: string | null }>((db, p) =>
  db.selectFrom('credentials').select(['id', 'secret']).where('user_id', '=', p.userId).where('type', '=', sql.lit('totp')).where('confirmed_at', 'is not', null),
);

/** Checks a code against every confirmed authenticator of the person; a time step is accepted once (RFC 6238 §5.2). */
export async function verifyUserTotp(app: AppContext, userId: string, code: string, now: number): Promise<boolean> {
  const { rows: credentials } = await authenticatorsOf(app.db, { userId });
  for (const credential of credentials) {
    if (credential.secret === null) continue;
    const secret = unseal(app.secretKey, credential.secret, `totp:${credential.id}`);
    const step = matchTotp({ secret, code, now });
    if (step !== null) return claimTotpStep(app.db, { credentialId: credential.id, step, now });
  }
  return false;
}

/**
 * Authenticators brought over by an import: confirmed at once (the person
 * set them up in the old system), each secret sealed like one set up here.
 * No time step is recorded yet, so the first code is checked as usual.
 */
export async function importTotpCredentials(db: Db, secretKey: Buffer, rows: { userId: string; secret: string }[], now: number): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('credentials')
    .values(
      rows.map(({ userId, secret }) => {
        const id = crypto.randomUUID();
        return { id, user_id: userId, type: 'totp' as const, secret: seal(secretKey, secret, `totp:${id}`), name: 'Authenticator app', created_at: now, confirmed_at: now, last_used_at: null, last_step: null };
      }),
    )
    .execute();
}
