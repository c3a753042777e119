import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../../components/index.js';
import type { LoginFlow, LoginFlowErrorEvent, LoginFlowSuccessEvent } from '../../components/index.js';
import { apiUrl, createUser, fill, registerPasskey, totpCode, untilStep, type TestUser } from './helpers.js';
import { ceremonyPending, seedPasskey, untilAsked, virtualAuthenticator } from './passkeys.js';

/*
 * <login-flow> runs every passkey ceremony itself. These tests drive it in
 * Chromium with the virtual authenticator against the real API: the passkeys
 * are registered with the real server from real ceremonies, and every sign-in
 * below is verified by @simplewebauthn/server.
 */

async function mount(lang = ''): Promise<LoginFlow> {
  const flow = await fixture<LoginFlow>(html`<login-flow api=${await apiUrl()} lang=${lang}></login-flow>`);
  await untilStep(flow, 'email');
  return flow;
}

function button(flow: LoginFlow, text: string): HTMLButtonElement {
  const found = [...flow.querySelectorAll('button')].find((b) => b.textContent!.trim() === text);
  if (!found) throw new Error(`no button "${text}" in ${[...flow.querySelectorAll('button')].map((b) => b.textContent!.trim()).join(', ')}`);
  return found;
}

/** A method's button at the method choice: its name, then what it means. */
function methodButton(flow: LoginFlow, name: string): HTMLButtonElement | undefined {
  return [...flow.querySelectorAll<HTMLButtonElement>('.lf-choice')].find((b) => b.querySelector('b')!.textContent === name);
}

function errors(flow: LoginFlow): string[] {
  const codes: string[] = [];
  flow.addEventListener('lf-error', (event) => codes.push(event.code));
  return codes;
}

/** A person whose passkey lives in this browser's virtual authenticator and in the real store. */
async function personWithPasskey(options: { totp?: boolean } = {}): Promise<TestUser> {
  const user = await createUser({ ...options, passkey: true });
  await registerPasskey(user.email, await seedPasskey(user.passkeyOptions!));
  return user;
}

async function toPassword(flow: LoginFlow, email: string): Promise<void> {
  fill(flow.querySelector('input[name=username]')!, email);
  flow.querySelector<HTMLButtonElement>('lf-email-step button[type=submit]')!.click();
  await untilStep(flow, 'password');
}

async function toSecondFactor(flow: LoginFlow, user: TestUser): Promise<void> {
  await toPassword(flow, user.email);
  fill(flow.querySelector('input[name=password]')!, user.password);
  flow.querySelector<HTMLButtonElement>('lf-password-step button[type=submit]')!.click();
  await untilStep(flow, 'second-factor');
}

describe('<login-flow> with passkeys, against the real API', () => {
  const authenticator = virtualAuthenticator();

  describe('at the email step', () => {
    it("signs in with the passkey picked from the email field's autofill, with no typing", async () => {
      const user = await personWithPasskey();
      const success = oneEvent(document, 'lf-success') as Promise<LoginFlowSuccessEvent>;
      await fixture<LoginFlow>(html`<login-flow api=${await apiUrl()}></login-flow>`);
      const { session } = await success;
      expect(session.user.email).to.equal(user.email);
      expect(session.amr).to.deep.equal(['hwk', 'mfa']);
    });

    it('marks the email field for passkey autofill before the browser is asked', async () => {
      await personWithPasskey();
      await authenticator.setPresence(false);
      const flow = await mount();
      await untilAsked();
      expect(flow.querySelector('input[name=username]')!.getAttribute('autocomplete')).to.equal('username webauthn');
      expect(await ceremonyPending()).to.equal(true);
    });

    it('ends the autofill, silently, when the person types an email instead', async () => {
      const user = await personWithPasskey();
      await authenticator.setPresence(false);
      const flow = await mount();
      const failures = errors(flow);
      await untilAsked();
      expect(await ceremonyPending()).to.equal(true);
      await toPassword(flow, user.email);
      await authenticator.setPresence(true);
      expect(failures).to.deep.equal([]);
      expect(flow.querySelector('[role=alert]')).to.equal(null);
    });
  });

  describe('at the password step', () => {
    it('signs in with "Sign in with a passkey", no password needed', async () => {
      const user = await personWithPasskey();
      await authenticator.setPresence(false);
      const flow = await mount();
      await toPassword(flow, user.email);
      await authenticator.setPresence(true);
      const success = oneEvent(flow, 'lf-success') as Promise<LoginFlowSuccessEvent>;
      button(flow, 'Sign in with a passkey').click();
      expect((await success).session.user.email).to.equal(user.email);
    });

    it('says it waits for the passkey while the ceremony runs', async () => {
      const user = await personWithPasskey();
      await authenticator.setPresence(false);
      const flow = await mount();
      await toPassword(flow, user.email);
      button(flow, 'Sign in with a passkey').click();
      const step = flow.querySelector('lf-password-step')!;
      await flow.updateComplete;
      await step.updateComplete;
      const passkey = step.querySelector('.lf-button-secondary')!;
      expect(passkey.textContent!.trim()).to.equal('Waiting for your passkey…');
      expect(passkey.getAttribute('aria-disabled')).to.equal('true');
      expect(step.querySelector('form')!.getAttribute('aria-busy')).to.equal('true');
    });

    it('stays on the step and announces it when the face or fingerprint is not recognised', async () => {
      const user = await personWithPasskey();
      await authenticator.setPresence(false);
      const flow = await mount();
      await toPassword(flow, user.email);
      await authenticator.setPresence(true);
      await authenticator.setUserVerified(false);
      const failed = oneEvent(flow, 'lf-error') as Promise<LoginFlowErrorEvent>;
      button(flow, 'Sign in with a passkey').click();
      const { code, step } = await failed;
      expect([code, step]).to.deep.equal(['passkey_cancelled', 'password']);
      const passwordStep = flow.querySelector('lf-password-step')!;
      await passwordStep.updateComplete;
      expect(passwordStep.querySelector('[role=alert]')!.textContent).to.contain('cancelled or timed out');
      expect(button(flow, 'Sign in with a passkey').getAttribute('aria-disabled')).to.equal('false');
    });

    it("shows the server's refusal by the passkey button when the passkey is another account's", async () => {
      const owner = await personWithPasskey();
      const other = await createUser();
      await authenticator.setPresence(false);
      const flow = await mount();
      await toPassword(flow, other.email);
      await authenticator.setPresence(true);
      const failed = oneEvent(flow, 'lf-error') as Promise<LoginFlowErrorEvent>;
      button(flow, 'Sign in with a passkey').click();
      expect((await failed).code).to.equal('passkey_unknown');
      await flow.querySelector('lf-password-step')!.updateComplete;
      expect(flow.querySelector('.lf-banner')).to.equal(null);
      expect(flow.querySelector('lf-password-step [role=alert]')!.textContent).to.contain('not registered for this account');
      expect(owner.email).not.to.equal(other.email);
    });
  });

  describe('at the second-factor step', () => {
    it('offers the passkey first and verifies with it', async () => {
      const user = await personWithPasskey();
      await authenticator.setPresence(false);
      const flow = await mount();
      await toSecondFactor(flow, user);
      await authenticator.setPresence(true);
      const success = oneEvent(flow, 'lf-success') as Promise<LoginFlowSuccessEvent>;
      button(flow, 'Use your passkey (Face ID or fingerprint)').click();
      expect((await success).session.amr).to.deep.equal(['pwd', 'hwk', 'mfa']);
    });

    it('announces a failed face ID and keeps the authenticator app on offer', async () => {
      const user = await personWithPasskey({ totp: true });
      await authenticator.setPresence(false);
      const flow = await mount();
      await toSecondFactor(flow, user);
      await authenticator.setPresence(true);
      await authenticator.setUserVerified(false);
      const failed = oneEvent(flow, 'lf-error') as Promise<LoginFlowErrorEvent>;
      button(flow, 'Use your passkey (Face ID or fingerprint)').click();
      expect((await failed).code).to.equal('passkey_cancelled');
      const step = flow.querySelector('lf-second-factor-step')!;
      await flow.updateComplete;
      await step.updateComplete;
      expect(step.querySelector('[role=alert]')!.textContent).to.contain('Try again, or choose another way.');
      button(flow, 'Use your authenticator app').click();
      await step.updateComplete;
      fill(step.querySelector('input[name=code]')!, await totpCode(user.secret!));
      const success = oneEvent(flow, 'lf-success') as Promise<LoginFlowSuccessEvent>;
      step.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
      expect((await success).session.amr).to.deep.equal(['pwd', 'otp', 'mfa']);
    });

    it('speaks Dutch throughout', async () => {
      const user = await personWithPasskey({ totp: true });
      await authenticator.setPresence(false);
      const flow = await mount('nl');
      await toSecondFactor(flow, user);
      await authenticator.setPresence(true);
      await authenticator.setUserVerified(false);
      const failed = oneEvent(flow, 'lf-error');
      button(flow, 'Passkey gebruiken (Face ID of vingerafdruk)').click();
      await failed;
      const step = flow.querySelector('lf-second-factor-step')!;
      await flow.updateComplete;
      await step.updateComplete;
      expect(step.querySelector('[role=alert]')!.textContent).to.contain('Het verzoek om je passkey is geannuleerd of verlopen');
      expect(button(flow, 'Authenticator-app gebruiken')).to.exist;
    });
  });

  describe('at 2FA set-up', () => {
    it('registers a passkey chosen at the method choice, skips the backup, then shows the recovery code', async () => {
      const user = await createUser({ prompt: true });
      const flow = await mount();
      await toPassword(flow, user.email);
      fill(flow.querySelector('input[name=password]')!, user.password);
      flow.querySelector<HTMLButtonElement>('lf-password-step button[type=submit]')!.click();
      await untilStep(flow, 'mfa-prompt');
      button(flow, 'Enable').click();
      await untilStep(flow, 'method-choice');
      methodButton(flow, 'Face ID, fingerprint or screen lock')!.click();
      await untilStep(flow, 'passkey-setup');
      fill(flow.querySelector('input[name=passkey-name]')!, 'Work laptop');
      button(flow, 'Create passkey').click();
      await untilStep(flow, 'method-choice');
      expect(flow.querySelector('h2')!.textContent).to.equal('Add a backup method');
      // The passkey is set: it is not offered again as the backup.
      expect(methodButton(flow, 'Face ID, fingerprint or screen lock')).to.equal(undefined);
      button(flow, 'Skip for now').click();
      await untilStep(flow, 'recovery-code');
      const [stored] = await authenticator.credentials();
      expect(stored).to.include({ rpId: 'localhost', isResidentCredential: true });
    });

    it('goes back from passkey set-up to the choice of method', async () => {
      const user = await createUser({ prompt: true });
      const flow = await mount();
      await toPassword(flow, user.email);
      fill(flow.querySelector('input[name=password]')!, user.password);
      flow.querySelector<HTMLButtonElement>('lf-password-step button[type=submit]')!.click();
      await untilStep(flow, 'mfa-prompt');
      button(flow, 'Enable').click();
      await untilStep(flow, 'method-choice');
      methodButton(flow, 'Face ID, fingerprint or screen lock')!.click();
      await untilStep(flow, 'passkey-setup');
      button(flow, 'Back').click();
      await untilStep(flow, 'method-choice');
      methodButton(flow, 'Authenticator app')!.click();
      await untilStep(flow, 'totp-setup');
    });
  });
});
