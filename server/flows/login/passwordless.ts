/* Sign-in with a discoverable passkey, offered at the `email` and `password` steps. */
import { connectionForEmail } from '../../companies/oidc.js';
import { PasskeyError, verifyPasskeyAssertion } from '../../factors/passkey.js';
import type { AuthenticationResponseJSON } from '../protocol.js';
import { liveChallenge } from './ceremony.js';
import { finish } from './finish.js';
import { afterPassword } from './next.js';
import { ssoStep } from './sso.js';
import type { Anonymous, Context, Move } from './state.js';

/**
 * Passwordless sign-in with a discoverable passkey. With user verification it
 * counts as both factors; without, as the first only, and the rest of the
 * sign-in follows as after a password. `email`, when the person typed one,
 * must be the passkey owner's. A refused ceremony throws `PasskeyError`: the
 * step shows itself again with a new one.
 */
export async function signInWithPasskey(context: Context<Anonymous>, response: AuthenticationResponseJSON, email?: string): Promise<Move> {
  const { app, state, now } = context;
  const expectedChallenge = liveChallenge(state, state.passkeyRequest?.challenge, now);
  const assertion = await verifyPasskeyAssertion(app.db, app.config, { response, expectedChallenge, now });
  const user = await app.db.selectFrom('users').select(['id', 'email', 'email_verified_at']).where('id', '=', assertion.userId).executeTakeFirstOrThrow();
  if (email !== undefined && user.email !== email) throw new PasskeyError('passkey_unknown', 'passkey of another account');
  const { passkeyRequest: _spent, ...rest } = state;
  // A company with its own provider signs its people in there, passkey or not.
  const connection = await connectionForEmail(app, user.email);
  if (connection) return ssoStep(context, { ...rest, email: user.email }, connection, 'sso_required');
  const next = { ...context, state: { ...rest, email: user.email, userId: user.id } };
  if (assertion.userVerified) return { ...(await finish(next, ['hwk', 'mfa'])), userId: user.id };
  return { ...(await afterPassword(next, { deviceToken: undefined, emailVerified: user.email_verified_at !== null, firstFactor: 'hwk' })), userId: user.id };
}
