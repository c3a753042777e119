import { html, nothing, type TemplateResult } from 'lit';
import { agent, button, date, DANGER, item, relative, type AccountPage } from './page.js';

/**
 * The sessions section: where the person is signed in (this device marked),
 * and sign-out for any other session or all of them (OWASP ASVS 5.0 V7.5.2).
 */
export function renderSessions(page: AccountPage): TemplateResult {
  const { t, sessions } = page;
  const others = sessions.filter((session) => !session.current);
  return html`<ul class="lf-list">
      ${sessions.map((session) => {
        const device = agent(t, session.userAgent);
        return item(
          html`${device}${session.current ? html` <span class="lf-badge">${t('this_device')}</span>` : nothing}`,
          [t('signed_in_at', { date: date(t, session.createdAt, true) }), t('last_active', { time: relative(t, session.lastSeenAt) }), session.ip ? t('ip_address', { ip: session.ip }) : ''],
          session.current
            ? nothing
            : button(
                page,
                `session:${session.id}`,
                t('action_sign_out'),
                () => page.change('sessions', `session:${session.id}`, () => page.client.signOut(session.id), () => page.done('sessions', 'session-revoked', t('signed_out'))),
                DANGER,
                t('label_sign_out', { device }),
              ),
        );
      })}
    </ul>
    ${others.length
      ? html`<div class="lf-actions">
          ${button(page, 'sign-out-others', t('action_sign_out_others'), () =>
            page.change('sessions', 'sign-out-others', () => page.client.signOutOthers(), ({ signedOut }) =>
              page.done('sessions', 'session-revoked', t('signed_out_others', { count: signedOut })),
            ),
            DANGER,
          )}
        </div>`
      : nothing}`;
}
