import { en } from './templates/en.js';
import { nl } from './templates/nl.js';
import { LOCALES, type Language, type Locale, type MailMessage, type Template } from './templates/template.js';

/*
 * The mail people receive, in English and Dutch. Each template is a list of
 * blocks (paragraphs, one button, one code); one renderer turns the blocks
 * into the plain-text part and one into the HTML part, so every value is
 * escaped in one place and both parts always say the same thing. The words
 * are in templates/en.ts and templates/nl.ts.
 */

export { LOCALES, type Locale, type MailMessage };

/** Every locale we write mail in: a missing language is a compile error. */
const LANGUAGES: Record<Locale, Language> = { en, nl };

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

/** The locale of a stored preference, or the fallback when it is missing or not one we write mail in. */
export function resolveLocale(value: string | null | undefined, fallback: Locale): Locale {
  return LOCALES.includes(value as Locale) ? (value as Locale) : fallback;
}

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values (OWASP XSS Prevention Cheat Sheet, rules 1 and 2). */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]!);
}

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
        `<p style="margin:0 0 16px;font-size:14px;color:#475467">${e(LANGUAGES[locale].buttonFallback)}<br><a href="${e(block.href)}" style="color:#1849a9;word-break:break-all">${e(block.href)}</a></p>`,
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
  const language = LANGUAGES[locale];
  const template = language.template(message, appName, email, now);
  const footer = language.footer(appName, email);
  return { subject: template.subject, text: toText(template, footer), html: toHtml(template, footer, locale) };
}
