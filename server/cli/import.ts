import { createReadStream, statSync } from 'node:fs';
import { formatOfName, IMPORT_FORMATS, type ImportFormat } from '../import/formats.js';
import { describeRowError, importUsers } from '../import/import.js';
import { storeCommand, UsageError, type Command } from './command.js';

/**
 * `import users FILE`: the people of an existing login, with their password
 * hashes, authenticators and company accounts. Exits 0 when every row was
 * imported, 1 when some failed (the others are imported all the same), 2 for
 * a wrong invocation.
 */
const importUsersCommand = storeCommand({
  name: 'import users',
  flags: 'FILE [--format jsonl|csv] [--json] [--dry-run]',
  help: [
    'import people from another login (JSON lines or CSV; the format',
    'follows the extension unless given): password hashes (bcrypt,',
    'scrypt, PBKDF2, argon2) are kept until the first sign-in; again',
    'with the same file updates, never duplicates. Exits 1 when rows failed',
  ],
  parse(flags, operands): { file: string; format: ImportFormat; json: boolean; dryRun: boolean } {
    const [file, extra] = operands;
    if (!file) throw new UsageError('import users needs a FILE');
    if (extra !== undefined) throw new UsageError(`import users takes one FILE, not "${extra}" as well`);
    const format = flags.format ?? formatOfName(file);
    if (format === undefined) throw new UsageError('--format is jsonl or csv (the file\'s extension does not say)');
    if (!(IMPORT_FORMATS as readonly string[]).includes(format)) throw new UsageError('--format is jsonl or csv');
    try {
      if (!statSync(file).isFile()) throw new UsageError(`${file} is not a file`);
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError(`cannot read ${file}`);
    }
    return { file, format: format as ImportFormat, json: flags.json, dryRun: flags['dry-run'] };
  },
  async run({ app }, { file, format, json, dryRun }) {
    const report = await importUsers(app, { source: createReadStream(file), format, dryRun, actor: 'cli' });
    if (json) console.log(JSON.stringify(report, null, 2));
    else {
      for (const error of report.errors) console.log(describeRowError(error));
      if (report.errorsNotListed > 0) console.log(`... and ${report.errorsNotListed} more row errors`);
      const counts = `created ${report.created}, updated ${report.updated}, unchanged ${report.unchanged}, failed ${report.failed}`;
      console.log(dryRun ? `Dry run, nothing written: would have ${counts}` : `Imported: ${counts}`);
    }
    return report.failed > 0 ? 1 : 0;
  },
});

/** The import commands, in the help's order. */
export const importCommands: readonly Command[] = [importUsersCommand];
