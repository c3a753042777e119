/*
 * "One tap next time": after a sign-in with a password by a person with no
 * passkey yet (the `done` step's `passkeyOffer`), offer to add one with this
 * device's face, fingerprint or screen lock. Few sign-ins carry the offer, so
 * `<login-flow>` loads this module (its own chunk beside login-flow.js) only
 * for those, and renders `<lf-passkey-offer>` under the done step at once: the
 * element shows itself once the chunk is in. Importing it registers the
 * element and adds its words to the widget's catalogues.
 */
import { LitElement, html, nothing } from 'lit';
import type { FlowState, FlowStateOf, RegistrationResponseJSON, SessionGrant } from '../../../server/flows/protocol.js';
import { FlowClient, type FlowResult } from '../../lib/api.js';
import { LoginFlowPasskeyOfferEvent, type StepIntentEvent } from '../../lib/events.js';
import { CATALOGUES, translator } from '../../lib/i18n.js';
import { uniqueId } from '../../lib/step.js';
import { PasskeyController } from '../../lib/webauthn.js';
import { OFFER_MESSAGES, type OfferTranslate } from './offer-messages.js';

Object.assign(CATALOGUES.en, OFFER_MESSAGES.en);
Object.assign(CATALOGUES.nl, OFFER_MESSAGES.nl);

/** The browser's memory of "Don't ask again", per person: `lf-passkey-offer:<user id>` = `never`. */
export const offerKey = (userId: string): string => `lf-passkey-offer:${userId}`;
const NEVER = 'never';

/**
 * - `idle`: nothing shown (not decided yet, or nothing to offer: no platform
 *   authenticator, "Don't ask again", or "Not now" this time);
 * - `ask`: the question; `waiting`: the person said yes and the ceremony runs;
 * - `recovery`: the passkey is their first second factor: the new recovery code, shown once;
 * - `added`, `failed`, `never`: how it ended, said in the status line.
 */
type Phase = 'idle' | 'ask' | 'waiting' | 'recovery' | 'added' | 'failed' | 'never';

/** WebAuthn Level 3 conditional create (`mediation: 'conditional'`), which the DOM's types do not name yet. */
type ConditionalCreation = CredentialCreationOptions & { mediation: 'conditional' };

/**
 * @summary The offer of a passkey after a password sign-in: "Sign in with your
 * fingerprint or face next time?". Shown only where the browser has a
 * user-verifying platform authenticator and the person has not chosen "Don't
 * ask again" on this browser ("Not now" asks again at the next sign-in). Where
 * the browser can create a passkey without asking (WebAuthn conditional
 * create, `getClientCapabilities().conditionalCreate`: the browser's password
 * manager just filled the password), it tries that silently first, while the
 * question shows. Yes runs the `enroll-passkey` flow in the new session
 * (its token, or the session cookie): the passkey ceremony with the flow's
 * options, then `register` `{ response, name }`, and the new recovery code
 * when the passkey is the person's first second factor. A failure or a
 * cancelled ceremony ends in a calm line: the person is signed in either way.
 *
 * It talks to the API itself, unlike the steps: the sign-in is over, and
 * `<login-flow>` has told the host so already (`lf-success`).
 */
export class PasskeyOffer extends LitElement {
  static override properties = { session: { attribute: false }, api: {}, t: { attribute: false }, phase: { state: true } };

  /** The session the sign-in just made: the user it is for, and its token (absent when the API keeps it in a cookie). */
  session!: SessionGrant;
  /** Origin (or base URL) of the login-flow API, as `<login-flow>`'s. */
  api = '';
  /** `<login-flow>`'s translator, which knows the offer's words once this chunk is in. */
  t = translator('en') as OfferTranslate;

  private phase: Phase = 'idle';
  /** The enrolment's latest state: started for the silent attempt or on yes, reused by the next. */
  private flow: FlowState | undefined;
  private starting: Promise<FlowResult> | undefined;
  private client = new FlowClient('');
  private readonly passkeys = new PasskeyController(this);
  /** Ends the silent (conditional) ceremony: yes, or the element leaving, starts or ends everything else. */
  private silent: AbortController | undefined;
  private readonly titleId = uniqueId('offer');

  protected override createRenderRoot(): this {
    return this;
  }

  protected override firstUpdated(): void {
    this.client = new FlowClient(this.api);
    void this.consider();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.silent?.abort();
  }

  protected override render() {
    const { t, phase } = this;
    if (phase === 'idle') return nothing;
    const status = phase === 'added' ? t('offer_added') : phase === 'failed' ? t('offer_failed') : phase === 'never' ? t('offer_never') : '';
    const waiting = phase === 'waiting';
    return html`<div class="lf-form">
      ${phase === 'ask' || waiting
        ? html`<div class="lf-form" role="group" aria-labelledby=${this.titleId} aria-busy=${waiting ? 'true' : 'false'}>
            <h3 class="lf-title" id=${this.titleId}>${t('title_offer')}</h3>
            <p class="lf-intro">${t('intro_offer')}</p>
            <button class="lf-button" type="button" aria-disabled=${waiting ? 'true' : 'false'} @click=${this.handleAccept}>
              ${waiting ? t('passkey_waiting') : t('action_offer_accept')}
            </button>
            <button class="lf-button-secondary" type="button" aria-disabled=${waiting ? 'true' : 'false'} @click=${this.handleLater}>${t('action_offer_later')}</button>
            <button class="lf-link" type="button" aria-disabled=${waiting ? 'true' : 'false'} @click=${this.handleNever}>${t('action_offer_never')}</button>
          </div>`
        : nothing}
      ${phase === 'recovery' && this.flow?.step === 'recovery-code'
        ? html`<lf-recovery-code-step .data=${this.flow.data} .error=${this.flow.error} .t=${t} @lf-intent=${this.handleSaved}></lf-recovery-code-step>`
        : nothing}
      <p class="lf-note" role="status">${status}</p>
    </div>`;
  }

  /** Whether to ask at all, and (where the browser can) the silent attempt. */
  private async consider(): Promise<void> {
    if (readChoice(this.session.user.id) === NEVER) return this.tell('skipped');
    // A device whose face, fingerprint or screen lock makes passkeys; a security key alone is not "one tap".
    const platform = await window.PublicKeyCredential?.isUserVerifyingPlatformAuthenticatorAvailable().catch(() => false);
    if (!platform || !this.isConnected) return this.tell('skipped');
    this.phase = 'ask';
    const capabilities = await PublicKeyCredential.getClientCapabilities?.().catch(() => undefined);
    if (capabilities?.conditionalCreate) void this.trySilently();
  }

  /**
   * Conditional create: the browser makes the passkey without a dialog when
   * its password manager has just filled this person's password, and
   * otherwise waits (Chromium) or refuses. It runs beside the question rather
   * than before it, so a browser that waits never hides it; yes ends it.
   */
  private async trySilently(): Promise<void> {
    const flow = await this.enrolment();
    if (flow?.step !== 'passkey-setup' || this.phase !== 'ask') return;
    const { signal } = (this.silent = new AbortController());
    let response: RegistrationResponseJSON;
    try {
      const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(flow.data.options as Parameters<typeof PublicKeyCredential.parseCreationOptionsFromJSON>[0]);
      const credential = (await navigator.credentials.create({ publicKey, signal, mediation: 'conditional' } as ConditionalCreation)) as PublicKeyCredential;
      response = credential.toJSON() as RegistrationResponseJSON;
    } catch {
      // Refused, aborted or unsupported after all: the question stays, nothing to say.
      return;
    }
    if (signal.aborted || this.phase !== 'ask') return;
    this.phase = 'waiting';
    await this.register(flow, response, true);
  }

  /** The `enroll-passkey` flow in the new session: the one started already, or a new one. */
  private async enrolment(): Promise<FlowState | undefined> {
    if (this.flow?.step === 'passkey-setup') return this.flow;
    const { token } = this.session;
    const result = await (this.starting ??= this.client.start('enroll-passkey', token ? { token } : {}));
    this.starting = undefined;
    return (this.flow = 'flow' in result ? result.flow : undefined);
  }

  private readonly handleAccept = async (): Promise<void> => {
    if (this.phase !== 'ask') return;
    this.silent?.abort();
    this.phase = 'waiting';
    const flow = await this.enrolment();
    if (flow?.step !== 'passkey-setup') return this.end('failed');
    const outcome = await this.passkeys.register(flow.data.options);
    // Aborted: the element left the page.
    if (!outcome) return;
    if ('error' in outcome) return this.end('failed');
    await this.register(flow, outcome.response);
  };

  /**
   * Posts the new passkey; `silent`: from the silent attempt, whose failure
   * leaves the question as it was (the flow's state after it has fresh options).
   */
  private async register(flow: FlowStateOf<'passkey-setup'>, response: RegistrationResponseJSON, silent = false): Promise<void> {
    const result = await this.client.act(flow.id, 'register', { response, name: flow.data.suggestedName });
    if ('flow' in result) this.flow = result.flow;
    if (silent && this.flow?.step === 'passkey-setup') {
      this.phase = 'ask';
      return;
    }
    await this.show(result);
  }

  /** The enrolment's answer: done, the recovery code to save first, or a calm failure. */
  private async show(result: FlowResult): Promise<void> {
    const step = 'flow' in result ? result.flow.step : undefined;
    if (step === 'done') return this.end('added');
    if (step !== 'recovery-code') return this.end('failed');
    // Its step element comes in the set-up chunk, with its words.
    const loaded = await import('../setup-steps.js').then(
      () => true,
      () => false,
    );
    if (!loaded) return this.end('failed');
    this.phase = 'recovery';
    this.requestUpdate();
    // The code is what the person must read now: its heading takes focus, as a new step's does.
    await this.updateComplete;
    const code = this.querySelector('lf-recovery-code-step');
    await code?.updateComplete;
    code?.querySelector<HTMLElement>('[data-autofocus]')?.focus();
  }

  /** The person saved the recovery code: confirm it, which ends the enrolment. */
  private readonly handleSaved = async (event: StepIntentEvent): Promise<void> => {
    // The step's intent is the offer's, not the sign-in's (which is done).
    event.stopPropagation();
    const flow = this.flow;
    if (event.action !== 'confirm' || flow?.step !== 'recovery-code') return;
    const result = await this.client.act(flow.id, 'confirm', event.body);
    if ('flow' in result) this.flow = result.flow;
    await this.show(result);
  };

  private readonly handleLater = (): void => {
    if (this.phase === 'ask') this.end('idle');
  };

  private readonly handleNever = (): void => {
    if (this.phase !== 'ask') return;
    try {
      localStorage.setItem(offerKey(this.session.user.id), NEVER);
    } catch {
      // Storage blocked (a sandboxed frame): the choice lasts for this page.
    }
    this.end('never');
  };

  /** Tells the host the offer is over (`lf-passkey-offer`). */
  private tell(outcome: LoginFlowPasskeyOfferEvent['outcome']): void {
    this.dispatchEvent(new LoginFlowPasskeyOfferEvent(outcome));
  }

  /** Ends the offer: the question goes, focus returns to the done step's heading, the status line says how it ended. */
  private end(phase: 'idle' | 'added' | 'failed' | 'never'): void {
    this.silent?.abort();
    this.phase = phase;
    this.tell(phase === 'idle' ? 'later' : phase);
    void this.updateComplete.then(() => this.parentElement?.querySelector<HTMLElement>('[data-autofocus]')?.focus());
  }
}

/** What the person chose on this browser before, if storage allows. */
function readChoice(userId: string): string | null {
  try {
    return localStorage.getItem(offerKey(userId));
  } catch {
    return null;
  }
}

customElements.define('lf-passkey-offer', PasskeyOffer);

declare global {
  interface HTMLElementTagNameMap {
    'lf-passkey-offer': PasskeyOffer;
  }
}
