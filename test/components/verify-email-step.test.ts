import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../components/steps/verify-email/verify-email-step.js';
import type { VerifyEmailStep } from '../../components/steps/verify-email/verify-email-step.js';
import type { StepIntentEvent } from '../../components/lib/events.js';
import { translator } from '../../components/lib/i18n.js';
import type { StepMap } from '../../server/flows/protocol.js';
import { fill } from './helpers.js';

const data: StepMap['verify-email']['data'] = { email: 'ada@example.com', codeLength: 6 };

function mount(lang: 'en' | 'nl' = 'en'): Promise<VerifyEmailStep> {
  return fixture<VerifyEmailStep>(html`<lf-verify-email-step .data=${data} .t=${translator(lang)}></lf-verify-email-step>`);
}

const code = (step: VerifyEmailStep) => step.querySelector<HTMLInputElement>('input[name=code]')!;
const button = (step: VerifyEmailStep, text: string) => [...step.querySelectorAll('button')].find((b) => b.textContent!.trim() === text)!;
const status = (step: VerifyEmailStep) => step.querySelector('[role=status]')!.textContent!.trim();

describe('<lf-verify-email-step>', () => {
  it('says where the code went and asks for it in a one-time-code field', async () => {
    const step = await mount();
    expect(step.querySelector('h2')!.textContent).to.equal('Check your email');
    expect(step.querySelector('.lf-intro')!.textContent).to.equal('We sent a 6-digit code to ada@example.com.');
    expect(code(step).autocomplete).to.equal('one-time-code');
    expect(code(step).inputMode).to.equal('numeric');
    expect(code(step).labels?.[0]?.textContent).to.equal('Verification code');
    expect(code(step).hasAttribute('data-autofocus')).to.equal(true);
    expect(step.querySelector('button[type=submit]')!.textContent!.trim()).to.equal('Verify');
  });

  it('sends the code without spaces', async () => {
    const step = await mount();
    fill(code(step), '123 456');
    const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
    step.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
    const intent = await fired;
    expect(intent.action).to.equal('code');
    expect(intent.body).to.deep.equal({ code: '123456' });
  });

  it('submits with Enter from the keyboard', async () => {
    const step = await mount();
    code(step).focus();
    await sendKeys({ type: '654321' });
    const intent = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
    await sendKeys({ press: 'Enter' });
    expect((await intent).body).to.deep.equal({ code: '654321' });
  });

  it('asks for the code before sending an empty one', async () => {
    const step = await mount();
    let intents = 0;
    step.addEventListener('lf-intent', () => (intents += 1));
    step.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
    await step.updateComplete;
    expect(intents).to.equal(0);
    expect(step.querySelector('[role=alert]')!.textContent).to.equal('Enter the code.');
  });

  it('asks for a new code, and says one is on its way once the server has sent it', async () => {
    const step = await mount();
    expect(status(step)).to.equal('');
    const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
    button(step, 'Send a new code').click();
    const intent = await fired;
    expect(intent.action).to.equal('resend');
    expect(intent.body).to.deep.equal({});
    // The server's answer: the same step, a fresh state.
    step.data = { ...data };
    await step.updateComplete;
    expect(status(step)).to.equal('A new code is on its way.');
  });

  it('does not claim a new code was sent when the server refused (the banner says why)', async () => {
    const step = await mount();
    button(step, 'Send a new code').click();
    step.failed = true;
    step.data = { ...data };
    await step.updateComplete;
    expect(status(step)).to.equal('');
  });

  for (const [error, message] of [
    ['invalid_code', 'The code is incorrect or has already been used. Wait for a new code and try again.'],
    ['code_expired', 'This code has expired. Ask for a new one.'],
  ] as const) {
    it(`announces ${error} on the code field and clears the spent code`, async () => {
      const step = await mount();
      fill(code(step), '111111');
      step.error = { code: error, field: 'code' };
      await step.updateComplete;
      const alert = step.querySelector('[role=alert]')!;
      expect(alert.textContent).to.equal(message);
      expect(code(step).getAttribute('aria-invalid')).to.equal('true');
      expect(code(step).getAttribute('aria-describedby')).to.equal(alert.id);
      expect(code(step).value).to.equal('');
    });
  }

  it('speaks Dutch when given the Dutch catalogue', async () => {
    const step = await mount('nl');
    expect(step.querySelector('h2')!.textContent).to.equal('Controleer je e-mail');
    expect(step.querySelector('.lf-intro')!.textContent).to.equal('We hebben een 6-cijferige code gestuurd naar ada@example.com.');
    button(step, 'Stuur een nieuwe code').click();
    step.data = { ...data };
    await step.updateComplete;
    expect(status(step)).to.equal('Er is een nieuwe code onderweg.');
    step.error = { code: 'code_expired', field: 'code' };
    await step.updateComplete;
    expect(step.querySelector('[role=alert]')!.textContent).to.equal('Deze code is verlopen. Vraag een nieuwe aan.');
  });
});
