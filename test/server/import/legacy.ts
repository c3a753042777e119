/*
 * Real password hashes as other systems store them, made here with the same
 * libraries and encodings (cheap parameters: a test hashes hundreds), and
 * the import fed from a string.
 */
import { pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto';
import { Readable } from 'node:stream';
import { hash as argon2 } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';
import type { AppContext } from '../../../server/context.js';
import type { ImportFormat } from '../../../server/import/formats.js';
import { importUsers, type ImportReport } from '../../../server/import/import.js';

/** Every format the import accepts, by a name for the test's titles. */
export const LEGACY_FORMATS = [
  'bcrypt $2a$',
  'bcrypt $2b$',
  'bcrypt $2y$',
  'scrypt PHC',
  'pbkdf2-sha256 PHC',
  'pbkdf2-sha512 PHC',
  'pbkdf2-sha256 passlib',
  'pbkdf2-sha512 passlib',
  'pbkdf2_sha256 Django',
  'bcrypt Django',
  'argon2id Django',
  'argon2i',
  'argon2d',
  'argon2id',
] as const;
export type LegacyFormat = (typeof LEGACY_FORMATS)[number];

/** The scheme `password.rehashed` names for each. */
export const SCHEME_OF: Record<LegacyFormat, string> = {
  'bcrypt $2a$': 'bcrypt',
  'bcrypt $2b$': 'bcrypt',
  'bcrypt $2y$': 'bcrypt',
  'scrypt PHC': 'scrypt',
  'pbkdf2-sha256 PHC': 'pbkdf2-sha256',
  'pbkdf2-sha512 PHC': 'pbkdf2-sha512',
  'pbkdf2-sha256 passlib': 'pbkdf2-sha256',
  'pbkdf2-sha512 passlib': 'pbkdf2-sha512',
  'pbkdf2_sha256 Django': 'pbkdf2-sha256',
  'bcrypt Django': 'bcrypt',
  'argon2id Django': 'argon2id',
  argon2i: 'argon2i',
  argon2d: 'argon2d',
  argon2id: 'argon2id',
};

/** PHC's base64: standard alphabet, no padding. */
const phc64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');
/** passlib's adapted base64: `.` for `+`, no padding. */
const ab64 = (bytes: Buffer) => phc64(bytes).replace(/\+/g, '.');
/** A salt whose base64 starts with `++`, so passlib's `.` is always exercised. */
const salt = () => Buffer.concat([Buffer.from([0xfb, 0xef]), randomBytes(14)]);

/** A hash of `password` in `format`, as its system would have stored it. */
export async function legacyHash(format: LegacyFormat, password: string): Promise<string> {
  switch (format) {
    case 'bcrypt $2a$':
      return bcrypt.hashSync(password, bcrypt.genSaltSync(4).replace('$2b$', '$2a$'));
    case 'bcrypt $2b$':
      return bcrypt.hashSync(password, 4);
    case 'bcrypt $2y$':
      // PHP's password_hash writes $2y$ for what is $2b$ elsewhere.
      return bcrypt.hashSync(password, 4).replace(/^\$2b\$/, '$2y$');
    case 'scrypt PHC': {
      const s = salt();
      return `$scrypt$ln=10,r=8,p=1$${phc64(s)}$${phc64(scryptSync(password, s, 32, { N: 1024, r: 8, p: 1 }))}`;
    }
    case 'pbkdf2-sha256 PHC': {
      const s = salt();
      return `$pbkdf2-sha256$i=1000,l=32$${phc64(s)}$${phc64(pbkdf2Sync(password, s, 1000, 32, 'sha256'))}`;
    }
    case 'pbkdf2-sha512 PHC': {
      const s = salt();
      return `$pbkdf2-sha512$i=1000,l=64$${phc64(s)}$${phc64(pbkdf2Sync(password, s, 1000, 64, 'sha512'))}`;
    }
    case 'pbkdf2-sha256 passlib': {
      const s = salt();
      return `$pbkdf2-sha256$1000$${ab64(s)}$${ab64(pbkdf2Sync(password, s, 1000, 32, 'sha256'))}`;
    }
    case 'pbkdf2-sha512 passlib': {
      const s = salt();
      return `$pbkdf2-sha512$1000$${ab64(s)}$${ab64(pbkdf2Sync(password, s, 1000, 64, 'sha512'))}`;
    }
    case 'pbkdf2_sha256 Django': {
      // Django uses the salt's text as the salt, and standard padded base64 for the hash.
      const s = randomBytes(9).toString('base64url');
      return `pbkdf2_sha256$1000$${s}$${pbkdf2Sync(password, s, 1000, 32, 'sha256').toString('base64')}`;
    }
    case 'bcrypt Django':
      // Django's BCryptPasswordHasher: its name, `$`, then the bcrypt hash.
      return `bcrypt$${bcrypt.hashSync(password, 4)}`;
    case 'argon2id Django':
      // Django's Argon2PasswordHasher: `argon2` right before the PHC string.
      return `argon2${await argon2(password, { algorithm: 2, memoryCost: 1024, timeCost: 1, parallelism: 1 })}`;
    case 'argon2i':
      return argon2(password, { algorithm: 1, memoryCost: 1024, timeCost: 1, parallelism: 1 });
    case 'argon2d':
      return argon2(password, { algorithm: 0, memoryCost: 1024, timeCost: 1, parallelism: 1 });
    case 'argon2id':
      return argon2(password, { algorithm: 2, memoryCost: 4096, timeCost: 1, parallelism: 1 });
  }
}

/** Imports `text` in `format` (JSON lines unless said) into the server's store. */
export function importText(app: AppContext, text: string, format: ImportFormat = 'jsonl', { dryRun = false } = {}): Promise<ImportReport> {
  return importUsers(app, { source: Readable.from([Buffer.from(text)]), format, dryRun, actor: 'cli' });
}

/** JSON lines of `rows`. */
export function jsonl(rows: object[]): string {
  return rows.map((row) => JSON.stringify(row)).join('\n') + '\n';
}
