import { html, type TemplateResult } from 'lit';
import { uniqueId } from '../../lib/step.js';
import type { Passkey } from '../api.js';
import { button, confirmRemove, date, DANGER, item, lastUsed, onEscape, type AccountPage } from './page.js';

/**
 * The passkeys section: each passkey (synced or on one device, its dates),
 * renamed inline (Enter saves, Escape leaves it as it was) or removed once the
 * person confirms, and a button that adds another.
 */
export class PasskeysSection {
  /** The id of the passkey being renamed inline. */
  private renaming: string | undefined;
  private readonly nameId = uniqueId('rename');

  constructor(private readonly page: AccountPage) {}

  render(passkeys: Passkey[]): TemplateResult {
    const { page } = this;
    const { t } = page;
    return html`<p class="lf-intro">${t('intro_passkeys')}</p>
      ${passkeys.length ? html`<ul class="lf-list">${passkeys.map((passkey) => (this.renaming === passkey.id ? this.renameForm(passkey) : this.row(passkey)))}</ul>` : html`<p class="lf-note">${t('passkeys_none')}</p>`}
      <div class="lf-actions">${button(page, 'enroll', t('action_add_passkey'), () => page.enroll('enroll-passkey', 'passkeys', 'action_add_passkey'))}</div>`;
  }

  private row(passkey: Passkey): TemplateResult {
    const { page } = this;
    const { t } = page;
    const { id, name } = passkey;
    return item(
      name,
      [t(passkey.synced ? 'passkey_synced' : 'passkey_device'), t('recovery_created', { date: date(t, passkey.createdAt) }), lastUsed(t, passkey.lastUsedAt)],
      html`${button(page, `open-rename:${id}`, t('action_rename'), () => this.openRename(id), 'lf-button-secondary', t('label_rename', { name }))}
      ${button(
        page,
        `passkey:${id}`,
        t('action_remove'),
        () =>
          page.confirm(confirmRemove(page, name), t('action_remove'), () =>
            page.change('passkeys', `passkey:${id}`, () => page.client.removePasskey(id), () => page.done('passkeys', 'passkey-removed', t('removed', { name }))),
          ),
        DANGER,
        t('label_remove', { name }),
      )}`,
    );
  }

  private renameForm(passkey: Passkey): TemplateResult {
    const { page, nameId } = this;
    const { t } = page;
    return html`<li class="lf-item">
      <form class="lf-field" novalidate @submit=${(event: SubmitEvent) => this.rename(event, passkey)} @keydown=${onEscape(this.closeRename)}>
        <label class="lf-label" for=${nameId}>${t('label_passkey_name')}</label>
        <div class="lf-input-row">
          <input class="lf-input" id=${nameId} name="name" maxlength="64" autocomplete="off" required .value=${passkey.name} aria-describedby=${`${nameId}-hint`} />
          ${button(page, `rename:${passkey.id}`, t('action_save'), undefined, 'lf-button', undefined, 'submit')}
        </div>
        <p class="lf-note" id=${`${nameId}-hint`}>${t('rename_hint')}</p>
      </form>
    </li>`;
  }

  private openRename(id: string): void {
    this.renaming = id;
    this.page.requestUpdate();
    void this.page.updateComplete.then(() => this.page.querySelector<HTMLInputElement>(`#${this.nameId}`)?.select());
  }

  private readonly closeRename = (): void => {
    const id = this.renaming;
    this.renaming = undefined;
    this.page.requestUpdate();
    // The Rename button is drawn anew: find it by its passkey.
    void this.page.updateComplete.then(() => {
      const index = this.page.overview?.mfa.passkeys.findIndex((passkey) => passkey.id === id) ?? -1;
      this.page.querySelectorAll<HTMLElement>('[data-section="passkeys"] .lf-item')[index]?.querySelector<HTMLElement>('button')?.focus();
    });
  };

  private rename(event: SubmitEvent, passkey: Passkey): void {
    event.preventDefault();
    const name = (event.currentTarget as HTMLFormElement).querySelector<HTMLInputElement>('input[name="name"]')!.value.trim();
    if (!name || name === passkey.name) {
      this.closeRename();
      return;
    }
    const { page } = this;
    void page.change('passkeys', `rename:${passkey.id}`, () => page.client.renamePasskey(passkey.id, name), ({ passkeys }) => {
      if (page.overview) page.overview = { ...page.overview, mfa: { ...page.overview.mfa, passkeys } };
      page.say('passkeys', page.t('renamed'));
      page.changed('passkey-renamed');
      this.closeRename();
    });
  }
}
