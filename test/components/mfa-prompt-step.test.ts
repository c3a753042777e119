import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../../components/steps/mfa-prompt/mfa-prompt-step.js';
import type { MfaPromptStep } from '../../components/steps/mfa-prompt/mfa-prompt-step.js';
import type { StepIntentEvent } from '../../components/lib/events.js';
import { translator } from '../../components/lib/i18n.js';

function button(step: MfaPromptStep, text: string): HTMLButtonElement {
  return [...step.querySelectorAll('button')].find((b) => b.textContent!.trim() === text)!;
}

describe('<lf-mfa-prompt-step>', () => {
  it('invites the person to add two-step verification, with Enable first', async () => {
    const step = await fixture<MfaPromptStep>(html`<lf-mfa-prompt-step .data=${{ requiredFrom: null }}></lf-mfa-prompt-step>`);
    expect(step.shadowRoot).to.equal(null);
    expect(step.querySelector('h2')!.textContent).to.equal('Add an extra layer of security');
    expect(step.querySelector('.lf-intro')!.textContent).to.equal(
      "With two-step verification you sign in with your password and a second step: a code or your phone's Face ID or fingerprint. A stolen password alone is then not enough.",
    );
    const [enable, later] = [...step.querySelectorAll('button')];
    expect(enable!.textContent!.trim()).to.equal('Enable');
    expect(enable!.className).to.equal('lf-button');
    expect(later!.textContent!.trim()).to.equal('Remind me later');
    expect(later!.className).to.equal('lf-button-secondary');
  });

  it('says from which date two-step verification is required, in words', async () => {
    const step = await fixture<MfaPromptStep>(html`<lf-mfa-prompt-step .data=${{ requiredFrom: '2026-07-01' }}></lf-mfa-prompt-step>`);
    expect(step.textContent).to.contain('From July 1, 2026, two-step verification is required.');
  });

  it('keeps the server\'s calendar day (read in UTC) west of Greenwich too', async () => {
    const step = await fixture<MfaPromptStep>(html`<lf-mfa-prompt-step .data=${{ requiredFrom: '2027-01-01' }}></lf-mfa-prompt-step>`);
    expect(step.textContent).to.contain('January 1, 2027');
  });

  it('does not mention a date when none is set', async () => {
    const step = await fixture<MfaPromptStep>(html`<lf-mfa-prompt-step .data=${{ requiredFrom: null }}></lf-mfa-prompt-step>`);
    expect(step.textContent).not.to.contain('is required');
  });

  it('sends enable', async () => {
    const step = await fixture<MfaPromptStep>(html`<lf-mfa-prompt-step .data=${{ requiredFrom: null }}></lf-mfa-prompt-step>`);
    const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
    button(step, 'Enable').click();
    const intent = await fired;
    expect(intent.action).to.equal('enable');
    expect(intent.body).to.deep.equal({});
  });

  it('sends remind-later', async () => {
    const step = await fixture<MfaPromptStep>(html`<lf-mfa-prompt-step .data=${{ requiredFrom: '2026-07-01' }}></lf-mfa-prompt-step>`);
    const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
    button(step, 'Remind me later').click();
    const intent = await fired;
    expect(intent.action).to.equal('remind-later');
  });

  it('ignores both buttons while busy and says it is working', async () => {
    const step = await fixture<MfaPromptStep>(html`<lf-mfa-prompt-step .data=${{ requiredFrom: null }} busy></lf-mfa-prompt-step>`);
    let intents = 0;
    step.addEventListener('lf-intent', () => (intents += 1));
    const [enable, later] = [...step.querySelectorAll('button')];
    enable!.click();
    later!.click();
    expect(intents).to.equal(0);
    expect(enable!.textContent!.trim()).to.equal('Please wait…');
    expect(enable!.getAttribute('aria-disabled')).to.equal('true');
    expect(later!.getAttribute('aria-disabled')).to.equal('true');
  });

  it('speaks Dutch, dates included, when given the Dutch catalogue', async () => {
    const step = await fixture<MfaPromptStep>(html`<lf-mfa-prompt-step .data=${{ requiredFrom: '2026-07-01' }} .t=${translator('nl')}></lf-mfa-prompt-step>`);
    expect(step.querySelector('h2')!.textContent).to.equal('Extra beveiliging voor je account');
    expect(step.querySelector('.lf-intro')!.textContent).to.equal(
      'Met tweestapsverificatie log je in met je wachtwoord én een tweede stap: een code, of Face ID of je vingerafdruk op je telefoon. Met alleen een gestolen wachtwoord komt niemand dan in je account.',
    );
    expect(step.textContent).to.contain('Vanaf 1 juli 2026 is tweestapsverificatie verplicht.');
    expect(button(step, 'Inschakelen')).to.exist;
    expect(button(step, 'Herinner me later')).to.exist;
  });
});
