/*
 * What the languages share: the facts a mail is about, the blocks a template
 * is made of, and the wording helpers (counts, dates, links) each language
 * calls. The renderer in ../templates.ts turns a template into the mail.
 */

export type Locale = 'en' | 'nl';

export const LOCALES: readonly Locale[] = ['en', 'nl'];

/** What a mail is about; the template and the facts it needs. */
export type MailMessage =
  /** The activation mail: the username (the address) and the unique link. */
  | { kind: 'invitation'; link: string; expiresAt: number }
  /** "Verify your email address": a 6-digit code. */
  | { kind: 'email-code'; code: string; minutes: number }
  | { kind: 'password-reset'; link: string; minutes: number }
  | { kind: 'password-changed' }
  | { kind: 'factor-added'; factor: 'totp' | 'passkey' | 'sms' | 'approver' }
  | { kind: 'factor-removed'; factor: 'totp' | 'passkey' | 'sms' | 'approver' }
  /** "Someone tried to sign in": the person refused a sign-in (or a new password from a reset link) on their phone, or picked another number than the screen's. */
  | { kind: 'approval-denied'; purpose: 'sign-in' | 'password-reset'; at: number; ip: string | null; browser: string | null }
  | { kind: 'recovery-code-used' }
  /** Support reset the person's 2FA. */
  | { kind: 'mfa-reset' }
  /** The person made a new recovery code on the account page; the old one no longer works. */
  | { kind: 'recovery-code-regenerated' }
  /** The person turned two-step verification off on the account page. */
  | { kind: 'mfa-disabled' }
  /** A recovery request was made for the account; it waits for a decision until `expiresAt`. */
  | { kind: 'recovery-requested'; expiresAt: number }
  /** The recovery request was approved: the single-use link to replace the lost methods. */
  | { kind: 'recovery-approved'; link: string; expiresAt: number }
  /** The recovery request was refused, with the administrator's reason. */
  | { kind: 'recovery-rejected'; reason: string }
  /** Two-step verification was set up again from an approved recovery request's link. */
  | { kind: 'recovery-completed' };

/** One piece of a mail's body: a paragraph, a button with its link, or a code to type. */
export type Block =
  | { type: 'p'; text: string }
  | { type: 'button'; label: string; href: string }
  | { type: 'code'; code: string };

/** A mail in one language before rendering: the renderer adds the footer and writes both parts. */
export interface Template {
  subject: string;
  heading: string;
  blocks: Block[];
}

/** A mail's language: its templates and the lines the renderer adds around them. */
export interface Language {
  template(message: MailMessage, app: string, email: string, now: number): Template;
  /** The last line: who sent the mail to whom. */
  footer(app: string, email: string): string;
  /** Above the bare link under a button, for mail clients that show no button. */
  buttonFallback: string;
}

const DAY = 24 * 60 * 60 * 1000;
const HOUR = 60 * 60 * 1000;

/** A count with its unit in the language: "1 minute", "5 minuten". */
export function plural(locale: Locale, count: number, unit: 'minute' | 'day' | 'hour'): string {
  const words = {
    en: { minute: ['minute', 'minutes'], day: ['day', 'days'], hour: ['hour', 'hours'] },
    nl: { minute: ['minuut', 'minuten'], day: ['dag', 'dagen'], hour: ['uur', 'uur'] },
  }[locale][unit];
  return `${count} ${count === 1 ? words[0] : words[1]}`;
}

/** "7 days" (or "5 hours" when less than a day is left): how long a link stays valid from now. */
export function validFor(locale: Locale, expiresAt: number, now: number): string {
  const left = Math.max(0, expiresAt - now);
  if (left >= DAY) return plural(locale, Math.round(left / DAY), 'day');
  return plural(locale, Math.max(1, Math.round(left / HOUR)), 'hour');
}

/** The date a link expires, in words; UTC, as the server does not know the reader's time zone. */
export function dateOf(locale: Locale, at: number): string {
  return new Intl.DateTimeFormat(locale === 'nl' ? 'nl-NL' : 'en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(at) + ' UTC';
}

/** Links go into `href`: anything but http(s) (a `javascript:` URL, say) is refused rather than mailed. */
export function assertWebLink(link: string): string {
  if (!/^https?:\/\/[^\s]+$/i.test(link)) throw new Error('a mail link must be an http(s) URL without spaces');
  return link;
}

/** The first letter in upper case, for a phrase that starts a sentence. */
export const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
