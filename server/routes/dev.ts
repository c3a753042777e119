import { Hono } from 'hono';
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { AppContext } from '../context.js';
import { hostCheck, LOOPBACK_HOSTNAMES } from '../security/hosts.js';

/** Newest first; the outbox is a development aid, not an archive. */
const OUTBOX_LIMIT = 50;

/**
 * A stored mail's HTML is shown as its own document: nothing loads (no
 * scripts, images, fonts or frames), only its inline styles apply, and the
 * sandbox gives it an opaque origin, so a mail cannot reach the dev pages.
 */
export const MAIL_HTML_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'; sandbox allow-popups allow-popups-to-escape-sandbox";

/** http(s) URLs in a text, without the punctuation that usually ends a sentence after them. */
const URL_IN_TEXT = /https?:\/\/[^\s<>"']*[^\s<>"'.,;:!?)\]]/g;

/** The text with each web address made a link, so the activation link can be followed from the page; everything escaped. */
function linkify(text: string): (HtmlEscapedString | Promise<HtmlEscapedString> | string)[] {
  const parts: (HtmlEscapedString | Promise<HtmlEscapedString> | string)[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_IN_TEXT)) {
    parts.push(text.slice(last, match.index), html`<a href="${match[0]}">${match[0]}</a>`);
    last = match.index + match[0].length;
  }
  parts.push(text.slice(last));
  // hono/html escapes strings in arrays too; the links are already escaped templates.
  return parts;
}

/**
 * The dev outbox: mail and SMS that would have been sent, at `/dev/outbox` (a
 * page), `/dev/outbox.json` and `/dev/outbox/<id>.html` (a mail's HTML part).
 * Mounted only outside production, and answered only under this machine's
 * own names or PUBLIC_URL's: it shows sign-in links and codes, which a page
 * elsewhere must not read by DNS rebinding.
 */
export function devRoutes(app: AppContext): Hono {
  const routes = new Hono();
  routes.use(hostCheck([...LOOPBACK_HOSTNAMES, new URL(app.config.publicUrl).hostname]));
  const messages = () => app.db.selectFrom('outbox').selectAll().orderBy('created_at', 'desc').limit(OUTBOX_LIMIT).execute();

  routes.get('/outbox.json', async (c) => {
    c.header('Cache-Control', 'no-store');
    return c.json(
      (await messages()).map((m) => ({
        id: m.id,
        channel: m.channel,
        to: m.recipient,
        subject: m.subject,
        text: m.body,
        html: m.channel === 'email' ? m.html : null,
        sentAt: Number(m.created_at),
      })),
    );
  });

  routes.get('/outbox/:file{[0-9a-fA-F-]+\\.html}', async (c) => {
    const id = c.req.param('file').slice(0, -'.html'.length);
    const row = await app.db.selectFrom('outbox').select(['channel', 'html']).where('id', '=', id).executeTakeFirst();
    if (!row || row.channel !== 'email' || row.html === null) return c.notFound();
    c.header('Cache-Control', 'no-store');
    c.header('Content-Security-Policy', MAIL_HTML_CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    return c.html(row.html);
  });

  routes.get('/outbox', async (c) => {
    c.header('Cache-Control', 'no-store');
    c.header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
    const rows = await messages();
    // hono/html escapes every interpolated value.
    return c.html(html`<!doctype html>
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <title>Dev outbox · ${app.config.appName}</title>
          <style>
            body { font-family: system-ui, sans-serif; max-width: 48rem; margin: 2rem auto; padding: 0 1rem; color: #1d2939; }
            article { border: 1px solid #d0d5dd; border-radius: 0.5rem; padding: 1rem; margin: 1rem 0; }
            h2 { font-size: 1.125rem; margin: 0 0 0.25rem; }
            pre { white-space: pre-wrap; overflow-wrap: anywhere; font: inherit; }
            a { color: #1849a9; }
            .meta { color: #475467; font-size: 0.875rem; }
            .channel { display: inline-block; border-radius: 0.25rem; padding: 0 0.375rem; margin-right: 0.25rem; background: #eef4ff; color: #1849a9; font-weight: 600; }
            .channel.sms { background: #ecfdf3; color: #067647; }
          </style>
        </head>
        <body>
          <h1>Dev outbox</h1>
          <p class="meta">Mail and SMS that would have been sent. Set SMTP_URL and SMS_URL to send them for real. Newest first.</p>
          ${rows.length === 0 ? html`<p>Nothing sent yet.</p>` : ''}
          ${rows.map(
            (m) => html`<article data-channel="${m.channel}">
              <h2><span class="channel ${m.channel}">${m.channel === 'sms' ? 'SMS' : 'Email'}</span> ${m.channel === 'sms' ? `to ${m.recipient}` : m.subject}</h2>
              <p class="meta">
                To ${m.recipient} · ${new Date(Number(m.created_at)).toISOString()}
                ${m.channel === 'email' && m.html !== null ? html` · <a href="outbox/${m.id}.html">View HTML</a>` : ''}
              </p>
              <pre>${linkify(m.body)}</pre>
            </article>`,
          )}
        </body>
      </html>`);
  });
  return routes;
}
