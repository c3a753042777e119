import { randomBytes } from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Config } from '../config.js';
import type { Db } from '../store/index.js';
import { drawBytes } from '../security/random.js';
import { setWebauthnHandle } from '../store/users.js';
import type { Passkey } from '../shapes.js';
export type { Passkey };

/** WebAuthn Level 3 §13.4.3: challenges of at least 16 random bytes; 32 leaves a margin. */
export const CHALLENGE_BYTES = 32;
/** The life of a ceremony's challenge (and the browser's timeout): five minutes. */
export const CEREMONY_TIMEOUT_MS = 5 * 60_000;

type PasskeyConfig = Pick<Config, 'rpId' | 'appName' | 'webauthnOrigins' | 'passkeyUserVerification'>;

/** Why a passkey was refused; each maps to a catalogue code. */
export type PasskeyRefusal = 'passkey_failed' | 'passkey_unknown' | 'passkey_user_verification' | 'passkey_already_registered';

export class PasskeyError extends Error {
  constructor(readonly refusal: PasskeyRefusal, detail: string) {
    super(detail);
  }
}

function challenge(): string {
  return drawBytes(CHALLENGE_BYTES).toString('base64url');
}

/** The user's WebAuthn user handle: 32 random bytes, assigned at the first passkey (§14.6.1: not the email). */
async function userHandle(db: Db, userId: string): Promise<string> {
  const row = await db.selectFrom('users').select('webauthn_id').where('id', '=', userId).executeTakeFirstOrThrow();
  if (row.webauthn_id) return row.webauthn_id;
  const handle = randomBytes(32).toString('base64url');
  await setWebauthnHandle(db, userId, handle);
  const again = await db.selectFrom('users').select('webauthn_id').where('id', '=', userId).executeTakeFirstOrThrow();
  return again.webauthn_id!;
}

async function userPasskeys(db: Db, userId: string): Promise<{ id: string; transports: AuthenticatorTransport[] }[]> {
  const rows = await db
    .selectFrom('credentials')
    .select(['credential_id', 'transports'])
    .where('user_id', '=', userId)
    .where('type', '=', 'passkey')
    .execute();
  return rows.map((r) => ({ id: r.credential_id!, transports: JSON.parse(r.transports ?? '[]') as AuthenticatorTransport[] }));
}

/**
 * Options for a sign-in ceremony. Without a user: discoverable credentials
 * only (passkey autofill, passwordless), listing nothing about any account.
 * With a user: that user's passkeys (second factor).
 */
export async function passkeyRequestOptions(db: Db, config: PasskeyConfig, { userId }: { userId?: string } = {}): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({
    rpID: config.rpId,
    challenge: challenge(),
    timeout: CEREMONY_TIMEOUT_MS,
    userVerification: config.passkeyUserVerification,
    allowCredentials: userId ? await userPasskeys(db, userId) : [],
  });
}

/** Options for registering a passkey: a discoverable credential, user verification as configured, the user's existing passkeys excluded. */
export async function passkeyCreationOptions(
  db: Db,
  config: PasskeyConfig,
  { userId, email, name }: { userId: string; email: string; name: string },
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpName: config.appName,
    rpID: config.rpId,
    userName: email,
    userDisplayName: name || email,
    userID: Buffer.from(await userHandle(db, userId), 'base64url'),
    challenge: challenge(),
    timeout: CEREMONY_TIMEOUT_MS,
    // No attestation: we trust the person's choice of authenticator, and
    // asking would add a privacy prompt (WebAuthn Level 3 §5.4.7).
    attestationType: 'none',
    excludeCredentials: await userPasskeys(db, userId),
    authenticatorSelection: { residentKey: 'required', userVerification: config.passkeyUserVerification },
  });
}

export interface VerifiedAssertion {
  userId: string;
  credentialId: string;
  /** The authenticator verified the person (face, fingerprint, PIN): the passkey counts as two factors. */
  userVerified: boolean;
}

/**
 * Verifies a sign-in ceremony (WebAuthn Level 3 §7.2). `expectedChallenge`
 * is the challenge the flow issued; the caller replaces it whatever the
 * outcome, so it is single use. With `userId`, the credential must be theirs.
 */
export async function verifyPasskeyAssertion(
  db: Db,
  config: PasskeyConfig,
  { response, expectedChallenge, userId, now }: { response: AuthenticationResponseJSON; expectedChallenge: string; userId?: string; now: number },
): Promise<VerifiedAssertion> {
  const row = await db
    .selectFrom('credentials')
    .innerJoin('users', 'users.id', 'credentials.user_id')
    .select(['credentials.id as id', 'credentials.user_id as user_id', 'credentials.public_key', 'credentials.counter', 'credentials.transports', 'users.webauthn_id', 'users.status'])
    .where('credentials.type', '=', 'passkey')
    .where('credentials.credential_id', '=', response.id)
    .executeTakeFirst();
  // §7.2 step 6: the credential must be one registered here, and the account's.
  if (!row || (userId !== undefined && row.user_id !== userId)) throw new PasskeyError('passkey_unknown', 'credential not registered for this account');
  // §7.2 step 6: a discoverable credential's user handle must be the account's.
  const handle = response.response.userHandle;
  if (handle !== undefined && handle !== row.webauthn_id) throw new PasskeyError('passkey_unknown', 'user handle does not match the credential owner');
  if (row.status !== 'active') throw new PasskeyError('passkey_unknown', 'account not active');

  const requireUserVerification = config.passkeyUserVerification === 'required';
  let verification;
  try {
    verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge,
      expectedOrigin: config.webauthnOrigins,
      expectedRPID: config.rpId,
      credential: {
        id: response.id,
        publicKey: Buffer.from(row.public_key!, 'base64url'),
        counter: Number(row.counter ?? 0),
        transports: JSON.parse(row.transports ?? '[]') as AuthenticatorTransport[],
      },
      requireUserVerification,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // §6.1.1: a signature counter that does not grow hints at a cloned authenticator; flag it.
    if (/counter/i.test(message)) {
      await db.updateTable('credentials').set({ counter_regressed_at: now }).where('id', '=', row.id).execute();
    }
    if (/user verification/i.test(message)) throw new PasskeyError('passkey_user_verification', message);
    throw new PasskeyError('passkey_failed', message);
  }
  if (!verification.verified) throw new PasskeyError('passkey_failed', 'not verified');
  const info = verification.authenticationInfo;
  await db
    .updateTable('credentials')
    .set({ counter: info.newCounter, backed_up: info.credentialBackedUp ? 1 : 0, device_type: info.credentialDeviceType, last_used_at: now })
    .where('id', '=', row.id)
    .execute();
  return { userId: row.user_id, credentialId: row.id, userVerified: info.userVerified };
}

/**
 * Verifies a registration ceremony (WebAuthn Level 3 §7.1) and stores the
 * passkey. `expectedChallenge` may be a function that consumes the challenge
 * atomically. A credential id already registered (to anyone) is refused.
 */
export async function registerPasskey(
  db: Db,
  config: PasskeyConfig,
  { response, expectedChallenge, userId, name, now }: { response: RegistrationResponseJSON; expectedChallenge: string | ((challenge: string) => Promise<boolean>); userId: string; name: string; now: number },
): Promise<Passkey> {
  let verification;
  try {
    verification = await verifyRegistrationResponse({
      response,
      expectedChallenge,
      expectedOrigin: config.webauthnOrigins,
      expectedRPID: config.rpId,
      requireUserVerification: config.passkeyUserVerification === 'required',
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/user verification/i.test(message)) throw new PasskeyError('passkey_user_verification', message);
    throw new PasskeyError('passkey_failed', message);
  }
  if (!verification.verified || !verification.registrationInfo) throw new PasskeyError('passkey_failed', 'not verified');
  const { credential, credentialDeviceType, credentialBackedUp } = verification.registrationInfo;
  const id = crypto.randomUUID();
  const label = name.trim().slice(0, 64) || 'Passkey';
  const inserted = await db
    .insertInto('credentials')
    .values({
      id,
      user_id: userId,
      type: 'passkey',
      secret: null,
      name: label,
      created_at: now,
      confirmed_at: now,
      last_used_at: null,
      last_step: null,
      credential_id: credential.id,
      public_key: Buffer.from(credential.publicKey).toString('base64url'),
      counter: credential.counter,
      transports: JSON.stringify(credential.transports ?? response.response.transports ?? []),
      backed_up: credentialBackedUp ? 1 : 0,
      device_type: credentialDeviceType,
      counter_regressed_at: null,
    })
    .onConflict((oc) => oc.column('credential_id').doNothing())
    .executeTakeFirst();
  // §7.1 step 27: refuse a credential id that is already registered.
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) !== 1) throw new PasskeyError('passkey_already_registered', 'credential id exists');
  return { id, name: label, createdAt: now, lastUsedAt: null, synced: credentialBackedUp, deviceType: credentialDeviceType };
}

export async function listPasskeys(db: Db, userId: string): Promise<Passkey[]> {
  const rows = await db
    .selectFrom('credentials')
    .select(['id', 'name', 'created_at', 'last_used_at', 'backed_up', 'device_type'])
    .where('user_id', '=', userId)
    .where('type', '=', 'passkey')
    .orderBy('created_at')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    createdAt: Number(r.created_at),
    lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
    synced: r.backed_up === 1,
    deviceType: r.device_type,
  }));
}

/** A registration challenge for a signed-in person, stored so it can be consumed exactly once. */
export async function storeRegistrationChallenge(db: Db, { userId, challenge, now }: { userId: string; challenge: string; now: number }): Promise<void> {
  await db.deleteFrom('webauthn_challenges').where('expires_at', '<=', now).execute();
  await db.insertInto('webauthn_challenges').values({ challenge, user_id: userId, expires_at: now + CEREMONY_TIMEOUT_MS }).execute();
}

/** Consumes a stored challenge: one conditional delete, so a challenge verifies at most one ceremony. */
export function challengeConsumer(db: Db, { userId, now }: { userId: string; now: number }): (challenge: string) => Promise<boolean> {
  return async (challenge) => {
    const result = await db
      .deleteFrom('webauthn_challenges')
      .where('challenge', '=', challenge)
      .where('user_id', '=', userId)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  };
}

/** Renames one of the person's passkeys; false when it is not theirs or not a passkey. */
export async function renamePasskey(db: Db, { userId, id, name }: { userId: string; id: string; name: string }): Promise<boolean> {
  const result = await db.updateTable('credentials').set({ name }).where('id', '=', id).where('user_id', '=', userId).where('type', '=', 'passkey').executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Does the person have a passkey (to sign in with, or as a second factor)? */
export async function hasPasskey(db: Db, userId: string): Promise<boolean> {
  const row = await db.selectFrom('credentials').select('id').where('user_id', '=', userId).where('type', '=', 'passkey').where('confirmed_at', 'is not', null).executeTakeFirst();
  return row !== undefined;
}
