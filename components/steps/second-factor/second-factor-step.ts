import { html, nothing } from 'lit';
import type { SecondFactorMethod, StepMap } from '../../../server/flows/protocol.js';
import type { ClientError } from '../../lib/api.js';
import { StepElement, codeField, fieldError, normalizeCode, uniqueId } from '../../lib/step.js';
import type { ApproverTranslate } from '../approval/approver-messages.js';

/** The recovery request form and its words: a chunk of their own, loaded when the person opens the form. */
const recoverySteps = () => import('../recovery/recovery-steps.js');

/**
 * @summary The second factor: the approver on the phone, the passkey, a code
 * from the authenticator app, a code texted to the phone or a recovery code,
 * whichever the person has, the server's first choice first (a recovery code
 * only when nothing else is left); the others one click away. Optionally
 * "remember this device". The approver's "Check your phone" is
 * `<lf-approval-view>`, from the approver chunk, which `<login-flow>` loads
 * before it shows this step with the approver among `methods`; this step keeps
 * the way to the other methods ("Try another way").
 * @event lf-intent - `totp` with `{ code, remember }` for an app code (spaces and
 * dashes removed); `sms` with `{ code, remember }` for a texted code (likewise);
 * `send-sms` to text a code (again); `recovery-code` with `{ code, remember }`
 * for a recovery code (trimmed); `passkey` with the `passkey` flag
 * (`<login-flow>` runs the ceremony with `data.passkey.options` and sends `{ response }`);
 * from `<lf-approval-view>`, `send-approval` and `approval` with `{ remember }`;
 * from the recovery request form, `request-recovery` with `{ note, employeeNumber? }`.
 *
 * `data`: the methods on offer, in the server's order of preference, how long
 * a device may be remembered (null: not at all), the passkey options when
 * `methods` has `passkey`, and with `sms` the masked phone number and whether
 * a code was texted in this flow. `error`: on the code, or (a `passkey_*`
 * code) on the passkey.
 */
export class SecondFactorStep extends StepElement<StepMap['second-factor']['data']> {
  static override properties = {
    waiting: { type: Boolean },
    flowId: { attribute: false },
    api: { attribute: false },
    email: { attribute: false },
    chosen: { state: true },
    serverError: { state: true },
    asking: { state: true },
  };

  /** True while a passkey ceremony runs: the passkey button says so. */
  waiting = false;
  /** The flow's id and the API's origin, for the approver's wait. Set by `<login-flow>`. */
  flowId = '';
  api = '';
  /** The person's address, when the widget knows it from an earlier step: the recovery request form shows it. */
  email: string | undefined;
  declare t: ApproverTranslate;

  /** The recovery request form is open. */
  private asking = false;
  /** The method the person switched to, if any. */
  private chosen: SecondFactorMethod | undefined;
  /** The server's error, until the person switches to the other form. */
  private serverError: ClientError | undefined;
  private focusField = false;
  private readonly ids = {
    title: uniqueId('second-factor-title'),
    code: uniqueId('code'),
    error: uniqueId('code-error'),
    remember: uniqueId('remember'),
    note: uniqueId('remember-note'),
  };

  /** The method on screen: the one chosen, else the server's first that is not a recovery code (kept for when nothing else is left). */
  private get method(): SecondFactorMethod {
    const { methods } = this.data;
    return this.chosen && methods.includes(this.chosen) ? this.chosen : (methods.find((method) => method !== 'recovery_code') ?? 'recovery_code');
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    super.willUpdate(changed);
    if (changed.has('error')) this.serverError = this.error;
  }

  protected override updated(changed: Map<PropertyKey, unknown>): void {
    const input = this.querySelector<HTMLInputElement>('input[data-autofocus]');
    // A wrong code is spent: clear it, so the next one is typed into an empty field.
    if (changed.has('error') && this.error && input) input.value = '';
    if (this.focusField) {
      this.focusField = false;
      this.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    }
  }

  protected override render() {
    const { t, busy, ids, data } = this;
    const method = this.method;
    const recovery = method === 'recovery_code';
    const sms = method === 'sms';
    const phone = data.phone ?? '';
    const error = this.localError ?? this.serverError;
    const invalid = error ? 'true' : 'false';
    const describedBy = error ? ids.error : nothing;
    const disabled = busy ? 'true' : 'false';
    const others = data.methods.filter((other) => other !== method);
    if (this.asking && data.recoveryRequest) {
      return html`<lf-recovery-request-step
        inline
        .data=${{ email: this.email, employeeNumber: data.recoveryRequest.employeeNumber }}
        .error=${this.serverError}
        .t=${t}
        ?busy=${busy}
        @lf-recovery-cancel=${this.handleCancel}
      ></lf-recovery-request-step>`;
    }
    const lost = data.recoveryRequest ? html`<button class="lf-link" type="button" @click=${this.handleLost}>${t('action_lost_phone')}</button>` : nothing;
    if (method === 'approver') {
      const other = others.find((next) => next !== 'recovery_code') ?? others[0];
      return html`<div class="lf-form">
        <lf-approval-view .data=${data} .error=${this.serverError} .t=${t} ?busy=${busy} .flowId=${this.flowId} .api=${this.api}></lf-approval-view>
        ${other ? html`<button class="lf-link" type="button" @click=${() => this.handleSwitch(other)}>${t('action_other_way')}</button>` : nothing} ${lost}
      </div>`;
    }
    const switches = others.map(
      (other) => html`<button class="lf-link" type="button" @click=${() => this.handleSwitch(other)}>${t(`action_use_${other}`)}</button>`,
    );
    const days = data.rememberDays;
    // The passkey needs one button, and so does texting a code; a code needs its field, and may remember the device.
    const body =
      method === 'passkey'
        ? html`<button class="lf-button" type="button" aria-disabled=${disabled} aria-describedby=${describedBy} @click=${this.handlePasskey} data-autofocus>
              ${this.waiting ? t('passkey_waiting') : t('action_use_passkey')}
            </button>
            ${fieldError(t, error, ids.error)}`
        : sms && !data.smsSent
          ? html`<button class="lf-button" type="button" aria-disabled=${disabled} @click=${this.handleSendSms} data-autofocus>
              ${busy ? t('busy') : t('action_send_sms', { phone })}
            </button>`
          : html`${recovery
                ? html`<div class="lf-field">
                    <label class="lf-label" for=${ids.code}>${t('label_recovery_code')}</label>
                    <input
                      class="lf-input"
                      id=${ids.code}
                      name="recovery-code"
                      type="text"
                      autocomplete="off"
                      autocapitalize="characters"
                      spellcheck="false"
                      required
                      maxlength="64"
                      aria-invalid=${invalid}
                      aria-describedby=${describedBy}
                      data-autofocus
                    />
                    ${fieldError(t, error, ids.error)}
                  </div>`
                : codeField(t, ids, error)}
            ${typeof days === 'number'
              ? html`<div class="lf-checkbox">
                  <input id=${ids.remember} name="remember" type="checkbox" aria-describedby=${ids.note} />
                  <label for=${ids.remember}>${t('remember_device', { days })}</label>
                  <p class="lf-note" id=${ids.note}>${t('remember_device_note')}</p>
                </div>`
              : nothing}
            <button class="lf-button" type="submit" aria-disabled=${disabled}>${busy ? t('busy') : t('action_verify')}</button>
            ${sms
              ? html`<button class="lf-link" type="button" @click=${this.handleSendSms}>${t('action_resend')}</button>`
              : nothing}`;
    // Texting a code needs no intro: its button says it all.
    const intro = sms
      ? data.smsSent && t('sms_sent_to', { phone })
      : t(method === 'passkey' ? 'intro_passkey' : !recovery ? 'intro_totp' : others.length ? 'intro_recovery' : 'intro_recovery_only');
    return html`
      <form class="lf-form" novalidate aria-labelledby=${ids.title} aria-busy=${disabled} @submit=${this.handleSubmit}>
        <h2 class="lf-title" id=${ids.title}>${t('title_second_factor')}</h2>
        ${intro ? html`<p class="lf-intro">${intro}</p>` : nothing}
        ${body} ${switches} ${lost}
      </form>
    `;
  }

  private handleSwitch(method: SecondFactorMethod): void {
    this.chosen = method;
    // The error belonged to the other form's field.
    this.localError = this.serverError = undefined;
    // Take the person straight to the field they switched to.
    this.focusField = true;
  }

  /** "Lost access to your phone?": the form, once its chunk is in (a chunk that cannot load is a network error). */
  private handleLost(): void {
    recoverySteps().then(
      () => {
        this.asking = true;
        this.localError = this.serverError = undefined;
      },
      () => (this.serverError = { code: 'network_error' }),
    );
  }

  /** Back from the form to the methods, with focus on the method's field. */
  private handleCancel(): void {
    this.asking = false;
    this.serverError = undefined;
    this.focusField = true;
  }

  private handleSendSms(): void {
    this.intent('send-sms');
  }

  private handlePasskey(): void {
    this.intent('passkey', {}, true);
  }

  private handleSubmit(event: SubmitEvent): void {
    event.preventDefault();
    if (this.busy) return;
    const method = this.method;
    const recovery = method === 'recovery_code';
    const input = this.querySelector<HTMLInputElement>('input[data-autofocus]')!;
    const code = recovery ? input.value.trim() : normalizeCode(input.value);
    if (!code) {
      this.localError = { code: 'code_required', field: 'code' };
      input.focus();
      return;
    }
    const remember = this.querySelector<HTMLInputElement>('input[name="remember"]')?.checked ?? false;
    this.intent(recovery ? 'recovery-code' : method === 'sms' ? 'sms' : 'totp', { code, remember });
  }
}

customElements.define('lf-second-factor-step', SecondFactorStep);

declare global {
  interface HTMLElementTagNameMap {
    'lf-second-factor-step': SecondFactorStep;
  }
}
