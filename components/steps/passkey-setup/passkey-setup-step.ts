import { LitElement, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { StepMap } from '../../../server/flows/protocol.js';
import type { ClientError } from '../../lib/api.js';
import { StepIntentEvent } from '../../lib/events.js';
import { translator, type Translate } from '../../lib/i18n.js';
import { fieldError, uniqueId } from '../../lib/step.js';

/** The longest passkey name the server keeps. */
const NAME_MAX = 64;

/**
 * @summary Passkey set-up as the second factor: name the passkey, then create
 * it with the face, fingerprint or screen lock of this device, or a security key.
 * @event lf-intent - `register` with `{ name }` (trimmed; the suggested name when
 * left empty) and the `passkey` flag: `<login-flow>` runs the registration with
 * `data.options` and sends `{ response, name }`. `use-totp` to set up an
 * authenticator app instead; `cancel` to skip set-up, offered only when `actions` has it.
 */
@customElement('lf-passkey-setup-step')
export class PasskeySetupStep extends LitElement {
  /** The step's data from the server: the registration options, a name to suggest, and why set-up is shown. */
  @property({ attribute: false }) data: StepMap['passkey-setup']['data'] = {
    options: { challenge: '', rp: { name: '' }, user: { id: '', name: '', displayName: '' }, pubKeyCredParams: [] },
    suggestedName: '',
    required: true,
    reason: 'enable',
  };
  /** What the server accepts now: `use-totp` and `cancel` each add their link. */
  @property({ attribute: false }) actions: StepMap['passkey-setup']['actions'][] = ['register', 'use-totp'];
  /** The error on the name (`field: 'name'`) or on creating the passkey, if the last attempt failed. */
  @property({ attribute: false }) error: ClientError | undefined;
  /** True while a request or the ceremony runs: the form ignores submits and says so. */
  @property({ type: Boolean }) busy = false;
  /** True while the ceremony runs: the button says the browser waits for the passkey. */
  @property({ type: Boolean }) waiting = false;
  /** Translates message keys into the widget's language. */
  @property({ attribute: false }) t: Translate = translator('en');

  private readonly ids = { title: uniqueId('passkey-setup-title'), name: uniqueId('passkey-name'), error: uniqueId('passkey-error') };

  protected override createRenderRoot(): this {
    return this;
  }

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
        ${fieldError(t, error, ids.error)}
        <button class="lf-button" type="submit" aria-disabled=${busy ? 'true' : 'false'} aria-describedby=${error && !onName ? ids.error : nothing}>
          ${this.waiting ? t('passkey_waiting') : busy ? t('busy') : t('action_create_passkey')}
        </button>
        ${actions.includes('use-totp')
          ? html`<button class="lf-link" type="button" @click=${() => this.handleAction('use-totp')}>${t('action_use_totp_instead')}</button>`
          : nothing}
        ${actions.includes('cancel') ? html`<button class="lf-link" type="button" @click=${() => this.handleAction('cancel')}>${t('action_cancel')}</button>` : nothing}
      </form>
    `;
  }

  private handleAction(action: 'use-totp' | 'cancel'): void {
    if (!this.busy) this.dispatchEvent(new StepIntentEvent(action));
  }

  private handleSubmit(event: SubmitEvent): void {
    event.preventDefault();
    if (this.busy) return;
    const name = this.querySelector<HTMLInputElement>('input[name="passkey-name"]')!.value.trim() || this.data.suggestedName;
    this.dispatchEvent(new StepIntentEvent('register', { name }, true));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'lf-passkey-setup-step': PasskeySetupStep;
  }
}
