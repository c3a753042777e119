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
  signed_out_others_one: string;
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
  just_now: string;
  action_remove: string;
  label_remove: string;
  confirm_remove: string;
  confirm_remove_last: string;
  removed: string;
  action_add_totp: string;
  action_add_sms: string;
  passkey_count: string;
  action_manage_passkeys: string;
  title_approvers: string;
  approvers_none: string;
  approver_passkey: string;
  approver_device: string;
  approver_no_push: string;
  action_add_approver: string;
  added_approver: string;
  added_totp: string;
  added_passkey: string;
  added_sms: string;
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
  forgotten_all: string;
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
  signed_out_others_one: 'Signed out of 1 other session.',
  error_invalid_credentials: 'Your current password is incorrect.',
  error_last_factor: 'Two-step verification is required for your account, so you cannot remove your last method. Add another method first.',
  error_mfa_required: 'Two-step verification is required for your account, so it cannot be turned off.',
  error_mfa_not_enabled: 'Turn on two-step verification before you make a recovery code.',
  section_mfa: 'Two-step verification',
  mfa_on: 'Two-step verification is on.',
  mfa_off: 'Two-step verification is off.',
  mfa_required: 'It is required for your account.',
  action_enable_mfa: 'Turn on two-step verification',
  method_totp: 'Authenticator app',
  method_sms: 'Text message (SMS)',
  method_passkeys: 'Passkeys',
  added_on: 'Added {date}',
  last_used: 'Last used {time}',
  never_used: 'Never used',
  just_now: 'just now',
  action_remove: 'Remove',
  label_remove: 'Remove {name}',
  confirm_remove: 'Remove {name}? You cannot undo this.',
  confirm_remove_last: '{name} is your last verification method. If you remove it, two-step verification will be turned off and your recovery code will stop working.',
  removed: '{name} was removed.',
  action_add_totp: 'Add an authenticator app',
  action_add_sms: 'Add a backup phone number',
  passkey_count: '{count} set up',
  action_manage_passkeys: 'Manage passkeys',
  title_approvers: 'Phones that approve sign-ins',
  approvers_none: 'No phone approves your sign-ins yet. Add one, and you confirm a sign-in with one tap on your phone.',
  approver_passkey: 'Face ID / fingerprint',
  approver_device: 'Key on this phone',
  approver_no_push: 'No notifications',
  action_add_approver: 'Add a phone',
  added_approver: 'Phone added. It can approve your sign-ins now.',
  added_totp: 'Authenticator app added.',
  added_passkey: 'Passkey added.',
  added_sms: 'Phone number added.',
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
  intro_passkeys: 'Sign in with your face (such as Face ID), your fingerprint, your screen lock or a security key.',
  passkeys_none: 'You have no passkeys yet.',
  passkey_synced: 'Synced',
  passkey_device: 'On one device only',
  action_add_passkey: 'Add a passkey',
  action_rename: 'Rename',
  label_rename: 'Rename {name}',
  rename_hint: 'Press Enter to save or Escape to cancel.',
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
  intro_devices: 'These browsers skip the second step when you sign in, until the date shown.',
  devices_none: 'No remembered devices.',
  remembered_until: 'Remembered until {date}',
  action_forget: 'Forget',
  label_forget: 'Forget {device}',
  action_forget_all: 'Forget all devices',
  forgotten: 'Device forgotten.',
  forgotten_all: 'All devices forgotten.',
  title_reauth: "Confirm it's you",
  intro_reauth: 'Sign in again to make this change.',
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
  label_sign_out_others: 'Log me overal anders uit',
  action_save_password: 'Wachtwoord opslaan',
  password_changed: 'Je wachtwoord is gewijzigd.',
  signed_out_others: 'Je bent op {count} andere plekken uitgelogd.',
  signed_out_others_one: 'Je bent op 1 andere plek uitgelogd.',
  error_invalid_credentials: 'Je huidige wachtwoord klopt niet.',
  error_last_factor: 'Tweestapsverificatie is verplicht voor je account, dus je kunt je laatste verificatiemethode niet verwijderen. Voeg eerst een andere methode toe.',
  error_mfa_required: 'Tweestapsverificatie is verplicht voor je account en kan daarom niet uit.',
  error_mfa_not_enabled: 'Zet eerst tweestapsverificatie aan; daarna kun je een herstelcode maken.',
  section_mfa: 'Tweestapsverificatie',
  mfa_on: 'Tweestapsverificatie staat aan.',
  mfa_off: 'Tweestapsverificatie staat uit.',
  mfa_required: 'Dit is verplicht voor je account.',
  action_enable_mfa: 'Tweestapsverificatie aanzetten',
  method_totp: 'Authenticator-app',
  method_sms: 'Sms',
  method_passkeys: 'Passkeys',
  added_on: 'Toegevoegd op {date}',
  last_used: 'Laatst gebruikt: {time}',
  never_used: 'Nog nooit gebruikt',
  just_now: 'zojuist',
  action_remove: 'Verwijderen',
  label_remove: '{name} verwijderen',
  confirm_remove: '{name} verwijderen? Dit kun je niet ongedaan maken.',
  confirm_remove_last: '{name} is je laatste verificatiemethode. Als je die verwijdert, gaat tweestapsverificatie uit en werkt je herstelcode niet meer.',
  removed: '{name} is verwijderd.',
  action_add_totp: 'Authenticator-app toevoegen',
  action_add_sms: 'Telefoonnummer als reserve toevoegen',
  passkey_count: '{count} ingesteld',
  action_manage_passkeys: 'Passkeys beheren',
  title_approvers: 'Telefoons die je inlogpogingen goedkeuren',
  approvers_none: 'Er is nog geen telefoon die je inlogpogingen goedkeurt. Voeg er een toe, dan bevestig je het inloggen met één tik op je telefoon.',
  approver_passkey: 'Face ID / vingerafdruk',
  approver_device: 'Sleutel op deze telefoon',
  approver_no_push: 'Geen meldingen',
  action_add_approver: 'Telefoon toevoegen',
  added_approver: 'Telefoon toegevoegd. Hij kan je inlogpogingen nu goedkeuren.',
  added_totp: 'Authenticator-app toegevoegd.',
  added_passkey: 'Passkey toegevoegd.',
  added_sms: 'Telefoonnummer toegevoegd.',
  recovery_created: 'Aangemaakt op {date}',
  recovery_none: 'Je hebt nog geen herstelcode.',
  action_new_recovery: 'Nieuwe herstelcode maken',
  confirm_new_recovery: 'Je huidige herstelcode werkt daarna niet meer. Wil je een nieuwe maken?',
  action_generate: 'Maken',
  recovery_saved: 'Je nieuwe herstelcode is actief.',
  action_disable_mfa: 'Tweestapsverificatie uitzetten',
  confirm_disable_mfa: 'Zonder tweestapsverificatie kan iemand met alleen je wachtwoord in je account komen. Toch uitzetten?',
  action_turn_off: 'Uitzetten',
  section_passkeys: 'Passkeys',
  intro_passkeys: 'Log in met je gezicht (zoals Face ID), je vingerafdruk, je schermvergrendeling of een beveiligingssleutel.',
  passkeys_none: 'Je hebt nog geen passkeys.',
  passkey_synced: 'Gesynchroniseerd',
  passkey_device: 'Alleen op één apparaat',
  action_add_passkey: 'Passkey toevoegen',
  action_rename: 'Naam wijzigen',
  label_rename: 'Naam van {name} wijzigen',
  rename_hint: 'Druk op Enter om op te slaan of op Escape om te annuleren.',
  action_save: 'Opslaan',
  renamed: 'De naam van de passkey is gewijzigd.',
  section_sessions: 'Waar je bent ingelogd',
  this_device: 'Dit apparaat',
  signed_in_at: 'Ingelogd op {date}',
  last_active: 'Laatst actief: {time}',
  ip_address: 'IP-adres {ip}',
  agent: '{browser} op {os}',
  unknown_agent: 'Onbekende browser',
  action_sign_out: 'Uitloggen',
  label_sign_out: 'Uitloggen op {device}',
  action_sign_out_others: 'Overal anders uitloggen',
  signed_out: 'Uitgelogd.',
  section_devices: 'Onthouden apparaten',
  intro_devices: 'In deze browsers sla je bij het inloggen de tweede stap over, tot de datum die erbij staat.',
  devices_none: 'Er zijn geen onthouden apparaten.',
  remembered_until: 'Onthouden tot {date}',
  action_forget: 'Vergeten',
  label_forget: '{device} vergeten',
  action_forget_all: 'Alle apparaten vergeten',
  forgotten: 'Het apparaat is vergeten.',
  forgotten_all: 'Alle apparaten zijn vergeten.',
  title_reauth: 'Bevestig dat jij het bent',
  intro_reauth: 'Log opnieuw in om deze wijziging door te voeren.',
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

/**
 * The account page's translator: its own texts first, then the login widget's.
 * A count of one takes the key's `_one` text where there is one ("1 other
 * session", "1 second"): English and Dutch have just the two forms.
 */
export function accountTranslator(locale: Locale): AccountTranslate {
  const own = { en, nl }[locale];
  const t = translator(locale, own);
  return Object.assign(
    (key: Parameters<AccountTranslate>[0], params?: Record<string, string | number>) =>
      t(params && Object.values(params).includes(1) && `${key}_one` in own ? (`${key}_one` as AccountMessageKey) : key, params),
    { locale },
  );
}

