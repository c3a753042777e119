import type { CompanyErrorCode } from '../../server/flows/protocol.js';
import type { Locale, Translate } from '../lib/i18n.js';

/**
 * The words of the sign-in's rarer steps (single sign-on, choosing a company)
 * and of their error codes. They ship in the same chunk as those steps, which
 * adds them to the widget's catalogues when it loads (see company-steps.ts), so
 * the banner finds them too. The type makes a missing code a compile error.
 */
interface CompanyCatalogue extends Record<`error_${CompanyErrorCode}`, string> {
  title_sso: string;
  intro_sso: string;
  action_sso: string;
  action_other_email: string;
  title_choose_account: string;
  intro_choose_account: string;
}

export type CompanyMessageKey = keyof CompanyCatalogue;
/** The translator the company steps receive: `<login-flow>`'s, which knows these keys once the chunk is in. */
export type CompanyTranslate = Translate<CompanyMessageKey>;

const en: CompanyCatalogue = {
  title_sso: 'Sign in with your company',
  intro_sso: '{email} signs in through {provider}.',
  action_sso: 'Continue with {provider}',
  action_other_email: 'Use another email address',
  title_choose_account: 'Choose a company',
  intro_choose_account: 'Your email address has an account at several companies. Which one do you want to work in?',
  error_sso_failed: 'Signing in at your company could not be verified. Please try again.',
  error_sso_cancelled: 'Signing in at your company was cancelled.',
  error_sso_unavailable: "Your company's sign-in service could not be reached. Please try again shortly.",
  error_sso_email_mismatch: 'You signed in at your company with another email address than the one you entered here.',
  error_sso_email_unverified: "Your company's sign-in service did not confirm your email address, so it cannot sign you in here.",
  error_sso_no_account: "There is no account for this email address yet. Ask your company's administrator for access.",
  error_sso_required: 'Your company lets you sign in through its own sign-in service only.',
  error_account_not_available: 'This company account is not available to you. Choose another one.',
};

const nl: CompanyCatalogue = {
  title_sso: 'Inloggen via je bedrijf',
  intro_sso: '{email} logt in via {provider}.',
  action_sso: 'Doorgaan met {provider}',
  action_other_email: 'Ander e-mailadres gebruiken',
  title_choose_account: 'Kies een bedrijf',
  intro_choose_account: 'Met je e-mailadres heb je een account bij meerdere bedrijven. Bij welk bedrijf wil je inloggen?',
  error_sso_failed: 'We konden het inloggen bij je bedrijf niet controleren. Probeer het opnieuw.',
  error_sso_cancelled: 'Het inloggen bij je bedrijf is geannuleerd.',
  error_sso_unavailable: 'De inlogdienst van je bedrijf is niet bereikbaar. Probeer het zo opnieuw.',
  error_sso_email_mismatch: 'Je bent bij je bedrijf ingelogd met een ander e-mailadres dan je hier hebt ingevuld.',
  error_sso_email_unverified: 'De inlogdienst van je bedrijf heeft je e-mailadres niet bevestigd. Daarom kun je er hier niet mee inloggen.',
  error_sso_no_account: 'Er is nog geen account voor dit e-mailadres. Vraag de beheerder van je bedrijf om toegang.',
  error_sso_required: 'Je kunt alleen inloggen via de inlogdienst van je bedrijf.',
  error_account_not_available: 'Dit bedrijfsaccount is niet voor jou beschikbaar. Kies een ander bedrijf.',
};

export const COMPANY_MESSAGES: Record<Locale, CompanyCatalogue> = { en, nl };
