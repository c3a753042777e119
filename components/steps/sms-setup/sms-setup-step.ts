import { html, nothing } from 'lit';
import type { StepMap } from '../../../server/flows/protocol.js';
import { StepElement, codeField, fieldError, normalizeCode, uniqueId } from '../../lib/step.js';
import type { SetupTranslate } from '../setup-messages.js';

/**
 * @summary A mobile number for text-message codes, as a person's method or
 * as a backup: enter it, then confirm it with the code texted to it
 * (`data.sentTo`, the masked number, once one was). `error`: `invalid_phone`
 * on the phone, `invalid_code` or `code_expired` on the code.
 *
 * Loaded on demand with the other set-up steps (setup-steps.ts).
 *
 * @event lf-intent - `phone` with `{ phone }` and `code` with `{ code }` (spaces
 * and dashes removed); `change-number` to enter another number; `back` to
 * choose another method, offered only when `actions` lists it.
 */
export class SmsSetupStep extends StepElement<StepMap['sms-setup']['data'], StepMap['sms-setup']['actions']> {
  declare t: SetupTranslate;
  /** Without `back` (the account page's own panel) there is no other method to choose here. */
  override actions: StepMap['sms-setup']['actions'][] = ['phone', 'code', 'back', 'change-number'];
  private readonly ids = { title: uniqueId('title'), phone: uniqueId('phone'), code: uniqueId('code'), error: uniqueId('code-error') };

  protected override updated(changed: Map<PropertyKey, unknown>): void {
    // A wrong code is spent: clear it. A refused number stays, to be corrected.
    const code = this.querySelector<HTMLInputElement>('input[name="code"]');
    if (changed.has('error') && this.error && code) code.value = '';
  }

  protected override render() {
    const { t, busy, ids } = this;
    const { sentTo } = this.data;
    const error = this.localError ?? this.error;
    const disabled = busy ? 'true' : 'false';
    return html`
      <form class="lf-form" novalidate aria-labelledby=${ids.title} aria-busy=${disabled} @submit=${this.handleSubmit}>
        <h2 class="lf-title" id=${ids.title}>${t('title_sms_setup')}</h2>
        ${sentTo
          ? html`<p class="lf-intro">${t('sms_sent_to', { phone: sentTo })}</p>
              ${codeField(t, ids, error)}
              <button class="lf-button" type="submit" aria-disabled=${disabled}>${busy ? t('busy') : t('action_verify')}</button>
              <button class="lf-link" type="button" @click=${() => this.intent('change-number')}>${t('action_change_number')}</button>`
          : html`<p class="lf-intro">${t('intro_sms_setup')}</p>
              <div class="lf-field">
                <label class="lf-label" for=${ids.phone}>${t('label_phone')}</label>
                <input
                  class="lf-input"
                  id=${ids.phone}
                  name="phone"
                  type="tel"
                  autocomplete="tel"
                  required
                  maxlength="32"
                  aria-invalid=${error ? 'true' : 'false'}
                  aria-describedby=${error ? ids.error : nothing}
                  data-autofocus
                />
                ${fieldError(t, error, ids.error)}
              </div>
              <button class="lf-button" type="submit" aria-disabled=${disabled}>${busy ? t('busy') : t('action_text_code')}</button>`}
        ${this.actions.includes('back') ? html`<button class="lf-link" type="button" @click=${() => this.intent('back')}>${t('action_back')}</button>` : nothing}
      </form>
    `;
  }

  private handleSubmit(event: SubmitEvent): void {
    event.preventDefault();
    if (this.busy) return;
    const input = this.querySelector<HTMLInputElement>('input[data-autofocus]')!;
    const phase = this.data.sentTo ? 'code' : 'phone';
    // Spaces and dashes go from a number as from a code: "06-1234 5678" is 0612345678.
    const value = normalizeCode(input.value);
    if (!value) {
      this.localError = { code: phase === 'code' ? 'code_required' : 'invalid_phone', field: phase };
      input.focus();
      return;
    }
    this.intent(phase, { [phase]: value });
  }
}

customElements.define('lf-sms-setup-step', SmsSetupStep);

declare global {
  interface HTMLElementTagNameMap {
    'lf-sms-setup-step': SmsSetupStep;
  }
}
