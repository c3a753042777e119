import { html, nothing, type TemplateResult } from 'lit';
import type { ClientError } from './api.js';
import type { MessageKey, Translate } from './i18n.js';

let counter = 0;

/** A prefix for element ids, unique per element instance, so two widgets on one page never share a label target. */
export function uniqueId(name: string): string {
  counter += 1;
  return `lf-${name}-${counter}`;
}

/** The message for an error code, in the widget's language. */
export function errorMessage(t: Translate, error: ClientError): string {
  return t(`error_${error.code}` as MessageKey);
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

/** A typed or pasted one-time code as the server wants it: "123 456" and "123-456" become "123456". */
export function normalizeCode(value: string): string {
  return value.replace(/[\s-]/g, '');
}
