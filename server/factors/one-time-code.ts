import { randomInt } from 'node:crypto';
import { seal, unseal } from '../security/secrets.js';
import { safeEqual } from '../security/random.js';

/** NIST SP 800-63B-4 §3.1.3.1 (out-of-band authenticators): a code of at least six decimal digits. */
export const ONE_TIME_CODE_LENGTH = 6;
/** NIST SP 800-63B-4 §3.1.3.1: an out-of-band secret is valid for at most 10 minutes. */
export const ONE_TIME_CODE_MINUTES = 10;

/**
 * A code sent by mail or SMS, kept in its flow's state: sealed (so a read of
 * the flows table does not reveal it) and bound to the flow, the purpose and
 * the person by the sealing context. It is spent with the flow's conditional
 * write, so a code never verifies twice.
 */
export interface PendingCode {
  sealed: string;
  expiresAt: number;
}

/** Six digits from the CSPRNG. */
export function generateCode(): string {
  return String(randomInt(0, 10 ** ONE_TIME_CODE_LENGTH)).padStart(ONE_TIME_CODE_LENGTH, '0');
}

export function pendingCode(key: Buffer, { code, context, now }: { code: string; context: string; now: number }): PendingCode {
  return { sealed: seal(key, code, `otc:${context}`), expiresAt: now + ONE_TIME_CODE_MINUTES * 60_000 };
}

/** Checks a typed code: `expired` after its ten minutes, `valid` on a match (compared in constant time). */
export function checkCode(key: Buffer, pending: PendingCode | undefined, { input, context, now }: { input: string; context: string; now: number }): 'valid' | 'invalid' | 'expired' {
  if (!pending) return 'invalid';
  if (now >= pending.expiresAt) return 'expired';
  const typed = input.replace(/[\s-]/g, '');
  return safeEqual(typed, unseal(key, pending.sealed, `otc:${context}`)) ? 'valid' : 'invalid';
}
