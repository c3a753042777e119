import { html } from 'lit';
import type { StepMap } from '../../../server/flows/protocol.js';
import { ruleList } from '../../lib/password-rules.js';
import { passwordField } from '../../lib/password-field.js';
import { StepElement, uniqueId } from '../../lib/step.js';

/**
 * @summary A new password, at activation or from a reset link (`data`: the
 * account's email address, the purpose, the policy), with the policy as a
 * checklist that ticks as the person types. The rules only the server can
 * check show as failed once it refuses a password for them (`error`:
 * `password_policy` with `details.rules`).
 * @event lf-intent - `password` with `{ password }`.
 */
export class SetPasswordStep extends StepElement<StepMap['set-password']['data']> {
  static override properties = { reveal: { state: true } };

  private reveal = false;
  private readonly ids = { input: uniqueId('password'), error: uniqueId('password-error'), title: uniqueId('title'), rules: uniqueId('rules') };

  protected override render() {
    const { t, busy, ids, data } = this;
    const { policy } = data;
    const error = this.localError ?? this.error;
    return html`
      <form class="lf-form" novalidate aria-labelledby=${ids.title} aria-busy=${busy ? 'true' : 'false'} @submit=${this.handleSubmit}>
        <h2 class="lf-title" id=${ids.title}>${t(`title_set_password_${data.purpose}`)}</h2>
        <input name="username" type="email" autocomplete="username" .value=${data.email} hidden readonly tabindex="-1" />
        ${passwordField(t, {
          id: ids.input,
          errorId: ids.error,
          label: t('label_new_password'),
          autocomplete: 'new-password',
          error,
          describedBy: ids.rules,
          reveal: this.reveal,
          onReveal: this.handleReveal,
          onInput: () => this.requestUpdate(),
          autofocus: true,
        })}
        ${ruleList(t, policy, this.querySelector<HTMLInputElement>('input[name="password"]')?.value ?? '', this.error, ids.rules)}
        <button class="lf-button" type="submit" aria-disabled=${busy ? 'true' : 'false'}>${busy ? t('busy') : t('action_proceed')}</button>
      </form>
    `;
  }

  private readonly handleReveal = (): void => {
    this.reveal = !this.reveal;
  };

  private handleSubmit(event: SubmitEvent): void {
    event.preventDefault();
    if (this.busy) return;
    const input = this.querySelector<HTMLInputElement>('input[name="password"]')!;
    if (!input.value) {
      this.localError = { code: 'password_required', field: 'password' };
      input.focus();
      return;
    }
    this.reveal = false;
    this.intent('password', { password: input.value });
  }
}

customElements.define('lf-set-password-step', SetPasswordStep);

declare global {
  interface HTMLElementTagNameMap {
    'lf-set-password-step': SetPasswordStep;
  }
}
