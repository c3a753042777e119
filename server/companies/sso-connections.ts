import { audit, type AuditActor } from '../audit.js';
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import { seal } from '../security/secrets.js';
import { inTransaction } from '../store/index.js';
import { requireOrganization, requireOrganizationRow, type Organization } from './registry.js';
import { revokeProviderSessions } from '../security/sessions.js';

/*
 * A company's single sign-on settings: its OpenID Connect provider and the
 * email domains whose people sign in there. The sign-in itself is in oidc.ts.
 */

/**
 * Sets up (or replaces) a company's OpenID Connect provider and the email
 * domains that sign in there. The client secret is sealed with the server's
 * key; without one, the stored secret stays (`invalid_request` on the field
 * `clientSecret` when there is none yet). A domain another company owns is
 * `sso_domain_taken`, and then nothing changes.
 */
export async function setSsoConnection(
  app: AppContext,
  organization: string,
  { name, issuer, clientId, clientSecret, domains, actor }: { name: string; issuer: string; clientId: string; clientSecret?: string | undefined; domains: string[]; actor: AuditActor },
): Promise<Organization> {
  const org = await requireOrganizationRow(app.db, organization);
  const wanted = [...new Set(domains.map((d) => d.toLowerCase()))].sort();
  const now = app.now();
  await inTransaction(app.db, async (trx) => {
    const existing = await trx.selectFrom('sso_connections').select(['client_secret', 'issuer']).where('organization_id', '=', org.id).executeTakeFirst();
    if (clientSecret === undefined && !existing) throw new ApiError('invalid_request', { field: 'clientSecret' });
    // The organization id is bound to the sealed value: copied into another company's row, it does not open.
    const sealed = clientSecret === undefined ? existing!.client_secret : seal(app.secretKey, clientSecret, `sso-client:${org.id}`);
    await trx
      .insertInto('sso_connections')
      .values({ organization_id: org.id, name, issuer, client_id: clientId, client_secret: sealed, created_at: now, updated_at: now })
      .onConflict((oc) => oc.column('organization_id').doUpdateSet({ name, issuer, client_id: clientId, client_secret: sealed, updated_at: now }))
      .execute();
    // Every address at a domain goes to the company's provider from now on, and the provider
    // signs in only the company's members: anyone else at the domain would be locked out.
    const outsiders = await trx
      .selectFrom('users')
      .select('email')
      .where((eb) => eb.or(wanted.map((domain) => eb('email', 'like', `%@${domain}`))))
      .where((eb) => eb.not(eb.exists(eb.selectFrom('memberships').select('id').whereRef('memberships.user_id', '=', 'users.id').where('memberships.organization_id', '=', org.id))))
      .limit(1000)
      .execute();
    if (outsiders.length > 0) {
      const at = [...new Set(outsiders.map((u) => u.email.slice(u.email.lastIndexOf('@') + 1)))].sort();
      throw new ApiError('sso_domain_in_use', { field: 'domains', details: { domains: at, people: outsiders.length } });
    }
    await trx.deleteFrom('sso_domains').where('organization_id', '=', org.id).execute();
    // The domain is the key: whatever another company holds, even one it took a moment ago, is not inserted.
    const inserted = await trx
      .insertInto('sso_domains')
      .values(wanted.map((domain) => ({ domain, organization_id: org.id, created_at: now })))
      .onConflict((oc) => oc.column('domain').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) !== wanted.length) {
      const taken = await trx.selectFrom('sso_domains').select('domain').where('domain', 'in', wanted).where('organization_id', '!=', org.id).orderBy('domain').execute();
      throw new ApiError('sso_domain_taken', { field: 'domains', details: { domains: taken.map((t) => t.domain) } });
    }
    // Another provider now: sessions the previous one vouched for end.
    if (existing && existing.issuer !== issuer) {
      await revokeProviderSessions(trx, org.id, now);
    }
    await audit(app, {
      event: 'sso.configured',
      actor,
      detail: { organizationId: org.id, slug: org.slug, issuer, clientId, domains: wanted.join(','), secretReplaced: clientSecret !== undefined },
    }, trx);
  });
  return requireOrganization(app.db, org.id);
}

/** Removes a company's provider and its domains: its people sign in here again. Returns false when it had none. */
export async function removeSsoConnection(app: AppContext, organization: string, actor: AuditActor): Promise<boolean> {
  const org = await requireOrganizationRow(app.db, organization);
  return inTransaction(app.db, async (trx) => {
    const deleted = await trx.deleteFrom('sso_connections').where('organization_id', '=', org.id).executeTakeFirst();
    const domains = await trx.deleteFrom('sso_domains').where('organization_id', '=', org.id).executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0 && Number(domains.numDeletedRows) === 0) return false;
    // Sessions the provider vouched for end with it: its people sign in here again, with this platform's factors.
    const ended = await revokeProviderSessions(trx, org.id, app.now());
    await audit(app, { event: 'sso.removed', actor, detail: { organizationId: org.id, slug: org.slug, sessionsEnded: ended } }, trx);
    return true;
  });
}

/** A provider and one domain for a company, unless it has them already (demo seeding, safe to repeat). */
export async function seedSsoConnection(
  app: AppContext,
  { organizationId, name, issuer, clientId, clientSecret, domain, now }: { organizationId: string; name: string; issuer: string; clientId: string; clientSecret: string; domain: string; now: number },
): Promise<void> {
  await app.db
    .insertInto('sso_connections')
    .values({ organization_id: organizationId, name, issuer, client_id: clientId, client_secret: seal(app.secretKey, clientSecret, `sso-client:${organizationId}`), created_at: now, updated_at: now })
    .onConflict((oc) => oc.column('organization_id').doNothing())
    .execute();
  await app.db.insertInto('sso_domains').values({ domain, organization_id: organizationId, created_at: now }).onConflict((oc) => oc.column('domain').doNothing()).execute();
}
