import { html } from 'lit';
import type { StepMap } from '../../../server/flows/protocol.js';
import { StepElement } from '../../lib/step.js';

/**
 * @summary After "Forgot your password?": a link to set a new one was mailed,
 * if the account exists (`data`: the address, how many minutes the link
 * works). It reads the same for every address, known or not.
 * @event lf-intent - `back` to return to the password step.
 */
export class ResetSentStep extends StepElement<StepMap['reset-sent']['data']> {
  protected override render() {
    const { t } = this;
    return html`
      <div class="lf-form">
        <h2 class="lf-title" tabindex="-1" data-autofocus>${t('title_check_email')}</h2>
        <p class="lf-intro">${t('intro_reset_sent', this.data)}</p>
        <button class="lf-button-secondary" type="button" @click=${() => this.intent('back')}>${t('action_back')}</button>
      </div>
    `;
  }
}

customElements.define('lf-reset-sent-step', ResetSentStep);

declare global {
  interface HTMLElementTagNameMap {
    'lf-reset-sent-step': ResetSentStep;
  }
}
