import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../components/steps/set-password/set-password-step.js';
import type { SetPasswordStep } from '../../components/steps/set-password/set-password-step.js';
import type { StepIntentEvent } from '../../components/lib/events.js';
import { translator } from '../../components/lib/i18n.js';
import type { StepMap } from '../../server/flows/protocol.js';
import { fill } from './helpers.js';

type Data = StepMap['set-password']['data'];
/** The seeds' policy, as the server sends it. */
const seeds: Data['policy'] = {
  rules: ['min_length', 'max_length', 'digit', 'special', 'upper', 'lower', 'no_angle_brackets', 'not_common', 'not_guessable', 'not_email', 'not_context'],
  minLength: 15,
  maxLength: 256,
};
const activate: Data = { email: 'ada@example.com', purpose: 'activate', policy: seeds };

function mount(data: Data = activate, lang: 'en' | 'nl' = 'en'): Promise<SetPasswordStep> {
  return fixture<SetPasswordStep>(html`<lf-set-password-step .data=${data} .t=${translator(lang)}></lf-set-password-step>`);
}

function input(step: SetPasswordStep): HTMLInputElement {
  return step.querySelector<HTMLInputElement>('input[name=password]')!;
}

/** Each rule's item: its met state (`data-met`, absent when unknown) and what a screen reader hears. */
function rules(step: SetPasswordStep): Record<string, { met: string | null; text: string }> {
  const items = [...step.querySelectorAll('ul > li')];
  return Object.fromEntries(
    items.map((li, index) => [activate.policy.rules[index] ?? String(index), { met: li.getAttribute('data-met'), text: li.textContent!.replace(/\s+/g, ' ').trim() }]),
  );
}

async function type(step: SetPasswordStep, value: string): Promise<void> {
  fill(input(step), value);
  await step.updateComplete;
}

describe('<lf-set-password-step>', () => {
  it('pairs a new-password input with the hidden username, so a password manager can offer one and save both', async () => {
    const step = await mount();
    expect(step.shadowRoot).to.equal(null);
    const password = input(step);
    const username = step.querySelector<HTMLInputElement>('input[name=username]')!;
    expect(password.type).to.equal('password');
    expect(password.autocomplete).to.equal('new-password');
    expect(password.labels?.[0]?.textContent).to.equal('New password');
    expect(password.hasAttribute('data-autofocus')).to.equal(true);
    expect(username.autocomplete).to.equal('username');
    expect(username.value).to.equal('ada@example.com');
    expect(username.hidden).to.equal(true);
    expect(username.form).to.equal(password.form);
  });

  it('says what the password is for: activation or reset', async () => {
    expect((await mount()).querySelector('h2')!.textContent).to.equal('Create your password');
    expect((await mount({ ...activate, purpose: 'reset' })).querySelector('h2')!.textContent).to.equal('Choose a new password');
  });

  it('lists the policy with the server\'s lengths, linked to the field and not a live region', async () => {
    const step = await mount({ ...activate, policy: { ...seeds, minLength: 12, maxLength: 64 } });
    const list = step.querySelector('ul')!;
    expect([...list.children].map((li) => li.textContent!.replace(/:.*/, '').trim())).to.deep.equal([
      'At least 12 characters',
      'At most 64 characters',
      'A digit',
      'A special character',
      'An upper-case letter',
      'A lower-case letter',
      'No < or >',
      'Not a common password (like password123 or welkom01)',
      'Not easy to guess (no repeats, sequences or keyboard patterns)',
      'Does not contain your email address',
      'Does not contain your name or the name of your company or this service',
    ]);
    expect(input(step).getAttribute('aria-describedby')).to.equal(list.id);
    // Read with the field, not announced at every keystroke.
    expect(list.closest('[aria-live], [role=status], [role=alert]')).to.equal(null);
    expect(list.querySelector('[aria-live], [role=status], [role=alert]')).to.equal(null);
  });

  it('ticks the rules the browser can check as the person types, saying met or not met in words', async () => {
    const step = await mount();
    expect(rules(step).digit).to.deep.equal({ met: 'false', text: 'A digit: not met' });
    expect(rules(step).max_length!.met).to.equal('true');
    await type(step, 'abc');
    expect(rules(step).lower).to.deep.equal({ met: 'true', text: 'A lower-case letter: met' });
    expect(rules(step).upper!.met).to.equal('false');
    await type(step, 'Correct-Horse-42-Battery');
    for (const rule of ['min_length', 'max_length', 'digit', 'special', 'upper', 'lower', 'no_angle_brackets']) expect(rules(step)[rule]!.met, rule).to.equal('true');
    await type(step, 'Correct-Horse-42-<Battery>');
    expect(rules(step).no_angle_brackets!.met).to.equal('false');
  });

  it('counts as the server does: code points after NFKC, and a space is not a special character', async () => {
    const step = await mount({ ...activate, policy: { rules: ['min_length', 'max_length', 'special'], minLength: 3, maxLength: 4 } });
    const met = () => [...step.querySelectorAll('li')].map((li) => li.getAttribute('data-met'));
    // Three emoji are six UTF-16 units but three characters.
    await type(step, '😀😀😀');
    expect(met()).to.deep.equal(['true', 'true', 'true']);
    await type(step, '😀😀');
    expect(met()[0]).to.equal('false');
    // The ligature "ﬁ" is one code point, "fi" (two) after NFKC.
    await type(step, 'ﬁﬁﬁ');
    expect(met()[1]).to.equal('false');
    await type(step, 'a b c');
    expect(met()[2]).to.equal('false');
  });

  it('leaves the server-only rules unknown until the server refuses a password for them', async () => {
    const step = await mount();
    await type(step, 'Password-1234567');
    expect(rules(step).not_common).to.deep.equal({ met: null, text: 'Not a common password (like password123 or welkom01)' });
    expect(rules(step).not_guessable).to.deep.equal({ met: null, text: 'Not easy to guess (no repeats, sequences or keyboard patterns)' });
    expect(rules(step).not_email).to.deep.equal({ met: null, text: 'Does not contain your email address' });
    expect(rules(step).not_context).to.deep.equal({ met: null, text: 'Does not contain your name or the name of your company or this service' });
    step.error = { code: 'password_policy', field: 'password', details: { rules: ['not_common'] } };
    await step.updateComplete;
    expect(rules(step).not_common).to.deep.equal({ met: 'false', text: 'Not a common password (like password123 or welkom01): not met' });
    expect(rules(step).not_email!.met).to.equal(null);
    const alert = step.querySelector('[role=alert]')!;
    // The rule only the server checks is named in the error itself.
    expect(alert.textContent).to.equal('This password does not meet the requirements: Not a common password (like password123 or welkom01).');
    expect(input(step).getAttribute('aria-invalid')).to.equal('true');
    expect(input(step).getAttribute('aria-describedby')!.split(' ')).to.include(alert.id);
  });

  it('names a rule the policy does not list once the server refuses a password for it, and ticks it when fixed', async () => {
    const step = await mount();
    await type(step, 'Vq7#xLp2!mZr9wK\ttail');
    expect(step.querySelectorAll('ul > li').length).to.equal(seeds.rules.length);
    step.error = { code: 'password_policy', field: 'password', details: { rules: ['no_control'] } };
    await step.updateComplete;
    expect(rules(step)[String(seeds.rules.length)]).to.deep.equal({ met: 'false', text: 'No tabs or other control characters: not met' });
    await type(step, 'Vq7#xLp2!mZr9wKtail');
    expect(rules(step)[String(seeds.rules.length)]!.met).to.equal('true');
  });

  it('sends the password intent', async () => {
    const step = await mount();
    await type(step, 'Correct-Horse-42-Battery');
    const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
    step.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
    const intent = await fired;
    expect(intent.action).to.equal('password');
    expect(intent.body).to.deep.equal({ password: 'Correct-Horse-42-Battery' });
  });

  it('submits with Enter from the keyboard', async () => {
    const step = await mount();
    input(step).focus();
    await sendKeys({ type: 'Correct-Horse-42-Battery' });
    expect(rules(step).digit!.met).to.equal('true');
    const intent = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
    await sendKeys({ press: 'Enter' });
    expect((await intent).body).to.deep.equal({ password: 'Correct-Horse-42-Battery' });
  });

  it('asks for a password before sending an empty one', async () => {
    const step = await mount();
    let intents = 0;
    step.addEventListener('lf-intent', () => (intents += 1));
    step.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
    await step.updateComplete;
    expect(intents).to.equal(0);
    expect(step.querySelector('[role=alert]')!.textContent).to.equal('Enter your password.');
    expect(document.activeElement).to.equal(input(step));
  });

  it('shows and hides the password with a pressed-state toggle', async () => {
    const step = await mount();
    const toggle = step.querySelector<HTMLButtonElement>('.lf-reveal')!;
    expect(toggle.getAttribute('aria-controls')).to.equal(input(step).id);
    toggle.click();
    await step.updateComplete;
    expect(input(step).type).to.equal('text');
    expect(toggle.getAttribute('aria-pressed')).to.equal('true');
    expect(toggle.getAttribute('aria-label')).to.equal('Hide password');
    toggle.click();
    await step.updateComplete;
    expect(input(step).type).to.equal('password');
    expect(toggle.getAttribute('aria-label')).to.equal('Show password');
  });

  it('speaks Dutch when given the Dutch catalogue', async () => {
    const step = await mount({ ...activate, purpose: 'reset' }, 'nl');
    expect(step.querySelector('h2')!.textContent).to.equal('Kies een nieuw wachtwoord');
    expect(input(step).labels?.[0]?.textContent).to.equal('Nieuw wachtwoord');
    expect(rules(step).min_length!.text).to.equal('Minimaal 15 tekens: niet voldaan');
    await type(step, '1');
    expect(rules(step).digit!.text).to.equal('Een cijfer: voldaan');
    expect((await mount(activate, 'nl')).querySelector('h2')!.textContent).to.equal('Kies een wachtwoord');
  });
});
