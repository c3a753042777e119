import { html, nothing, type TemplateResult } from 'lit';
import type { ClientError } from './api.js';
import type { Translate } from './i18n.js';
import { fieldError } from './step.js';

/** What a password field shows: its ids, label, error and whether the password shows as text. */
export interface PasswordFieldOptions {
  /** The input's id; `aria-controls` of the reveal button. */
  id: string;
  /** The id of the error line under the field. */
  errorId: string;
  label: string;
  /** `current-password` to sign in with, `new-password` to choose one. */
  autocomplete: 'current-password' | 'new-password';
  error: ClientError | undefined;
  /** The input's name; `password` when left out. */
  name?: string;
  /** Further ids that describe the field (the password rules). */
  describedBy?: string;
  /** The password shows as text. */
  reveal?: boolean;
  /** Toggles `reveal`; without it the field has no reveal button. */
  onReveal?: () => void;
  onInput?: () => void;
  /** The field takes focus when its step shows. */
  autofocus?: boolean;
}

/**
 * The eye, and the stroke across it while the password shows (the button then
 * hides it). One path, drawn by the stroke (styles.ts, `.lf-reveal svg`).
 */
const EYE = 'M2 12s3.5-7 10-7 10 7 10 7-3.5 7-10 7S2 12 2 12Zm10-3a3 3 0 1 0 0 6 3 3 0 0 0 0-6Z';
const STROKE = 'M3 3l18 18';

/**
 * A labelled password field with its error line and, with `onReveal`, an eye
 * button inside the input's box that shows the password as text and hides it
 * again (`aria-pressed`; its name says what it does next). The sign-in's
 * password step, the new password (activation, reset) and the account page's
 * change-password form all render this one field.
 */
export function passwordField(t: Translate, field: PasswordFieldOptions): TemplateResult {
  const { id, errorId, error, reveal } = field;
  const describedBy = [error ? errorId : '', field.describedBy ?? ''].join(' ').trim();
  return html`<div class="lf-field">
    <label class="lf-label" for=${id}>${field.label}</label>
    <div class="lf-password">
      <input
        class="lf-input"
        id=${id}
        name=${field.name ?? 'password'}
        type=${reveal ? 'text' : 'password'}
        autocomplete=${field.autocomplete}
        autocapitalize="none"
        spellcheck="false"
        required
        aria-invalid=${error ? 'true' : 'false'}
        aria-describedby=${describedBy || nothing}
        @input=${field.onInput}
        ?data-autofocus=${field.autofocus}
      />
      ${field.onReveal
        ? html`<button
            class="lf-reveal"
            type="button"
            aria-label=${t(reveal ? 'action_hide_password' : 'action_show_password')}
            aria-controls=${id}
            aria-pressed=${reveal ? 'true' : 'false'}
            @click=${field.onReveal}
          >
            <svg viewBox="0 0 24 24" aria-hidden="true"><path d=${reveal ? EYE + STROKE : EYE} /></svg>
          </button>`
        : nothing}
    </div>
    ${fieldError(t, error, errorId)}
  </div>`;
}
