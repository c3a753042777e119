import type { Translate } from '../lib/i18n.js';

/**
 * The words of 2FA set-up: choosing a method, the authenticator app, a
 * passkey, a phone number and the recovery code. A person sees them once or
 * twice, so they ship in the set-up chunk (setup-steps.ts), which adds them
 * to the widget's catalogues when it loads (the approver's set-up has its
 * words in the approver chunk, approval/approver-messages.ts). Glossary (both
 * languages, every message): sign in / inloggen, sign out / uitloggen,
 * Continue / Doorgaan, verification code / verificatiecode, passkey, Face ID,
 * authenticator app / authenticator-app, two-step verification /
 * tweestapsverificatie, approve / goedkeuren, fingerprint or face /
 * vingerafdruk of gezichtsherkenning.
 */
interface SetupCatalogue {
  title_method_choice: string;
  intro_method_choice: string;
  title_method_backup: string;
  intro_method_backup: string;
  method_passkey: string;
  method_passkey_note: string;
  method_totp: string;
  method_totp_note: string;
  method_sms: string;
  method_sms_note: string;
  method_approver: string;
  method_approver_note: string;
  action_skip: string;
  title_totp_setup: string;
  totp_reason_required: string;
  totp_reason_recovered: string;
  totp_step_open: string;
  totp_step_scan: string;
  totp_step_code: string;
  action_open_app: string;
  label_qr: string;
  totp_account: string;
  totp_manual: string;
  action_copy_key: string;
  action_copy: string;
  copied: string;
  title_recovery_code: string;
  intro_recovery_code: string;
  action_download: string;
  recovery_file: string;
  label_saved: string;
  title_passkey_setup: string;
  intro_passkey_setup: string;
  action_create_passkey: string;
  passkey_setup_cancelled: string;
  title_sms_setup: string;
  intro_sms_setup: string;
  label_phone: string;
  action_text_code: string;
  action_change_number: string;
}

export type SetupMessageKey = keyof SetupCatalogue;
/** The translator the set-up steps receive: `<login-flow>`'s, which knows these keys once the chunk is in. */
export type SetupTranslate = Translate<SetupMessageKey>;

const en: SetupCatalogue = {
  title_method_choice: "How do you want to verify it's you?",
  intro_method_choice: "Each time you sign in, you confirm it's you after your password. Choose how.",
  title_method_backup: 'Add a backup method',
  intro_method_backup: 'Tip: set up a second method now, so you can still sign in if you lose your phone.',
  method_passkey: 'Face ID, fingerprint or screen lock',
  method_passkey_note: 'One tap on this device, with a passkey.',
  method_totp: 'Authenticator app',
  method_totp_note: 'Google, Microsoft or Visma Authenticator shows a new code every 30 seconds.',
  method_sms: 'Text message (SMS)',
  method_sms_note: 'We text a verification code to your mobile phone.',
  method_approver: 'Approve on your phone',
  method_approver_note: 'A notification on your phone: pick the number you see here and confirm with your fingerprint or face.',
  action_skip: 'Skip for now',
  title_totp_setup: 'Set up your authenticator app',
  totp_reason_required: 'Two-step verification is required for this account.',
  totp_reason_recovered: 'Set up two-step verification again. You get a new recovery code at the end: the old one no longer works.',
  totp_step_open: 'Open your authenticator app: Google, Microsoft, Visma or any other.',
  totp_step_scan: 'Add an account: scan this QR code, or on this phone, open it in the app.',
  totp_step_code: 'Enter the 6-digit code the app shows.',
  action_open_app: 'Open in authenticator app',
  label_qr: 'QR code for your authenticator app',
  totp_account: 'In your app:',
  totp_manual: "Can't scan it? Enter this key in the app:",
  action_copy_key: 'Copy key',
  action_copy: 'Copy',
  copied: 'Copied',
  title_recovery_code: 'Save your recovery code',
  intro_recovery_code: 'If you lose your phone, this code is the only way into your account. It is shown only once: keep it in a password manager or print it.',
  action_download: 'Download',
  recovery_file: 'Recovery code for {site}: {code}',
  label_saved: 'I have saved my recovery code',
  title_passkey_setup: 'Set up a passkey',
  intro_passkey_setup: "A passkey confirms it's you with Face ID, your fingerprint or the screen lock of this device, or with a security key.",
  action_create_passkey: 'Create passkey',
  passkey_setup_cancelled: 'No passkey was created: the request was cancelled or timed out. Try again, or go back and choose another method.',
  title_sms_setup: 'Add your mobile number',
  intro_sms_setup: 'We text a verification code to this number when you sign in with it.',
  label_phone: 'Mobile number',
  action_text_code: 'Text me a code',
  action_change_number: 'Use another number',
};

const nl: SetupCatalogue = {
  title_method_choice: 'Hoe wil je bevestigen dat jij het bent?',
  intro_method_choice: 'Bij het inloggen bevestig je na je wachtwoord dat jij het bent. Kies hoe.',
  title_method_backup: 'Voeg een reservemethode toe',
  intro_method_backup: 'Tip: stel nu een tweede methode in. Dan kun je ook inloggen als je je telefoon kwijt bent.',
  method_passkey: 'Face ID, vingerafdruk of schermvergrendeling',
  method_passkey_note: 'Eén tik op dit apparaat, met een passkey.',
  method_totp: 'Authenticator-app',
  method_totp_note: 'Google, Microsoft of Visma Authenticator toont elke 30 seconden een nieuwe code.',
  method_sms: 'Sms',
  method_sms_note: 'We sturen een verificatiecode per sms naar je mobiele telefoon.',
  method_approver: 'Goedkeuren op je telefoon',
  method_approver_note: 'Een melding op je telefoon: kies het getal dat je hier ziet en bevestig met je vingerafdruk of gezichtsherkenning.',
  action_skip: 'Nu overslaan',
  title_totp_setup: 'Stel je authenticator-app in',
  totp_reason_required: 'Tweestapsverificatie is verplicht voor dit account.',
  totp_reason_recovered: 'Stel tweestapsverificatie opnieuw in. Aan het eind krijg je een nieuwe herstelcode: de oude werkt niet meer.',
  totp_step_open: 'Open je authenticator-app: Google, Microsoft, Visma of een andere.',
  totp_step_scan: 'Voeg een account toe: scan deze QR-code, of open hem op deze telefoon in de app.',
  totp_step_code: 'Vul de 6-cijferige code in die de app toont.',
  action_open_app: 'Openen in authenticator-app',
  label_qr: 'QR-code voor je authenticator-app',
  totp_account: 'In je app:',
  totp_manual: 'Lukt het scannen niet? Vul deze sleutel in de app in:',
  action_copy_key: 'Sleutel kopiëren',
  action_copy: 'Kopiëren',
  copied: 'Gekopieerd',
  title_recovery_code: 'Bewaar je herstelcode',
  intro_recovery_code: 'Ben je je telefoon kwijt, dan kom je alleen met deze code nog in je account. Je ziet hem maar één keer: bewaar hem in een wachtwoordmanager of print hem.',
  action_download: 'Downloaden',
  recovery_file: 'Herstelcode voor {site}: {code}',
  label_saved: 'Ik heb mijn herstelcode bewaard',
  title_passkey_setup: 'Stel een passkey in',
  intro_passkey_setup: 'Met een passkey bevestig je dat jij het bent met Face ID, je vingerafdruk of de schermvergrendeling van dit apparaat, of met een beveiligingssleutel.',
  action_create_passkey: 'Passkey aanmaken',
  passkey_setup_cancelled: 'Er is geen passkey aangemaakt: het verzoek is geannuleerd of verlopen. Probeer het opnieuw, of ga terug en kies een andere methode.',
  title_sms_setup: 'Voeg je mobiele nummer toe',
  intro_sms_setup: 'Bij het inloggen sturen we een verificatiecode per sms naar dit nummer.',
  label_phone: 'Mobiel nummer',
  action_text_code: 'Stuur me een code per sms',
  action_change_number: 'Ander nummer gebruiken',
};

export const SETUP_MESSAGES = { en, nl } as const;
