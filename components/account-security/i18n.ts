import type { AccountErrorCode } from '../../server/errors.js';
import { translator, type Locale, type Translate } from '../lib/i18n.js';

/**
 * The account page's own texts, kept out of the login widget's catalogue (and
 * its 20 KB budget). Keys here come first; the rest (password rules, most
 * error codes, Cancel...) come from the widget's catalogue. A key here with an
 * `error_` name words a code for this page ("your current password").
 */
interface AccountCatalogue extends Record<`error_${AccountErrorCode}`, string> {
  title_account: string;
  section_password: string;
  action_change_password: string;
  label_current_password: string;
  label_sign_out_others: string;
  action_save_password: string;
  password_changed: string;
  signed_out_others: string;
  error_invalid_credentials: string;
  section_mfa: string;
  mfa_on: string;
  mfa_off: string;
  mfa_required: string;
  action_enable_mfa: string;
  method_totp: string;
  method_sms: string;
  method_passkeys: string;
  added_on: string;
  last_used: string;
  never_used: string;
  action_remove: string;
  label_remove: string;
  confirm_remove: string;
  removed: string;
  action_add_totp: string;
  action_add_sms: string;
  passkey_count: string;
  action_manage_passkeys: string;
  factor_added: string;
  recovery_created: string;
  recovery_none: string;
  action_new_recovery: string;
  confirm_new_recovery: string;
  action_generate: string;
  recovery_saved: string;
  action_disable_mfa: string;
  confirm_disable_mfa: string;
  action_turn_off: string;
  section_passkeys: string;
  intro_passkeys: string;
  passkeys_none: string;
  passkey_synced: string;
  passkey_device: string;
  action_add_passkey: string;
  action_rename: string;
  label_rename: string;
  rename_hint: string;
  action_save: string;
  renamed: string;
  section_sessions: string;
  this_device: string;
  signed_in_at: string;
  last_active: string;
  ip_address: string;
  agent: string;
  unknown_agent: string;
  action_sign_out: string;
  label_sign_out: string;
  action_sign_out_others: string;
  signed_out: string;
  section_devices: string;
  intro_devices: string;
  devices_none: string;
  remembered_until: string;
  action_forget: string;
  label_forget: string;
  action_forget_all: string;
  forgotten: string;
  title_reauth: string;
  intro_reauth: string;
  title_confirm: string;
  sso_notice: string;
  label_company: string;
  company_current: string;
  label_switch_company: string;
  action_switch: string;
  company_switched: string;
  error_account_not_available: string;
}

const en: AccountCatalogue = {
  title_account: 'Security for {email}',
  section_password: 'Password',
  action_change_password: 'Change password',
  label_current_password: 'Current password',
  label_sign_out_others: 'Sign me out everywhere else',
  action_save_password: 'Save password',
  password_changed: 'Your password has been changed.',
  signed_out_others: 'Signed out of {count} other sessions.',
  error_invalid_credentials: 'Your current password is incorrect.',
  error_last_factor: 'Two-step verification is required for your account, so you cannot remove your last method. Add another method first.',
  error_mfa_required: 'Two-step verification is required for your account, so it cannot be turned off.',
  error_mfa_not_enabled: 'Turn on two-step verification before you make a recovery code.',
  section_mfa: 'Two-step verification',
  mfa_on: 'Two-step verification is on.',
  mfa_off: 'Two-step verification is off.',
  mfa_required: 'It is required for your account.',
  action_enable_mfa: 'Enable two-step verification',
  method_totp: 'Authenticator app',
  method_sms: 'Text message (SMS)',
  method_passkeys: 'Passkeys',
  added_on: 'Added {date}',
  last_used: 'Last used {time}',
  never_used: 'Never used',
  action_remove: 'Remove',
  label_remove: 'Remove {name}',
  confirm_remove: 'Remove {name}? You cannot undo this.',
  removed: '{name} was removed.',
  action_add_totp: 'Add an authenticator app',
  action_add_sms: 'Add a backup phone number',
  passkey_count: '{count} set up',
  action_manage_passkeys: 'Manage passkeys',
  factor_added: 'Your new way to log in is ready.',
  recovery_created: 'Created {date}',
  recovery_none: 'You have no recovery code.',
  action_new_recovery: 'Generate a new recovery code',
  confirm_new_recovery: 'Your current recovery code will stop working. Generate a new one?',
  action_generate: 'Generate',
  recovery_saved: 'Your new recovery code is active.',
  action_disable_mfa: 'Turn off two-step verification',
  confirm_disable_mfa: 'Without it, a stolen password is enough to get into your account. Turn off two-step verification?',
  action_turn_off: 'Turn off',
  section_passkeys: 'Passkeys',
  intro_passkeys: 'Log in with your face, fingerprint, screen lock or a security key.',
  passkeys_none: 'You have no passkeys yet.',
  passkey_synced: 'Synced',
  passkey_device: 'This device only',
  action_add_passkey: 'Add a passkey',
  action_rename: 'Rename',
  label_rename: 'Rename {name}',
  rename_hint: 'Enter saves, Escape cancels.',
  action_save: 'Save',
  renamed: 'Passkey renamed.',
  section_sessions: "Where you're signed in",
  this_device: 'This device',
  signed_in_at: 'Signed in {date}',
  last_active: 'Last active {time}',
  ip_address: 'IP address {ip}',
  agent: '{browser} on {os}',
  unknown_agent: 'Unknown browser',
  action_sign_out: 'Sign out',
  label_sign_out: 'Sign out {device}',
  action_sign_out_others: 'Sign out everywhere else',
  signed_out: 'Signed out.',
  section_devices: 'Remembered devices',
  intro_devices: 'These browsers skip the second step when you log in, until the date shown.',
  devices_none: 'No remembered devices.',
  remembered_until: 'Remembered until {date}',
  action_forget: 'Forget',
  label_forget: 'Forget {device}',
  action_forget_all: 'Forget all devices',
  forgotten: 'Forgotten.',
  title_reauth: "Confirm it's you",
  intro_reauth: 'Log in again to make this change.',
  title_confirm: 'Are you sure?',
  sso_notice: 'You are signed in with {provider}. Your company manages your password and two-step verification there.',
  label_company: 'Company',
  company_current: 'You are working in {company}.',
  label_switch_company: 'Switch to',
  action_switch: 'Switch',
  company_switched: 'Now working in {company}.',
  error_account_not_available: 'This company account is not available in this session.',
};

const nl: AccountCatalogue = {
  title_account: 'Beveiliging van {email}',
  section_password: 'Wachtwoord',
  action_change_password: 'Wachtwoord wijzigen',
  label_current_password: 'Huidig wachtwoord',
  label_sign_out_others: 'Meld me overal anders af',
  action_save_password: 'Wachtwoord opslaan',
  password_changed: 'Je wachtwoord is gewijzigd.',
  signed_out_others: 'Afgemeld bij {count} andere sessies.',
  error_invalid_credentials: 'Je huidige wachtwoord is onjuist.',
  error_last_factor: 'Tweestapsverificatie is verplicht voor je account, dus je kunt je laatste methode niet verwijderen. Voeg eerst een andere methode toe.',
  error_mfa_required: 'Tweestapsverificatie is verplicht voor je account en kan niet uit.',
  error_mfa_not_enabled: 'Zet tweestapsverificatie aan voordat je een herstelcode maakt.',
  section_mfa: 'Tweestapsverificatie',
  mfa_on: 'Tweestapsverificatie staat aan.',
  mfa_off: 'Tweestapsverificatie staat uit.',
  mfa_required: 'Het is verplicht voor je account.',
  action_enable_mfa: 'Tweestapsverificatie inschakelen',
  method_totp: 'Authenticator-app',
  method_sms: 'Sms',
  method_passkeys: 'Passkeys',
  added_on: 'Toegevoegd op {date}',
  last_used: 'Laatst gebruikt {time}',
  never_used: 'Nooit gebruikt',
  action_remove: 'Verwijderen',
  label_remove: '{name} verwijderen',
  confirm_remove: '{name} verwijderen? Dit kun je niet ongedaan maken.',
  removed: '{name} is verwijderd.',
  action_add_totp: 'Authenticator-app toevoegen',
  action_add_sms: 'Reservenummer toevoegen',
  passkey_count: '{count} ingesteld',
  action_manage_passkeys: 'Passkeys beheren',
  factor_added: 'Je nieuwe manier om in te loggen is klaar.',
  recovery_created: 'Aangemaakt op {date}',
  recovery_none: 'Je hebt geen herstelcode.',
  action_new_recovery: 'Nieuwe herstelcode maken',
  confirm_new_recovery: 'Je huidige herstelcode werkt dan niet meer. Een nieuwe maken?',
  action_generate: 'Maken',
  recovery_saved: 'Je nieuwe herstelcode is actief.',
  action_disable_mfa: 'Tweestapsverificatie uitzetten',
  confirm_disable_mfa: 'Zonder is een gestolen wachtwoord genoeg om in je account te komen. Tweestapsverificatie uitzetten?',
  action_turn_off: 'Uitzetten',
  section_passkeys: 'Passkeys',
  intro_passkeys: 'Log in met je gezicht, vingerafdruk, schermvergrendeling of een beveiligingssleutel.',
  passkeys_none: 'Je hebt nog geen passkeys.',
  passkey_synced: 'Gesynchroniseerd',
  passkey_device: 'Alleen dit apparaat',
  action_add_passkey: 'Passkey toevoegen',
  action_rename: 'Naam wijzigen',
  label_rename: 'Naam van {name} wijzigen',
  rename_hint: 'Enter slaat op, Escape annuleert.',
  action_save: 'Opslaan',
  renamed: 'Naam van de passkey gewijzigd.',
  section_sessions: 'Waar je bent ingelogd',
  this_device: 'Dit apparaat',
  signed_in_at: 'Ingelogd op {date}',
  last_active: 'Laatst actief {time}',
  ip_address: 'IP-adres {ip}',
  agent: '{browser} op {os}',
  unknown_agent: 'Onbekende browser',
  action_sign_out: 'Afmelden',
  label_sign_out: '{device} afmelden',
  action_sign_out_others: 'Overal anders afmelden',
  signed_out: 'Afgemeld.',
  section_devices: 'Onthouden apparaten',
  intro_devices: 'Op deze browsers sla je bij het inloggen de tweede stap over, tot de getoonde datum.',
  devices_none: 'Geen onthouden apparaten.',
  remembered_until: 'Onthouden tot {date}',
  action_forget: 'Vergeten',
  label_forget: '{device} vergeten',
  action_forget_all: 'Alle apparaten vergeten',
  forgotten: 'Vergeten.',
  title_reauth: 'Bevestig dat jij het bent',
  intro_reauth: 'Log opnieuw in om deze wijziging te doen.',
  title_confirm: 'Weet je het zeker?',
  sso_notice: 'Je bent ingelogd via {provider}. Je bedrijf beheert daar je wachtwoord en tweestapsverificatie.',
  label_company: 'Bedrijf',
  company_current: 'Je werkt bij {company}.',
  label_switch_company: 'Wisselen naar',
  action_switch: 'Wisselen',
  company_switched: 'Je werkt nu bij {company}.',
  error_account_not_available: 'Dit bedrijfsaccount is niet beschikbaar in deze sessie.',
};

export type AccountMessageKey = keyof AccountCatalogue;
export type AccountTranslate = Translate<AccountMessageKey>;

/** The account page's translator: its own texts first, then the login widget's. */
export function accountTranslator(locale: Locale): AccountTranslate {
  return translator(locale, { en, nl }[locale]);
}
