/*
 * Setting up two-step verification: choosing a method, the authenticator
 * app, a passkey, a phone number and the recovery code (the approver's set-up
 * comes with the approver chunk, approval/approver-steps.ts). A person sees these
 * steps once or twice in all their sign-ins, so `<login-flow>` loads this
 * module (its own chunk beside login-flow.js) the first time a flow shows one,
 * and renders the step once it is in. Importing it registers the elements
 * and adds their words to the widget's catalogues.
 */
import { CATALOGUES } from '../lib/i18n.js';
import './method-choice/method-choice-step.js';
import './passkey-setup/passkey-setup-step.js';
import './recovery-code/recovery-code-step.js';
import { SETUP_MESSAGES } from './setup-messages.js';
import './sms-setup/sms-setup-step.js';
import './totp-setup/totp-setup-step.js';

Object.assign(CATALOGUES.en, SETUP_MESSAGES.en);
Object.assign(CATALOGUES.nl, SETUP_MESSAGES.nl);
