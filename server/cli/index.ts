/*
 * The `login-flow` command: reads argv, finds the command in the table and
 * runs it. Each command lives with the others of its subject; this file only
 * dispatches and turns failures into one line on stderr and exit code 2.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.js';
import { ApiError } from '../errors.js';
import { StoreOpenError } from '../store/sqlite.js';
import { FLAGS, usage, UsageError, type Command } from './command.js';
import { importCommands } from './import.js';
import { memberCommands } from './members.js';
import { audit, keysRotate, migrate } from './operations.js';
import { organizationCommands } from './organizations.js';
import { recoveryCommands, recoveryOrganizationCommands } from './recovery.js';
import { serve } from './serve.js';
import { userCommands } from './users.js';

/** Every command, in the order the help lists them. */
const COMMANDS: readonly Command[] = [serve, migrate, ...userCommands, ...importCommands, audit, keysRotate, ...organizationCommands, ...memberCommands, ...recoveryOrganizationCommands, ...recoveryCommands];

const USAGE = usage(COMMANDS);

/** Runs one invocation; resolves to the exit code, or to `undefined` when the process keeps running (a server). */
async function main(argv: string[]): Promise<number | undefined> {
  const { values: flags, positionals } = parseArgs({ args: argv, allowPositionals: true, options: FLAGS });
  const [first, second] = positionals;
  if (flags.help || !first) {
    console.log(USAGE);
    return flags.help ? 0 : 2;
  }
  const config = loadConfig(flags.port ? { ...process.env, PORT: flags.port } : process.env);
  // A command is named by its first two words, `serve` by its first alone (it has always ignored a second).
  const name = first === serve.name ? first : `${first} ${second ?? ''}`.trim();
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new UsageError(`unknown command "${name}"\n\n${USAGE}`);
  return command.prepare(flags, positionals.slice(2))(config);
}

/** The one line a failure prints; anything unforeseen is printed whole. */
function report(error: unknown): void {
  if (error instanceof ConfigError || error instanceof UsageError || error instanceof StoreOpenError) console.error(`login-flow: ${error.message}`);
  else if (error instanceof ApiError) {
    const rules = (error.details?.rules as string[] | undefined)?.join(', ');
    console.error(`login-flow: ${error.code}: ${error.message}${rules ? ` (${rules})` : ''}`);
  } else if (error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) console.error(`login-flow: ${error.message}`);
  else console.error(error);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (error: unknown) => {
    report(error);
    process.exitCode = 2;
  },
);
