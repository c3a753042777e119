import { loginFlowCss } from '../login-flow/styles.js';

/** The style text as written (see login-flow/styles.ts); the widget build collapses its whitespace. */
const css = String.raw;

/** The page's own parts: sections, lists, badges, the inline panel and the confirmation dialog. Zero specificity, as for `<login-flow>`. */
const pageStyles = css`
  /*
   * Narrow screens: less padding (cards nest in cards here), and words, addresses
   * and fields that give way, so the page never asks its container for more room
   * than a 320 px screen has.
   */
  :where(account-security) {
    max-width: var(--lf-account-max-width, 44rem);
    padding: var(--lf-padding, clamp(1rem, 5vw, 1.5rem));
    overflow-wrap: anywhere;
  }
  :where(account-security) :where(.lf-input) {
    width: 100%;
  }
  :where(account-security) :where(.lf-section) {
    display: flex;
    flex-direction: column;
    gap: var(--lf-gap, 1rem);
    margin-top: var(--lf-gap, 1rem);
    padding-top: var(--lf-gap, 1rem);
    border-top: 1px solid var(--lf-color-border, #d0d5dd);
  }
  :where(account-security) :where(.lf-section-body, .lf-panel) {
    display: flex;
    flex-direction: column;
    gap: var(--lf-gap, 1rem);
  }
  :where(account-security) :where(.lf-section-body[hidden]) {
    display: none;
  }
  :where(account-security) :where(.lf-subtitle) {
    margin: 0;
    font-size: 1.125em;
    font-weight: 650;
    outline: none;
  }
  :where(account-security) :where(.lf-list) {
    display: flex;
    flex-direction: column;
    gap: 0.75rem;
    margin: 0;
    padding: 0;
    list-style: none;
  }
  :where(account-security) :where(.lf-item) {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem 1rem;
    align-items: center;
    justify-content: space-between;
    padding: 0.75rem;
    border: 1px solid var(--lf-color-border, #d0d5dd);
    border-radius: var(--lf-radius, 0.5rem);
  }
  :where(account-security) :where(.lf-item-name) {
    margin: 0;
    font-weight: 600;
    overflow-wrap: anywhere;
  }
  :where(account-security) :where(.lf-badge) {
    margin-inline-start: 0.375rem;
    padding: 0 0.5rem;
    border-radius: 1rem;
    background: var(--lf-color-primary, #1a7f37);
    color: var(--lf-color-on-primary, #ffffff);
    font-size: 0.8125em;
    white-space: nowrap;
  }
  :where(account-security) :where(.lf-actions) {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
  }
  /* Buttons that take something away: outlined, in the danger colour (#b42318: 6.5:1 on white). */
  :where(account-security) :where(.lf-danger) {
    border-color: var(--lf-color-danger, #b42318);
    color: var(--lf-color-danger, #b42318);
  }
  :where(account-security) :where(.lf-panel) {
    padding: var(--lf-padding, clamp(0.75rem, 4vw, 1.5rem));
    border: 1px solid var(--lf-color-border-strong, #98a2b3);
    border-radius: var(--lf-radius-card, calc(var(--lf-radius, 0.5rem) * 1.5));
  }
  /* An embedded flow is not a card of its own: the panel is the card. A rule, not a style attribute (CSP style-src). */
  :where(account-security) .lf-panel > login-flow {
    max-width: none;
    padding: 0;
    border: 0;
  }
  /* An embedded flow leaving a step that is not its panel's. Specific: the widget's own sheet may come later. */
  :where(account-security) .lf-panel > [hidden] {
    display: none;
  }
  :where(account-security) :where(.lf-dialog) {
    max-width: min(28rem, calc(100vw - 2rem));
    padding: var(--lf-padding, 1.5rem);
    border: 1px solid var(--lf-color-border, #d0d5dd);
    border-radius: var(--lf-radius-card, calc(var(--lf-radius, 0.5rem) * 1.5));
    background: var(--lf-color-surface, #ffffff);
    color: var(--lf-color-text, #1d2939);
  }
  :where(account-security) :where(.lf-dialog)::backdrop {
    background: rgb(16 24 40 / 0.5);
  }
`;

let sheet: CSSStyleSheet | undefined;

/**
 * The account page's sheet: `<login-flow>`'s own rules (buttons, fields,
 * checklist, errors: the same look and the same `--lf-*` properties) scoped
 * to `account-security`, then the page's parts. Made once, on first use.
 */
export function accountSecurityStyles(): CSSStyleSheet {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(loginFlowCss.replaceAll(':where(login-flow)', ':where(account-security)') + pageStyles);
  }
  return sheet;
}

const switchStyles = css`
  :where(company-switch) {
    display: block;
  }
  /* One company (or none): nothing to show, not even the card's border. */
  :where(company-switch)[hidden] {
    display: none;
  }
  :where(company-switch) :where(.lf-company-form) {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    align-items: center;
  }
  :where(company-switch) :where(.lf-company-form > .lf-input) {
    flex: 1 1 12rem;
    width: auto;
  }
  :where(company-switch) :where(.lf-note:empty) {
    display: none;
  }
`;

let switchSheet: CSSStyleSheet | undefined;

/** `<company-switch>`'s sheet: `<login-flow>`'s rules scoped to it (fields, buttons, notes, errors), then its own row. */
export function companySwitchStyles(): CSSStyleSheet {
  if (!switchSheet) {
    switchSheet = new CSSStyleSheet();
    switchSheet.replaceSync(loginFlowCss.replaceAll(':where(login-flow)', ':where(company-switch)') + switchStyles);
  }
  return switchSheet;
}
