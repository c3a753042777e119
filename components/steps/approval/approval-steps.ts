/*
 * The second factor's "Check your phone": push approval with number matching.
 * Only people who set up the approver see it, so `<login-flow>` loads this
 * module (its own chunk beside login-flow.js) before it shows a second-factor
 * step that offers the approver. Importing it registers the view, adds its
 * words and error codes to the widget's catalogues, and its few style rules
 * to the widget's sheet.
 */
import { CATALOGUES } from '../../lib/i18n.js';
import { loginFlowSheet } from '../../login-flow/styles.js';
import { APPROVAL_MESSAGES } from './approval-messages.js';
import { APPROVAL_CSS } from './approval-view.js';

Object.assign(CATALOGUES.en, APPROVAL_MESSAGES.en);
Object.assign(CATALOGUES.nl, APPROVAL_MESSAGES.nl);
const sheet = loginFlowSheet();
for (const rule of APPROVAL_CSS) sheet.insertRule(rule, sheet.cssRules.length);
