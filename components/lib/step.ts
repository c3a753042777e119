import { LitElement, html, nothing, type PropertyDeclarations, type TemplateResult } from 'lit';
import type { PasswordRule } from '../../server/flows/protocol.js';
import type { ClientError } from './api.js';
import { serverOnly } from './password-rules.js';
import { StepIntentEvent } from './events.js';
import { translator, type MessageKey, type Translate } from './i18n.js';

/**
 * What a step element is: the server's data for the step, the error to show,
 * a busy flag and a translator come in as properties; one intent goes out.
 * It renders into the light DOM, where browsers and password managers see its
 * form. A step's own error (an empty field) lasts until the server's next
 * answer (new `data` or `error`).
 */
export class StepElement<Data, Action extends string = string> extends LitElement {
  /*
   * Reactive properties declared statically, not with decorators, here and in
   * every element of the widget: decorators cost login-flow.js about 0.5 KB
   * gzip (Lit's decorator module and one helper call per property).
   */
  static override properties: PropertyDeclarations = { data: { attribute: false }, actions: { attribute: false }, error: { attribute: false }, busy: { type: Boolean }, t: { attribute: false }, localError: { state: true } };

  /** The step's data from the server. */
  data!: Data;
  /**
   * The actions the server accepts now: a step offers a way out (back, cancel,
   * skip, forgot) only when it is listed. Each step defaults to its login flow's.
   */
  actions: Action[] = [];
  /** The error on the step's field, if the last attempt failed. */
  error: ClientError | undefined;
  /** True while a request runs: the step ignores clicks and submits, and says so. */
  busy = false;
  /** Translates message keys into the widget's language. */
  t: Translate = translator('en');

  /** The step's own error, found before asking the server. */
  protected localError: ClientError | undefined;
  /** The button last clicked (pressing Enter in a field clicks the submit button), and the one showing that a request runs. */
  private pressed: HTMLButtonElement | null = null;
  private marked: HTMLButtonElement | null = null;

  constructor() {
    super();
    this.addEventListener('click', (event) => {
      if (!this.busy) this.pressed = (event.target as Element).closest('button');
    });
  }

  protected override createRenderRoot(): this {
    return this;
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('error') || changed.has('data')) this.localError = undefined;
    // The pressed button spins (styles.ts, `[data-busy]`) while its request runs; the others stay as they are.
    if (changed.has('busy')) {
      const button = (this.marked = this.busy ? this.pressed : this.marked);
      button?.toggleAttribute('data-busy', this.busy);
      if (this.busy) button?.setAttribute('aria-disabled', 'true');
      else button?.removeAttribute('aria-disabled');
    }
  }

  /** Sends the step's intent (see {@link StepIntentEvent}), unless a request runs. */
  protected intent(action: StepIntentEvent['action'], body?: Record<string, unknown>, passkey?: boolean): void {
    if (!this.busy) this.dispatchEvent(new StepIntentEvent(action, body, passkey));
  }
}

let counter = 0;

/** A prefix for element ids, unique per element instance, so two widgets on one page never share a label target. */
export function uniqueId(name: string): string {
  counter += 1;
  return `lf-${name}-${counter}`;
}

/**
 * The message for an error code, in the widget's language. A refused password
 * names the rules only the server checks that it breaks (`details.rules`), so
 * "not a common password" is said in the error itself.
 */
export function errorMessage(t: Translate, error: ClientError): string {
  const text = t(`error_${error.code}` as MessageKey);
  // The checklist beside the field ticks the other rules as the person types.
  const rules = error.code === 'password_policy' ? ((error.details?.rules as PasswordRule[] | undefined) ?? []).filter(serverOnly) : [];
  return rules.length ? `${text.replace(/\.$/, ':')} ${rules.map((rule) => t(`rule_${rule}`)).join('; ')}.` : text;
}

/** "Try again in 52 minutes.": a wait in seconds as the largest whole unit that fits, rounded up, in the reader's language. */
export function retryAfter(t: Translate, seconds: number): string {
  const [count, unit]: [number, Intl.RelativeTimeFormatUnit] =
    seconds < 60 ? [seconds, 'second'] : seconds < 5400 ? [Math.ceil(seconds / 60), 'minute'] : [Math.ceil(seconds / 3600), 'hour'];
  return t('retry_after', { when: new Intl.RelativeTimeFormat(t.locale).format(count, unit) });
}

/** A failed passkey ceremony or passkey check: shown by the passkey control, not by a text field. */
export function isPasskeyError(error: ClientError | undefined): error is ClientError {
  return !!error?.code.startsWith('passkey_');
}

/**
 * The error line under a field: linked to the input by `aria-describedby`, and
 * a live region, so a screen reader announces it when it appears.
 */
export function fieldError(t: Translate, error: ClientError | undefined, id: string): TemplateResult | typeof nothing {
  if (!error) return nothing;
  return html`<p id=${id} class="lf-error" role="alert">${errorMessage(t, error)}</p>`;
}

/**
 * The field for a one-time code (from an authenticator app, a text message or
 * an email): labelled, `autocomplete="one-time-code"` so the browser can offer
 * a code it received, numeric keyboard, its error line, first to take focus.
 */
export function codeField(t: Translate, ids: { code: string; error: string }, error: ClientError | undefined): TemplateResult {
  return html`<div class="lf-field">
    <label class="lf-label" for=${ids.code}>${t('label_code')}</label>
    <input
      class="lf-input"
      id=${ids.code}
      name="code"
      type="text"
      autocomplete="one-time-code"
      inputmode="numeric"
      autocapitalize="none"
      spellcheck="false"
      required
      maxlength="16"
      aria-invalid=${error ? 'true' : 'false'}
      aria-describedby=${error ? ids.error : nothing}
      data-autofocus
    />
    ${fieldError(t, error, ids.error)}
  </div>`;
}

/** A typed or pasted one-time code as the server wants it: "123 456" and "123-456" become "123456". */
export function normalizeCode(value: string): string {
  return value.replace(/[\s-]/g, '');
}

