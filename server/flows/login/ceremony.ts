/* The passkey ceremonies a step offers: fresh options, a live challenge, a refusal. */
import type { AppContext } from '../../context.js';
import type { ErrorBody } from '../../errors.js';
import { CEREMONY_TIMEOUT_MS, PasskeyError, passkeyCreationOptions, passkeyRequestOptions } from '../../factors/passkey.js';
import type { PublicKeyCredentialCreationOptionsJSON } from '../protocol.js';

/** Fresh discoverable-credential options for a step that offers passkey sign-in (none when passkeys are off). */
export async function offerPasskey<S extends object>(app: AppContext, state: S, userId?: string): Promise<S> {
  if (!app.config.passkeys) return state;
  return { ...state, passkeyRequest: await passkeyRequestOptions(app.db, app.config, userId ? { userId } : {}), ceremonyIssuedAt: app.now() };
}

/** Options to register a passkey for the person. */
export async function offerPasskeyCreation(app: AppContext, userId: string): Promise<{ passkeyCreation: PublicKeyCredentialCreationOptionsJSON; ceremonyIssuedAt: number }> {
  const user = await app.db.selectFrom('users').select(['id', 'email', 'name']).where('id', '=', userId).executeTakeFirstOrThrow();
  const passkeyCreation = await passkeyCreationOptions(app.db, app.config, { userId: user.id, email: user.email, name: user.name });
  return { passkeyCreation, ceremonyIssuedAt: app.now() };
}

/** The challenge of the current ceremony, unless it is older than its five minutes (WebAuthn Level 3 §13.4.3). */
export function liveChallenge(state: { ceremonyIssuedAt?: number }, challenge: string | undefined, now: number): string {
  if (!challenge || state.ceremonyIssuedAt === undefined || now > state.ceremonyIssuedAt + CEREMONY_TIMEOUT_MS) {
    throw new PasskeyError('passkey_failed', 'no ceremony offered, or its challenge expired');
  }
  return challenge;
}

/**
 * How a ceremony was refused, for the step to show again with a new
 * ceremony (a challenge never verifies twice, WebAuthn Level 3 §13.4.3).
 * Anything but a refusal propagates.
 */
export function passkeyRefusal(app: AppContext, error: unknown): ErrorBody {
  if (!(error instanceof PasskeyError)) throw error;
  app.log.log('info', 'passkey refused', { event: 'passkey.refused', reason: error.refusal, detail: error.message.slice(0, 200) });
  return { code: error.refusal };
}
