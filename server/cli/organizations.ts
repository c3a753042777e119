import {
  clientIdSchema,
  clientSecretSchema,
  createOrganization,
  deleteOrganization,
  domainsSchema,
  issuerSchema,
  listOrganizations,
  mfaDateSchema,
  organizationNameSchema,
  providerNameSchema,
  removeSsoConnection,
  requireOrganization,
  setSsoConnection,
  slugFromName,
  slugSchema,
  updateOrganization,
} from '../companies/organizations.js';
import { option, requireOrg, storeCommand, UsageError, type Command } from './command.js';

/** `--mfa-required-from`: a real date, YYYY-MM-DD. */
function mfaDate(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return option(mfaDateSchema, value, '--mfa-required-from', 'a date, YYYY-MM-DD (or none with org policy)') ?? undefined;
}

/** `org create`: the slug is made from the name when none is given. */
const create = storeCommand({
  name: 'org create',
  flags: '--name N [--slug S] [--mfa-required-from YYYY-MM-DD]',
  help: ['create a company (the slug is made from the name if none is given)'],
  parse(flags) {
    if (!flags.name) throw new UsageError('--name is required');
    if (flags.slug === undefined && slugFromName(flags.name) === undefined) throw new UsageError('--slug is required: the name has no letters or digits to make one from');
    return {
      name: option(organizationNameSchema, flags.name, '--name', 'one line of at most 200 characters'),
      slug: flags.slug === undefined ? undefined : option(slugSchema, flags.slug, '--slug', 'lower-case letters, digits and inner hyphens, at most 63'),
      mfaRequiredFrom: mfaDate(flags['mfa-required-from']),
    };
  },
  async run({ app }, args) {
    const organization = await createOrganization(app, { ...args, actor: 'cli' });
    console.log(`Created ${organization.name} (slug ${organization.slug}, id ${organization.id})`);
  },
});

/** `org list`: one line per company. */
const list = storeCommand({
  name: 'org list',
  flags: '[--json]',
  help: ['list companies with their people, 2FA policy and single sign-on'],
  parse: (flags) => ({ json: flags.json }),
  async run({ db }, { json }) {
    const organizations = await listOrganizations(db);
    if (json) return console.log(JSON.stringify(organizations, null, 2));
    for (const o of organizations) {
      const sso = o.sso ? `sso ${o.sso.issuer} (${o.sso.domains.join(', ')})` : 'no sso';
      console.log(`${o.slug}\t${o.name}\t${o.members} ${o.members === 1 ? 'member' : 'members'}\t2FA ${o.mfaRequiredFrom ? `from ${o.mfaRequiredFrom}` : 'not required'}\t${sso}`);
    }
  },
});

/** `org delete`: the company's accounts go, and the sessions working in them end. */
const remove = storeCommand({
  name: 'org delete',
  flags: '--org S',
  help: ['delete a company (by slug or id); sessions in its accounts end'],
  parse: (flags) => ({ org: requireOrg(flags) }),
  async run({ db, app }, { org }) {
    const organization = await requireOrganization(db, org);
    await deleteOrganization(app, organization.id, 'cli');
    console.log(`Deleted ${organization.name} (${organization.slug}); its ${organization.members} ${organization.members === 1 ? 'account' : 'accounts'} and their sessions have ended.`);
  },
});

/** `org policy`: the date from which the company's people need a second factor, or none. */
const policy = storeCommand({
  name: 'org policy',
  flags: '--org S --mfa-required-from YYYY-MM-DD|none',
  help: ["require 2FA of the company's people from a date, or not at all"],
  parse(flags) {
    const given = flags['mfa-required-from'];
    if (given === undefined) throw new UsageError('--mfa-required-from is required (YYYY-MM-DD or none)');
    return { org: requireOrg(flags), mfaRequiredFrom: given === 'none' ? null : mfaDate(given) };
  },
  async run({ app }, { org, mfaRequiredFrom }) {
    const organization = await updateOrganization(app, org, { mfaRequiredFrom, actor: 'cli' });
    console.log(`${organization.name}: 2FA ${organization.mfaRequiredFrom ? `required from ${organization.mfaRequiredFrom}` : 'not required by the company'}.`);
  },
});

/** `org sso`: the company's OpenID Connect provider and the email domains it signs in. */
const sso = storeCommand({
  name: 'org sso',
  flags: '--org S --issuer URL --client-id ID --domain D [--domain D2 ...] [--provider-name N]',
  help: [
    "sign the company's people in through its OpenID Connect provider;",
    'the client secret is read from SSO_CLIENT_SECRET (optional when',
    'replacing a connection: the stored one stays)',
  ],
  parse(flags) {
    const org = requireOrg(flags);
    if (!flags.issuer) throw new UsageError('--issuer is required');
    if (!flags['client-id']) throw new UsageError('--client-id is required');
    if (!flags.domain?.length) throw new UsageError('--domain is required (repeat it for each email domain)');
    // The secret comes from the environment, never from argv, where `ps` and the shell history would show it.
    const secret = process.env.SSO_CLIENT_SECRET;
    return {
      org,
      providerName: flags['provider-name'],
      issuer: option(issuerSchema, flags.issuer, '--issuer', 'an https URL without query or fragment (http only on 127.0.0.1, ::1 or localhost)'),
      clientId: option(clientIdSchema, flags['client-id'], '--client-id', 'one line of at most 512 characters'),
      clientSecret: secret ? option(clientSecretSchema, secret, 'SSO_CLIENT_SECRET', 'at most 1024 characters, no control characters') : undefined,
      domains: option(domainsSchema, flags.domain, '--domain', 'a hostname such as example.com, at most 100 of them'),
    };
  },
  async run({ db, app }, { org, providerName, clientSecret, ...connection }) {
    const existing = await requireOrganization(db, org);
    if (!clientSecret && !existing.sso) throw new UsageError('set SSO_CLIENT_SECRET to the client secret the provider issued');
    const organization = await setSsoConnection(app, existing.id, {
      // Without a name, the connection keeps its own, or takes the company's.
      name: option(providerNameSchema, providerName ?? existing.sso?.name ?? existing.name, '--provider-name', 'one line of at most 200 characters'),
      ...connection,
      clientSecret,
      actor: 'cli',
    });
    const sso = organization.sso!;
    console.log(`${organization.name} signs in through ${sso.name} (${sso.issuer}) for ${sso.domains.join(', ')}${clientSecret ? '' : '; the stored client secret stays'}.`);
  },
});

/** `org sso-remove`: the company's people sign in here again. */
const ssoRemove = storeCommand({
  name: 'org sso-remove',
  flags: '--org S',
  help: ["remove the company's provider and domains"],
  parse: (flags) => ({ org: requireOrg(flags) }),
  async run({ db, app }, { org }) {
    const organization = await requireOrganization(db, org);
    const removed = await removeSsoConnection(app, organization.id, 'cli');
    console.log(removed ? `${organization.name} no longer signs in through its own provider.` : `${organization.name} had no single sign-on.`);
  },
});

/** The commands about companies, in the help's order. */
export const organizationCommands: readonly Command[] = [create, list, remove, policy, sso, ssoRemove];
