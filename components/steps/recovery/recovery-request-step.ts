import { html, nothing } from 'lit';
import type { StepMap } from '../../../server/flows/protocol.js';
import type { ClientError } from '../../lib/api.js';
import { StepElement, fieldError, uniqueId } from '../../lib/step.js';
import { NOTE_MAX, type RecoveryTranslate } from './recovery-messages.js';

/** What the form shows: the address (an input on the public page, text at the second factor) and whether an employee number is asked. */
export type RecoveryFormData = StepMap['recovery-request']['data'] & { employeeNumber?: boolean };

/** Fired by the form at the second factor when the person cancels it: back to the methods. */
export class RecoveryCancelEvent extends Event {
  static readonly type = 'lf-recovery-cancel';
  constructor() {
    super(RecoveryCancelEvent.type, { bubbles: true, composed: false });
  }
}

/**
 * @summary A recovery request ("Lost access to your phone?"): a note for the
 * person's administrator, who checks it and mails a link to set up two-step
 * verification again. On the public page (the `recovery-request` step) it asks
 * for the email address too, and takes an employee number if the person has
 * one. At the second factor (`inline`, opened by its "Lost access to your
 * phone?" link) the address is known: it shows it when the widget knows it
 * (`data.email`), asks for the employee number only when the person's company
 * keeps them (`data.employeeNumber`; the person may leave it empty, whoever
 * decides sees that), and offers Cancel, back to the methods.
 * @event lf-intent - `request` with `{ email, note, employeeNumber? }` on the
 * public page; `request-recovery` with `{ note, employeeNumber? }` inline
 * (trimmed; an empty employee number is left out).
 * @event lf-recovery-cancel - Inline: the person cancelled.
 */
export class RecoveryRequestStep extends StepElement<RecoveryFormData> {
  static override properties = { inline: { type: Boolean } };

  /** Shown at the second factor instead of as a step of its own. */
  inline = false;
  override data: RecoveryFormData = {};
  declare t: RecoveryTranslate;

  private readonly ids = {
    title: uniqueId('recovery-title'),
    email: uniqueId('recovery-email'),
    note: uniqueId('recovery-note'),
    hint: uniqueId('recovery-hint'),
    employee: uniqueId('recovery-employee'),
    error: uniqueId('recovery-error'),
  };

  protected override firstUpdated(): void {
    // Inline, the form opens at the person's click: their next keystroke is for the note.
    if (this.inline) this.querySelector<HTMLElement>('[data-autofocus]')?.focus();
  }

  protected override render() {
    const { t, busy, ids, data, inline } = this;
    const error = this.localError ?? this.error;
    // A field's error shows under that field; the server names it (`email`, `note`, `employeeNumber`).
    const on = (field: string) => (error?.field === field ? error : undefined);
    const employee = inline ? data.employeeNumber : true;
    const email = data.email ?? '';
    return html`
      <form class="lf-form" novalidate aria-labelledby=${ids.title} aria-busy=${busy ? 'true' : 'false'} @submit=${this.handleSubmit}>
        <h2 class="lf-title" id=${ids.title}>${t('title_recovery_request')}</h2>
        <p class="lf-intro">${t(inline ? 'intro_recovery_inline' : 'intro_recovery_request')}</p>
        ${inline
          ? email
            ? html`<p class="lf-intro lf-long-words">${t('recovery_for', { email })}</p>`
            : nothing
          : html`<div class="lf-field">
              <label class="lf-label" for=${ids.email}>${t('label_email')}</label>
              <input
                class="lf-input"
                id=${ids.email}
                name="email"
                type="email"
                autocomplete="email"
                inputmode="email"
                autocapitalize="none"
                spellcheck="false"
                required
                maxlength="254"
                .value=${email}
                aria-invalid=${on('email') ? 'true' : 'false'}
                aria-describedby=${on('email') ? `${ids.error}-email` : nothing}
                ?data-autofocus=${!email}
              />
              ${fieldError(t, on('email'), `${ids.error}-email`)}
            </div>`}
        <div class="lf-field">
          <label class="lf-label" for=${ids.note}>${t('label_note')}</label>
          <textarea
            class="lf-input lf-textarea"
            id=${ids.note}
            name="note"
            rows="4"
            required
            aria-invalid=${on('note') ? 'true' : 'false'}
            aria-describedby=${on('note') ? `${ids.hint} ${ids.error}-note` : ids.hint}
            ?data-autofocus=${inline || !!email}
          ></textarea>
          <p class="lf-note" id=${ids.hint}>${t('hint_note')}</p>
          ${fieldError(t, on('note'), `${ids.error}-note`)}
        </div>
        ${employee
          ? html`<div class="lf-field">
              <label class="lf-label" for=${ids.employee}>${t('label_employee_number')}</label>
              <input
                class="lf-input"
                id=${ids.employee}
                name="employee-number"
                type="text"
                autocomplete="off"
                spellcheck="false"
                maxlength="64"
                aria-invalid=${on('employeeNumber') ? 'true' : 'false'}
                aria-describedby=${on('employeeNumber') ? `${ids.error}-employee` : nothing}
              />
              ${fieldError(t, on('employeeNumber'), `${ids.error}-employee`)}
            </div>`
          : nothing}
        <button class="lf-button" type="submit" aria-disabled=${busy ? 'true' : 'false'}>${busy ? t('busy') : t('action_send_request')}</button>
        ${inline ? html`<button class="lf-button-secondary" type="button" @click=${this.handleCancel}>${t('action_cancel')}</button>` : nothing}
      </form>
    `;
  }

  private handleCancel(): void {
    if (!this.busy) this.dispatchEvent(new RecoveryCancelEvent());
  }

  private handleSubmit(event: SubmitEvent): void {
    event.preventDefault();
    if (this.busy) return;
    const field = (name: string) => this.querySelector<HTMLInputElement | HTMLTextAreaElement>(`[name="${name}"]`);
    const email = field('email')?.value.trim() ?? '';
    const note = field('note')!.value.trim();
    const employeeNumber = field('employee-number')?.value.trim() ?? '';
    const refuse = (error: ClientError, name: string): void => {
      this.localError = error;
      field(name)!.focus();
    };
    if (!this.inline && !email) return refuse({ code: 'email_required', field: 'email' }, 'email');
    if (!note) return refuse({ code: 'note_required', field: 'note' }, 'note');
    // Counted as the server counts (UTF-16 code units), and not cut off by `maxlength`: a pasted note keeps its end for the person to shorten.
    if (note.length > NOTE_MAX) return refuse({ code: 'note_too_long', field: 'note' }, 'note');
    const body = { note, ...(employeeNumber ? { employeeNumber } : {}) };
    if (this.inline) this.intent('request-recovery', body);
    else this.intent('request', { email, ...body });
  }
}

customElements.define('lf-recovery-request-step', RecoveryRequestStep);

declare global {
  interface HTMLElementTagNameMap {
    'lf-recovery-request-step': RecoveryRequestStep;
  }
}
