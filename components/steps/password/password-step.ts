import { LitElement, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { StepMap } from '../../../server/flows/protocol.js';
import type { ClientError } from '../../lib/api.js';
import { StepIntentEvent } from '../../lib/events.js';
import { translator, type Translate } from '../../lib/i18n.js';
import { fieldError, isPasskeyError, uniqueId } from '../../lib/step.js';

/**
 * @summary The password step, with the chosen email shown and changeable, and
 * "Sign in with a passkey" when the server offers passkeys (`data.passkey`).
 * @event lf-intent - `password` with `{ password }` on submit; `back` to change
 * the email address; `passkey` with the `passkey` flag (`<login-flow>` runs the
 * ceremony and sends `{ response }`).
 */
@customElement('lf-password-step')
export class PasswordStep extends LitElement {
  /** The step's data from the server: the email address being signed in, and passkey options when passkeys are on. */
  @property({ attribute: false }) data: StepMap['password']['data'] = { email: '' };
  /** The error on the password field, or (a `passkey_*` code) on the passkey sign-in, if the last attempt failed. */
  @property({ attribute: false }) error: ClientError | undefined;
  /** True while a request or a passkey ceremony runs. */
  @property({ type: Boolean }) busy = false;
  /** True while a passkey ceremony runs: the passkey button says so. */
  @property({ type: Boolean }) waiting = false;
  /** Translates message keys into the widget's language. */
  @property({ attribute: false }) t: Translate = translator('en');

  @state() private reveal = false;
  @state() private localError: ClientError | undefined;
  private readonly ids = { input: uniqueId('password'), error: uniqueId('password-error'), title: uniqueId('password-title'), passkey: uniqueId('passkey-error') };

  protected override createRenderRoot(): this {
    return this;
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('error')) this.localError = undefined;
  }

  protected override updated(changed: Map<PropertyKey, unknown>): void {
    // A failed attempt clears the field, as password managers and people expect (a failed passkey leaves it be).
    if (changed.has('error') && this.error && !isPasskeyError(this.error)) this.querySelector<HTMLInputElement>('input[name="password"]')!.value = '';
  }

  protected override render() {
    const { t, busy, waiting, ids } = this;
    let error = this.localError ?? this.error;
    const passkeyError = isPasskeyError(error) ? error : undefined;
    if (passkeyError) error = undefined;
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
        <button class="lf-button" type="submit" aria-disabled=${busy ? 'true' : 'false'}>${busy && !waiting ? t('busy') : t('action_sign_in')}</button>
        ${this.data.passkey
          ? html`<button
                class="lf-button-secondary"
                type="button"
                aria-disabled=${busy ? 'true' : 'false'}
                aria-describedby=${passkeyError ? ids.passkey : nothing}
                @click=${this.handlePasskey}
              >
                ${waiting ? t('passkey_waiting') : t('action_passkey_sign_in')}
              </button>
              ${fieldError(t, passkeyError, ids.passkey)}`
          : nothing}
      </form>
    `;
  }

  private handleReveal(): void {
    this.reveal = !this.reveal;
  }

  private handlePasskey(): void {
    if (!this.busy) this.dispatchEvent(new StepIntentEvent('passkey', {}, true));
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
