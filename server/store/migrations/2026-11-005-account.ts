import type { Kysely, Migration } from 'kysely';

/**
 * The account page: when a session last re-authenticated and last passed a
 * second factor, and the address it signed in from (shown to its owner).
 */
export const account: Migration = {
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
