import { html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { PasswordRule, StepMap } from '../../../server/flows/protocol.js';
import { StepElement, fieldError, uniqueId } from '../../lib/step.js';

/**
 * The rules the browser checks as the person types, beside the lengths: the
 * server's own checks (`CHECKS` in server/factors/password.ts), on the NFKC
 * form. `not_common` and `not_email` are the server's alone.
 */
const PATTERNS: Partial<Record<PasswordRule, RegExp>> = {
  digit: /\p{Nd}/u,
  special: /[^\p{L}\p{N}\s]/u,
  upper: /\p{Lu}/u,
  lower: /\p{Ll}/u,
  no_angle_brackets: /^[^<>]*$/,
};

/**
 * @summary A new password, at activation or from a reset link (`data`: the
 * account's email address, the purpose, the policy), with the policy as a
 * checklist that ticks as the person types. The rules only the server can
 * check show as failed once it refuses a password for them (`error`:
 * `password_policy` with `details.rules`).
 * @event lf-intent - `password` with `{ password }`.
 */
@customElement('lf-set-password-step')
export class SetPasswordStep extends StepElement<StepMap['set-password']['data']> {
  @state() private reveal = false;
  private readonly ids = { input: uniqueId('password'), error: uniqueId('password-error'), title: uniqueId('title'), rules: uniqueId('rules') };

  /**
   * Whether the typed password meets a rule (lengths in code points, as the
   * server counts them). A server-only rule is unknown (undefined) unless the
   * server's last answer refused a password for it.
   */
  private meets(rule: PasswordRule): boolean | undefined {
    const password = (this.querySelector<HTMLInputElement>('input[name="password"]')?.value ?? '').normalize('NFKC');
    const { length } = [...password];
    const { minLength, maxLength } = this.data.policy;
    return rule === 'min_length'
      ? length >= minLength
      : rule === 'max_length'
        ? length <= maxLength
        : (PATTERNS[rule]?.test(password) ?? ((this.error?.details?.rules as PasswordRule[] | undefined)?.includes(rule) ? false : undefined));
  }

  protected override render() {
    const { t, busy, ids, data } = this;
    const { policy } = data;
    const error = this.localError ?? this.error;
    return html`
      <form class="lf-form" novalidate aria-labelledby=${ids.title} aria-busy=${busy ? 'true' : 'false'} @submit=${this.handleSubmit}>
        <h2 class="lf-title" id=${ids.title}>${t(`title_set_password_${data.purpose}`)}</h2>
        <input name="username" type="email" autocomplete="username" .value=${data.email} hidden readonly tabindex="-1" />
        <div class="lf-field">
          <label class="lf-label" for=${ids.input}>${t('label_new_password')}</label>
          <div class="lf-input-row">
            <input
              class="lf-input"
              id=${ids.input}
              name="password"
              type=${this.reveal ? 'text' : 'password'}
              autocomplete="new-password"
              autocapitalize="none"
              spellcheck="false"
              required
              aria-invalid=${error ? 'true' : 'false'}
              aria-describedby=${error ? `${ids.error} ${ids.rules}` : ids.rules}
              @input=${() => this.requestUpdate()}
              data-autofocus
            />
            <button class="lf-reveal" type="button" aria-controls=${ids.input} aria-pressed=${this.reveal ? 'true' : 'false'} @click=${this.handleReveal}>
              ${this.reveal ? t('action_hide_password') : t('action_show_password')}
            </button>
          </div>
          ${fieldError(t, error, ids.error)}
        </div>
        <ul class="lf-steps lf-rules" id=${ids.rules}>
          ${policy.rules.map((rule) => {
            // Not a live region: the list is read with the field, not at every keystroke.
            const met = this.meets(rule);
            return html`<li data-met=${met ?? nothing}>
              ${t(`rule_${rule}`, { min: policy.minLength, max: policy.maxLength })}${met === undefined
                ? nothing
                : html`<span class="lf-sr">: ${t(met ? 'rule_met' : 'rule_unmet')}</span>`}
            </li>`;
          })}
        </ul>
        <button class="lf-button" type="submit" aria-disabled=${busy ? 'true' : 'false'}>${busy ? t('busy') : t('action_proceed')}</button>
      </form>
    `;
  }

  private handleReveal(): void {
    this.reveal = !this.reveal;
  }

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

declare global {
  interface HTMLElementTagNameMap {
    'lf-set-password-step': SetPasswordStep;
  }
}
