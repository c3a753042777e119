import { LitElement, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { StepMap } from '../../../server/flows/protocol.js';
import type { ClientError } from '../../lib/api.js';
import { StepIntentEvent } from '../../lib/events.js';
import { translator, type Translate } from '../../lib/i18n.js';
import { fieldError, uniqueId } from '../../lib/step.js';

/**
 * @summary The password step, with the chosen email shown and changeable.
 * @event lf-intent - `password` with `{ password }` on submit; `back` to change the email address.
 */
@customElement('lf-password-step')
export class PasswordStep extends LitElement {
  /** The step's data from the server: the email address being signed in. */
  @property({ attribute: false }) data: StepMap['password']['data'] = { email: '' };
  /** The error on the password field, if the last attempt failed. */
  @property({ attribute: false }) error: ClientError | undefined;
  /** True while a request runs. */
  @property({ type: Boolean }) busy = false;
  /** Translates message keys into the widget's language. */
  @property({ attribute: false }) t: Translate = translator('en');

  @state() private reveal = false;
  @state() private localError: ClientError | undefined;
  private readonly ids = { input: uniqueId('password'), error: uniqueId('password-error'), title: uniqueId('password-title') };

  protected override createRenderRoot(): this {
    return this;
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('error')) this.localError = undefined;
  }

  protected override updated(changed: Map<PropertyKey, unknown>): void {
    // A failed attempt clears the field, as password managers and people expect.
    if (changed.has('error') && this.error) this.querySelector<HTMLInputElement>('input[name="password"]')!.value = '';
  }

  protected override render() {
    const { t, busy, ids } = this;
    const error = this.localError ?? this.error;
    return html`
      <form class="lf-form" novalidate aria-labelledby=${ids.title} aria-busy=${busy ? 'true' : 'false'} @submit=${this.handleSubmit}>
        <h2 class="lf-title" id=${ids.title}>${t('title_password')}</h2>
        <p class="lf-identity">
          <span class="lf-identity-email">${this.data.email}</span>
          <button class="lf-link" type="button" aria-label=${t('label_change_email')} @click=${this.handleBack}>${t('action_change_email')}</button>
        </p>
        <input name="username" type="email" autocomplete="username" .value=${this.data.email} hidden readonly tabindex="-1" />
        <div class="lf-field">
          <label class="lf-label" for=${ids.input}>${t('label_password')}</label>
          <div class="lf-input-row">
            <input
              class="lf-input"
              id=${ids.input}
              name="password"
              type=${this.reveal ? 'text' : 'password'}
              autocomplete="current-password"
              autocapitalize="none"
              spellcheck="false"
              required
              aria-invalid=${error ? 'true' : 'false'}
              aria-describedby=${error ? ids.error : nothing}
              data-autofocus
            />
            <button class="lf-reveal" type="button" aria-controls=${ids.input} aria-pressed=${this.reveal ? 'true' : 'false'} @click=${this.handleReveal}>
              ${this.reveal ? t('action_hide_password') : t('action_show_password')}
            </button>
          </div>
          ${fieldError(t, error, ids.error)}
        </div>
        <button class="lf-button" type="submit" aria-disabled=${busy ? 'true' : 'false'}>${busy ? t('busy') : t('action_sign_in')}</button>
      </form>
    `;
  }

  private handleReveal(): void {
    this.reveal = !this.reveal;
  }

  private handleBack(): void {
    if (!this.busy) this.dispatchEvent(new StepIntentEvent('back'));
  }

  private handleSubmit(event: SubmitEvent): void {
    event.preventDefault();
    if (this.busy) return;
    const input = this.querySelector<HTMLInputElement>('input[name="password"]')!;
    if (!input.value) {
      this.localError = { code: 'password_required', field: 'password' };
      input.focus();
      return;
    }
    this.reveal = false;
    this.dispatchEvent(new StepIntentEvent('password', { password: input.value }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'lf-password-step': PasswordStep;
  }
}
