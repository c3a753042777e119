import { html } from 'lit';
import type { StepMap } from '../../../server/flows/protocol.js';
import { StepElement } from '../../lib/step.js';
import type { RecoveryTranslate } from './recovery-messages.js';

/**
 * @summary After a recovery request: "Request sent". It reads the same for
 * every address, known or not, and says how long the request stays open
 * (`data`: the address, the days). The flow ends here: no actions.
 */
export class RecoveryRequestedStep extends StepElement<StepMap['recovery-requested']['data']> {
  declare t: RecoveryTranslate;

  protected override render() {
    const { t, data } = this;
    return html`
      <div class="lf-form">
        <h2 class="lf-title" tabindex="-1" data-autofocus>${t('title_recovery_requested')}</h2>
        <p class="lf-intro lf-long-words">${t('intro_recovery_requested', { email: data.email, days: data.expiresInDays })}</p>
      </div>
    `;
  }
}

customElements.define('lf-recovery-requested-step', RecoveryRequestedStep);

declare global {
  interface HTMLElementTagNameMap {
    'lf-recovery-requested-step': RecoveryRequestedStep;
  }
}
