import { expect, fixture, html, oneEvent } from '@open-wc/testing';
// The set-up chunk: registers the element and adds the set-up words to the catalogues.
import '../../components/steps/setup-steps.js';
import type { PasskeySetupStep } from '../../components/steps/passkey-setup/passkey-setup-step.js';
import type { StepIntentEvent } from '../../components/lib/events.js';
import { translator } from '../../components/lib/i18n.js';
import type { StepMap } from '../../server/flows/protocol.js';
import { fill } from './helpers.js';
import { creationOptions } from './passkeys.js';

type Data = StepMap['passkey-setup']['data'];
type Actions = StepMap['passkey-setup']['actions'][];

const data: Data = { options: creationOptions(), suggestedName: 'Chrome on Linux', required: true, reason: 'enable' };

function mount(overrides: Partial<Data> = {}, { actions = ['register'] as Actions, busy = false, waiting = false } = {}): Promise<PasskeySetupStep> {
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
      "A passkey confirms it's you with Face ID, your fingerprint or the screen lock of this device, or with a security key.",
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

  it('offers no way back unless the server accepts back', async () => {
    const step = await mount({ required: true, reason: 'required' });
    expect(button(step, 'Back')).to.equal(undefined);
    expect(button(step, 'Cancel')).to.equal(undefined);
  });

  it('goes back to choose another method when the server accepts back', async () => {
    const step = await mount({ required: false }, { actions: ['register', 'back'] });
    const back = button(step, 'Back')!;
    expect(back.className).to.equal('lf-link');
    expect(back.type).to.equal('button');
    const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
    back.click();
    const intent = await fired;
    expect(intent.action).to.equal('back');
    expect(intent.passkey).to.equal(false);
    expect(intent.body).to.deep.equal({});
  });

  it('offers back by default, as in the login flow', async () => {
    const step = await fixture<PasskeySetupStep>(html`<lf-passkey-setup-step .data=${data}></lf-passkey-setup-step>`);
    expect(button(step, 'Back')).to.exist;
  });

  it('explains that set-up is required for the account', async () => {
    const step = await mount({ reason: 'required' });
    expect(step.textContent).to.contain('Two-step verification is required for this account.');
  });

  it('explains that the recovery code is spent and set-up must be done again', async () => {
    const step = await mount({ reason: 'recovered' });
    expect(step.textContent).to.contain('Set up two-step verification again. You get a new recovery code at the end: the old one no longer works.');
  });

  it('gives no reason when the person chose to set it up', async () => {
    const step = await mount({ reason: 'enable' });
    expect(step.querySelectorAll('.lf-intro').length).to.equal(1);
  });

  it('says it waits for the passkey while the ceremony runs, and ignores clicks', async () => {
    const step = await mount({}, { busy: true, waiting: true, actions: ['register', 'back'] });
    let intents = 0;
    step.addEventListener('lf-intent', () => (intents += 1));
    const submit = step.querySelector<HTMLButtonElement>('button[type=submit]')!;
    submit.click();
    button(step, 'Back')!.click();
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

  it('says no passkey was created when the ceremony was cancelled, and keeps both ways open', async () => {
    const step = await mount({}, { actions: ['register', 'back'] });
    step.error = { code: 'passkey_cancelled', field: 'passkey' };
    await step.updateComplete;
    const alert = step.querySelector('[role=alert]')!;
    // The set-up wording: not sign-in's "or there is no passkey on this device".
    expect(alert.textContent).to.equal('No passkey was created: the request was cancelled or timed out. Try again, or go back and choose another method.');
    expect(step.querySelector('button[type=submit]')!.getAttribute('aria-describedby')).to.equal(alert.id);
    expect(nameInput(step).getAttribute('aria-invalid')).to.equal('false');
    expect(button(step, 'Back')).to.exist;
    expect(button(step, 'Create passkey')).to.exist;
  });

  it('says in Dutch that no passkey was created when the ceremony was cancelled', async () => {
    const step = await fixture<PasskeySetupStep>(html`<lf-passkey-setup-step .data=${data} .actions=${['register', 'back']} .t=${translator('nl')}></lf-passkey-setup-step>`);
    step.error = { code: 'passkey_cancelled', field: 'passkey' };
    await step.updateComplete;
    expect(step.querySelector('[role=alert]')!.textContent).to.equal(
      'Er is geen passkey aangemaakt: het verzoek is geannuleerd of verlopen. Probeer het opnieuw, of ga terug en kies een andere methode.',
    );
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
      html`<lf-passkey-setup-step .data=${{ ...data, reason: 'required' }} .actions=${['register', 'back']} .t=${translator('nl')}></lf-passkey-setup-step>`,
    );
    expect(step.querySelector('h2')!.textContent).to.equal('Stel een passkey in');
    expect(nameInput(step).labels?.[0]?.textContent).to.equal('Naam voor deze passkey');
    expect(step.textContent).to.contain(
      'Met een passkey bevestig je dat jij het bent met Face ID, je vingerafdruk of de schermvergrendeling van dit apparaat, of met een beveiligingssleutel.',
    );
    expect(step.textContent).to.contain('Tweestapsverificatie is verplicht voor dit account.');
    expect(button(step, 'Passkey aanmaken')).to.exist;
    expect(button(step, 'Terug')).to.exist;
    step.waiting = step.busy = true;
    await step.updateComplete;
    expect(step.querySelector('button[type=submit]')!.textContent!.trim()).to.equal('Wachten op je passkey…');
    step.error = { code: 'passkey_exists', field: 'passkey' };
    await step.updateComplete;
    expect(step.querySelector('[role=alert]')!.textContent).to.equal('Op dit apparaat of deze beveiligingssleutel staat al een passkey voor je account.');
  });
});
