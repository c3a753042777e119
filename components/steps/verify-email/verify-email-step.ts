import { html, nothing } from 'lit';
import type { StepMap } from '../../../server/flows/protocol.js';
import { StepElement, codeField, normalizeCode, uniqueId } from '../../lib/step.js';

/**
 * @summary Confirm the email address with the code just mailed to it
 * (`data`: the address, the code's length), or ask for a new code. `error`:
 * `invalid_code` or `code_expired` on the code.
 * @event lf-intent - `code` with `{ code }` (spaces and dashes removed); `resend` for a new code.
 */
export class VerifyEmailStep extends StepElement<StepMap['verify-email']['data']> {
  static override properties = { failed: { type: Boolean }, resent: { state: true } };

  /** True when the server refused the last action, for a reason the banner shows: a new code was not sent. */
  failed = false;

  /** A new code was sent at the person's request: say so. */
  private resent = false;
  private resending = false;
  private readonly ids = { title: uniqueId('title'), code: uniqueId('code'), error: uniqueId('code-error') };

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    super.willUpdate(changed);
    // The server's answer to `resend` is a new state of this step.
    if (changed.has('data')) {
      this.resent = this.resending && !this.failed;
      this.resending = false;
    }
  }

  protected override updated(changed: Map<PropertyKey, unknown>): void {
    // A wrong code is spent: clear it, so the next one is typed into an empty field.
    if (changed.has('error') && this.error) this.querySelector<HTMLInputElement>('input[name="code"]')!.value = '';
  }

  protected override render() {
    const { t, busy, ids, data } = this;
    return html`
      <form class="lf-form" novalidate aria-labelledby=${ids.title} aria-busy=${busy ? 'true' : 'false'} @submit=${this.handleSubmit}>
        <h2 class="lf-title" id=${ids.title}>${t('title_check_email')}</h2>
        <p class="lf-intro">${t('intro_verify_email', { length: data.codeLength, email: data.email })}</p>
        ${codeField(t, ids, this.localError ?? this.error)}
        <button class="lf-button" type="submit" aria-disabled=${busy ? 'true' : 'false'}>${busy ? t('busy') : t('action_verify')}</button>
        <button class="lf-link" type="button" @click=${this.handleResend}>${t('action_resend')}</button>
        <p class="lf-note" role="status">${this.resent ? t('resent') : nothing}</p>
      </form>
    `;
  }

  private handleResend(): void {
    this.resending = !this.busy;
    this.resent = false;
    this.intent('resend');
  }

  private handleSubmit(event: SubmitEvent): void {
    event.preventDefault();
    if (this.busy) return;
    const input = this.querySelector<HTMLInputElement>('input[name="code"]')!;
    const code = normalizeCode(input.value);
    if (!code) {
      this.localError = { code: 'code_required', field: 'code' };
      input.focus();
      return;
    }
    this.intent('code', { code });
  }
}

customElements.define('lf-verify-email-step', VerifyEmailStep);

declare global {
  interface HTMLElementTagNameMap {
    'lf-verify-email-step': VerifyEmailStep;
  }
}
