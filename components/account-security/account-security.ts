import { LitElement, html, nothing, type TemplateResult } from 'lit';
import type { ClientError } from '../lib/api.js';
import type { LoginFlowSuccessEvent, StepIntentEvent } from '../lib/events.js';
import { formatDay, resolveLocale } from '../lib/i18n.js';
import { ruleList } from '../lib/password-rules.js';
import { errorMessage, fieldError, uniqueId } from '../lib/step.js';
// The login widget's entry: registers <login-flow> and its steps, which re-authentication,
// enrolment and the new recovery code reuse. Importing the entry (not login-flow.ts) lets the
// widget build keep all shared code in login-flow.js, which account-security.js then imports.
import '../index.js';
import { AccountClient, type AccountOverview, type AccountResult, type AccountSession, type Passkey, type RememberedDevice } from './api.js';
import { AccountSecurityChangeEvent, AccountSecurityErrorEvent, type AccountSection, type AccountSecurityChangeKind } from './events.js';
import { accountTranslator, type AccountMessageKey, type AccountTranslate } from './i18n.js';
import { accountSecurityStyles } from './styles.js';
import { describeAgent } from './user-agent.js';

/** The `<login-flow>` kinds that add a second factor in the current session. */
type EnrollKind = 'enroll-totp' | 'enroll-passkey' | 'enroll-sms';

/** What opens inline in a section, in place of its contents, until done or cancelled. */
type Panel = { section: AccountSection } & (
  | { kind: 'reauth'; then: () => void }
  | { kind: 'enroll'; flow: EnrollKind; title: AccountMessageKey }
  | { kind: 'recovery'; data: { code: string } }
);

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

/** A keydown handler that closes a panel, form or field on Escape, as people expect of anything that opened in place. */
function onEscape(close: () => void): (event: KeyboardEvent) => void {
  return (event) => {
    if (event.key !== 'Escape') return;
    event.preventDefault();
    close();
  };
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * @summary The signed-in person's "Password & 2FA" page: change the password;
 * see and change two-step verification (authenticator app, SMS backup,
 * passkeys, recovery code); rename and remove passkeys; see where they are
 * signed in and sign other sessions out; forget remembered devices. It talks
 * to the account API in the session the host already has (`token`, or the
 * session cookie). When the server asks for a fresh sign-in before a change,
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
 *
 * @cssprop --lf-account-max-width - Width of the page (default 44rem).
 * @cssprop --lf-color-primary - and every other `--lf-*` property of `<login-flow>`.
 */
export class AccountSecurity extends LitElement {
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
    changingPassword: { state: true },
    passwordError: { state: true },
    reveal: { state: true },
    panel: { state: true },
    confirming: { state: true },
    renaming: { state: true },
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

  private overview: AccountOverview | undefined;
  private sessions: AccountSession[] = [];
  private devices: RememberedDevice[] = [];
  /** Why the page could not load at all (no session, server down). */
  private loadError: ClientError | undefined;
  /** The key of the action whose request runs; every other action waits. */
  private busy: string | undefined;
  private messages: Partial<Record<AccountSection, Message>> = {};
  private changingPassword = false;
  /** An error on a field of the password form (`current` or the new password). */
  private passwordError: ClientError | undefined;
  private reveal = false;
  private panel: Panel | undefined;
  private confirming: Confirmation | undefined;
  /** The passkey being renamed inline. */
  private renaming: string | undefined;

  private client = new AccountClient('', '');
  /** Where focus goes back to when a panel, the password form or the rename field closes. */
  private returnFocus: HTMLElement | null = null;
  private readonly ids = {
    password: uniqueId('account-password'),
    mfa: uniqueId('account-mfa'),
    passkeys: uniqueId('account-passkeys'),
    sessions: uniqueId('account-sessions'),
    devices: uniqueId('account-devices'),
    current: uniqueId('current-password'),
    currentError: uniqueId('current-password-error'),
    next: uniqueId('new-password'),
    nextError: uniqueId('new-password-error'),
    rules: uniqueId('rules'),
    signOut: uniqueId('sign-out-others'),
    panel: uniqueId('panel'),
    dialog: uniqueId('dialog'),
    rename: uniqueId('rename'),
  };

  protected override createRenderRoot(): this {
    const root = this.getRootNode() as Document | ShadowRoot;
    const sheet = accountSecurityStyles();
    if (!root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (!this.overview) void this.reload();
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    // Another session, or another API: the page starts over. The token a re-authentication
    // renewed (the one the page uses already) is the same session: it goes on.
    if (this.hasUpdated && (changed.has('api') || (changed.has('token') && this.token !== this.client.token))) {
      this.overview = undefined;
      this.panel = undefined;
      void this.reload();
    }
  }

  protected override updated(): void {
    const dialog = this.querySelector<HTMLDialogElement>(':scope > dialog');
    if (this.confirming && dialog && !dialog.open) {
      dialog.returnValue = '';
      dialog.showModal();
    }
  }

  /** Loads (again) everything the page shows. */
  async reload(): Promise<void> {
    this.client = new AccountClient(this.api, this.token);
    const [account, sessions, devices] = await Promise.all([
      this.client.overview(),
      this.client.sessions(),
      this.client.devices(),
    ]);
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

  private get t(): AccountTranslate {
    return accountTranslator(resolveLocale(this.lang || this.closest<HTMLElement>('[lang]')?.lang || document.documentElement.lang || navigator.language));
  }

  protected override render() {
    const { t, overview } = this;
    if (!overview) {
      return this.loadError
        ? html`<p class="lf-banner" role="alert">${errorMessage(t, this.loadError)}</p>`
        : html`<p class="lf-loading" aria-busy="true">${t('busy')}</p>`;
    }
    const { mfa, features } = overview;
    return html`
      <h2 class="lf-title">${t('title_account', { email: overview.user.email })}</h2>
      ${overview.user.name ? html`<p class="lf-intro">${overview.user.name}</p>` : nothing}
      ${this.ssoNotice(overview) ??
      html`${this.section('password', t('section_password'), this.renderPassword(overview))}
      ${this.section('mfa', t('section_mfa'), this.renderMfa(overview))}
      ${features.passkeys ? this.section('passkeys', t('section_passkeys'), this.renderPasskeys(mfa.passkeys)) : nothing}`}
      ${this.section('sessions', t('section_sessions'), this.renderSessions())}
      ${this.section('devices', t('section_devices'), this.renderDevices())}
      <dialog class="lf-dialog" aria-labelledby=${this.ids.dialog} aria-describedby=${`${this.ids.dialog}-text`} @close=${this.handleDialogClose}>
        <form class="lf-form" method="dialog">
          <h3 class="lf-subtitle" id=${this.ids.dialog}>${t('title_confirm')}</h3>
          <p class="lf-intro" id=${`${this.ids.dialog}-text`}>${this.confirming?.text}</p>
          <div class="lf-actions">
            <button class="lf-button" value="confirm">${this.confirming?.action}</button>
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
    return html`<div class="lf-panel" role="group" aria-labelledby=${ids.panel} @keydown=${onEscape(this.closePanel)}>
      <h4 class="lf-subtitle" id=${ids.panel}>${t(reauth ? 'title_reauth' : panel.title)}</h4>
      ${reauth ? html`<p class="lf-intro">${t('intro_reauth')}</p>` : nothing}
      <login-flow
        flow=${reauth ? 'reauth' : panel.flow}
        .api=${this.api}
        .token=${this.token}
        lang=${t.locale}
        autofocus
        @lf-success=${this.handleFlowDone}
      ></login-flow>
      <button class="lf-button-secondary" type="button" @click=${this.closePanel}>${t('action_cancel')}</button>
    </div>`;
  }

  private renderPassword(overview: AccountOverview): TemplateResult {
    const { t, ids, busy } = this;
    if (!this.changingPassword) {
      return html`<button class="lf-button-secondary" type="button" @click=${this.openPasswordForm}>${t('action_change_password')}</button>`;
    }
    const error = this.passwordError;
    const currentError = error?.field === 'current' ? error : undefined;
    const nextError = error && !currentError ? error : undefined;
    const typed = this.querySelector<HTMLInputElement>('input[name="password"]')?.value ?? '';
    return html`<form class="lf-form" novalidate aria-labelledby=${ids.password} aria-busy=${busy ? 'true' : 'false'} @submit=${this.handlePasswordSubmit} @keydown=${onEscape(this.closePasswordForm)}>
      <input name="username" type="email" autocomplete="username" .value=${overview.user.email} hidden readonly tabindex="-1" />
      <div class="lf-field">
        <label class="lf-label" for=${ids.current}>${t('label_current_password')}</label>
        <input
          class="lf-input"
          id=${ids.current}
          name="current"
          type="password"
          autocomplete="current-password"
          autocapitalize="none"
          spellcheck="false"
          required
          aria-invalid=${currentError ? 'true' : 'false'}
          aria-describedby=${currentError ? ids.currentError : nothing}
        />
        ${fieldError(t, currentError, ids.currentError)}
      </div>
      <div class="lf-field">
        <label class="lf-label" for=${ids.next}>${t('label_new_password')}</label>
        <div class="lf-input-row">
          <input
            class="lf-input"
            id=${ids.next}
            name="password"
            type=${this.reveal ? 'text' : 'password'}
            autocomplete="new-password"
            autocapitalize="none"
            spellcheck="false"
            required
            aria-invalid=${nextError ? 'true' : 'false'}
            aria-describedby=${nextError ? `${ids.nextError} ${ids.rules}` : ids.rules}
            @input=${() => this.requestUpdate()}
          />
          <button class="lf-reveal" type="button" aria-controls=${ids.next} aria-pressed=${this.reveal ? 'true' : 'false'} @click=${() => (this.reveal = !this.reveal)}>
            ${this.reveal ? t('action_hide_password') : t('action_show_password')}
          </button>
        </div>
        ${fieldError(t, nextError, ids.nextError)}
      </div>
      ${ruleList(t, overview.policy, typed, nextError, ids.rules)}
      <div class="lf-checkbox">
        <input id=${ids.signOut} name="signOutOthers" type="checkbox" />
        <label for=${ids.signOut}>${t('label_sign_out_others')}</label>
      </div>
      <div class="lf-actions">
        <button class="lf-button" type="submit" aria-disabled=${busy ? 'true' : 'false'}>${busy === 'password' ? t('busy') : t('action_save_password')}</button>
        <button class="lf-button-secondary" type="button" @click=${this.closePasswordForm}>${t('action_cancel')}</button>
      </div>
    </form>`;
  }

  private renderMfa({ mfa, features }: AccountOverview): TemplateResult {
    const { t } = this;
    const status = html`<p class="lf-intro">
      ${t(mfa.enabled ? 'mfa_on' : 'mfa_off')}
      ${mfa.required ? t('mfa_required') : mfa.requiredFrom ? t('mfa_required_from', { date: formatDay(mfa.requiredFrom, t.locale) }) : nothing}
    </p>`;
    if (!mfa.enabled) {
      return html`${status}${this.button('enroll', t('action_enable_mfa'), () => this.enroll('enroll-totp', 'mfa', 'action_enable_mfa'), 'lf-button')}`;
    }
    const sms = mfa.sms;
    return html`${status}
      <ul class="lf-list">
        ${mfa.totp.map((app) =>
          this.item(app.name || t('method_totp'), [t('method_totp'), t('added_on', { date: this.date(app.createdAt) }), this.lastUsed(app.lastUsedAt)], this.removeButton(app.id, app.name || t('method_totp'))),
        )}
        ${sms ? this.item(t('method_sms'), [sms.phone, t('added_on', { date: this.date(sms.createdAt) }), this.lastUsed(sms.lastUsedAt)], this.removeButton(sms.id, t('method_sms'))) : nothing}
        ${features.passkeys && mfa.passkeys.length
          ? this.item(t('method_passkeys'), [t('passkey_count', { count: mfa.passkeys.length })], html`<a class="lf-link" href=${`#${this.ids.passkeys}`} @click=${this.handlePasskeysLink}>${t('action_manage_passkeys')}</a>`)
          : nothing}
        ${this.item(
          t('label_recovery_code'),
          [mfa.recoveryCode ? t('recovery_created', { date: this.date(mfa.recoveryCode.createdAt) }) : t('recovery_none')],
          this.button('recovery', t('action_new_recovery'), () =>
            this.confirm(t('confirm_new_recovery'), t('action_generate'), () =>
              this.change('mfa', 'recovery', () => this.client.newRecoveryCode(), ({ code }) => {
                this.open({ section: 'mfa', kind: 'recovery', data: { code } });
                this.changed('recovery-code');
              }),
            ),
          ),
        )}
      </ul>
      <div class="lf-actions">
        ${mfa.totp.length ? nothing : this.button('enroll', t('action_add_totp'), () => this.enroll('enroll-totp', 'mfa', 'action_add_totp'))}
        ${features.passkeys && !mfa.passkeys.length ? this.button('enroll', t('action_add_passkey'), () => this.enroll('enroll-passkey', 'mfa', 'action_add_passkey')) : nothing}
        ${!sms && features.sms && (mfa.totp.length || mfa.passkeys.length) ? this.button('enroll', t('action_add_sms'), () => this.enroll('enroll-sms', 'mfa', 'action_add_sms')) : nothing}
        ${mfa.required
          ? nothing
          : this.button('disable', t('action_disable_mfa'), () =>
              this.confirm(t('confirm_disable_mfa'), t('action_turn_off'), () =>
                this.change('mfa', 'disable', () => this.client.disableMfa(), () => this.done('mfa', 'mfa-disabled', t('mfa_off'))),
              ),
            )}
      </div>`;
  }

  private removeButton(id: string, name: string): TemplateResult {
    const { t } = this;
    return this.button(`remove:${id}`, t('action_remove'), () =>
      this.confirm(t('confirm_remove', { name }), t('action_remove'), () =>
        this.change('mfa', `remove:${id}`, () => this.client.removeFactor(id), () =>
          this.done('mfa', 'factor-removed', t('removed', { name })),
        ),
      ),
      'lf-button-secondary',
      t('label_remove', { name }),
    );
  }

  private renderPasskeys(passkeys: Passkey[]): TemplateResult {
    const { t, ids } = this;
    return html`<p class="lf-intro">${t('intro_passkeys')}</p>
      ${passkeys.length
        ? html`<ul class="lf-list">
            ${passkeys.map((passkey) =>
              this.renaming === passkey.id
                ? html`<li class="lf-item">
                    <form class="lf-field" novalidate @submit=${(event: SubmitEvent) => this.handleRename(event, passkey)} @keydown=${onEscape(() => this.closeRename())}>
                      <label class="lf-label" for=${ids.rename}>${t('label_passkey_name')}</label>
                      <div class="lf-input-row">
                        <input class="lf-input" id=${ids.rename} name="name" maxlength="64" autocomplete="off" required .value=${passkey.name} aria-describedby=${`${ids.rename}-hint`} />
                        ${this.button(`rename:${passkey.id}`, t('action_save'), undefined, 'lf-button', undefined, 'submit')}
                      </div>
                      <p class="lf-note" id=${`${ids.rename}-hint`}>${t('rename_hint')}</p>
                    </form>
                  </li>`
                : this.item(
                    passkey.name,
                    [t(passkey.synced ? 'passkey_synced' : 'passkey_device'), t('recovery_created', { date: this.date(passkey.createdAt) }), this.lastUsed(passkey.lastUsedAt)],
                    html`${this.button(`open-rename:${passkey.id}`, t('action_rename'), (event) => this.openRename(event, passkey), 'lf-button-secondary', t('label_rename', { name: passkey.name }))}
                    ${this.button(`passkey:${passkey.id}`, t('action_remove'), () =>
                      this.confirm(t('confirm_remove', { name: passkey.name }), t('action_remove'), () =>
                        this.change('passkeys', `passkey:${passkey.id}`, () => this.client.removePasskey(passkey.id), () =>
                          this.done('passkeys', 'passkey-removed', t('removed', { name: passkey.name })),
                        ),
                      ),
                      'lf-button-secondary',
                      t('label_remove', { name: passkey.name }),
                    )}`,
                  ),
            )}
          </ul>`
        : html`<p class="lf-note">${t('passkeys_none')}</p>`}
      <div class="lf-actions">${this.button('enroll', t('action_add_passkey'), () => this.enroll('enroll-passkey', 'passkeys', 'action_add_passkey'))}</div>`;
  }

  private renderSessions(): TemplateResult {
    const { t } = this;
    const others = this.sessions.filter((session) => !session.current);
    return html`<ul class="lf-list">
        ${this.sessions.map((session) => {
          const agent = this.agent(session.userAgent);
          return this.item(
            html`${agent}${session.current ? html` <span class="lf-badge">${t('this_device')}</span>` : nothing}`,
            [t('signed_in_at', { date: this.date(session.createdAt, true) }), t('last_active', { time: this.relative(session.lastSeenAt) }), session.ip ? t('ip_address', { ip: session.ip }) : ''],
            session.current
              ? nothing
              : this.button(`session:${session.id}`, t('action_sign_out'), () =>
                  this.change('sessions', `session:${session.id}`, () => this.client.signOut(session.id), () =>
                    this.done('sessions', 'session-revoked', t('signed_out')),
                  ),
                  'lf-button-secondary',
                  t('label_sign_out', { device: agent }),
                ),
          );
        })}
      </ul>
      ${others.length
        ? html`<div class="lf-actions">
            ${this.button('sign-out-others', t('action_sign_out_others'), () =>
              this.change('sessions', 'sign-out-others', () => this.client.signOutOthers(), ({ signedOut }) =>
                this.done('sessions', 'session-revoked', t('signed_out_others', { count: signedOut })),
              ),
            )}
          </div>`
        : nothing}`;
  }

  private renderDevices(): TemplateResult {
    const { t, devices } = this;
    if (!devices.length) return html`<p class="lf-note">${t('devices_none')}</p>`;
    return html`<p class="lf-intro">${t('intro_devices')}</p>
      <ul class="lf-list">
        ${devices.map((device) => {
          const agent = this.agent(device.userAgent);
          return this.item(
            agent,
            [t('remembered_until', { date: this.date(device.expiresAt) }), this.lastUsed(device.lastUsedAt)],
            this.button(`device:${device.id}`, t('action_forget'), () =>
              this.change('devices', `device:${device.id}`, () => this.client.forgetDevice(device.id), () =>
                this.done('devices', 'device-forgotten', t('forgotten')),
              ),
              'lf-button-secondary',
              t('label_forget', { device: agent }),
            ),
          );
        })}
      </ul>
      <div class="lf-actions">
        ${this.button('devices', t('action_forget_all'), () =>
          this.change('devices', 'devices', () => this.client.forgetDevices(), () => this.done('devices', 'device-forgotten', t('forgotten'))),
        )}
      </div>`;
  }

  /** A row of a list: its name, the facts about it, and its buttons. */
  private item(name: string | TemplateResult, facts: string[], actions: TemplateResult | typeof nothing): TemplateResult {
    return html`<li class="lf-item">
      <div>
        <p class="lf-item-name">${name}</p>
        <p class="lf-note">${facts.filter(Boolean).join(' · ')}</p>
      </div>
      <div class="lf-actions">${actions}</div>
    </li>`;
  }

  /** A button that says "Please wait…" while its request runs (`key`), and ignores clicks while any runs. */
  private button(
    key: string,
    label: string,
    onClick: ((event: Event) => void) | undefined,
    kind = 'lf-button-secondary',
    name?: string,
    type: 'button' | 'submit' = 'button',
  ): TemplateResult {
    return html`<button
      class=${kind}
      type=${type}
      aria-label=${name ?? nothing}
      aria-disabled=${this.busy ? 'true' : 'false'}
      @click=${(event: Event) => {
        if (this.busy) event.preventDefault();
        else onClick?.(event);
      }}
    >
      ${this.busy === key ? this.t('busy') : label}
    </button>`;
  }

  private agent(userAgent: string | null): string {
    const { browser, os } = describeAgent(userAgent);
    return browser && os ? this.t('agent', { browser, os }) : (browser ?? os ?? this.t('unknown_agent'));
  }

  private date(epochMs: number, withTime = false): string {
    return new Intl.DateTimeFormat(this.t.locale, withTime ? { dateStyle: 'medium', timeStyle: 'short' } : { dateStyle: 'medium' }).format(epochMs);
  }

  /** "5 minutes ago", "yesterday"; a date beyond a month. */
  private relative(epochMs: number): string {
    const ago = Date.now() - epochMs;
    if (ago >= 30 * DAY) return this.date(epochMs);
    const format = new Intl.RelativeTimeFormat(this.t.locale, { numeric: 'auto' });
    return ago >= DAY ? format.format(-Math.floor(ago / DAY), 'day') : ago >= HOUR ? format.format(-Math.floor(ago / HOUR), 'hour') : format.format(-Math.floor(ago / MINUTE), 'minute');
  }

  private lastUsed(epochMs: number | null): string {
    return epochMs === null ? this.t('never_used') : this.t('last_used', { time: this.relative(epochMs) });
  }

  /**
   * Runs one change: shows the button busy, and on `reauthentication_required`
   * asks the person to confirm it's them, then runs it again by itself.
   */
  private async change<T>(section: AccountSection, key: string, request: () => Promise<AccountResult<T>>, then: (data: T) => void): Promise<void> {
    if (this.busy) return;
    this.busy = key;
    this.messages = { ...this.messages, [section]: undefined };
    const result = await request();
    this.busy = undefined;
    if ('data' in result) then(result.data);
    else if (result.error.code === 'reauthentication_required') this.reauthenticate(section, () => void this.change(section, key, request, then));
    else this.fail(section, result);
  }

  /** A change went through: say so in its section, tell the host, show the page as it now is. */
  private done(section: AccountSection, kind: AccountSecurityChangeKind, text: string): void {
    this.messages = { ...this.messages, [section]: { text } };
    this.changed(kind);
    void this.reload();
  }

  private changed(kind: AccountSecurityChangeKind, token?: string): void {
    this.dispatchEvent(new AccountSecurityChangeEvent(kind, token));
  }

  private fail(section: AccountSection, { error, retryAfter }: { error: ClientError; retryAfter?: number }): void {
    const { t } = this;
    this.dispatchEvent(new AccountSecurityErrorEvent(error.code, section));
    if (section === 'password' && error.field && this.changingPassword) {
      this.passwordError = error;
      void this.updateComplete.then(() => this.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
    const text = `${errorMessage(t, error)}${retryAfter ? ` ${t('retry_after', { seconds: retryAfter })}` : ''}`;
    this.messages = { ...this.messages, [section]: { text, error: true } };
  }

  /** Re-authentication first (inline), then `then`. */
  private reauthenticate(section: AccountSection, then: () => void): void {
    this.open({ section, kind: 'reauth', then });
  }

  /** Adds a factor through `<login-flow flow="enroll-…">`, re-authenticating first unless the session is fresh. */
  private enroll(flow: EnrollKind, section: AccountSection, title: AccountMessageKey): void {
    const open = () => this.open({ section, kind: 'enroll', flow, title });
    const until = this.overview?.session.reauthUntil;
    if (until && until > Date.now()) open();
    else this.reauthenticate(section, open);
  }

  private open(panel: Panel): void {
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

  private confirm(text: string, action: string, run: () => void): void {
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
    this.done(panel.section, 'factor-added', this.t('factor_added'));
  }

  private handleCodeSaved(event: StepIntentEvent): void {
    event.stopPropagation();
    if (event.action !== 'confirm') return;
    this.messages = { ...this.messages, mfa: { text: this.t('recovery_saved') } };
    this.closePanel();
    void this.reload();
  }

  private handlePasskeysLink(event: Event): void {
    event.preventDefault();
    this.querySelector<HTMLElement>(`#${this.ids.passkeys}`)?.focus();
  }

  private openPasswordForm(): void {
    this.returnFocus = document.activeElement as HTMLElement | null;
    this.changingPassword = true;
    this.passwordError = undefined;
    this.messages = { ...this.messages, password: undefined };
    void this.updateComplete.then(() => this.querySelector<HTMLInputElement>('input[name="current"]')?.focus());
  }

  private readonly closePasswordForm = (): void => {
    this.changingPassword = false;
    this.reveal = false;
    this.passwordError = undefined;
    void this.updateComplete.then(() => this.querySelector<HTMLElement>('[data-section="password"] button')?.focus());
  };

  private handlePasswordSubmit(event: SubmitEvent): void {
    event.preventDefault();
    if (this.busy) return;
    const form = event.currentTarget as HTMLFormElement;
    const current = form.querySelector<HTMLInputElement>('input[name="current"]')!;
    const next = form.querySelector<HTMLInputElement>('input[name="password"]')!;
    const empty = !current.value ? current : !next.value ? next : undefined;
    if (empty) {
      this.passwordError = { code: 'password_required', field: empty.name };
      empty.focus();
      return;
    }
    const body = { current: current.value, password: next.value, signOutOthers: form.querySelector<HTMLInputElement>('input[name="signOutOthers"]')!.checked };
    this.passwordError = undefined;
    this.reveal = false;
    void this.change('password', 'password', () => this.client.changePassword(body), ({ signedOut }) => {
      this.closePasswordForm();
      const text = `${this.t('password_changed')}${body.signOutOthers ? ` ${this.t('signed_out_others', { count: signedOut })}` : ''}`;
      this.done('password', 'password', text);
    });
  }

  private openRename(event: Event, passkey: Passkey): void {
    this.returnFocus = event.currentTarget as HTMLElement;
    this.renaming = passkey.id;
    void this.updateComplete.then(() => this.querySelector<HTMLInputElement>(`#${this.ids.rename}`)?.select());
  }

  private closeRename(): void {
    const id = this.renaming;
    this.renaming = undefined;
    // The Rename button is drawn anew: find it by its passkey.
    void this.updateComplete.then(() => {
      const index = this.overview?.mfa.passkeys.findIndex((passkey) => passkey.id === id) ?? -1;
      this.querySelectorAll<HTMLElement>('[data-section="passkeys"] .lf-item')[index]?.querySelector<HTMLElement>('button')?.focus();
    });
  }

  private handleRename(event: SubmitEvent, passkey: Passkey): void {
    event.preventDefault();
    const name = (event.currentTarget as HTMLFormElement).querySelector<HTMLInputElement>('input[name="name"]')!.value.trim();
    if (!name || name === passkey.name) {
      this.closeRename();
      return;
    }
    void this.change('passkeys', `rename:${passkey.id}`, () => this.client.renamePasskey(passkey.id, name), ({ passkeys }) => {
      if (this.overview) this.overview = { ...this.overview, mfa: { ...this.overview.mfa, passkeys } };
      this.messages = { ...this.messages, passkeys: { text: this.t('renamed') } };
      this.changed('passkey-renamed');
      this.closeRename();
    });
  }
}

customElements.define('account-security', AccountSecurity);

declare global {
  interface HTMLElementTagNameMap {
    'account-security': AccountSecurity;
  }
}
