import { LitElement, html, nothing, type TemplateResult } from 'lit';
import type { AccountEnrolment, StepName } from '../../server/flows/protocol.js';
import type { ClientError } from '../lib/api.js';
import type { LoginFlowStepChangeEvent, LoginFlowSuccessEvent, StepIntentEvent } from '../lib/events.js';
import { resolveLocale } from '../lib/i18n.js';
import { errorMessage, retryAfter as waitLine, uniqueId } from '../lib/step.js';
// The login widget's entry: registers <login-flow> and its steps, which re-authentication,
// enrolment and the new recovery code reuse. Importing the entry (not login-flow.ts) lets the
// widget build keep all shared code in login-flow.js, which account-security.js then imports.
import '../index.js';
import { AccountClient, type AccountOverview, type AccountResult, type AccountSession, type RememberedDevice } from './api.js';
import { AccountSecurityChangeEvent, AccountSecurityErrorEvent, type AccountSection, type AccountSecurityChangeKind } from './events.js';
import { accountTranslator, type AccountMessageKey, type AccountTranslate } from './i18n.js';
import { renderDevices } from './sections/devices.js';
import { renderMfa } from './sections/mfa.js';
import { onEscape, type AccountPage, type Panel } from './sections/page.js';
import { PasskeysSection } from './sections/passkeys.js';
import { PasswordSection } from './sections/password.js';
import { renderSessions } from './sections/sessions.js';
import { accountSecurityStyles } from './styles.js';

/** A change that cannot be undone, waiting for the person's yes in the dialog. */
interface Confirmation {
  text: string;
  action: string;
  run: () => void;
}

/** A section's last outcome: said politely, or (an error) assertively. */
interface Message {
  text: string;
  error?: boolean;
}

/**
 * @summary The signed-in person's "Password & 2FA" page: change the password;
 * see and change two-step verification (authenticator app, SMS backup,
 * passkeys, phones that approve sign-ins, recovery code); rename and remove
 * passkeys; see where they are signed in and sign other sessions out; forget
 * remembered devices. It talks to the account API in the session the host
 * already has (`token`, or the session cookie). When the server asks for a fresh sign-in before a change,
 * it shows `<login-flow flow="reauth">` inline and then makes the change;
 * adding a factor runs `<login-flow flow="enroll-…">` the same way.
 *
 * The embedded flows' `lf-success` stops here (it is not a new sign-in); their
 * `lf-step-change` and `lf-error` bubble on.
 *
 * @event account-security-change - A change went through (`kind`: `password`,
 * `factor-added`, `factor-removed`, `recovery-code`, `mfa-disabled`,
 * `passkey-renamed`, `passkey-removed`, `session-revoked`, `device-forgotten`),
 * or (`session-renewed`) a re-authentication gave the session a new `token`,
 * which the page uses from then on and the host should keep in place of the old one.
 * @event account-security-error - Loading or a change failed (`code`, `section`).
 * @event lf-step-change - From a flow shown inside the page (confirming it is the person, adding a factor): a new step is shown (`step`, `previous`).
 * @event lf-error - From a flow shown inside the page: an action failed (`code`, `step`).
 *
 * @cssprop --lf-account-max-width - Width of the page (default 44rem).
 * @cssprop --lf-color-danger - Buttons that take something away: remove, turn off, sign out, forget (default #b42318).
 * @cssprop --lf-color-primary - and every other `--lf-*` property of `<login-flow>`.
 */
export class AccountSecurity extends LitElement implements AccountPage {
  /*
   * Reactive properties declared statically, not with decorators: each
   * decorator this bundle takes from the login widget's is one more export
   * there, and login-flow.js has no bytes to spare (see vite.config.ts).
   */
  static override properties = {
    api: {},
    token: {},
    lang: {},
    overview: { state: true },
    sessions: { state: true },
    devices: { state: true },
    loadError: { state: true },
    busy: { state: true },
    messages: { state: true },
    panel: { state: true },
    confirming: { state: true },
  };

  /** Origin (or base URL) of the login-flow API. Defaults to the page's own origin. */
  api = '';
  /**
   * The opaque session token, when the host keeps it (sent as
   * `Authorization: Bearer`). Empty: the API's `__Host-` session cookie is used.
   * A re-authentication replaces it here (see `session-renewed`).
   */
  token = '';
  /** Language (`en`, `nl`); defaults to the nearest `lang` attribute on the page, then the browser's. */
  override lang = '';

  /*
   * The page as its sections see it (sections/page.ts's AccountPage): its data, the
   * request that runs, and what opens in place. Not for the host page, which has
   * the attributes above and the events.
   */
  /** @internal */
  overview: AccountOverview | undefined;
  /** @internal */
  sessions: AccountSession[] = [];
  /** @internal */
  devices: RememberedDevice[] = [];
  /** @internal The key of the action whose request runs; every other action waits. */
  busy: string | undefined;
  /** @internal */
  client = new AccountClient('', '');

  /** Why the page could not load at all (no session, server down). */
  private loadError: ClientError | undefined;
  private messages: Partial<Record<AccountSection, Message>> = {};
  private panel: Panel | undefined;
  private confirming: Confirmation | undefined;
  /** The question the dialog shows, or showed last. */
  private asked: Confirmation | undefined;
  /** Where focus goes back to when a panel or the confirmation dialog closes. */
  private returnFocus: HTMLElement | null = null;
  private readonly ids = {
    password: uniqueId('account-password'),
    mfa: uniqueId('account-mfa'),
    passkeys: uniqueId('account-passkeys'),
    sessions: uniqueId('account-sessions'),
    devices: uniqueId('account-devices'),
    panel: uniqueId('panel'),
    dialog: uniqueId('dialog'),
  };
  /** The sections with state of their own (a form open in place); the others are render functions. */
  private readonly password = new PasswordSection(this);
  private readonly passkeys = new PasskeysSection(this);

  protected override createRenderRoot(): this {
    const root = this.getRootNode() as Document | ShadowRoot;
    const sheet = accountSecurityStyles();
    if (!root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // The first load starts with the first update (willUpdate); back in the page, it loads again if it has nothing.
    if (this.hasUpdated && !this.overview) void this.reload();
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    // The first load waits for the first update, so that the api and token a host sets right
    // after creating the element or importing the script count.
    if (!this.hasUpdated) void this.reload();
    // Another session, or another API: the page starts over. The token a re-authentication
    // renewed (the one the page uses already) is the same session: it goes on.
    else if (changed.has('api') || (changed.has('token') && this.token !== this.client.token)) {
      this.overview = undefined;
      this.panel = undefined;
      void this.reload();
    }
  }

  protected override updated(): void {
    const dialog = this.querySelector<HTMLDialogElement>(':scope > dialog');
    // Each question once: a render between the dialog's closing and its `close` event must not open it again.
    if (this.confirming && this.confirming !== this.asked && dialog && !dialog.open) {
      this.asked = this.confirming;
      dialog.returnValue = '';
      dialog.showModal();
    }
  }

  /** Loads (again) everything the page shows. */
  async reload(): Promise<void> {
    this.client = new AccountClient(this.api, this.token);
    const [account, sessions, devices] = await Promise.all([this.client.overview(), this.client.sessions(), this.client.devices()]);
    if ('error' in account) {
      this.loadError = account.error;
      this.dispatchEvent(new AccountSecurityErrorEvent(account.error.code, undefined));
      return;
    }
    this.loadError = undefined;
    this.overview = account.data;
    if ('data' in sessions) this.sessions = sessions.data.sessions;
    else this.fail('sessions', sessions);
    if ('data' in devices) this.devices = devices.data.devices;
    else this.fail('devices', devices);
  }

  /** @internal */
  get t(): AccountTranslate {
    return accountTranslator(resolveLocale(this.lang || this.closest<HTMLElement>('[lang]')?.lang || document.documentElement.lang || navigator.language));
  }

  protected override render() {
    const { t, overview } = this;
    if (!overview) {
      return this.loadError
        ? html`<p class="lf-banner" role="alert">${errorMessage(t, this.loadError)}</p>`
        : html`<p class="lf-loading" aria-busy="true">${t('busy')}</p>`;
    }
    return html`
      <h2 class="lf-title">${t('title_account', { email: overview.user.email })}</h2>
      ${overview.user.name ? html`<p class="lf-intro">${overview.user.name}</p>` : nothing}
      ${this.ssoNotice(overview) ??
      html`${this.section('password', t('section_password'), this.password.render(overview))}
      ${this.section('mfa', t('section_mfa'), renderMfa(this, overview))}
      ${overview.features.passkeys ? this.section('passkeys', t('section_passkeys'), this.passkeys.render(overview.mfa.passkeys)) : nothing}`}
      ${this.section('sessions', t('section_sessions'), renderSessions(this))}
      ${this.section('devices', t('section_devices'), renderDevices(this))}
      <dialog class="lf-dialog" aria-labelledby=${this.ids.dialog} aria-describedby=${`${this.ids.dialog}-text`} @close=${this.handleDialogClose}>
        <form class="lf-form" method="dialog">
          <h3 class="lf-subtitle" id=${this.ids.dialog}>${t('title_confirm')}</h3>
          <p class="lf-intro" id=${`${this.ids.dialog}-text`}>${this.confirming?.text}</p>
          <div class="lf-actions">
            <button class="lf-button-secondary lf-danger" value="confirm">${this.confirming?.action}</button>
            <button class="lf-button-secondary" value="" autofocus>${t('action_cancel')}</button>
          </div>
        </form>
      </dialog>
    `;
  }

  /**
   * What a single sign-on session shows in place of the password, two-step
   * verification and passkey sections: its company's identity provider signed
   * it in and manages those there. `undefined` for every other session.
   */
  protected ssoNotice(overview: AccountOverview): TemplateResult | undefined {
    const { provider } = overview;
    return provider ? html`<p class="lf-note lf-sso-notice" data-section="sso">${this.t('sso_notice', { provider: provider.name })}</p>` : undefined;
  }

  /** One section: its heading, its open panel (which hides the rest), its contents, and its last outcome, announced. */
  private section(id: AccountSection, title: string, body: TemplateResult): TemplateResult {
    const { panel, messages } = this;
    const open = panel?.section === id;
    const message = messages[id];
    return html`<section class="lf-section" aria-labelledby=${this.ids[id]} data-section=${id}>
      <h3 class="lf-subtitle" id=${this.ids[id]} tabindex="-1">${title}</h3>
      ${open ? this.renderPanel(panel) : nothing}
      <div class="lf-section-body" ?hidden=${open}>${body}</div>
      <p class="lf-note" role="status">${message && !message.error ? message.text : nothing}</p>
      ${message?.error ? html`<p class="lf-error" role="alert">${message.text}</p>` : nothing}
    </section>`;
  }

  private renderPanel(panel: Panel): TemplateResult {
    const { t, ids } = this;
    if (panel.kind === 'recovery') {
      return html`<lf-recovery-code-step class="lf-panel" .data=${panel.data} .t=${t} @lf-intent=${this.handleCodeSaved}></lf-recovery-code-step>`;
    }
    const reauth = panel.kind === 'reauth';
    // Once the method is added, there is nothing to cancel: the panel goes on to its end (the recovery code).
    const added = !reauth && panel.added;
    return html`<div class="lf-panel" role="group" aria-labelledby=${ids.panel} @keydown=${onEscape(added ? () => {} : this.closePanel)}>
      <h4 class="lf-subtitle" id=${ids.panel}>${t(reauth ? 'title_reauth' : panel.title)}</h4>
      ${reauth ? html`<p class="lf-intro">${t('intro_reauth')}</p>` : nothing}
      <login-flow
        flow=${reauth ? 'reauth' : panel.flow}
        .api=${this.api}
        .token=${this.token}
        lang=${t.locale}
        autofocus
        ?hidden=${!reauth && !!panel.finishing}
        @lf-step-change=${this.handleFlowStep}
        @lf-error=${this.handleFlowError}
        @lf-success=${this.handleFlowDone}
      ></login-flow>
      ${added ? (panel.finishing ? html`<p class="lf-loading" aria-busy="true">${t('busy')}</p>` : nothing) : html`<button class="lf-button-secondary" type="button" @click=${this.closePanel}>${t('action_cancel')}</button>`}
    </div>`;
  }

  /** @internal The id of a section's heading. */
  headingId(section: AccountSection): string {
    return this.ids[section];
  }

  /**
   * @internal Runs one change: shows the button busy, and on `reauthentication_required`
   * asks the person to confirm it's them, then runs it again by itself.
   */
  async change<T>(section: AccountSection, key: string, request: () => Promise<AccountResult<T>>, then: (data: T) => void): Promise<void> {
    if (this.busy) return;
    this.busy = key;
    this.messages = { ...this.messages, [section]: undefined };
    const result = await request();
    this.busy = undefined;
    if ('data' in result) then(result.data);
    else if (result.error.code === 'reauthentication_required') this.reauthenticate(section, () => void this.change(section, key, request, then));
    else this.fail(section, result);
  }

  /** @internal A change went through: say so in its section, tell the host, show the page as it now is. */
  done(section: AccountSection, kind: AccountSecurityChangeKind, text: string): void {
    this.say(section, text);
    this.changed(kind);
    void this.reload();
  }

  /** @internal */
  changed(kind: AccountSecurityChangeKind, token?: string): void {
    this.dispatchEvent(new AccountSecurityChangeEvent(kind, token));
  }

  /** @internal Says `text` politely in the section's live region; without `text`, clears the section's last outcome. */
  say(section: AccountSection, text?: string): void {
    this.messages = { ...this.messages, [section]: text === undefined ? undefined : { text } };
  }

  private fail(section: AccountSection, { error, retryAfter }: { error: ClientError; retryAfter?: number }): void {
    const { t } = this;
    this.dispatchEvent(new AccountSecurityErrorEvent(error.code, section));
    // A refusal of a field of the open password form is shown at that field.
    if (section === 'password' && this.password.refuse(error)) return;
    const text = `${errorMessage(t, error)}${retryAfter ? ` ${waitLine(t, retryAfter)}` : ''}`;
    this.messages = { ...this.messages, [section]: { text, error: true } };
  }

  /** Re-authentication first (inline), then `then`. */
  private reauthenticate(section: AccountSection, then: () => void): void {
    this.open({ section, kind: 'reauth', then });
  }

  /** @internal Adds a factor through `<login-flow flow="enroll-…">`, re-authenticating first unless the session is fresh. */
  enroll(flow: AccountEnrolment, section: AccountSection, title: AccountMessageKey): void {
    const open = () => this.open({ section, kind: 'enroll', flow, title });
    const until = this.overview?.session.reauthUntil;
    if (until && until > Date.now()) open();
    else this.reauthenticate(section, open);
  }

  /** @internal Opens a panel in its section, in place of the section's contents. */
  open(panel: Panel): void {
    // A new recovery code shows in <lf-recovery-code-step>, which comes in the set-up chunk
    // (<login-flow> loads it only when one of its flows reaches a set-up step): open once it is in.
    if (panel.kind === 'recovery' && !customElements.get('lf-recovery-code-step')) {
      import('../steps/setup-steps.js').then(
        () => this.open(panel),
        () => this.fail(panel.section, { error: { code: 'network_error' } }),
      );
      return;
    }
    // From one panel to the next (re-authentication, then enrolment), focus returns to where it all began.
    if (!this.panel) this.returnFocus = document.activeElement as HTMLElement | null;
    this.messages = { ...this.messages, [panel.section]: undefined };
    this.panel = panel;
    // The embedded flow moves focus to its first field itself (`autofocus`); the recovery step to its heading.
  }

  private readonly closePanel = (): void => {
    const section = this.panel?.section;
    this.panel = undefined;
    if (section) void this.restoreFocus(section);
  };

  /** Back to the control that opened a panel or form, or (gone, such as a removed factor's button) the section's heading. */
  private async restoreFocus(section: AccountSection): Promise<void> {
    await this.updateComplete;
    const target = this.returnFocus?.isConnected && this.returnFocus.offsetParent !== null ? this.returnFocus : this.querySelector<HTMLElement>(`#${this.ids[section]}`);
    target?.focus();
    this.returnFocus = null;
  }

  /** @internal Asks before a change that cannot be undone; `run` on yes. */
  confirm(text: string, action: string, run: () => void): void {
    this.returnFocus = document.activeElement as HTMLElement | null;
    this.confirming = { text, action, run };
  }

  private handleDialogClose(event: Event): void {
    const dialog = event.currentTarget as HTMLDialogElement;
    const confirmed = dialog.returnValue === 'confirm' ? this.confirming : undefined;
    this.confirming = undefined;
    this.returnFocus?.focus();
    confirmed?.run();
  }

  /** The embedded flow ended at `done` in this session: re-authenticated, or a factor added. */
  private handleFlowDone(event: LoginFlowSuccessEvent): void {
    // Not a new sign-in: the host hears of the change through account-security-change.
    event.stopPropagation();
    const panel = this.panel;
    if (!panel) return;
    this.panel = undefined;
    if (panel.kind === 'reauth') {
      // A new token for the session (bearer hosts; a cookie host got a new cookie): the old
      // one is dead, so the pending change, and all after it, go with the new one.
      const { token } = event.session;
      if (token) {
        this.client = new AccountClient(this.api, token);
        this.token = token;
        this.changed('session-renewed', token);
      }
      panel.then();
      // The page's idea of how fresh the session is (enrolments check it first) is now out of date.
      if (!this.panel) void this.restoreFocus(panel.section);
      void this.reload();
      return;
    }
    void this.restoreFocus(panel.section);
    if (panel.kind === 'enroll') this.added(panel);
  }

  /**
   * A step of an enrolment: its own set-up steps, and then the recovery code,
   * show in the panel. The server ends an enrolment there (or at `done`); any
   * other step would not be this panel's, and the method is added by then, so
   * the panel leaves the flow unseen (see `leaveEnrolment`).
   */
  private handleFlowStep(event: LoginFlowStepChangeEvent): void {
    const panel = this.panel;
    if (panel?.kind !== 'enroll') return;
    const { step } = event;
    if (!panel.added && setupStepOf(panel.flow, step)) {
      panel.method = step;
      return;
    }
    panel.added = true;
    panel.finishing = step !== 'recovery-code' && step !== 'done';
    this.requestUpdate();
    if (panel.finishing) this.leaveEnrolment(panel);
  }

  /** An ending enrolment that fails: it is left as it is. */
  private handleFlowError(): void {
    const panel = this.panel;
    if (panel?.kind === 'enroll' && panel.finishing) this.leaveEnrolment(panel);
  }

  /**
   * Leaves an enrolment at a step that is not its panel's and cannot be
   * skipped: the method is added. A first method's recovery code would have
   * come after that step, and is lost with the flow: a new one is made and
   * shown instead, so the person never ends up with a code they have not seen.
   */
  private leaveEnrolment(panel: Extract<Panel, { kind: 'enroll' }>): void {
    const { section } = panel;
    const first = !this.overview?.mfa.recoveryCode;
    this.panel = undefined;
    void this.restoreFocus(section);
    if (first) {
      void this.change(section, 'recovery', () => this.client.newRecoveryCode(), ({ code }) => {
        this.open({ section, kind: 'recovery', data: { code } });
        this.changed('recovery-code');
      });
    }
    // After the request started: a change clears its section's last outcome.
    this.added(panel);
  }

  /** "Passkey added.": said in the panel's section, which shows the method list anew. */
  private added({ section, method }: Extract<Panel, { kind: 'enroll' }>): void {
    this.done(section, 'factor-added', this.t(method === 'passkey-setup' ? 'added_passkey' : method === 'sms-setup' ? 'added_sms' : method === 'approver-setup' ? 'added_approver' : 'added_totp'));
  }

  private handleCodeSaved(event: StepIntentEvent): void {
    event.stopPropagation();
    if (event.action !== 'confirm') return;
    this.say(this.panel?.section ?? 'mfa', this.t('recovery_saved'));
    this.closePanel();
    void this.reload();
  }
}

/**
 * Whether `step` is the set-up of the method an enrolment adds: the panel's
 * own step. The phone number's and the approving phone's flows show only
 * theirs; the authenticator app's and the passkey's accept either of the two.
 */
function setupStepOf(flow: AccountEnrolment, step: StepName): boolean {
  return flow === 'enroll-sms' ? step === 'sms-setup' : flow === 'enroll-approver' ? step === 'approver-setup' : step === 'totp-setup' || step === 'passkey-setup';
}

customElements.define('account-security', AccountSecurity);

declare global {
  interface HTMLElementTagNameMap {
    'account-security': AccountSecurity;
  }
}
