import { html } from 'lit';
import type { StepMap } from '../../../server/flows/protocol.js';
import { SSO_RETURN_KEY, type SsoReturn } from './sso-return.js';
import { LoginFlowErrorEvent } from '../../lib/events.js';
import { StepElement } from '../../lib/step.js';
import type { CompanyTranslate } from '../company-messages.js';

/**
 * Where the step may send the browser: a provider's sign-in over https, or over
 * plain http on this machine (a provider run locally in development, the one
 * http issuer the server accepts too: `isLoopbackHttp` in server/sso/oidc.ts).
 * Anything else (`javascript:`, `data:`, an address relative to the host page)
 * would run or open something in the host page's name (CWE-79, CWE-601). The
 * browser's own URL parser reads the address, as the navigation would: spaces,
 * control characters and capitals in the scheme do not slip past it.
 */
function providerUrl(url: string): string | undefined {
  try {
    const { protocol, hostname, href } = new URL(url);
    if (protocol === 'https:' || (protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(hostname))) return href;
  } catch {
    // Not an absolute URL.
  }
  return undefined;
}

/**
 * @summary Single sign-on: the address belongs to a company that signs its
 * people in through its own OpenID Connect provider (`data`: the address, the
 * provider's name, and `url`, where to send the browser). "Continue" keeps the
 * flow's id in sessionStorage and leaves for the provider; when the browser
 * comes back, `<login-flow>` finishes the flow (see lib/sso.ts). Without `url`
 * the provider could not be reached: "Try again" asks the server again.
 * A refusal (`sso_cancelled`, …) shows in `<login-flow>`'s banner. A `url`
 * that is no provider's sign-in (see `providerUrl`) is never opened: the step
 * says the provider cannot be reached (`sso_unavailable`) instead.
 *
 * Loaded on demand with choose-account (company-steps.ts), so it registers
 * itself with `customElements.define`: a decorator would be one more export of
 * login-flow.js.
 *
 * @event lf-intent - `retry` to ask for the provider again; `back` to use another email address.
 * @event lf-error - `sso_unavailable`: `url` is not a provider's sign-in, and the browser stays.
 */
export class SsoStep extends StepElement<StepMap['sso']['data'], StepMap['sso']['actions']> {
  /** The flow's id, kept for the way back from the provider. Set by `<login-flow>`. */
  flowId = '';
  /** The `api` of the `<login-flow>` that shows the step: only that element resumes the flow. */
  api = '';
  declare t: CompanyTranslate;

  protected override render() {
    const { t, busy, data } = this;
    const disabled = busy ? 'true' : 'false';
    return html`
      <div class="lf-form" aria-busy=${disabled}>
        <h2 class="lf-title" tabindex="-1" data-autofocus>${t('title_sso')}</h2>
        <p class="lf-intro">${t('intro_sso', data)}</p>
        ${data.url
          ? html`<button class="lf-button" type="button" aria-disabled=${disabled} @click=${this.handleContinue}>${t('action_sso', data)}</button>`
          : html`<button class="lf-button" type="button" aria-disabled=${disabled} @click=${() => this.intent('retry')}>${busy ? t('busy') : t('action_try_again')}</button>`}
        ${this.localError ? html`<p class="lf-error" role="alert">${t('error_sso_unavailable')}</p>` : ''}
        ${this.actions.includes('back')
          ? html`<button class="lf-link" type="button" @click=${() => this.intent('back')}>${t('action_other_email')}</button>`
          : ''}
      </div>
    `;
  }

  /**
   * Leaves the page for `url`: the provider's sign-in. A method of its own, so
   * a test can stand in for the navigation.
   */
  protected navigate(url: string): void {
    location.assign(url);
  }

  private handleContinue(): void {
    if (this.busy || !this.data.url) return;
    const url = providerUrl(this.data.url);
    if (!url) {
      this.localError = { code: 'sso_unavailable' };
      this.dispatchEvent(new LoginFlowErrorEvent('sso_unavailable', 'sso'));
      return;
    }
    const kept: SsoReturn = { id: this.flowId, api: this.api };
    try {
      sessionStorage.setItem(SSO_RETURN_KEY, JSON.stringify(kept));
    } catch {
      // Storage blocked: the provider still signs the person in, but this tab cannot finish the flow; they start again.
    }
    this.navigate(url);
  }
}

customElements.define('lf-sso-step', SsoStep);

declare global {
  interface HTMLElementTagNameMap {
    'lf-sso-step': SsoStep;
  }
}
