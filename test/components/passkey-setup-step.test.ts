import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../../components/steps/passkey-setup/passkey-setup-step.js';
import type { PasskeySetupStep } from '../../components/steps/passkey-setup/passkey-setup-step.js';
import type { StepIntentEvent } from '../../components/lib/events.js';
import { translator } from '../../components/lib/i18n.js';
import type { StepMap } from '../../server/flows/protocol.js';
import { fill } from './helpers.js';
import { creationOptions } from './passkeys.js';

type Data = StepMap['passkey-setup']['data'];
type Actions = StepMap['passkey-setup']['actions'][];

const data: Data = { options: creationOptions(), suggestedName: 'Chrome on Linux', required: true, reason: 'enable' };

function mount(overrides: Partial<Data> = {}, { actions = ['register', 'use-totp'] as Actions, busy = false, waiting = false } = {}): Promise<PasskeySetupStep> {
  return fixture<PasskeySetupStep>(
    html`<lf-passkey-setup-step .data=${{ ...data, ...overrides }} .actions=${actions} ?busy=${busy} ?waiting=${waiting}></lf-passkey-setup-step>`,
  );
}

function button(step: PasskeySetupStep, text: string): HTMLButtonElement | undefined {
  return [...step.querySelectorAll('button')].find((b) => b.textContent!.trim() === text);
}

function nameInput(step: PasskeySetupStep): HTMLInputElement {
  return step.querySelector<HTMLInputElement>('input[name=passkey-name]')!;
}

async function create(step: PasskeySetupStep): Promise<StepIntentEvent> {
  const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
  button(step, 'Create passkey')!.click();
  return fired;
}

describe('<lf-passkey-setup-step>', () => {
  it('says what a passkey is, in the light DOM, titled for focus', async () => {
    const step = await mount();
    expect(step.shadowRoot).to.equal(null);
    const title = step.querySelector('h2')!;
    expect(title.textContent).to.equal('Set up a passkey');
    expect(title.hasAttribute('data-autofocus')).to.equal(true);
    expect(step.querySelector('form')!.getAttribute('aria-labelledby')).to.equal(title.id);
    expect(step.textContent).to.contain(
      "A passkey confirms it's you with your face, fingerprint or screen lock on this device, or with a security key.",
    );
  });

  it('asks for a name in a labelled field, prefilled with the suggestion and at most 64 characters', async () => {
    const step = await mount();
    const input = nameInput(step);
    expect(input.labels?.[0]?.textContent).to.equal('Name for this passkey');
    expect(input.value).to.equal('Chrome on Linux');
    expect(input.maxLength).to.equal(64);
    expect(input.autocomplete).to.equal('off');
  });

  it('asks <login-flow> for the registration ceremony with the name (register, passkey flag)', async () => {
    const step = await mount();
    const intent = await create(step);
    expect(intent.action).to.equal('register');
    expect(intent.passkey).to.equal(true);
    expect(intent.body).to.deep.equal({ name: 'Chrome on Linux' });
  });

  it('sends the name as typed, trimmed', async () => {
    const step = await mount();
    fill(nameInput(step), '  Work laptop ');
    expect((await create(step)).body).to.deep.equal({ name: 'Work laptop' });
  });

  it('falls back to the suggested name when the field is left empty', async () => {
    const step = await mount();
    fill(nameInput(step), '   ');
    expect((await create(step)).body).to.deep.equal({ name: 'Chrome on Linux' });
  });

  it('submits with Enter in the name field, like any form', async () => {
    const step = await mount();
    const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
    step.querySelector('form')!.requestSubmit();
    expect((await fired).action).to.equal('register');
  });

  it('offers the authenticator app instead', async () => {
    const step = await mount();
    const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
    button(step, 'Use an authenticator app instead')!.click();
    const intent = await fired;
    expect(intent.action).to.equal('use-totp');
    expect(intent.passkey).to.equal(false);
    expect(intent.body).to.deep.equal({});
  });

  it('offers no way out unless the server accepts cancel', async () => {
    const step = await mount({ required: true, reason: 'required' });
    expect(button(step, 'Cancel')).to.equal(undefined);
  });

  it('can be cancelled when the server accepts it', async () => {
    const step = await mount({ required: false }, { actions: ['register', 'use-totp', 'cancel'] });
    const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
    button(step, 'Cancel')!.click();
    expect((await fired).action).to.equal('cancel');
  });

  it('explains that set-up is required for the account', async () => {
    const step = await mount({ reason: 'required' });
    expect(step.textContent).to.contain('Two-step verification is required for this account.');
  });

  it('explains that the recovery code is spent and set-up must be done again', async () => {
    const step = await mount({ reason: 'recovered' });
    expect(step.textContent).to.contain('You logged in with your recovery code, which now no longer works. Set up two-step verification again.');
  });

  it('gives no reason when the person chose to set it up', async () => {
    const step = await mount({ reason: 'enable' });
    expect(step.querySelectorAll('.lf-intro').length).to.equal(1);
  });

  it('says it waits for the passkey while the ceremony runs, and ignores clicks', async () => {
    const step = await mount({}, { busy: true, waiting: true, actions: ['register', 'use-totp', 'cancel'] });
    let intents = 0;
    step.addEventListener('lf-intent', () => (intents += 1));
    const submit = step.querySelector<HTMLButtonElement>('button[type=submit]')!;
    submit.click();
    button(step, 'Use an authenticator app instead')!.click();
    button(step, 'Cancel')!.click();
    expect(intents).to.equal(0);
    expect(submit.textContent!.trim()).to.equal('Waiting for your passkey…');
    expect(submit.getAttribute('aria-disabled')).to.equal('true');
    expect(step.querySelector('form')!.getAttribute('aria-busy')).to.equal('true');
  });

  it('says it is working while the answer is sent', async () => {
    const step = await mount({}, { busy: true });
    expect(step.querySelector('button[type=submit]')!.textContent!.trim()).to.equal('Please wait…');
  });

  it('announces a passkey this device already holds, by the button', async () => {
    const step = await mount();
    step.error = { code: 'passkey_exists', field: 'passkey' };
    await step.updateComplete;
    const alert = step.querySelector('[role=alert]')!;
    expect(alert.textContent).to.equal('This device or security key already has a passkey for your account.');
    expect(step.querySelector('button[type=submit]')!.getAttribute('aria-describedby')).to.equal(alert.id);
    expect(nameInput(step).getAttribute('aria-invalid')).to.equal('false');
  });

  it('announces a cancelled ceremony and keeps the other way open', async () => {
    const step = await mount();
    step.error = { code: 'passkey_cancelled', field: 'passkey' };
    await step.updateComplete;
    expect(step.querySelector('[role=alert]')!.textContent).to.contain('cancelled or timed out');
    expect(button(step, 'Use an authenticator app instead')).to.exist;
    expect(button(step, 'Create passkey')).to.exist;
  });

  it('marks the name field when the server rejects the name', async () => {
    const step = await mount();
    step.error = { code: 'invalid_request', field: 'name' };
    await step.updateComplete;
    const input = nameInput(step);
    const alert = step.querySelector('[role=alert]')!;
    expect(input.getAttribute('aria-invalid')).to.equal('true');
    expect(input.getAttribute('aria-describedby')).to.equal(alert.id);
    expect(step.querySelector('button[type=submit]')!.hasAttribute('aria-describedby')).to.equal(false);
  });

  it('speaks Dutch when given the Dutch catalogue', async () => {
    const step = await fixture<PasskeySetupStep>(
      html`<lf-passkey-setup-step .data=${{ ...data, reason: 'required' }} .actions=${['register', 'use-totp', 'cancel']} .t=${translator('nl')}></lf-passkey-setup-step>`,
    );
    expect(step.querySelector('h2')!.textContent).to.equal('Stel een passkey in');
    expect(nameInput(step).labels?.[0]?.textContent).to.equal('Naam voor deze passkey');
    expect(step.textContent).to.contain('Met een passkey bevestig je dat jij het bent met je gezicht, vingerafdruk of schermvergrendeling op dit apparaat');
    expect(step.textContent).to.contain('Tweestapsverificatie is verplicht voor dit account.');
    expect(button(step, 'Passkey aanmaken')).to.exist;
    expect(button(step, 'Gebruik liever een authenticator-app')).to.exist;
    expect(button(step, 'Annuleren')).to.exist;
    step.waiting = step.busy = true;
    await step.updateComplete;
    expect(step.querySelector('button[type=submit]')!.textContent!.trim()).to.equal('Wachten op je passkey…');
    step.error = { code: 'passkey_exists', field: 'passkey' };
    await step.updateComplete;
    expect(step.querySelector('[role=alert]')!.textContent).to.equal('Op dit apparaat of deze beveiligingssleutel staat al een passkey voor je account.');
  });
});
