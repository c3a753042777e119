/*
 * Recovery requests ("Lost access to your phone?"): the form, at the second
 * factor or on a page of its own (the `recovery-request` flow), and "Request
 * sent". Few people ever lose their phone, so `<login-flow>` loads this module
 * (its own chunk beside login-flow.js) when a flow shows one of its steps, and
 * the second factor loads it when the person opens the form. Importing it
 * registers both elements, adds their words and the form's error codes to the
 * widget's catalogues, and its one style rule to the widget's sheet.
 */
import { CATALOGUES } from '../../lib/i18n.js';
import { loginFlowSheet } from '../../login-flow/styles.js';
import { RECOVERY_MESSAGES } from './recovery-messages.js';
import './recovery-request-step.js';
import './recovery-requested-step.js';

Object.assign(CATALOGUES.en, RECOVERY_MESSAGES.en);
Object.assign(CATALOGUES.nl, RECOVERY_MESSAGES.nl);
const sheet = loginFlowSheet();
// The note grows downwards only, as the person needs; it never pushes the card wider.
sheet.insertRule(':where(login-flow) :where(.lf-textarea) { min-height: 6rem; resize: vertical; }', sheet.cssRules.length);
// Text with an email address in it: a long address breaks anywhere rather than widen the card at 320 px.
sheet.insertRule(':where(login-flow) :where(.lf-long-words) { overflow-wrap: anywhere; }', sheet.cssRules.length);
