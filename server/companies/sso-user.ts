/* The account a company's provider signed in. */
import { audit } from '../audit.js';
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import { ownsAddress, SsoError, type ProviderIdentity, type SsoConnection } from './oidc.js';
import { markEmailVerified, setUserStatus } from '../store/users.js';

/**
 * The person the provider signed in, linked by verified address only (never
 * by an unverified claim, nor by the provider's own user id): the address the
 * person typed, in one of the company's domains, with `email_verified` true;
 * and only a member of the company (its administrator added them). A
 * provider speaks for its own company's people: owning a domain does not give
 * a company the accounts of people at that domain who work elsewhere. An
 * invited member is activated by it (the provider vouched for the address).
 */
export async function ssoUser(app: AppContext, connection: SsoConnection, email: string, identity: ProviderIdentity): Promise<string> {
  if (!identity.emailVerified) throw new SsoError('sso_email_unverified', 'email_verified is not true');
  if (identity.email !== email || !(await ownsAddress(app, connection.organizationId, identity.email))) {
    throw new SsoError('sso_email_mismatch', 'the provider signed in another address');
  }
  const user = await app.db.selectFrom('users').select(['id', 'status']).where('email', '=', identity.email).executeTakeFirst();
  const member = user && (await app.db.selectFrom('memberships').select('id').where('user_id', '=', user.id).where('organization_id', '=', connection.organizationId).executeTakeFirst());
  if (!user || !member) throw new SsoError('sso_no_account', 'no account for this address at this company');
  if (user.status === 'disabled') throw new ApiError('account_disabled');
  const now = app.now();
  if (user.status === 'invited') {
    await setUserStatus(app.db, user.id, { status: 'active', from: 'invited', now });
    await audit(app, { event: 'user.activated', userId: user.id, detail: { provider: connection.issuer } });
  }
  await markEmailVerified(app.db, user.id, now, { keepFirst: true });
  return user.id;
}
