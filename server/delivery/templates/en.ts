import { assertWebLink, capitalise, dateOf, plural, validFor, type Language, type MailMessage, type Template } from './template.js';

/* The mail in English: one template per kind of message. nl.ts says the same in Dutch, block for block. */

const FACTOR_NAMES = { approver: 'a phone that approves sign-ins', totp: 'an authenticator app', passkey: 'a passkey', sms: 'a phone number for SMS verification codes' } as const;

const IF_NOT_YOU = 'If this was not you, contact your employer or support at once and change your password.';

const IF_NOT_ASKED = 'If you did not ask for this, you can ignore this email.';

function template(message: MailMessage, app: string, email: string, now: number): Template {
  switch (message.kind) {
    case 'invitation':
      return {
        subject: `Activate your ${app} account`,
        heading: `Welcome to ${app}`,
        blocks: [
          { type: 'p', text: `You have been invited to ${app}. Your username is ${email}.` },
          { type: 'p', text: 'Activate your account with the button below: you choose a password and set up two-step verification.' },
          { type: 'button', label: 'Activate your account', href: assertWebLink(message.link) },
          { type: 'p', text: `The link works once, for ${validFor('en', message.expiresAt, now)} (until ${dateOf('en', message.expiresAt)}).` },
          { type: 'p', text: 'Has the link expired? Ask your employer for a new invitation.' },
        ],
      };
    case 'email-code':
      return {
        subject: `Your ${app} verification code`,
        heading: 'Verify your email address',
        blocks: [
          { type: 'p', text: 'Enter this verification code to confirm that this email address is yours:' },
          { type: 'code', code: message.code },
          { type: 'p', text: `The code works for ${plural('en', message.minutes, 'minute')}.` },
          { type: 'p', text: IF_NOT_ASKED },
        ],
      };
    case 'password-reset':
      return {
        subject: `Reset your ${app} password`,
        heading: 'Choose a new password',
        blocks: [
          { type: 'p', text: `Someone asked to reset the password of your ${app} account (${email}).` },
          { type: 'button', label: 'Choose a new password', href: assertWebLink(message.link) },
          { type: 'p', text: `The link works once, for ${plural('en', message.minutes, 'minute')}.` },
          { type: 'p', text: `${IF_NOT_ASKED} Your password stays the same.` },
        ],
      };
    case 'password-changed':
      return {
        subject: `Your ${app} password was changed`,
        heading: 'Your password was changed',
        blocks: [
          { type: 'p', text: `The password of your ${app} account (${email}) was changed.` },
          { type: 'p', text: IF_NOT_YOU },
        ],
      };
    case 'factor-added':
      return {
        subject: `${capitalise(FACTOR_NAMES[message.factor])} was added to your ${app} account`,
        heading: 'Two-step verification changed',
        blocks: [
          { type: 'p', text: `${capitalise(FACTOR_NAMES[message.factor])} was added to your ${app} account (${email}) for two-step verification.` },
          { type: 'p', text: IF_NOT_YOU },
        ],
      };
    case 'factor-removed':
      return {
        subject: `${capitalise(FACTOR_NAMES[message.factor])} was removed from your ${app} account`,
        heading: 'Two-step verification changed',
        blocks: [
          { type: 'p', text: `${capitalise(FACTOR_NAMES[message.factor])} was removed from your ${app} account (${email}).` },
          { type: 'p', text: IF_NOT_YOU },
        ],
      };
    case 'approval-denied': {
      const where = `on ${dateOf('en', message.at)}${message.browser ? ` from ${message.browser}` : ''}${message.ip ? ` (IP address ${message.ip})` : ''}`;
      const reset = message.purpose === 'password-reset';
      return {
        subject: reset ? `Someone tried to set a new password on your ${app} account` : `Someone tried to sign in to your ${app} account`,
        heading: reset ? 'Someone tried to set a new password' : 'Someone tried to sign in',
        blocks: [
          {
            type: 'p',
            text: reset
              ? `Setting a new password for your ${app} account (${email}) from a reset link ${where} was refused on your phone. Whoever tried could read your email: secure your mailbox now.`
              : `A sign-in to your ${app} account (${email}) ${where} was refused on your phone. Whoever tried knew your password: change it now.`,
          },
          { type: 'p', text: `If it was you and you picked the wrong number, ${reset ? 'open the link again' : 'sign in again'}: nothing else is needed.` },
          { type: 'p', text: IF_NOT_YOU },
        ],
      };
    }
    case 'recovery-code-used':
      return {
        subject: `Your ${app} recovery code was used`,
        heading: 'Your recovery code was used',
        blocks: [
          { type: 'p', text: `Someone signed in to your ${app} account (${email}) with your recovery code. Two-step verification must now be set up again, and a new recovery code is issued.` },
          { type: 'p', text: IF_NOT_YOU },
        ],
      };
    case 'mfa-reset':
      return {
        subject: `Two-step verification was reset on your ${app} account`,
        heading: 'Two-step verification was reset',
        blocks: [
          { type: 'p', text: `Support removed the two-step verification methods of your ${app} account (${email}). You set up two-step verification again the next time you sign in.` },
          { type: 'p', text: IF_NOT_YOU },
        ],
      };
    case 'recovery-code-regenerated':
      return {
        subject: `A new recovery code was made for your ${app} account`,
        heading: 'New recovery code',
        blocks: [
          { type: 'p', text: `A new recovery code was made for your ${app} account (${email}). Your previous recovery code no longer works.` },
          { type: 'p', text: IF_NOT_YOU },
        ],
      };
    case 'mfa-disabled':
      return {
        subject: `Two-step verification was turned off on your ${app} account`,
        heading: 'Two-step verification was turned off',
        blocks: [
          { type: 'p', text: `Two-step verification was turned off on your ${app} account (${email}): your authenticator apps, phone number, passkeys and recovery code were removed. Signing in no longer asks for a second step.` },
          { type: 'p', text: IF_NOT_YOU },
        ],
      };
    case 'recovery-requested':
      return {
        subject: `A recovery request was made for your ${app} account`,
        heading: 'Recovery request received',
        blocks: [
          { type: 'p', text: `Someone asked to reset two-step verification on your ${app} account (${email}), because the phone or authenticator app was lost. Your administrator (or support) decides; you get an email when they have.` },
          { type: 'p', text: `The request stays open until ${dateOf('en', message.expiresAt)}.` },
          { type: 'p', text: 'If this was not you, change your password now and tell your administrator, so they refuse the request.' },
        ],
      };
    case 'recovery-approved':
      return {
        subject: `Your ${app} recovery request was approved`,
        heading: 'Set up two-step verification again',
        blocks: [
          { type: 'p', text: `Your request to reset two-step verification on your ${app} account (${email}) was approved. Sign in with your password and set up a new phone or authenticator app; your old methods stop working then.` },
          { type: 'button', label: 'Set up two-step verification', href: assertWebLink(message.link) },
          { type: 'p', text: `The link works once, for ${validFor('en', message.expiresAt, now)} (until ${dateOf('en', message.expiresAt)}).` },
          { type: 'p', text: IF_NOT_YOU },
        ],
      };
    case 'recovery-rejected':
      return {
        subject: `Your ${app} recovery request was refused`,
        heading: 'Recovery request refused',
        blocks: [
          { type: 'p', text: `Your request to reset two-step verification on your ${app} account (${email}) was refused. The reason given:` },
          { type: 'p', text: message.reason },
          { type: 'p', text: 'Your sign-in methods stay as they were. Questions? Ask your administrator.' },
        ],
      };
    case 'recovery-completed':
      return {
        subject: `Two-step verification was reset on your ${app} account`,
        heading: 'Two-step verification was reset',
        blocks: [
          { type: 'p', text: `Two-step verification on your ${app} account (${email}) was set up again after your recovery request. The methods you had before no longer work, and a new recovery code was issued.` },
          { type: 'p', text: IF_NOT_YOU },
        ],
      };
  }
}

export const en: Language = {
  template,
  footer: (app: string, email: string) => `This email was sent by ${app} to ${email}.`,
  buttonFallback: 'If the button does not work, copy this address into your browser:',
};
