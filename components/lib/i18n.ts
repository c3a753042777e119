import type { AdminErrorCode, CompanyErrorCode, ErrorCode, PasswordRule, SecondFactorMethod } from '../../server/flows/protocol.js';
import type { ClientErrorCode, RecoveryFormErrorCode } from './events.js';

/**
 * The approver's codes the widget shows: at `second-factor` (pending, denied,
 * expired) and at `approver-setup` (pending). Their words come with the
 * approver chunk (steps/approval/approver-messages.ts).
 */
export type ApprovalErrorCode = Extract<ErrorCode, 'approval_pending' | 'approval_denied' | 'approval_expired'>;
export type ApproverSetupErrorCode = Extract<ErrorCode, 'approver_pending'>;
/** The approver app's own codes (`/api/approver/*`): they never reach the widget, which carries no words for them. */
type ApproverAppErrorCode = Extract<ErrorCode, 'approval_not_found' | 'approval_decided' | 'approver_unknown' | 'approver_signature' | 'push_endpoint_invalid' | 'approver_enrolment_invalid'>;
/**
 * Admin-API codes never reach the widget, so it carries no message for them;
 * the company and approver codes' messages, and the recovery form's own, come with the chunks that need them.
 * A code with no message reads as `error_not_found`'s "Something went wrong" (see `translator`).
 */
type ErrorKeys = `error_${Exclude<ErrorCode, AdminErrorCode | CompanyErrorCode | ApprovalErrorCode | ApproverSetupErrorCode | ApproverAppErrorCode> | Exclude<ClientErrorCode, RecoveryFormErrorCode>}`;
type RuleKeys = `rule_${PasswordRule}`;
/** The links that switch the second-factor step to each method; the approver's comes with the approval chunk. */
type MethodKeys = `action_use_${Exclude<SecondFactorMethod, 'approver'>}`;

/** Every text the widget shows. Each error code has a message: the type makes a missing one a compile error. */
interface Catalogue extends Record<ErrorKeys | RuleKeys | MethodKeys, string> {
  title_email: string;
  intro_email: string;
  label_email: string;
  action_continue: string;
  title_password: string;
  label_password: string;
  label_new_password: string;
  action_sign_in: string;
  action_change_email: string;
  label_change_email: string;
  action_show_password: string;
  action_hide_password: string;
  busy: string;
  title_done: string;
  signed_in_as: string;
  retry_after: string;
  restarted: string;
  title_second_factor: string;
  intro_totp: string;
  intro_recovery: string;
  intro_recovery_only: string;
  label_code: string;
  label_recovery_code: string;
  remember_device: string;
  remember_device_note: string;
  action_verify: string;
  title_mfa_prompt: string;
  intro_mfa_prompt: string;
  mfa_required_from: string;
  action_enable: string;
  action_remind_later: string;
  action_cancel: string;
  action_proceed: string;
  action_passkey_sign_in: string;
  passkey_waiting: string;
  intro_passkey: string;
  label_passkey_name: string;
  action_forgot: string;
  action_back: string;
  title_check_email: string;
  intro_reset_sent: string;
  title_set_password_activate: string;
  title_set_password_reset: string;
  rule_met: string;
  rule_unmet: string;
  intro_verify_email: string;
  action_resend: string;
  resent: string;
  sms_sent_to: string;
  action_send_sms: string;
  title_link_invalid: string;
  label_language: string;
  action_try_again: string;
  action_lost_phone: string;
}

const en: Catalogue = {
  title_email: 'Sign in',
  intro_email: 'Enter your email address to continue.',
  label_email: 'Email address',
  action_continue: 'Continue',
  title_password: 'Enter your password',
  label_password: 'Password',
  label_new_password: 'New password',
  action_sign_in: 'Sign in',
  action_change_email: 'Change',
  label_change_email: 'Change email address',
  action_show_password: 'Show password',
  action_hide_password: 'Hide password',
  busy: 'Please wait…',
  title_done: 'You are signed in',
  signed_in_as: 'Signed in as {email}.',
  retry_after: 'Try again {when}.',
  restarted: 'Please start again.',
  title_second_factor: 'Two-step verification',
  intro_totp: 'Enter the 6-digit code from your authenticator app.',
  intro_recovery: 'Enter the recovery code you saved when you set up two-step verification.',
  intro_recovery_only: 'Two-step verification was reset for your account. Enter the recovery code you received from support.',
  label_code: 'Verification code',
  label_recovery_code: 'Recovery code',
  remember_device: 'Remember this device for {days} days',
  remember_device_note: 'Not for public or shared computers.',
  action_verify: 'Verify',
  action_use_recovery_code: 'Use a recovery code',
  action_use_totp: 'Use your authenticator app',
  title_mfa_prompt: 'Add an extra layer of security',
  intro_mfa_prompt: "With two-step verification you sign in with your password and a second step: a code or your phone's Face ID or fingerprint. A stolen password alone is then not enough.",
  mfa_required_from: 'From {date}, two-step verification is required.',
  action_enable: 'Enable',
  action_remind_later: 'Remind me later',
  action_cancel: 'Cancel',
  action_proceed: 'Continue',
  action_passkey_sign_in: 'Sign in with a passkey',
  passkey_waiting: 'Waiting for your passkey…',
  intro_passkey: "Confirm it's you with your passkey: Face ID, fingerprint, screen lock or security key.",
  action_use_passkey: 'Use your passkey (Face ID or fingerprint)',
  label_passkey_name: 'Name for this passkey',
  action_forgot: 'Forgot your password?',
  action_back: 'Back',
  title_check_email: 'Check your email',
  intro_reset_sent: 'If an account exists for {email}, we sent a link to set a new password. The link works for {minutes} minutes.',
  title_set_password_activate: 'Create your password',
  title_set_password_reset: 'Choose a new password',
  rule_met: 'met',
  rule_unmet: 'not met',
  intro_verify_email: 'We sent a {length}-digit code to {email}.',
  action_resend: 'Send a new code',
  resent: 'A new code is on its way.',
  sms_sent_to: 'We texted a code to {phone}.',
  action_use_sms: 'Text a code to my phone',
  action_send_sms: 'Text a code to {phone}',
  title_link_invalid: 'This link no longer works',
  label_language: 'Language',
  action_try_again: 'Try again',
  action_lost_phone: 'Lost access to your phone?',
  error_code_expired: 'This code has expired. Ask for a new one.',
  error_invalid_phone: 'Enter a valid mobile number, like +31 6 12345678.',
  error_invitation_invalid: 'It has expired or was already used. Ask your employer for a new invitation, or sign in if you already activated your account.',
  error_reset_link_invalid: 'It has expired or was already used. Request a new link from the sign-in page.',
  error_recovery_link_invalid: 'It has expired or was already used. If you still cannot sign in, send a new recovery request.',
  error_delivery_failed: 'The message could not be sent. Please try again shortly.',
  error_invalid_json: 'Something went wrong sending your answer. Please try again.',
  error_invalid_request: 'Please check this field.',
  error_invalid_email: 'Enter a valid email address, like name@example.com.',
  error_password_policy: 'This password does not meet the requirements.',
  error_invalid_credentials: 'The email address or password is incorrect.',
  error_unauthenticated: 'Your session has ended. Please sign in again.',
  error_account_disabled: 'This account has been disabled. Contact your employer or support.',
  error_origin_not_allowed: 'This page is not allowed to sign you in.',
  error_not_found: 'Something went wrong. Please try again.',
  error_flow_not_found: 'This sign-in has ended.',
  error_unknown_flow_kind: 'This kind of sign-in is not available.',
  error_method_not_allowed: 'Something went wrong. Please try again.',
  error_action_not_allowed: 'That is not possible at this step.',
  error_flow_conflict: 'Another tab changed this sign-in at the same time. Please try again.',
  error_flow_expired: 'This sign-in took too long and has expired.',
  error_body_too_large: 'What you entered is too long.',
  error_unsupported_media_type: 'Something went wrong sending your answer. Please try again.',
  error_too_many_attempts: 'Too many incorrect attempts.',
  error_rate_limited: 'Too many attempts. Wait a moment before you try again.',
  error_busy: 'Many people are signing in right now.',
  error_internal_error: 'Something went wrong on our side. Please try again.',
  error_store_unavailable: 'The service is temporarily unavailable. Please try again shortly.',
  error_network_error: 'We could not reach the server. Check your connection and try again.',
  error_email_required: 'Enter your email address.',
  error_password_required: 'Enter your password.',
  error_invalid_code: 'The code is incorrect or has already been used. Wait for a new code and try again.',
  error_invalid_recovery_code: 'This recovery code is incorrect or has already been used. Check it, or ask support for a new one.',
  error_code_required: 'Enter the code.',
  error_confirmation_required: 'Confirm that you have saved your recovery code.',
  error_passkey_failed: 'Your passkey could not be verified. Please try again.',
  error_passkey_unknown: 'This passkey is not registered for this account. Choose another one.',
  error_passkey_user_verification: "Your passkey did not confirm it's you (Face ID, fingerprint or PIN). Please try again.",
  error_passkey_already_registered: 'This passkey is already registered for your account.',
  error_reauthentication_required: 'Sign in again to change how you sign in.',
  error_passkey_cancelled: 'The passkey request was cancelled or timed out, or there is no passkey on this device. Try again, or choose another way.',
  error_passkey_exists: 'This device or security key already has a passkey for your account.',
  error_passkey_unsupported: 'This browser does not support passkeys. Try another browser, or choose another way.',
  error_passkey_error: 'Something went wrong with your passkey. Please try again.',
  rule_min_length: 'At least {min} characters',
  rule_max_length: 'At most {max} characters',
  rule_digit: 'A digit',
  rule_special: 'A special character',
  rule_upper: 'An upper-case letter',
  rule_lower: 'A lower-case letter',
  rule_no_angle_brackets: 'No < or >',
  rule_not_common: 'Not a common password (like password123 or welkom01)',
  rule_not_guessable: 'Not easy to guess (no repeats, sequences or keyboard patterns)',
  rule_not_email: 'Does not contain your email address',
  rule_not_context: 'Does not contain your name or the name of your company or this service',
  rule_no_control: 'No tabs or other control characters',
};

const nl: Catalogue = {
  title_email: 'Inloggen',
  intro_email: 'Vul je e-mailadres in om verder te gaan.',
  label_email: 'E-mailadres',
  action_continue: 'Doorgaan',
  title_password: 'Vul je wachtwoord in',
  label_password: 'Wachtwoord',
  label_new_password: 'Nieuw wachtwoord',
  action_sign_in: 'Inloggen',
  action_change_email: 'Wijzigen',
  label_change_email: 'E-mailadres wijzigen',
  action_show_password: 'Wachtwoord tonen',
  action_hide_password: 'Wachtwoord verbergen',
  busy: 'Even geduld…',
  title_done: 'Je bent ingelogd',
  signed_in_as: 'Ingelogd als {email}.',
  retry_after: 'Probeer het {when} opnieuw.',
  restarted: 'Begin opnieuw.',
  title_second_factor: 'Tweestapsverificatie',
  intro_totp: 'Vul de 6-cijferige code uit je authenticator-app in.',
  intro_recovery: 'Vul de herstelcode in die je hebt bewaard toen je tweestapsverificatie instelde.',
  intro_recovery_only: 'De tweestapsverificatie van je account is gereset. Vul de herstelcode in die je van de helpdesk hebt gekregen.',
  label_code: 'Verificatiecode',
  label_recovery_code: 'Herstelcode',
  remember_device: 'Onthoud dit apparaat {days} dagen',
  remember_device_note: 'Niet op openbare of gedeelde computers.',
  action_verify: 'Verifiëren',
  action_use_recovery_code: 'Herstelcode gebruiken',
  action_use_totp: 'Authenticator-app gebruiken',
  title_mfa_prompt: 'Extra beveiliging voor je account',
  intro_mfa_prompt: 'Met tweestapsverificatie log je in met je wachtwoord én een tweede stap: een code, of Face ID of je vingerafdruk op je telefoon. Met alleen een gestolen wachtwoord komt niemand dan in je account.',
  mfa_required_from: 'Vanaf {date} is tweestapsverificatie verplicht.',
  action_enable: 'Inschakelen',
  action_remind_later: 'Herinner me later',
  action_cancel: 'Annuleren',
  action_proceed: 'Doorgaan',
  action_passkey_sign_in: 'Inloggen met een passkey',
  passkey_waiting: 'Wachten op je passkey…',
  intro_passkey: 'Bevestig met je passkey dat jij het bent: Face ID, vingerafdruk, schermvergrendeling of beveiligingssleutel.',
  action_use_passkey: 'Passkey gebruiken (Face ID of vingerafdruk)',
  label_passkey_name: 'Naam voor deze passkey',
  action_forgot: 'Wachtwoord vergeten?',
  action_back: 'Terug',
  title_check_email: 'Controleer je e-mail',
  intro_reset_sent: 'Als er een account is voor {email}, hebben we een link gestuurd om een nieuw wachtwoord in te stellen. De link is {minutes} minuten geldig.',
  title_set_password_activate: 'Kies een wachtwoord',
  title_set_password_reset: 'Kies een nieuw wachtwoord',
  rule_met: 'voldaan',
  rule_unmet: 'niet voldaan',
  intro_verify_email: 'We hebben een {length}-cijferige code gestuurd naar {email}.',
  action_resend: 'Stuur een nieuwe code',
  resent: 'Er is een nieuwe code onderweg.',
  sms_sent_to: 'We hebben een code per sms gestuurd naar {phone}.',
  action_use_sms: 'Code per sms ontvangen',
  action_send_sms: 'Stuur een code per sms naar {phone}',
  title_link_invalid: 'Deze link werkt niet meer',
  label_language: 'Taal',
  action_try_again: 'Opnieuw proberen',
  action_lost_phone: 'Geen toegang meer tot je telefoon?',
  error_code_expired: 'Deze code is verlopen. Vraag een nieuwe aan.',
  error_invalid_phone: 'Vul een geldig mobiel nummer in, zoals 06 12345678.',
  error_invitation_invalid: 'De link is verlopen of al gebruikt. Vraag je werkgever om een nieuwe uitnodiging, of log in als je je account al hebt geactiveerd.',
  error_reset_link_invalid: 'De link is verlopen of al gebruikt. Vraag een nieuwe link aan via de inlogpagina.',
  error_recovery_link_invalid: 'De link is verlopen of al gebruikt. Kun je nog steeds niet inloggen? Dien dan een nieuw herstelverzoek in.',
  error_delivery_failed: 'We konden het bericht niet versturen. Probeer het zo opnieuw.',
  error_invalid_json: 'Er ging iets mis bij het versturen. Probeer het opnieuw.',
  error_invalid_request: 'Controleer dit veld.',
  error_invalid_email: 'Vul een geldig e-mailadres in, zoals naam@voorbeeld.nl.',
  error_password_policy: 'Dit wachtwoord voldoet niet aan de eisen.',
  error_invalid_credentials: 'Het e-mailadres of wachtwoord klopt niet.',
  error_unauthenticated: 'Je sessie is verlopen. Log opnieuw in.',
  error_account_disabled: 'Dit account is geblokkeerd. Neem contact op met je werkgever of de helpdesk.',
  error_origin_not_allowed: 'Via deze pagina kun je niet inloggen.',
  error_not_found: 'Er ging iets mis. Probeer het opnieuw.',
  error_flow_not_found: 'Deze inlogpoging is afgelopen.',
  error_unknown_flow_kind: 'Deze manier van inloggen is niet beschikbaar.',
  error_method_not_allowed: 'Er ging iets mis. Probeer het opnieuw.',
  error_action_not_allowed: 'Dat kan niet bij deze stap.',
  error_flow_conflict: 'Deze inlogpoging is tegelijk in een ander tabblad gewijzigd. Probeer het opnieuw.',
  error_flow_expired: 'Deze inlogpoging duurde te lang en is verlopen.',
  error_body_too_large: 'Wat je hebt ingevuld is te lang.',
  error_unsupported_media_type: 'Er ging iets mis bij het versturen. Probeer het opnieuw.',
  error_too_many_attempts: 'Te veel mislukte pogingen.',
  error_rate_limited: 'Te veel pogingen. Wacht even voordat je het opnieuw probeert.',
  error_busy: 'Het is nu erg druk.',
  error_internal_error: 'Er ging bij ons iets mis. Probeer het opnieuw.',
  error_store_unavailable: 'De dienst is tijdelijk niet beschikbaar. Probeer het zo opnieuw.',
  error_network_error: 'We konden de server niet bereiken. Controleer je verbinding en probeer het opnieuw.',
  error_email_required: 'Vul je e-mailadres in.',
  error_password_required: 'Vul je wachtwoord in.',
  error_invalid_code: 'De code klopt niet of is al gebruikt. Wacht op een nieuwe code en probeer het opnieuw.',
  error_invalid_recovery_code: 'Deze herstelcode klopt niet of is al gebruikt. Controleer hem, of vraag de helpdesk om een nieuwe.',
  error_code_required: 'Vul de code in.',
  error_confirmation_required: 'Bevestig dat je je herstelcode hebt bewaard.',
  error_passkey_failed: 'We konden je passkey niet controleren. Probeer het opnieuw.',
  error_passkey_unknown: 'Deze passkey hoort niet bij dit account. Kies een andere.',
  error_passkey_user_verification: 'Je passkey heeft niet bevestigd dat jij het bent (Face ID, vingerafdruk of pincode). Probeer het opnieuw.',
  error_passkey_already_registered: 'Deze passkey is al aan je account gekoppeld.',
  error_reauthentication_required: 'Log opnieuw in om je inlogmethoden te wijzigen.',
  error_passkey_cancelled: 'Het verzoek om je passkey is geannuleerd of verlopen, of er staat geen passkey op dit apparaat. Probeer het opnieuw, of kies een andere manier.',
  error_passkey_exists: 'Op dit apparaat of deze beveiligingssleutel staat al een passkey voor je account.',
  error_passkey_unsupported: 'Deze browser ondersteunt geen passkeys. Probeer een andere browser, of kies een andere manier.',
  error_passkey_error: 'Er ging iets mis met je passkey. Probeer het opnieuw.',
  rule_min_length: 'Minimaal {min} tekens',
  rule_max_length: 'Maximaal {max} tekens',
  rule_digit: 'Een cijfer',
  rule_special: 'Een speciaal teken',
  rule_upper: 'Een hoofdletter',
  rule_lower: 'Een kleine letter',
  rule_no_angle_brackets: 'Geen < of >',
  rule_not_common: 'Geen veelgebruikt wachtwoord (zoals password123 of welkom01)',
  rule_not_guessable: 'Niet makkelijk te raden (geen herhalingen, reeksen of toetsenbordpatronen)',
  rule_not_email: 'Bevat je e-mailadres niet',
  rule_not_context: 'Bevat niet je naam of de naam van je bedrijf of deze dienst',
  rule_no_control: 'Geen tabs of andere stuurtekens',
};

export const CATALOGUES = { en, nl } as const;
export type Locale = keyof typeof CATALOGUES;
export type MessageKey = keyof Catalogue;

/**
 * Looks up a message and fills `{name}` placeholders; params are inserted as text (Lit escapes them).
 * `locale` is the catalogue's language, for `Intl` formatting of dates and numbers.
 * `K` is the keys of an element's own catalogue beside the widget's (see `translator`).
 */
export interface Translate<K extends string = never> {
  (key: K | MessageKey, params?: Record<string, string | number>): string;
  readonly locale: Locale;
}

/** English unless the language tag's primary subtag is one we have (`nl-BE` is Dutch). */
export function resolveLocale(tag: string | null | undefined): Locale {
  const primary = (tag ?? '').toLowerCase().split('-')[0];
  return primary && primary in CATALOGUES ? (primary as Locale) : 'en';
}

/**
 * The translator for a language. `own` is an element's own messages in that
 * language (`<account-security>` keeps its texts out of the login widget's
 * catalogue): they come first, the widget's catalogue after.
 */
export function translator<K extends string = never>(locale: Locale, own?: Record<K, string>): Translate<K> {
  const messages = CATALOGUES[locale];
  const t = (key: K | MessageKey, params?: Record<string, string | number>) => {
    const text =
      (own as Record<string, string> | undefined)?.[key] ??
      messages[key as MessageKey] ??
      CATALOGUES.en[key as MessageKey] ??
      // An error code with no words here (a newer server's, or one whose chunk is not in): a general message.
      (key.startsWith('error_') ? messages.error_not_found : key);
    return params ? text.replace(/\{(\w+)\}/g, (match, name: string) => String(params[name] ?? match)) : text;
  };
  return Object.assign(t, { locale });
}

/**
 * A calendar date (YYYY-MM-DD) in the reader's language ("July 1, 2026", "1 juli 2026").
 * Read and written in UTC: it is a day, not an instant, and must not shift a
 * day in time zones west of Greenwich. Anything else is shown as sent.
 */
export function formatDay(isoDate: string | null, locale: string): string {
  if (!isoDate) return '';
  const date = new Date(`${isoDate}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return isoDate;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(date);
}
