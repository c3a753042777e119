import type { parseArgs } from 'node:util';
import type { z } from 'zod';
import { createApp } from '../app.js';
import type { Config } from '../config.js';
import type { AppContext } from '../context.js';
import { createLogger } from '../log.js';
import { openStore, type Db } from '../store/index.js';

/**
 * Every flag the CLI knows. Any command accepts any of them (a flag it does not
 * use is ignored); one it does not know stops the CLI.
 */
export const FLAGS = {
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
  'mfa-prompt-from': { type: 'string' },
  'mfa-ask-code-from': { type: 'string' },
  issuer: { type: 'string' },
  'client-id': { type: 'string' },
  domain: { type: 'string', multiple: true },
  'provider-name': { type: 'string' },
  role: { type: 'string' },
  id: { type: 'string' },
  by: { type: 'string' },
  reason: { type: 'string' },
  status: { type: 'string' },
  approvals: { type: 'string' },
  'employee-number': { type: 'string' },
  number: { type: 'string' },
  json: { type: 'boolean', default: false },
  format: { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** The flags as parsed from argv. */
export type Flags = ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof FLAGS }>>['values'];

/** A wrong invocation: the CLI prints the message and exits 2. */
export class UsageError extends Error {}

/**
 * One command of the CLI: how it is called, what the help says of it, and
 * what it does. `prepare` checks the flags before anything runs (a typo
 * touches no store) and returns the run, which resolves to the exit code, or
 * to `undefined` when the process keeps running (a server).
 */
export interface Command {
  /** The words that name it, `user create`. */
  name: string;
  /** Its flags as the help shows them, `--email E [--password P]`; empty when it takes none. */
  flags: string;
  /** The help's description, one string per line. */
  help: readonly string[];
  prepare(flags: Flags, operands?: readonly string[]): (config: Config) => Promise<number | undefined>;
}

/** What a command that works on the store runs with. */
export interface StoreContext {
  config: Config;
  db: Db;
  /** The API's own context (mail, audit, keys), logging errors only: the CLI prints its own lines. */
  app: AppContext;
}

interface StoreCommandSpec<Args> extends Omit<Command, 'prepare'> {
  /** Reads the command's arguments from the flags (and the words after its name, `import users FILE`); throws `UsageError` for a missing or malformed one. */
  parse(flags: Flags, operands: readonly string[]): Args;
  /** Resolves to the exit code when it is not 0 (`import users`: 1 when some rows failed). */
  run(context: StoreContext, args: Args): Promise<void | number>;
  /** Bring the schema up to date before running (default); `migrate` itself reports what it applies. */
  migrate?: boolean;
}

/** A command that opens the store, runs, and closes it again; it exits 0 unless it throws or says otherwise. */
export function storeCommand<Args>({ parse, run, migrate = true, ...about }: StoreCommandSpec<Args>): Command {
  return {
    ...about,
    prepare(flags, operands = []) {
      const args = parse(flags, operands);
      return async (config) => {
        const db = await openStore(config, { migrate });
        const { context: app } = createApp({ config, db, log: createLogger(config.logLevel === 'silent' ? 'silent' : 'error') });
        try {
          return (await run({ config, db, app }, args)) ?? 0;
        } finally {
          await db.destroy();
        }
      };
    },
  };
}

/** `--email`, which most commands about one person need. */
export function requireEmail(flags: Flags): string {
  if (!flags.email) throw new UsageError('--email is required');
  return flags.email;
}

/** `--org`, a company's slug or id. */
export function requireOrg(flags: Flags): string {
  if (!flags.org) throw new UsageError('--org is required (a slug or an id)');
  return flags.org;
}

/** A flag's value through the same schema the admin API uses; a mismatch names the flag and what it takes. */
export function option<T>(schema: z.ZodType<T, unknown>, value: unknown, flag: string, expected: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new UsageError(`${flag} is ${expected}`);
  return parsed.data;
}

/** Where the help's descriptions start; a longer invocation puts its description on the next line. */
const HELP_COLUMN = 53;

/** The help, made from the table of commands. */
export function usage(commands: readonly Command[]): string {
  const lines = commands.flatMap(({ name, flags, help }) => {
    const call = `  ${flags ? `${name} ${flags}` : name}`;
    const indent = ' '.repeat(HELP_COLUMN);
    const [first = '', ...rest] = help;
    const head = call.length < HELP_COLUMN ? [call.padEnd(HELP_COLUMN) + first] : [call, indent + first];
    return [...head, ...rest.map((line) => indent + line)];
  });
  return `Usage: login-flow <command>\n\n${lines.join('\n')}\n\nSettings come from the environment; see README.md.`;
}
