import type { Kysely, Migration } from 'kysely';

/**
 * Push approval: a phone's approver is a credential (`type` 'approver'); a
 * sign-in asks it through an approval request, answered once; the server's
 * VAPID key pair (RFC 8292) signs its pushes.
 */
export const approvers: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('approval_requests')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('number', 'text', (c) => c.notNull())
      .addColumn('choices', 'text', (c) => c.notNull())
      .addColumn('ip', 'text')
      .addColumn('user_agent', 'text')
      .addColumn('company', 'text')
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('approver_id', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('decided_at', 'bigint')
      .execute();
    await db.schema.createIndex('approval_requests_user_status').on('approval_requests').columns(['user_id', 'status']).execute();
    // A phone being set up: the hash of the set-up link it enrolled with, which the set-up step looks it up by.
    await db.schema.alterTable('credentials').addColumn('enrolment', 'text').execute();
    await db.schema.createIndex('credentials_enrolment').on('credentials').column('enrolment').execute();
    await db.schema
      .createTable('push_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('public_key', 'text', (c) => c.notNull())
      .addColumn('private_key', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('push_keys').execute();
    await db.schema.dropIndex('credentials_enrolment').execute();
    await db.schema.alterTable('credentials').dropColumn('enrolment').execute();
    await db.schema.dropIndex('approval_requests_user_status').execute();
    await db.schema.dropTable('approval_requests').execute();
  },
};
