import { html, nothing } from 'lit';
import type { StepMap } from '../../../server/flows/protocol.js';
import { StepElement, fieldError, uniqueId } from '../../lib/step.js';

/**
 * @summary The first step: the person's email address. When the server offers
 * passkeys (`data.passkey`), the field also offers them in its autofill
 * (`autocomplete="username webauthn"`); `<login-flow>` runs that ceremony.
 * @event lf-intent - `email` with `{ email }` when the form is submitted.
 */
export class EmailStep extends StepElement<StepMap['email']['data']> {
  /** The step's data from the server: a previously entered address, if any; passkey options when passkeys are on. */
  override data: StepMap['email']['data'] = {};

  private readonly ids = { input: uniqueId('email'), error: uniqueId('email-error'), title: uniqueId('email-title') };

  protected override render() {
    const { t, busy, ids } = this;
    const error = this.localError ?? this.error;
    return html`
      <form class="lf-form" novalidate aria-labelledby=${ids.title} aria-busy=${busy ? 'true' : 'false'} @submit=${this.handleSubmit}>
        <h2 class="lf-title" id=${ids.title}>${t('title_email')}</h2>
        <p class="lf-intro">${t('intro_email')}</p>
        <div class="lf-field">
          <label class="lf-label" for=${ids.input}>${t('label_email')}</label>
          <input
            class="lf-input"
            id=${ids.input}
            name="username"
            type="email"
            autocomplete=${this.data.passkey ? 'username webauthn' : 'username'}
            inputmode="email"
            autocapitalize="none"
            spellcheck="false"
            required
            maxlength="254"
            .value=${this.data.email ?? ''}
            aria-invalid=${error ? 'true' : 'false'}
            aria-describedby=${error ? ids.error : nothing}
            data-autofocus
          />
          ${fieldError(t, error, ids.error)}
        </div>
        <button class="lf-button" type="submit" aria-disabled=${busy ? 'true' : 'false'}>
          ${busy ? t('busy') : t('action_continue')}
        </button>
      </form>
    `;
  }

  private handleSubmit(event: SubmitEvent): void {
    event.preventDefault();
    if (this.busy) return;
    const input = this.querySelector<HTMLInputElement>('input[name="username"]')!;
    const email = input.value.trim();
    if (!email) {
      this.localError = { code: 'email_required', field: 'email' };
      input.focus();
      return;
    }
    this.intent('email', { email });
  }
}

customElements.define('lf-email-step', EmailStep);

declare global {
  interface HTMLElementTagNameMap {
    'lf-email-step': EmailStep;
  }
}
