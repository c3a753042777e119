import type { Kysely, Migration } from 'kysely';

/**
 * Companies: each may require 2FA from a date (the strictest among a person's
 * companies applies), and may sign its people in through its own OpenID
 * Connect provider. A session records the provider it came through.
 */
export const companies: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('organizations').addColumn('mfa_required_from', 'text').execute();
    await db.schema.alterTable('sessions').addColumn('provider', 'text').execute();
    await db.schema.alterTable('sessions').addColumn('sso_organization_id', 'text').execute();
    await db.schema
      .createTable('sso_connections')
      .addColumn('organization_id', 'text', (c) => c.primaryKey().references('organizations.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('issuer', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('client_secret', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('memberships_user').on('memberships').column('user_id').execute();
    await db.schema.createIndex('sso_domains_organization').on('sso_domains').column('organization_id').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropIndex('sso_domains_organization').execute();
    await db.schema.dropIndex('memberships_user').execute();
    await db.schema.dropTable('sso_connections').execute();
    await db.schema.alterTable('sessions').dropColumn('sso_organization_id').execute();
    await db.schema.alterTable('sessions').dropColumn('provider').execute();
    await db.schema.alterTable('organizations').dropColumn('mfa_required_from').execute();
  },
};
