import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../../components/steps/reset-sent/reset-sent-step.js';
import type { ResetSentStep } from '../../components/steps/reset-sent/reset-sent-step.js';
import type { StepIntentEvent } from '../../components/lib/events.js';
import { translator } from '../../components/lib/i18n.js';

const data = { email: 'ada@example.com', minutes: 30 };

function mount(lang: 'en' | 'nl' = 'en'): Promise<ResetSentStep> {
  return fixture<ResetSentStep>(html`<lf-reset-sent-step .data=${data} .t=${translator(lang)}></lf-reset-sent-step>`);
}

describe('<lf-reset-sent-step>', () => {
  it('says a link may be on its way, the same for any address, and for how long it works', async () => {
    const step = await mount();
    const title = step.querySelector('h2')!;
    expect(title.textContent).to.equal('Check your email');
    // <login-flow> moves focus here when the step shows.
    expect(title.hasAttribute('data-autofocus')).to.equal(true);
    expect(title.tabIndex).to.equal(-1);
    expect(step.querySelector('.lf-intro')!.textContent).to.equal(
      'If an account exists for ada@example.com, we sent a link to set a new password. The link works for 30 minutes.',
    );
  });

  it('goes back to the password step', async () => {
    const step = await mount();
    const back = step.querySelector('button')!;
    expect(back.type).to.equal('button');
    expect(back.textContent!.trim()).to.equal('Back');
    const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
    back.click();
    const intent = await fired;
    expect(intent.action).to.equal('back');
    expect(intent.body).to.deep.equal({});
  });

  it('ignores Back while a request runs', async () => {
    const step = await mount();
    let intents = 0;
    step.addEventListener('lf-intent', () => (intents += 1));
    step.busy = true;
    await step.updateComplete;
    step.querySelector('button')!.click();
    expect(intents).to.equal(0);
  });

  it('speaks Dutch when given the Dutch catalogue', async () => {
    const step = await mount('nl');
    expect(step.querySelector('h2')!.textContent).to.equal('Controleer je e-mail');
    expect(step.querySelector('.lf-intro')!.textContent).to.equal(
      'Als er een account is voor ada@example.com, hebben we een link gestuurd om een nieuw wachtwoord in te stellen. De link is 30 minuten geldig.',
    );
    expect(step.querySelector('button')!.textContent!.trim()).to.equal('Terug');
  });
});
