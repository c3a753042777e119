import { addMember, listMembers, removeMember, requireOrganization, roleSchema } from '../companies/organizations.js';
import { option, requireEmail, requireOrg, storeCommand, type Command } from './command.js';

/** `member add`: a user's account at a company; again, it changes the role. */
const add = storeCommand({
  name: 'member add',
  flags: '--org S --email E [--role R]',
  help: ['give a user an account at a company (again: changes the role)'],
  parse: (flags) => ({
    org: requireOrg(flags),
    role: flags.role === undefined ? undefined : option(roleSchema, flags.role, '--role', 'a lower-case word such as employee or admin'),
    email: requireEmail(flags),
  }),
  async run({ db, app }, { org, role, email }) {
    const organization = await requireOrganization(db, org);
    const membership = await addMember(app, { organization: organization.id, email, role, actor: 'cli' });
    console.log(`${email} is a member of ${organization.name} (${membership.role}).`);
  },
});

/** `member remove`: the account goes, and the sessions working in it end at once. */
const remove = storeCommand({
  name: 'member remove',
  flags: '--org S --email E',
  help: ['take it away; the sessions working in it end at once'],
  parse: (flags) => ({ org: requireOrg(flags), email: requireEmail(flags) }),
  async run({ db, app }, { org, email }) {
    const organization = await requireOrganization(db, org);
    const removed = await removeMember(app, { organization: organization.id, email, actor: 'cli' });
    console.log(removed ? `${email} is no longer a member of ${organization.name}; their sessions there have ended.` : `${email} was not a member of ${organization.name}.`);
  },
});

/** `member list`: one line per person with an account at the company. */
const list = storeCommand({
  name: 'member list',
  flags: '--org S [--json]',
  help: ["the company's people"],
  parse: (flags) => ({ org: requireOrg(flags), json: flags.json }),
  async run({ db }, { org, json }) {
    const members = await listMembers(db, org);
    if (json) return console.log(JSON.stringify(members, null, 2));
    for (const m of members) console.log(`${m.email}\t${m.role}\t${m.name}\t${new Date(m.addedAt).toISOString()}`);
  },
});

/** The commands about people's accounts at companies, in the help's order. */
export const memberCommands: readonly Command[] = [add, remove, list];
