import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.js';
import { ApiError } from './errors.js';
import { generatePassword } from './factors/password.js';
import { startServer } from './serve.js';
import { resolveSecretKey } from './security/secrets.js';
import { KeyRing } from './security/tokens.js';
import { openStore } from './store/index.js';
import { migrateToLatest } from './store/migrations.js';
import { createUser, deleteUser, listUsers, resetMfa, setPassword } from './users.js';

const USAGE = `Usage: login-flow <command>

  serve [--port N]                                   run the API (and the demo, in development)
  migrate                                            bring the database schema up to date
  user create --email E [--password P] [--name N]    create an active user (prints a generated password if none is given)
  user list [--json]                                 list users
  user delete --email E                              delete a user and end their sessions
  user set-password --email E [--password P]         replace a password and end the user's sessions
  user reset-mfa --email E                           remove a user's second factors; prints a one-time backup code
  keys rotate                                        start signing JWTs with a new key (the old one stays published)

Settings come from the environment; see README.md.`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      email: { type: 'string' },
      password: { type: 'string' },
      name: { type: 'string' },
      port: { type: 'string' },
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

  if (command === 'serve') {
    const server = await startServer(config);
    console.log(`login-flow listening on ${server.url}`);
    const stop = () => void server.close().then(() => process.exit(0));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    return -1;
  }

  const db = await openStore(config, { migrate: command !== 'migrate' });
  try {
    const key = `${command} ${sub ?? ''}`.trim();
    const requireEmail = () => {
      if (!values.email) throw new UsageError('--email is required');
      return values.email;
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
      case 'user list': {
        const users = await listUsers(db);
        if (values.json) console.log(JSON.stringify(users, null, 2));
        else for (const u of users) console.log(`${u.email}\t${u.status}\t${u.name}\t${new Date(u.createdAt).toISOString()}`);
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
        const code = await resetMfa(db, { email, now: Date.now() });
        if (!code) throw new UsageError(`no user with email ${email}`);
        console.log(`Second factors removed for ${email}. One-time backup code (give it to the person; it is shown once):\n${code}`);
        return 0;
      }
      case 'keys rotate': {
        const kid = await new KeyRing(db, config, Date.now, resolveSecretKey(config.secretKey, config.dataDir)).rotate();
        console.log(`New signing key ${kid}; the previous key stays in the JWKS for ${config.jwtTtlSeconds} s.`);
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

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof UsageError) console.error(`login-flow: ${error.message}`);
    else if (error instanceof ApiError) {
      const rules = (error.details?.rules as string[] | undefined)?.join(', ');
      console.error(`login-flow: ${error.code}: ${error.message}${rules ? ` (${rules})` : ''}`);
    } else if (error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) console.error(`login-flow: ${error.message}`);
    else console.error(error);
    process.exitCode = 2;
  },
);
