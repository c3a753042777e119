import { randomUUID } from 'node:crypto';
import { audit, type AuditActor } from './audit.js';
import type { AppContext } from './context.js';
import { queueMail } from './delivery/mail.js';
import { ApiError } from './errors.js';
import { hashPassword } from './factors/password.js';
import { checkNewPassword, type PasswordPolicyConfig } from './factors/password-policy.js';
import { emailSchema } from './factors/email-address.js';
import { issueRecoveryCode } from './factors/recovery.js';
import { forgetDevices } from './security/devices.js';
import { issueLinkToken, revokeLinkTokens } from './security/link-tokens.js';
import { methodsChanged, passwordChanged } from './security/credential-change.js';
import { revokeUserSessions } from './security/sessions.js';
import type { Db } from './store/index.js';
import { inTransaction } from './store/index.js';
import { deleteUserRow, insertUser, setUserStatus, updateProfile } from './store/users.js';
import { endUserFlows } from './store/flows.js';
import { deleteAllFactors } from './factors/removal.js';
import { clearRateLimits } from './security/rate-limit.js';
import { closeRecoveryRequests } from './recovery/closing.js';

export interface UserSummary {
  id: string;
  email: string;
  name: string;
  status: string;
  createdAt: number;
}

/** Checks a new password for a person (`checkNewPassword`); throws `password_policy` listing the broken rules. */
export async function assertNewPassword(db: Db, config: PasswordPolicyConfig, person: Parameters<typeof checkNewPassword>[2]): Promise<void> {
  const broken = await checkNewPassword(db, config, person);
  if (broken.length > 0) throw new ApiError('password_policy', { field: 'password', details: { rules: broken } });
}

/** Creates an active user with a password that meets the policy. */
export async function createUser(
  db: Db,
  config: PasswordPolicyConfig,
  { email, password, name = '', now }: { email: string; password: string; name?: string; now: number },
): Promise<UserSummary> {
  const parsed = emailSchema.safeParse(email);
  if (!parsed.success) throw new ApiError('invalid_email', { field: 'email' });
  await assertNewPassword(db, config, { password, email: parsed.data, name });
  const id = randomUUID();
  const passwordHash = await hashPassword(password);
  // Whoever creates an account with a password vouches for its address.
  const inserted = await insertUser(db, { id, email: parsed.data, name, password_hash: passwordHash, status: 'active', email_verified_at: now, created_at: now, updated_at: now });
  if (!inserted) throw new ApiError('invalid_email', { field: 'email', details: { reason: 'exists' } });
  return { id, email: parsed.data, name, status: 'active', createdAt: now };
}

/** A user as support sees them: which second factors they have, and any invitation still open. */
export interface UserDetails extends UserSummary {
  emailVerified: boolean;
  /** Confirmed second factors by type, e.g. `{ totp: 1, passkey: 2 }`. */
  factors: Partial<Record<'totp' | 'passkey' | 'sms', number>>;
  hasRecoveryCode: boolean;
  /** When the open invitation link expires (invited users). */
  invitationExpiresAt: number | null;
}

export async function listUsers(db: Db): Promise<UserDetails[]> {
  const rows = await db.selectFrom('users').select(['id', 'email', 'name', 'status', 'created_at', 'email_verified_at']).orderBy('created_at').execute();
  const factors = await db
    .selectFrom('credentials')
    .select(['user_id', 'type', db.fn.countAll<number>().as('count')])
    .where('confirmed_at', 'is not', null)
    .groupBy(['user_id', 'type'])
    .execute();
  const recovery = new Set((await db.selectFrom('recovery_codes').select('user_id').where('used_at', 'is', null).execute()).map((r) => r.user_id));
  const invitations = new Map(
    (await db.selectFrom('link_tokens').select(['user_id', 'expires_at']).where('purpose', '=', 'invitation').where('used_at', 'is', null).execute())
      .map((r) => [r.user_id, Number(r.expires_at)]),
  );
  return rows.map((r) => ({
    id: r.id,
    email: r.email,
    name: r.name,
    status: r.status,
    createdAt: Number(r.created_at),
    emailVerified: r.email_verified_at !== null,
    factors: Object.fromEntries(factors.filter((f) => f.user_id === r.id).map((f) => [f.type, Number(f.count)])),
    hasRecoveryCode: recovery.has(r.id),
    invitationExpiresAt: invitations.get(r.id) ?? null,
  }));
}

export interface Invitation {
  user: UserSummary;
  /** The activation link; only the SHA-256 of its token is stored. */
  link: string;
  expiresAt: number;
  /** Whether the mail went out now; when not, it stays queued and is retried. */
  delivery: { delivered: boolean; error?: string };
  /** True when an earlier invitation was replaced (its link no longer works). */
  resent: boolean;
}

/**
 * Invites a new employee (seed 002, step 1): creates the user (status
 * `invited`, no password) and mails a single-use activation link. For a user
 * still invited, sends a new link, and the old one dies.
 */
export async function inviteUser(
  app: AppContext,
  { email, name = '', locale, actor }: { email: string; name?: string; locale?: 'en' | 'nl' | undefined; actor: AuditActor },
): Promise<Invitation> {
  const parsed = emailSchema.safeParse(email);
  if (!parsed.success) throw new ApiError('invalid_email', { field: 'email' });
  const now = app.now();
  let user = await findUserByEmail(app.db, parsed.data);
  const resent = user !== undefined;
  if (user && user.status === 'active') throw new ApiError('user_active', { field: 'email' });
  if (user && user.status !== 'invited') throw new ApiError('user_exists', { field: 'email' });
  if (!user) {
    const id = randomUUID();
    const inserted = await insertUser(app.db, { id, email: parsed.data, name, password_hash: null, status: 'invited', email_verified_at: null, locale: locale ?? null, created_at: now, updated_at: now });
    if (!inserted) throw new ApiError('user_exists', { field: 'email' });
    user = { id, email: parsed.data, name, status: 'invited', createdAt: now };
  } else if (locale || name) {
    await updateProfile(app.db, user.id, { name, locale }, now);
  }
  // A resend without a language writes in the one the person was first invited in.
  const stored = await app.db.selectFrom('users').select('locale').where('id', '=', user.id).executeTakeFirstOrThrow();
  const { token, expiresAt } = await issueLinkToken(app.db, { userId: user.id, purpose: 'invitation', ttlMs: app.config.invitationDays * 86_400_000, now });
  // The fragment never reaches a server log or a Referer header; the widget reads it and clears it.
  const link = `${app.config.activationUrl}#token=${token}`;
  await audit(app, { event: 'user.invited', userId: user.id, actor, detail: { resent } });
  const { delivered, error } = await queueMail(app, { to: user.email, userId: user.id, locale: stored.locale, message: { kind: 'invitation', link, expiresAt } });
  return { user, link, expiresAt, delivery: { delivered, ...(error ? { error } : {}) }, resent };
}

/** Disables a user: every session, remembered device, open flow and emailed link ends at once. */
export async function disableUser(app: AppContext, { email, actor }: { email: string; actor: AuditActor }): Promise<UserSummary | undefined> {
  const user = await findUserByEmail(app.db, email);
  if (!user) return undefined;
  const now = app.now();
  await inTransaction(app.db, async (trx) => {
    await setUserStatus(trx, user.id, { status: 'disabled', now });
    await revokeUserSessions(trx, user.id, now);
    await forgetDevices(trx, user.id, now);
    await revokeLinkTokens(trx, { userId: user.id, now });
    await endUserFlows(trx, user.id);
    await closeRecoveryRequests({ ...app, db: trx }, user.id, { reason: 'disabled', now });
    await audit(app, { event: 'user.disabled', userId: user.id, actor }, trx);
  });
  return { ...user, status: 'disabled' };
}

/** Support's 2FA reset ({@link resetMfa}), the person's open recovery requests closed, then what follows any change of second factors (`methodsChanged`): recorded, told to the person, parked sign-ins ended. */
export async function supportResetMfa(app: AppContext, { email, actor }: { email: string; actor: AuditActor }): Promise<string | undefined> {
  const user = await findUserByEmail(app.db, email);
  if (!user) return undefined;
  const now = app.now();
  const code = await resetMfa(app.db, { email: user.email, now });
  // Support handed out the way back in: an open request, or its link, has no more to do.
  await closeRecoveryRequests(app, user.id, { reason: 'mfa-reset', now });
  await methodsChanged(app, { userId: user.id, change: { kind: 'reset' }, actor, now });
  return code;
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
  await inTransaction(db, async (trx) => {
    // Sessions, memberships and the rest of the person's rows go with it (foreign keys cascade).
    await deleteUserRow(trx, user.id);
  });
  return true;
}

/** Replaces a user's password (support, the CLI): every session, parked sign-in and remembered device ends. */
export async function setPassword(
  app: Pick<AppContext, 'db' | 'log' | 'now'>,
  config: PasswordPolicyConfig,
  { email, password, now }: { email: string; password: string; now: number },
): Promise<boolean> {
  const user = await findUserByEmail(app.db, email);
  if (!user) return false;
  await assertNewPassword(app.db, config, { password, email: user.email, userId: user.id });
  await passwordChanged(app, { userId: user.id, passwordHash: await hashPassword(password), endSessions: true, now });
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
  return inTransaction(db, async (trx) => {
    await deleteAllFactors(trx, user.id);
    await forgetDevices(trx, user.id, now);
    // A fresh start: failed second-factor attempts no longer count against the person.
    await clearRateLimits(trx, [`mfa:acct:${user.id}`, `mfa:consecutive:${user.id}`]);
    return issueRecoveryCode(trx, { userId: user.id, kind: 'support', now });
  });
}
