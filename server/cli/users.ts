import type { Locale } from '../delivery/templates.js';
import { generatePassword } from '../factors/password.js';
import { createUser, deleteUser, disableUser, inviteUser, listUsers, setPassword, supportResetMfa } from '../users.js';
import { requireEmail, storeCommand, UsageError, type Command } from './command.js';

/** `user create`: an active user, with a generated password (printed) when none is given. */
const create = storeCommand({
  name: 'user create',
  flags: '--email E [--password P] [--name N]',
  help: ['create an active user (prints a generated password if none is given)'],
  parse: (flags) => ({ email: requireEmail(flags), password: flags.password, name: flags.name ?? '' }),
  async run({ db, config }, { email, password: given, name }) {
    const password = given ?? generatePassword();
    const user = await createUser(db, config, { email, password, name, now: Date.now() });
    console.log(`Created ${user.email} (${user.id})${given ? '' : `\nPassword: ${password}`}`);
  },
});

/** `user invite`: mails the activation link and prints it; for a user still invited, a new link replaces the old. */
const invite = storeCommand({
  name: 'user invite',
  flags: '--email E [--name N] [--locale nl]',
  help: ['invite a new employee: mails the activation link and prints it;', 'for a user still invited, sends a new link (the old one dies)'],
  parse(flags): { email: string; name: string; locale: Locale | undefined } {
    const { locale } = flags;
    if (locale !== undefined && locale !== 'en' && locale !== 'nl') throw new UsageError('--locale is en or nl');
    return { email: requireEmail(flags), name: flags.name ?? '', locale };
  },
  async run({ app }, { email, name, locale }) {
    const invitation = await inviteUser(app, { email, name, locale, actor: 'cli' });
    console.log(`${invitation.resent ? 'Invitation sent again' : 'Invited'}: ${invitation.user.email}; the link works until ${new Date(invitation.expiresAt).toISOString()}.`);
    console.log(`Activation link: ${invitation.link}`);
    if (!invitation.delivery.delivered) {
      console.log(`The mail could not be sent yet (${invitation.delivery.error ?? 'unknown error'}); it stays queued and the server retries it.`);
    }
  },
});

/** `user list`: one line per user, with their confirmed second factors. */
const list = storeCommand({
  name: 'user list',
  flags: '[--json]',
  help: ['list users with their second factors'],
  parse: (flags) => ({ json: flags.json }),
  async run({ db }, { json }) {
    const users = await listUsers(db);
    if (json) return console.log(JSON.stringify(users, null, 2));
    for (const u of users) {
      const factors = Object.entries(u.factors).map(([type, count]) => (count > 1 ? `${type}×${count}` : type)).join(',') || 'no 2FA';
      console.log(`${u.email}\t${u.status}\t${factors}${u.hasRecoveryCode ? '+recovery' : ''}\t${u.name}\t${new Date(u.createdAt).toISOString()}`);
    }
  },
});

/** `user delete`. */
const remove = storeCommand({
  name: 'user delete',
  flags: '--email E',
  help: ['delete a user and end their sessions'],
  parse: (flags) => ({ email: requireEmail(flags) }),
  async run({ db }, { email }) {
    if (!(await deleteUser(db, email))) throw new UsageError(`no user with email ${email}`);
    console.log(`Deleted ${email}`);
  },
});

/** `user disable`: the account stays, but nothing of it signs in any more. */
const disable = storeCommand({
  name: 'user disable',
  flags: '--email E',
  help: ['disable a user: every session, device and link ends at once'],
  parse: (flags) => ({ email: requireEmail(flags) }),
  async run({ app }, { email }) {
    if (!(await disableUser(app, { email, actor: 'cli' }))) throw new UsageError(`no user with email ${email}`);
    console.log(`Disabled ${email}; every session, remembered device and link has ended.`);
  },
});

/** `user set-password`: through the one "password changed" rule, so the user's sessions end. */
const setUserPassword = storeCommand({
  name: 'user set-password',
  flags: '--email E [--password P]',
  help: ["replace a password and end the user's sessions"],
  parse: (flags) => ({ email: requireEmail(flags), password: flags.password }),
  async run({ app, config }, { email, password: given }) {
    const password = given ?? generatePassword();
    if (!(await setPassword(app, config, { email, password, now: Date.now() }))) throw new UsageError(`no user with email ${email}`);
    console.log(`Password replaced for ${email}; their sessions have ended.${given ? '' : `\nPassword: ${password}`}`);
  },
});

/** `user reset-mfa`: support's way back in for someone who lost every second factor. */
const resetMfa = storeCommand({
  name: 'user reset-mfa',
  flags: '--email E',
  help: ["remove a user's second factors; prints a one-time backup code"],
  parse: (flags) => ({ email: requireEmail(flags) }),
  async run({ app }, { email }) {
    const code = await supportResetMfa(app, { email, actor: 'cli' });
    if (!code) throw new UsageError(`no user with email ${email}`);
    console.log(`Second factors removed for ${email}. One-time backup code (give it to the person; it is shown once):\n${code}`);
  },
});

/** The commands about people, in the help's order. */
export const userCommands: readonly Command[] = [create, invite, list, remove, disable, setUserPassword, resetMfa];
