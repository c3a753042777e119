import { html, nothing } from 'lit';
import type { StepMap } from '../../../server/flows/protocol.js';
import { StepElement, uniqueId } from '../../lib/step.js';
import type { ApproverTranslate } from './approver-messages.js';
import { FlowWait } from './flow-wait.js';

type Data = StepMap['second-factor']['data'];

/** The tag of the style text, as in login-flow/styles.ts: the widget build collapses its whitespace. */
const css = String.raw;

/**
 * The view's style rules, added to the widget's sheet with the chunk
 * (approver-steps.ts): the number to pick, large enough to read at a glance
 * and compare with the three on the phone, and still two digits wide on a
 * 320 px screen.
 */
export const APPROVAL_CSS = [
  css`:where(login-flow) :where(.lf-number) {
    margin: 0;
    font-size: 3rem;
    font-weight: 700;
    line-height: 1.2;
    letter-spacing: 0.08em;
    text-align: center;
    font-variant-numeric: tabular-nums;
  }`,
];

/**
 * @summary The second factor by push approval with number matching: "Check
 * your phone". It asks for a sign-in request once, when it first shows and
 * none was sent (`send-approval`), then shows the number to pick on the phone
 * (`data.approval.number`) and waits for the phone's decision: it long-polls
 * the flow's wait (`FlowWait`, with `flowId` and `api`) and, once the server
 * says ready, sends `approval` with `{ remember }`. An `approval_pending`
 * answer makes it wait on in silence; a refusal (`approval_denied`) or an
 * expired request (`approval_expired`, or `data.approval.expiresAt` passed
 * here) stops the wait and offers "Send again".
 *
 * Rendered by `<lf-second-factor-step>`, which keeps the switch to the other
 * methods ("Try another way"). Loaded on demand with the approver's set-up
 * (approver-steps.ts).
 *
 * @event lf-intent - `send-approval` (once on its own, then from "Send again");
 * `approval` with `{ remember }` once the phone decided.
 */
export class ApprovalView extends StepElement<Data> {
  static override properties = { flowId: { attribute: false }, api: { attribute: false } };

  /** The second-factor step's data from the server: `approval` once a request was sent, `rememberDays`. */
  override data: Data = { methods: ['approver'], rememberDays: null };
  /** The flow's id, for the wait. Set through `<lf-second-factor-step>` by `<login-flow>`. */
  flowId = '';
  /** The API's origin (empty: the page's own), for the wait. */
  api = '';
  declare t: ApproverTranslate;

  private readonly wait = new FlowWait(this);
  /** The first request, sent on its own, is under way: no "Send again" yet. */
  private first = false;
  private readonly ids = { title: uniqueId('approval-title'), remember: uniqueId('remember'), note: uniqueId('remember-note') };

  /** The request on the phone, while it can still be answered there. */
  private get pending(): Data['approval'] {
    const { approval } = this.data;
    const code = this.error?.code;
    return approval && approval.expiresAt > Date.now() && code !== 'approval_denied' && code !== 'approval_expired' ? approval : undefined;
  }

  protected override firstUpdated(): void {
    // The person came for the approver (the server's first method, or "Approve on your phone"): ask at once, once.
    if (!this.data.approval && !this.error) {
      this.first = true;
      this.intent('send-approval');
    }
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    super.willUpdate(changed);
    if (!this.busy) this.first = false;
  }

  protected override updated(): void {
    const pending = this.pending;
    this.wait.watch(pending && !this.busy ? `${pending.number}@${pending.expiresAt}` : undefined, pending?.expiresAt ?? 0, this.api, this.flowId, () =>
      this.intent('approval', { remember: this.querySelector<HTMLInputElement>('input[name="remember"]')?.checked ?? false }),
    );
  }

  protected override render() {
    const { t, busy, ids, data } = this;
    const pending = this.pending;
    const code = this.error?.code;
    // Refused on the phone, or too late: say so, and offer a new request. Not sent yet: say it is on its way.
    const ended = code === 'approval_denied' || code === 'approval_expired' ? code : data.approval && !pending ? 'approval_expired' : undefined;
    const days = data.rememberDays;
    const disabled = busy ? 'true' : 'false';
    return html`
      <div class="lf-form" role="group" aria-labelledby=${ids.title} aria-busy=${disabled}>
        <h2 class="lf-title" id=${ids.title} tabindex="-1" data-autofocus>${t('title_approval')}</h2>
        ${pending
          ? html`<p class="lf-intro">${t('intro_approval')}</p>
              <p class="lf-number" role="img" aria-label=${t('approval_number', { number: pending.number })}>${pending.number}</p>`
          : nothing}
        <p class=${ended ? 'lf-error' : 'lf-intro'} role="status" ?data-busy=${!ended && (!!pending || busy)}>
          ${ended ? t(`error_${ended}`) : pending ? t('approval_waiting') : busy ? t('approval_sending') : ''}
        </p>
        ${typeof days === 'number'
          ? html`<div class="lf-checkbox">
              <input id=${ids.remember} name="remember" type="checkbox" aria-describedby=${ids.note} />
              <label for=${ids.remember}>${t('remember_device', { days })}</label>
              <p class="lf-note" id=${ids.note}>${t('remember_device_note')}</p>
            </div>`
          : nothing}
        ${pending || (this.first && busy)
          ? nothing
          : html`<button class="lf-button" type="button" aria-disabled=${disabled} @click=${() => this.intent('send-approval')}>
              ${busy ? t('busy') : t('action_send_again')}
            </button>`}
      </div>
    `;
  }
}

customElements.define('lf-approval-view', ApprovalView);

declare global {
  interface HTMLElementTagNameMap {
    'lf-approval-view': ApprovalView;
  }
}
