import { html } from 'lit';
import type { StepMap } from '../../../server/flows/protocol.js';
import { StepElement } from '../../lib/step.js';

/**
 * @summary The end of the flow: who is signed in (`data`: the session grant).
 * Hosts usually replace it on `lf-success`.
 */
export class DoneStep extends StepElement<StepMap['done']['data'] | undefined> {
  protected override render() {
    return html`
      <div class="lf-form lf-done">
        <h2 class="lf-title" tabindex="-1" data-autofocus>${this.t('title_done')}</h2>
        <p class="lf-intro">${this.t('signed_in_as', { email: this.data?.session.user.email ?? '' })}</p>
      </div>
    `;
  }
}

customElements.define('lf-done-step', DoneStep);

declare global {
  interface HTMLElementTagNameMap {
    'lf-done-step': DoneStep;
  }
}
