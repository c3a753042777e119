import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { drawBytes } from './random.js';

/** AES-256-GCM (NIST SP 800-38D) with a random 96-bit nonce per message, as §8.2.2 recommends. */
const NONCE_BYTES = 12;
const VERSION = 'v1';

/**
 * Encrypts a secret for storage (OWASP ASVS 5.0 V11.2: authenticator secrets
 * encrypted at rest). `context` is bound as associated data, so a sealed value
 * copied into another row or purpose does not open.
 */
export function seal(key: Buffer, plaintext: string, context: string): string {
  const nonce = drawBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(context));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, nonce.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

/** Opens a sealed value; throws if it was tampered with, sealed for another context or with another key. */
export function unseal(key: Buffer, sealed: string, context: string): string {
  const [version, nonce, body, tag] = sealed.split('.');
  if (version !== VERSION || !nonce || body === undefined || !tag) throw new Error('not a sealed value');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64url'));
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}

/**
 * The key from config, or (development and tests) one generated once and kept
 * in the data directory, readable by its owner only. Several processes may
 * start at once (`serve --workers`, CLI commands side by side): the key is
 * written whole to a private file and then linked into place, so exactly one
 * key wins and nobody ever reads a half-written file.
 */
export function resolveSecretKey(configured: Buffer | undefined, dataDir: string): Buffer {
  if (configured) return configured;
  const file = join(dataDir, 'secret.key');
  const existing = readKeyFile(file);
  if (existing) return existing;
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  const draft = `${file}.${process.pid}.${randomBytes(6).toString('hex')}`;
  writeFileSync(draft, key.toString('base64'), { mode: 0o600, flag: 'wx' });
  try {
    linkSync(draft, file);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readKeyFile(file)!;
  } finally {
    unlinkSync(draft);
  }
}

function readKeyFile(file: string): Buffer | undefined {
  try {
    return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
