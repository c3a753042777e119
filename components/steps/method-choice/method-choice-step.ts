import { html, nothing } from 'lit';
import type { SetupMethod, StepMap } from '../../../server/flows/protocol.js';
import { formatDay } from '../../lib/i18n.js';
import { StepElement, fieldError, uniqueId } from '../../lib/step.js';
import type { SetupTranslate } from '../setup-messages.js';

/** Each method's name and what it means, in one line (seeds: "an authenticator app, SMS, or Face ID", "approve the login attempt via the push notification"). */
const LABELS = {
  passkey: ['method_passkey', 'method_passkey_note'],
  totp: ['method_totp', 'method_totp_note'],
  sms: ['method_sms', 'method_sms_note'],
  approver: ['method_approver', 'method_approver_note'],
} as const satisfies Record<SetupMethod, readonly [string, string]>;

/**
 * @summary "How do you want to verify it's you?": the second factor to set up,
 * one button per method the server offers (`data.methods`), each with what it
 * means. A passkey is offered only where the browser can make one. With
 * `data.backup` the person has a first method and may add a second ("Tip: set
 * up two methods"), or skip. "Remind me later" only where policy allows it
 * (`actions`).
 *
 * Loaded on demand with the other set-up steps (setup-steps.ts).
 *
 * @event lf-intent - `choose` with `{ method }`; `remind-later`; `skip`.
 */
export class MethodChoiceStep extends StepElement<StepMap['method-choice']['data'], StepMap['method-choice']['actions']> {
  declare t: SetupTranslate;

  /** The step's data from the server: the methods to offer, whether this is the backup, why set-up is shown. */
  override data: StepMap['method-choice']['data'] = { methods: [], backup: false, reason: 'enable', requiredFrom: null };

  private readonly ids = { title: uniqueId('method-title'), error: uniqueId('method-error') };

  protected override render() {
    const { t, busy, ids, data, actions } = this;
    // WebAuthn missing (an old or embedded browser): no passkey to make here. A method this widget
    // does not know yet (a newer server) is left out rather than drawn without words.
    const methods = data.methods.filter((method) => method in LABELS && (method !== 'passkey' || 'PublicKeyCredential' in window));
    const reason = data.backup ? '' : data.reason === 'recovered' ? t('totp_reason_recovered') : data.reason === 'required' ? t('totp_reason_required') : '';
    const date = data.backup ? '' : formatDay(data.requiredFrom, t.locale);
    return html`
      <div class="lf-form" role="group" aria-labelledby=${ids.title} aria-busy=${busy ? 'true' : 'false'}>
        <h2 class="lf-title" id=${ids.title} tabindex="-1" data-autofocus>${t(data.backup ? 'title_method_backup' : 'title_method_choice')}</h2>
        ${reason ? html`<p class="lf-intro">${reason}</p>` : nothing}
        <p class="lf-intro">${t(data.backup ? 'intro_method_backup' : 'intro_method_choice')}</p>
        ${date && !reason ? html`<p class="lf-intro">${t('mfa_required_from', { date })}</p>` : nothing}
        ${fieldError(t, this.error, ids.error)}
        ${methods.map((method) => {
          const [name, note] = LABELS[method];
          return html`<button class="lf-button-secondary lf-choice" type="button" aria-disabled=${busy ? 'true' : 'false'} @click=${() => this.intent('choose', { method })}>
            <b>${t(name)}</b><span>${t(note)}</span>
          </button>`;
        })}
        ${actions.includes('remind-later') ? html`<button class="lf-link" type="button" @click=${() => this.intent('remind-later')}>${t('action_remind_later')}</button>` : nothing}
        ${actions.includes('skip') ? html`<button class="lf-link" type="button" @click=${() => this.intent('skip')}>${t('action_skip')}</button>` : nothing}
      </div>
    `;
  }
}

customElements.define('lf-method-choice-step', MethodChoiceStep);

declare global {
  interface HTMLElementTagNameMap {
    'lf-method-choice-step': MethodChoiceStep;
  }
}
