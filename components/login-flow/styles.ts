/**
 * The tag of the style text: the text as written, no Lit `CSSResult` (Lit's
 * `css` is bytes login-flow.js has no room for). The widget build collapses
 * the whitespace of templates tagged `css` (vite.config.ts).
 */
const css = String.raw;

/**
 * The widget's styles. The form controls live in the light DOM (so browsers
 * and password managers see them), so every selector sits inside `:where()`:
 * zero specificity, and any host rule wins. Theme through the custom properties.
 *
 * The card is as wide as its container up to `--lf-max-width`, the same on
 * every step, and everything in it may shrink (`min-width: 0`) and wrap, down
 * to a 320 px screen (WCAG 2.2 SC 1.4.10 Reflow). Long words (an email
 * address) break where they must; codes break between their groups.
 *
 * The card is never lower than `--lf-min-height` (19rem: the email step's
 * height at 320 px in Dutch, its tallest), so from the loading state to the
 * email step nothing below it moves (a test measures a layout shift of 0).
 * These rules reach the page only once login-flow.js runs; until then a host
 * keeps the place with one line of its own CSS:
 * `login-flow:not(:defined){display:block;min-height:19rem}`.
 */
export const loginFlowCss = css`
  :where(login-flow) {
    display: block;
    box-sizing: border-box;
    width: 100%;
    max-width: var(--lf-max-width, 26rem);
    min-height: var(--lf-min-height, 19rem);
    padding: var(--lf-padding, 1.5rem);
    border: 1px solid var(--lf-color-border, #d0d5dd);
    border-radius: var(--lf-radius-card, calc(var(--lf-radius, 0.5rem) * 1.5));
    background: var(--lf-color-surface, #ffffff);
    color: var(--lf-color-text, #1d2939);
    font-family: var(--lf-font-family, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    font-size: var(--lf-font-size, 1rem);
    line-height: 1.5;
    overflow-wrap: break-word;
  }
  /* The hidden attribute wins over the display above, an author rule that beats the browser [hidden] rule. */
  :where(login-flow):where([hidden]) {
    display: none;
  }
  :where(login-flow) :where(*, *::before, *::after) {
    box-sizing: inherit;
    min-width: 0;
  }
  :where(login-flow) :where(.lf-form) {
    display: flex;
    flex-direction: column;
    gap: var(--lf-gap, 1rem);
    margin: 0;
  }
  :where(login-flow) :where(.lf-title) {
    margin: 0;
    font-size: var(--lf-title-size, 1.375rem);
    font-weight: 650;
    outline: none;
  }
  :where(login-flow) :where(.lf-intro, .lf-identity) {
    margin: 0;
    color: var(--lf-color-muted, #475467);
  }
  :where(login-flow) :where(.lf-identity) {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    align-items: baseline;
  }
  :where(login-flow) :where(.lf-identity-email) {
    color: var(--lf-color-text, #1d2939);
    font-weight: 600;
    overflow-wrap: anywhere;
  }
  :where(login-flow) :where(.lf-field) {
    display: flex;
    flex-direction: column;
    gap: 0.375rem;
  }
  :where(login-flow) :where(.lf-label) {
    font-weight: 600;
  }
  :where(login-flow) :where(.lf-input-row) {
    display: flex;
    gap: 0.5rem;
  }
  :where(login-flow) :where(.lf-password) {
    display: flex;
    position: relative;
  }
  :where(login-flow) :where(.lf-input) {
    flex: 1;
    width: 100%;
    min-height: var(--lf-control-height, 2.75rem);
    padding: 0.5rem 0.75rem;
    border: 1px solid var(--lf-color-border-strong, #98a2b3);
    border-radius: var(--lf-radius, 0.5rem);
    background: var(--lf-color-input, #ffffff);
    color: inherit;
    font: inherit;
  }
  :where(login-flow) :where(.lf-password > .lf-input) {
    padding-inline-end: var(--lf-control-height, 2.75rem);
  }
  :where(login-flow) :where(.lf-input[aria-invalid='true']) {
    border-color: var(--lf-color-error, #b42318);
  }
  :where(login-flow) :where(.lf-input, .lf-button, .lf-button-secondary, .lf-link, .lf-reveal, .lf-checkbox > input):focus-visible {
    outline: 3px solid var(--lf-color-focus, #2e90fa);
    outline-offset: 2px;
  }
  :where(login-flow) :where(.lf-button) {
    min-height: var(--lf-control-height, 2.75rem);
    padding: 0.5rem 1rem;
    border: 0;
    border-radius: var(--lf-radius, 0.5rem);
    background: var(--lf-color-primary, #1a7f37);
    color: var(--lf-color-on-primary, #ffffff);
    font: inherit;
    font-weight: 600;
    cursor: pointer;
  }
  :where(login-flow) :where(.lf-button-secondary) {
    display: inline-flex;
    align-items: center;
    justify-content: center;
    min-height: var(--lf-control-height, 2.75rem);
    padding: 0.5rem 1rem;
    border: 1px solid var(--lf-color-border-strong, #98a2b3);
    border-radius: var(--lf-radius, 0.5rem);
    background: transparent;
    color: inherit;
    font: inherit;
    font-weight: 600;
    text-align: center;
    text-decoration: none;
    cursor: pointer;
  }
  :where(login-flow) :where(.lf-button, .lf-button-secondary):where([aria-disabled='true']) {
    opacity: 0.7;
    cursor: progress;
  }
  :where(login-flow) :where(.lf-link) {
    padding: 0.25rem;
    border: 0;
    background: none;
    color: var(--lf-color-link, var(--lf-color-primary, #1a7f37));
    font: inherit;
    text-decoration: underline;
    cursor: pointer;
  }
  /* The eye: the input's right end, a 44 px square at the default control height (WCAG 2.5.8). */
  :where(login-flow) :where(.lf-reveal) {
    display: grid;
    place-items: center;
    position: absolute;
    inset-block: 0;
    inset-inline-end: 0;
    width: var(--lf-control-height, 2.75rem);
    padding: 0;
    border: 0;
    border-radius: var(--lf-radius, 0.5rem);
    background: none;
    color: var(--lf-color-muted, #475467);
    cursor: pointer;
  }
  :where(login-flow) :where(.lf-reveal):focus-visible {
    outline-offset: -5px;
  }
  :where(login-flow) :where(.lf-reveal svg) {
    width: 1.25rem;
    fill: none;
    stroke: currentColor;
    stroke-width: 2;
    stroke-linecap: round;
  }
  /* The pressed button while its request runs, and the first load: a ring that turns (and stands still for reduced motion). */
  :where(login-flow) :where([data-busy])::after,
  :where(login-flow) :where(.lf-loading)::before {
    content: '';
    display: inline-block;
    width: 1em;
    height: 1em;
    margin-inline: 0.5em;
    vertical-align: -0.15em;
    border: 2px solid;
    border-inline-end-color: transparent;
    border-radius: 50%;
  }
  @media (prefers-reduced-motion: no-preference) {
    :where(login-flow) :where([data-busy])::after,
    :where(login-flow) :where(.lf-loading)::before {
      animation: lf-spin 0.8s linear infinite;
    }
  }
  @keyframes lf-spin {
    to {
      transform: rotate(1turn);
    }
  }
  :where(login-flow) :where(.lf-steps) {
    display: flex;
    flex-direction: column;
    gap: 0.25rem;
    margin: 0;
    padding-inline-start: 1.5rem;
  }
  :where(login-flow) :where(.lf-qr) {
    display: block;
    width: var(--lf-qr-size, 12rem);
    max-width: 100%;
    margin-inline: auto;
    border-radius: var(--lf-radius, 0.5rem);
    /* Always dark on light, whatever the theme: scanners expect it (ISO/IEC 18004 reflectance). */
    background: #ffffff;
    color: #000000;
  }
  :where(login-flow) :where(.lf-copy) {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    align-items: center;
  }
  /* Codes wrap between their groups (spaces, hyphens), never inside one. */
  :where(login-flow) :where(.lf-secret, .lf-recovery-code) {
    font-family: var(--lf-font-mono, ui-monospace, 'SF Mono', Menlo, Consolas, monospace);
    overflow-wrap: normal;
    user-select: all;
  }
  /* Beside its copy button when there is room for four groups a line, else above it. */
  :where(login-flow) :where(.lf-secret) {
    flex: 1 1 10rem;
    font-size: 0.9375em;
    letter-spacing: 0.05em;
  }
  :where(login-flow) :where(.lf-recovery-code) {
    display: block;
    padding: 0.75rem;
    border: 1px dashed var(--lf-color-border-strong, #98a2b3);
    border-radius: var(--lf-radius, 0.5rem);
    background: var(--lf-color-input, #ffffff);
    font-size: 1.375em;
    letter-spacing: 0.08em;
    text-align: center;
  }
  :where(login-flow) :where(.lf-checkbox) {
    display: grid;
    grid-template-columns: auto 1fr;
    gap: 0.25rem 0.625rem;
    align-items: start;
  }
  :where(login-flow) :where(.lf-checkbox > input) {
    width: 1.25rem;
    height: 1.25rem;
    margin: 0.125rem 0 0;
    accent-color: var(--lf-color-primary, #1a7f37);
  }
  :where(login-flow) :where(.lf-checkbox > :not(input)) {
    grid-column: 2;
  }
  :where(login-flow) :where(.lf-note) {
    margin: 0;
    color: var(--lf-color-muted, #475467);
    font-size: 0.875em;
  }
  /* The marks are decoration: each item also says met or not met in words (.lf-sr). */
  :where(login-flow) :where([data-met='false']) {
    list-style-type: '✗ ';
  }
  :where(login-flow) :where([data-met='true']) {
    list-style-type: '✓ ';
  }
  :where(login-flow) :where(.lf-sr) {
    position: absolute;
    width: 1px;
    overflow: hidden;
    clip-path: inset(50%);
  }
  :where(login-flow) :where(.lf-error) {
    margin: 0;
    color: var(--lf-color-error, #b42318);
    font-size: 0.9375em;
  }
  :where(login-flow) :where(.lf-banner) {
    margin: 0 0 var(--lf-gap, 1rem);
    padding: 0.75rem;
    border-radius: var(--lf-radius, 0.5rem);
    background: var(--lf-color-error-surface, #fef3f2);
    color: var(--lf-color-error, #b42318);
  }
  :where(login-flow) :where(.lf-loading) {
    display: flex;
    align-items: center;
    justify-content: center;
    min-height: calc(var(--lf-min-height, 19rem) - 2 * var(--lf-padding, 1.5rem) - 2px);
    margin: 0;
    color: var(--lf-color-muted, #475467);
  }
  /* A method to choose: its name, and under it what it means. */
  :where(login-flow) :where(.lf-choice) {
    flex-direction: column;
    align-items: flex-start;
    text-align: start;
  }
  :where(login-flow) :where(.lf-choice > span) {
    color: var(--lf-color-muted, #475467);
    font-weight: 400;
  }
  /* The language switch, top right of the card. */
  :where(login-flow) :where(.lf-lang) {
    display: block;
    margin: 0 0 0.5rem auto;
    min-height: 2.75rem;
    border: 1px solid var(--lf-color-border-strong, #98a2b3);
    border-radius: var(--lf-radius, 0.5rem);
    background: var(--lf-color-input, #ffffff);
    color: inherit;
    font: inherit;
  }
`;

let sheet: CSSStyleSheet | undefined;

/** The widget's sheet, made once, on first use; `<login-flow>` adopts it into the document (or shadow root) it is in. */
export function loginFlowSheet(): CSSStyleSheet {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(loginFlowCss);
  }
  return sheet;
}
