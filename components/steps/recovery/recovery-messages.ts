import type { RecoveryFormErrorCode } from '../../lib/events.js';
import type { Locale, Translate } from '../../lib/i18n.js';

/**
 * The words of recovery requests ("Lost access to your phone?"): the form, at
 * the second factor or on its own page, and "Request sent". They ship in the
 * recovery chunk (recovery-steps.ts), which adds them to the widget's
 * catalogues when it loads; the link that opens the form and the words for a
 * spent recovery link are in the main catalogue. The type makes a missing
 * form check a compile error. Glossary as in setup-messages.ts; administrator /
 * beheerder, request / verzoek, employee number / personeelsnummer.
 */
interface RecoveryCatalogue extends Record<`error_${RecoveryFormErrorCode}`, string> {
  title_recovery_request: string;
  intro_recovery_request: string;
  intro_recovery_inline: string;
  recovery_for: string;
  label_note: string;
  hint_note: string;
  label_employee_number: string;
  action_send_request: string;
  title_recovery_requested: string;
  intro_recovery_requested: string;
}

export type RecoveryMessageKey = keyof RecoveryCatalogue;
/** The translator the recovery elements receive: `<login-flow>`'s, which knows these keys once the chunk is in. */
export type RecoveryTranslate = Translate<RecoveryMessageKey>;

/** The longest note the server takes (server/flows/protocol.ts, `recovery-request`). */
export const NOTE_MAX = 1000;

const en: RecoveryCatalogue = {
  title_recovery_request: 'Request recovery',
  intro_recovery_request:
    'No longer have access to your authenticator app or phone? Send a request: your administrator checks it and emails you a link to set up two-step verification again.',
  intro_recovery_inline: 'Your administrator checks the request and emails you a link to set up two-step verification again.',
  recovery_for: 'The answer goes to {email}.',
  label_note: 'Note for your administrator',
  hint_note: 'Say what happened (for example: phone lost or replaced) and how your administrator can reach you to check it is you. At most 1000 characters.',
  label_employee_number: 'Employee number (if your employer gave you one)',
  action_send_request: 'Send request',
  title_recovery_requested: 'Request sent',
  intro_recovery_requested:
    "If an account exists for {email}, your administrator will look at your request. You'll get an email once it is decided; the request stays open for {days} days.",
  error_note_required: 'Write a short note for your administrator.',
  error_note_too_long: 'Your note is too long: keep it to 1000 characters.',
};

const nl: RecoveryCatalogue = {
  title_recovery_request: 'Herstel aanvragen',
  intro_recovery_request:
    'Geen toegang meer tot je authenticator-app of telefoon? Stuur een verzoek: je beheerder bekijkt het en mailt je een link om tweestapsverificatie opnieuw in te stellen.',
  intro_recovery_inline: 'Je beheerder bekijkt het verzoek en mailt je een link om tweestapsverificatie opnieuw in te stellen.',
  recovery_for: 'Het antwoord gaat naar {email}.',
  label_note: 'Toelichting voor je beheerder',
  hint_note: 'Vertel wat er is gebeurd (bijvoorbeeld: telefoon kwijt of vervangen) en hoe je beheerder je kan bereiken om te controleren dat jij het bent. Maximaal 1000 tekens.',
  label_employee_number: 'Personeelsnummer (als je werkgever je er een heeft gegeven)',
  action_send_request: 'Verzoek versturen',
  title_recovery_requested: 'Verzoek verstuurd',
  intro_recovery_requested:
    'Als er een account is voor {email}, bekijkt je beheerder je verzoek. Je krijgt een e-mail zodra erover is beslist; het verzoek blijft {days} dagen open.',
  error_note_required: 'Schrijf een korte toelichting voor je beheerder.',
  error_note_too_long: 'Je toelichting is te lang: gebruik maximaal 1000 tekens.',
};

export const RECOVERY_MESSAGES: Record<Locale, RecoveryCatalogue> = { en, nl };
