/*
 * The approver (push approval with number matching): the second factor's
 * "Check your phone" and the approver's set-up, with the wait for the phone
 * that both share. Only people who have or set up the approver see them, so
 * `<login-flow>` loads this module (its own chunk beside login-flow.js) before
 * it shows a second-factor step that offers the approver, or the
 * approver-setup step. Importing it registers both elements, adds their words
 * and error codes to the widget's catalogues, and its few style rules to the
 * widget's sheet.
 */
import { CATALOGUES } from '../../lib/i18n.js';
import { loginFlowSheet } from '../../login-flow/styles.js';
import '../approver-setup/approver-setup-step.js';
import { APPROVAL_CSS } from './approval-view.js';
import { APPROVER_MESSAGES } from './approver-messages.js';

Object.assign(CATALOGUES.en, APPROVER_MESSAGES.en);
Object.assign(CATALOGUES.nl, APPROVER_MESSAGES.nl);
const sheet = loginFlowSheet();
for (const rule of APPROVAL_CSS) sheet.insertRule(rule, sheet.cssRules.length);
