import { LitElement, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { StepMap } from '../../../server/flows/protocol.js';
import { translator, type Translate } from '../../lib/i18n.js';

/**
 * @summary The end of the flow: who is signed in. Hosts usually replace it on `lf-success`.
 */
@customElement('lf-done-step')
export class DoneStep extends LitElement {
  /** The session grant. */
  @property({ attribute: false }) data: StepMap['done']['data'] | undefined;
  /** Translates message keys into the widget's language. */
  @property({ attribute: false }) t: Translate = translator('en');

  protected override createRenderRoot(): this {
    return this;
  }

  protected override render() {
    return html`
      <div class="lf-form lf-done">
        <h2 class="lf-title" tabindex="-1" data-autofocus>${this.t('title_done')}</h2>
        <p class="lf-intro">${this.t('signed_in_as', { email: this.data?.session.user.email ?? '' })}</p>
      </div>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'lf-done-step': DoneStep;
  }
}
