import { html, nothing } from 'lit';
import type { StepMap } from '../../../server/flows/protocol.js';
import { StepElement, errorMessage, normalizeCode, uniqueId } from '../../lib/step.js';
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
 * turn it on; meanwhile the step waits. Once a phone has enrolled, the phone
 * shows a 6-digit code and the step asks for it in place of the QR code (spent
 * now): the code proves the phone that enrolled is the person's own, not one
 * that photographed the QR code. The code (`data.url`, one-time) dies at
 * `data.expiresAt`: then "This code has expired" and "Make a new code".
 *
 * While the code is live it long-polls the flow's wait (`FlowWait`, with
 * `flowId` and `api` from `<login-flow>`); when the server says ready it shows
 * the code field, labelled by what its live status says now ("Your phone shows
 * a 6-digit code…"), and moves focus there when focus was in the step (or
 * nowhere). It never posts `check` by itself. A wrong code (`invalid_code`)
 * shows at the field; `approver_pending` (no phone enrolled after all) shows
 * the QR code again, says so, and waits on.
 *
 * Loaded on demand with the approver's "Check your phone" (approval/approver-steps.ts);
 * `<login-flow>` loads the set-up chunk too, for the words it shares with the other set-ups.
 *
 * @event lf-intent - `check` with `{ code }` (spaces and dashes removed), the
 * code the phone shows; `renew` for a new QR code; `back` to choose another
 * method, offered only when `actions` has it.
 */
export class ApproverSetupStep extends StepElement<Data, StepMap['approver-setup']['actions']> {
  static override properties = { flowId: { attribute: false }, api: { attribute: false }, enrolled: { state: true } };

  /** The step's data from the server: the set-up link, its QR code and expiry, and whether set-up may be skipped. */
  override data: Data = { url: '', qr: { size: 0, path: '' }, expiresAt: 0, required: true, reason: 'enable' };
  /** The flow's id, for the wait. Set by `<login-flow>`. */
  flowId = '';
  /** The API's origin (empty: the page's own), for the wait. Set by `<login-flow>`. */
  api = '';
  declare t: SetupTranslate & ApproverTranslate;

  /** The set-up link a phone enrolled with, as the wait said: its code is asked for while `data.url` is this one. */
  private enrolled: string | undefined;
  private readonly wait = new FlowWait(this);
  private readonly ids = { title: uniqueId('approver-setup-title'), code: uniqueId('code'), error: uniqueId('code-error') };

  /** The code can still be scanned. */
  private get live(): boolean {
    return this.data.expiresAt > Date.now();
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    super.willUpdate(changed);
    // The server knows of no phone after all: back to the QR code, and wait again.
    if (changed.has('error') && this.error?.code === 'approver_pending') this.enrolled = undefined;
  }

  protected override updated(changed: Map<PropertyKey, unknown>): void {
    const { url, expiresAt } = this.data;
    const asking = this.enrolled === url;
    this.wait.watch(this.live && !this.busy && !asking ? url : undefined, expiresAt, this.api, this.flowId, () => void this.ready(url));
    // A wrong code: clear it, so the next try is typed into an empty field.
    if (asking && changed.has('error') && this.error) this.input()!.value = '';
  }

  private input(): HTMLInputElement | null {
    return this.querySelector<HTMLInputElement>('input[name="code"]');
  }

  /** A phone enrolled with `url`: ask for its code, with focus in the field unless the person is busy elsewhere on the page. */
  private async ready(url: string): Promise<void> {
    const focused = document.activeElement;
    this.enrolled = url;
    await this.updateComplete;
    if (!focused || focused === document.body || this.contains(focused)) this.input()?.focus();
  }

  protected override render() {
    const { t, busy, data, live, ids } = this;
    const { qr } = data;
    const url = webUrl(data.url);
    const asking = this.enrolled === data.url;
    const disabled = busy ? 'true' : 'false';
    const reason = data.reason === 'recovered' ? t('totp_reason_recovered') : data.reason === 'required' ? t('totp_reason_required') : '';
    const pending = this.error?.code === 'approver_pending';
    const error = this.localError ?? (pending ? undefined : this.error);
    return html`
      <form class="lf-form" novalidate aria-labelledby=${ids.title} aria-busy=${disabled} @submit=${this.handleSubmit}>
        <h2 class="lf-title" id=${ids.title} tabindex="-1" data-autofocus>${t('title_approver_setup')}</h2>
        ${reason ? html`<p class="lf-intro">${reason}</p>` : nothing}
        ${asking
          ? nothing
          : html`<ol class="lf-steps">
                <li>${t('approver_step_scan')}</li>
                <li>${t('approver_step_open')}</li>
                <li>${t('approver_step_confirm')}</li>
              </ol>
              ${live
                ? html`<svg class="lf-qr" viewBox="0 0 ${qr.size} ${qr.size}" role="img" aria-label=${t('label_approver_qr')}>
                      <path d=${qr.path} fill="currentColor" />
                    </svg>
                    ${url ? html`<a class="lf-button-secondary" href=${url} target="_blank" rel="noopener">${t('action_open_approver')}</a>` : nothing}`
                : nothing}`}
        <p class=${asking || live ? 'lf-intro' : 'lf-error'} role="status" ?data-busy=${!asking && live}>
          ${asking ? html`<label for=${ids.code}>${t('approver_code_intro')}</label>` : live ? t('approval_waiting') : t('approver_expired')}
        </p>
        ${asking
          ? html`<div class="lf-field">
                <input
                  class="lf-input"
                  id=${ids.code}
                  name="code"
                  type="text"
                  autocomplete="one-time-code"
                  inputmode="numeric"
                  autocapitalize="none"
                  spellcheck="false"
                  required
                  maxlength="16"
                  aria-invalid=${error ? 'true' : 'false'}
                  aria-describedby=${error ? ids.error : nothing}
                />
                ${error
                  ? html`<p id=${ids.error} class="lf-error" role="alert">${error.code === 'invalid_code' ? t('approver_code_wrong') : errorMessage(t, error)}</p>`
                  : nothing}
              </div>
              <button class="lf-button" type="submit" aria-disabled=${disabled}>${busy ? t('busy') : t('action_confirm_phone')}</button>`
          : live
            ? pending
              ? html`<p class="lf-error" role="alert">${t('error_approver_pending')}</p>`
              : nothing
            : html`<button class="lf-button" type="button" aria-disabled=${disabled} @click=${() => this.intent('renew')}>${busy ? t('busy') : t('action_new_code')}</button>`}
        ${this.actions.includes('back') ? html`<button class="lf-link" type="button" @click=${() => this.intent('back')}>${t('action_back')}</button>` : nothing}
      </form>
    `;
  }

  private handleSubmit(event: SubmitEvent): void {
    event.preventDefault();
    const input = this.input();
    if (this.busy || !input) return;
    const code = normalizeCode(input.value);
    if (!code) {
      this.localError = { code: 'code_required', field: 'code' };
      input.focus();
      return;
    }
    this.intent('check', { code });
  }
}

customElements.define('lf-approver-setup-step', ApproverSetupStep);

declare global {
  interface HTMLElementTagNameMap {
    'lf-approver-setup-step': ApproverSetupStep;
  }
}
