/*
 * Password hashes made by another system, kept as they were exported until
 * the person's first sign-in here replaces them with our argon2id
 * (`needsRehash`, password.ts). Each format is recognised by its shape, its
 * parameters are held under a cap (an imported row must not make one sign-in
 * cost a gigabyte or a minute: OWASP ASVS 5.0 V15.2.2, resource exhaustion),
 * and the check is a constant-time comparison of the derived key (OWASP ASVS
 * 5.0 V11.2.4). A format not listed here verifies nothing.
 */
import { pbkdf2, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { parseOptions, verify as verifyArgon2 } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';

const pbkdf2Async = promisify(pbkdf2);

/** The families of hash the store may hold. */
export type HashScheme = 'argon2id' | 'argon2i' | 'argon2d' | 'bcrypt' | 'scrypt' | 'pbkdf2-sha256' | 'pbkdf2-sha512';

/**
 * bcrypt costs above 2^15 rounds are refused: bcryptjs runs in JavaScript
 * (about 1.5 s at cost 14 on one core), and OWASP's Password Storage Cheat
 * Sheet asks for 10 or more, so real exports sit well below.
 */
export const BCRYPT_MAX_COST = 15;
/**
 * scrypt needs 128·N·r bytes of memory: at most 256 MiB, twice OWASP's
 * recommended N=2^17, r=8 (Password Storage Cheat Sheet, "scrypt"); p at most 16.
 */
export const SCRYPT_MAX_MEMORY_BYTES = 256 * 1024 * 1024;
export const SCRYPT_MAX_P = 16;
/**
 * PBKDF2 iterations: at most 2,000,000, above OWASP's 600,000 for SHA-256 and
 * Django 5.2's 1,000,000 (about a second of one core at the cap).
 */
export const PBKDF2_MAX_ITERATIONS = 2_000_000;
/** argon2 from elsewhere: at most 256 MiB, 16 passes, 16 lanes (RFC 9106 §4 recommends 2 GiB at most for the first option). */
export const ARGON2_MAX_MEMORY_KIB = 256 * 1024;
export const ARGON2_MAX_TIME = 16;
export const ARGON2_MAX_PARALLELISM = 16;
/** Salts and derived keys longer than this are not seen in practice; longer is refused. */
const MAX_BYTES = 256;

/** A stored hash taken apart: what to compute and what to compare it with. */
type Parsed =
  | { scheme: 'argon2id' | 'argon2i' | 'argon2d'; memoryCost: number; timeCost: number; parallelism: number }
  | { scheme: 'bcrypt'; cost: number }
  | { scheme: 'scrypt'; n: number; r: number; p: number; salt: Buffer; key: Buffer }
  | { scheme: 'pbkdf2-sha256' | 'pbkdf2-sha512'; iterations: number; salt: Buffer; key: Buffer };

/** Why a stored hash cannot be used. */
export type HashRefusal = 'unsupported format' | 'parameters over the cap';

const BCRYPT = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/;
/** Parameters in any order: the `argon2` package wrote `m=19456,p=1,t=2`; @node-rs/argon2 reads both. */
const ARGON2 = /^\$(argon2(?:id|i|d))\$(?:v=(?:16|19)\$)?[a-z]+=[^,$]{1,64}(?:,[a-z]+=[^,$]{1,64}){0,5}\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;
const SCRYPT_PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/.]+={0,2})\$([A-Za-z0-9+/.]+={0,2})$/;
/** PHC (`$pbkdf2-sha256$i=600000,l=32$salt$hash`) and passlib's (`$pbkdf2-sha256$29000$salt$hash`, adapted base64). */
const PBKDF2_PHC = /^\$pbkdf2-(sha256|sha512)\$(?:i=(\d{1,10})(?:,l=(\d{1,4}))?|(\d{1,10}))\$([A-Za-z0-9+/.]*={0,2})\$([A-Za-z0-9+/.]+={0,2})$/;
/** Django: `pbkdf2_sha256$iterations$salt$base64(hash)`; the salt is used as its text. */
const PBKDF2_DJANGO = /^pbkdf2_(sha256)\$(\d{1,10})\$([^$]{1,256})\$([A-Za-z0-9+/]+={0,2})$/;

/** Base64 in any of the forms the exports use: standard, unpadded (PHC), or passlib's adapted `.` for `+`. */
function base64(text: string): Buffer {
  return Buffer.from(text.replace(/\./g, '+'), 'base64');
}

type Outcome = { parsed: Parsed } | { refusal: HashRefusal };

function capped(parsed: Parsed, within: boolean): Outcome {
  return within ? { parsed } : { refusal: 'parameters over the cap' };
}

/** Django writes its argon2 and plain bcrypt hashes behind the hasher's name (`argon2` + `$argon2id$…`, `bcrypt$` + `$2b$…`): the hash is what follows. */
const DJANGO_WRAPPED = /^(?:argon2(?=\$argon2)|bcrypt\$(?=\$2[aby]\$))/;

function unwrap(stored: string): string {
  return stored.replace(DJANGO_WRAPPED, '');
}

function parse(stored: string): Outcome {
  let m = BCRYPT.exec(stored);
  if (m) {
    const cost = Number(m[1]);
    return cost < 4 ? { refusal: 'unsupported format' } : capped({ scheme: 'bcrypt', cost }, cost <= BCRYPT_MAX_COST);
  }
  m = ARGON2.exec(stored);
  if (m) {
    let options;
    try {
      options = parseOptions(stored);
    } catch {
      return { refusal: 'unsupported format' };
    }
    const { memoryCost = 0, timeCost = 0, parallelism = 0 } = options;
    if (memoryCost < 1 || timeCost < 1 || parallelism < 1) return { refusal: 'unsupported format' };
    const parsed: Parsed = { scheme: m[1] as 'argon2id' | 'argon2i' | 'argon2d', memoryCost, timeCost, parallelism };
    return capped(parsed, memoryCost <= ARGON2_MAX_MEMORY_KIB && timeCost <= ARGON2_MAX_TIME && parallelism <= ARGON2_MAX_PARALLELISM);
  }
  m = SCRYPT_PHC.exec(stored);
  if (m) {
    const [ln, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const salt = base64(m[4]!);
    const key = base64(m[5]!);
    if (ln < 1 || r < 1 || p < 1 || key.length < 16 || key.length > MAX_BYTES || salt.length > MAX_BYTES) return { refusal: 'unsupported format' };
    const n = 2 ** ln;
    return capped({ scheme: 'scrypt', n, r, p, salt, key }, 128 * n * r <= SCRYPT_MAX_MEMORY_BYTES && p <= SCRYPT_MAX_P);
  }
  m = PBKDF2_PHC.exec(stored);
  if (m) {
    const iterations = Number(m[2] ?? m[4]);
    const salt = base64(m[5]!);
    const key = base64(m[6]!);
    // PHC's `l` names the key length; when given it must be the stored key's.
    if (iterations < 1 || (m[3] !== undefined && Number(m[3]) !== key.length) || key.length < 16 || key.length > MAX_BYTES || salt.length > MAX_BYTES) {
      return { refusal: 'unsupported format' };
    }
    return capped({ scheme: `pbkdf2-${m[1] as 'sha256' | 'sha512'}`, iterations, salt, key }, iterations <= PBKDF2_MAX_ITERATIONS);
  }
  m = PBKDF2_DJANGO.exec(stored);
  if (m) {
    const iterations = Number(m[2]);
    const key = Buffer.from(m[4]!, 'base64');
    if (iterations < 1 || key.length < 16 || key.length > MAX_BYTES) return { refusal: 'unsupported format' };
    return capped({ scheme: 'pbkdf2-sha256', iterations, salt: Buffer.from(m[3]!, 'utf8'), key }, iterations <= PBKDF2_MAX_ITERATIONS);
  }
  return { refusal: 'unsupported format' };
}

/**
 * What a stored hash is, or why it cannot be kept: the import's check of a
 * `password_hash` column, and the audit's `from` of a rehash.
 */
export function inspectHash(stored: string): { scheme: HashScheme } | { refusal: HashRefusal } {
  const outcome = parse(unwrap(stored));
  return 'refusal' in outcome ? outcome : { scheme: outcome.parsed.scheme };
}

/** Constant time (OWASP ASVS 5.0 V11.2.4); lengths are public (they are in the stored string). */
function sameKey(derived: Buffer, key: Buffer): boolean {
  return derived.length === key.length && timingSafeEqual(derived, key);
}

function scryptAsync(password: string, salt: Buffer, { n, r, p, length }: { n: number; r: number; p: number; length: number }): Promise<Buffer> {
  // Node refuses more than 32 MiB unless told: allow what these (capped) parameters need.
  const maxmem = 128 * n * r + 128 * r * p + 1024 * 1024;
  return new Promise((resolve, reject) => scrypt(password, salt, length, { N: n, r, p, maxmem }, (error, key) => (error ? reject(error) : resolve(key))));
}

/**
 * Verifies `password` against a hash of any supported format. bcrypt reads
 * only the first 72 bytes of the password (the algorithm's own limit), as the
 * system that made the hash did. Unknown formats, parameters over the caps
 * and corrupt strings verify nothing: false, never a throw.
 *
 * `alternatives` are other spellings of the same password to try when the
 * first fails (the NFKC-normalised one for argon2, which this server writes
 * normalised while other systems did not).
 */
export async function verifyAnyHash(wrapped: string, password: string, alternatives: readonly string[] = []): Promise<boolean> {
  const stored = unwrap(wrapped);
  const outcome = parse(stored);
  if ('refusal' in outcome) return false;
  const { parsed } = outcome;
  try {
    for (const candidate of [password, ...alternatives.filter((a) => a !== password)]) {
      if (await verifyOne(parsed, stored, candidate)) return true;
    }
    return false;
  } catch {
    return false;
  }
}

async function verifyOne(parsed: Parsed, stored: string, password: string): Promise<boolean> {
  switch (parsed.scheme) {
    case 'argon2id':
    case 'argon2i':
    case 'argon2d':
      // @node-rs/argon2 reads the variant, version and parameters from the PHC string, and compares in constant time.
      return verifyArgon2(stored, password);
    case 'bcrypt': {
      // The 29-character prefix ($2x$cc$ and the 22-character salt) salts a new hash of the password; compare the 31 characters after it.
      const made = await bcrypt.hash(password, stored.slice(0, 29));
      return sameKey(Buffer.from(made.slice(29)), Buffer.from(stored.slice(29)));
    }
    case 'scrypt':
      return sameKey(await scryptAsync(password, parsed.salt, { n: parsed.n, r: parsed.r, p: parsed.p, length: parsed.key.length }), parsed.key);
    case 'pbkdf2-sha256':
    case 'pbkdf2-sha512':
      return sameKey(await pbkdf2Async(password, parsed.salt, parsed.iterations, parsed.key.length, parsed.scheme.slice(7)), parsed.key);
  }
}
