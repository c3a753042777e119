import { html, nothing } from 'lit';
import type { StepMap } from '../../../server/flows/protocol.js';
import { formatDay } from '../../lib/i18n.js';
import { StepElement, fieldError, uniqueId } from '../../lib/step.js';

/**
 * @summary "Add an extra layer of security": set up two-step verification now, or later.
 * @event lf-intent - `enable` to start setting up; `remind-later` to go on without it for now.
 */
export class MfaPromptStep extends StepElement<StepMap['mfa-prompt']['data']> {
  /** The step's data from the server: the date (YYYY-MM-DD) from which two-step verification is required, if any. */
  override data: StepMap['mfa-prompt']['data'] = { requiredFrom: null };

  private readonly ids = { title: uniqueId('mfa-prompt-title'), error: uniqueId('mfa-prompt-error') };

  protected override render() {
    const { t, busy, ids } = this;
    const date = formatDay(this.data.requiredFrom, t.locale);
    return html`
      <div class="lf-form" role="group" aria-labelledby=${ids.title} aria-busy=${busy ? 'true' : 'false'}>
        <h2 class="lf-title" id=${ids.title} tabindex="-1" data-autofocus>${t('title_mfa_prompt')}</h2>
        <p class="lf-intro">${t('intro_mfa_prompt')}</p>
        ${date ? html`<p class="lf-intro">${t('mfa_required_from', { date })}</p>` : nothing}
        ${fieldError(t, this.error, ids.error)}
        <button class="lf-button" type="button" aria-disabled=${busy ? 'true' : 'false'} @click=${() => this.intent('enable')}>
          ${busy ? t('busy') : t('action_enable')}
        </button>
        <button class="lf-button-secondary" type="button" aria-disabled=${busy ? 'true' : 'false'} @click=${() => this.intent('remind-later')}>
          ${t('action_remind_later')}
        </button>
      </div>
    `;
  }
}

customElements.define('lf-mfa-prompt-step', MfaPromptStep);

declare global {
  interface HTMLElementTagNameMap {
    'lf-mfa-prompt-step': MfaPromptStep;
  }
}
