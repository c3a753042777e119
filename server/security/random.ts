import { createHash, randomFillSync, timingSafeEqual } from 'node:crypto';

/**
 * Random bytes are drawn from the operating system's CSPRNG (through
 * OpenSSL) a pool at a time: each draw costs a call into OpenSSL whatever its
 * size, and a sign-in needs several small secrets. Every byte is handed out
 * once; the pool refills when it runs out. (Node keeps such a pool for
 * `crypto.randomUUID` too.)
 */
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let used = POOL_BYTES;

/** `count` bytes from the CSPRNG, through the pool. */
export function drawBytes(count: number): Buffer {
  if (count > POOL_BYTES) return randomFillSync(Buffer.alloc(count));
  if (used + count > POOL_BYTES) {
    randomFillSync(pool);
    used = 0;
  }
  // A copy: the pool's bytes are overwritten at the next refill.
  const bytes = Buffer.from(pool.subarray(used, used + count));
  pool.fill(0, used, used + count);
  used += count;
  return bytes;
}

/**
 * A URL-safe random secret. 32 bytes (256 bits) by default: session tokens
 * need at least 64 bits of entropy (OWASP ASVS 5.0 V7.2.3) and we leave a wide margin.
 */
export function randomToken(bytes = 32): string {
  return drawBytes(bytes).toString('base64url');
}

/** SHA-256, base64url: how secrets with full entropy are stored (a slow hash adds nothing there). */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** Compares two strings without leaking where they differ. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(sha256(a));
  const right = Buffer.from(sha256(b));
  return timingSafeEqual(left, right);
}
