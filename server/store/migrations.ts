import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/*
 * Schema migrations, written with Kysely's schema builder only, so the same
 * steps run on SQLite and PostgreSQL. Append new migrations; never edit one
 * that has shipped.
 */

const initial: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('email', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('password_hash', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('organizations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('slug', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('memberships')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
      .addColumn('role', 'text', (c) => c.notNull().defaultTo('employee'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_used_at', 'bigint')
      .addUniqueConstraint('memberships_user_org', ['user_id', 'organization_id'])
      .execute();

    await db.schema
      .createTable('sso_domains')
      .addColumn('domain', 'text', (c) => c.primaryKey())
      .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('flows')
      .addColumn('id_hash', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('step', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('flows_expires_at').on('flows').column('expires_at').execute();

    await db.schema
      .createTable('sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('membership_id', 'text')
      .addColumn('amr', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint')
      .addColumn('user_agent', 'text')
      .execute();
    await db.schema.createIndex('sessions_user_id').on('sessions').column('user_id').execute();
    await db.schema.createIndex('sessions_expires_at').on('sessions').column('expires_at').execute();

    await db.schema
      .createTable('rate_limits')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('count', 'integer', (c) => c.notNull())
      .addColumn('reset_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('rate_limits_reset_at').on('rate_limits').column('reset_at').execute();

    await db.schema
      .createTable('signing_keys')
      .addColumn('kid', 'text', (c) => c.primaryKey())
      .addColumn('alg', 'text', (c) => c.notNull())
      .addColumn('private_jwk', 'text', (c) => c.notNull())
      .addColumn('public_jwk', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('retired_at', 'bigint')
      .execute();
  },
  async down(db: Kysely<any>) {
    for (const table of ['signing_keys', 'rate_limits', 'sessions', 'flows', 'sso_domains', 'memberships', 'organizations', 'users']) {
      await db.schema.dropTable(table).execute();
    }
  },
};

const secondFactor: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('users').addColumn('mfa_snooze', 'integer', (c) => c.notNull().defaultTo(0)).execute();

    await db.schema
      .createTable('credentials')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('secret', 'text')
      .addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('confirmed_at', 'bigint')
      .addColumn('last_used_at', 'bigint')
      .addColumn('last_step', 'bigint')
      .execute();
    await db.schema.createIndex('credentials_user_id').on('credentials').column('user_id').execute();

    await db.schema
      .createTable('recovery_codes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('code_hash', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .execute();
    await db.schema.createIndex('recovery_codes_user_id').on('recovery_codes').column('user_id').execute();

    await db.schema
      .createTable('remembered_devices')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('user_agent', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_used_at', 'bigint')
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint')
      .execute();
    await db.schema.createIndex('remembered_devices_user_id').on('remembered_devices').column('user_id').execute();

    await db.schema
      .createTable('outbox')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('recipient', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<any>) {
    for (const table of ['outbox', 'remembered_devices', 'recovery_codes', 'credentials']) await db.schema.dropTable(table).execute();
    await db.schema.alterTable('users').dropColumn('mfa_snooze').execute();
  },
};

const passkeys: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('users').addColumn('webauthn_id', 'text').execute();
    await db.schema.createIndex('users_webauthn_id').unique().on('users').column('webauthn_id').execute();
    for (const [column, type] of [
      ['credential_id', 'text'],
      ['public_key', 'text'],
      ['counter', 'bigint'],
      ['transports', 'text'],
      ['backed_up', 'integer'],
      ['device_type', 'text'],
      ['counter_regressed_at', 'bigint'],
    ] as const) {
      await db.schema.alterTable('credentials').addColumn(column, type).execute();
    }
    // WebAuthn Level 3 §7.1 step 27: a credential id is registered once, to one account.
    await db.schema.createIndex('credentials_credential_id').unique().on('credentials').column('credential_id').execute();
    await db.schema
      .createTable('webauthn_challenges')
      .addColumn('challenge', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('webauthn_challenges').execute();
    await db.schema.dropIndex('credentials_credential_id').execute();
    for (const column of ['counter_regressed_at', 'device_type', 'backed_up', 'transports', 'counter', 'public_key', 'credential_id']) {
      await db.schema.alterTable('credentials').dropColumn(column).execute();
    }
    await db.schema.dropIndex('users_webauthn_id').execute();
    await db.schema.alterTable('users').dropColumn('webauthn_id').execute();
  },
};

const activation: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('users').addColumn('email_verified_at', 'bigint').execute();
    await db.schema.alterTable('users').addColumn('locale', 'text').execute();
    // People who already sign in with a password were vouched for by whoever created them.
    await db.updateTable('users').set({ email_verified_at: sql`created_at` }).where('password_hash', 'is not', null).execute();
    await db.schema
      .createTable('link_tokens')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .execute();
    await db.schema.createIndex('link_tokens_user').on('link_tokens').columns(['user_id', 'purpose']).execute();
    await db.schema
      .createTable('mail_queue')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
      .addColumn('recipient', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('message', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'bigint')
      .addColumn('last_error', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('sent_at', 'bigint')
      .execute();
    await db.schema.createIndex('mail_queue_due').on('mail_queue').column('next_attempt_at').execute();
    await db.schema.alterTable('outbox').addColumn('html', 'text').execute();
    await db.schema
      .createTable('audit_events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('event', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text')
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('ip', 'text')
      .addColumn('detail', 'text')
      .execute();
    await db.schema.createIndex('audit_events_user').on('audit_events').columns(['user_id', 'at']).execute();
    await db.schema.createIndex('audit_events_at').on('audit_events').column('at').execute();
  },
  async down(db: Kysely<any>) {
    for (const table of ['audit_events', 'mail_queue', 'link_tokens']) await db.schema.dropTable(table).execute();
    await db.schema.alterTable('outbox').dropColumn('html').execute();
    await db.schema.alterTable('users').dropColumn('locale').execute();
    await db.schema.alterTable('users').dropColumn('email_verified_at').execute();
  },
};

/**
 * The account page: when a session last re-authenticated and last passed a
 * second factor, and the address it signed in from (shown to its owner).
 */
const account: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('sessions').addColumn('reauth_at', 'bigint').execute();
    await db.schema.alterTable('sessions').addColumn('mfa_at', 'bigint').execute();
    await db.schema.alterTable('sessions').addColumn('ip', 'text').execute();
    await db.schema.createIndex('sessions_user').on('sessions').columns(['user_id', 'revoked_at']).execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropIndex('sessions_user').execute();
    for (const column of ['ip', 'mfa_at', 'reauth_at']) await db.schema.alterTable('sessions').dropColumn(column).execute();
  },
};

/**
 * Companies: each may require 2FA from a date (the strictest among a person's
 * companies applies), and may sign its people in through its own OpenID
 * Connect provider. A session records the provider it came through.
 */
const companies: Migration = {
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

export const MIGRATIONS: Record<string, Migration> = {
  '2026-11-001-initial': initial,
  '2026-11-002-second-factor': secondFactor,
  '2026-11-003-passkeys': passkeys,
  '2026-11-004-activation': activation,
  '2026-11-005-account': account,
  '2026-11-006-companies': companies,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/** Brings the schema up to date; returns the names of the migrations it ran. */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** One small write, for health checks: the store answers and takes writes. */
export async function ping(db: Kysely<any>, now = Date.now()): Promise<void> {
  // A write, not only a read: a full disk (SQLITE_FULL) or a read-only store still answers `select 1`.
  await sql`insert into rate_limits (key, count, reset_at) values ('store:health', 0, ${now}) on conflict (key) do update set reset_at = excluded.reset_at`.execute(db);
}
