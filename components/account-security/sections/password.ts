import { html, type TemplateResult } from 'lit';
import type { ClientError } from '../../lib/api.js';
import { ruleList } from '../../lib/password-rules.js';
import { passwordField } from '../../lib/password-field.js';
import { uniqueId } from '../../lib/step.js';
import type { AccountOverview } from '../api.js';
import { onEscape, type AccountPage } from './page.js';

/**
 * The password section: a button that opens the change-password form in
 * place. The form is real (username, `current-password`, `new-password`), so
 * password managers fill it and offer to save the new password.
 */
export class PasswordSection {
  /** The form is open. */
  private editing = false;
  /** An error on a field of the form (`current` or the new password). */
  private error: ClientError | undefined;
  private reveal = false;
  private readonly ids = {
    current: uniqueId('current-password'),
    currentError: uniqueId('current-password-error'),
    next: uniqueId('new-password'),
    nextError: uniqueId('new-password-error'),
    rules: uniqueId('rules'),
    signOut: uniqueId('sign-out-others'),
  };

  constructor(private readonly page: AccountPage) {}

  render(overview: AccountOverview): TemplateResult {
    const { page, ids } = this;
    const { t, busy } = page;
    if (!this.editing) {
      return html`<button class="lf-button-secondary" type="button" @click=${this.open}>${t('action_change_password')}</button>`;
    }
    const { error } = this;
    const currentError = error?.field === 'current' ? error : undefined;
    const nextError = error && !currentError ? error : undefined;
    const typed = page.querySelector<HTMLInputElement>('input[name="password"]')?.value ?? '';
    return html`<form class="lf-form" novalidate aria-labelledby=${page.headingId('password')} aria-busy=${busy ? 'true' : 'false'} @submit=${this.submit} @keydown=${onEscape(this.close)}>
      <input name="username" type="email" autocomplete="username" .value=${overview.user.email} hidden readonly tabindex="-1" />
      ${passwordField(t, { id: ids.current, errorId: ids.currentError, label: t('label_current_password'), name: 'current', autocomplete: 'current-password', error: currentError })}
      ${passwordField(t, {
        id: ids.next,
        errorId: ids.nextError,
        label: t('label_new_password'),
        autocomplete: 'new-password',
        error: nextError,
        describedBy: ids.rules,
        reveal: this.reveal,
        onReveal: this.toggleReveal,
        onInput: () => page.requestUpdate(),
      })}
      ${ruleList(t, overview.policy, typed, nextError, ids.rules)}
      <div class="lf-checkbox">
        <input id=${ids.signOut} name="signOutOthers" type="checkbox" />
        <label for=${ids.signOut}>${t('label_sign_out_others')}</label>
      </div>
      <div class="lf-actions">
        <button class="lf-button" type="submit" aria-disabled=${busy ? 'true' : 'false'}>${busy === 'password' ? t('busy') : t('action_save_password')}</button>
        <button class="lf-button-secondary" type="button" @click=${this.close}>${t('action_cancel')}</button>
      </div>
    </form>`;
  }

  /**
   * Shows a refusal at the field it names (`current`, `password`) while the
   * form is open, and moves focus there; false for any other refusal, which
   * the section announces as a whole.
   */
  refuse(error: ClientError): boolean {
    if (!error.field || !this.editing) return false;
    this.error = error;
    this.page.requestUpdate();
    void this.page.updateComplete.then(() => this.page.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
    return true;
  }

  private readonly open = (): void => {
    this.editing = true;
    this.error = undefined;
    this.page.say('password');
    void this.page.updateComplete.then(() => this.page.querySelector<HTMLInputElement>('input[name="current"]')?.focus());
  };

  private readonly close = (): void => {
    this.editing = false;
    this.reveal = false;
    this.error = undefined;
    this.page.requestUpdate();
    void this.page.updateComplete.then(() => this.page.querySelector<HTMLElement>('[data-section="password"] button')?.focus());
  };

  private readonly toggleReveal = (): void => {
    this.reveal = !this.reveal;
    this.page.requestUpdate();
  };

  private readonly submit = (event: SubmitEvent): void => {
    event.preventDefault();
    const { page } = this;
    if (page.busy) return;
    const form = event.currentTarget as HTMLFormElement;
    const current = form.querySelector<HTMLInputElement>('input[name="current"]')!;
    const next = form.querySelector<HTMLInputElement>('input[name="password"]')!;
    const empty = !current.value ? current : !next.value ? next : undefined;
    if (empty) {
      this.error = { code: 'password_required', field: empty.name };
      page.requestUpdate();
      empty.focus();
      return;
    }
    const body = { current: current.value, password: next.value, signOutOthers: form.querySelector<HTMLInputElement>('input[name="signOutOthers"]')!.checked };
    this.error = undefined;
    this.reveal = false;
    page.requestUpdate();
    void page.change('password', 'password', () => page.client.changePassword(body), ({ signedOut }) => {
      this.close();
      const text = `${page.t('password_changed')}${body.signOutOthers ? ` ${page.t('signed_out_others', { count: signedOut })}` : ''}`;
      page.done('password', 'password', text);
    });
  };
}
