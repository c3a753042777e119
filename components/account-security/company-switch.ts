import { LitElement, html, nothing } from 'lit';
import type { SessionAccounts } from '../../server/routes/types.js';
import type { ClientError } from '../lib/api.js';
import { resolveLocale } from '../lib/i18n.js';
import { errorMessage, uniqueId } from '../lib/step.js';
import { AccountClient } from './api.js';
import { CompanySwitchChangeEvent, CompanySwitchErrorEvent } from './events.js';
import { accountTranslator, type AccountTranslate } from './i18n.js';
import { companySwitchStyles } from './styles.js';

/**
 * @summary For a signed-in person with accounts at several companies: which
 * company the session works in, and a switch to another one, without signing
 * in again. For a person with one account (or none) it renders nothing and is
 * `hidden`, taking no room. It
 * talks to the API in the session the host already has (`token`, or the
 * session cookie), as `<account-security>` does.
 *
 * The outcome is announced (a switch politely, an error assertively), and
 * focus stays on the form.
 *
 * @event company-switch-change - The session now works in another company
 * (`detail`: the account, and a fresh JWT whose `org` claim names it).
 * @event company-switch-error - Loading the accounts or a switch failed (`code`,
 * e.g. `account_not_available`, `unauthenticated`).
 *
 * @cssprop --lf-color-primary - and every other `--lf-*` property of `<login-flow>`.
 */
export class CompanySwitch extends LitElement {
  static override properties = {
    api: {},
    token: {},
    lang: {},
    accounts: { state: true },
    busy: { state: true },
    message: { state: true },
    error: { state: true },
  };

  /** Origin (or base URL) of the login-flow API. Defaults to the page's own origin. */
  api = '';
  /**
   * The opaque session token, when the host keeps it (sent as
   * `Authorization: Bearer`). Empty: the API's `__Host-` session cookie is used.
   */
  token = '';
  /** Language (`en`, `nl`); defaults to the nearest `lang` attribute on the page, then the browser's. */
  override lang = '';

  /** The session's accounts, the current one marked; empty until loaded (or when loading failed). */
  private accounts: SessionAccounts['accounts'] = [];
  private busy = false;
  /** The last switch, announced. */
  private message = '';
  /** Why the last switch failed, announced. */
  private error: ClientError | undefined;

  private client = new AccountClient('', '');
  private readonly ids = { label: uniqueId('company'), select: uniqueId('company-select') };

  protected override createRenderRoot(): this {
    const root = this.getRootNode() as Document | ShadowRoot;
    const sheet = companySwitchStyles();
    if (!root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // The first load starts with the first update (willUpdate); back in the page, it loads again if it has nothing.
    if (this.hasUpdated && !this.accounts.length) void this.reload();
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    // The first load waits for the first update, so that the api and token a host sets right after creating the element count.
    if (!this.hasUpdated || changed.has('api') || changed.has('token')) void this.reload();
    // Nothing to switch between: the element takes no room at all (no card, no border).
    this.hidden = this.accounts.length < 2;
  }

  /** Loads (again) the accounts the session can work in. */
  async reload(): Promise<void> {
    this.client = new AccountClient(this.api, this.token);
    const result = await this.client.accounts();
    if ('error' in result) {
      this.accounts = [];
      this.dispatchEvent(new CompanySwitchErrorEvent(result.error.code));
      return;
    }
    this.accounts = result.data.accounts;
  }

  private get t(): AccountTranslate {
    return accountTranslator(resolveLocale(this.lang || this.closest<HTMLElement>('[lang]')?.lang || document.documentElement.lang || navigator.language));
  }

  protected override render() {
    const { t, ids, busy, accounts } = this;
    if (accounts.length < 2) return nothing;
    const current = accounts.find((account) => account.current);
    const others = accounts.filter((account) => account !== current);
    return html`<div class="lf-form" role="group" aria-labelledby=${ids.label} aria-busy=${busy ? 'true' : 'false'}>
      <p class="lf-intro" id=${ids.label}>${current ? t('company_current', { company: current.name }) : t('label_company')}</p>
      <form class="lf-company-form" @submit=${this.handleSubmit}>
        <label class="lf-label" for=${ids.select}>${t('label_switch_company')}</label>
        <select class="lf-input" id=${ids.select} name="account">
          ${others.map((account) => html`<option value=${account.id}>${account.name}</option>`)}
        </select>
        <button class="lf-button-secondary" type="submit" aria-disabled=${busy ? 'true' : 'false'}>${busy ? t('busy') : t('action_switch')}</button>
      </form>
      <p class="lf-note" role="status">${this.message}</p>
      ${this.error ? html`<p class="lf-error" role="alert">${errorMessage(t, this.error)}</p>` : nothing}
    </div>`;
  }

  private handleSubmit(event: SubmitEvent): void {
    event.preventDefault();
    const account = (event.currentTarget as HTMLFormElement).querySelector('select')!.value;
    if (account) void this.switchTo(account);
  }

  /** Moves the session to another of its accounts (`POST /api/session/account`). */
  private async switchTo(account: string): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.message = '';
    this.error = undefined;
    const result = await this.client.switchAccount(account);
    this.busy = false;
    if ('error' in result) {
      this.error = result.error;
      this.dispatchEvent(new CompanySwitchErrorEvent(result.error.code));
      return;
    }
    const { account: now } = result.data;
    this.accounts = this.accounts.map((item) => ({ ...item, current: item.id === now.id }));
    this.message = this.t('company_switched', { company: now.name });
    this.dispatchEvent(new CompanySwitchChangeEvent(result.data));
  }
}

customElements.define('company-switch', CompanySwitch);

declare global {
  interface HTMLElementTagNameMap {
    'company-switch': CompanySwitch;
  }
}
