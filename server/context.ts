import type { Config } from './config.js';
import type { SmsSender } from './delivery/sms.js';
import type { Logger } from './log.js';
import type { HashGate } from './security/hash-gate.js';
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
  /** Lets `HASH_SLOTS` password hashes run at once and queues `HASH_QUEUE` more; see hash-gate.ts. */
  hashing: HashGate;
  /**
   * Failure-limited attempts being checked in this process right now, per
   * rate-limit key: counted as failures until they settle (rate-limit.ts).
   */
  pendingAttempts: Map<string, number>;
  /** The clock, in epoch milliseconds; tests pass a controllable one. */
  now: () => number;
  /**
   * Set while a flow action runs inside its transaction (`db` is then that
   * transaction): work that must not happen unless the action commits, and
   * must not hold the transaction open (sending a queued mail), runs after
   * the commit, with the context outside the transaction.
   */
  afterCommit?: (work: (app: AppContext) => Promise<void>) => void;
  /**
   * Set while a flow action runs: writes that belong with the action's
   * outcome (a failure counted, a limit cleared) join the one transaction that
   * writes the flow, so an action commits once (`withAction`, rate-limit.ts);
   * `settled` work runs once that transaction has ended, committed or not.
   */
  transition?: {
    write(work: (db: Db) => Promise<void>): void;
    settled(work: () => void): void;
  };
}
