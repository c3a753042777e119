import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { initial } from './migrations/2026-11-001-initial.js';
import { secondFactor } from './migrations/2026-11-002-second-factor.js';
import { passkeys } from './migrations/2026-11-003-passkeys.js';
import { activation } from './migrations/2026-11-004-activation.js';
import { account } from './migrations/2026-11-005-account.js';
import { companies } from './migrations/2026-11-006-companies.js';
import { approvers } from './migrations/2026-12-007-approvers.js';
import { recovery } from './migrations/2026-12-008-recovery.js';
import { rollout } from './migrations/2026-12-009-rollout.js';

/*
 * Schema migrations, written with Kysely's schema builder only, so the same
 * steps run on SQLite and PostgreSQL. Each lives in migrations/, in a file
 * named as it is listed below. Append new migrations; never edit one that has
 * shipped, nor rename one: Kysely records by name which have run.
 */

export const MIGRATIONS: Record<string, Migration> = {
  '2026-11-001-initial': initial,
  '2026-11-002-second-factor': secondFactor,
  '2026-11-003-passkeys': passkeys,
  '2026-11-004-activation': activation,
  '2026-11-005-account': account,
  '2026-11-006-companies': companies,
  '2026-12-007-approvers': approvers,
  '2026-12-008-recovery': recovery,
  '2026-12-009-rollout': rollout,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/** Brings the schema up to date; returns the names of the migrations it ran. */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
