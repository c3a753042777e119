import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A URL-safe random secret. 32 bytes (256 bits) by default: session tokens
 * need at least 64 bits of entropy (OWASP ASVS 5.0 V7.2.3) and we leave a wide margin.
 */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
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
