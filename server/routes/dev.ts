import { Hono } from 'hono';
import { html } from 'hono/html';
import type { AppContext } from '../context.js';

/** Newest first; the outbox is a development aid, not an archive. */
const OUTBOX_LIMIT = 50;

/**
 * The dev outbox: mail that would have been sent, at `/dev/outbox` (a page)
 * and `/dev/outbox.json`. Mounted only outside production.
 */
export function devRoutes(app: AppContext): Hono {
  const routes = new Hono();
  const messages = () => app.db.selectFrom('outbox').selectAll().orderBy('created_at', 'desc').limit(OUTBOX_LIMIT).execute();

  routes.get('/outbox.json', async (c) => {
    c.header('Cache-Control', 'no-store');
    return c.json((await messages()).map((m) => ({ id: m.id, channel: m.channel, to: m.recipient, subject: m.subject, text: m.body, sentAt: Number(m.created_at) })));
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
            pre { white-space: pre-wrap; font: inherit; }
            .meta { color: #475467; font-size: 0.875rem; }
          </style>
        </head>
        <body>
          <h1>Dev outbox</h1>
          <p class="meta">Mail that would have been sent. Configure SMTP to send it for real. Newest first.</p>
          ${rows.length === 0 ? html`<p>No mail yet.</p>` : ''}
          ${rows.map(
            (m) => html`<article>
              <h2>${m.subject}</h2>
              <p class="meta">To ${m.recipient} · ${new Date(Number(m.created_at)).toISOString()}</p>
              <pre>${m.body}</pre>
            </article>`,
          )}
        </body>
      </html>`);
  });
  return routes;
}
