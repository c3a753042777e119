import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../../components/index.js';
import type { LoginFlow, LoginFlowErrorEvent, LoginFlowSuccessEvent } from '../../components/index.js';
import type { AuthenticationResponseJSON, FlowState, RegistrationResponseJSON, SessionGrant } from '../../server/flows/protocol.js';
import type { PostedAction } from './flow-script-plugin.js';
import { fill, untilStep } from './helpers.js';
import {
  ceremonyPending,
  clientData,
  creationOptions,
  flowState,
  postedActions,
  requestOptions,
  scriptFlow,
  seedPasskey,
  untilAsked,
  virtualAuthenticator,
} from './passkeys.js';

/*
 * <login-flow> runs every passkey ceremony itself: these tests drive it in
 * Chromium with the virtual authenticator, against a scripted flow API (the
 * real one learns passkeys in parallel; see flow-script-plugin.ts), and read
 * back exactly what it posted.
 */

const USER_HANDLE = 'dXNlci1hZGE';

const session: SessionGrant = {
  user: { id: 'user-ada', email: 'ada@example.com', name: 'Ada' },
  jwt: 'a.b.c',
  jwtExpiresAt: Date.now() + 300_000,
  expiresAt: Date.now() + 3_600_000,
  idleExpiresAt: Date.now() + 1_800_000,
  amr: ['hwk', 'user'],
};
const done = flowState('done', { session }, []);

async function mount(script: { start: FlowState; actions: Partial<Record<string, FlowState>> }, lang = ''): Promise<LoginFlow> {
  await scriptFlow(script);
  return fixture<LoginFlow>(html`<login-flow api=${location.origin} lang=${lang}></login-flow>`);
}

function button(flow: LoginFlow, text: string): HTMLButtonElement {
  const found = [...flow.querySelectorAll('button')].find((b) => b.textContent!.trim() === text);
  if (!found) throw new Error(`no button "${text}" in ${[...flow.querySelectorAll('button')].map((b) => b.textContent!.trim()).join(', ')}`);
  return found;
}

/** Resolves once the element's attribute reads `value`: waits on DOM mutations, not on a clock. */
async function untilAttribute(element: Element, name: string, value: string): Promise<void> {
  while (element.getAttribute(name) !== value) {
    await new Promise<void>((resolve) => {
      const observer = new MutationObserver(() => {
        observer.disconnect();
        resolve();
      });
      observer.observe(element, { attributes: true, attributeFilter: [name] });
    });
  }
}

/** Collects the lf-error events the element dispatches. */
function errors(flow: LoginFlow): string[] {
  const codes: string[] = [];
  flow.addEventListener('lf-error', (event) => codes.push(event.code));
  return codes;
}

/** The one action posted, which must be `action`. */
async function posted(action: string): Promise<PostedAction['body']> {
  const actions = await postedActions();
  expect(actions.map((a) => a.action)).to.deep.equal([action]);
  return actions[0]!.body;
}

function expectAuthentication(response: AuthenticationResponseJSON, credentialId: string, challenge: string): void {
  expect(response.type).to.equal('public-key');
  expect(response.id).to.equal(credentialId);
  expect(response.rawId).to.equal(credentialId);
  expect(response.response.authenticatorData).to.match(/^[\w-]+$/);
  expect(response.response.signature).to.match(/^[\w-]+$/);
  expect(response.response.userHandle).to.equal(USER_HANDLE);
  expect(clientData(response)).to.include({ type: 'webauthn.get', challenge, origin: location.origin });
}

describe('<login-flow> with passkeys', () => {
  const authenticator = virtualAuthenticator();
  const seed = () => seedPasskey(creationOptions({ user: { id: USER_HANDLE, name: 'ada@example.com', displayName: 'Ada' } }));

  describe('at the email step', () => {
    it('signs in with the passkey picked from the email field\'s autofill, with no typing', async () => {
      const registered = await seed();
      const options = requestOptions();
      const success = oneEvent(document, 'lf-success') as Promise<LoginFlowSuccessEvent>;
      await mount({ start: flowState('email', { passkey: { options } }, ['email', 'passkey']), actions: { passkey: done } });
      expect((await success).session.user.email).to.equal('ada@example.com');
      const { response } = (await posted('passkey')) as { response: AuthenticationResponseJSON };
      expectAuthentication(response, registered.id, options.challenge);
    });

    it('marks the email field for passkey autofill before the browser is asked', async () => {
      await seed();
      await authenticator.setPresence(false);
      const flow = await mount({ start: flowState('email', { passkey: { options: requestOptions() } }, ['email', 'passkey']), actions: {} });
      await untilStep(flow, 'email');
      await untilAsked();
      expect(flow.querySelector('input[name=username]')!.getAttribute('autocomplete')).to.equal('username webauthn');
      expect(await ceremonyPending()).to.equal(true);
    });

    it('offers no passkey autofill when the server has no passkey options', async () => {
      const flow = await mount({ start: flowState('email', {}, ['email']), actions: {} });
      await untilStep(flow, 'email');
      await untilAsked();
      expect(flow.querySelector('input[name=username]')!.getAttribute('autocomplete')).to.equal('username');
      expect(await ceremonyPending()).to.equal(false);
    });

    it('ends the autofill, silently, when the person types an email instead', async () => {
      await seed();
      await authenticator.setPresence(false);
      const flow = await mount({
        start: flowState('email', { passkey: { options: requestOptions() } }, ['email', 'passkey']),
        actions: { email: flowState('password', { email: 'ada@example.com' }, ['password', 'back']) },
      });
      const failures = errors(flow);
      await untilStep(flow, 'email');
      await untilAsked();
      expect(await ceremonyPending()).to.equal(true);
      fill(flow.querySelector('input[name=username]')!, 'ada@example.com');
      flow.querySelector<HTMLButtonElement>('lf-email-step button[type=submit]')!.click();
      await untilStep(flow, 'password');
      await authenticator.setPresence(true);
      expect(await ceremonyPending()).to.equal(false);
      expect(await posted('email')).to.deep.equal({ email: 'ada@example.com' });
      expect(failures).to.deep.equal([]);
      expect(flow.querySelector('[role=alert]')).to.equal(null);
    });

    it('offers autofill again when the element is moved in the page', async () => {
      await seed();
      await authenticator.setPresence(false);
      const flow = await mount({ start: flowState('email', { passkey: { options: requestOptions() } }, ['email', 'passkey']), actions: {} });
      await untilStep(flow, 'email');
      flow.remove();
      await authenticator.setPresence(true);
      expect(await ceremonyPending()).to.equal(false);
      await authenticator.setPresence(false);
      document.body.append(flow);
      await flow.updateComplete;
      await untilAsked();
      expect(await ceremonyPending()).to.equal(true);
      flow.remove();
    });
  });

  describe('at the password step', () => {
    it('signs in with "Sign in with a passkey" and posts the response', async () => {
      const registered = await seed();
      const options = requestOptions();
      const flow = await mount({ start: flowState('password', { email: 'ada@example.com', passkey: { options } }, ['password', 'back', 'passkey']), actions: { passkey: done } });
      await untilStep(flow, 'password');
      const success = oneEvent(flow, 'lf-success');
      button(flow, 'Sign in with a passkey').click();
      await success;
      const { response } = (await posted('passkey')) as { response: AuthenticationResponseJSON };
      expectAuthentication(response, registered.id, options.challenge);
    });

    it('says it waits for the passkey while the ceremony runs', async () => {
      await seed();
      await authenticator.setPresence(false);
      const flow = await mount({ start: flowState('password', { email: 'ada@example.com', passkey: { options: requestOptions() } }, ['password', 'back', 'passkey']), actions: {} });
      await untilStep(flow, 'password');
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
      await seed();
      await authenticator.setUserVerified(false);
      const flow = await mount({
        start: flowState('password', { email: 'ada@example.com', passkey: { options: requestOptions({ userVerification: 'required' }) } }, ['password', 'back', 'passkey']),
        actions: {},
      });
      await untilStep(flow, 'password');
      const failed = oneEvent(flow, 'lf-error') as Promise<LoginFlowErrorEvent>;
      button(flow, 'Sign in with a passkey').click();
      const { code, step } = await failed;
      expect([code, step]).to.deep.equal(['passkey_cancelled', 'password']);
      const passwordStep = flow.querySelector('lf-password-step')!;
      await passwordStep.updateComplete;
      expect(passwordStep.querySelector('[role=alert]')!.textContent).to.contain('cancelled or timed out');
      expect(button(flow, 'Sign in with a passkey').getAttribute('aria-disabled')).to.equal('false');
      expect(await postedActions()).to.deep.equal([]);
    });

    it('drops a running ceremony, silently, when the step is left', async () => {
      await seed();
      await authenticator.setPresence(false);
      const flow = await mount({ start: flowState('password', { email: 'ada@example.com', passkey: { options: requestOptions() } }, ['password', 'back', 'passkey']), actions: {} });
      const failures = errors(flow);
      await untilStep(flow, 'password');
      button(flow, 'Sign in with a passkey').click();
      await untilAsked();
      expect(await ceremonyPending()).to.equal(true);
      // A fresh flow replaces the step (here the host restarts it): the ceremony goes with it.
      await scriptFlow({ start: flowState('email', {}, ['email']), actions: {} });
      await flow.restart();
      await untilStep(flow, 'email');
      // Not kept waiting for the old step's passkey.
      await untilAttribute(flow.querySelector('lf-email-step form')!, 'aria-busy', 'false');
      await authenticator.setPresence(true);
      expect(await ceremonyPending()).to.equal(false);
      expect(failures).to.deep.equal([]);
      expect(await postedActions()).to.deep.equal([]);
    });
  });

  describe('at the second-factor step', () => {
    const methods = ['passkey', 'totp', 'recovery_code'] as const;

    it('verifies with the passkey and posts the response', async () => {
      const registered = await seed();
      const options = requestOptions({ allowCredentials: [{ id: registered.id, type: 'public-key' }] });
      const flow = await mount({
        start: flowState('second-factor', { methods: [...methods], rememberDays: 30, passkey: { options } }, ['totp', 'recovery-code', 'passkey']),
        actions: { passkey: done },
      });
      await untilStep(flow, 'second-factor');
      const success = oneEvent(flow, 'lf-success');
      button(flow, 'Use your passkey (face ID or fingerprint)').click();
      await success;
      const body = (await posted('passkey')) as { response: AuthenticationResponseJSON };
      expect(Object.keys(body)).to.deep.equal(['response']);
      expectAuthentication(body.response, registered.id, options.challenge);
    });

    it('announces a ceremony that found no passkey, and keeps the other methods on offer', async () => {
      // The server lists a passkey this device does not hold.
      const options = requestOptions({ allowCredentials: [{ id: 'b3RoZXItZGV2aWNl', type: 'public-key' }] });
      const flow = await mount({
        start: flowState('second-factor', { methods: [...methods], rememberDays: null, passkey: { options } }, ['totp', 'recovery-code', 'passkey']),
        actions: { totp: done },
      });
      await untilStep(flow, 'second-factor');
      const failed = oneEvent(flow, 'lf-error') as Promise<LoginFlowErrorEvent>;
      button(flow, 'Use your passkey (face ID or fingerprint)').click();
      expect((await failed).code).to.equal('passkey_cancelled');
      const step = flow.querySelector('lf-second-factor-step')!;
      await flow.updateComplete;
      await step.updateComplete;
      expect(step.querySelector('[role=alert]')!.textContent).to.equal(
        'The passkey request was cancelled or timed out, or there is no passkey on this device. Try again, or choose another way.',
      );
      expect(flow.querySelector('.lf-banner')).to.equal(null);
      button(flow, 'Use your authenticator app').click();
      await step.updateComplete;
      fill(step.querySelector('input[name=code]')!, '123456');
      const success = oneEvent(flow, 'lf-success');
      step.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
      await success;
      expect(await posted('totp')).to.deep.equal({ code: '123456', remember: false });
    });

    it('shows the server\'s passkey error by the passkey button, not in the banner', async () => {
      const flow = await mount({
        start: flowState('second-factor', { methods: [...methods], rememberDays: null, passkey: { options: requestOptions() } }, ['totp', 'recovery-code', 'passkey'], { code: 'passkey_unknown' }),
        actions: {},
      });
      await untilStep(flow, 'second-factor');
      expect(flow.querySelector('.lf-banner')).to.equal(null);
      expect(flow.querySelector('lf-second-factor-step [role=alert]')!.textContent).to.contain('not registered for this account');
    });

    it('reports passkey_error when the server offers a passkey without options', async () => {
      const flow = await mount({ start: flowState('second-factor', { methods: ['passkey', 'totp'], rememberDays: null }, ['totp', 'passkey']), actions: {} });
      await untilStep(flow, 'second-factor');
      const failed = oneEvent(flow, 'lf-error') as Promise<LoginFlowErrorEvent>;
      button(flow, 'Use your passkey (face ID or fingerprint)').click();
      expect((await failed).code).to.equal('passkey_error');
      expect(await postedActions()).to.deep.equal([]);
    });

    it('speaks Dutch throughout', async () => {
      const options = requestOptions({ allowCredentials: [{ id: 'b3RoZXItZGV2aWNl', type: 'public-key' }] });
      const flow = await mount(
        { start: flowState('second-factor', { methods: [...methods], rememberDays: null, passkey: { options } }, ['totp', 'recovery-code', 'passkey']), actions: {} },
        'nl',
      );
      await untilStep(flow, 'second-factor');
      const failed = oneEvent(flow, 'lf-error');
      button(flow, 'Gebruik je passkey (gezichtsherkenning of vingerafdruk)').click();
      await failed;
      const step = flow.querySelector('lf-second-factor-step')!;
      await flow.updateComplete;
      await step.updateComplete;
      expect(step.querySelector('[role=alert]')!.textContent).to.contain('Het verzoek om je passkey is geannuleerd of verlopen');
      expect(button(flow, 'Gebruik je authenticator-app')).to.exist;
    });
  });

  describe('at passkey set-up', () => {
    const totpSetup = flowState(
      'totp-setup',
      { qr: { size: 21, path: 'M0 0h1v1H0z' }, secret: 'JBSWY3DPEHPK3PXP', uri: 'otpauth://totp/x', issuer: 'x', account: 'ada@example.com', required: true, reason: 'required' },
      ['totp', 'use-passkey'],
    );
    const setup = (options = creationOptions(), actions: FlowState['actions'] = ['register', 'use-totp']) =>
      flowState('passkey-setup', { options, suggestedName: 'Chrome on Linux', required: true, reason: 'required' }, actions as never);

    it('goes from the authenticator app to passkey set-up', async () => {
      const flow = await mount({ start: totpSetup, actions: { 'use-passkey': setup() } });
      await untilStep(flow, 'totp-setup');
      button(flow, 'Use a passkey instead (face ID, fingerprint)').click();
      await untilStep(flow, 'passkey-setup');
      expect(await posted('use-passkey')).to.deep.equal({});
    });

    it('creates the passkey and posts the response with its name', async () => {
      const options = creationOptions();
      const flow = await mount({ start: setup(options), actions: { register: flowState('recovery-code', { code: 'ABCD-EFGH' }, ['confirm']) } });
      await untilStep(flow, 'passkey-setup');
      fill(flow.querySelector('input[name=passkey-name]')!, 'Work laptop');
      button(flow, 'Create passkey').click();
      await untilStep(flow, 'recovery-code');
      const { response, name } = (await posted('register')) as { response: RegistrationResponseJSON; name: string };
      expect(name).to.equal('Work laptop');
      expect(response.type).to.equal('public-key');
      expect(response.response.attestationObject).to.match(/^[\w-]+$/);
      expect(clientData(response)).to.include({ type: 'webauthn.create', challenge: options.challenge, origin: location.origin });
      const [stored] = await authenticator.credentials();
      expect(stored).to.include({ credentialId: response.id, rpId: 'localhost', isResidentCredential: true });
    });

    it('tells the person this device already has a passkey, and stays', async () => {
      const first = await seedPasskey();
      const flow = await mount({ start: setup(creationOptions({ excludeCredentials: [{ id: first.id, type: 'public-key' }] })), actions: {} });
      await untilStep(flow, 'passkey-setup');
      const failed = oneEvent(flow, 'lf-error') as Promise<LoginFlowErrorEvent>;
      button(flow, 'Create passkey').click();
      expect((await failed).code).to.equal('passkey_exists');
      const step = flow.querySelector('lf-passkey-setup-step')!;
      await flow.updateComplete;
      await step.updateComplete;
      expect(step.querySelector('[role=alert]')!.textContent).to.equal('This device or security key already has a passkey for your account.');
      expect(button(flow, 'Use an authenticator app instead')).to.exist;
      expect(await postedActions()).to.deep.equal([]);
      expect(await authenticator.credentials()).to.have.length(1);
    });

    it('goes back to the authenticator app', async () => {
      const flow = await mount({ start: setup(), actions: { 'use-totp': totpSetup } });
      await untilStep(flow, 'passkey-setup');
      button(flow, 'Use an authenticator app instead').click();
      await untilStep(flow, 'totp-setup');
      expect(await posted('use-totp')).to.deep.equal({});
    });
  });
});
