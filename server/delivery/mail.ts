import type { Db } from '../store/index.js';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

/** Where mail goes. Development keeps it in the store's outbox (`/dev/outbox`). */
export interface Mailer {
  send(mail: Mail): Promise<void>;
}

/** The development mailer: every mail lands in the outbox table, readable at `/dev/outbox`. */
export function outboxMailer(db: Db, now: () => number): Mailer {
  return {
    async send(mail) {
      await db
        .insertInto('outbox')
        .values({ id: crypto.randomUUID(), channel: 'email', recipient: mail.to, subject: mail.subject, body: mail.text, created_at: now() })
        .execute();
    },
  };
}

/** The security notices people receive. Plain text, English and Dutch in one mail until the user's language is known. */
export const NOTICES = {
  factorChanged: (appName: string, change: 'added' | 'removed'): Omit<Mail, 'to'> => ({
    subject: `${appName}: a passkey was ${change} / er is een passkey ${change === 'added' ? 'toegevoegd' : 'verwijderd'}`,
    text: [
      `A passkey was ${change} ${change === 'added' ? 'to' : 'from'} your ${appName} account.`,
      'If this was not you, contact your employer or support at once and change your password.',
      '',
      `Er is een passkey ${change === 'added' ? 'toegevoegd aan' : 'verwijderd van'} je ${appName}-account.`,
      'Was jij dit niet? Neem direct contact op met je werkgever of support en wijzig je wachtwoord.',
    ].join('\n'),
  }),
  recoveryCodeUsed: (appName: string): Omit<Mail, 'to'> => ({
    subject: `${appName}: your recovery code was used / je herstelcode is gebruikt`,
    text: [
      `Someone signed in to your ${appName} account with your recovery code. Two-step verification must now be set up again, and a new recovery code is issued.`,
      'If this was not you, contact your employer or support at once and change your password.',
      '',
      `Iemand is ingelogd op je ${appName}-account met je herstelcode. Tweestapsverificatie moet opnieuw worden ingesteld en je krijgt een nieuwe herstelcode.`,
      'Was jij dit niet? Neem direct contact op met je werkgever of support en wijzig je wachtwoord.',
    ].join('\n'),
  }),
};
