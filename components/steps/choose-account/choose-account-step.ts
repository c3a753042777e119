import { html } from 'lit';
import type { StepMap } from '../../../server/flows/protocol.js';
import { StepElement, uniqueId } from '../../lib/step.js';
import type { CompanyTranslate } from '../company-messages.js';

/**
 * @summary One email address, accounts at several companies: pick the one to
 * work in (`data.accounts`, last used first). One button per company, in a
 * group named by the title; the first takes focus. A refusal
 * (`account_not_available`) shows in `<login-flow>`'s banner.
 *
 * Loaded on demand with the sso step (company-steps.ts), so it registers
 * itself with `customElements.define`.
 *
 * @event lf-intent - `choose` with `{ account }`, the chosen account's id.
 */
export class ChooseAccountStep extends StepElement<StepMap['choose-account']['data'], StepMap['choose-account']['actions']> {
  declare t: CompanyTranslate;

  private readonly titleId = uniqueId('choose-account-title');

  protected override render() {
    const { t, busy, titleId } = this;
    return html`
      <div class="lf-form" role="group" aria-labelledby=${titleId} aria-busy=${busy ? 'true' : 'false'}>
        <h2 class="lf-title" id=${titleId}>${t('title_choose_account')}</h2>
        <p class="lf-intro">${t('intro_choose_account')}</p>
        ${this.data.accounts.map(
          (account, index) =>
            html`<button
              class="lf-button-secondary"
              type="button"
              aria-disabled=${busy ? 'true' : 'false'}
              ?data-autofocus=${!index}
              @click=${() => this.intent('choose', { account: account.id })}
            >
              ${account.name}
            </button>`,
        )}
      </div>
    `;
  }
}

customElements.define('lf-choose-account-step', ChooseAccountStep);

declare global {
  interface HTMLElementTagNameMap {
    'lf-choose-account-step': ChooseAccountStep;
  }
}
