import { html, nothing, type TemplateResult } from 'lit';
import { formatDay } from '../../lib/i18n.js';
import type { AccountOverview, Approver } from '../api.js';
import { button, confirmRemove, date, DANGER, item, lastUsed, type AccountPage } from './page.js';

/**
 * The two-step verification section: whether it is on (and required), each
 * method with its dates, the recovery code, and the buttons that add a method
 * or turn it all off. Passkeys have a section of their own; here they are one
 * line that leads there.
 */
export function renderMfa(page: AccountPage, { mfa, features }: AccountOverview): TemplateResult {
  const { t } = page;
  const status = html`<p class="lf-intro">
    ${t(mfa.enabled ? 'mfa_on' : 'mfa_off')}
    ${mfa.required ? t('mfa_required') : mfa.requiredFrom ? t('mfa_required_from', { date: formatDay(mfa.requiredFrom, t.locale) }) : nothing}
  </p>`;
  if (!mfa.enabled) {
    return html`${status}${button(page, 'enroll', t('action_enable_mfa'), () => page.enroll('enroll-totp', 'mfa', 'action_enable_mfa'), 'lf-button')}`;
  }
  const { sms } = mfa;
  const passkeysHeading = page.headingId('passkeys');
  // The passkeys' own section, further down the page: its heading takes focus, as a same-page link's target should.
  const toPasskeys = (event: Event) => {
    event.preventDefault();
    page.querySelector<HTMLElement>(`#${passkeysHeading}`)?.focus();
  };
  return html`${status}
    <ul class="lf-list">
      ${mfa.totp.map((app) =>
        item(app.name || t('method_totp'), [t('method_totp'), t('added_on', { date: date(t, app.createdAt) }), lastUsed(t, app.lastUsedAt)], removeButton(page, app.id, app.name || t('method_totp'))),
      )}
      ${sms ? item(t('method_sms'), [sms.phone, t('added_on', { date: date(t, sms.createdAt) }), lastUsed(t, sms.lastUsedAt)], removeButton(page, sms.id, t('method_sms'))) : nothing}
      ${features.passkeys && mfa.passkeys.length
        ? item(
            t('method_passkeys'),
            [t('passkey_count', { count: mfa.passkeys.length })],
            html`<a class="lf-link" href=${`#${passkeysHeading}`} @click=${toPasskeys}>${t('action_manage_passkeys')}</a>`,
          )
        : nothing}
      ${item(
        t('label_recovery_code'),
        [mfa.recoveryCode ? t('recovery_created', { date: date(t, mfa.recoveryCode.createdAt) }) : t('recovery_none')],
        button(page, 'recovery', t('action_new_recovery'), () =>
          page.confirm(t('confirm_new_recovery'), t('action_generate'), () =>
            page.change('mfa', 'recovery', () => page.client.newRecoveryCode(), ({ code }) => {
              page.open({ section: 'mfa', kind: 'recovery', data: { code } });
              page.changed('recovery-code');
            }),
          ),
        ),
      )}
    </ul>
    ${features.approver ? renderApprovers(page, mfa.approvers ?? []) : nothing}
    <div class="lf-actions">
      ${mfa.totp.length ? nothing : button(page, 'enroll', t('action_add_totp'), () => page.enroll('enroll-totp', 'mfa', 'action_add_totp'))}
      ${features.passkeys && !mfa.passkeys.length ? button(page, 'enroll', t('action_add_passkey'), () => page.enroll('enroll-passkey', 'mfa', 'action_add_passkey')) : nothing}
      ${!sms && features.sms && (mfa.totp.length || mfa.passkeys.length) ? button(page, 'enroll', t('action_add_sms'), () => page.enroll('enroll-sms', 'mfa', 'action_add_sms')) : nothing}
      ${mfa.required
        ? nothing
        : button(page, 'disable', t('action_disable_mfa'), () =>
            page.confirm(t('confirm_disable_mfa'), t('action_turn_off'), () =>
              page.change('mfa', 'disable', () => page.client.disableMfa(), () => page.done('mfa', 'mfa-disabled', t('mfa_off'))),
            ),
            DANGER,
          )}
    </div>`;
}

/**
 * The phones that approve sign-ins (push approval): each with its dates, how
 * it signs an approval (the phone's Face ID or fingerprint, or a key its
 * browser keeps), whether notifications reach it, and Remove; then "Add a
 * phone", which runs the `enroll-approver` flow in a panel as the other
 * methods' set-ups do. Its own heading and list, after the other methods:
 * a person may have several phones.
 */
function renderApprovers(page: AccountPage, approvers: Approver[]): TemplateResult {
  const { t } = page;
  const heading = `${page.headingId('mfa')}-approvers`;
  return html`<div class="lf-approvers" role="group" aria-labelledby=${heading}>
    <h4 class="lf-subtitle" id=${heading}>${t('title_approvers')}</h4>
    ${approvers.length
      ? html`<ul class="lf-list">
          ${approvers.map((approver) =>
            item(
              approver.name,
              [
                t(approver.key === 'passkey' ? 'approver_passkey' : 'approver_device'),
                t('added_on', { date: date(t, approver.createdAt) }),
                lastUsed(t, approver.lastUsedAt),
                approver.push ? '' : t('approver_no_push'),
              ],
              removeButton(page, approver.id, approver.name),
            ),
          )}
        </ul>`
      : html`<p class="lf-note">${t('approvers_none')}</p>`}
    <div class="lf-actions">${button(page, 'enroll', t('action_add_approver'), () => page.enroll('enroll-approver', 'mfa', 'action_add_approver'))}</div>
  </div>`;
}

/** Removes an authenticator app, the SMS number or an approving phone, once the person confirms. */
function removeButton(page: AccountPage, id: string, name: string): TemplateResult {
  const { t } = page;
  return button(
    page,
    `remove:${id}`,
    t('action_remove'),
    () =>
      page.confirm(confirmRemove(page, name), t('action_remove'), () =>
        page.change('mfa', `remove:${id}`, () => page.client.removeFactor(id), () => page.done('mfa', 'factor-removed', t('removed', { name }))),
      ),
    DANGER,
    t('label_remove', { name }),
  );
}
