import { html, nothing } from 'lit';
import type { StepMap } from '../../../server/flows/protocol.js';
import { CopyController } from '../../lib/copy.js';
import { StepElement, fieldError, uniqueId } from '../../lib/step.js';
import type { SetupTranslate } from '../setup-messages.js';

/** The name the downloaded recovery code is saved under. */
const DOWNLOAD_NAME = 'login-flow-recovery-code.txt';

/**
 * @summary The one-time recovery code, shown once: copy it or download it, and
 * confirm it is saved before going on.
 * @event lf-intent - `confirm` with `{ saved: true }`, only once the person ticked "I have saved my recovery code".
 */
export class RecoveryCodeStep extends StepElement<StepMap['recovery-code']['data']> {
  declare t: SetupTranslate;
  /** The step's data from the server: the recovery code. */
  override data: StepMap['recovery-code']['data'] = { code: '' };

  private readonly clipboard = new CopyController(this);
  /** The text file behind the Download link, and its object URL (revoked when replaced or disconnected). */
  private download: { text: string; url: string } | undefined;
  private readonly ids = { title: uniqueId('recovery-code-title'), saved: uniqueId('saved'), error: uniqueId('saved-error') };

  override connectedCallback(): void {
    super.connectedCallback();
    // Back in the page after a move: the old object URL was revoked, render a fresh one.
    if (this.hasUpdated) this.requestUpdate();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.forgetDownload();
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    super.willUpdate(changed);
    const text = `${this.t('recovery_file', { site: location.host, code: this.data.code })}\n`;
    if (this.download?.text !== text) {
      this.forgetDownload();
      this.download = { text, url: URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' })) };
    }
  }

  protected override render() {
    const { t, busy, ids } = this;
    const error = this.localError ?? this.error;
    return html`
      <form class="lf-form" novalidate aria-labelledby=${ids.title} aria-busy=${busy ? 'true' : 'false'} @submit=${this.handleSubmit}>
        <h2 class="lf-title" id=${ids.title} tabindex="-1" data-autofocus>${t('title_recovery_code')}</h2>
        <p class="lf-intro">${t('intro_recovery_code')}</p>
        <code class="lf-recovery-code">${this.data.code}</code>
        <div class="lf-copy">
          <button class="lf-button-secondary" type="button" @click=${this.handleCopy}>
            <span aria-live="polite">${this.clipboard.copied ? t('copied') : t('action_copy')}</span>
          </button>
          <a class="lf-button-secondary" href=${this.download!.url} download=${DOWNLOAD_NAME}>${t('action_download')}</a>
        </div>
        <div class="lf-checkbox">
          <input
            id=${ids.saved}
            name="saved"
            type="checkbox"
            required
            @change=${this.handleSavedChange}
            aria-invalid=${error ? 'true' : 'false'}
            aria-describedby=${error ? ids.error : nothing}
          />
          <label for=${ids.saved}>${t('label_saved')}</label>
          ${fieldError(t, error, ids.error)}
        </div>
        <button class="lf-button" type="submit" aria-disabled=${busy ? 'true' : 'false'}>${busy ? t('busy') : t('action_proceed')}</button>
      </form>
    `;
  }

  private forgetDownload(): void {
    if (this.download) URL.revokeObjectURL(this.download.url);
    this.download = undefined;
  }

  private handleCopy(): void {
    void this.clipboard.copy(this.data.code, this.querySelector('.lf-recovery-code'));
  }

  private handleSavedChange(event: Event): void {
    if ((event.target as HTMLInputElement).checked) this.localError = undefined;
  }

  private handleSubmit(event: SubmitEvent): void {
    event.preventDefault();
    if (this.busy) return;
    const saved = this.querySelector<HTMLInputElement>('input[name="saved"]')!;
    if (!saved.checked) {
      this.localError = { code: 'confirmation_required', field: 'saved' };
      saved.focus();
      return;
    }
    this.intent('confirm', { saved: true });
  }
}

customElements.define('lf-recovery-code-step', RecoveryCodeStep);

declare global {
  interface HTMLElementTagNameMap {
    'lf-recovery-code-step': RecoveryCodeStep;
  }
}
