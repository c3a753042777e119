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
  rolloutOrderFault,
  rolloutStats,
  setSsoConnection,
  slugFromName,
  slugSchema,
  updateOrganization,
  withChange,
  type Organization,
  type Rollout,
  type RolloutChange,
  type RolloutStage,
  type RolloutStats,
} from '../companies/organizations.js';
import { option, requireOrg, storeCommand, UsageError, type Command, type Flags } from './command.js';

/** The flag of each stage of a company's 2FA rollout, in the order the stages come. */
const STAGE_FLAGS = { mfaPromptFrom: 'mfa-prompt-from', mfaAskCodeFrom: 'mfa-ask-code-from', mfaRequiredFrom: 'mfa-required-from' } as const satisfies Record<keyof Rollout, keyof Flags>;

/** The flags of the rollout as written in the help. */
const STAGE_USAGE = '[--mfa-prompt-from D|none] [--mfa-ask-code-from D|none] [--mfa-required-from D|none]';

/** A stage's date: a real date, YYYY-MM-DD, or `none` (which drops the stage) where `none` is allowed. */
function mfaDate(value: string | undefined, flag: string, { none }: { none: boolean }): string | null | undefined {
  if (value === undefined) return undefined;
  if (none && value === 'none') return null;
  return option(mfaDateSchema, value, `--${flag}`, `a date, YYYY-MM-DD${none ? ', or none' : ''}`) ?? undefined;
}

/** The stages the flags give. */
function rolloutFlags(flags: Flags, options: { none: boolean }): RolloutChange {
  return Object.fromEntries(Object.entries(STAGE_FLAGS).map(([key, flag]) => [key, mfaDate(flags[flag], flag, options)]));
}

/**
 * The rollout once changed, refused with a usage error when its stages are
 * out of order (the registry checks it again as it writes).
 */
function checkedOrder(stored: Rollout, change: RolloutChange): void {
  const merged = withChange(stored, change);
  const fault = rolloutOrderFault(merged);
  if (fault === undefined) return;
  const stage = fault === 'mfaPromptFrom' ? 'the prompt' : 'asking for the code';
  throw new UsageError(`--${STAGE_FLAGS[fault]} ${merged[fault]} is after --mfa-required-from ${merged.mfaRequiredFrom}: ${stage} must start no later than 2FA is required`);
}

/** A company's rollout in one line: `prompt from D, code from D, 2FA from D` (a stage left out has no date). */
export function stagesLine(o: Rollout): string {
  const stages = [o.mfaPromptFrom && `prompt from ${o.mfaPromptFrom}`, o.mfaAskCodeFrom && `code from ${o.mfaAskCodeFrom}`];
  return [...stages.filter(Boolean), o.mfaRequiredFrom ? `2FA from ${o.mfaRequiredFrom}` : '2FA not required'].join(', ');
}

/** `org create`: the slug is made from the name when none is given. */
const create = storeCommand({
  name: 'org create',
  flags: '--name N [--slug S] [--mfa-prompt-from D] [--mfa-ask-code-from D] [--mfa-required-from D]',
  help: ['create a company (the slug is made from the name if none is given)'],
  parse(flags) {
    if (!flags.name) throw new UsageError('--name is required');
    if (flags.slug === undefined && slugFromName(flags.name) === undefined) throw new UsageError('--slug is required: the name has no letters or digits to make one from');
    return {
      name: option(organizationNameSchema, flags.name, '--name', 'one line of at most 200 characters'),
      slug: flags.slug === undefined ? undefined : option(slugSchema, flags.slug, '--slug', 'lower-case letters, digits and inner hyphens, at most 63'),
      ...rolloutFlags(flags, { none: false }),
    };
  },
  async run({ app }, args) {
    checkedOrder({ mfaPromptFrom: null, mfaAskCodeFrom: null, mfaRequiredFrom: null }, args);
    const organization = await createOrganization(app, { ...args, actor: 'cli' });
    console.log(`Created ${organization.name} (slug ${organization.slug}, id ${organization.id})`);
  },
});

/** `org list`: one line per company. */
const list = storeCommand({
  name: 'org list',
  flags: '[--json]',
  help: ['list companies with their people, 2FA rollout and single sign-on'],
  parse: (flags) => ({ json: flags.json }),
  async run({ db }, { json }) {
    const organizations = await listOrganizations(db);
    if (json) return console.log(JSON.stringify(organizations, null, 2));
    for (const o of organizations) {
      const sso = o.sso ? `sso ${o.sso.issuer} (${o.sso.domains.join(', ')})` : 'no sso';
      console.log(`${o.slug}\t${o.name}\t${o.members} ${o.members === 1 ? 'member' : 'members'}\t${stagesLine(o)}\t${sso}`);
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

/**
 * `org policy`: the stages of the company's 2FA rollout (seeds 001 and 004):
 * from when its people without 2FA are prompted, from when those with it are
 * asked for their code, from when it is required. A stage left out stays as it is.
 */
const policy = storeCommand({
  name: 'org policy',
  flags: `--org S ${STAGE_USAGE}`,
  help: [
    "roll 2FA out in the company: prompt its people from a date, ask",
    'those who have it for their code from another, require it from a',
    'third (D is YYYY-MM-DD; none drops the stage)',
  ],
  parse(flags) {
    const org = requireOrg(flags);
    const change = rolloutFlags(flags, { none: true });
    if (Object.values(change).every((date) => date === undefined)) throw new UsageError(`give at least one stage: ${STAGE_USAGE}`);
    return { org, change };
  },
  async run({ db, app }, { org, change }) {
    checkedOrder(await requireOrganization(db, org), change);
    const organization = await updateOrganization(app, org, { ...change, actor: 'cli' });
    console.log(`${organization.name}: ${policyLine(organization)}.`);
  },
});

/** What a company's people meet, in a sentence. */
function policyLine(o: Organization): string {
  const required = o.mfaRequiredFrom ? `2FA required from ${o.mfaRequiredFrom}` : '2FA not required by the company';
  const prompt = o.mfaPromptFrom ? `prompted to set 2FA up from ${o.mfaPromptFrom}` : o.mfaRequiredFrom ? 'prompted to set 2FA up until then' : 'not prompted';
  const code = o.mfaAskCodeFrom ? `asked for their code from ${o.mfaAskCodeFrom}` : 'asked for their code';
  return `${required}; people without 2FA ${prompt}; people with 2FA ${code}`;
}

/** `org stats`: how far the company's 2FA rollout has come. */
const stats = storeCommand({
  name: 'org stats',
  flags: '--org S [--json]',
  help: ["the company's people by second factor, and its rollout's stages"],
  parse: (flags) => ({ org: requireOrg(flags), json: flags.json }),
  async run({ db, app }, { org, json }) {
    const figures = await rolloutStats(db, org, app.now());
    console.log(json ? JSON.stringify(figures, null, 2) : statsText(figures));
  },
});

/** `org stats` as people read it: one figure a line, the shares of those 2FA applies to. */
function statsText(s: RolloutStats): string {
  const applies = s.members - s.sso;
  const share = (n: number) => (applies === 0 ? '' : `  (${Math.round((100 * n) / applies)}%)`);
  const row = (depth: number, label: string, value: string | number, note = '') => `${' '.repeat(depth * 2)}${label.padEnd(20 - depth * 2)}${value}${note}`;
  const stage = (label: string, { from, reached }: RolloutStage, none: string) => row(1, label, from ?? none, from === null ? '' : reached ? '  (reached)' : '  (not yet)');
  return [
    `${s.organization.name} (${s.organization.slug})`,
    row(0, 'members', s.members),
    row(1, 'sso', s.sso, "  (exempt: their company's provider holds their factors)"),
    row(1, 'with 2FA', s.withMfa, share(s.withMfa)),
    ...Object.entries(s.byMethod).map(([method, n]) => row(2, method, n)),
    row(1, 'without 2FA', s.withoutMfa, share(s.withoutMfa)),
    row(2, 'deferred', s.deferred, '  ("remind me later")'),
    row(2, 'recovery code only', s.recoveryCodeOnly),
    'stages',
    stage('prompt', s.stages.prompt, s.stages.prompt.reached ? 'now, until 2FA is required' : 'none'),
    stage('code', s.stages.askCode, 'always asked'),
    stage('required', s.stages.required, 'not required'),
  ].join('\n');
}

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
export const organizationCommands: readonly Command[] = [create, list, remove, policy, stats, sso, ssoRemove];
