import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../../components/steps/company-steps.js';
import type { StepIntentEvent } from '../../components/lib/events.js';
import { translator } from '../../components/lib/i18n.js';
import type { ChooseAccountStep } from '../../components/steps/choose-account/choose-account-step.js';

const accounts = [
  { id: 'm-2', organizationId: 'o-2', name: 'Globex' },
  { id: 'm-1', organizationId: 'o-1', name: 'Acme' },
  { id: 'm-3', organizationId: 'o-3', name: 'Initech' },
];

function mount(lang: 'en' | 'nl' = 'en'): Promise<ChooseAccountStep> {
  return fixture<ChooseAccountStep>(html`<lf-choose-account-step .data=${{ accounts }} .t=${translator(lang)}></lf-choose-account-step>`);
}

describe('<lf-choose-account-step>', () => {
  it('shows one button per company, in the order the server gives (last used first)', async () => {
    const step = await mount();
    expect(step.querySelector('h2')!.textContent).to.equal('Choose a company');
    const buttons = [...step.querySelectorAll('button')];
    expect(buttons.map((b) => b.textContent!.trim())).to.deep.equal(['Globex', 'Acme', 'Initech']);
    expect(buttons.every((b) => b.type === 'button')).to.equal(true);
    // The group is named by the title, so a screen reader says what the buttons are for.
    const group = step.querySelector('[role=group]')!;
    expect(step.querySelector(`#${group.getAttribute('aria-labelledby')}`)).to.equal(step.querySelector('h2'));
  });

  it('marks the first company to take focus when the step shows', async () => {
    const step = await mount();
    const marked = [...step.querySelectorAll('[data-autofocus]')];
    expect(marked).to.deep.equal([step.querySelector('button')]);
  });

  it('chooses a company by its account id', async () => {
    const step = await mount();
    const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
    step.querySelectorAll('button')[1]!.click();
    const intent = await fired;
    expect(intent.action).to.equal('choose');
    expect(intent.body).to.deep.equal({ account: 'm-1' });
  });

  it('ignores choices while a request runs', async () => {
    const step = await mount();
    let intents = 0;
    step.addEventListener('lf-intent', () => (intents += 1));
    step.busy = true;
    await step.updateComplete;
    step.querySelector('button')!.click();
    expect(intents).to.equal(0);
    expect(step.querySelector('button')!.getAttribute('aria-disabled')).to.equal('true');
  });

  it('speaks Dutch when given the Dutch catalogue', async () => {
    const step = await mount('nl');
    expect(step.querySelector('h2')!.textContent).to.equal('Kies een bedrijf');
    expect(step.querySelector('.lf-intro')!.textContent).to.contain('meerdere bedrijven');
  });
});
