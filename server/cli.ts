import { StoreOpenError } from './store/sqlite.js';
import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import type { z } from 'zod';
import { ConfigError, loadConfig, type Config } from './config.js';
import { ApiError } from './errors.js';
import { generatePassword } from './factors/password.js';
import { SHUTDOWN_TIMEOUT_MS, startCluster, startServer, startWorker, type RunningServer } from './serve.js';
import { resolveSecretKey } from './security/secrets.js';
import { KeyRing } from './security/tokens.js';
import { openStore } from './store/index.js';
import { migrateToLatest } from './store/migrations.js';
import { listAudit } from './audit.js';
import { createApp } from './app.js';
import { createLogger } from './log.js';
import {
  addMember,
  clientIdSchema,
  clientSecretSchema,
  createOrganization,
  deleteOrganization,
  domainsSchema,
  issuerSchema,
  listMembers,
  listOrganizations,
  mfaDateSchema,
  organizationNameSchema,
  providerNameSchema,
  removeMember,
  removeSsoConnection,
  requireOrganization,
  roleSchema,
  setSsoConnection,
  slugFromName,
  slugSchema,
  updateOrganization,
} from './companies/organizations.js';
import { createUser, deleteUser, disableUser, findUserByEmail, inviteUser, listUsers, setPassword, supportResetMfa } from './users.js';

const USAGE = `Usage: login-flow <command>

  serve [--port N] [--workers N] [--shutdown-timeout S]
                                                     run the API (and the demo, in development); --workers N runs
                                                     N API processes on one port (default 1: a single process);
                                                     on SIGTERM or SIGINT it stops accepting, lets requests in
                                                     flight finish for up to S seconds (default ${SHUTDOWN_TIMEOUT_MS / 1000}), then exits
  migrate                                            bring the database schema up to date
  user create --email E [--password P] [--name N]    create an active user (prints a generated password if none is given)
  user invite --email E [--name N] [--locale nl]     invite a new employee: mails the activation link and prints it;
                                                     for a user still invited, sends a new link (the old one dies)
  user list [--json]                                 list users with their second factors
  user delete --email E                              delete a user and end their sessions
  user disable --email E                             disable a user: every session, device and link ends at once
  user set-password --email E [--password P]         replace a password and end the user's sessions
  user reset-mfa --email E                           remove a user's second factors; prints a one-time backup code
  audit [--email E] [--limit N] [--json]             security events, newest first
  keys rotate                                        start signing JWTs with a new key (the old one stays published)
  org create --name N [--slug S] [--mfa-required-from YYYY-MM-DD]
                                                     create a company (the slug is made from the name if none is given)
  org list [--json]                                  list companies with their people, 2FA policy and single sign-on
  org delete --org S                                 delete a company (by slug or id); sessions in its accounts end
  org policy --org S --mfa-required-from YYYY-MM-DD|none
                                                     require 2FA of the company's people from a date, or not at all
  org sso --org S --issuer URL --client-id ID --domain D [--domain D2 ...] [--provider-name N]
                                                     sign the company's people in through its OpenID Connect provider;
                                                     the client secret is read from SSO_CLIENT_SECRET (optional when
                                                     replacing a connection: the stored one stays)
  org sso-remove --org S                             remove the company's provider and domains
  member add --org S --email E [--role R]            give a user an account at a company (again: changes the role)
  member remove --org S --email E                    take it away; the sessions working in it end at once
  member list --org S [--json]                       the company's people

Settings come from the environment; see README.md.`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      email: { type: 'string' },
      password: { type: 'string' },
      name: { type: 'string' },
      locale: { type: 'string' },
      limit: { type: 'string' },
      port: { type: 'string' },
      workers: { type: 'string' },
      'shutdown-timeout': { type: 'string' },
      org: { type: 'string' },
      slug: { type: 'string' },
      'mfa-required-from': { type: 'string' },
      issuer: { type: 'string' },
      'client-id': { type: 'string' },
      domain: { type: 'string', multiple: true },
      'provider-name': { type: 'string' },
      role: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, sub] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const config = loadConfig(values.port ? { ...process.env, PORT: values.port } : process.env);

  if (command === 'serve') return serve(config, values);

  const db = await openStore(config, { migrate: command !== 'migrate' });
  // The API's own context (mail, audit, keys), with logs only for errors: the CLI prints its own lines.
  const { context: app } = createApp({ config, db, log: createLogger(config.logLevel === 'silent' ? 'silent' : 'error') });
  try {
    const key = `${command} ${sub ?? ''}`.trim();
    const requireEmail = () => {
      if (!values.email) throw new UsageError('--email is required');
      return values.email;
    };
    const requireOrg = () => {
      if (!values.org) throw new UsageError('--org is required (a slug or an id)');
      return values.org;
    };
    switch (key) {
      case 'migrate': {
        const ran = await migrateToLatest(db);
        console.log(ran.length ? `Applied: ${ran.join(', ')}` : 'The schema is up to date.');
        return 0;
      }
      case 'user create': {
        const password = values.password ?? generatePassword();
        const user = await createUser(db, config, { email: requireEmail(), password, name: values.name ?? '', now: Date.now() });
        console.log(`Created ${user.email} (${user.id})${values.password ? '' : `\nPassword: ${password}`}`);
        return 0;
      }
      case 'user invite': {
        const locale = values.locale;
        if (locale !== undefined && locale !== 'en' && locale !== 'nl') throw new UsageError('--locale is en or nl');
        const invitation = await inviteUser(app, { email: requireEmail(), name: values.name ?? '', locale, actor: 'cli' });
        console.log(`${invitation.resent ? 'Invitation sent again' : 'Invited'}: ${invitation.user.email}; the link works until ${new Date(invitation.expiresAt).toISOString()}.`);
        console.log(`Activation link: ${invitation.link}`);
        if (!invitation.delivery.delivered) {
          console.log(`The mail could not be sent yet (${invitation.delivery.error ?? 'unknown error'}); it stays queued and the server retries it.`);
        }
        return 0;
      }
      case 'user list': {
        const users = await listUsers(db);
        if (values.json) console.log(JSON.stringify(users, null, 2));
        else {
          for (const u of users) {
            const factors = Object.entries(u.factors).map(([type, count]) => (count > 1 ? `${type}×${count}` : type)).join(',') || 'no 2FA';
            console.log(`${u.email}\t${u.status}\t${factors}${u.hasRecoveryCode ? '+recovery' : ''}\t${u.name}\t${new Date(u.createdAt).toISOString()}`);
          }
        }
        return 0;
      }
      case 'user disable': {
        const email = requireEmail();
        if (!(await disableUser(app, { email, actor: 'cli' }))) throw new UsageError(`no user with email ${email}`);
        console.log(`Disabled ${email}; every session, remembered device and link has ended.`);
        return 0;
      }
      case 'audit': {
        const limit = values.limit === undefined ? 50 : Number(values.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError('--limit is a whole number from 1 to 10000');
        let userId: string | undefined;
        if (values.email) {
          const user = await findUserByEmail(db, values.email);
          if (!user) throw new UsageError(`no user with email ${values.email}`);
          userId = user.id;
        }
        const events = await listAudit(db, { limit, ...(userId ? { userId } : {}) });
        if (values.json) console.log(JSON.stringify(events, null, 2));
        else for (const e of events) console.log(`${new Date(e.at).toISOString()}\t${e.event}\t${e.actor}\t${e.userId ?? '-'}\t${e.ip ?? '-'}\t${JSON.stringify(e.detail)}`);
        return 0;
      }
      case 'user delete': {
        const email = requireEmail();
        if (!(await deleteUser(db, email))) throw new UsageError(`no user with email ${email}`);
        console.log(`Deleted ${email}`);
        return 0;
      }
      case 'user set-password': {
        const email = requireEmail();
        const password = values.password ?? generatePassword();
        if (!(await setPassword(db, config, { email, password, now: Date.now() }))) throw new UsageError(`no user with email ${email}`);
        console.log(`Password replaced for ${email}; their sessions have ended.${values.password ? '' : `\nPassword: ${password}`}`);
        return 0;
      }
      case 'user reset-mfa': {
        const email = requireEmail();
        const code = await supportResetMfa(app, { email, actor: 'cli' });
        if (!code) throw new UsageError(`no user with email ${email}`);
        console.log(`Second factors removed for ${email}. One-time backup code (give it to the person; it is shown once):\n${code}`);
        return 0;
      }
      case 'keys rotate': {
        const kid = await new KeyRing(db, config, Date.now, resolveSecretKey(config.secretKey, config.dataDir)).rotate();
        console.log(`New signing key ${kid}; the previous key stays in the JWKS for ${config.jwtTtlSeconds} s.`);
        return 0;
      }
      case 'org create': {
        if (!values.name) throw new UsageError('--name is required');
        if (values.slug === undefined && slugFromName(values.name) === undefined) throw new UsageError('--slug is required: the name has no letters or digits to make one from');
        const organization = await createOrganization(app, {
          name: option(organizationNameSchema, values.name, '--name', 'one line of at most 200 characters'),
          slug: values.slug === undefined ? undefined : option(slugSchema, values.slug, '--slug', 'lower-case letters, digits and inner hyphens, at most 63'),
          mfaRequiredFrom: mfaDate(values['mfa-required-from']),
          actor: 'cli',
        });
        console.log(`Created ${organization.name} (slug ${organization.slug}, id ${organization.id})`);
        return 0;
      }
      case 'org list': {
        const organizations = await listOrganizations(db);
        if (values.json) console.log(JSON.stringify(organizations, null, 2));
        else {
          for (const o of organizations) {
            const sso = o.sso ? `sso ${o.sso.issuer} (${o.sso.domains.join(', ')})` : 'no sso';
            console.log(`${o.slug}\t${o.name}\t${o.members} ${o.members === 1 ? 'member' : 'members'}\t2FA ${o.mfaRequiredFrom ? `from ${o.mfaRequiredFrom}` : 'not required'}\t${sso}`);
          }
        }
        return 0;
      }
      case 'org delete': {
        const organization = await requireOrganization(db, requireOrg());
        await deleteOrganization(app, organization.id, 'cli');
        console.log(`Deleted ${organization.name} (${organization.slug}); its ${organization.members} ${organization.members === 1 ? 'account' : 'accounts'} and their sessions have ended.`);
        return 0;
      }
      case 'org policy': {
        const given = values['mfa-required-from'];
        if (given === undefined) throw new UsageError('--mfa-required-from is required (YYYY-MM-DD or none)');
        const organization = await updateOrganization(app, requireOrg(), { mfaRequiredFrom: given === 'none' ? null : mfaDate(given), actor: 'cli' });
        console.log(`${organization.name}: 2FA ${organization.mfaRequiredFrom ? `required from ${organization.mfaRequiredFrom}` : 'not required by the company'}.`);
        return 0;
      }
      case 'org sso': {
        const existing = await requireOrganization(db, requireOrg());
        if (!values.issuer) throw new UsageError('--issuer is required');
        if (!values['client-id']) throw new UsageError('--client-id is required');
        if (!values.domain?.length) throw new UsageError('--domain is required (repeat it for each email domain)');
        // The secret comes from the environment, never from argv, where `ps` and the shell history would show it.
        const secret = process.env.SSO_CLIENT_SECRET;
        if (!secret && !existing.sso) throw new UsageError('set SSO_CLIENT_SECRET to the client secret the provider issued');
        const organization = await setSsoConnection(app, existing.id, {
          // Without a name, the connection keeps its own, or takes the company's.
          name: option(providerNameSchema, values['provider-name'] ?? existing.sso?.name ?? existing.name, '--provider-name', 'one line of at most 200 characters'),
          issuer: option(issuerSchema, values.issuer, '--issuer', 'an https URL without query or fragment (http only on 127.0.0.1, ::1 or localhost)'),
          clientId: option(clientIdSchema, values['client-id'], '--client-id', 'one line of at most 512 characters'),
          clientSecret: secret ? option(clientSecretSchema, secret, 'SSO_CLIENT_SECRET', 'at most 1024 characters, no control characters') : undefined,
          domains: option(domainsSchema, values.domain, '--domain', 'a hostname such as example.com, at most 100 of them'),
          actor: 'cli',
        });
        const sso = organization.sso!;
        console.log(`${organization.name} signs in through ${sso.name} (${sso.issuer}) for ${sso.domains.join(', ')}${secret ? '' : '; the stored client secret stays'}.`);
        return 0;
      }
      case 'org sso-remove': {
        const organization = await requireOrganization(db, requireOrg());
        const removed = await removeSsoConnection(app, organization.id, 'cli');
        console.log(removed ? `${organization.name} no longer signs in through its own provider.` : `${organization.name} had no single sign-on.`);
        return 0;
      }
      case 'member add': {
        const organization = await requireOrganization(db, requireOrg());
        const role = values.role === undefined ? undefined : option(roleSchema, values.role, '--role', 'a lower-case word such as employee or admin');
        const membership = await addMember(app, { organization: organization.id, email: requireEmail(), role, actor: 'cli' });
        console.log(`${values.email} is a member of ${organization.name} (${membership.role}).`);
        return 0;
      }
      case 'member remove': {
        const organization = await requireOrganization(db, requireOrg());
        const removed = await removeMember(app, { organization: organization.id, email: requireEmail(), actor: 'cli' });
        console.log(removed ? `${values.email} is no longer a member of ${organization.name}; their sessions there have ended.` : `${values.email} was not a member of ${organization.name}.`);
        return 0;
      }
      case 'member list': {
        const members = await listMembers(db, requireOrg());
        if (values.json) console.log(JSON.stringify(members, null, 2));
        else for (const m of members) console.log(`${m.email}\t${m.role}\t${m.name}\t${new Date(m.addedAt).toISOString()}`);
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${key}"\n\n${USAGE}`);
    }
  } finally {
    await db.destroy();
  }
}

class UsageError extends Error {}

/** A flag's value through the same schema the admin API uses; a mismatch names the flag and what it takes. */
function option<T>(schema: z.ZodType<T, unknown>, value: unknown, flag: string, expected: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new UsageError(`${flag} is ${expected}`);
  return parsed.data;
}

/** `--mfa-required-from`: a real date, YYYY-MM-DD. */
function mfaDate(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return option(mfaDateSchema, value, '--mfa-required-from', 'a date, YYYY-MM-DD (or none with org policy)') ?? undefined;
}

/** A process manager allows about this many CPUs' worth of workers; more is almost certainly a typo. */
const MAX_WORKERS = 256;

/**
 * `serve`: one process, or with `--workers N` a primary and N workers on one
 * port. The first SIGTERM or SIGINT drains; a second one of the same kind
 * ends the process at once (the default action).
 */
async function serve(config: Config, values: { workers?: string | undefined; 'shutdown-timeout'?: string | undefined }): Promise<number> {
  const workers = values.workers === undefined ? 1 : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) throw new UsageError(`--workers is a whole number from 1 to ${MAX_WORKERS}`);
  const timeout = values['shutdown-timeout'] === undefined ? SHUTDOWN_TIMEOUT_MS / 1000 : Number(values['shutdown-timeout']);
  if (!Number.isFinite(timeout) || timeout < 0 || timeout > 3600) throw new UsageError('--shutdown-timeout is a number of seconds from 0 to 3600');
  const shutdownTimeoutMs = Math.round(timeout * 1000);

  if (cluster.isPrimary && workers > 1) {
    const primary = await startCluster(config, { workers, shutdownTimeoutMs });
    console.log(`login-flow listening on ${primary.url} (${workers} workers)`);
    const stop = () => void primary.close().then((code) => process.exit(code));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    return -1;
  }

  // Signals that arrive while the server starts are honoured once it listens.
  let server: RunningServer | undefined;
  let stopRequested = false;
  const stop = () => {
    stopRequested = true;
    if (server) void server.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  server = cluster.isWorker ? await startWorker(config, { shutdownTimeoutMs }) : await startServer(config, { shutdownTimeoutMs });
  if (!cluster.isWorker) console.log(`login-flow listening on ${server.url}`);
  if (stopRequested) stop();
  return -1;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof UsageError || error instanceof StoreOpenError) console.error(`login-flow: ${error.message}`);
    else if (error instanceof ApiError) {
      const rules = (error.details?.rules as string[] | undefined)?.join(', ');
      console.error(`login-flow: ${error.code}: ${error.message}${rules ? ` (${rules})` : ''}`);
    } else if (error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) console.error(`login-flow: ${error.message}`);
    else console.error(error);
    process.exitCode = 2;
  },
);
