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

/**
 * The error line under a field: linked to the input by `aria-describedby`, and
 * a live region, so a screen reader announces it when it appears.
 */
export function fieldError(t: Translate, error: ClientError | undefined, id: string): TemplateResult | typeof nothing {
  if (!error) return nothing;
  return html`<p id=${id} class="lf-error" role="alert">${errorMessage(t, error)}</p>`;
}
