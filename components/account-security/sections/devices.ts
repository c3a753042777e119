import { html, type TemplateResult } from 'lit';
import { agent, button, date, DANGER, item, lastUsed, type AccountPage } from './page.js';

/**
 * The remembered devices section: the browsers that skip the second factor
 * ("remember this device"), until when, and forgetting one or all of them.
 */
export function renderDevices(page: AccountPage): TemplateResult {
  const { t, devices } = page;
  if (!devices.length) return html`<p class="lf-note">${t('devices_none')}</p>`;
  return html`<p class="lf-intro">${t('intro_devices')}</p>
    <ul class="lf-list">
      ${devices.map((device) => {
        const name = agent(t, device.userAgent);
        return item(
          name,
          [t('remembered_until', { date: date(t, device.expiresAt) }), lastUsed(t, device.lastUsedAt)],
          button(
            page,
            `device:${device.id}`,
            t('action_forget'),
            () => page.change('devices', `device:${device.id}`, () => page.client.forgetDevice(device.id), () => page.done('devices', 'device-forgotten', t('forgotten'))),
            DANGER,
            t('label_forget', { device: name }),
          ),
        );
      })}
    </ul>
    <div class="lf-actions">
      ${button(page, 'devices', t('action_forget_all'), () => page.change('devices', 'devices', () => page.client.forgetDevices(), () => page.done('devices', 'device-forgotten', t('forgotten_all'))), DANGER)}
    </div>`;
}
