import { sql, type Kysely, type Migration } from 'kysely';

/** Activation by mail: verified addresses, a preferred language, one-use link tokens, the mail queue and the audit log. */
export const activation: Migration = {
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
