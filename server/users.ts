import { randomUUID } from 'node:crypto';
import type { Config } from './config.js';
import { ApiError } from './errors.js';
import { checkPasswordPolicy, hashPassword } from './factors/password.js';
import { emailSchema } from './flows/login.js';
import { issueRecoveryCode } from './factors/recovery.js';
import { forgetDevices } from './security/devices.js';
import { revokeUserSessions } from './security/sessions.js';
import type { Db } from './store/index.js';

export interface UserSummary {
  id: string;
  email: string;
  name: string;
  status: string;
  createdAt: number;
}

/** Validates a new password against the configured policy; throws `password_policy` listing the broken rules. */
export function assertPasswordPolicy(config: Pick<Config, 'passwordPolicy'>, password: string, email: string): void {
  const broken = checkPasswordPolicy({ password, policy: config.passwordPolicy, email });
  if (broken.length > 0) throw new ApiError('password_policy', { field: 'password', details: { rules: broken } });
}

/** Creates an active user with a password that meets the policy. */
export async function createUser(
  db: Db,
  config: Pick<Config, 'passwordPolicy'>,
  { email, password, name = '', now }: { email: string; password: string; name?: string; now: number },
): Promise<UserSummary> {
  const parsed = emailSchema.safeParse(email);
  if (!parsed.success) throw new ApiError('invalid_email', { field: 'email' });
  assertPasswordPolicy(config, password, parsed.data);
  const id = randomUUID();
  const passwordHash = await hashPassword(password);
  const result = await db
    .insertInto('users')
    .values({ id, email: parsed.data, name, password_hash: passwordHash, status: 'active', created_at: now, updated_at: now })
    .onConflict((oc) => oc.column('email').doNothing())
    .executeTakeFirst();
  if (Number(result.numInsertedOrUpdatedRows ?? 0) !== 1) throw new ApiError('invalid_email', { field: 'email', details: { reason: 'exists' } });
  return { id, email: parsed.data, name, status: 'active', createdAt: now };
}

export async function listUsers(db: Db): Promise<UserSummary[]> {
  const rows = await db.selectFrom('users').select(['id', 'email', 'name', 'status', 'created_at']).orderBy('created_at').execute();
  return rows.map((r) => ({ id: r.id, email: r.email, name: r.name, status: r.status, createdAt: Number(r.created_at) }));
}

export async function findUserByEmail(db: Db, email: string): Promise<UserSummary | undefined> {
  const parsed = emailSchema.safeParse(email);
  if (!parsed.success) return undefined;
  const r = await db.selectFrom('users').select(['id', 'email', 'name', 'status', 'created_at']).where('email', '=', parsed.data).executeTakeFirst();
  return r && { id: r.id, email: r.email, name: r.name, status: r.status, createdAt: Number(r.created_at) };
}

/** Deletes a user; their sessions and memberships go with them (foreign keys cascade). */
export async function deleteUser(db: Db, email: string): Promise<boolean> {
  const user = await findUserByEmail(db, email);
  if (!user) return false;
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('sessions').where('user_id', '=', user.id).execute();
    await trx.deleteFrom('memberships').where('user_id', '=', user.id).execute();
    await trx.deleteFrom('users').where('id', '=', user.id).execute();
  });
  return true;
}

/** Replaces a user's password and ends every session they have. */
export async function setPassword(
  db: Db,
  config: Pick<Config, 'passwordPolicy'>,
  { email, password, now }: { email: string; password: string; now: number },
): Promise<boolean> {
  const user = await findUserByEmail(db, email);
  if (!user) return false;
  assertPasswordPolicy(config, password, user.email);
  const passwordHash = await hashPassword(password);
  await db.updateTable('users').set({ password_hash: passwordHash, updated_at: now }).where('id', '=', user.id).execute();
  await revokeUserSessions(db, user.id, now);
  await forgetDevices(db, user.id, now);
  return true;
}

/**
 * Support's reset for a person who lost their phone and their recovery code:
 * removes every second factor and remembered device, and returns a one-time
 * backup code. With it the person signs in once and must set up 2FA again.
 */
export async function resetMfa(db: Db, { email, now }: { email: string; now: number }): Promise<string | undefined> {
  const user = await findUserByEmail(db, email);
  if (!user) return undefined;
  return db.transaction().execute(async (trx) => {
    await trx.deleteFrom('credentials').where('user_id', '=', user.id).execute();
    await forgetDevices(trx, user.id, now);
    // A fresh start: failed second-factor attempts no longer count against the person.
    await trx.deleteFrom('rate_limits').where('key', 'in', [`mfa:acct:${user.id}`, `mfa:consecutive:${user.id}`]).execute();
    return issueRecoveryCode(trx, { userId: user.id, kind: 'support', now });
  });
}
