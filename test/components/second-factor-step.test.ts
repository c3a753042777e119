import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../../components/steps/second-factor/second-factor-step.js';
import type { SecondFactorStep } from '../../components/steps/second-factor/second-factor-step.js';
import type { StepIntentEvent } from '../../components/lib/events.js';
import { translator } from '../../components/lib/i18n.js';
import type { StepMap } from '../../server/flows/protocol.js';
import { sendKeys } from '@web/test-runner-commands';
import { fill } from './helpers.js';
import { requestOptions } from './passkeys.js';

type Data = StepMap['second-factor']['data'];
const both: Data = { methods: ['totp', 'recovery_code'], rememberDays: 30 };
const totpOnly: Data = { methods: ['totp'], rememberDays: null };
const recoveryOnly: Data = { methods: ['recovery_code'], rememberDays: null };

function mount(data: Data, busy = false): Promise<SecondFactorStep> {
  return fixture<SecondFactorStep>(html`<lf-second-factor-step .data=${data} ?busy=${busy}></lf-second-factor-step>`);
}

function button(step: SecondFactorStep, text: string): HTMLButtonElement {
  const found = [...step.querySelectorAll('button')].find((b) => b.textContent!.trim() === text);
  if (!found) throw new Error(`no button "${text}" in ${[...step.querySelectorAll('button')].map((b) => b.textContent!.trim()).join(', ')}`);
  return found;
}

async function submit(step: SecondFactorStep): Promise<StepIntentEvent> {
  const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
  step.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
  return fired;
}

function countIntents(step: SecondFactorStep): () => number {
  let intents = 0;
  step.addEventListener('lf-intent', () => (intents += 1));
  return () => intents;
}

describe('<lf-second-factor-step>', () => {
  it('asks for the app code in a labelled one-time-code field that autofill can see', async () => {
    const step = await mount(both);
    expect(step.shadowRoot).to.equal(null);
    const input = step.querySelector<HTMLInputElement>('input[name=code]')!;
    expect(input.autocomplete).to.equal('one-time-code');
    expect(input.inputMode).to.equal('numeric');
    expect(input.labels?.[0]?.textContent).to.equal('Verification code');
    expect(input.hasAttribute('data-autofocus')).to.equal(true);
    expect(step.querySelector('input[name=recovery-code]')).to.equal(null);
    expect(step.querySelector('button[type=submit]')!.textContent!.trim()).to.equal('Verify');
  });

  it('sends a pasted "123 456" as 123456', async () => {
    const step = await mount(totpOnly);
    fill(step.querySelector('input[name=code]')!, ' 123 456 ');
    const intent = await submit(step);
    expect(intent.action).to.equal('totp');
    expect(intent.body).to.deep.equal({ code: '123456', remember: false });
  });

  it('sends a pasted "123-456" as 123456', async () => {
    const step = await mount(totpOnly);
    fill(step.querySelector('input[name=code]')!, '123-456');
    expect((await submit(step)).body).to.deep.equal({ code: '123456', remember: false });
  });

  it('offers to remember the device for the server\'s number of days, with a warning about shared computers', async () => {
    const step = await mount(both);
    const remember = step.querySelector<HTMLInputElement>('input[name=remember]')!;
    expect(remember.type).to.equal('checkbox');
    expect(remember.checked).to.equal(false);
    expect(remember.labels?.[0]?.textContent).to.equal('Remember this device for 30 days');
    const note = step.querySelector(`#${remember.getAttribute('aria-describedby')}`)!;
    expect(note.textContent).to.equal('Not for public or shared computers.');
  });

  it('sends remember: true when the box is ticked', async () => {
    const step = await mount(both);
    step.querySelector<HTMLInputElement>('input[name=remember]')!.click();
    fill(step.querySelector('input[name=code]')!, '123456');
    expect((await submit(step)).body).to.deep.equal({ code: '123456', remember: true });
  });

  it('does not offer to remember the device when the server turned it off', async () => {
    const step = await mount(totpOnly);
    expect(step.querySelector('input[name=remember]')).to.equal(null);
  });

  it('switches to a recovery-code field and sends the code as typed, trimmed', async () => {
    const step = await mount(both);
    button(step, 'Use a recovery code').click();
    await step.updateComplete;
    const input = step.querySelector<HTMLInputElement>('input[name=recovery-code]')!;
    expect(step.querySelector('input[name=code]')).to.equal(null);
    expect(input.labels?.[0]?.textContent).to.equal('Recovery code');
    expect(input.autocomplete).to.equal('off');
    expect(input.getAttribute('autocapitalize')).to.equal('characters');
    expect(input.spellcheck).to.equal(false);
    expect(document.activeElement).to.equal(input);
    fill(input, '  abcd-efgh jkmn-pqrs ');
    const intent = await submit(step);
    expect(intent.action).to.equal('recovery-code');
    expect(intent.body).to.deep.equal({ code: 'abcd-efgh jkmn-pqrs', remember: false });
  });

  it('keeps the remember choice for a recovery code', async () => {
    const step = await mount(both);
    step.querySelector<HTMLInputElement>('input[name=remember]')!.click();
    button(step, 'Use a recovery code').click();
    await step.updateComplete;
    fill(step.querySelector('input[name=recovery-code]')!, 'ABCD-EFGH-JKMN-PQRS');
    expect((await submit(step)).body).to.deep.equal({ code: 'ABCD-EFGH-JKMN-PQRS', remember: true });
  });

  it('switches back to the authenticator app', async () => {
    const step = await mount(both);
    button(step, 'Use a recovery code').click();
    await step.updateComplete;
    button(step, 'Use your authenticator app').click();
    await step.updateComplete;
    const input = step.querySelector<HTMLInputElement>('input[name=code]')!;
    expect(step.querySelector('input[name=recovery-code]')).to.equal(null);
    expect(document.activeElement).to.equal(input);
    expect(step.textContent).to.contain('Enter the 6-digit code from your authenticator app.');
  });

  it('offers no recovery code when the person has none', async () => {
    const step = await mount(totpOnly);
    expect(step.querySelectorAll('button').length).to.equal(1);
  });

  it('asks straight for the recovery code, and says why, when it is the only method left', async () => {
    const step = await mount(recoveryOnly);
    expect(step.querySelector('input[name=code]')).to.equal(null);
    expect(step.querySelector('input[name=recovery-code]')).to.exist;
    expect(step.querySelector('.lf-intro')!.textContent).to.equal(
      'Two-step verification was reset for your account. Enter the recovery code you received from support.',
    );
    expect(step.querySelectorAll('button').length).to.equal(1);
  });

  it('announces an empty code without sending anything', async () => {
    const step = await mount(both);
    const intents = countIntents(step);
    fill(step.querySelector('input[name=code]')!, ' - ');
    step.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
    await step.updateComplete;
    const input = step.querySelector<HTMLInputElement>('input[name=code]')!;
    const error = step.querySelector('[role=alert]')!;
    expect(intents()).to.equal(0);
    expect(error.textContent).to.equal('Enter the code.');
    expect(input.getAttribute('aria-invalid')).to.equal('true');
    expect(input.getAttribute('aria-describedby')).to.equal(error.id);
    expect(document.activeElement).to.equal(input);
  });

  it('announces an empty recovery code without sending anything', async () => {
    const step = await mount(recoveryOnly);
    const intents = countIntents(step);
    step.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
    await step.updateComplete;
    expect(intents()).to.equal(0);
    expect(step.querySelector('[role=alert]')!.textContent).to.equal('Enter the code.');
    expect(step.querySelector('input[name=recovery-code]')!.getAttribute('aria-invalid')).to.equal('true');
  });

  it('clears the field and announces a wrong code', async () => {
    const step = await mount(both);
    const input = step.querySelector<HTMLInputElement>('input[name=code]')!;
    fill(input, '000000');
    step.error = { code: 'invalid_code', field: 'code' };
    await step.updateComplete;
    const error = step.querySelector('[role=alert]')!;
    expect(input.value).to.equal('');
    expect(error.textContent).to.equal('The code is incorrect or has already been used. Wait for a new code and try again.');
    expect(input.getAttribute('aria-invalid')).to.equal('true');
    expect(input.getAttribute('aria-describedby')).to.equal(error.id);
  });

  it('clears the recovery-code field and announces a wrong recovery code', async () => {
    const step = await mount(both);
    button(step, 'Use a recovery code').click();
    await step.updateComplete;
    const input = step.querySelector<HTMLInputElement>('input[name=recovery-code]')!;
    fill(input, 'ABCD-EFGH-JKMN-PQRS');
    step.error = { code: 'invalid_recovery_code', field: 'code' };
    await step.updateComplete;
    expect(input.value).to.equal('');
    expect(input.getAttribute('aria-invalid')).to.equal('true');
    expect(step.querySelector('[role=alert]')!.textContent).to.contain('This recovery code is incorrect');
  });

  it('drops the error when the person switches to the other form', async () => {
    const step = await mount(both);
    step.error = { code: 'invalid_code', field: 'code' };
    await step.updateComplete;
    button(step, 'Use a recovery code').click();
    await step.updateComplete;
    expect(step.querySelector('[role=alert]')).to.equal(null);
    expect(step.querySelector('input[name=recovery-code]')!.getAttribute('aria-invalid')).to.equal('false');
  });

  it('ignores submits while busy and says it is working', async () => {
    const step = await mount(both, true);
    const intents = countIntents(step);
    fill(step.querySelector('input[name=code]')!, '123456');
    const submitButton = step.querySelector<HTMLButtonElement>('button[type=submit]')!;
    submitButton.click();
    expect(intents()).to.equal(0);
    expect(submitButton.getAttribute('aria-disabled')).to.equal('true');
    expect(submitButton.textContent!.trim()).to.equal('Please wait…');
    expect(step.querySelector('form')!.getAttribute('aria-busy')).to.equal('true');
  });

  it('speaks Dutch when given the Dutch catalogue', async () => {
    const step = await fixture<SecondFactorStep>(html`<lf-second-factor-step .data=${both} .t=${translator('nl')}></lf-second-factor-step>`);
    expect(step.querySelector<HTMLInputElement>('input[name=code]')!.labels?.[0]?.textContent).to.equal('Verificatiecode');
    expect(step.querySelector<HTMLInputElement>('input[name=remember]')!.labels?.[0]?.textContent).to.equal('Onthoud dit apparaat 30 dagen');
    expect(button(step, 'Herstelcode gebruiken')).to.exist;
    step.error = { code: 'invalid_code', field: 'code' };
    await step.updateComplete;
    expect(step.querySelector('[role=alert]')!.textContent).to.equal('De code klopt niet of is al gebruikt. Wacht op een nieuwe code en probeer het opnieuw.');
  });

  describe('with a passkey', () => {
    const passkey = { options: requestOptions({ allowCredentials: [{ id: 'Y3JlZGVudGlhbA', type: 'public-key' }] }) };
    const passkeyFirst: Data = { methods: ['passkey', 'totp', 'recovery_code'], rememberDays: 30, passkey };
    const passkeyOnly: Data = { methods: ['passkey'], rememberDays: null, passkey };
    const passkeyLater: Data = { methods: ['totp', 'passkey', 'recovery_code'], rememberDays: null, passkey };
    const passkeyButton = (step: SecondFactorStep) => step.querySelector<HTMLButtonElement>('button.lf-button')!;

    it('offers the passkey as the primary choice when it is the server\'s first method', async () => {
      const step = await mount(passkeyFirst);
      const primary = passkeyButton(step);
      expect(primary.textContent!.trim()).to.equal('Use your passkey (Face ID or fingerprint)');
      expect(primary.hasAttribute('data-autofocus')).to.equal(true);
      expect(step.querySelector('.lf-intro')!.textContent).to.equal(
        "Confirm it's you with your passkey: Face ID, fingerprint, screen lock or security key.",
      );
      expect(step.querySelector('input')).to.equal(null);
      expect(button(step, 'Use your authenticator app')).to.exist;
      expect(button(step, 'Use a recovery code')).to.exist;
    });

    it('asks <login-flow> for the ceremony (passkey, passkey flag, empty body)', async () => {
      const step = await mount(passkeyFirst);
      const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
      passkeyButton(step).click();
      const intent = await fired;
      expect(intent.action).to.equal('passkey');
      expect(intent.passkey).to.equal(true);
      expect(intent.body).to.deep.equal({});
    });

    it('offers only the passkey when it is the only method', async () => {
      const step = await mount(passkeyOnly);
      expect(step.querySelectorAll('button').length).to.equal(1);
      expect(passkeyButton(step).textContent!.trim()).to.equal('Use your passkey (Face ID or fingerprint)');
    });

    it('offers the passkey as an alternative when the server lists it later, and switches to it', async () => {
      const step = await mount(passkeyLater);
      expect(step.querySelector('input[name=code]')).to.exist;
      button(step, 'Use your passkey (Face ID or fingerprint)').click();
      await step.updateComplete;
      expect(step.querySelector('input[name=code]')).to.equal(null);
      expect(document.activeElement).to.equal(passkeyButton(step));
      expect(button(step, 'Use your authenticator app')).to.exist;
      expect(button(step, 'Use a recovery code')).to.exist;
    });

    it('does not offer to remember the device for a passkey (its body is the response alone)', async () => {
      const step = await mount(passkeyFirst);
      expect(step.querySelector('input[name=remember]')).to.equal(null);
      button(step, 'Use your authenticator app').click();
      await step.updateComplete;
      expect(step.querySelector('input[name=remember]')).to.exist;
    });

    it('announces a cancelled ceremony by the passkey button and keeps every other method on offer', async () => {
      const step = await mount(passkeyFirst);
      step.error = { code: 'passkey_cancelled', field: 'passkey' };
      await step.updateComplete;
      const alert = step.querySelector('[role=alert]')!;
      expect(alert.textContent).to.equal(
        'The passkey request was cancelled or timed out, or there is no passkey on this device. Try again, or choose another way.',
      );
      expect(passkeyButton(step).getAttribute('aria-describedby')).to.equal(alert.id);
      button(step, 'Use your authenticator app').click();
      await step.updateComplete;
      expect(step.querySelector('[role=alert]')).to.equal(null);
      fill(step.querySelector('input[name=code]')!, '123456');
      expect((await submit(step)).body).to.deep.equal({ code: '123456', remember: false });
    });

    it('announces a Face ID or fingerprint the server did not accept', async () => {
      const step = await mount(passkeyFirst);
      step.error = { code: 'passkey_user_verification' };
      await step.updateComplete;
      expect(step.querySelector('[role=alert]')!.textContent).to.contain('did not confirm it');
    });

    it('says it waits for the passkey while the ceremony runs, and ignores clicks', async () => {
      const step = await fixture<SecondFactorStep>(html`<lf-second-factor-step .data=${passkeyFirst} busy waiting></lf-second-factor-step>`);
      const intents = countIntents(step);
      passkeyButton(step).click();
      expect(intents()).to.equal(0);
      expect(passkeyButton(step).textContent!.trim()).to.equal('Waiting for your passkey…');
      expect(passkeyButton(step).getAttribute('aria-disabled')).to.equal('true');
      expect(step.querySelector('form')!.getAttribute('aria-busy')).to.equal('true');
    });

    it('speaks Dutch when given the Dutch catalogue', async () => {
      const step = await fixture<SecondFactorStep>(html`<lf-second-factor-step .data=${passkeyFirst} .t=${translator('nl')}></lf-second-factor-step>`);
      expect(passkeyButton(step).textContent!.trim()).to.equal('Passkey gebruiken (Face ID of vingerafdruk)');
      expect(step.querySelector('.lf-intro')!.textContent).to.contain('Bevestig met je passkey dat jij het bent');
      expect(button(step, 'Authenticator-app gebruiken')).to.exist;
      expect(button(step, 'Herstelcode gebruiken')).to.exist;
      step.error = { code: 'passkey_user_verification' };
      await step.updateComplete;
      expect(step.querySelector('[role=alert]')!.textContent).to.equal(
        'Je passkey heeft niet bevestigd dat jij het bent (Face ID, vingerafdruk of pincode). Probeer het opnieuw.',
      );
    });
  });
  describe('with a code by text message', () => {
    const phone = '+31 •• ••• ••78';
    const smsFirst: Data = { methods: ['sms', 'recovery_code'], rememberDays: 30, phone, smsSent: false };
    const smsSent: Data = { ...smsFirst, smsSent: true };
    const smsLater: Data = { methods: ['totp', 'sms', 'recovery_code'], rememberDays: null, phone, smsSent: false };

    it('offers to text a code to the masked number, and sends none before the person asks', async () => {
      const step = await mount(smsFirst);
      const send = button(step, `Text a code to ${phone}`);
      expect(send.type).to.equal('button');
      expect(send.hasAttribute('data-autofocus')).to.equal(true);
      expect(step.querySelector('input[name=code]')).to.equal(null);
      expect(step.querySelector('input[name=remember]')).to.equal(null);
      const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
      send.click();
      const intent = await fired;
      expect(intent.action).to.equal('send-sms');
      expect(intent.body).to.deep.equal({});
    });

    it('asks for the texted code in a one-time-code field and sends it as `sms`, with the remember choice', async () => {
      const step = await mount(smsSent);
      expect(step.querySelector('.lf-intro')!.textContent).to.equal(`We texted a code to ${phone}.`);
      const code = step.querySelector<HTMLInputElement>('input[name=code]')!;
      expect(code.autocomplete).to.equal('one-time-code');
      expect(code.inputMode).to.equal('numeric');
      expect(code.labels?.[0]?.textContent).to.equal('Verification code');
      step.querySelector<HTMLInputElement>('input[name=remember]')!.click();
      fill(code, '123 456');
      const intent = await submit(step);
      expect(intent.action).to.equal('sms');
      expect(intent.body).to.deep.equal({ code: '123456', remember: true });
    });

    it('submits the texted code with Enter from the keyboard', async () => {
      const step = await mount(smsSent);
      step.querySelector<HTMLInputElement>('input[name=code]')!.focus();
      await sendKeys({ type: '654321' });
      const intent = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
      await sendKeys({ press: 'Enter' });
      expect((await intent).body).to.deep.equal({ code: '654321', remember: false });
    });

    it('sends a new code on request', async () => {
      const step = await mount(smsSent);
      const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
      button(step, 'Send a new code').click();
      const intent = await fired;
      expect(intent.action).to.equal('send-sms');
      expect(intent.body).to.deep.equal({});
    });

    it('offers the text message among the other methods, and switches to it', async () => {
      const step = await mount(smsLater);
      expect(step.querySelector('input[name=code]')).to.exist;
      button(step, 'Text a code to my phone').click();
      await step.updateComplete;
      expect(step.querySelector('input[name=code]')).to.equal(null);
      expect(document.activeElement).to.equal(button(step, `Text a code to ${phone}`));
      expect(button(step, 'Use your authenticator app')).to.exist;
      expect(button(step, 'Use a recovery code')).to.exist;
    });

    it('announces an expired texted code on the code field', async () => {
      const step = await mount(smsSent);
      step.error = { code: 'code_expired', field: 'code' };
      await step.updateComplete;
      const alert = step.querySelector('[role=alert]')!;
      expect(alert.textContent).to.equal('This code has expired. Ask for a new one.');
      expect(step.querySelector('input[name=code]')!.getAttribute('aria-describedby')).to.equal(alert.id);
    });

    it('speaks Dutch when given the Dutch catalogue', async () => {
      const step = await fixture<SecondFactorStep>(html`<lf-second-factor-step .data=${smsLater} .t=${translator('nl')}></lf-second-factor-step>`);
      button(step, 'Code per sms ontvangen').click();
      await step.updateComplete;
      expect(button(step, `Stuur een code per sms naar ${phone}`)).to.exist;
      step.data = { ...smsLater, smsSent: true };
      await step.updateComplete;
      expect(step.querySelector('.lf-intro')!.textContent).to.equal(`We hebben een code per sms gestuurd naar ${phone}.`);
      expect(button(step, 'Stuur een nieuwe code')).to.exist;
    });
  });
});
