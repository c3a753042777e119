import type { ApprovalErrorCode, Locale, Translate } from '../../lib/i18n.js';

/**
 * The words of the second factor's "Check your phone" (push approval with
 * number matching) and of its error codes. They ship in the approval chunk
 * (approval-steps.ts), which adds them to the widget's catalogues when it
 * loads, before a second-factor step with the approver shows: the switch
 * back to the approver from the other methods (`action_use_approver`) is
 * among them. The type makes a missing code a compile error.
 */
interface ApprovalCatalogue extends Record<`error_${ApprovalErrorCode}`, string> {
  title_approval: string;
  intro_approval: string;
  approval_number: string;
  approval_sending: string;
  approval_waiting: string;
  action_send_again: string;
  action_other_way: string;
  action_use_approver: string;
}

export type ApprovalMessageKey = keyof ApprovalCatalogue;
/** The translator the approval view receives: `<login-flow>`'s, which knows these keys once the chunk is in. */
export type ApprovalTranslate = Translate<ApprovalMessageKey>;

const en: ApprovalCatalogue = {
  title_approval: 'Check your phone',
  intro_approval: 'We sent a sign-in request to your phone. Tap the notification and pick this number:',
  approval_number: 'Number {number}',
  approval_sending: 'Sending a sign-in request to your phone…',
  approval_waiting: 'Waiting for your phone…',
  action_send_again: 'Send again',
  action_other_way: 'Try another way',
  action_use_approver: 'Approve on your phone',
  error_approval_pending: 'The sign-in has not been approved on your phone yet.',
  error_approval_denied: 'The sign-in was refused on your phone.',
  error_approval_expired: 'The request expired.',
};

const nl: ApprovalCatalogue = {
  title_approval: 'Kijk op je telefoon',
  intro_approval: 'We hebben een inlogverzoek naar je telefoon gestuurd. Tik op de melding en kies dit getal:',
  approval_number: 'Getal {number}',
  approval_sending: 'We sturen een inlogverzoek naar je telefoon…',
  approval_waiting: 'Wachten op je telefoon…',
  action_send_again: 'Opnieuw sturen',
  action_other_way: 'Een andere manier proberen',
  action_use_approver: 'Goedkeuren op je telefoon',
  error_approval_pending: 'Het inloggen is nog niet goedgekeurd op je telefoon.',
  error_approval_denied: 'Het inloggen is op je telefoon geweigerd.',
  error_approval_expired: 'Het verzoek is verlopen.',
};

export const APPROVAL_MESSAGES: Record<Locale, ApprovalCatalogue> = { en, nl };
