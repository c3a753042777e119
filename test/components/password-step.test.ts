import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../../components/steps/password/password-step.js';
import type { PasswordStep } from '../../components/steps/password/password-step.js';
import type { StepIntentEvent } from '../../components/lib/events.js';
import { translator } from '../../components/lib/i18n.js';
import { fill } from './helpers.js';
import { requestOptions } from './passkeys.js';

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
    const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
    step.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
    const intent = await fired;
    expect(intent.action).to.equal('password');
    expect(intent.body).to.deep.equal({ password: 'Correct-Horse-42-Battery' });
  });

  it('goes back to change the email address', async () => {
    const step = await fixture<PasswordStep>(html`<lf-password-step .data=${data}></lf-password-step>`);
    const change = [...step.querySelectorAll('button')].find((b) => b.textContent === 'Change')!;
    // WCAG 2.5.3 (label in name): the accessible name contains the visible text.
    expect(change.getAttribute('aria-label')).to.equal('Change email address');
    const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
    change.click();
    const intent = await fired;
    expect(intent.action).to.equal('back');
  });

  it('asks for a link to set a new password when the person forgot theirs', async () => {
    const step = await fixture<PasswordStep>(html`<lf-password-step .data=${data}></lf-password-step>`);
    const forgot = [...step.querySelectorAll('button')].find((b) => b.textContent === 'Forgot your password?')!;
    expect(forgot.type).to.equal('button');
    const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
    forgot.click();
    const intent = await fired;
    expect(intent.action).to.equal('forgot');
    expect(intent.body).to.deep.equal({});
  });

  it('offers "Forgot your password?" in Dutch', async () => {
    const step = await fixture<PasswordStep>(html`<lf-password-step .data=${data} .t=${translator('nl')}></lf-password-step>`);
    expect([...step.querySelectorAll('button')].map((b) => b.textContent)).to.include('Wachtwoord vergeten?');
  });

  it('shows and hides the password with a pressed-state toggle', async () => {
    const step = await fixture<PasswordStep>(html`<lf-password-step .data=${data}></lf-password-step>`);
    const toggle = step.querySelector<HTMLButtonElement>('.lf-reveal')!;
    const input = step.querySelector<HTMLInputElement>('input[name=password]')!;
    toggle.click();
    await step.updateComplete;
    expect(input.type).to.equal('text');
    expect(toggle.getAttribute('aria-pressed')).to.equal('true');
    expect(toggle.getAttribute('aria-label')).to.equal('Hide password');
    toggle.click();
    await step.updateComplete;
    expect(input.type).to.equal('password');
    expect(toggle.getAttribute('aria-label')).to.equal('Show password');
  });

  it('marks the pressed button busy while its request runs, and only that one', async () => {
    const step = await fixture<PasswordStep>(html`<lf-password-step .data=${{ ...data, passkey: { options: requestOptions() } }}></lf-password-step>`);
    step.querySelector<HTMLInputElement>('input[name=password]')!.value = 'secret';
    const submit = step.querySelector<HTMLButtonElement>('button[type=submit]')!;
    const passkey = step.querySelector<HTMLButtonElement>('.lf-button-secondary')!;
    submit.click();
    step.busy = true;
    await step.updateComplete;
    expect(submit.hasAttribute('data-busy')).to.equal(true);
    expect(submit.getAttribute('aria-disabled')).to.equal('true');
    expect(passkey.hasAttribute('data-busy')).to.equal(false);
    step.busy = false;
    await step.updateComplete;
    expect(submit.hasAttribute('data-busy')).to.equal(false);
    expect(submit.getAttribute('aria-disabled')).to.equal('false');
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

  describe('with passkeys on', () => {
    const withPasskey = { email: 'ada@example.com', passkey: { options: requestOptions() } };
    const passkeyButton = (step: PasswordStep) => [...step.querySelectorAll('button')].find((b) => b.textContent!.trim() === 'Sign in with a passkey');

    it('offers no passkey sign-in when the server does not', async () => {
      const step = await fixture<PasswordStep>(html`<lf-password-step .data=${data}></lf-password-step>`);
      expect(passkeyButton(step)).to.equal(undefined);
    });

    it('offers "Sign in with a passkey" below the form, asking <login-flow> for the ceremony', async () => {
      const step = await fixture<PasswordStep>(html`<lf-password-step .data=${withPasskey}></lf-password-step>`);
      const button = passkeyButton(step)!;
      expect(button.type).to.equal('button');
      expect(button.compareDocumentPosition(step.querySelector('button[type=submit]')!) & Node.DOCUMENT_POSITION_PRECEDING).to.not.equal(0);
      const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
      button.click();
      const intent = await fired;
      expect(intent.action).to.equal('passkey');
      expect(intent.passkey).to.equal(true);
      expect(intent.body).to.deep.equal({});
    });

    it('says it waits for the passkey while the ceremony runs, and ignores clicks', async () => {
      const step = await fixture<PasswordStep>(html`<lf-password-step .data=${withPasskey} busy waiting></lf-password-step>`);
      let intents = 0;
      step.addEventListener('lf-intent', () => (intents += 1));
      const button = step.querySelector<HTMLButtonElement>('.lf-button-secondary')!;
      button.click();
      expect(intents).to.equal(0);
      expect(button.textContent!.trim()).to.equal('Waiting for your passkey…');
      expect(button.getAttribute('aria-disabled')).to.equal('true');
      expect(step.querySelector('button[type=submit]')!.textContent!.trim()).to.equal('Sign in');
    });

    it('announces a failed passkey by its button and leaves the typed password alone', async () => {
      const step = await fixture<PasswordStep>(html`<lf-password-step .data=${withPasskey}></lf-password-step>`);
      const input = step.querySelector<HTMLInputElement>('input[name=password]')!;
      fill(input, 'half-typ');
      step.error = { code: 'passkey_cancelled', field: 'passkey' };
      await step.updateComplete;
      const alert = step.querySelector('[role=alert]')!;
      expect(alert.textContent).to.equal(
        'The passkey request was cancelled or timed out, or there is no passkey on this device. Try again, or choose another way.',
      );
      expect(passkeyButton(step)!.getAttribute('aria-describedby')).to.equal(alert.id);
      expect(input.value).to.equal('half-typ');
      expect(input.getAttribute('aria-invalid')).to.equal('false');
    });

    it('announces a passkey the server does not know, by the passkey button', async () => {
      const step = await fixture<PasswordStep>(html`<lf-password-step .data=${withPasskey} .error=${{ code: 'passkey_unknown' }}></lf-password-step>`);
      expect(passkeyButton(step)!.getAttribute('aria-describedby')).to.equal(step.querySelector('[role=alert]')!.id);
      expect(step.querySelector('[role=alert]')!.textContent).to.contain('not registered for this account');
    });

    it('speaks Dutch when given the Dutch catalogue', async () => {
      const step = await fixture<PasswordStep>(html`<lf-password-step .data=${withPasskey} .t=${translator('nl')}></lf-password-step>`);
      expect(step.querySelector('.lf-button-secondary')!.textContent!.trim()).to.equal('Inloggen met een passkey');
      step.waiting = step.busy = true;
      await step.updateComplete;
      expect(step.querySelector('.lf-button-secondary')!.textContent!.trim()).to.equal('Wachten op je passkey…');
      step.error = { code: 'passkey_cancelled', field: 'passkey' };
      await step.updateComplete;
      expect(step.querySelector('[role=alert]')!.textContent).to.equal(
        'Het verzoek om je passkey is geannuleerd of verlopen, of er staat geen passkey op dit apparaat. Probeer het opnieuw, of kies een andere manier.',
      );
    });
  });
});
