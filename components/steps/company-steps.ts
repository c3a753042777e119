/*
 * The sign-in's rarer steps: single sign-on through a company's own provider,
 * and choosing a company when one email has accounts at several. Most people
 * never see them, so `<login-flow>` loads this module (its own chunk beside
 * login-flow.js) the first time a flow shows one, and renders the step once
 * it is in. Importing it registers both elements and adds their words,
 * error codes included, to the widget's catalogues, where the banner finds them.
 */
import { CATALOGUES } from '../lib/i18n.js';
import './choose-account/choose-account-step.js';
import { COMPANY_MESSAGES } from './company-messages.js';
import './sso/sso-step.js';

Object.assign(CATALOGUES.en, COMPANY_MESSAGES.en);
Object.assign(CATALOGUES.nl, COMPANY_MESSAGES.nl);

export { takeSsoReturn } from './sso/sso-return.js';
