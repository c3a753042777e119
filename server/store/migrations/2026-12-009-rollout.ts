import type { Kysely, Migration } from 'kysely';

/**
 * A company's 2FA rollout in stages (seeds 001 and 004): from one date its
 * people without 2FA are prompted to set it up, from another those who have
 * it are asked for their code, and from `mfa_required_from` 2FA is mandatory.
 * A company's members by company, for its rollout's figures (`org stats`):
 * the unique pair on memberships leads with the person.
 */
export const rollout: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('organizations').addColumn('mfa_prompt_from', 'text').execute();
    await db.schema.alterTable('organizations').addColumn('mfa_ask_code_from', 'text').execute();
    await db.schema.createIndex('memberships_organization').on('memberships').column('organization_id').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropIndex('memberships_organization').execute();
    await db.schema.alterTable('organizations').dropColumn('mfa_ask_code_from').execute();
    await db.schema.alterTable('organizations').dropColumn('mfa_prompt_from').execute();
  },
};
