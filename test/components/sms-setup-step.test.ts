import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
// The set-up chunk: registers the element and adds the set-up words to the catalogues.
import '../../components/steps/setup-steps.js';
import type { SmsSetupStep } from '../../components/steps/sms-setup/sms-setup-step.js';
import type { StepIntentEvent } from '../../components/lib/events.js';
import { translator } from '../../components/lib/i18n.js';
import type { StepMap } from '../../server/flows/protocol.js';
import { fill } from './helpers.js';

type Data = StepMap['sms-setup']['data'];
type Actions = StepMap['sms-setup']['actions'][];
const askNumber: Data = { defaultCountry: 'NL', codeLength: 6 };
const askCode: Data = { ...askNumber, sentTo: '+31 •• ••• ••78' };

/** The login flow's actions: `back` to choose another method. */
const WITH_BACK: Actions = ['phone', 'code', 'back', 'change-number'];
/** The account page's own panel: no other method to choose here. */
const WITHOUT_BACK: Actions = ['phone', 'code', 'change-number'];

function mount(data: Data, lang: 'en' | 'nl' = 'en', actions: Actions = WITH_BACK, busy = false): Promise<SmsSetupStep> {
  return fixture<SmsSetupStep>(html`<lf-sms-setup-step .data=${data} .actions=${actions} .t=${translator(lang)} ?busy=${busy}></lf-sms-setup-step>`);
}

function maybeButton(step: SmsSetupStep, text: string): HTMLButtonElement | undefined {
  return [...step.querySelectorAll('button')].find((b) => b.textContent!.trim() === text);
}

function button(step: SmsSetupStep, text: string): HTMLButtonElement {
  const found = [...step.querySelectorAll('button')].find((b) => b.textContent!.trim() === text);
  if (!found) throw new Error(`no button "${text}" in ${[...step.querySelectorAll('button')].map((b) => b.textContent!.trim()).join(', ')}`);
  return found;
}

async function intentOf(step: SmsSetupStep, act: () => void): Promise<StepIntentEvent> {
  const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
  act();
  return fired;
}

describe('<lf-sms-setup-step>', () => {
  describe('asking for a number', () => {
    it('explains the option and asks for a mobile number in a labelled tel field', async () => {
      const step = await mount(askNumber);
      expect(step.querySelector('h2')!.textContent).to.equal('Add your mobile number');
      expect(step.querySelector('.lf-intro')!.textContent).to.equal('We text a verification code to this number when you sign in with it.');
      const phone = step.querySelector<HTMLInputElement>('input[name=phone]')!;
      expect(phone.type).to.equal('tel');
      expect(phone.autocomplete).to.equal('tel');
      expect(phone.labels?.[0]?.textContent).to.equal('Mobile number');
      expect(phone.hasAttribute('data-autofocus')).to.equal(true);
      expect(step.querySelector('input[name=code]')).to.equal(null);
      expect(step.querySelector('button[type=submit]')!.textContent!.trim()).to.equal('Text me a code');
    });

    it('sends the number, without its spaces', async () => {
      const step = await mount(askNumber);
      fill(step.querySelector('input[name=phone]')!, ' 06 1234 5678 ');
      const intent = await intentOf(step, () => button(step, 'Text me a code').click());
      expect(intent.action).to.equal('phone');
      expect(intent.body).to.deep.equal({ phone: '0612345678' });
    });

    it('submits with Enter from the keyboard', async () => {
      const step = await mount(askNumber);
      step.querySelector<HTMLInputElement>('input[name=phone]')!.focus();
      await sendKeys({ type: '+31612345678' });
      const intent = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
      await sendKeys({ press: 'Enter' });
      expect((await intent).body).to.deep.equal({ phone: '+31612345678' });
    });

    it('goes back to choose another method when the server accepts back', async () => {
      const step = await mount(askNumber);
      const back = button(step, 'Back');
      expect(back.className).to.equal('lf-link');
      expect(back.type).to.equal('button');
      const intent = await intentOf(step, () => back.click());
      expect(intent.action).to.equal('back');
      expect(intent.body).to.deep.equal({});
      expect(intent.passkey).to.equal(false);
    });

    it('offers no way back unless the server accepts back (the account page\'s own panel)', async () => {
      const step = await mount(askNumber, 'en', WITHOUT_BACK);
      expect(maybeButton(step, 'Back')).to.equal(undefined);
      expect(maybeButton(step, 'Skip')).to.equal(undefined);
      expect(maybeButton(step, 'Skip for now')).to.equal(undefined);
    });

    it('asks for a number before sending none', async () => {
      const step = await mount(askNumber);
      let intents = 0;
      step.addEventListener('lf-intent', () => (intents += 1));
      button(step, 'Text me a code').click();
      await step.updateComplete;
      expect(intents).to.equal(0);
      expect(step.querySelector('[role=alert]')!.textContent).to.equal('Enter a valid mobile number, like +31 6 12345678.');
    });

    it('announces a number the server refused on the phone field, and keeps it to correct', async () => {
      const step = await mount(askNumber);
      const phone = step.querySelector<HTMLInputElement>('input[name=phone]')!;
      fill(phone, '12');
      step.error = { code: 'invalid_phone', field: 'phone' };
      await step.updateComplete;
      const alert = step.querySelector('[role=alert]')!;
      expect(alert.textContent).to.equal('Enter a valid mobile number, like +31 6 12345678.');
      expect(phone.getAttribute('aria-invalid')).to.equal('true');
      expect(phone.getAttribute('aria-describedby')).to.equal(alert.id);
      expect(phone.value).to.equal('12');
    });
  });

  describe('once a code was texted', () => {
    it('says where it went and asks for it in a one-time-code field', async () => {
      const step = await mount(askCode);
      expect(step.querySelector('.lf-intro')!.textContent).to.equal('We texted a code to +31 •• ••• ••78.');
      const code = step.querySelector<HTMLInputElement>('input[name=code]')!;
      expect(code.autocomplete).to.equal('one-time-code');
      expect(code.inputMode).to.equal('numeric');
      expect(code.labels?.[0]?.textContent).to.equal('Verification code');
      expect(step.querySelector('input[name=phone]')).to.equal(null);
    });

    it('confirms the number with the code', async () => {
      const step = await mount(askCode);
      fill(step.querySelector('input[name=code]')!, '123-456');
      const intent = await intentOf(step, () => button(step, 'Verify').click());
      expect(intent.action).to.equal('code');
      expect(intent.body).to.deep.equal({ code: '123456' });
    });

    it('offers another number, or another method', async () => {
      const step = await mount(askCode);
      expect((await intentOf(step, () => button(step, 'Use another number').click())).action).to.equal('change-number');
      expect((await intentOf(step, () => button(step, 'Back').click())).action).to.equal('back');
    });

    it('offers another number but no way back unless the server accepts back', async () => {
      const step = await mount(askCode, 'en', WITHOUT_BACK);
      expect(maybeButton(step, 'Back')).to.equal(undefined);
      expect((await intentOf(step, () => button(step, 'Use another number').click())).action).to.equal('change-number');
    });

    it('asks for the code before sending an empty one', async () => {
      const step = await mount(askCode);
      button(step, 'Verify').click();
      await step.updateComplete;
      expect(step.querySelector('[role=alert]')!.textContent).to.equal('Enter the code.');
    });

    it('announces an expired code on the code field and clears it', async () => {
      const step = await mount(askCode);
      const code = step.querySelector<HTMLInputElement>('input[name=code]')!;
      fill(code, '111111');
      step.error = { code: 'code_expired', field: 'code' };
      await step.updateComplete;
      expect(step.querySelector('[role=alert]')!.textContent).to.equal('This code has expired. Ask for a new one.');
      expect(code.getAttribute('aria-invalid')).to.equal('true');
      expect(code.value).to.equal('');
    });
  });

  it('forgets its own error when the server moves to the other phase', async () => {
    const step = await mount(askNumber);
    button(step, 'Text me a code').click();
    await step.updateComplete;
    step.data = askCode;
    await step.updateComplete;
    expect(step.querySelector('[role=alert]')).to.equal(null);
  });

  it('ignores submits, another number and back while busy, and says it is working', async () => {
    for (const data of [askNumber, askCode]) {
      const step = await mount(data, 'en', WITH_BACK, true);
      let intents = 0;
      step.addEventListener('lf-intent', () => (intents += 1));
      fill(step.querySelector('input[data-autofocus]')!, '0612345678');
      const submit = step.querySelector<HTMLButtonElement>('button[type=submit]')!;
      submit.click();
      button(step, 'Back').click();
      if (data.sentTo) button(step, 'Use another number').click();
      expect(intents).to.equal(0);
      expect(submit.getAttribute('aria-disabled')).to.equal('true');
      expect(submit.textContent!.trim()).to.equal('Please wait…');
      expect(step.querySelector('form')!.getAttribute('aria-busy')).to.equal('true');
    }
  });

  it('speaks Dutch when given the Dutch catalogue', async () => {
    const step = await mount(askNumber, 'nl');
    expect(step.querySelector('h2')!.textContent).to.equal('Voeg je mobiele nummer toe');
    expect(step.querySelector('.lf-intro')!.textContent).to.equal('Bij het inloggen sturen we een verificatiecode per sms naar dit nummer.');
    expect(step.querySelector<HTMLInputElement>('input[name=phone]')!.labels?.[0]?.textContent).to.equal('Mobiel nummer');
    button(step, 'Stuur me een code per sms');
    button(step, 'Terug');
    button(step, 'Stuur me een code per sms').click();
    await step.updateComplete;
    expect(step.querySelector('[role=alert]')!.textContent).to.equal('Vul een geldig mobiel nummer in, zoals 06 12345678.');
    step.data = askCode;
    await step.updateComplete;
    expect(step.querySelector('.lf-intro')!.textContent).to.equal('We hebben een code per sms gestuurd naar +31 •• ••• ••78.');
    expect(step.querySelector<HTMLInputElement>('input[name=code]')!.labels?.[0]?.textContent).to.equal('Verificatiecode');
    button(step, 'Verifiëren');
    button(step, 'Ander nummer gebruiken');
    button(step, 'Terug');
  });
});
