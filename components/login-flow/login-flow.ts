import { LitElement, html, nothing, type TemplateResult } from 'lit';
import type { FlowKind, FlowState, PasskeyRequest, StepName } from '../../server/flows/protocol.js';
import { FlowClient, type ClientError, type FlowResult } from '../lib/api.js';
import { forgetDeviceToken, readDeviceToken, storeDeviceToken } from '../lib/devices.js';
import { LoginFlowErrorEvent, LoginFlowLanguageChangeEvent, LoginFlowStepChangeEvent, LoginFlowSuccessEvent, StepIntentEvent } from '../lib/events.js';
import { CATALOGUES, resolveLocale, translator, type Locale, type Translate } from '../lib/i18n.js';
import { errorMessage, isPasskeyError, retryAfter } from '../lib/step.js';
import { PasskeyController } from '../lib/webauthn.js';
import '../steps/done/done-step.js';
import '../steps/email/email-step.js';
import '../steps/mfa-prompt/mfa-prompt-step.js';
import '../steps/password/password-step.js';
import '../steps/reset-sent/reset-sent-step.js';
import '../steps/second-factor/second-factor-step.js';
import '../steps/set-password/set-password-step.js';
import '../steps/verify-email/verify-email-step.js';
import { loginFlowSheet } from './styles.js';

/**
 * Errors after which the flow cannot go on: start a fresh one (an `activate`
 * or `reset` flow with the same link's token: the server reopens a link until
 * the password is set, and refuses it after that, which ends the restarts).
 */
const RESTART_CODES = new Set(['flow_not_found', 'flow_expired', 'too_many_attempts']);
/** The flows an emailed link opens (`#token=…`), each with the error of a link that cannot open it. */
const LINKS: { [K in FlowKind]?: string } = { activate: 'invitation_invalid', reset: 'reset_link_invalid', recover: 'recovery_link_invalid' };
/** An emailed link that cannot open its flow: the element says so in full, not in a banner. */
const LINK_CODES = new Set(Object.values(LINKS));

/*
 * Rare steps come in chunks of their own beside login-flow.js, each with its
 * elements and words, loaded the first time a flow shows one of its steps:
 * single sign-on and choosing a company (company-steps.ts, also loaded when
 * the page comes back from a company's provider), and setting up two-step
 * verification (setup-steps.ts), which a person sees once or twice. The
 * approver (approval/approver-steps.ts: the second factor's "Check your
 * phone", and the approver's set-up, which takes some set-up words too) comes
 * only when a second factor offers it or it is being set up. Recovery requests
 * (recovery/recovery-steps.ts) come when a flow shows one of their steps, or
 * when the person opens the form at the second factor.
 */
let companyChunk: Promise<typeof import('../steps/company-steps.js')> | undefined;
const companySteps = () => (companyChunk ??= import('../steps/company-steps.js'));
let setupChunk: Promise<unknown> | undefined;
const setupSteps = () => (setupChunk ??= import('../steps/setup-steps.js'));
let approverChunk: Promise<unknown> | undefined;
const approverSteps = () => (approverChunk ??= import('../steps/approval/approver-steps.js'));
const recoverySteps = () => import('../steps/recovery/recovery-steps.js');
const CHUNKS: { [S in StepName]?: () => Promise<unknown> } = {
  sso: companySteps,
  'choose-account': companySteps,
  'method-choice': setupSteps,
  'totp-setup': setupSteps,
  'passkey-setup': setupSteps,
  'sms-setup': setupSteps,
  'approver-setup': () => Promise.all([setupSteps(), approverSteps()]),
  'recovery-code': setupSteps,
  'recovery-request': recoverySteps,
  'recovery-requested': recoverySteps,
};

/** The result, once the elements and words it needs are in; a chunk that cannot load is a network error. */
function loaded(result: FlowResult): Promise<FlowResult> {
  const flow = 'flow' in result && result.flow;
  const chunk = flow && (CHUNKS[flow.step] ?? (flow.step === 'second-factor' && flow.data.methods.includes('approver') && approverSteps));
  return chunk
    ? chunk().then(
        () => result,
        () => ({ error: { code: 'network_error' } }),
      )
    : Promise.resolve(result);
}

/** The widget's languages, each named in itself ("Nederlands") by the browser. */
const LOCALES = Object.keys(CATALOGUES) as Locale[];
/** Where a language chosen with the switch is kept, for the next visit. */
const CHOSEN = 'lf-lang';

interface StepContext {
  t: Translate;
  /** A request or a passkey ceremony runs. */
  busy: boolean;
  /** A passkey ceremony runs: the browser waits for the person's passkey. */
  waiting: boolean;
  /** The error the step shows itself: on a field the server named, or a failed passkey. */
  error: ClientError | undefined;
  /** The last email entered, to refill a restarted flow. */
  email: string | undefined;
  /** The element's `api`: kept with a flow that leaves for a company's provider; where steps wait for the person's phone. */
  api: string;
}

type StepRenderers = { [S in StepName]: (flow: Extract<FlowState, { step: S }>, context: StepContext) => TemplateResult };

/** One renderer per step name: the table that maps the server's steps to elements. */
const STEPS: StepRenderers = {
  email: (flow, { t, busy, error, email }) =>
    html`<lf-email-step .data=${flow.data.email ? flow.data : { ...flow.data, email }} .error=${error} .t=${t} ?busy=${busy}></lf-email-step>`,
  password: (flow, { t, busy, waiting, error }) =>
    html`<lf-password-step .data=${flow.data} .actions=${flow.actions} .error=${error} .t=${t} ?busy=${busy} ?waiting=${waiting}></lf-password-step>`,
  'reset-sent': (flow, { t, busy }) => html`<lf-reset-sent-step .data=${flow.data} .t=${t} ?busy=${busy}></lf-reset-sent-step>`,
  'set-password': (flow, { t, busy, error }) =>
    html`<lf-set-password-step .data=${flow.data} .error=${error} .t=${t} ?busy=${busy}></lf-set-password-step>`,
  'verify-email': (flow, { t, busy, error }) =>
    html`<lf-verify-email-step .data=${flow.data} .error=${error} .t=${t} ?busy=${busy} ?failed=${!!flow.error}></lf-verify-email-step>`,
  'sms-setup': (flow, { t, busy, error }) => html`<lf-sms-setup-step .data=${flow.data} .actions=${flow.actions} .error=${error} .t=${t} ?busy=${busy}></lf-sms-setup-step>`,
  'second-factor': (flow, { t, busy, waiting, error, api, email }) =>
    html`<lf-second-factor-step .data=${flow.data} .error=${error} .t=${t} ?busy=${busy} ?waiting=${waiting} .flowId=${flow.id} .api=${api} .email=${email}></lf-second-factor-step>`,
  'mfa-prompt': (flow, { t, busy, error }) =>
    html`<lf-mfa-prompt-step .data=${flow.data} .error=${error} .t=${t} ?busy=${busy}></lf-mfa-prompt-step>`,
  'method-choice': (flow, { t, busy, error }) =>
    html`<lf-method-choice-step .data=${flow.data} .actions=${flow.actions} .error=${error} .t=${t} ?busy=${busy}></lf-method-choice-step>`,
  'totp-setup': (flow, { t, busy, error }) =>
    html`<lf-totp-setup-step .data=${flow.data} .actions=${flow.actions} .error=${error} .t=${t} ?busy=${busy}></lf-totp-setup-step>`,
  'passkey-setup': (flow, { t, busy, waiting, error }) =>
    html`<lf-passkey-setup-step .data=${flow.data} .actions=${flow.actions} .error=${error} .t=${t} ?busy=${busy} ?waiting=${waiting}></lf-passkey-setup-step>`,
  // Set-up and company steps: <login-flow> shows them once their chunk is in (see `loaded`).
  'approver-setup': (flow, { t, busy, error, api }) =>
    html`<lf-approver-setup-step .data=${flow.data} .actions=${flow.actions} .error=${error} .t=${t} ?busy=${busy} .flowId=${flow.id} .api=${api}></lf-approver-setup-step>`,
  'recovery-code': (flow, { t, busy, error }) =>
    html`<lf-recovery-code-step .data=${flow.data} .error=${error} .t=${t} ?busy=${busy}></lf-recovery-code-step>`,
  // With `passkeyOffer`, "one tap next time" (steps/passkey-offer/) under it: its chunk loads now, lf-success does not wait for it.
  done: (flow, { t, api }) =>
    html`<lf-done-step .data=${flow.data} .t=${t}></lf-done-step>${
      flow.data.passkeyOffer ? (import('../steps/passkey-offer/passkey-offer.js').catch(() => {}), html`<lf-passkey-offer .session=${flow.data.session} .api=${api} .t=${t}></lf-passkey-offer>`) : nothing
    }`,
  sso: (flow, { t, busy, api }) => html`<lf-sso-step .data=${flow.data} .actions=${flow.actions} .flowId=${flow.id} .api=${api} .t=${t} ?busy=${busy}></lf-sso-step>`,
  'choose-account': (flow, { t, busy }) => html`<lf-choose-account-step .data=${flow.data} .t=${t} ?busy=${busy}></lf-choose-account-step>`,
  'recovery-request': (flow, { t, busy, error, email }) =>
    html`<lf-recovery-request-step .data=${flow.data.email ? flow.data : { ...flow.data, email }} .error=${error} .t=${t} ?busy=${busy}></lf-recovery-request-step>`,
  'recovery-requested': (flow, { t }) => html`<lf-recovery-requested-step .data=${flow.data} .t=${t}></lf-recovery-requested-step>`,
};

/**
 * Errors a step shows beside its own controls: those on a field, failed passkeys (by the passkey button), and
 * the approver's (`approval_*`, `approver_*`: a refused or expired request, or one still pending, which the
 * waiting step takes in silence). The rest go in the banner.
 */
function stepError(error: ClientError | undefined): ClientError | undefined {
  return error?.field || error?.code.startsWith('appro') || isPasskeyError(error) ? error : undefined;
}

/**
 * @summary The whole sign-in journey in one element. The server decides every
 * step; this element renders it and posts what the person entered. It runs
 * every passkey ceremony itself, through one `PasskeyController`: autofill at
 * the email step when the server offers passkeys, and the ceremony a step
 * asks for (an intent with the `passkey` flag), whose response it then posts.
 *
 * @event lf-step-change - A new step is shown (`step`, `previous`).
 * @event lf-success - The person is signed in (`session`: user, JWT, expiry; `passkeyOffer`: a passkey for next time is offered under it).
 * @event lf-passkey-offer - The offer of a passkey for next time is over (`outcome`).
 * @event lf-error - An action failed (`code`, `step`).
 * @event lf-language-change - The person chose a language with the switch (`locale`).
 *
 * @cssprop --lf-color-primary - Buttons and links.
 * @cssprop --lf-color-on-primary - Text on buttons.
 * @cssprop --lf-color-text - Body text.
 * @cssprop --lf-color-muted - Secondary text.
 * @cssprop --lf-color-surface - The card's background.
 * @cssprop --lf-color-input - Input backgrounds.
 * @cssprop --lf-color-border - The card's border.
 * @cssprop --lf-color-border-strong - Input borders.
 * @cssprop --lf-color-error - Error text and invalid inputs.
 * @cssprop --lf-color-error-surface - Error banner background.
 * @cssprop --lf-color-focus - Focus rings.
 * @cssprop --lf-color-link - Links (defaults to the primary colour).
 * @cssprop --lf-font-family - Font.
 * @cssprop --lf-font-size - Base font size.
 * @cssprop --lf-title-size - Step title size.
 * @cssprop --lf-radius - Corner radius of controls.
 * @cssprop --lf-radius-card - Corner radius of the card.
 * @cssprop --lf-padding - Padding inside the card.
 * @cssprop --lf-gap - Space between parts of a step.
 * @cssprop --lf-max-width - Width of the card, at most: it is as wide as its container up to this (default 26rem).
 * @cssprop --lf-min-height - The card's least height, also while the first step loads (default 19rem, the email step's at its tallest).
 * @cssprop --lf-control-height - Height of inputs and buttons.
 * @cssprop --lf-font-mono - Font of the authenticator key and the recovery code.
 * @cssprop --lf-qr-size - Width of the QR code at authenticator set-up (default 12rem).
 */
export class LoginFlow extends LitElement {
  // Declared statically, not with decorators: see StepElement.
  static override properties = {
    api: {},
    flow: {},
    token: {},
    lang: {},
    languageSwitch: { type: Boolean, attribute: 'language-switch' },
    autofocus: { type: Boolean },
    state: { state: true },
    busy: { state: true },
    banner: { state: true },
    waiting: { state: true },
    passkeyError: { state: true },
    chosen: { state: true },
  };

  /** Origin (or base URL) of the login-flow API. Defaults to the page's own origin. */
  api = '';
  /**
   * Which flow to run: `login`; `recovery-request`, the public "lost access to
   * your phone?" form; `activate`, `reset` and `recover` (after an approved
   * recovery request), which open from an emailed link; or, inside a signed-in page such as `<account-security>`,
   * `reauth` ("confirm it's you") and `enroll-totp`, `enroll-passkey`,
   * `enroll-sms`, `enroll-approver` (add a second factor), which end at `done` in the same session.
   */
  flow: FlowKind = 'login';
  /**
   * The token of the emailed link an `activate`, `reset` or `recover` flow opens with.
   * When empty, the element takes it from the page's URL fragment
   * (`#token=…`) and removes the fragment, so the token leaves the address bar
   * and the history. For the signed-in kinds (`reauth`, `enroll-*`) it is the
   * session token, when the host keeps it; without one the session cookie
   * counts, and the fragment is never read.
   */
  token = '';
  /**
   * Language of the widget (`en`, `nl`); defaults to the nearest `lang`
   * attribute on the page, then the browser's. A flow opened from an emailed
   * link speaks the language of the person's invitation instead, and a
   * language the person picks with the switch wins over all. The element
   * keeps its `lang` attribute set to the language it shows (WCAG 2.2 SC 3.1.2).
   */
  override lang = '';
  /** Show a language switch at the top of the card, listing the built-in languages. */
  languageSwitch = false;
  /** Move focus into the widget when it first shows, for pages whose only job is signing in. */
  override autofocus = false;

  private state: FlowState | undefined;
  private busy = false;
  private banner: { error: ClientError; retryAfter?: number; restarted?: boolean } | undefined;
  /** A passkey ceremony the person asked for runs (autofill waits in the background and does not count). */
  private waiting = false;
  /** How the last ceremony failed, shown by the step until the next action or state. */
  private passkeyError: ClientError | undefined;

  private client = new FlowClient('');
  private readonly passkeys = new PasskeyController(this);
  /** The email-step state whose passkey autofill has been started. */
  private autofillFor: FlowState | undefined;
  private lastEmail: string | undefined;
  /** The token taken from the URL fragment, kept to restart an expired flow of the same link. */
  private linkToken = '';
  /** The email whose remembered-device token went with the last password, until the answer is in. */
  private deviceSentFor: string | undefined;
  private moveFocus = false;
  /** The language the person picked with the switch, kept for their next visit. */
  private chosen = readChosen();
  /** The language the host gave the element (`lang`), apart from the `lang` attribute it writes itself. */
  private hostLang = '';

  // The sheet comes with this script: until it runs, a host keeps the card's place with `login-flow:not(:defined){display:block;min-height:19rem}` (styles.ts).
  protected override createRenderRoot(): this {
    const root = this.getRootNode() as Document | ShadowRoot;
    const sheet = loginFlowSheet();
    if (!root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener(StepIntentEvent.type, this.handleIntent);
    this.moveFocus = this.autofocus;
    // The first flow starts with the first update (willUpdate). Back in the page after a move: start
    // one if none is there, or render, which offers passkey autofill again.
    if (this.hasUpdated && !this.state && !this.busy) void this.restart();
    else this.requestUpdate();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.removeEventListener(StepIntentEvent.type, this.handleIntent);
    // The controller aborts the ceremony; offer autofill afresh if the element comes back.
    this.autofillFor = undefined;
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    // A `lang` the host set (the element's own writes below never reach this check).
    if (changed.has('lang')) this.hostLang = this.lang;
    // The first flow starts here, not on connection, so that what a host sets right after creating the
    // element or importing the script (`element.api = …`) counts; a later change of API or flow kind starts afresh.
    if (!this.hasUpdated || changed.has('api') || changed.has('flow') || changed.has('token')) void this.restart();
    if (changed.has('state')) {
      // A new state replaces the step: a ceremony for the old one is moot, and so is its error.
      this.passkeys.cancel();
      this.passkeyError = undefined;
    }
    // The language shown, on the element itself, so assistive technology reads it in that language.
    // Written before rendering: the `lang` property it sets joins this update instead of scheduling another.
    const locale = this.locale;
    if (this.getAttribute('lang') !== locale) this.setAttribute('lang', locale);
  }

  /**
   * Abandons the current flow and starts a new one; or, for a `login` element
   * whose page the browser came back to from a company's provider, finishes
   * the flow that went there (see lib/sso.ts).
   */
  async restart(): Promise<void> {
    this.client = new FlowClient(this.api, this.picked);
    this.busy = true;
    // A provider's answer (`state`) in the query: the chunk tells whether it is for a flow of this element.
    const back = this.flow === 'login' && location.search.includes('state=') ? await companySteps().then((chunk) => chunk.takeSsoReturn(this.api), () => undefined) : undefined;
    const result = await loaded(await (back ? this.client.act(back.id, 'callback', { params: back.params }) : this.start()));
    this.busy = false;
    this.apply(result, !!back);
  }

  /** Starts a flow of this element's kind; a link's kind without a token fails as the server would fail a bad token. */
  private start(): Promise<FlowResult> {
    const kind = this.flow;
    const invalid = LINKS[kind] as ClientError['code'] | undefined;
    // The account page's kinds run in the session: the host's token, or (without one) the cookie.
    if (!invalid) return this.client.start(kind, kind !== 'login' && this.token ? { token: this.token } : {});
    const token = this.token || (this.linkToken ||= takeFragmentToken());
    return token ? this.client.start(kind, { token }) : Promise.resolve({ error: { code: invalid } });
  }

  /** The language picked with the switch; only an element that shows the switch heeds it (not the account page's own flows). */
  private get picked(): string {
    return this.languageSwitch ? this.chosen : '';
  }

  /** The language shown: the person's pick, their invitation's, the element's, the page's, the browser's. */
  private get locale(): Locale {
    return resolveLocale(this.picked || this.state?.locale || this.hostLang || this.parentElement?.closest<HTMLElement>('[lang]')?.lang || document.documentElement.lang || navigator.language);
  }

  protected override render() {
    const locale = this.locale;
    const t = translator(locale);
    const banner = this.banner;
    const bannerView = banner
      ? html`<p class="lf-banner" role="alert">
          ${errorMessage(t, banner.error)}
          ${banner.retryAfter ? retryAfter(t, banner.retryAfter) : nothing}
          ${banner.restarted ? t('restarted') : nothing}
        </p>`
      : nothing;
    const languages = this.languageSwitch
      ? html`<select class="lf-lang" aria-label=${t('label_language')} @change=${this.handleLanguage}>
          ${LOCALES.map((code) => html`<option value=${code} lang=${code} ?selected=${code === locale}>${new Intl.DisplayNames(code, { type: 'language' }).of(code)}</option>`)}
        </select>`
      : nothing;
    const flow = this.state;
    if (!flow) {
      return html`${languages}${
        banner && LINK_CODES.has(banner.error.code)
          ? html`<div class="lf-form">
              <h2 class="lf-title">${t('title_link_invalid')}</h2>
              ${bannerView}
              <button class="lf-button" type="button" @click=${this.handleLogin}>${t('action_sign_in')}</button>
            </div>`
          : banner && !banner.restarted
            ? // Nothing to show but the error (the API unreachable, or this page not allowed): no endless spinner.
              html`${bannerView}<button class="lf-button" type="button" @click=${this.restart}>${t('action_try_again')}</button>`
            : html`${bannerView}<p class="lf-loading" aria-busy="true">${t('busy')}</p>`
      }`;
    }
    const render = STEPS[flow.step] as (flow: FlowState, context: StepContext) => TemplateResult;
    const { busy, waiting } = this;
    // The wrapper names the step for focusStep() and for host styles (`[data-step='totp-setup']`).
    return html`${languages}${bannerView}<div class="lf-step" data-step=${flow.step}>
        ${render(flow, { t, busy: busy || waiting, waiting, error: this.passkeyError ?? stepError(flow.error), email: this.lastEmail, api: this.api })}
      </div>`;
  }

  protected override updated(): void {
    const flow = this.state;
    if (flow?.step === 'email' && flow.data.passkey && this.autofillFor !== flow && this.isConnected) {
      this.autofillFor = flow;
      void this.autofill(flow, flow.data.passkey);
    }
  }

  /** The person picked a language: shown at once, sent with every request (the server keeps it for their mails), kept for the next visit. */
  private handleLanguage(event: Event): void {
    const locale = resolveLocale((event.target as HTMLSelectElement).value);
    this.chosen = locale;
    this.client.language = locale;
    try {
      localStorage.setItem(CHOSEN, locale);
    } catch {
      // Storage blocked (a sandboxed frame): the choice lasts for this page.
    }
    this.dispatchEvent(new LoginFlowLanguageChangeEvent(locale));
  }

  /** From a link that no longer works, to the sign-in. */
  private handleLogin(): void {
    this.moveFocus = true;
    this.flow = 'login';
  }

  private readonly handleIntent = (event: StepIntentEvent): void => {
    event.stopPropagation();
    void this.act(event.action, event.body, event.passkey);
  };

  /**
   * Passkey autofill at the email step: once the field marked `webauthn` is in
   * the page, wait for the person to pick a passkey there, then sign in with
   * it. Typing an email instead (any action) or leaving the step aborts it.
   */
  private async autofill(flow: FlowState, { options }: PasskeyRequest): Promise<void> {
    await this.querySelector<LitElement>('lf-email-step')?.updateComplete;
    if (this.state !== flow) return;
    const outcome = await this.passkeys.authenticate(options, { autofill: true });
    if (outcome && 'response' in outcome) void this.act('passkey', { response: outcome.response });
  }

  /**
   * The step's passkey ceremony: registration at `passkey-setup`, else sign-in
   * with the step's `passkey` options (a step without them gets `passkey_error`).
   */
  private ceremony(flow: FlowState) {
    return flow.step === 'passkey-setup'
      ? this.passkeys.register(flow.data.options)
      : this.passkeys.authenticate((flow.data as { passkey?: PasskeyRequest }).passkey?.options!);
  }

  /** Performs one action on the flow; with `passkey`, runs the step's ceremony first and sends its `response` along. */
  private async act(action: StepIntentEvent['action'], body: Record<string, unknown>, passkey = false): Promise<void> {
    const flow = this.state;
    if (!flow || this.busy || this.waiting) return;
    // Whatever the person does, the autofill ceremony (or any other) ends here.
    this.passkeys.cancel();
    this.passkeyError = undefined;
    if (passkey) {
      this.waiting = true;
      const outcome = await this.ceremony(flow);
      this.waiting = false;
      // Aborted (a newer ceremony, a new state, the element gone): nothing to say.
      if (!outcome || this.state !== flow) return;
      if ('error' in outcome) {
        this.passkeyError = { code: outcome.error, field: 'passkey' };
        this.dispatchEvent(new LoginFlowErrorEvent(outcome.error, flow.step));
        return;
      }
      body = { ...body, response: outcome.response };
    }
    if (action === 'email' && typeof body.email === 'string') this.lastEmail = body.email;
    this.deviceSentFor = undefined;
    if (action === 'password' && flow.step === 'password') {
      // A remembered device skips the second factor; the step itself knows nothing of it.
      const device = readDeviceToken(this.api, flow.data.email);
      if (device) {
        body = { ...body, device };
        this.deviceSentFor = flow.data.email;
      }
    }
    this.busy = true;
    this.moveFocus = true;
    const result = await loaded(await this.client.act(flow.id, action, body));
    this.busy = false;
    this.apply(result);
  }

  /** Shows an answer; `resumed`: the answer to a flow resumed on coming back from a provider, which restarts like a shown one. */
  private apply(result: FlowResult, resumed = false): void {
    const previous = this.state;
    if ('error' in result) {
      const restart = RESTART_CODES.has(result.error.code) && (resumed || !!previous);
      this.banner = { error: result.error, ...(result.retryAfter ? { retryAfter: result.retryAfter } : {}), restarted: restart };
      this.dispatchEvent(new LoginFlowErrorEvent(result.error.code, previous?.step));
      if (restart) {
        this.state = undefined;
        // A link's flow that cannot start again says why (its link is spent); a login keeps the first error.
        void this.start().then((next) => this.apply('flow' in next || this.flow !== 'login' ? next : result));
      }
      return;
    }
    const flow = result.flow;
    this.state = flow;
    const fieldless = flow.error && !stepError(flow.error) ? flow.error : undefined;
    this.banner = fieldless ? { error: fieldless, ...(result.retryAfter ? { retryAfter: result.retryAfter } : {}) } : this.banner?.restarted && !previous ? this.banner : undefined;
    if (flow.error) this.dispatchEvent(new LoginFlowErrorEvent(flow.error.code, flow.step));
    if (flow.step !== previous?.step) this.dispatchEvent(new LoginFlowStepChangeEvent(flow.step, previous?.step));
    this.keepDeviceToken(flow);
    if (flow.step === 'done') this.dispatchEvent(new LoginFlowSuccessEvent(flow.data.session, flow.data.passkeyOffer === true));
    void this.focusStep(flow.error?.field);
  }

  /**
   * Token-mode "remember this device": keep the token a grant carries (each
   * grant brings a fresh one, the server rotates it on use), and forget one the
   * server did not accept (it asked for the second factor all the same).
   */
  private keepDeviceToken(flow: FlowState): void {
    if (flow.step === 'done' && flow.data.session.deviceToken) {
      storeDeviceToken(this.api, flow.data.session.user.email, flow.data.session.deviceToken);
    } else if (flow.step === 'second-factor' && this.deviceSentFor) {
      forgetDeviceToken(this.api, this.deviceSentFor);
    }
    if (flow.step !== 'password') this.deviceSentFor = undefined;
  }

  /** Puts focus on the field in error, or on the new step's first field, once the step has rendered. */
  private async focusStep(field: string | undefined): Promise<void> {
    if (!this.moveFocus) return;
    await this.updateComplete;
    const step = this.querySelector<LitElement>(':scope > [data-step] > *');
    await step?.updateComplete;
    const target = (field && this.querySelector<HTMLElement>('[aria-invalid="true"]')) || this.querySelector<HTMLElement>('[data-autofocus]');
    target?.focus();
  }
}

/** The language the person picked with the switch on an earlier visit, if storage allows. */
function readChosen(): string {
  try {
    return localStorage.getItem(CHOSEN) ?? '';
  } catch {
    return '';
  }
}

/** Takes `token` from the page's URL fragment (`#token=…`) and removes the fragment, so the token does not stay in the address bar or the history. */
function takeFragmentToken(): string {
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  if (token) history.replaceState(history.state, '', location.pathname + location.search);
  return token ?? '';
}

customElements.define('login-flow', LoginFlow);

declare global {
  interface HTMLElementTagNameMap {
    'login-flow': LoginFlow;
  }
}
