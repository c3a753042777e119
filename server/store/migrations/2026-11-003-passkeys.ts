import type { Kysely, Migration } from 'kysely';

/** Passkeys: a WebAuthn user handle per person, the credential columns, and the challenges of running ceremonies. */
export const passkeys: Migration = {
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
