import { html, nothing } from 'lit';
import type { StepMap } from '../../../server/flows/protocol.js';
import { StepElement, uniqueId } from '../../lib/step.js';
import { FlowWait } from '../approval/flow-wait.js';
import type { ApproverTranslate } from '../approval/approver-messages.js';
import type { SetupTranslate } from '../setup-messages.js';

type Data = StepMap['approver-setup']['data'];

/**
 * The set-up link, only as a web address: anything else (`javascript:`,
 * `data:`) would run in the host page's name when followed (CWE-79).
 */
function webUrl(url: string): string | undefined {
  try {
    const { protocol, href } = new URL(url);
    return protocol === 'https:' || protocol === 'http:' ? href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * @summary Setting up the approver: scan the QR code with the phone's camera
 * (or, on that phone, follow the link), add the approver web app there and
 * turn it on; meanwhile the step waits, and goes on by itself once the phone
 * has enrolled. The code (`data.url`, one-time) dies at `data.expiresAt`:
 * then "This code has expired" and "Make a new code".
 *
 * While the code is live it long-polls the flow's wait (`FlowWait`, with
 * `flowId` and `api` from `<login-flow>`); when the server says ready it sends
 * `check`, and an `approver_pending` answer (the phone not done after all)
 * makes it wait on in silence.
 *
 * Loaded on demand with the approver's "Check your phone" (approval/approver-steps.ts);
 * `<login-flow>` loads the set-up chunk too, for the words it shares with the other set-ups.
 *
 * @event lf-intent - `check` once the phone enrolled; `renew` for a new code;
 * `back` to choose another method, offered only when `actions` has it.
 */
export class ApproverSetupStep extends StepElement<Data, StepMap['approver-setup']['actions']> {
  static override properties = { flowId: { attribute: false }, api: { attribute: false } };

  /** The step's data from the server: the set-up link, its QR code and expiry, and whether set-up may be skipped. */
  override data: Data = { url: '', qr: { size: 0, path: '' }, expiresAt: 0, required: true, reason: 'enable' };
  /** The flow's id, for the wait. Set by `<login-flow>`. */
  flowId = '';
  /** The API's origin (empty: the page's own), for the wait. Set by `<login-flow>`. */
  api = '';
  declare t: SetupTranslate & ApproverTranslate;

  private readonly wait = new FlowWait(this);
  private readonly titleId = uniqueId('approver-setup-title');

  /** The code can still be scanned. */
  private get live(): boolean {
    return this.data.expiresAt > Date.now();
  }

  protected override updated(): void {
    const { data } = this;
    this.wait.watch(this.live && !this.busy ? data.url : undefined, data.expiresAt, this.api, this.flowId, () => this.intent('check'));
  }

  protected override render() {
    const { t, busy, data, live } = this;
    const { qr } = data;
    const url = webUrl(data.url);
    const disabled = busy ? 'true' : 'false';
    const reason = data.reason === 'recovered' ? t('totp_reason_recovered') : data.reason === 'required' ? t('totp_reason_required') : '';
    return html`
      <div class="lf-form" role="group" aria-labelledby=${this.titleId} aria-busy=${disabled}>
        <h2 class="lf-title" id=${this.titleId} tabindex="-1" data-autofocus>${t('title_approver_setup')}</h2>
        ${reason ? html`<p class="lf-intro">${reason}</p>` : nothing}
        <ol class="lf-steps">
          <li>${t('approver_step_scan')}</li>
          <li>${t('approver_step_open')}</li>
          <li>${t('approver_step_confirm')}</li>
        </ol>
        ${live
          ? html`<svg class="lf-qr" viewBox="0 0 ${qr.size} ${qr.size}" role="img" aria-label=${t('label_approver_qr')}>
                <path d=${qr.path} fill="currentColor" />
              </svg>
              ${url ? html`<a class="lf-button-secondary" href=${url} target="_blank" rel="noopener">${t('action_open_approver')}</a>` : nothing}`
          : nothing}
        <p class=${live ? 'lf-intro' : 'lf-error'} role="status" ?data-busy=${live}>${live ? t('approval_waiting') : t('approver_expired')}</p>
        ${live
          ? nothing
          : html`<button class="lf-button" type="button" aria-disabled=${disabled} @click=${() => this.intent('renew')}>${busy ? t('busy') : t('action_new_code')}</button>`}
        ${this.actions.includes('back') ? html`<button class="lf-link" type="button" @click=${() => this.intent('back')}>${t('action_back')}</button>` : nothing}
      </div>
    `;
  }
}

customElements.define('lf-approver-setup-step', ApproverSetupStep);

declare global {
  interface HTMLElementTagNameMap {
    'lf-approver-setup-step': ApproverSetupStep;
  }
}
