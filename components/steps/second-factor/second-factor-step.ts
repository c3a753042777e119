import { LitElement, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { StepMap } from '../../../server/flows/protocol.js';
import type { ClientError } from '../../lib/api.js';
import { StepIntentEvent } from '../../lib/events.js';
import { translator, type Translate } from '../../lib/i18n.js';
import { fieldError, normalizeCode, uniqueId } from '../../lib/step.js';

/**
 * @summary The second factor: a code from the authenticator app or, instead, a
 * recovery code; optionally "remember this device".
 * @event lf-intent - `totp` with `{ code, remember }` for an app code (spaces and
 * dashes removed); `recovery-code` with `{ code, remember }` for a recovery code (trimmed).
 */
@customElement('lf-second-factor-step')
export class SecondFactorStep extends LitElement {
  /** The step's data from the server: the methods on offer and how long a device may be remembered (null: not at all). */
  @property({ attribute: false }) data: StepMap['second-factor']['data'] = { methods: ['totp'], rememberDays: null };
  /** The error on the code field, if the last attempt failed. */
  @property({ attribute: false }) error: ClientError | undefined;
  /** True while a request runs: the form ignores submits and says so. */
  @property({ type: Boolean }) busy = false;
  /** Translates message keys into the widget's language. */
  @property({ attribute: false }) t: Translate = translator('en');

  /** The person chose the recovery code over the app code. */
  @state() private useRecovery = false;
  @state() private localError: ClientError | undefined;
  /** The server's error, until the person switches to the other form. */
  @state() private serverError: ClientError | undefined;
  private focusField = false;
  private readonly ids = {
    title: uniqueId('second-factor-title'),
    code: uniqueId('code'),
    error: uniqueId('code-error'),
    remember: uniqueId('remember'),
    note: uniqueId('remember-note'),
  };

  // Light DOM: browsers and password managers must see the one-time-code field.
  protected override createRenderRoot(): this {
    return this;
  }

  /** Whether the recovery-code form shows: chosen, or the only method on offer (after a support reset). */
  private get recovery(): boolean {
    const { methods } = this.data;
    return methods.includes('recovery_code') && (this.useRecovery || !methods.includes('totp'));
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('error')) {
      this.localError = undefined;
      this.serverError = this.error;
    }
  }

  protected override updated(changed: Map<PropertyKey, unknown>): void {
    const input = this.querySelector<HTMLInputElement>('input[data-autofocus]');
    // A wrong code is spent: clear it, so the next one is typed into an empty field.
    if (changed.has('error') && this.error && input) input.value = '';
    if (this.focusField) {
      this.focusField = false;
      input?.focus();
    }
  }

  protected override render() {
    const { t, busy, ids, data } = this;
    const recovery = this.recovery;
    const hasTotp = data.methods.includes('totp');
    const error = this.localError ?? this.serverError;
    const invalid = error ? 'true' : 'false';
    const describedBy = error ? ids.error : nothing;
    const field = recovery
      ? html`<label class="lf-label" for=${ids.code}>${t('label_recovery_code')}</label>
          <input
            class="lf-input"
            id=${ids.code}
            name="recovery-code"
            type="text"
            autocomplete="off"
            autocapitalize="characters"
            spellcheck="false"
            required
            maxlength="64"
            aria-invalid=${invalid}
            aria-describedby=${describedBy}
            data-autofocus
          />`
      : html`<label class="lf-label" for=${ids.code}>${t('label_code')}</label>
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
            aria-invalid=${invalid}
            aria-describedby=${describedBy}
            data-autofocus
          />`;
    const days = data.rememberDays;
    return html`
      <form class="lf-form" novalidate aria-labelledby=${ids.title} aria-busy=${busy ? 'true' : 'false'} @submit=${this.handleSubmit}>
        <h2 class="lf-title" id=${ids.title}>${t('title_second_factor')}</h2>
        <p class="lf-intro">${t(!recovery ? 'intro_totp' : hasTotp ? 'intro_recovery' : 'intro_recovery_only')}</p>
        <div class="lf-field">${field} ${fieldError(t, error, ids.error)}</div>
        ${typeof days === 'number'
          ? html`<div class="lf-checkbox">
              <input id=${ids.remember} name="remember" type="checkbox" aria-describedby=${ids.note} />
              <label for=${ids.remember}>${t('remember_device', { days })}</label>
              <p class="lf-note" id=${ids.note}>${t('remember_device_note')}</p>
            </div>`
          : nothing}
        <button class="lf-button" type="submit" aria-disabled=${busy ? 'true' : 'false'}>${busy ? t('busy') : t('action_verify')}</button>
        ${hasTotp && data.methods.includes('recovery_code')
          ? html`<button class="lf-link" type="button" @click=${this.handleSwitch}>
              ${recovery ? t('action_use_totp') : t('action_use_recovery')}
            </button>`
          : nothing}
      </form>
    `;
  }

  private handleSwitch(): void {
    this.useRecovery = !this.recovery;
    // The error belonged to the other form's field.
    this.localError = this.serverError = undefined;
    // Take the person straight to the field they switched to.
    this.focusField = true;
  }

  private handleSubmit(event: SubmitEvent): void {
    event.preventDefault();
    if (this.busy) return;
    const recovery = this.recovery;
    const input = this.querySelector<HTMLInputElement>('input[data-autofocus]')!;
    const code = recovery ? input.value.trim() : normalizeCode(input.value);
    if (!code) {
      this.localError = { code: 'code_required', field: 'code' };
      input.focus();
      return;
    }
    const remember = this.querySelector<HTMLInputElement>('input[name="remember"]')?.checked ?? false;
    this.dispatchEvent(new StepIntentEvent(recovery ? 'recovery-code' : 'totp', { code, remember }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'lf-second-factor-step': SecondFactorStep;
  }
}
