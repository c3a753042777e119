import { html, nothing } from 'lit';
import type { StepMap } from '../../../server/flows/protocol.js';
import { passwordField } from '../../lib/password-field.js';
import { StepElement, fieldError, isPasskeyError, uniqueId } from '../../lib/step.js';

/**
 * @summary The password step, with the chosen email shown and changeable, and
 * "Sign in with a passkey" when the server offers passkeys (`data.passkey`).
 * `error`: on the password, or (a `passkey_*` code) on the passkey sign-in.
 * @event lf-intent - `password` with `{ password }` on submit; `back` to change
 * the email address and `forgot`, each shown only when `actions` lists it; `forgot` with `{}` to have a link to set a new password
 * mailed; `passkey` with the `passkey` flag (`<login-flow>` runs the ceremony
 * and sends `{ response }`).
 */
export class PasswordStep extends StepElement<StepMap['password']['data'], StepMap['password']['actions']> {
  static override properties = { waiting: { type: Boolean }, reveal: { state: true } };

  /** Re-authentication offers neither `back` nor `forgot`: the person is signed in. */
  override actions: StepMap['password']['actions'][] = ['password', 'back', 'forgot'];
  /** True while a passkey ceremony runs: the passkey button says so. */
  waiting = false;

  private reveal = false;
  private readonly ids = { input: uniqueId('password'), error: uniqueId('password-error'), title: uniqueId('password-title'), passkey: uniqueId('passkey-error') };

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
          ${this.actions.includes('back')
            ? html`<button class="lf-link" type="button" aria-label=${t('label_change_email')} @click=${() => this.intent('back')}>${t('action_change_email')}</button>`
            : nothing}
        </p>
        <input name="username" type="email" autocomplete="username" .value=${this.data.email} hidden readonly tabindex="-1" />
        ${passwordField(t, { id: ids.input, errorId: ids.error, label: t('label_password'), autocomplete: 'current-password', error, reveal: this.reveal, onReveal: this.handleReveal, autofocus: true })}
        <button class="lf-button" type="submit" aria-disabled=${busy ? 'true' : 'false'}>${busy && !waiting ? t('busy') : t('action_sign_in')}</button>
        ${this.actions.includes('forgot') ? html`<button class="lf-link" type="button" @click=${() => this.intent('forgot')}>${t('action_forgot')}</button>` : nothing}
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

  private readonly handleReveal = (): void => {
    this.reveal = !this.reveal;
  };

  private handlePasskey(): void {
    this.intent('passkey', {}, true);
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
    this.intent('password', { password: input.value });
  }
}

customElements.define('lf-password-step', PasswordStep);

declare global {
  interface HTMLElementTagNameMap {
    'lf-password-step': PasswordStep;
  }
}
