import type { Kysely, Migration } from 'kysely';

/**
 * Recovery requests ("lost access to your phone?"): a person asks, their
 * company's administrators (or the platform's support) decide; an approval
 * mails a single-use link. A company may ask two administrators to approve
 * (each counted once) and an employee number with the request.
 */
export const recovery: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('recovery_requests')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('note', 'text', (c) => c.notNull())
      .addColumn('employee_number', 'text')
      .addColumn('employee_check', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('ip', 'text')
      .addColumn('user_agent', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('approvals', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('decided_at', 'bigint')
      .addColumn('decided_by', 'text')
      .addColumn('reason', 'text')
      .addColumn('link_token_hash', 'text')
      .execute();
    // The queues: open requests oldest first, a person's open request, a link's request.
    await db.schema.createIndex('recovery_requests_status').on('recovery_requests').columns(['status', 'created_at']).execute();
    await db.schema.createIndex('recovery_requests_user').on('recovery_requests').columns(['user_id', 'status']).execute();
    await db.schema.createIndex('recovery_requests_link').on('recovery_requests').column('link_token_hash').execute();
    await db.schema
      .createTable('recovery_request_approvals')
      .addColumn('request_id', 'text', (c) => c.notNull().references('recovery_requests.id').onDelete('cascade'))
      .addColumn('approver', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      // One administrator counts once (the two-person rule).
      .addPrimaryKeyConstraint('recovery_request_approvals_pk', ['request_id', 'approver'])
      .execute();
    await db.schema.alterTable('organizations').addColumn('recovery_approvals', 'integer', (c) => c.notNull().defaultTo(1)).execute();
    await db.schema.alterTable('organizations').addColumn('recovery_employee_number', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable('memberships').addColumn('employee_number', 'text').execute();
    // The administrators of a person's companies.
    await db.schema.createIndex('memberships_organization_role').on('memberships').columns(['organization_id', 'role']).execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropIndex('memberships_organization_role').execute();
    await db.schema.alterTable('memberships').dropColumn('employee_number').execute();
    await db.schema.alterTable('organizations').dropColumn('recovery_employee_number').execute();
    await db.schema.alterTable('organizations').dropColumn('recovery_approvals').execute();
    await db.schema.dropTable('recovery_request_approvals').execute();
    await db.schema.dropIndex('recovery_requests_link').execute();
    await db.schema.dropIndex('recovery_requests_user').execute();
    await db.schema.dropIndex('recovery_requests_status').execute();
    await db.schema.dropTable('recovery_requests').execute();
  },
};
