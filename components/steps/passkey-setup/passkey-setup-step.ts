import { html, nothing } from 'lit';
import type { StepMap } from '../../../server/flows/protocol.js';
import { StepElement, errorMessage, uniqueId } from '../../lib/step.js';
import type { SetupTranslate } from '../setup-messages.js';

/** The longest passkey name the server keeps. */
const NAME_MAX = 64;

/**
 * @summary Passkey set-up as the second factor: name the passkey, then create
 * it with the face, fingerprint or screen lock of this device, or a security key.
 * `error`: on the name (`field: 'name'`), or on creating the passkey. `busy`
 * covers the ceremony too.
 * @event lf-intent - `register` with `{ name }` (trimmed; the suggested name when
 * left empty) and the `passkey` flag: `<login-flow>` runs the registration with
 * `data.options` and sends `{ response, name }`. `back` to choose another
 * method, offered only when `actions` has it.
 *
 * Loaded on demand with the other set-up steps (setup-steps.ts).
 */
export class PasskeySetupStep extends StepElement<StepMap['passkey-setup']['data'], StepMap['passkey-setup']['actions']> {
  static override properties = { waiting: { type: Boolean } };

  /** The step's data from the server: the registration options, a name to suggest, and why set-up is shown. */
  override data: StepMap['passkey-setup']['data'] = {
    options: { challenge: '', rp: { name: '' }, user: { id: '', name: '', displayName: '' }, pubKeyCredParams: [] },
    suggestedName: '',
    required: true,
    reason: 'enable',
  };
  declare t: SetupTranslate;
  /** What the server accepts now: `back` adds its link. */
  override actions: StepMap['passkey-setup']['actions'][] = ['register', 'back'];
  /** True while the ceremony runs: the button says the browser waits for the passkey. */
  waiting = false;

  private readonly ids = { title: uniqueId('passkey-setup-title'), name: uniqueId('passkey-name'), error: uniqueId('passkey-error') };

  protected override render() {
    const { t, busy, ids, data, actions } = this;
    const error = this.error;
    const onName = error?.field === 'name';
    const reason = data.reason === 'recovered' ? t('totp_reason_recovered') : data.reason === 'required' ? t('totp_reason_required') : '';
    return html`
      <form class="lf-form" novalidate aria-labelledby=${ids.title} aria-busy=${busy ? 'true' : 'false'} @submit=${this.handleSubmit}>
        <h2 class="lf-title" id=${ids.title} tabindex="-1" data-autofocus>${t('title_passkey_setup')}</h2>
        ${reason ? html`<p class="lf-intro">${reason}</p>` : nothing}
        <p class="lf-intro">${t('intro_passkey_setup')}</p>
        <div class="lf-field">
          <label class="lf-label" for=${ids.name}>${t('label_passkey_name')}</label>
          <input
            class="lf-input"
            id=${ids.name}
            name="passkey-name"
            type="text"
            autocomplete="off"
            maxlength=${NAME_MAX}
            .value=${data.suggestedName}
            aria-invalid=${onName ? 'true' : 'false'}
            aria-describedby=${onName ? ids.error : nothing}
          />
        </div>
        ${error
          ? // A cancelled registration says no passkey was made (not that none is on the device, as at sign-in).
            html`<p id=${ids.error} class="lf-error" role="alert">${error.code === 'passkey_cancelled' ? t('passkey_setup_cancelled') : errorMessage(t, error)}</p>`
          : nothing}
        <button class="lf-button" type="submit" aria-disabled=${busy ? 'true' : 'false'} aria-describedby=${error && !onName ? ids.error : nothing}>
          ${this.waiting ? t('passkey_waiting') : busy ? t('busy') : t('action_create_passkey')}
        </button>
        ${actions.includes('back') ? html`<button class="lf-link" type="button" @click=${() => this.intent('back')}>${t('action_back')}</button>` : nothing}
      </form>
    `;
  }

  private handleSubmit(event: SubmitEvent): void {
    event.preventDefault();
    if (this.busy) return;
    const name = this.querySelector<HTMLInputElement>('input[name="passkey-name"]')!.value.trim() || this.data.suggestedName;
    this.intent('register', { name }, true);
  }
}

customElements.define('lf-passkey-setup-step', PasskeySetupStep);

declare global {
  interface HTMLElementTagNameMap {
    'lf-passkey-setup-step': PasskeySetupStep;
  }
}
