import type { ErrorCode } from '../server/errors.js';

/** The languages the approver speaks; the first is the fallback. */
export const LANGS = ['en', 'nl'] as const;
export type Lang = (typeof LANGS)[number];

/** What goes wrong on the phone itself, beside the API's codes. */
type ClientErrorCode = 'network_error' | 'passkey_cancelled' | 'passkey_error' | 'generic';

/**
 * The API's codes the approver explains in its own words. `approver_unknown`
 * and the `approval_*` outcomes get a screen of their own, not a message.
 */
type ShownErrorCode = Extract<ErrorCode, 'approver_enrolment_invalid' | 'approver_signature' | 'rate_limited' | 'internal_error' | 'store_unavailable'>;

/** Every text the approver shows; a missing translation is a compile error. */
interface Catalogue extends Record<`error_${ShownErrorCode | ClientErrorCode}`, string> {
  app_name: string;
  loading: string;
  title_setup_needed: string;
  intro_setup_needed: string;
  title_enrol: string;
  intro_enrol: string;
  explain_enrol: string;
  label_device_name: string;
  hint_device_name: string;
  action_turn_on: string;
  busy_turning_on: string;
  notifications_off: string;
  title_confirmation: string;
  intro_confirmation: string;
  label_confirmation: string;
  hint_confirmation: string;
  title_home: string;
  home_waiting: string;
  action_turn_off: string;
  title_turned_off: string;
  intro_turned_off: string;
  title_removed: string;
  intro_removed: string;
  title_request: string;
  title_request_reset: string;
  label_account: string;
  label_browser: string;
  label_ip: string;
  label_time: string;
  label_company: string;
  pick_number: string;
  pick_number_reset: string;
  action_deny: string;
  busy_confirming: string;
  title_approved: string;
  intro_approved: string;
  title_denied: string;
  intro_denied: string;
  intro_denied_number: string;
  intro_denied_reset: string;
  intro_denied_number_reset: string;
  title_expired: string;
  intro_expired: string;
  title_decided: string;
  intro_decided: string;
  title_not_found: string;
  intro_not_found: string;
  action_done: string;
  action_try_again: string;
  ua_on: string;
  ua_browser: string;
  ua_system: string;
  device_name_default: string;
  notification_title: string;
  notification_body: string;
}

const en: Catalogue = {
  app_name: 'Approve sign-ins',
  loading: 'Loading…',
  title_setup_needed: 'Set up this phone',
  intro_setup_needed: 'To approve sign-ins on this phone, choose “Approve on your phone” where you sign in, then scan the QR code with this phone.',
  title_enrol: 'Set up this phone',
  intro_enrol: 'Approve sign-ins for {name} ({email}) on this phone',
  explain_enrol: 'When you sign in, we ask this phone whether it is you. You confirm by picking the number shown on your sign-in screen.',
  label_device_name: 'Name of this phone',
  hint_device_name: 'You see this name in your account’s security settings.',
  action_turn_on: 'Turn on',
  busy_turning_on: 'Turning on…',
  notifications_off: 'Notifications are off: open this app to approve sign-ins.',
  title_confirmation: 'One more step',
  intro_confirmation: 'Type this code on your sign-in screen:',
  label_confirmation: 'Code: {digits}',
  hint_confirmation: 'This confirms that this phone is yours. Tap Done once you have typed it.',
  title_home: 'This phone approves sign-ins for {email}',
  home_waiting: 'Waiting for sign-in requests. When you sign in, the request shows here.',
  action_turn_off: 'Turn off on this phone',
  title_turned_off: 'Turned off on this phone',
  intro_turned_off: 'This phone no longer approves sign-ins. Remove it from your account’s security settings as well.',
  title_removed: 'This phone no longer approves sign-ins',
  intro_removed: 'It was removed from your account. To use it again, set it up where you sign in.',
  title_request: 'Are you signing in?',
  title_request_reset: 'Are you setting a new password?',
  label_account: 'Account',
  label_browser: 'Browser',
  label_ip: 'IP address',
  label_time: 'Time',
  label_company: 'Company',
  pick_number: 'Pick the number shown on your sign-in screen',
  pick_number_reset: 'Pick the number shown on the screen where you are setting your new password',
  action_deny: 'This wasn’t me',
  busy_confirming: 'Confirming…',
  title_approved: 'Approved',
  intro_approved: 'Approved. You can go back to your other screen.',
  title_denied: 'Denied',
  intro_denied: 'Denied. We ended the sign-in and told you by email.',
  intro_denied_number: 'That was not the number on your sign-in screen, so we ended the sign-in and told you by email. If it was you, sign in again.',
  intro_denied_reset: 'Denied. Your password stays as it was, and we told you by email.',
  intro_denied_number_reset: 'That was not the number on your screen, so your password stays as it was and we told you by email. If it was you, try again on your other screen.',
  title_expired: 'This request has expired',
  intro_expired: 'Nothing was approved. If you are signing in, send a new request from your sign-in screen.',
  title_decided: 'Already answered',
  intro_decided: 'This sign-in request was already answered.',
  title_not_found: 'Request not found',
  intro_not_found: 'This sign-in request is not for this phone, or it no longer exists.',
  action_done: 'Done',
  action_try_again: 'Try again',
  ua_on: '{browser} on {system}',
  ua_browser: 'A browser',
  ua_system: 'an unknown system',
  device_name_default: 'My phone',
  notification_title: 'Sign-in request',
  notification_body: 'Tap to review it',
  error_approver_enrolment_invalid: 'This set-up link is no longer valid. Make a new one on the sign-in screen.',
  error_approver_signature: 'This phone could not confirm the answer. Try again.',
  error_rate_limited: 'Too many attempts. Wait a while and try again.',
  error_internal_error: 'Something went wrong on our side. Try again shortly.',
  error_store_unavailable: 'The service is unavailable for a moment. Try again shortly.',
  error_network_error: 'No connection. Check your internet connection and try again.',
  error_passkey_cancelled: 'Confirming with your face, fingerprint or screen lock was cancelled. Try again.',
  error_passkey_error: 'This phone could not make or use its key. Try again.',
  error_generic: 'Something went wrong. Try again.',
};

const nl: Catalogue = {
  app_name: 'Inloggen goedkeuren',
  loading: 'Laden…',
  title_setup_needed: 'Deze telefoon instellen',
  intro_setup_needed: 'Kies waar je inlogt voor “Goedkeuren op je telefoon” en scan dan de QR-code met deze telefoon om hier inloggen goed te keuren.',
  title_enrol: 'Deze telefoon instellen',
  intro_enrol: 'Inloggen goedkeuren voor {name} ({email}) op deze telefoon',
  explain_enrol: 'Als je inlogt, vragen we deze telefoon of jij het bent. Je bevestigt door het getal te kiezen dat op je inlogscherm staat.',
  label_device_name: 'Naam van deze telefoon',
  hint_device_name: 'Je ziet deze naam bij de beveiliging van je account.',
  action_turn_on: 'Aanzetten',
  busy_turning_on: 'Bezig met aanzetten…',
  notifications_off: 'Meldingen staan uit: open deze app om inloggen goed te keuren.',
  title_confirmation: 'Nog één stap',
  intro_confirmation: 'Typ deze code op je inlogscherm:',
  label_confirmation: 'Code: {digits}',
  hint_confirmation: 'Zo bevestig je dat deze telefoon van jou is. Tik op Klaar als je hem hebt getypt.',
  title_home: 'Deze telefoon keurt inloggen goed voor {email}',
  home_waiting: 'Wachten op inlogverzoeken. Als je inlogt, verschijnt het verzoek hier.',
  action_turn_off: 'Uitzetten op deze telefoon',
  title_turned_off: 'Uitgezet op deze telefoon',
  intro_turned_off: 'Deze telefoon keurt geen inloggen meer goed. Verwijder hem ook bij de beveiliging van je account.',
  title_removed: 'Deze telefoon keurt geen inloggen meer goed',
  intro_removed: 'Hij is uit je account verwijderd. Stel hem opnieuw in waar je inlogt om hem weer te gebruiken.',
  title_request: 'Ben jij aan het inloggen?',
  title_request_reset: 'Ben jij een nieuw wachtwoord aan het instellen?',
  label_account: 'Account',
  label_browser: 'Browser',
  label_ip: 'IP-adres',
  label_time: 'Tijd',
  label_company: 'Bedrijf',
  pick_number: 'Kies het getal dat op je inlogscherm staat',
  pick_number_reset: 'Kies het getal op het scherm waar je je nieuwe wachtwoord instelt',
  action_deny: 'Dit was ik niet',
  busy_confirming: 'Bezig met bevestigen…',
  title_approved: 'Goedgekeurd',
  intro_approved: 'Goedgekeurd. Je kunt terug naar je andere scherm.',
  title_denied: 'Geweigerd',
  intro_denied: 'Geweigerd. We hebben het inloggen gestopt en je een e-mail gestuurd.',
  intro_denied_number: 'Dat was niet het getal op je inlogscherm, dus we hebben het inloggen gestopt en je een e-mail gestuurd. Was jij het wel, log dan opnieuw in.',
  intro_denied_reset: 'Geweigerd. Je wachtwoord blijft zoals het was, en we hebben je een e-mail gestuurd.',
  intro_denied_number_reset: 'Dat was niet het getal op je scherm, dus je wachtwoord blijft zoals het was en we hebben je een e-mail gestuurd. Was jij het wel, probeer het dan opnieuw op je andere scherm.',
  title_expired: 'Dit verzoek is verlopen',
  intro_expired: 'Er is niets goedgekeurd. Ben je aan het inloggen, stuur dan een nieuw verzoek vanaf je inlogscherm.',
  title_decided: 'Al beantwoord',
  intro_decided: 'Dit inlogverzoek is al beantwoord.',
  title_not_found: 'Verzoek niet gevonden',
  intro_not_found: 'Dit inlogverzoek is niet voor deze telefoon, of het bestaat niet meer.',
  action_done: 'Klaar',
  action_try_again: 'Opnieuw proberen',
  ua_on: '{browser} op {system}',
  ua_browser: 'Een browser',
  ua_system: 'een onbekend systeem',
  device_name_default: 'Mijn telefoon',
  notification_title: 'Inlogverzoek',
  notification_body: 'Tik om het te bekijken',
  error_approver_enrolment_invalid: 'Deze instellink is niet meer geldig. Maak een nieuwe op het inlogscherm.',
  error_approver_signature: 'Deze telefoon kon het antwoord niet bevestigen. Probeer het opnieuw.',
  error_rate_limited: 'Te veel pogingen. Wacht even en probeer het opnieuw.',
  error_internal_error: 'Er ging bij ons iets mis. Probeer het zo opnieuw.',
  error_store_unavailable: 'De dienst is even niet beschikbaar. Probeer het zo opnieuw.',
  error_network_error: 'Geen verbinding. Controleer je internetverbinding en probeer het opnieuw.',
  error_passkey_cancelled: 'Bevestigen met je gezicht, vingerafdruk of schermvergrendeling is geannuleerd. Probeer het opnieuw.',
  error_passkey_error: 'Deze telefoon kon zijn sleutel niet maken of gebruiken. Probeer het opnieuw.',
  error_generic: 'Er ging iets mis. Probeer het opnieuw.',
};

const CATALOGUES: Record<Lang, Catalogue> = { en, nl };
export type MessageKey = keyof Catalogue;

/**
 * The language to speak: `?lang=` when it names one we have, else the first
 * of the browser's preferred languages (`navigator.languages`, primary
 * subtag: `nl-BE` is Dutch) that we have, else English.
 */
export function pickLang(query: string | null, preferred: readonly string[]): Lang {
  for (const tag of [query, ...preferred]) {
    const primary = tag?.toLowerCase().split('-')[0];
    const found = LANGS.find((lang) => lang === primary);
    if (found) return found;
  }
  return LANGS[0];
}

/** A message with its `{placeholders}` filled in. */
export function translate(lang: Lang, key: MessageKey, params: Record<string, string> = {}): string {
  return CATALOGUES[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) => params[name] ?? whole);
}

/** The message for an error code: the code's own when the catalogue has one, else the generic one. */
export function errorMessage(lang: Lang, code: string): string {
  const key = `error_${code}`;
  return key in CATALOGUES[lang] ? CATALOGUES[lang][key as MessageKey] : CATALOGUES[lang].error_generic;
}
