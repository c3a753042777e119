import type { IncomingMessage, ServerResponse } from 'node:http';

/* The demo provider's HTML: its login page and its error pages, and reading the posted form. */

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A whole page around `body`, styled inline (the Content-Security-Policy allows no other style). */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: system-ui, sans-serif; background: #f4f5f7; color: #1b1d21; margin: 0; }
  main { max-width: 24rem; margin: 4rem auto; background: #fff; padding: 2rem; border-radius: 0.5rem;
         box-shadow: 0 1px 4px rgb(0 0 0 / 0.15); }
  h1 { font-size: 1.4rem; margin-top: 0; }
  label { display: block; font-weight: 600; margin-bottom: 0.25rem; }
  input { width: 100%; box-sizing: border-box; padding: 0.5rem; font: inherit; border: 1px solid #6b7280; border-radius: 0.25rem; }
  .actions { display: flex; gap: 0.5rem; margin-top: 1rem; }
  button { font: inherit; padding: 0.5rem 1rem; border-radius: 0.25rem; border: 1px solid #1d4ed8; cursor: pointer; }
  button.primary { background: #1d4ed8; color: #fff; }
  button.secondary { background: #fff; color: #1d4ed8; }
  .error { color: #b91c1c; font-weight: 600; }
</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;
}

/** The login page: an email field, Sign in and Cancel; with `error`, the field is marked invalid and the message read out. */
export function loginPage(options: { title: string; uid: string; clientId: string; email?: string; error?: string }): string {
  const action = `/interaction/${encodeURIComponent(options.uid)}`;
  const error = options.error
    ? `<p class="error" id="email-error" role="alert">${escapeHtml(options.error)}</p>\n`
    : '';
  const described = options.error ? ' aria-invalid="true" aria-describedby="email-error"' : '';
  const value = options.email ? ` value="${escapeHtml(options.email)}"` : '';
  return page(
    options.title,
    `<h1>${escapeHtml(options.title)}</h1>
<p>Sign in to continue to <strong>${escapeHtml(options.clientId)}</strong>.</p>
${error}<form method="post" action="${action}">
  <label for="email">Email</label>
  <input id="email" name="email" type="email" autocomplete="email" required autofocus${value}${described}>
  <div class="actions">
    <button type="submit" class="primary">Sign in</button>
    <button type="submit" name="cancel" value="1" formnovalidate class="secondary">Cancel</button>
  </div>
</form>`,
  );
}

/** Sends a page that is never cached nor framed, and runs no script. */
export function send(res: ServerResponse, status: number, html: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
  res.setHeader('Content-Length', Buffer.byteLength(html));
  res.end(html);
}

/** The posted form, at most 16 KiB. */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 16 * 1024) throw new Error('form body too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
