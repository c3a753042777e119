import type { Config } from './config.js';
import type { SmsSender } from './delivery/sms.js';
import type { Logger } from './log.js';
import type { KeyRing } from './security/tokens.js';
import type { Db } from './store/index.js';

/** One mail, rendered. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/**
 * A mail transport: SMTP through nodemailer, or the dev outbox table. Declared
 * here, not beside its implementations in delivery/mail.ts, which needs the
 * context itself: neither module imports the other back.
 */
export interface Mailer {
  /** Sends one mail; resolves once the server accepted it, throws when it did not. */
  send(mail: Mail): Promise<void>;
}

/** What every route and flow needs, built once by `createApp`. */
export interface AppContext {
  config: Config;
  db: Db;
  keys: KeyRing;
  log: Logger;
  mailer: Mailer;
  /** Sends SMS codes; null when SMS is off (`SMS=off`), and SMS is then not offered. */
  sms: SmsSender | null;
  /** Encrypts authenticator secrets at rest. */
  secretKey: Buffer;
  /** The clock, in epoch milliseconds; tests pass a controllable one. */
  now: () => number;
  /**
   * Set while a flow action runs inside its transaction (`db` is then that
   * transaction): work that must not happen unless the action commits, and
   * must not hold the transaction open (sending a queued mail), runs after
   * the commit, with the context outside the transaction.
   */
  afterCommit?: (work: (app: AppContext) => Promise<void>) => void;
}
