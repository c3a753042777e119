import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../components/steps/sms-setup/sms-setup-step.js';
import type { SmsSetupStep } from '../../components/steps/sms-setup/sms-setup-step.js';
import type { StepIntentEvent } from '../../components/lib/events.js';
import { translator } from '../../components/lib/i18n.js';
import type { StepMap } from '../../server/flows/protocol.js';
import { fill } from './helpers.js';

type Data = StepMap['sms-setup']['data'];
const askNumber: Data = { defaultCountry: 'NL', codeLength: 6 };
const askCode: Data = { ...askNumber, sentTo: '+31 •• ••• ••78' };

function mount(data: Data, lang: 'en' | 'nl' = 'en'): Promise<SmsSetupStep> {
  return fixture<SmsSetupStep>(html`<lf-sms-setup-step .data=${data} .t=${translator(lang)}></lf-sms-setup-step>`);
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
      expect(step.querySelector('h2')!.textContent).to.equal('Add a backup phone number');
      expect(step.querySelector('.lf-intro')!.textContent).to.equal('Add a mobile number as a backup way to log in. Optional.');
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

    it('goes on without a number', async () => {
      const step = await mount(askNumber);
      const intent = await intentOf(step, () => button(step, 'Skip').click());
      expect(intent.action).to.equal('skip');
      expect(intent.body).to.deep.equal({});
    });

    it('asks for a number before sending none', async () => {
      const step = await mount(askNumber);
      let intents = 0;
      step.addEventListener('lf-intent', () => (intents += 1));
      button(step, 'Text me a code').click();
      await step.updateComplete;
      expect(intents).to.equal(0);
      expect(step.querySelector('[role=alert]')!.textContent).to.equal('Enter a valid mobile number.');
    });

    it('announces a number the server refused on the phone field, and keeps it to correct', async () => {
      const step = await mount(askNumber);
      const phone = step.querySelector<HTMLInputElement>('input[name=phone]')!;
      fill(phone, '12');
      step.error = { code: 'invalid_phone', field: 'phone' };
      await step.updateComplete;
      const alert = step.querySelector('[role=alert]')!;
      expect(alert.textContent).to.equal('Enter a valid mobile number.');
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
      expect(code.labels?.[0]?.textContent).to.equal('Authentication code');
      expect(step.querySelector('input[name=phone]')).to.equal(null);
    });

    it('confirms the number with the code', async () => {
      const step = await mount(askCode);
      fill(step.querySelector('input[name=code]')!, '123-456');
      const intent = await intentOf(step, () => button(step, 'Verify').click());
      expect(intent.action).to.equal('code');
      expect(intent.body).to.deep.equal({ code: '123456' });
    });

    it('offers another number, or none', async () => {
      const step = await mount(askCode);
      expect((await intentOf(step, () => button(step, 'Use another number').click())).action).to.equal('change-number');
      expect((await intentOf(step, () => button(step, 'Skip').click())).action).to.equal('skip');
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

  it('speaks Dutch when given the Dutch catalogue', async () => {
    const step = await mount(askNumber, 'nl');
    expect(step.querySelector('h2')!.textContent).to.equal('Voeg een reservenummer toe');
    expect(step.querySelector<HTMLInputElement>('input[name=phone]')!.labels?.[0]?.textContent).to.equal('Mobiel nummer');
    button(step, 'Stuur me een code per sms');
    button(step, 'Overslaan');
    step.data = askCode;
    await step.updateComplete;
    expect(step.querySelector('.lf-intro')!.textContent).to.equal('We hebben een code gestuurd naar +31 •• ••• ••78.');
    button(step, 'Ander nummer gebruiken');
  });
});
