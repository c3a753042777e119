import { randomUUID } from 'node:crypto';
import { createTransport } from 'nodemailer';
import type { Config } from '../config.js';
import type { AppContext, Mail, Mailer } from '../context.js';
import { maskEmail } from '../log.js';
import { seal, unseal } from '../security/secrets.js';
import type { Db } from '../store/index.js';
import { renderMail, resolveLocale, type MailMessage } from './templates.js';

export { escapeHtml, renderMail, resolveLocale, type Locale, type MailMessage, type RenderedMail } from './templates.js';

export type { Mail, Mailer } from '../context.js';

/*
 * Time limits for one SMTP conversation. Nodemailer's defaults (2 minutes to
 * connect, 10 minutes of socket silence) would hold a request or a worker far
 * too long; a mail that misses these is retried from the queue.
 */
const SMTP_CONNECTION_TIMEOUT_MS = 10_000;
const SMTP_GREETING_TIMEOUT_MS = 10_000;
const SMTP_SOCKET_TIMEOUT_MS = 30_000;

/**
 * When to try a failed mail again, counted from the failed attempt. RFC 5321
 * §4.5.4.1: a client that cannot deliver retries after a delay (at least 30
 * minutes is suggested between MTAs; we start sooner because a person is
 * waiting for an invitation or a code) and gives up after a time (4-5 days
 * suggested; a day is enough for a link that works a week, or a code that
 * works minutes). After the last entry the mail is given up.
 */
export const MAIL_RETRY_SCHEDULE_MS: readonly number[] = [1, 5, 15, 60, 3 * 60, 6 * 60, 12 * 60, 24 * 60].map((minutes) => minutes * 60_000);

/**
 * How long a claimed mail belongs to the worker that claimed it. Longer than
 * the SMTP time limits together, so a second worker does not send it while the
 * first is still talking; a crashed worker's mail is due again after it.
 */
export const MAIL_LEASE_MS = 2 * 60_000;

/** How many due mails one `deliverDueMail` run sends. */
export const MAIL_BATCH = 50;

/** `last_error` keeps this much of the error message. */
const ERROR_CHARS = 500;

/** Mail goes out over SMTP when `SMTP_URL` is set, and into the dev outbox when it is not. */
export function createMailer(config: Config, db: Db, now: () => number): Mailer {
  return config.smtpUrl ? smtpMailer(config.smtpUrl, config.mailFrom) : outboxMailer(db, now);
}

/**
 * One nodemailer transport. `smtps://` is TLS from the first byte; `smtp://`
 * upgrades with STARTTLS whenever the server offers it and then insists on a
 * valid certificate (nodemailer's default). Settings in the URL's query
 * (`?requireTLS=true`, `?pool=true`) override the defaults here.
 */
function smtpMailer(url: string, from: string): Mailer {
  const transport = createTransport(
    {
      url,
      connectionTimeout: SMTP_CONNECTION_TIMEOUT_MS,
      greetingTimeout: SMTP_GREETING_TIMEOUT_MS,
      socketTimeout: SMTP_SOCKET_TIMEOUT_MS,
    },
    { from },
  );
  return {
    async send(mail) {
      await transport.sendMail({ to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
    },
  };
}

/** The development mailer: every mail lands in the outbox table, readable at `/dev/outbox`. */
export function outboxMailer(db: Db, now: () => number): Mailer {
  return {
    async send(mail) {
      await db
        .insertInto('outbox')
        .values({ id: randomUUID(), channel: 'email', recipient: mail.to, subject: mail.subject, body: mail.text, html: mail.html, created_at: now() })
        .execute();
    },
  };
}

/** The error as it may be stored and logged: no addresses (servers quote the rejected recipient), bounded. */
function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/[^\s<>"'(),;:]+@[^\s<>"'(),;:]+/g, (address) => maskEmail(address)).slice(0, ERROR_CHARS);
}

/**
 * RFC 5321 §4.2.1: a 5yz reply to the envelope or the message is permanent;
 * repeating the same mail cannot help. Anything else (no connection, 4yz,
 * a failed login the operator may fix) is worth another try.
 */
function isPermanent(error: unknown): boolean {
  const { code, responseCode } = (error ?? {}) as { code?: unknown; responseCode?: unknown };
  return typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600 && (code === 'EENVELOPE' || code === 'EMESSAGE');
}

interface QueuedRow {
  id: string;
  recipient: string;
  kind: string;
  message: string | null;
  attempts: number;
}

const sealContext = (id: string) => `mail:${id}`;

/**
 * Sends one claimed mail and records the outcome. The caller holds the claim
 * (the row's `next_attempt_at` is its lease), so no other worker sends it now.
 */
async function attempt(app: AppContext, row: QueuedRow, lease: number): Promise<{ delivered: boolean; error?: string }> {
  const attempts = row.attempts + 1;
  let error: unknown;
  let permanent = false;
  try {
    if (row.message === null) throw new Error('the message was cleared');
    let mail: Omit<Mail, 'to'>;
    try {
      mail = JSON.parse(unseal(app.secretKey, row.message, sealContext(row.id))) as Omit<Mail, 'to'>;
    } catch {
      // Sealed with another key (SECRET_KEY changed): it will never open.
      permanent = true;
      throw new Error('the queued message cannot be opened with the current secret key');
    }
    await app.mailer.send({ to: row.recipient, subject: mail.subject, text: mail.text, html: mail.html });
  } catch (caught) {
    error = caught;
  }
  const now = app.now();

  if (error === undefined) {
    await app.db
      .updateTable('mail_queue')
      .set({ message: null, sent_at: now, next_attempt_at: null, attempts, last_error: null })
      .where('id', '=', row.id)
      .execute();
    app.log.log('info', 'mail.sent', { mailId: row.id, kind: row.kind, to: maskEmail(row.recipient), attempts });
    return { delivered: true };
  }

  const description = describeError(error);
  const delay = permanent || isPermanent(error) ? undefined : MAIL_RETRY_SCHEDULE_MS[attempts - 1];
  const nextAttemptAt = delay === undefined ? null : now + delay;
  // Conditional on our lease: if it ran out and another worker took the mail over, the outcome is theirs to record.
  await app.db
    .updateTable('mail_queue')
    .set({ attempts, last_error: description, next_attempt_at: nextAttemptAt })
    .where('id', '=', row.id)
    .where('next_attempt_at', '=', lease)
    .execute();
  app.log.log(nextAttemptAt === null ? 'error' : 'warn', 'mail.failed', {
    mailId: row.id,
    kind: row.kind,
    to: maskEmail(row.recipient),
    attempts,
    error: description,
    nextAttemptAt,
    gaveUp: nextAttemptAt === null,
  });
  return { delivered: false, error: description };
}

/**
 * Stores the mail (sealed) in `mail_queue`, then tries to send it once now
 * (unless `wait` is false: then the first attempt runs in the background, so
 * the caller's timing never depends on SMTP, and `delivered` is false). Never
 * loses it: a failed attempt schedules a retry that `deliverDueMail` makes.
 * The language is `locale` when it is one we write mail in, else `DEFAULT_LOCALE`.
 */
export async function queueMail(
  app: AppContext,
  mail: { to: string; userId?: string | null; locale?: string | null; message: MailMessage },
  { wait = true }: { wait?: boolean } = {},
): Promise<{ id: string; delivered: boolean; error?: string }> {
  const now = app.now();
  const rendered = renderMail(mail.message, {
    locale: resolveLocale(mail.locale, app.config.defaultLocale),
    appName: app.config.appName,
    email: mail.to,
    now,
  });
  const id = randomUUID();
  const message = seal(app.secretKey, JSON.stringify(rendered), sealContext(id));
  // Stored already claimed by us: a worker only sees it when the lease ends, i.e. when this process died mid-send.
  const lease = now + MAIL_LEASE_MS;
  await app.db
    .insertInto('mail_queue')
    .values({
      id,
      user_id: mail.userId ?? null,
      recipient: mail.to,
      kind: mail.message.kind,
      message,
      attempts: 0,
      next_attempt_at: lease,
      last_error: null,
      created_at: now,
      sent_at: null,
    })
    .execute();
  const row: QueuedRow = { id, recipient: mail.to, kind: mail.message.kind, message, attempts: 0 };
  if (app.afterCommit) {
    // Inside a flow action's transaction: the mail exists only if the action commits, and is
    // sent after that (an SMTP round trip must not hold the transaction open).
    app.afterCommit((outside) => attempt(outside, row, lease).then(() => undefined));
    return { id, delivered: false };
  }
  if (!wait) {
    attempt(app, row, lease).catch((error: unknown) => app.log.log('error', 'mail.failed', { mailId: id, kind: row.kind, error: describeError(error) }));
    return { id, delivered: false };
  }
  return { id, ...(await attempt(app, row, lease)) };
}

/**
 * Sends every queued mail whose next attempt is due, oldest first, at most
 * `MAIL_BATCH` a run. Each mail is claimed with one conditional update first,
 * so workers in several processes never send the same mail twice.
 */
export async function deliverDueMail(app: AppContext): Promise<{ sent: number; failed: number }> {
  const now = app.now();
  const due = await app.db
    .selectFrom('mail_queue')
    .select(['id', 'recipient', 'kind', 'message', 'attempts', 'next_attempt_at'])
    .where('next_attempt_at', '<=', now)
    .where('sent_at', 'is', null)
    .orderBy('next_attempt_at')
    .orderBy('created_at')
    .limit(MAIL_BATCH)
    .execute();
  let sent = 0;
  let failed = 0;
  for (const row of due) {
    const lease = app.now() + MAIL_LEASE_MS;
    const claim = await app.db
      .updateTable('mail_queue')
      .set({ next_attempt_at: lease })
      .where('id', '=', row.id)
      .where('next_attempt_at', '=', row.next_attempt_at)
      .executeTakeFirst();
    if (Number(claim.numUpdatedRows) !== 1) continue; // another worker has it
    const result = await attempt(app, { ...row, attempts: Number(row.attempts) }, lease);
    if (result.delivered) sent += 1;
    else failed += 1;
  }
  return { sent, failed };
}

/**
 * A security notice to a user (looked up by id for address and language):
 * queued and tried once. Never throws: the change it reports has happened, and
 * a mail server being down must not undo or fail it. Failures are logged.
 */
export async function notifyUser(app: AppContext, userId: string, message: MailMessage): Promise<void> {
  try {
    const user = await app.db.selectFrom('users').select(['email', 'locale']).where('id', '=', userId).executeTakeFirst();
    if (!user) {
      app.log.log('warn', 'mail.failed', { kind: message.kind, error: 'no such user' });
      return;
    }
    await queueMail(app, { to: user.email, userId, locale: user.locale, message });
  } catch (error) {
    app.log.log('error', 'mail.failed', { kind: message.kind, error: describeError(error) });
  }
}

/** Runs `deliverDueMail` every `intervalMs` (an unref'd timer: it never keeps the process alive); returns a stop function. */
export function startMailWorker(app: AppContext, intervalMs = 30_000): () => void {
  let running = false;
  const timer = setInterval(() => {
    // One run at a time: a slow SMTP server must not stack up runs.
    if (running) return;
    running = true;
    deliverDueMail(app)
      .catch((error: unknown) => app.log.log('error', 'mail.worker_failed', { error: describeError(error) }))
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

