import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import '../../components/index.js';
import type { LoginFlow, LoginFlowSuccessEvent } from '../../components/index.js';
import type { FlowResult } from '../../components/lib/api.js';
import type { PasskeyOffer } from '../../components/steps/passkey-offer/passkey-offer.js';
import type { SessionGrant } from '../../server/flows/protocol.js';
import { apiUrl, createSession, createUser, fill, totpCode, untilStep, type TestUser } from './helpers.js';
import { ceremonyPending, virtualAuthenticator } from './passkeys.js';

/*
 * "One tap next time": the done step with `passkeyOffer` offers a passkey.
 * The done step is a fixture (a session made for the test user by the real
 * server, as a sign-in with a password would end); everything the offer does
 * after that is real: the enroll-passkey flow in that session, Chromium's
 * virtual authenticator, the server's registration check.
 */

interface Shown {
  flow: LoginFlow;
  offer: PasskeyOffer;
  session: SessionGrant;
  /** Whether the host had heard of the sign-in before the offer showed anything. */
  toldFirst: () => boolean | undefined;
}

let people = 0;

/** `<login-flow>` at a done step with the offer, for `user` in a fresh session (bearer token: the API is another origin). */
async function signedIn(user: TestUser, { lang = '', userId = user.email, width = '' } = {}): Promise<Shown> {
  const api = await apiUrl();
  const { token } = await createSession(user.email);
  const wrapper = await fixture<HTMLDivElement>(html`<div style=${width ? `width:${width}` : ''}><login-flow api=${api} lang=${lang}></login-flow></div>`);
  const flow = wrapper.querySelector('login-flow')!;
  await untilStep(flow, 'email');
  const now = Date.now();
  const session: SessionGrant = { user: { id: userId, email: user.email, name: '' }, token, jwt: 'fixture', jwtExpiresAt: now + 60_000, expiresAt: now + 3_600_000, idleExpiresAt: now + 1_800_000, amr: ['pwd'] };
  let toldFirst: boolean | undefined;
  flow.addEventListener('lf-success', () => (toldFirst ??= !flow.querySelector('lf-passkey-offer .lf-title')));
  // As the answer to the password would come: the flow's own way of showing a state.
  (flow as unknown as { apply(result: FlowResult): void }).apply({
    flow: { id: 'fixture', kind: 'login', step: 'done', data: { session, passkeyOffer: true }, actions: [], expiresAt: now + 60_000 },
  });
  await customElements.whenDefined('lf-passkey-offer');
  await flow.updateComplete;
  return { flow, offer: flow.querySelector('lf-passkey-offer')!, session, toldFirst: () => toldFirst };
}

/** Resolves once the offer has decided whether to ask: it asked the browser the same questions first, and the browser answers in order. */
async function decided(offer: PasskeyOffer): Promise<void> {
  await offer.updateComplete;
  await PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable();
  await PublicKeyCredential.getClientCapabilities?.();
  await offer.updateComplete;
}

function question(offer: PasskeyOffer): HTMLElement | null {
  return offer.querySelector('[role=group] .lf-title');
}

function button(root: Element, text: string): HTMLButtonElement {
  const found = [...root.querySelectorAll('button')].find((b) => b.textContent!.trim() === text);
  if (!found) throw new Error(`no button "${text}" in ${[...root.querySelectorAll('button')].map((b) => b.textContent!.trim()).join(', ')}`);
  return found;
}

function status(offer: PasskeyOffer): string {
  return offer.querySelector('[role=status]')?.textContent!.trim() ?? '';
}

/** The person's passkeys, as the account API lists them for the session. */
async function passkeysOf(token: string): Promise<unknown[]> {
  const response = await fetch(new URL('/api/passkeys', await apiUrl()), { headers: { Authorization: `Bearer ${token}` } });
  return ((await response.json()) as { passkeys: unknown[] }).passkeys;
}

describe('the passkey offer after a sign-in', () => {
  beforeEach(() => {
    people += 1;
    localStorage.clear();
  });

  describe('on a device with face or fingerprint', () => {
    const authenticator = virtualAuthenticator();

    it('asks, after telling the host of the sign-in, and adds the passkey through the real enroll-passkey flow', async () => {
      const user = await createUser({ totp: true, recoveryCode: true });
      const { flow, offer, session, toldFirst } = await signedIn(user);
      await waitUntil(() => question(offer), 'the offer was not shown');
      expect(toldFirst()).to.equal(true, 'lf-success came before the offer');
      expect(question(offer)!.textContent).to.equal('Sign in with your fingerprint or face next time?');
      expect(flow.querySelector('lf-done-step')!.textContent).to.contain('You are signed in');
      button(offer, 'Yes, set it up').click();
      await waitUntil(() => status(offer) === 'Next time, sign in with your fingerprint or face.', 'the passkey was not added');
      expect(question(offer)).to.equal(null);
      expect((await authenticator.credentials()).length).to.equal(1);
      expect(await passkeysOf(session.token!)).to.have.length(1);
      await waitUntil(() => document.activeElement === flow.querySelector('lf-done-step .lf-title'), 'focus did not return to the heading');
    });

    it('comes with a real sign-in with a password, and the passkey goes to that session', async () => {
      const user = await createUser({ totp: true, recoveryCode: true });
      const flow = await fixture<LoginFlow>(html`<login-flow api=${await apiUrl()}></login-flow>`);
      await untilStep(flow, 'email');
      fill(flow.querySelector('input[name=username]')!, user.email);
      flow.querySelector<HTMLButtonElement>('lf-email-step button[type=submit]')!.click();
      await untilStep(flow, 'password');
      fill(flow.querySelector('input[name=password]')!, user.password);
      flow.querySelector<HTMLButtonElement>('lf-password-step button[type=submit]')!.click();
      await untilStep(flow, 'second-factor');
      fill(flow.querySelector('input[name=code]')!, await totpCode(user.secret!));
      const success = oneEvent(flow, 'lf-success') as Promise<LoginFlowSuccessEvent>;
      flow.querySelector<HTMLButtonElement>('lf-second-factor-step button[type=submit]')!.click();
      const { session } = await success;
      await customElements.whenDefined('lf-passkey-offer');
      const offer = flow.querySelector('lf-passkey-offer')!;
      await waitUntil(() => question(offer), 'the offer was not shown');
      button(offer, 'Yes, set it up').click();
      await waitUntil(() => status(offer) === 'Next time, sign in with your fingerprint or face.', 'the passkey was not added');
      expect(await passkeysOf(session.token!)).to.have.length(1);
    });

    it('tries a silent passkey first where the browser can, and yes takes over from it', async () => {
      const user = await createUser({ totp: true, recoveryCode: true });
      const { offer, session } = await signedIn(user);
      await waitUntil(() => question(offer), 'the offer was not shown');
      // Chromium reports conditional create; with no password manager behind it, the request waits.
      expect((await PublicKeyCredential.getClientCapabilities()).conditionalCreate).to.equal(true);
      await waitUntil(() => ceremonyPending(), 'no silent attempt was made');
      button(offer, 'Yes, set it up').click();
      await waitUntil(() => status(offer) === 'Next time, sign in with your fingerprint or face.', 'the passkey was not added');
      expect(await passkeysOf(session.token!)).to.have.length(1);
    });

    it("shows the new recovery code when the passkey is the person's first second factor", async () => {
      const user = await createUser();
      const { offer, session } = await signedIn(user);
      await waitUntil(() => question(offer), 'the offer was not shown');
      button(offer, 'Yes, set it up').click();
      await waitUntil(() => offer.querySelector('lf-recovery-code-step .lf-recovery-code'), 'no recovery code was shown');
      expect(status(offer)).to.equal('');
      const step = offer.querySelector('lf-recovery-code-step')!;
      await waitUntil(() => document.activeElement === step.querySelector('[data-autofocus]'), 'focus did not move to the code');
      step.querySelector<HTMLInputElement>('input[name=saved]')!.click();
      button(step, 'Continue').click();
      await waitUntil(() => status(offer) === 'Next time, sign in with your fingerprint or face.', 'the passkey was not added');
      expect(offer.querySelector('lf-recovery-code-step')).to.equal(null);
      expect(await passkeysOf(session.token!)).to.have.length(1);
    });

    it('ends calmly when the face or fingerprint is not recognised: the person stays signed in', async () => {
      const user = await createUser({ totp: true, recoveryCode: true });
      const { flow, offer, session } = await signedIn(user);
      await waitUntil(() => question(offer), 'the offer was not shown');
      await authenticator.setUserVerified(false);
      button(offer, 'Yes, set it up').click();
      await waitUntil(() => status(offer).startsWith('No passkey was added.'), 'no calm message');
      expect(status(offer)).to.equal('No passkey was added. You are signed in all the same, and you can add one later in your security settings.');
      expect(offer.querySelector('[role=alert]')).to.equal(null);
      expect(flow.querySelector('lf-done-step')!.textContent).to.contain('You are signed in');
      expect(flow.querySelector('.lf-banner')).to.equal(null);
      expect(await passkeysOf(session.token!)).to.have.length(0);
    });

    it('"Not now" closes the offer and asks again at the next sign-in', async () => {
      const user = await createUser({ totp: true });
      const first = await signedIn(user);
      await waitUntil(() => question(first.offer), 'the offer was not shown');
      button(first.offer, 'Not now').click();
      await first.offer.updateComplete;
      expect(question(first.offer)).to.equal(null);
      expect(localStorage.length).to.equal(0);
      await waitUntil(() => document.activeElement === first.flow.querySelector('lf-done-step .lf-title'), 'focus did not return to the heading');
      const next = await signedIn(user);
      await waitUntil(() => question(next.offer), 'the offer was not shown again');
    });

    it('"Don\'t ask again" is kept on this browser for this person only', async () => {
      const user = await createUser({ totp: true });
      const first = await signedIn(user, { userId: `person-${people}` });
      await waitUntil(() => question(first.offer), 'the offer was not shown');
      button(first.offer, "Don't ask again").click();
      await first.offer.updateComplete;
      expect(question(first.offer)).to.equal(null);
      expect(status(first.offer)).to.equal('We will not ask again on this browser.');
      expect(localStorage.getItem(`lf-passkey-offer:person-${people}`)).to.equal('never');

      const again = await signedIn(user, { userId: `person-${people}` });
      await decided(again.offer);
      expect(again.offer.childElementCount).to.equal(0, 'asked again');

      const other = await signedIn(user, { userId: `someone-else-${people}` });
      await waitUntil(() => question(other.offer), 'another person was not asked');
    });

    it('speaks Dutch', async () => {
      const user = await createUser({ totp: true });
      const { offer } = await signedIn(user, { lang: 'nl' });
      await waitUntil(() => question(offer), 'the offer was not shown');
      expect(question(offer)!.textContent).to.equal('Volgende keer inloggen met je vingerafdruk of gezicht?');
      button(offer, 'Ja, instellen');
      button(offer, 'Nu niet');
      button(offer, 'Niet meer vragen').click();
      await offer.updateComplete;
      expect(status(offer)).to.equal('We vragen het niet meer in deze browser.');
    });

    it('fits a 320 px phone without sideways scrolling', async () => {
      const user = await createUser({ totp: true });
      const { flow, offer } = await signedIn(user, { width: '320px', lang: 'nl' });
      await waitUntil(() => question(offer), 'the offer was not shown');
      const box = flow.getBoundingClientRect();
      expect(box.width).to.be.at.most(320);
      expect(flow.scrollWidth).to.be.at.most(flow.clientWidth);
      for (const part of offer.querySelectorAll('button, h3, p')) {
        expect(part.getBoundingClientRect().right, part.textContent!).to.be.at.most(box.right + 0.5);
      }
    });
  });

  it('is not shown where the device has no face, fingerprint or screen lock for passkeys', async () => {
    const user = await createUser({ totp: true });
    const { offer } = await signedIn(user);
    await decided(offer);
    expect(await PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable()).to.equal(false);
    expect(offer.childElementCount).to.equal(0);
  });
});
