import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../../components/steps/email/email-step.js';
import type { EmailStep } from '../../components/steps/email/email-step.js';
import type { StepIntentEvent } from '../../components/lib/events.js';
import { translator } from '../../components/lib/i18n.js';
import { fill } from './helpers.js';

describe('<lf-email-step>', () => {
  it('renders a labelled email input in the light DOM that autofill can see', async () => {
    const step = await fixture<EmailStep>(html`<lf-email-step></lf-email-step>`);
    expect(step.shadowRoot).to.equal(null);
    const input = step.querySelector('input')!;
    expect(input.type).to.equal('email');
    expect(input.autocomplete).to.equal('username');
    expect(input.labels?.[0]?.textContent).to.equal('Email address');
    expect(step.querySelector('form')).to.exist;
    expect(step.querySelector('button[type=submit]')!.textContent!.trim()).to.equal('Continue');
  });

  it('sends one email intent with what was typed', async () => {
    const step = await fixture<EmailStep>(html`<lf-email-step></lf-email-step>`);
    fill(step.querySelector('input')!, '  ada@example.com ');
    const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
    step.querySelector('button')!.click();
    const intent = await fired;
    expect(intent.action).to.equal('email');
    expect(intent.body).to.deep.equal({ email: 'ada@example.com' });
  });

  it('explains an empty field without calling the server', async () => {
    const step = await fixture<EmailStep>(html`<lf-email-step></lf-email-step>`);
    let intents = 0;
    step.addEventListener('lf-intent', () => (intents += 1));
    step.querySelector('button')!.click();
    await step.updateComplete;
    const input = step.querySelector('input')!;
    const error = step.querySelector('[role=alert]')!;
    expect(intents).to.equal(0);
    expect(error.textContent).to.equal('Enter your email address.');
    expect(input.getAttribute('aria-invalid')).to.equal('true');
    expect(input.getAttribute('aria-describedby')).to.equal(error.id);
    expect(document.activeElement).to.equal(input);
  });

  it('shows a server error next to the field', async () => {
    const step = await fixture<EmailStep>(html`<lf-email-step .error=${{ code: 'invalid_email', field: 'email' }}></lf-email-step>`);
    expect(step.querySelector('[role=alert]')!.textContent).to.contain('valid email address');
  });

  it('ignores submits while busy and says it is working', async () => {
    const step = await fixture<EmailStep>(html`<lf-email-step busy></lf-email-step>`);
    let intents = 0;
    step.addEventListener('lf-intent', () => (intents += 1));
    fill(step.querySelector('input')!, 'ada@example.com');
    const button = step.querySelector('button')!;
    button.click();
    expect(intents).to.equal(0);
    expect(button.getAttribute('aria-disabled')).to.equal('true');
    expect(button.textContent!.trim()).to.equal('Please wait…');
    expect(step.querySelector('form')!.getAttribute('aria-busy')).to.equal('true');
  });

  it('speaks Dutch when given the Dutch catalogue', async () => {
    const step = await fixture<EmailStep>(html`<lf-email-step .t=${translator('nl')}></lf-email-step>`);
    expect(step.querySelector('label')!.textContent).to.equal('E-mailadres');
    expect(step.querySelector('button')!.textContent!.trim()).to.equal('Doorgaan');
  });

  it('gives two instances distinct ids so labels never point at the wrong input', async () => {
    const wrapper = await fixture<HTMLDivElement>(html`<div><lf-email-step></lf-email-step><lf-email-step></lf-email-step></div>`);
    const [first, second] = [...wrapper.querySelectorAll('input')];
    expect(first!.id).not.to.equal(second!.id);
    expect(first!.labels?.length).to.equal(1);
  });

  it('offers passkeys in the field\'s autofill when the server has passkey options', async () => {
    const options = { challenge: 'Y2hhbGxlbmdl', rpId: 'localhost' };
    const step = await fixture<EmailStep>(html`<lf-email-step .data=${{ passkey: { options } }}></lf-email-step>`);
    expect(step.querySelector('input')!.getAttribute('autocomplete')).to.equal('username webauthn');
  });
});
