import { z } from 'zod';
import { isLoopbackHttp } from './oidc.js';

/*
 * What the admin API and the CLI accept about a company, its members and its
 * single sign-on. They validate input with these schemas; the functions in
 * registry.ts, members.ts and sso-connections.ts take input as these give it.
 */

/** A hostname label (RFC 1035 §2.3.1, a digit first allowed as RFC 1123 §2.1 does), in lower case. */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** A slug is one such label, so it may name a subdomain as well as a path. */
const SLUG = LABEL;
/** RFC 1035 §2.3.4: a name is at most 255 octets on the wire, 253 characters as text. */
const MAX_DOMAIN_LENGTH = 253;
/** Control characters have no place in a name, an id or a secret, and PostgreSQL refuses NUL in text. */
const NO_CONTROLS = /^[^\p{Cc}]*$/u;

/** Text people read or paste: trimmed, not empty, no control characters. */
function line(max: number) {
  return z.string().trim().min(1).max(max).regex(NO_CONTROLS);
}

/** Is `value` a real calendar date written YYYY-MM-DD (2027-02-30 is not)? */
function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number) as [number, number, number];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * An issuer identifier: an https URL with no query or fragment (OpenID
 * Connect Discovery 1.0 §3), or http on a loopback host for a local provider.
 * It must already be written the way `URL` writes it (scheme and host in lower
 * case, no default port): the provider's metadata and ID tokens name it byte
 * for byte (Discovery §4.3, Core §3.1.3.7 step 2), and the sign-in compares.
 */
function isIssuer(value: string): boolean {
  const bare = value.replace(/\/+$/, '');
  // `URL` quietly drops tabs, newlines and outer spaces, so they are refused here first.
  if (!/^[^\s\p{Cc}?#]+$/u.test(bare)) return false;
  let url: URL;
  try {
    url = new URL(bare);
  } catch {
    return false;
  }
  if (url.username || url.password || (url.href !== bare && url.href !== `${bare}/`)) return false;
  return url.protocol === 'https:' || isLoopbackHttp(url.href);
}

/** A hostname of at least two labels whose last is not all digits (so not an IP address). */
function isDomain(value: string): boolean {
  const labels = value.split('.');
  return value.length <= MAX_DOMAIN_LENGTH && labels.length >= 2 && labels.every((label) => LABEL.test(label)) && !/^\d+$/.test(labels.at(-1)!);
}

export const organizationNameSchema = line(200);
export const slugSchema = z.string().regex(SLUG);
/** A date from which the company requires 2FA, or null for none. */
export const mfaDateSchema = z.string().max(10).refine(isCalendarDate).nullable();
export const roleSchema = z.string().trim().toLowerCase().regex(/^[a-z][a-z0-9_-]{0,31}$/);
export const providerNameSchema = line(200);
/** The issuer, stored without a trailing slash. */
export const issuerSchema = z.string().trim().max(2048).refine(isIssuer).transform((issuer) => issuer.replace(/\/+$/, ''));
export const clientIdSchema = line(512);
export const clientSecretSchema = z.string().min(1).max(1024).regex(NO_CONTROLS);
/** One to a hundred email domains, lower-cased, each once. */
export const domainsSchema = z
  .array(z.string().trim().toLowerCase().refine(isDomain))
  .min(1)
  .max(100)
  .transform((domains) => [...new Set(domains)].sort());

/**
 * A slug made from a company name: ASCII letters and digits (accents dropped),
 * runs of anything else as one hyphen. Undefined when nothing is left (a name
 * in another script): the caller must then choose a slug.
 */
export function slugFromName(name: string): string | undefined {
  const slug = name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return SLUG.test(slug) ? slug : undefined;
}
