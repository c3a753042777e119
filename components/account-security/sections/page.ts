import { html, nothing, type ReactiveControllerHost, type TemplateResult } from 'lit';
import type { AccountEnrolment, StepName } from '../../../server/flows/protocol.js';
import type { AccountClient, AccountOverview, AccountResult, AccountSession, RememberedDevice } from '../api.js';
import type { AccountSection, AccountSecurityChangeKind } from '../events.js';
import type { AccountMessageKey, AccountTranslate } from '../i18n.js';
import { describeAgent } from '../user-agent.js';

/*
 * What the sections of <account-security> share: the page they are drawn in
 * (its data, its one request at a time, its panels and its confirmation
 * dialog), and the parts every list is made of. The sections render into the
 * page's own (light) DOM, one template, so the page reads as one document:
 * headings, live regions and focus work as they would in a single element.
 */

/** What opens inline in a section, in place of its contents, until done or cancelled. */
export type Panel = { section: AccountSection } & (
  | { kind: 'reauth'; then: () => void }
  | {
      kind: 'enroll';
      flow: AccountEnrolment;
      title: AccountMessageKey;
      /** The set-up step the flow showed last: the method being added. */
      method?: StepName;
      /** The method is added: what follows is not this panel's (a backup offer), and the panel ends. */
      added?: boolean;
      /** Ending: the flow is hidden while it leaves a step that is not this panel's. */
      finishing?: boolean;
    }
  | { kind: 'recovery'; data: { code: string } }
);

/** The page as its sections see it (`<account-security>` is one). */
export interface AccountPage extends ReactiveControllerHost, HTMLElement {
  readonly t: AccountTranslate;
  readonly client: AccountClient;
  /** The overview loaded last; a section that gets a fresher part (renamed passkeys) puts it in. */
  overview: AccountOverview | undefined;
  readonly sessions: AccountSession[];
  readonly devices: RememberedDevice[];
  /** The key of the action whose request runs; every other action waits. */
  readonly busy: string | undefined;
  /** The id of a section's heading, which focus falls back to. */
  headingId(section: AccountSection): string;
  /**
   * Runs one change: shows the button busy, and on `reauthentication_required`
   * asks the person to confirm it's them, then runs it again by itself.
   */
  change<T>(section: AccountSection, key: string, request: () => Promise<AccountResult<T>>, then: (data: T) => void): Promise<void>;
  /** A change went through: say so in its section, tell the host, show the page as it now is. */
  done(section: AccountSection, kind: AccountSecurityChangeKind, text: string): void;
  /** Tells the host of a change (`account-security-change`). */
  changed(kind: AccountSecurityChangeKind): void;
  /** Says `text` politely in the section's live region; without `text`, clears the section's last outcome. */
  say(section: AccountSection, text?: string): void;
  /** Asks before a change that cannot be undone; `run` on yes. */
  confirm(text: string, action: string, run: () => void): void;
  /** Adds a factor through `<login-flow flow="enroll-…">`, re-authenticating first unless the session is fresh. */
  enroll(flow: AccountEnrolment, section: AccountSection, title: AccountMessageKey): void;
  /** Opens a panel in its section, in place of the section's contents. */
  open(panel: Panel): void;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A keydown handler that closes a panel, form or field on Escape, as people expect of anything that opened in place. */
export function onEscape(close: () => void): (event: KeyboardEvent) => void {
  return (event) => {
    if (event.key !== 'Escape') return;
    event.preventDefault();
    close();
  };
}

/** A row of a list: its name, the facts about it, and its buttons. */
export function item(name: string | TemplateResult, facts: string[], actions: TemplateResult | typeof nothing): TemplateResult {
  return html`<li class="lf-item">
    <div>
      <p class="lf-item-name">${name}</p>
      <p class="lf-note">${facts.filter(Boolean).join(' · ')}</p>
    </div>
    <div class="lf-actions">${actions}</div>
  </li>`;
}

/** The look of a button whose change takes something away (remove, turn off, sign out, forget): outlined, in `--lf-color-danger`. */
export const DANGER = 'lf-button-secondary lf-danger';

/**
 * The question before a second factor (an app, the number, a passkey, a
 * phone that approves sign-ins) goes: for the last one, that two-step
 * verification goes with it. While it is
 * required the server keeps the last one, and says so.
 */
export function confirmRemove(page: AccountPage, name: string): string {
  const mfa = page.overview?.mfa;
  // `approvers` may be missing from a server older than push approval.
  const last = mfa && !mfa.required && mfa.totp.length + mfa.passkeys.length + (mfa.approvers?.length ?? 0) + (mfa.sms ? 1 : 0) === 1;
  return page.t(last ? 'confirm_remove_last' : 'confirm_remove', { name });
}

/** A button that says "Please wait…" while its request runs (`key`), and ignores clicks while any runs. */
export function button(
  page: AccountPage,
  key: string,
  label: string,
  onClick: ((event: Event) => void) | undefined,
  kind = 'lf-button-secondary',
  name?: string,
  type: 'button' | 'submit' = 'button',
): TemplateResult {
  return html`<button
    class=${kind}
    type=${type}
    aria-label=${name ?? nothing}
    aria-disabled=${page.busy ? 'true' : 'false'}
    @click=${(event: Event) => {
      if (page.busy) event.preventDefault();
      else onClick?.(event);
    }}
  >
    ${page.busy === key ? page.t('busy') : label}
  </button>`;
}

/** "Chrome on macOS", as far as the User-Agent tells. */
export function agent(t: AccountTranslate, userAgent: string | null): string {
  const { browser, os } = describeAgent(userAgent);
  return browser && os ? t('agent', { browser, os }) : (browser ?? os ?? t('unknown_agent'));
}

export function date(t: AccountTranslate, epochMs: number, withTime = false): string {
  return new Intl.DateTimeFormat(t.locale, withTime ? { dateStyle: 'medium', timeStyle: 'short' } : { dateStyle: 'medium' }).format(epochMs);
}

/** "just now", "5 minutes ago", "yesterday"; a date beyond a month. */
export function relative(t: AccountTranslate, epochMs: number): string {
  const ago = Date.now() - epochMs;
  if (ago >= 30 * DAY) return date(t, epochMs);
  // Under a minute is "just now": Intl's "this minute" reads as the future in Dutch ("binnen een minuut").
  if (ago < MINUTE) return t('just_now');
  const format = new Intl.RelativeTimeFormat(t.locale, { numeric: 'auto' });
  return ago >= DAY ? format.format(-Math.floor(ago / DAY), 'day') : ago >= HOUR ? format.format(-Math.floor(ago / HOUR), 'hour') : format.format(-Math.floor(ago / MINUTE), 'minute');
}

/** "Last used 5 minutes ago", or "Never used" (`null`: the server has no use on record). */
export function lastUsed(t: AccountTranslate, epochMs: number | null): string {
  return epochMs === null ? t('never_used') : t('last_used', { time: relative(t, epochMs) });
}
