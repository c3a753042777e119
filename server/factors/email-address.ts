/* An email address as the key of an account. */
import { z } from 'zod';

/** RFC 5321 §4.5.3.1.3: a path is at most 256 octets, so an address at most 254 characters. */
export const MAX_EMAIL_LENGTH = 254;

/** Trims and lower-cases an address so one person has one account key. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export const emailSchema = z.string().trim().max(MAX_EMAIL_LENGTH).pipe(z.email()).transform(normalizeEmail);
