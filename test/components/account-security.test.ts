import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../components/account-security/index.js';
import type { AccountSecurity, AccountSecurityChangeEvent, AccountSecurityErrorEvent } from '../../components/account-security/index.js';
import type { FlowState, FlowStateOf } from '../../server/flows/protocol.js';
import type { EnrolmentResult } from '../../server/approver-protocol.js';
import type { Approver } from '../../server/routes/types.js';
import type { LoginFlow } from '../../components/index.js';
import { retryAfter } from '../../components/lib/step.js';
import { virtualAuthenticator } from './passkeys.js';
import { apiUrl, createSession, createSsoCompany, createUser, fill, rememberDevice, sessionAlive, signInRemembered, totpCode, untilStep, type ApiName, type TestUser } from './helpers.js';

const CHROME_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0';
const SAFARI_IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

interface Mounted {
  page: AccountSecurity;
  token: string;
}

/** The page for `user` in a session of its own (bearer mode: the test page is another origin than the API), once loaded. */
async function mount(user: TestUser, options: { stale?: boolean; lang?: string; api?: ApiName } = {}): Promise<Mounted> {
  const api = await apiUrl(options.api);
  const { token } = await createSession(user.email, { stale: options.stale, userAgent: CHROME_MAC, api: options.api });
  const page = await fixture<AccountSecurity>(html`<account-security api=${api} token=${token} lang=${options.lang ?? ''}></account-security>`);
  await waitUntil(() => page.querySelector('h2'), 'the page did not load');
  return { page, token };
}

function section(page: AccountSecurity, name: string): HTMLElement {
  return page.querySelector<HTMLElement>(`[data-section="${name}"]`)!;
}

/** The button whose accessible name (its aria-label, else its text) is `name`. */
function button(root: Element, name: string): HTMLButtonElement {
  const found = [...root.querySelectorAll('button')].find((b) => (b.getAttribute('aria-label') ?? b.textContent!.trim()) === name);
  if (!found) throw new Error(`no button "${name}" in ${[...root.querySelectorAll('button')].map((b) => b.getAttribute('aria-label') ?? b.textContent!.trim()).join(', ')}`);
  return found;
}

function status(page: AccountSecurity, name: string): string {
  return section(page, name).querySelector('[role=status]')!.textContent!.trim();
}

function alert(page: AccountSecurity, name: string): string | undefined {
  return section(page, name).querySelector('[role=alert]')?.textContent!.trim();
}

/** Says yes in the open confirmation dialog. */
async function confirmDialog(page: AccountSecurity): Promise<void> {
  const dialog = page.querySelector('dialog')!;
  await waitUntil(() => dialog.open, 'no confirmation was asked');
  button(dialog, dialog.querySelector<HTMLButtonElement>('button[value=confirm]')!.textContent!.trim()).click();
}

async function openPasswordForm(page: AccountSecurity, current: string, next: string): Promise<HTMLFormElement> {
  button(page, 'Change password').click();
  await page.updateComplete;
  const form = section(page, 'password').querySelector('form')!;
  fill(form.querySelector('input[name=current]')!, current);
  fill(form.querySelector('input[name=password]')!, next);
  return form;
}

describe('<account-security> against the real API', () => {
  it('shows the methods, the masked number, the passkeys and where the person is signed in', async () => {
    const user = await createUser({ totp: true, sms: true, passkeys: 2, recoveryCode: true });
    await createSession(user.email, { userAgent: FIREFOX_WINDOWS });
    const { page } = await mount(user);
    await waitUntil(() => section(page, 'sessions').querySelectorAll('li').length === 2);
    expect(page.querySelector('h2')!.textContent).to.equal(`Security for ${user.email}`);
    const mfa = section(page, 'mfa');
    expect(mfa.textContent).to.contain('Two-step verification is on.');
    expect(mfa.textContent).to.contain('Authenticator app');
    expect(mfa.textContent).to.contain('Text message (SMS)');
    expect(mfa.textContent).to.contain('78');
    expect(mfa.textContent).not.to.contain('612345678');
    expect(mfa.textContent).to.contain('2 set up');
    expect(mfa.textContent).to.contain('Created');
    const passkeys = section(page, 'passkeys');
    expect(passkeys.querySelectorAll('li')).to.have.length(2);
    expect(passkeys.textContent).to.contain('Synced');
    expect(passkeys.textContent).to.contain('On one device only');
    const sessions = section(page, 'sessions');
    expect(sessions.textContent).to.contain('Chrome on macOS');
    expect(sessions.textContent).to.contain('Firefox on Windows');
    expect(sessions.querySelectorAll('.lf-badge')).to.have.length(1);
    expect(sessions.querySelector('.lf-badge')!.closest('li')!.textContent).to.contain('Chrome on macOS');
    // The current session cannot be signed out from here; the other can.
    expect(sessions.querySelectorAll('li button')).to.have.length(1);
    button(sessions, 'Sign out Firefox on Windows');
  });

  it('loads with the api and token a host sets right after adding it', async () => {
    const user = await createUser();
    const api = await apiUrl();
    const { token } = await createSession(user.email, { userAgent: CHROME_MAC });
    const page = document.createElement('account-security');
    try {
      // As a page does with the element in its HTML and `page.api = …` after importing the script.
      document.body.append(page);
      page.api = api;
      page.token = token;
      await waitUntil(() => page.querySelector('h2'), 'the page did not load');
      expect(page.querySelector('h2')!.textContent).to.contain(user.email);
    } finally {
      page.remove();
    }
  });

  it('changes the password, says so politely and tells the host', async () => {
    const user = await createUser();
    const { page } = await mount(user);
    const form = await openPasswordForm(page, user.password, 'Another-Horse-43-Battery');
    expect(form.querySelector<HTMLInputElement>('input[name=current]')!.autocomplete).to.equal('current-password');
    expect(form.querySelector<HTMLInputElement>('input[name=password]')!.autocomplete).to.equal('new-password');
    expect(form.querySelector<HTMLInputElement>('input[name=username]')!.value).to.equal(user.email);
    const changed = oneEvent(page, 'account-security-change') as Promise<AccountSecurityChangeEvent>;
    button(form, 'Save password').click();
    expect((await changed).kind).to.equal('password');
    await page.updateComplete;
    expect(status(page, 'password')).to.equal('Your password has been changed.');
    expect(section(page, 'password').querySelector('form')).to.equal(null);
    expect(document.activeElement).to.equal(button(page, 'Change password'));
  });

  it('announces a wrong current password at its field', async () => {
    const user = await createUser();
    const { page } = await mount(user);
    const form = await openPasswordForm(page, 'Wrong-Horse-42-Battery', 'Another-Horse-43-Battery');
    const failed = oneEvent(page, 'account-security-error') as Promise<AccountSecurityErrorEvent>;
    button(form, 'Save password').click();
    expect((await failed).code).to.equal('invalid_credentials');
    await page.updateComplete;
    const current = form.querySelector<HTMLInputElement>('input[name=current]')!;
    expect(current.getAttribute('aria-invalid')).to.equal('true');
    const message = page.querySelector(`#${current.getAttribute('aria-describedby')}`)!;
    expect(message.getAttribute('role')).to.equal('alert');
    expect(message.textContent).to.equal('Your current password is incorrect.');
    await waitUntil(() => document.activeElement === current);
  });

  it('shows the rules a refused new password breaks', async () => {
    const user = await createUser();
    const { page } = await mount(user);
    const form = await openPasswordForm(page, user.password, 'short');
    const failed = oneEvent(page, 'account-security-error') as Promise<AccountSecurityErrorEvent>;
    button(form, 'Save password').click();
    expect((await failed).code).to.equal('password_policy');
    await page.updateComplete;
    const next = form.querySelector<HTMLInputElement>('input[name=password]')!;
    expect(next.getAttribute('aria-invalid')).to.equal('true');
    // The rules only the server checks are named in the error; the checklist shows the rest.
    expect(form.querySelector('[role=alert]')!.textContent).to.equal(
      'This password does not meet the requirements: Not a common password (like password123 or welkom01); Not easy to guess (no repeats, sequences or keyboard patterns).',
    );
    const minLength = [...form.querySelectorAll('.lf-rules li')].find((li) => li.textContent!.includes('At least'))!;
    expect(minLength.getAttribute('data-met')).to.equal('false');
  });

  it('asks a stale session to confirm it is the person, then makes the change by itself', async () => {
    const user = await createUser();
    const { page } = await mount(user, { stale: true });
    const form = await openPasswordForm(page, user.password, 'Another-Horse-43-Battery');
    button(form, 'Save password').click();
    await waitUntil(() => page.querySelector('login-flow'), 'no re-authentication was asked');
    const flow = page.querySelector<LoginFlow>('login-flow')!;
    expect(flow.flow).to.equal('reauth');
    expect(section(page, 'password').querySelector('h4')!.textContent).to.equal("Confirm it's you");
    await untilStep(flow, 'password');
    // Signed in already: no other address, no reset link.
    const names = [...flow.querySelectorAll('button')].map((b) => b.textContent!.trim());
    expect(names).not.to.include('Change');
    expect(names).not.to.include('Forgot your password?');
    await waitUntil(() => document.activeElement === flow.querySelector('input[name=password]'), 'focus did not move to the password');
    const kinds: string[] = [];
    page.addEventListener('account-security-change', (event) => kinds.push(event.kind));
    fill(flow.querySelector('input[name=password]')!, user.password);
    flow.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
    await waitUntil(() => kinds.includes('password'), 'the password was not changed');
    expect(kinds).to.deep.equal(['session-renewed', 'password']);
    await page.updateComplete;
    expect(page.querySelector('login-flow')).to.equal(null);
    expect(status(page, 'password')).to.equal('Your password has been changed.');
  });

  it('goes on with the new token a re-authentication brings, and gives it to the host', async () => {
    const user = await createUser();
    const firefox = await createSession(user.email, { userAgent: FIREFOX_WINDOWS });
    const safari = await createSession(user.email, { userAgent: SAFARI_IPHONE });
    const { page, token } = await mount(user, { stale: true });
    await waitUntil(() => section(page, 'sessions').querySelectorAll('li').length === 3);
    const heading = page.querySelector('h2');
    const events: AccountSecurityChangeEvent[] = [];
    page.addEventListener('account-security-change', (event) => {
      events.push(event);
      // As a host that keeps the token does: its copy, and the page's, take the new one.
      if (event.token) page.token = event.token;
    });
    button(page, 'Sign out Firefox on Windows').click();
    await waitUntil(() => page.querySelector('login-flow'), 'no re-authentication was asked');
    const flow = page.querySelector<LoginFlow>('login-flow')!;
    await untilStep(flow, 'password');
    fill(flow.querySelector('input[name=password]')!, user.password);
    flow.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
    await waitUntil(() => events.length === 2, 'the sign-out did not go through');
    const [renewed, revoked] = events;
    expect(renewed!.kind).to.equal('session-renewed');
    expect(renewed!.token).to.be.a('string').and.not.equal(token);
    expect(revoked!.kind).to.equal('session-revoked');
    expect(revoked!.token).to.equal(undefined);
    expect(page.token).to.equal(renewed!.token);
    expect(await sessionAlive(token)).to.equal(false, 'the old token ended');
    expect(await sessionAlive(renewed!.token!)).to.equal(true);
    expect(await sessionAlive(firefox.token)).to.equal(false);

    // The next change needs no new confirmation and goes through with the new token.
    await waitUntil(() => section(page, 'sessions').querySelectorAll('li').length === 2);
    button(page, 'Sign out Safari on iOS').click();
    await waitUntil(() => events.length === 3, 'the second sign-out did not go through');
    expect(events[2]!.kind).to.equal('session-revoked');
    expect(page.querySelector('login-flow')).to.equal(null);
    expect(await sessionAlive(safari.token)).to.equal(false);
    await waitUntil(() => section(page, 'sessions').querySelectorAll('li').length === 1);
    expect(page.querySelector('h2')).to.equal(heading, 'the page went on, it did not load again from scratch');
    expect(alert(page, 'sessions')).to.equal(undefined);
  });

  it('cancels a re-authentication and returns to the page', async () => {
    const user = await createUser();
    const { page } = await mount(user, { stale: true });
    button(page, 'Turn on two-step verification').focus();
    button(page, 'Turn on two-step verification').click();
    await waitUntil(() => page.querySelector('login-flow'));
    button(section(page, 'mfa'), 'Cancel').click();
    await page.updateComplete;
    expect(page.querySelector('login-flow')).to.equal(null);
    expect(document.activeElement).to.equal(button(page, 'Turn on two-step verification'));
  });

  it('enables two-step verification after re-authenticating, with the login flow\'s own set-up steps', async () => {
    const user = await createUser();
    const { page } = await mount(user, { stale: true });
    button(page, 'Turn on two-step verification').click();
    await waitUntil(() => page.querySelector('login-flow'));
    let flow = page.querySelector<LoginFlow>('login-flow')!;
    await untilStep(flow, 'password');
    fill(flow.querySelector('input[name=password]')!, user.password);
    flow.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
    await waitUntil(() => page.querySelector<LoginFlow>('login-flow')?.flow === 'enroll-totp', 'the set-up did not open');
    flow = page.querySelector<LoginFlow>('login-flow')!;
    await untilStep(flow, 'totp-setup');
    const secret = flow.querySelector('.lf-secret')!.textContent!.replace(/\s/g, '');
    fill(flow.querySelector('input[name=code]')!, await totpCode(secret));
    flow.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
    await untilStep(flow, 'recovery-code');
    flow.querySelector<HTMLInputElement>('input[name=saved]')!.click();
    const added = oneEvent(page, 'account-security-change') as Promise<AccountSecurityChangeEvent>;
    flow.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
    expect((await added).kind).to.equal('factor-added');
    await waitUntil(() => section(page, 'mfa').textContent!.includes('Two-step verification is on.'));
    expect(status(page, 'mfa')).to.equal('Authenticator app added.');
    expect(page.querySelector('login-flow')).to.equal(null);
    button(page, 'Remove Authenticator app');
  });

  describe('adding a passkey', () => {
    const authenticator = virtualAuthenticator();

    it('ends at the passkey with a confirmation, and lists it', async () => {
      const user = await createUser({ totp: true, recoveryCode: true });
      const { page } = await mount(user);
      expect(section(page, 'passkeys').textContent).to.contain('You have no passkeys yet.');
      button(section(page, 'passkeys'), 'Add a passkey').click();
      await waitUntil(() => page.querySelector('login-flow'), 'the set-up did not open');
      const flow = page.querySelector<LoginFlow>('login-flow')!;
      expect(section(page, 'passkeys').querySelector('h4')!.textContent).to.equal('Add a passkey');
      await untilStep(flow, 'passkey-setup');
      fill(flow.querySelector('input[name=passkey-name]')!, 'Work laptop');
      const added = oneEvent(page, 'account-security-change') as Promise<AccountSecurityChangeEvent>;
      [...flow.querySelectorAll('button')].find((b) => b.textContent!.trim() === 'Create passkey')!.click();
      expect((await added).kind).to.equal('factor-added');
      await page.updateComplete;
      // The panel is gone; the method list is loaded anew and shows the passkey.
      expect(page.querySelector('login-flow')).to.equal(null);
      expect(status(page, 'passkeys')).to.equal('Passkey added.');
      await waitUntil(() => section(page, 'passkeys').querySelector('.lf-item-name')?.textContent === 'Work laptop', 'the passkey was not listed');
      expect(section(page, 'mfa').textContent).to.contain('1 set up');
      expect((await authenticator.credentials()).length).to.equal(1);
    });

    it('says so in Dutch', async () => {
      const user = await createUser({ totp: true, recoveryCode: true });
      const { page } = await mount(user, { lang: 'nl' });
      button(section(page, 'passkeys'), 'Passkey toevoegen').click();
      await waitUntil(() => page.querySelector('login-flow'));
      const flow = page.querySelector<LoginFlow>('login-flow')!;
      await untilStep(flow, 'passkey-setup');
      flow.querySelector<HTMLButtonElement>('lf-passkey-setup-step button.lf-button')!.click();
      await waitUntil(() => status(page, 'passkeys') === 'Passkey toegevoegd.', 'no confirmation');
      await waitUntil(() => section(page, 'passkeys').querySelectorAll('li').length === 1);
    });
  });

  it('styles the changes that take something away as such, in --lf-color-danger', async () => {
    const user = await createUser({ totp: true, passkeys: 1 });
    await createSession(user.email, { userAgent: FIREFOX_WINDOWS });
    const { page } = await mount(user);
    await waitUntil(() => section(page, 'sessions').querySelectorAll('li').length === 2);
    page.style.setProperty('--lf-color-danger', 'rgb(1, 2, 3)');
    const dangerous = ['Remove Authenticator app', 'Remove Passkey 1', 'Turn off two-step verification', 'Sign out Firefox on Windows', 'Sign out everywhere else'];
    for (const name of dangerous) {
      const style = getComputedStyle(button(page, name));
      expect(style.color, name).to.equal('rgb(1, 2, 3)');
      expect(style.borderTopColor, name).to.equal('rgb(1, 2, 3)');
      expect(style.backgroundColor, name).to.equal('rgba(0, 0, 0, 0)');
    }
    page.style.removeProperty('--lf-color-danger');
    expect(getComputedStyle(button(page, 'Remove Passkey 1')).color).to.equal('rgb(180, 35, 24)');
    // Renaming takes nothing away.
    expect(getComputedStyle(button(page, 'Rename Passkey 1')).color).not.to.equal('rgb(180, 35, 24)');
  });

  it('says before removing the last method that two-step verification goes with it', async () => {
    const user = await createUser({ totp: true, recoveryCode: true });
    const { page } = await mount(user);
    button(page, 'Remove Authenticator app').click();
    await waitUntil(() => page.querySelector('dialog')!.open);
    expect(page.querySelector('dialog p')!.textContent).to.equal(
      'Authenticator app is your last verification method. If you remove it, two-step verification will be turned off and your recovery code will stop working.',
    );
    const removed = oneEvent(page, 'account-security-change') as Promise<AccountSecurityChangeEvent>;
    await confirmDialog(page);
    expect((await removed).kind).to.equal('factor-removed');
    await waitUntil(() => section(page, 'mfa').textContent!.includes('Two-step verification is off.'));
  });

  it('does not warn of the last method when others remain', async () => {
    const user = await createUser({ totp: true, passkeys: 1 });
    const { page } = await mount(user);
    button(page, 'Remove Passkey 1').click();
    await waitUntil(() => page.querySelector('dialog')!.open);
    expect(page.querySelector('dialog p')!.textContent).to.equal('Remove Passkey 1? You cannot undo this.');
  });

  it('removes the authenticator app after a confirmation', async () => {
    const user = await createUser({ totp: true, sms: true });
    const { page } = await mount(user);
    button(page, 'Remove Authenticator app').click();
    const removed = oneEvent(page, 'account-security-change') as Promise<AccountSecurityChangeEvent>;
    await confirmDialog(page);
    expect((await removed).kind).to.equal('factor-removed');
    await waitUntil(() => !section(page, 'mfa').querySelector('[aria-label="Remove Authenticator app"]'));
    expect(status(page, 'mfa')).to.equal('Authenticator app was removed.');
    expect(section(page, 'mfa').textContent).to.contain('Text message (SMS)');
  });

  it('explains that the last method stays while two-step verification is required', async () => {
    const user = await createUser({ totp: true, api: 'mfa-required' });
    const { page } = await mount(user, { api: 'mfa-required' });
    expect(section(page, 'mfa').textContent).to.contain('It is required for your account.');
    expect([...page.querySelectorAll('button')].some((b) => b.textContent!.includes('Turn off'))).to.equal(false);
    button(page, 'Remove Authenticator app').click();
    const failed = oneEvent(page, 'account-security-error') as Promise<AccountSecurityErrorEvent>;
    await confirmDialog(page);
    expect((await failed).code).to.equal('last_factor');
    await page.updateComplete;
    expect(alert(page, 'mfa')).to.equal(
      'Two-step verification is required for your account, so you cannot remove your last method. Add another method first.',
    );
  });

  it('shows a new recovery code once, until the person has saved it', async () => {
    const user = await createUser({ totp: true, recoveryCode: true });
    const { page } = await mount(user);
    button(page, 'Generate a new recovery code').click();
    await waitUntil(() => page.querySelector('dialog')!.open);
    expect(page.querySelector('dialog')!.textContent).to.contain('Your current recovery code will stop working.');
    const generated = oneEvent(page, 'account-security-change') as Promise<AccountSecurityChangeEvent>;
    await confirmDialog(page);
    expect((await generated).kind).to.equal('recovery-code');
    await waitUntil(() => page.querySelector('lf-recovery-code-step .lf-recovery-code'));
    const code = page.querySelector('.lf-recovery-code')!.textContent!;
    expect(code).to.match(/\w{4}/);
    const step = page.querySelector('lf-recovery-code-step')!;
    expect(button(step, 'Copy')).to.exist;
    expect(step.querySelector('a[download]')!.textContent).to.equal('Download');
    step.querySelector<HTMLInputElement>('input[name=saved]')!.click();
    button(step, 'Continue').click();
    await page.updateComplete;
    expect(page.querySelector('lf-recovery-code-step')).to.equal(null);
    expect(page.textContent).not.to.contain(code);
    expect(status(page, 'mfa')).to.equal('Your new recovery code is active.');
  });

  it('signs another session out, which then no longer works', async () => {
    const user = await createUser();
    const other = await createSession(user.email, { userAgent: FIREFOX_WINDOWS });
    const { page } = await mount(user);
    await waitUntil(() => section(page, 'sessions').querySelectorAll('li').length === 2);
    const revoked = oneEvent(page, 'account-security-change') as Promise<AccountSecurityChangeEvent>;
    button(page, 'Sign out Firefox on Windows').click();
    expect((await revoked).kind).to.equal('session-revoked');
    await waitUntil(() => section(page, 'sessions').querySelectorAll('li').length === 1);
    expect(section(page, 'sessions').textContent).not.to.contain('Firefox');
    expect(status(page, 'sessions')).to.equal('Signed out.');
    expect(await sessionAlive(other.token)).to.equal(false);
  });

  it('counts the sessions it signed out in words that fit the count', async () => {
    const user = await createUser();
    await createSession(user.email, { userAgent: FIREFOX_WINDOWS });
    const { page } = await mount(user);
    await waitUntil(() => section(page, 'sessions').querySelectorAll('li').length === 2);
    button(page, 'Sign out everywhere else').click();
    await waitUntil(() => status(page, 'sessions') === 'Signed out of 1 other session.', 'not one session');
    await createSession(user.email, { userAgent: FIREFOX_WINDOWS });
    await createSession(user.email, { userAgent: SAFARI_IPHONE });
    await page.reload();
    await waitUntil(() => section(page, 'sessions').querySelectorAll('li').length === 3);
    button(page, 'Sign out everywhere else').click();
    await waitUntil(() => status(page, 'sessions') === 'Signed out of 2 other sessions.', 'not two sessions');
    page.lang = 'nl';
    await page.updateComplete;
    expect(page.t('signed_out_others', { count: 1 })).to.equal('Je bent op 1 andere plek uitgelogd.');
    expect(retryAfter(page.t, 1)).to.equal('Probeer het over 1 seconde opnieuw.');
    expect(retryAfter(page.t, 5)).to.equal('Probeer het over 5 seconden opnieuw.');
    expect(retryAfter(page.t, 3076)).to.equal('Probeer het over 52 minuten opnieuw.');
  });

  it('forgets a remembered device', async () => {
    const user = await createUser({ totp: true });
    await rememberDevice(user.email, SAFARI_IPHONE);
    const { page } = await mount(user);
    const devices = section(page, 'devices');
    expect(devices.textContent).to.contain('Safari on iOS');
    const forgotten = oneEvent(page, 'account-security-change') as Promise<AccountSecurityChangeEvent>;
    button(devices, 'Forget Safari on iOS').click();
    expect((await forgotten).kind).to.equal('device-forgotten');
    await waitUntil(() => devices.textContent!.includes('No remembered devices.'));
  });

  it('shows when a remembered device last skipped the code', async () => {
    const user = await createUser({ totp: true });
    await signInRemembered(user, SAFARI_IPHONE);
    const { page } = await mount(user);
    const devices = section(page, 'devices');
    expect(devices.querySelectorAll('li').length).to.equal(1);
    expect(devices.textContent).to.contain('Safari on iOS');
    expect(devices.textContent).to.contain('Last used just now');
    expect(devices.textContent).not.to.contain('Never used');
  });

  it('renames a passkey with Enter', async () => {
    const user = await createUser({ totp: true, passkeys: 1 });
    const { page } = await mount(user);
    button(page, 'Rename Passkey 1').click();
    await waitUntil(() => document.activeElement?.getAttribute('name') === 'name', 'the name field did not take focus');
    const renamed = oneEvent(page, 'account-security-change') as Promise<AccountSecurityChangeEvent>;
    await sendKeys({ type: 'Work laptop' });
    await sendKeys({ press: 'Enter' });
    expect((await renamed).kind).to.equal('passkey-renamed');
    await waitUntil(() => document.activeElement === button(page, 'Rename Work laptop'), 'focus did not return to Rename');
    expect(section(page, 'passkeys').querySelector('.lf-item-name')!.textContent).to.equal('Work laptop');
  });

  it('leaves a passkey\'s name as it was on Escape', async () => {
    const user = await createUser({ totp: true, passkeys: 1 });
    const { page } = await mount(user);
    button(page, 'Rename Passkey 1').click();
    await waitUntil(() => document.activeElement?.getAttribute('name') === 'name');
    await sendKeys({ type: 'Something else' });
    await sendKeys({ press: 'Escape' });
    await waitUntil(() => document.activeElement === button(page, 'Rename Passkey 1'), 'focus did not return to Rename');
    expect(section(page, 'passkeys').querySelector('input')).to.equal(null);
    expect(section(page, 'passkeys').querySelector('.lf-item-name')!.textContent).to.equal('Passkey 1');
  });

  it('can be used with the keyboard alone: the confirmation dialog opens, cancels with Escape and confirms', async () => {
    const user = await createUser({ totp: true, passkeys: 1 });
    const { page } = await mount(user);
    const dialog = page.querySelector('dialog')!;
    const remove = button(page, 'Remove Passkey 1');
    remove.focus();
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => dialog.open);
    // The safe choice has focus.
    expect(document.activeElement!.textContent!.trim()).to.equal('Cancel');
    await sendKeys({ press: 'Escape' });
    await waitUntil(() => !dialog.open);
    expect(document.activeElement).to.equal(remove);
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => dialog.open);
    const removed = oneEvent(page, 'account-security-change') as Promise<AccountSecurityChangeEvent>;
    await sendKeys({ press: 'Shift+Tab' });
    expect(document.activeElement!.textContent!.trim()).to.equal('Remove');
    await sendKeys({ press: 'Enter' });
    expect((await removed).kind).to.equal('passkey-removed');
    await waitUntil(() => section(page, 'passkeys').textContent!.includes('You have no passkeys yet.'));
  });

  it('does not ask again when the page renders while the dialog closes', async () => {
    const user = await createUser({ totp: true, passkeys: 1 });
    const { page } = await mount(user);
    const dialog = page.querySelector('dialog')!;
    button(page, 'Remove Passkey 1').click();
    await waitUntil(() => dialog.open);
    const closed = oneEvent(dialog, 'close');
    // The dialog closes at once; its close event comes a task later, after this render.
    button(dialog, 'Cancel').click();
    page.requestUpdate();
    await page.updateComplete;
    await closed;
    await page.updateComplete;
    expect(dialog.open).to.equal(false);
  });

  it('speaks Dutch from its lang attribute, dates included', async () => {
    const user = await createUser({ totp: true });
    const { page } = await mount(user, { lang: 'nl' });
    expect(page.querySelector('h2')!.textContent).to.equal(`Beveiliging van ${user.email}`);
    expect(section(page, 'mfa').querySelector('h3')!.textContent).to.equal('Tweestapsverificatie');
    button(page, 'Wachtwoord wijzigen');
    const month = new Intl.DateTimeFormat('nl', { dateStyle: 'medium' }).format(Date.now());
    expect(section(page, 'mfa').textContent).to.contain(`Toegevoegd op ${month}`);
    expect(section(page, 'sessions').textContent).to.contain('Chrome op macOS');
    expect(section(page, 'sessions').textContent).to.contain('Laatst actief: zojuist');
    expect(section(page, 'sessions').textContent).not.to.contain('binnen een minuut');
  });

  it('renders a name and a user agent full of markup as text', async () => {
    const user = await createUser({ name: '<img src=x onerror="window.__xss = 1">' });
    await createSession(user.email, { userAgent: '<img src=y onerror="window.__xss = 2"> Firefox/127.0 (Windows NT 10.0)' });
    const { page } = await mount(user);
    await waitUntil(() => section(page, 'sessions').querySelectorAll('li').length === 2);
    expect(page.querySelector('img')).to.equal(null);
    expect(page.textContent).to.contain('<img src=x onerror="window.__xss = 1">');
    expect(section(page, 'sessions').textContent).to.contain('Firefox on Windows');
    expect((window as { __xss?: number }).__xss).to.equal(undefined);
  });

  it('says so when there is no session', async () => {
    const api = await apiUrl();
    const page = await fixture<AccountSecurity>(html`<account-security api=${api} token="not-a-session-token-at-all-0000"></account-security>`);
    await waitUntil(() => page.querySelector('[role=alert]'), 'no error was shown');
    expect(page.querySelector('[role=alert]')!.textContent).to.equal('Your session has ended. Please sign in again.');
  });
});

/** base64url without padding, as the approver API reads binary. */
function base64url(bytes: ArrayBuffer): string {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * What the approver app on a phone does with the set-up link (`url`, the QR
 * code's): opens the enrolment, makes a WebCrypto key (a phone without a
 * platform authenticator) and enrols it with no push subscription (the person
 * did not allow notifications). Returns the 6-digit code the phone then shows.
 */
async function enrolPhone(url: string, name: string, api: ApiName = 'default'): Promise<string> {
  const base = await apiUrl(api);
  const post = (path: string, body: object) => fetch(new URL(path, base), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const enrolment = new URLSearchParams(new URL(url).hash.slice(1)).get('enrol')!;
  expect((await post('/api/approver/enrolment', { token: enrolment })).status).to.equal(200);
  const key = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  const publicKey = await crypto.subtle.exportKey('jwk', key.publicKey);
  const proof = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key.privateKey, new TextEncoder().encode(`login-flow enrolment v1\n${enrolment}`));
  const enrolled = await post('/api/approver/devices', { token: enrolment, name, key: { type: 'device', publicKey, proof: base64url(proof) } });
  expect(enrolled.status).to.equal(201);
  return ((await enrolled.json()) as EnrolmentResult).confirmation;
}

/**
 * A phone that approves sign-ins, enrolled through the real APIs as the
 * approver app does it, in `token`'s session: the `enroll-approver` flow's set-up
 * link, the phone's enrolment (`enrolPhone`), then the flow's `check` with
 * the code the phone shows (and the first method's recovery code, confirmed).
 */
async function enrolApprover(token: string, name: string, api: ApiName = 'default'): Promise<void> {
  const base = await apiUrl(api);
  const post = async (path: string, body: object, flowId?: string) => {
    const response = await fetch(new URL(path, base), { method: 'POST', headers: { 'Content-Type': 'application/json', ...(flowId ? { 'X-Flow-Id': flowId } : {}) }, body: JSON.stringify(body) });
    return (await response.json()) as { id: string; step: string; data: { url: string } };
  };
  const flow = await post('/api/flows/enroll-approver', { token });
  expect(flow.step).to.equal('approver-setup');
  const code = await enrolPhone(flow.data.url, name, api);
  const checked = await post('/api/flows/-/check', { code }, flow.id);
  if (checked.step === 'recovery-code') await post('/api/flows/-/confirm', { saved: true }, flow.id);
  else expect(checked.step).to.equal('done');
}

describe('<account-security>: phones that approve sign-ins', () => {
  const MINUTE = 60_000;
  const pixel: Approver = { id: 'approver-pixel', name: 'Pixel 8', createdAt: Date.now() - 3 * 24 * 60 * MINUTE, lastUsedAt: Date.now() - 5 * MINUTE, key: 'passkey', push: true };
  const iphone: Approver = { id: 'approver-iphone', name: 'Old iPhone', createdAt: Date.now() - 60 * MINUTE, lastUsedAt: null, key: 'device', push: false };

  /** The page as the overview with phones shows it: the page's own data path, as `reload()` fills it. */
  async function withApprovers(page: AccountSecurity, approvers: Approver[], approver = true): Promise<HTMLElement> {
    const overview = page.overview!;
    page.overview = { ...overview, features: { ...overview.features, approver }, mfa: { ...overview.mfa, approvers } };
    await page.updateComplete;
    return section(page, 'mfa');
  }

  function phones(page: AccountSecurity): HTMLElement {
    return section(page, 'mfa').querySelector<HTMLElement>('.lf-approvers')!;
  }

  it('lists each phone: how it approves, whether notifications reach it, its dates', async () => {
    const user = await createUser({ totp: true, recoveryCode: true });
    const { page } = await mount(user);
    await withApprovers(page, [pixel, iphone]);
    const list = phones(page);
    expect(list.querySelector('h4')!.textContent).to.equal('Phones that approve sign-ins');
    expect(list.getAttribute('aria-labelledby')).to.equal(list.querySelector('h4')!.id);
    const [first, second] = [...list.querySelectorAll('li')];
    expect(first!.querySelector('.lf-item-name')!.textContent).to.equal('Pixel 8');
    expect(first!.querySelector('.lf-note')!.textContent).to.equal(
      `Face ID / fingerprint · Added ${new Intl.DateTimeFormat('en', { dateStyle: 'medium' }).format(pixel.createdAt)} · Last used 5 minutes ago`,
    );
    expect(second!.querySelector('.lf-item-name')!.textContent).to.equal('Old iPhone');
    expect(second!.querySelector('.lf-note')!.textContent).to.contain('Key on this phone');
    expect(second!.querySelector('.lf-note')!.textContent).to.contain('Never used');
    expect(second!.querySelector('.lf-note')!.textContent).to.contain('No notifications');
    button(first!, 'Remove Pixel 8');
    button(second!, 'Remove Old iPhone');
    button(list, 'Add a phone');
  });

  it('says so in Dutch', async () => {
    const user = await createUser({ totp: true });
    const { page } = await mount(user, { lang: 'nl' });
    await withApprovers(page, [pixel, iphone]);
    const list = phones(page);
    expect(list.querySelector('h4')!.textContent).to.equal('Telefoons die je inlogpogingen goedkeuren');
    expect(list.textContent).to.contain('Face ID / vingerafdruk');
    expect(list.textContent).to.contain('Sleutel op deze telefoon');
    expect(list.textContent).to.contain('Geen meldingen');
    expect(list.textContent).to.contain('Laatst gebruikt: 5 minuten geleden');
    button(list, 'Pixel 8 verwijderen');
    button(list, 'Telefoon toevoegen');
  });

  it('invites to add one when there is none, and shows nothing where the server has no approver', async () => {
    const user = await createUser({ totp: true });
    const { page } = await mount(user);
    await withApprovers(page, []);
    expect(phones(page).textContent).to.contain('No phone approves your sign-ins yet.');
    await withApprovers(page, [pixel], false);
    expect(phones(page)).to.equal(null);
  });

  it('counts a phone as a method: removing the app then is not removing the last one', async () => {
    const user = await createUser({ totp: true, recoveryCode: true });
    const { page } = await mount(user);
    await withApprovers(page, [pixel]);
    button(page, 'Remove Authenticator app').click();
    await waitUntil(() => page.querySelector('dialog')!.open);
    expect(page.querySelector('dialog p')!.textContent).to.equal('Remove Authenticator app? You cannot undo this.');
    button(page.querySelector('dialog')!, 'Cancel').click();
  });

  it('asks before removing a phone, in the same words and colours as the other methods', async () => {
    const user = await createUser({ totp: true });
    const { page } = await mount(user);
    await withApprovers(page, [pixel]);
    const remove = button(phones(page), 'Remove Pixel 8');
    expect(remove.className).to.equal('lf-button-secondary lf-danger');
    remove.click();
    await waitUntil(() => page.querySelector('dialog')!.open);
    expect(page.querySelector('dialog p')!.textContent).to.equal('Remove Pixel 8? You cannot undo this.');
    button(page.querySelector('dialog')!, 'Cancel').click();
  });

  it('adds a phone with the enroll-approver flow, in a panel of the section', async () => {
    const user = await createUser({ totp: true, recoveryCode: true });
    const { page } = await mount(user);
    await withApprovers(page, []);
    button(phones(page), 'Add a phone').click();
    await waitUntil(() => page.querySelector('login-flow'), 'the set-up did not open');
    const flow = page.querySelector<LoginFlow>('login-flow')!;
    expect(flow.flow).to.equal('enroll-approver');
    expect(section(page, 'mfa').querySelector('h4')!.textContent).to.equal('Add a phone');
    button(section(page, 'mfa'), 'Cancel').click();
    await page.updateComplete;
    expect(page.querySelector('login-flow')).to.equal(null);
  });

  it('adds a phone: the phone enrols from the set-up link, the panel ends, the list shows it', async () => {
    const user = await createUser({ totp: true, recoveryCode: true });
    const { page } = await mount(user);
    button(phones(page), 'Add a phone').click();
    await waitUntil(() => page.querySelector('login-flow'), 'the set-up did not open');
    const flow = page.querySelector<LoginFlow>('login-flow')!;
    while ((flow as unknown as { state?: FlowState }).state?.step !== 'approver-setup') await oneEvent(flow, 'lf-step-change');
    // The set-up link, as its step shows it (QR code and link; the set-up chunk draws it).
    const { url } = (flow as unknown as { state: FlowStateOf<'approver-setup'> }).state.data;
    const confirmation = await enrolPhone(url, 'Pixel 8');
    const added = oneEvent(page, 'account-security-change') as Promise<AccountSecurityChangeEvent>;
    // Once the wait says the phone enrolled, the step asks for the code the phone shows.
    await waitUntil(() => flow.querySelector('lf-approver-setup-step input[name=code]'), 'the code was not asked for');
    const input = flow.querySelector<HTMLInputElement>('lf-approver-setup-step input[name=code]')!;
    fill(input, confirmation);
    button(flow, 'Confirm').click();
    expect((await added).kind).to.equal('factor-added');
    await page.updateComplete;
    expect(page.querySelector('login-flow')).to.equal(null);
    expect(status(page, 'mfa')).to.equal('Phone added. It can approve your sign-ins now.');
    await waitUntil(() => phones(page)?.querySelector('.lf-item-name')?.textContent === 'Pixel 8', 'the phone was not listed');
  });

  it('lists a phone enrolled through the real approver API', async () => {
    const user = await createUser({ totp: true, recoveryCode: true });
    const { page, token } = await mount(user);
    await enrolApprover(token, 'Pixel 8');
    await page.reload();
    const list = phones(page);
    expect(list.querySelectorAll('li')).to.have.length(1);
    expect(list.querySelector('.lf-item-name')!.textContent).to.equal('Pixel 8');
    expect(list.querySelector('li .lf-note')!.textContent).to.contain('Key on this phone');
    expect(list.querySelector('li .lf-note')!.textContent).to.contain('Never used');
    expect(list.querySelector('li .lf-note')!.textContent).to.contain('No notifications');
  });

  it('removes a phone after a confirmation', async () => {
    const user = await createUser({ totp: true, recoveryCode: true });
    const { page, token } = await mount(user);
    await enrolApprover(token, 'Pixel 8');
    await page.reload();
    button(phones(page), 'Remove Pixel 8').click();
    await waitUntil(() => page.querySelector('dialog')!.open);
    expect(page.querySelector('dialog p')!.textContent).to.equal('Remove Pixel 8? You cannot undo this.');
    const removed = oneEvent(page, 'account-security-change') as Promise<AccountSecurityChangeEvent>;
    await confirmDialog(page);
    expect((await removed).kind).to.equal('factor-removed');
    await waitUntil(() => phones(page).querySelectorAll('li').length === 0, 'the phone is still listed');
    expect(status(page, 'mfa')).to.equal('Pixel 8 was removed.');
    expect(phones(page).textContent).to.contain('No phone approves your sign-ins yet.');
    expect(section(page, 'mfa').textContent).to.contain('Authenticator app');
  });

  it('asks a stale session to confirm it is the person before removing a phone', async () => {
    const user = await createUser({ totp: true, recoveryCode: true });
    const fresh = await createSession(user.email, { userAgent: CHROME_MAC });
    await enrolApprover(fresh.token, 'Pixel 8');
    const { page } = await mount(user, { stale: true });
    button(phones(page), 'Remove Pixel 8').click();
    await confirmDialog(page);
    await waitUntil(() => page.querySelector('login-flow'), 'no re-authentication was asked');
    expect(page.querySelector<LoginFlow>('login-flow')!.flow).to.equal('reauth');
  });

  it('explains that the last method stays while two-step verification is required', async () => {
    // The phone is the person's one second factor; the page's session passed it (as a sign-in with the phone would).
    const user = await createUser({ api: 'mfa-required' });
    await enrolApprover((await createSession(user.email, { api: 'mfa-required' })).token, 'Pixel 8', 'mfa-required');
    const { page } = await mount(user, { api: 'mfa-required' });
    expect(section(page, 'mfa').textContent).to.contain('It is required for your account.');
    button(phones(page), 'Remove Pixel 8').click();
    const failed = oneEvent(page, 'account-security-error') as Promise<AccountSecurityErrorEvent>;
    await confirmDialog(page);
    expect((await failed).code).to.equal('last_factor');
    await page.updateComplete;
    expect(alert(page, 'mfa')).to.equal('Two-step verification is required for your account, so you cannot remove your last method. Add another method first.');
    expect(phones(page).querySelectorAll('li')).to.have.length(1);
  });

  it('fits a 320 px phone without sideways scrolling', async () => {
    const user = await createUser({ totp: true, sms: true, recoveryCode: true });
    const { page } = await mount(user, { lang: 'nl' });
    page.style.width = '320px';
    page.style.boxSizing = 'border-box';
    await withApprovers(page, [pixel, { ...iphone, name: 'Telefoon-van-de-afdeling-salarisadministratie-Amsterdam' }]);
    const box = page.getBoundingClientRect();
    expect(box.width).to.equal(320);
    expect(page.scrollWidth).to.be.at.most(page.clientWidth);
    for (const part of phones(page).querySelectorAll('li, button, p, h4')) {
      expect(part.getBoundingClientRect().right, part.textContent!.trim()).to.be.at.most(box.right + 0.5);
    }
  });
});

describe('<account-security> for a single sign-on session', () => {
  it('says the company manages the password and 2FA, and shows only sessions and devices', async () => {
    const user = await createUser({ companies: ['Acme'] });
    const api = await apiUrl();
    const { issuer } = await createSsoCompany({ provider: 'Acme ID' });
    const { token } = await createSession(user.email, { account: user.accounts![0]!.id, provider: issuer, userAgent: CHROME_MAC });
    const page = await fixture<AccountSecurity>(html`<account-security api=${api} token=${token}></account-security>`);
    await waitUntil(() => page.querySelector('h2'), 'the page did not load');
    expect(page.textContent).to.contain('You are signed in with Acme ID. Your company manages your password and two-step verification there.');
    expect(section(page, 'password')).to.equal(null);
    expect(section(page, 'mfa')).to.equal(null);
    expect(section(page, 'passkeys')).to.equal(null);
    expect(section(page, 'sessions')).to.exist;
    expect(section(page, 'devices')).to.exist;
  });

  it('says it in Dutch', async () => {
    const user = await createUser();
    const api = await apiUrl();
    const { issuer } = await createSsoCompany({ provider: 'Acme ID' });
    const { token } = await createSession(user.email, { provider: issuer });
    const page = await fixture<AccountSecurity>(html`<account-security api=${api} token=${token} lang="nl"></account-security>`);
    await waitUntil(() => page.querySelector('h2'), 'the page did not load');
    expect(page.textContent).to.contain('Je bent ingelogd via Acme ID.');
  });
});
