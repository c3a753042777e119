import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../../components/steps/password/password-step.js';
import type { PasswordStep } from '../../components/steps/password/password-step.js';
import type { StepIntentEvent } from '../../components/lib/events.js';
import { fill } from './helpers.js';

const data = { email: 'ada@example.com' };

describe('<lf-password-step>', () => {
  it('pairs a current-password input with the username so password managers can save and fill both', async () => {
    const step = await fixture<PasswordStep>(html`<lf-password-step .data=${data}></lf-password-step>`);
    const form = step.querySelector('form')!;
    const password = form.querySelector<HTMLInputElement>('input[name=password]')!;
    const username = form.querySelector<HTMLInputElement>('input[name=username]')!;
    expect(password.type).to.equal('password');
    expect(password.autocomplete).to.equal('current-password');
    expect(password.labels?.[0]?.textContent).to.equal('Password');
    expect(username.autocomplete).to.equal('username');
    expect(username.value).to.equal('ada@example.com');
    expect(step.textContent).to.contain('ada@example.com');
  });

  it('sends the password intent', async () => {
    const step = await fixture<PasswordStep>(html`<lf-password-step .data=${data}></lf-password-step>`);
    fill(step.querySelector('input[name=password]')!, 'Correct-Horse-42-Battery');
    setTimeout(() => step.querySelector<HTMLButtonElement>('button[type=submit]')!.click());
    const intent = (await oneEvent(step, 'lf-intent')) as StepIntentEvent;
    expect(intent.action).to.equal('password');
    expect(intent.body).to.deep.equal({ password: 'Correct-Horse-42-Battery' });
  });

  it('goes back to change the email address', async () => {
    const step = await fixture<PasswordStep>(html`<lf-password-step .data=${data}></lf-password-step>`);
    const change = [...step.querySelectorAll('button')].find((b) => b.textContent === 'Change')!;
    // WCAG 2.5.3 (label in name): the accessible name contains the visible text.
    expect(change.getAttribute('aria-label')).to.equal('Change email address');
    setTimeout(() => change.click());
    const intent = (await oneEvent(step, 'lf-intent')) as StepIntentEvent;
    expect(intent.action).to.equal('back');
  });

  it('shows and hides the password with a pressed-state toggle', async () => {
    const step = await fixture<PasswordStep>(html`<lf-password-step .data=${data}></lf-password-step>`);
    const toggle = step.querySelector<HTMLButtonElement>('.lf-reveal')!;
    const input = step.querySelector<HTMLInputElement>('input[name=password]')!;
    toggle.click();
    await step.updateComplete;
    expect(input.type).to.equal('text');
    expect(toggle.getAttribute('aria-pressed')).to.equal('true');
    expect(toggle.textContent!.trim()).to.equal('Hide password');
    toggle.click();
    await step.updateComplete;
    expect(input.type).to.equal('password');
  });

  it('clears the field and announces a wrong password', async () => {
    const step = await fixture<PasswordStep>(html`<lf-password-step .data=${data}></lf-password-step>`);
    const input = step.querySelector<HTMLInputElement>('input[name=password]')!;
    fill(input, 'not-it');
    step.error = { code: 'invalid_credentials', field: 'password' };
    await step.updateComplete;
    expect(input.value).to.equal('');
    expect(step.querySelector('[role=alert]')!.textContent).to.equal('The email address or password is incorrect.');
    expect(input.getAttribute('aria-invalid')).to.equal('true');
  });

  it('asks for a password before sending an empty one', async () => {
    const step = await fixture<PasswordStep>(html`<lf-password-step .data=${data}></lf-password-step>`);
    let intents = 0;
    step.addEventListener('lf-intent', () => (intents += 1));
    step.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
    await step.updateComplete;
    expect(intents).to.equal(0);
    expect(step.querySelector('[role=alert]')!.textContent).to.equal('Enter your password.');
  });
});
