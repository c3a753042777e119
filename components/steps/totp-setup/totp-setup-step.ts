import { html, nothing } from 'lit';
import type { StepMap } from '../../../server/flows/protocol.js';
import { CopyController } from '../../lib/copy.js';
import { StepElement, fieldError, normalizeCode, uniqueId } from '../../lib/step.js';
import type { SetupTranslate } from '../setup-messages.js';

/**
 * @summary Authenticator-app set-up: scan the QR code, open the `otpauth://`
 * link in an app on this same phone, or type the key; then prove it worked
 * with the first code.
 *
 * Loaded on demand with the other set-up steps (setup-steps.ts).
 *
 * @event lf-intent - `totp` with `{ code }` (spaces and dashes removed); `back`
 * to choose another method, offered only when `actions` has it.
 */
export class TotpSetupStep extends StepElement<StepMap['totp-setup']['data'], StepMap['totp-setup']['actions']> {
  /** The step's data from the server: the QR code, the key, the entry's issuer and account, and whether set-up may be skipped. */
  override data: StepMap['totp-setup']['data'] = {
    qr: { size: 0, path: '' },
    secret: '',
    uri: '',
    issuer: '',
    account: '',
    required: true,
    reason: 'enable',
  };
  declare t: SetupTranslate;

  private readonly clipboard = new CopyController(this);
  private readonly ids = { title: uniqueId('totp-setup-title'), code: uniqueId('code'), error: uniqueId('code-error') };

  protected override updated(changed: Map<PropertyKey, unknown>): void {
    // A wrong code is spent: clear it, so the next one is typed into an empty field.
    if (changed.has('error') && this.error) this.querySelector<HTMLInputElement>('input[name="code"]')!.value = '';
  }

  protected override render() {
    const { t, busy, ids, data } = this;
    const { qr } = data;
    const error = this.localError ?? this.error;
    const reason = data.reason === 'recovered' ? t('totp_reason_recovered') : data.reason === 'required' ? t('totp_reason_required') : '';
    return html`
      <form class="lf-form" novalidate aria-labelledby=${ids.title} aria-busy=${busy ? 'true' : 'false'} @submit=${this.handleSubmit}>
        <h2 class="lf-title" id=${ids.title} tabindex="-1" data-autofocus>${t('title_totp_setup')}</h2>
        ${reason ? html`<p class="lf-intro">${reason}</p>` : nothing}
        <ol class="lf-steps">
          <li>${t('totp_step_open')}</li>
          <li>${t('totp_step_scan')}</li>
          <li>${t('totp_step_code')}</li>
        </ol>
        <svg class="lf-qr" viewBox="0 0 ${qr.size} ${qr.size}" role="img" aria-label=${t('label_qr')}>
          <path d=${qr.path} fill="currentColor" />
        </svg>
        ${data.uri.startsWith('otpauth://') ? html`<a class="lf-button-secondary" href=${data.uri}>${t('action_open_app')}</a>` : nothing}
        <p class="lf-identity">
          ${t('totp_account')}
          <span class="lf-identity-email">${data.issuer ? `${data.issuer} (${data.account})` : data.account}</span>
        </p>
        <p class="lf-intro">${t('totp_manual')}</p>
        <div class="lf-copy">
          <code class="lf-secret" data-secret=${data.secret}>${groupsOfFour(data.secret)}</code>
          <button class="lf-button-secondary" type="button" @click=${this.handleCopy}>
            <span aria-live="polite">${this.clipboard.copied ? t('copied') : t('action_copy_key')}</span>
          </button>
        </div>
        <div class="lf-field">
          <label class="lf-label" for=${ids.code}>${t('label_code')}</label>
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
            aria-invalid=${error ? 'true' : 'false'}
            aria-describedby=${error ? ids.error : nothing}
          />
          ${fieldError(t, error, ids.error)}
        </div>
        <button class="lf-button" type="submit" aria-disabled=${busy ? 'true' : 'false'}>${busy ? t('busy') : t('action_continue')}</button>
        ${this.actions.includes('back') ? html`<button class="lf-link" type="button" @click=${() => this.intent('back')}>${t('action_back')}</button>` : nothing}
      </form>
    `;
  }

  private handleCopy(): void {
    void this.clipboard.copy(this.data.secret, this.querySelector('.lf-secret'));
  }

  private handleSubmit(event: SubmitEvent): void {
    event.preventDefault();
    if (this.busy) return;
    const input = this.querySelector<HTMLInputElement>('input[name="code"]')!;
    const code = normalizeCode(input.value);
    if (!code) {
      this.localError = { code: 'code_required', field: 'code' };
      input.focus();
      return;
    }
    this.intent('totp', { code });
  }
}

/** "JBSWY3DPEHPK3PXP" as "JBSW Y3DP EHPK 3PXP": easier to read and type into an app by hand. */
function groupsOfFour(key: string): string {
  return key.replace(/(.{4})(?=.)/g, '$1 ');
}

customElements.define('lf-totp-setup-step', TotpSetupStep);

declare global {
  interface HTMLElementTagNameMap {
    'lf-totp-setup-step': TotpSetupStep;
  }
}
