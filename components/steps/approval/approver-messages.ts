import type { ApprovalErrorCode, ApproverSetupErrorCode, Locale, Translate } from '../../lib/i18n.js';

/**
 * The approver's words: the second factor's "Check your phone" (push approval
 * with number matching), the approver's set-up, and their error codes. They
 * ship in the approver chunk (approver-steps.ts), which adds them to the
 * widget's catalogues when it loads, before either step shows: the switch back
 * to the approver from the other methods (`action_use_approver`) is among
 * them. The type makes a missing code a compile error. Glossary as in
 * setup-messages.ts; approve / goedkeuren, number / getal, fingerprint or face /
 * vingerafdruk of gezichtsherkenning.
 */
interface ApproverCatalogue extends Record<`error_${ApprovalErrorCode | ApproverSetupErrorCode}`, string> {
  title_approval: string;
  intro_approval: string;
  approval_number: string;
  approval_sending: string;
  approval_waiting: string;
  action_send_again: string;
  action_other_way: string;
  action_use_approver: string;
  title_approver_setup: string;
  approver_step_scan: string;
  approver_step_open: string;
  approver_step_confirm: string;
  label_approver_qr: string;
  action_open_approver: string;
  approver_expired: string;
  action_new_code: string;
  approver_code_intro: string;
  action_confirm_phone: string;
  approver_code_wrong: string;
}

export type ApproverMessageKey = keyof ApproverCatalogue;
/** The translator the approver's elements receive: `<login-flow>`'s, which knows these keys once the chunk is in. */
export type ApproverTranslate = Translate<ApproverMessageKey>;

const en: ApproverCatalogue = {
  title_approval: 'Check your phone',
  intro_approval: 'We sent a sign-in request to your phone. Tap the notification and pick this number:',
  approval_number: 'Number {number}',
  approval_sending: 'Sending a sign-in request to your phone…',
  approval_waiting: 'Waiting for your phone…',
  action_send_again: 'Send again',
  action_other_way: 'Try another way',
  action_use_approver: 'Approve on your phone',
  title_approver_setup: 'Approve sign-ins on your phone',
  approver_step_scan: "Scan this QR code with your phone's camera.",
  approver_step_open: 'Open the link. If your phone asks, add the app to your home screen.',
  approver_step_confirm: 'Turn it on and confirm with your fingerprint or face.',
  label_approver_qr: 'QR code to set up approving sign-ins on your phone',
  action_open_approver: 'Setting up on this phone? Open the approver',
  approver_expired: 'This code has expired.',
  action_new_code: 'Make a new code',
  approver_code_intro: 'Your phone shows a 6-digit code. Type it here to finish.',
  action_confirm_phone: 'Confirm',
  approver_code_wrong: 'The code is incorrect. Check the code on your phone and try again.',
  error_approval_pending: 'The sign-in has not been approved on your phone yet.',
  error_approval_denied: 'The sign-in was refused on your phone.',
  error_approval_expired: 'The request expired.',
  error_approver_pending: 'Your phone is not set up yet. Follow the steps above on your phone.',
};

const nl: ApproverCatalogue = {
  title_approval: 'Kijk op je telefoon',
  intro_approval: 'We hebben een inlogverzoek naar je telefoon gestuurd. Tik op de melding en kies dit getal:',
  approval_number: 'Getal {number}',
  approval_sending: 'We sturen een inlogverzoek naar je telefoon…',
  approval_waiting: 'Wachten op je telefoon…',
  action_send_again: 'Opnieuw sturen',
  action_other_way: 'Een andere manier proberen',
  action_use_approver: 'Goedkeuren op je telefoon',
  title_approver_setup: 'Inloggen goedkeuren op je telefoon',
  approver_step_scan: 'Scan deze QR-code met de camera van je telefoon.',
  approver_step_open: 'Open de link. Vraagt je telefoon erom, zet de app dan op je beginscherm.',
  approver_step_confirm: 'Zet goedkeuren aan en bevestig met je vingerafdruk of gezichtsherkenning.',
  label_approver_qr: 'QR-code om inloggen goedkeuren op je telefoon in te stellen',
  action_open_approver: 'Stel je dit in op deze telefoon? Open de app',
  approver_expired: 'Deze code is verlopen.',
  action_new_code: 'Maak een nieuwe code',
  approver_code_intro: 'Je telefoon toont een 6-cijferige code. Vul die hier in om af te ronden.',
  action_confirm_phone: 'Bevestigen',
  approver_code_wrong: 'De code klopt niet. Controleer de code op je telefoon en probeer het opnieuw.',
  error_approval_pending: 'Het inloggen is nog niet goedgekeurd op je telefoon.',
  error_approval_denied: 'Het inloggen is op je telefoon geweigerd.',
  error_approval_expired: 'Het verzoek is verlopen.',
  error_approver_pending: 'Je telefoon is nog niet ingesteld. Volg de stappen hierboven op je telefoon.',
};

export const APPROVER_MESSAGES: Record<Locale, ApproverCatalogue> = { en, nl };
