import type { ErrorCode, PasswordRule } from '../../server/flows/protocol.js';
import type { ClientErrorCode } from './events.js';

type ErrorKeys = `error_${ErrorCode | ClientErrorCode}`;
type RuleKeys = `rule_${PasswordRule}`;

/** Every text the widget shows. Each error code has a message: the type makes a missing one a compile error. */
interface Catalogue extends Record<ErrorKeys | RuleKeys, string> {
  title_email: string;
  intro_email: string;
  label_email: string;
  action_continue: string;
  title_password: string;
  label_password: string;
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
}

const en: Catalogue = {
  title_email: 'Log in',
  intro_email: 'Enter your email address to continue.',
  label_email: 'Email address',
  action_continue: 'Next',
  title_password: 'Enter your password',
  label_password: 'Password',
  action_sign_in: 'Log in',
  action_change_email: 'Change',
  label_change_email: 'Change email address',
  action_show_password: 'Show password',
  action_hide_password: 'Hide password',
  busy: 'Please wait…',
  title_done: 'You are logged in',
  signed_in_as: 'Logged in as {email}.',
  retry_after: 'Try again in {seconds} seconds.',
  restarted: 'Please start again.',
  error_invalid_json: 'Something went wrong sending your answer. Please try again.',
  error_invalid_request: 'Please check this field.',
  error_invalid_email: 'Enter a valid email address, like name@example.com.',
  error_password_policy: 'This password does not meet the requirements.',
  error_invalid_credentials: 'The email address or password is incorrect.',
  error_unauthenticated: 'Your session has ended. Please log in again.',
  error_account_disabled: 'This account has been disabled. Contact your employer or support.',
  error_origin_not_allowed: 'This page is not allowed to sign you in.',
  error_not_found: 'Something went wrong. Please try again.',
  error_flow_not_found: 'This login attempt has ended.',
  error_unknown_flow_kind: 'This kind of login is not available.',
  error_method_not_allowed: 'Something went wrong. Please try again.',
  error_action_not_allowed: 'That is not possible at this step.',
  error_flow_conflict: 'Another tab changed this login at the same time. Please try again.',
  error_flow_expired: 'This login attempt took too long and has expired.',
  error_body_too_large: 'What you entered is too long.',
  error_unsupported_media_type: 'Something went wrong sending your answer. Please try again.',
  error_too_many_attempts: 'Too many incorrect attempts.',
  error_rate_limited: 'Too many attempts. Wait a moment before you try again.',
  error_internal_error: 'Something went wrong on our side. Please try again.',
  error_store_unavailable: 'The service is temporarily unavailable. Please try again shortly.',
  error_network_error: 'We could not reach the server. Check your connection and try again.',
  error_email_required: 'Enter your email address.',
  error_password_required: 'Enter your password.',
  rule_min_length: 'At least 15 characters',
  rule_max_length: 'At most 256 characters',
  rule_digit: 'A digit',
  rule_special: 'A special character',
  rule_upper: 'An upper-case letter',
  rule_lower: 'A lower-case letter',
  rule_no_angle_brackets: 'No < or >',
  rule_not_common: 'Not a common password',
  rule_not_email: 'Does not contain your email address',
};

const nl: Catalogue = {
  title_email: 'Inloggen',
  intro_email: 'Vul je e-mailadres in om verder te gaan.',
  label_email: 'E-mailadres',
  action_continue: 'Volgende',
  title_password: 'Vul je wachtwoord in',
  label_password: 'Wachtwoord',
  action_sign_in: 'Inloggen',
  action_change_email: 'Wijzigen',
  label_change_email: 'E-mailadres wijzigen',
  action_show_password: 'Wachtwoord tonen',
  action_hide_password: 'Wachtwoord verbergen',
  busy: 'Even geduld…',
  title_done: 'Je bent ingelogd',
  signed_in_as: 'Ingelogd als {email}.',
  retry_after: 'Probeer het over {seconds} seconden opnieuw.',
  restarted: 'Begin opnieuw.',
  error_invalid_json: 'Er ging iets mis bij het versturen. Probeer het opnieuw.',
  error_invalid_request: 'Controleer dit veld.',
  error_invalid_email: 'Vul een geldig e-mailadres in, zoals naam@voorbeeld.nl.',
  error_password_policy: 'Dit wachtwoord voldoet niet aan de eisen.',
  error_invalid_credentials: 'Het e-mailadres of wachtwoord is onjuist.',
  error_unauthenticated: 'Je sessie is verlopen. Log opnieuw in.',
  error_account_disabled: 'Dit account is geblokkeerd. Neem contact op met je werkgever of support.',
  error_origin_not_allowed: 'Deze pagina mag je niet laten inloggen.',
  error_not_found: 'Er ging iets mis. Probeer het opnieuw.',
  error_flow_not_found: 'Deze inlogpoging is beëindigd.',
  error_unknown_flow_kind: 'Deze manier van inloggen is niet beschikbaar.',
  error_method_not_allowed: 'Er ging iets mis. Probeer het opnieuw.',
  error_action_not_allowed: 'Dat kan niet bij deze stap.',
  error_flow_conflict: 'Een ander tabblad wijzigde deze inlogpoging tegelijk. Probeer het opnieuw.',
  error_flow_expired: 'Deze inlogpoging duurde te lang en is verlopen.',
  error_body_too_large: 'Wat je invulde is te lang.',
  error_unsupported_media_type: 'Er ging iets mis bij het versturen. Probeer het opnieuw.',
  error_too_many_attempts: 'Te veel onjuiste pogingen.',
  error_rate_limited: 'Te veel pogingen. Wacht even voordat je het opnieuw probeert.',
  error_internal_error: 'Er ging bij ons iets mis. Probeer het opnieuw.',
  error_store_unavailable: 'De dienst is tijdelijk niet beschikbaar. Probeer het zo opnieuw.',
  error_network_error: 'We konden de server niet bereiken. Controleer je verbinding en probeer het opnieuw.',
  error_email_required: 'Vul je e-mailadres in.',
  error_password_required: 'Vul je wachtwoord in.',
  rule_min_length: 'Minimaal 15 tekens',
  rule_max_length: 'Maximaal 256 tekens',
  rule_digit: 'Een cijfer',
  rule_special: 'Een speciaal teken',
  rule_upper: 'Een hoofdletter',
  rule_lower: 'Een kleine letter',
  rule_no_angle_brackets: 'Geen < of >',
  rule_not_common: 'Geen veelgebruikt wachtwoord',
  rule_not_email: 'Bevat je e-mailadres niet',
};

export const CATALOGUES = { en, nl } as const;
export type Locale = keyof typeof CATALOGUES;
export type MessageKey = keyof Catalogue;

/** Looks up a message and fills `{name}` placeholders; params are inserted as text (Lit escapes them). */
export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

/** English unless the language tag's primary subtag is one we have (`nl-BE` is Dutch). */
export function resolveLocale(tag: string | null | undefined): Locale {
  const primary = (tag ?? '').toLowerCase().split('-')[0];
  return primary && primary in CATALOGUES ? (primary as Locale) : 'en';
}

export function translator(locale: Locale): Translate {
  const messages = CATALOGUES[locale];
  return (key, params) => {
    const text = messages[key] ?? CATALOGUES.en[key] ?? key;
    return params ? text.replace(/\{(\w+)\}/g, (match, name: string) => String(params[name] ?? match)) : text;
  };
}
