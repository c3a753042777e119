/*
 * The mail people receive, in English and Dutch. Each template is a list of
 * blocks (paragraphs, one button, one code); one renderer turns the blocks
 * into the plain-text part and one into the HTML part, so every value is
 * escaped in one place and both parts always say the same thing.
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
  | { kind: 'factor-added'; factor: 'totp' | 'passkey' | 'sms' }
  | { kind: 'factor-removed'; factor: 'totp' | 'passkey' | 'sms' }
  | { kind: 'recovery-code-used' }
  /** Support reset the person's 2FA. */
  | { kind: 'mfa-reset' }
  /** The person made a new recovery code on the account page; the old one no longer works. */
  | { kind: 'recovery-code-regenerated' }
  /** The person turned two-step verification off on the account page. */
  | { kind: 'mfa-disabled' };

export interface RenderOptions {
  locale: Locale;
  appName: string;
  /** The recipient: shown as the username in invitations and in the footer. */
  email: string;
  /** The clock, for "the link works for N days"; defaults to `Date.now()`. */
  now?: number;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

type Block =
  | { type: 'p'; text: string }
  | { type: 'button'; label: string; href: string }
  | { type: 'code'; code: string };

interface Template {
  subject: string;
  heading: string;
  blocks: Block[];
}

const DAY = 24 * 60 * 60 * 1000;
const HOUR = 60 * 60 * 1000;

/** The locale of a stored preference, or the fallback when it is missing or not one we write mail in. */
export function resolveLocale(value: string | null | undefined, fallback: Locale): Locale {
  return LOCALES.includes(value as Locale) ? (value as Locale) : fallback;
}

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values (OWASP XSS Prevention Cheat Sheet, rules 1 and 2). */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]!);
}

function plural(locale: Locale, count: number, unit: 'minute' | 'day' | 'hour'): string {
  const words = {
    en: { minute: ['minute', 'minutes'], day: ['day', 'days'], hour: ['hour', 'hours'] },
    nl: { minute: ['minuut', 'minuten'], day: ['dag', 'dagen'], hour: ['uur', 'uur'] },
  }[locale][unit];
  return `${count} ${count === 1 ? words[0] : words[1]}`;
}

/** "7 days" (or "5 hours" when less than a day is left): how long a link stays valid from now. */
function validFor(locale: Locale, expiresAt: number, now: number): string {
  const left = Math.max(0, expiresAt - now);
  if (left >= DAY) return plural(locale, Math.round(left / DAY), 'day');
  return plural(locale, Math.max(1, Math.round(left / HOUR)), 'hour');
}

/** The date a link expires, in words; UTC, as the server does not know the reader's time zone. */
function dateOf(locale: Locale, at: number): string {
  return new Intl.DateTimeFormat(locale === 'nl' ? 'nl-NL' : 'en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(at) + ' UTC';
}

/** Links go into `href`: anything but http(s) (a `javascript:` URL, say) is refused rather than mailed. */
function assertWebLink(link: string): string {
  if (!/^https?:\/\/[^\s]+$/i.test(link)) throw new Error('a mail link must be an http(s) URL without spaces');
  return link;
}

const FACTOR_NAMES = {
  en: { totp: 'an authenticator app', passkey: 'a passkey', sms: 'a phone number for SMS codes' },
  nl: { totp: 'een authenticator-app', passkey: 'een passkey', sms: 'een telefoonnummer voor sms-codes' },
} as const;

const IF_NOT_YOU = {
  en: 'If this was not you, contact your employer or support at once and change your password.',
  nl: 'Was jij dit niet? Neem dan direct contact op met je werkgever of support en wijzig je wachtwoord.',
} as const;

const IF_NOT_ASKED = {
  en: 'If you did not ask for this, ignore this mail.',
  nl: 'Heb je hier niet om gevraagd? Negeer deze mail dan.',
} as const;

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function english(message: MailMessage, app: string, email: string, now: number): Template {
  switch (message.kind) {
    case 'invitation':
      return {
        subject: `Activate your ${app} account`,
        heading: `Welcome to ${app}`,
        blocks: [
          { type: 'p', text: `You have been invited to ${app}. Your username is ${email}.` },
          { type: 'p', text: 'Activate your account with the button below: you choose a password and set up two-step verification.' },
          { type: 'button', label: 'Activate your account', href: assertWebLink(message.link) },
          { type: 'p', text: `The link works once, for ${validFor('en', message.expiresAt, now)} (until ${dateOf('en', message.expiresAt)}).` },
          { type: 'p', text: 'Has the link expired? Ask your employer for a new invitation.' },
        ],
      };
    case 'email-code':
      return {
        subject: `Your ${app} verification code`,
        heading: 'Verify your email address',
        blocks: [
          { type: 'p', text: 'Enter this code to confirm that this email address is yours:' },
          { type: 'code', code: message.code },
          { type: 'p', text: `The code works for ${plural('en', message.minutes, 'minute')}.` },
          { type: 'p', text: IF_NOT_ASKED.en },
        ],
      };
    case 'password-reset':
      return {
        subject: `Reset your ${app} password`,
        heading: 'Choose a new password',
        blocks: [
          { type: 'p', text: `Someone asked to reset the password of your ${app} account (${email}).` },
          { type: 'button', label: 'Choose a new password', href: assertWebLink(message.link) },
          { type: 'p', text: `The link works once, for ${plural('en', message.minutes, 'minute')}.` },
          { type: 'p', text: `${IF_NOT_ASKED.en} Your password stays the same.` },
        ],
      };
    case 'password-changed':
      return {
        subject: `Your ${app} password was changed`,
        heading: 'Your password was changed',
        blocks: [
          { type: 'p', text: `The password of your ${app} account (${email}) was changed.` },
          { type: 'p', text: IF_NOT_YOU.en },
        ],
      };
    case 'factor-added':
      return {
        subject: `${capitalise(FACTOR_NAMES.en[message.factor])} was added to your ${app} account`,
        heading: 'Two-step verification changed',
        blocks: [
          { type: 'p', text: `${capitalise(FACTOR_NAMES.en[message.factor])} was added to your ${app} account (${email}) for two-step verification.` },
          { type: 'p', text: IF_NOT_YOU.en },
        ],
      };
    case 'factor-removed':
      return {
        subject: `${capitalise(FACTOR_NAMES.en[message.factor])} was removed from your ${app} account`,
        heading: 'Two-step verification changed',
        blocks: [
          { type: 'p', text: `${capitalise(FACTOR_NAMES.en[message.factor])} was removed from your ${app} account (${email}).` },
          { type: 'p', text: IF_NOT_YOU.en },
        ],
      };
    case 'recovery-code-used':
      return {
        subject: `Your ${app} recovery code was used`,
        heading: 'Your recovery code was used',
        blocks: [
          { type: 'p', text: `Someone signed in to your ${app} account (${email}) with your recovery code. Two-step verification must now be set up again, and a new recovery code is issued.` },
          { type: 'p', text: IF_NOT_YOU.en },
        ],
      };
    case 'mfa-reset':
      return {
        subject: `Two-step verification was reset on your ${app} account`,
        heading: 'Two-step verification was reset',
        blocks: [
          { type: 'p', text: `Support removed the two-step verification methods of your ${app} account (${email}). You set up two-step verification again the next time you sign in.` },
          { type: 'p', text: IF_NOT_YOU.en },
        ],
      };
    case 'recovery-code-regenerated':
      return {
        subject: `A new recovery code was made for your ${app} account`,
        heading: 'New recovery code',
        blocks: [
          { type: 'p', text: `A new recovery code was made for your ${app} account (${email}). Your previous recovery code no longer works.` },
          { type: 'p', text: IF_NOT_YOU.en },
        ],
      };
    case 'mfa-disabled':
      return {
        subject: `Two-step verification was turned off on your ${app} account`,
        heading: 'Two-step verification was turned off',
        blocks: [
          { type: 'p', text: `Two-step verification was turned off on your ${app} account (${email}): your authenticator apps, phone number, passkeys and recovery code were removed. Signing in no longer asks for a second step.` },
          { type: 'p', text: IF_NOT_YOU.en },
        ],
      };
  }
}

function dutch(message: MailMessage, app: string, email: string, now: number): Template {
  switch (message.kind) {
    case 'invitation':
      return {
        subject: `Activeer je ${app}-account`,
        heading: `Welkom bij ${app}`,
        blocks: [
          { type: 'p', text: `Je bent uitgenodigd voor ${app}. Je gebruikersnaam is ${email}.` },
          { type: 'p', text: 'Activeer je account met de knop hieronder: je kiest een wachtwoord en stelt tweestapsverificatie in.' },
          { type: 'button', label: 'Account activeren', href: assertWebLink(message.link) },
          { type: 'p', text: `De link werkt één keer, ${validFor('nl', message.expiresAt, now)} lang (tot ${dateOf('nl', message.expiresAt)}).` },
          { type: 'p', text: 'Is de link verlopen? Vraag je werkgever om een nieuwe uitnodiging.' },
        ],
      };
    case 'email-code':
      return {
        subject: `Je verificatiecode voor ${app}`,
        heading: 'Bevestig je e-mailadres',
        blocks: [
          { type: 'p', text: 'Vul deze code in om te bevestigen dat dit e-mailadres van jou is:' },
          { type: 'code', code: message.code },
          { type: 'p', text: `De code werkt ${plural('nl', message.minutes, 'minute')}.` },
          { type: 'p', text: IF_NOT_ASKED.nl },
        ],
      };
    case 'password-reset':
      return {
        subject: `Nieuw wachtwoord voor ${app}`,
        heading: 'Kies een nieuw wachtwoord',
        blocks: [
          { type: 'p', text: `Er is gevraagd om het wachtwoord van je ${app}-account (${email}) opnieuw in te stellen.` },
          { type: 'button', label: 'Nieuw wachtwoord kiezen', href: assertWebLink(message.link) },
          { type: 'p', text: `De link werkt één keer, ${plural('nl', message.minutes, 'minute')} lang.` },
          { type: 'p', text: `${IF_NOT_ASKED.nl} Je wachtwoord blijft dan hetzelfde.` },
        ],
      };
    case 'password-changed':
      return {
        subject: `Je ${app}-wachtwoord is gewijzigd`,
        heading: 'Je wachtwoord is gewijzigd',
        blocks: [
          { type: 'p', text: `Het wachtwoord van je ${app}-account (${email}) is gewijzigd.` },
          { type: 'p', text: IF_NOT_YOU.nl },
        ],
      };
    case 'factor-added':
      return {
        subject: `Er is ${FACTOR_NAMES.nl[message.factor]} toegevoegd aan je ${app}-account`,
        heading: 'Tweestapsverificatie gewijzigd',
        blocks: [
          { type: 'p', text: `Er is ${FACTOR_NAMES.nl[message.factor]} voor tweestapsverificatie toegevoegd aan je ${app}-account (${email}).` },
          { type: 'p', text: IF_NOT_YOU.nl },
        ],
      };
    case 'factor-removed':
      return {
        subject: `Er is ${FACTOR_NAMES.nl[message.factor]} verwijderd van je ${app}-account`,
        heading: 'Tweestapsverificatie gewijzigd',
        blocks: [
          { type: 'p', text: `Er is ${FACTOR_NAMES.nl[message.factor]} verwijderd van je ${app}-account (${email}).` },
          { type: 'p', text: IF_NOT_YOU.nl },
        ],
      };
    case 'recovery-code-used':
      return {
        subject: `Je ${app}-herstelcode is gebruikt`,
        heading: 'Je herstelcode is gebruikt',
        blocks: [
          { type: 'p', text: `Iemand is ingelogd op je ${app}-account (${email}) met je herstelcode. Tweestapsverificatie moet nu opnieuw worden ingesteld en je krijgt een nieuwe herstelcode.` },
          { type: 'p', text: IF_NOT_YOU.nl },
        ],
      };
    case 'mfa-reset':
      return {
        subject: `Tweestapsverificatie van je ${app}-account is gereset`,
        heading: 'Tweestapsverificatie is gereset',
        blocks: [
          { type: 'p', text: `Support heeft de tweestapsverificatie van je ${app}-account (${email}) verwijderd. De volgende keer dat je inlogt, stel je die opnieuw in.` },
          { type: 'p', text: IF_NOT_YOU.nl },
        ],
      };
    case 'recovery-code-regenerated':
      return {
        subject: `Er is een nieuwe herstelcode gemaakt voor je ${app}-account`,
        heading: 'Nieuwe herstelcode',
        blocks: [
          { type: 'p', text: `Er is een nieuwe herstelcode gemaakt voor je ${app}-account (${email}). Je vorige herstelcode werkt niet meer.` },
          { type: 'p', text: IF_NOT_YOU.nl },
        ],
      };
    case 'mfa-disabled':
      return {
        subject: `Tweestapsverificatie van je ${app}-account is uitgezet`,
        heading: 'Tweestapsverificatie is uitgezet',
        blocks: [
          { type: 'p', text: `Tweestapsverificatie van je ${app}-account (${email}) is uitgezet: je authenticator-apps, telefoonnummer, passkeys en herstelcode zijn verwijderd. Bij het inloggen wordt niet meer om een tweede stap gevraagd.` },
          { type: 'p', text: IF_NOT_YOU.nl },
        ],
      };
  }
}

const FOOTER = {
  en: (app: string, email: string) => `This mail was sent by ${app} to ${email}.`,
  nl: (app: string, email: string) => `Deze mail is door ${app} verstuurd naar ${email}.`,
} as const;

const BUTTON_FALLBACK = {
  en: 'If the button does not work, copy this address into your browser:',
  nl: 'Werkt de knop niet? Kopieer dan dit adres naar je browser:',
} as const;

function toText(template: Template, footer: string): string {
  const parts = [template.heading, ''];
  for (const block of template.blocks) {
    if (block.type === 'p') parts.push(block.text, '');
    else if (block.type === 'code') parts.push(`    ${block.code}`, '');
    // The link on a line of its own, so mail clients make it clickable whole.
    else parts.push(`${block.label}:`, block.href, '');
  }
  parts.push('--', footer);
  return parts.join('\n');
}

const FONT = "-apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";

/** Table-free, inline-styled HTML: the subset every mail client renders, readable by screen readers. */
function toHtml(template: Template, footer: string, locale: Locale): string {
  const e = escapeHtml;
  const body = template.blocks
    .map((block) => {
      if (block.type === 'p') return `<p style="margin:0 0 16px">${e(block.text)}</p>`;
      if (block.type === 'code') {
        return `<p style="margin:0 0 16px;font-family:'SFMono-Regular',Consolas,'Liberation Mono',Menlo,monospace;font-size:32px;font-weight:700;letter-spacing:6px;color:#101828">${e(block.code)}</p>`;
      }
      return [
        `<p style="margin:24px 0"><a href="${e(block.href)}" style="display:inline-block;padding:12px 24px;border-radius:6px;background:#1849a9;color:#ffffff;font-weight:600;text-decoration:none">${e(block.label)}</a></p>`,
        `<p style="margin:0 0 16px;font-size:14px;color:#475467">${e(BUTTON_FALLBACK[locale])}<br><a href="${e(block.href)}" style="color:#1849a9;word-break:break-all">${e(block.href)}</a></p>`,
      ].join('\n');
    })
    .join('\n');
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(template.subject)}</title>
</head>
<body style="margin:0;padding:0;background:#f2f4f7">
<div role="article" aria-label="${e(template.subject)}" lang="${locale}" style="max-width:560px;margin:0 auto;padding:32px 24px;background:#ffffff;font-family:${FONT};font-size:16px;line-height:1.5;color:#1d2939">
<h1 style="margin:0 0 24px;font-size:22px;line-height:1.3;color:#101828">${e(template.heading)}</h1>
${body}
<p style="margin:32px 0 0;padding-top:16px;border-top:1px solid #eaecf0;font-size:13px;color:#667085">${e(footer)}</p>
</div>
</body>
</html>
`;
}

/** Renders one mail in the given language: a subject, a plain-text part and an HTML part with every value escaped. */
export function renderMail(message: MailMessage, { locale, appName, email, now = Date.now() }: RenderOptions): RenderedMail {
  const template = (locale === 'nl' ? dutch : english)(message, appName, email, now);
  const footer = FOOTER[locale](appName, email);
  return { subject: template.subject, text: toText(template, footer), html: toHtml(template, footer, locale) };
}
