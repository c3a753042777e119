import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { sendKeys, sendMouse } from '@web/test-runner-commands';
// The set-up chunk: registers the element and adds the set-up words to the catalogues.
import '../../components/steps/setup-steps.js';
import type { TotpSetupStep } from '../../components/steps/totp-setup/totp-setup-step.js';
import type { StepIntentEvent } from '../../components/lib/events.js';
import { translator } from '../../components/lib/i18n.js';
import type { StepMap } from '../../server/flows/protocol.js';
import { fill } from './helpers.js';

type Data = StepMap['totp-setup']['data'];

/** A real 21-module QR path would do; the element only has to pass `d` through untouched. */
const data: Data = {
  qr: { size: 29, path: 'M4 4h7v1h-7zM4 5h1v5h-1zM18 4h7v7h-7z' },
  secret: 'JBSWY3DPEHPK3PXP',
  uri: 'otpauth://totp/login-flow:ada%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=login-flow',
  issuer: 'login-flow',
  account: 'ada@example.com',
  required: true,
  reason: 'enable',
};

/** The actions when the person chose this method on method-choice: the server offers `back` to choose another. */
const WITH_BACK: StepMap['totp-setup']['actions'][] = ['totp', 'back'];

function mount(overrides: Partial<Data> = {}, busy = false, actions: StepMap['totp-setup']['actions'][] = ['totp']): Promise<TotpSetupStep> {
  return fixture<TotpSetupStep>(html`<lf-totp-setup-step .data=${{ ...data, ...overrides }} .actions=${actions} ?busy=${busy}></lf-totp-setup-step>`);
}

function button(step: TotpSetupStep, text: string): HTMLButtonElement | undefined {
  return [...step.querySelectorAll('button')].find((b) => b.textContent!.trim() === text);
}

/** Clicks like a person (a trusted event, which the clipboard API requires). */
async function realClick(element: Element): Promise<void> {
  element.scrollIntoView({ block: 'center' });
  const box = element.getBoundingClientRect();
  await sendMouse({ type: 'click', position: [Math.round(box.x + box.width / 2), Math.round(box.y + box.height / 2)] });
}

/** Resolves once the element reads `text`: waits on DOM mutations, not on a clock. */
async function untilText(element: Element, text: string): Promise<void> {
  while (element.textContent!.trim() !== text) {
    await new Promise<void>((resolve) => {
      const observer = new MutationObserver(() => {
        observer.disconnect();
        resolve();
      });
      observer.observe(element, { subtree: true, childList: true, characterData: true });
    });
  }
}

describe('<lf-totp-setup-step>', () => {
  it('selects the key for copying by hand when the browser refuses the clipboard', async () => {
    const step = await mount();
    getSelection()!.removeAllRanges();
    // A scripted click carries no user activation, so Chromium denies the clipboard write. This test
    // comes first: a trusted click earlier on the page would leave an activation for a few seconds.
    button(step, 'Copy key')!.click();
    while (!getSelection()!.toString()) await oneEvent(document, 'selectionchange');
    expect(getSelection()!.toString()).to.equal('JBSW Y3DP EHPK 3PXP');
    expect(button(step, 'Copy key')).to.exist;
  });

  it('draws the server\'s QR code as an inline SVG path', async () => {
    const step = await mount();
    const svg = step.querySelector('svg.lf-qr')!;
    expect(svg.getAttribute('viewBox')).to.equal('0 0 29 29');
    expect(svg.getAttribute('role')).to.equal('img');
    expect(svg.getAttribute('aria-label')).to.equal('QR code for your authenticator app');
    const path = svg.querySelector('path')!;
    expect(path.namespaceURI).to.equal('http://www.w3.org/2000/svg');
    expect(path.getAttribute('d')).to.equal(data.qr.path);
    expect(path.getAttribute('fill')).to.equal('currentColor');
    expect(svg.getBoundingClientRect().width).to.be.greaterThan(100);
  });

  it('renders markup in the key, account or path as text, never as elements', async () => {
    const step = await mount({
      secret: '<img src=x id=secret-img>',
      account: '<img src=x id=account-img>',
      issuer: '<b>Evil</b>',
      qr: { size: 29, path: '"/><script id=path-script></script>' },
    });
    expect(step.querySelector('img, b, script')).to.equal(null);
    expect(step.textContent).to.contain('<img src=x id=account-img>');
    expect(step.textContent).to.contain('<b>Evil</b>');
    expect(step.querySelector('.lf-secret')!.getAttribute('data-secret')).to.equal('<img src=x id=secret-img>');
    expect(step.querySelector('path')!.getAttribute('d')).to.equal('"/><script id=path-script></script>');
  });

  it('shows the key in groups of four, keeping the ungrouped key in data-secret', async () => {
    const step = await mount();
    const secret = step.querySelector('code.lf-secret')!;
    expect(secret.textContent).to.equal('JBSW Y3DP EHPK 3PXP');
    expect(secret.getAttribute('data-secret')).to.equal('JBSWY3DPEHPK3PXP');
    expect(step.textContent).to.contain("Can't scan it? Enter this key in the app:");
  });

  it('groups a key whose length is not a multiple of four without a trailing space', async () => {
    const step = await mount({ secret: 'JBSWY3DPEHPK3PXPAB' });
    expect(step.querySelector('.lf-secret')!.textContent).to.equal('JBSW Y3DP EHPK 3PXP AB');
  });

  it('names the entry the app will show, issuer and account', async () => {
    const step = await mount();
    expect(step.querySelector('.lf-identity')!.textContent!.replace(/\s+/g, ' ').trim()).to.equal('In your app: login-flow (ada@example.com)');
  });

  it('tells which apps work and what to do, in order', async () => {
    const step = await mount();
    const items = [...step.querySelectorAll('ol li')].map((li) => li.textContent);
    expect(items).to.deep.equal([
      'Open your authenticator app: Google, Microsoft, Visma or any other.',
      'Add an account: scan this QR code, or on this phone, open it in the app.',
      'Enter the 6-digit code the app shows.',
    ]);
  });

  it('copies the ungrouped key and says so', async () => {
    const step = await mount();
    const copy = button(step, 'Copy key')!;
    await realClick(copy);
    await untilText(copy, 'Copied');
    // Paste it back into the code field, as a person would into their app.
    const input = step.querySelector<HTMLInputElement>('input[name=code]')!;
    input.focus();
    await sendKeys({ press: 'ControlOrMeta+V' });
    expect(input.value).to.equal('JBSWY3DPEHPK3PXP');
  });

  it('asks for the first code in a labelled one-time-code field', async () => {
    const step = await mount();
    const input = step.querySelector<HTMLInputElement>('input[name=code]')!;
    expect(input.autocomplete).to.equal('one-time-code');
    expect(input.inputMode).to.equal('numeric');
    expect(input.labels?.[0]?.textContent).to.equal('Verification code');
  });

  it('sends a pasted "123 456" as the totp code 123456', async () => {
    const step = await mount();
    fill(step.querySelector('input[name=code]')!, '123 456');
    const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
    step.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
    const intent = await fired;
    expect(intent.action).to.equal('totp');
    expect(intent.body).to.deep.equal({ code: '123456' });
  });

  it('offers no way back unless the server accepts back (one method only, or adding a factor from the account page)', async () => {
    const step = await mount({ required: true, reason: 'required' });
    expect(button(step, 'Back')).to.equal(undefined);
    expect(button(step, 'Cancel')).to.equal(undefined);
  });

  it('goes back to choose another method when the server accepts back', async () => {
    const step = await mount({ required: false }, false, WITH_BACK);
    const back = button(step, 'Back')!;
    expect(back.className).to.equal('lf-link');
    expect(back.type).to.equal('button');
    const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
    back.click();
    const intent = await fired;
    expect(intent.action).to.equal('back');
    expect(intent.body).to.deep.equal({});
    expect(intent.passkey).to.equal(false);
  });

  it('opens the otpauth:// entry in an authenticator app on this same phone', async () => {
    const step = await mount();
    const links = [...step.querySelectorAll('a')];
    expect(links.length).to.equal(1);
    const open = links[0]!;
    expect(open.getAttribute('href')).to.equal(data.uri);
    expect(open.href.startsWith('otpauth://')).to.equal(true);
    expect(open.textContent!.trim()).to.equal('Open in authenticator app');
    expect(open.hasAttribute('download')).to.equal(false);
    expect(open.hasAttribute('target')).to.equal(false);
  });

  it('sends no intent when the open-in-app link is followed', async () => {
    const step = await mount();
    let intents = 0;
    step.addEventListener('lf-intent', () => (intents += 1));
    const open = step.querySelector('a')!;
    // Follow it in spirit only: cancelling the click keeps the test page where it is.
    open.addEventListener('click', (event) => event.preventDefault(), { once: true });
    open.click();
    await step.updateComplete;
    expect(intents).to.equal(0);
  });

  it('explains that set-up is required for the account', async () => {
    const step = await mount({ reason: 'required' });
    expect(step.textContent).to.contain('Two-step verification is required for this account.');
  });

  it('explains that the recovery code is spent and set-up must be done again', async () => {
    const step = await mount({ reason: 'recovered' });
    expect(step.textContent).to.contain('Set up two-step verification again. You get a new recovery code at the end: the old one no longer works.');
  });

  it('gives no reason when the person chose to enable it', async () => {
    const step = await mount({ reason: 'enable' });
    expect(step.textContent).not.to.contain('required for this account');
    expect(step.textContent).not.to.contain('recovery code');
  });

  it('announces an empty code without sending anything', async () => {
    const step = await mount();
    let intents = 0;
    step.addEventListener('lf-intent', () => (intents += 1));
    step.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
    await step.updateComplete;
    const input = step.querySelector<HTMLInputElement>('input[name=code]')!;
    const error = step.querySelector('[role=alert]')!;
    expect(intents).to.equal(0);
    expect(error.textContent).to.equal('Enter the code.');
    expect(input.getAttribute('aria-invalid')).to.equal('true');
    expect(input.getAttribute('aria-describedby')).to.equal(error.id);
    expect(document.activeElement).to.equal(input);
  });

  it('clears the field and announces a wrong code', async () => {
    const step = await mount();
    const input = step.querySelector<HTMLInputElement>('input[name=code]')!;
    fill(input, '000000');
    step.error = { code: 'invalid_code', field: 'code' };
    await step.updateComplete;
    expect(input.value).to.equal('');
    expect(input.getAttribute('aria-invalid')).to.equal('true');
    expect(step.querySelector('[role=alert]')!.textContent).to.equal('The code is incorrect or has already been used. Wait for a new code and try again.');
  });

  it('ignores submits and back while busy and says it is working', async () => {
    const step = await mount({ required: false }, true, WITH_BACK);
    let intents = 0;
    step.addEventListener('lf-intent', () => (intents += 1));
    fill(step.querySelector('input[name=code]')!, '123456');
    const submit = step.querySelector<HTMLButtonElement>('button[type=submit]')!;
    submit.click();
    button(step, 'Back')!.click();
    expect(intents).to.equal(0);
    expect(submit.getAttribute('aria-disabled')).to.equal('true');
    expect(submit.textContent!.trim()).to.equal('Please wait…');
  });

  it('speaks Dutch when given the Dutch catalogue', async () => {
    const step = await fixture<TotpSetupStep>(html`<lf-totp-setup-step .data=${{ ...data, required: false, reason: 'recovered' }} .actions=${WITH_BACK} .t=${translator('nl')}></lf-totp-setup-step>`);
    expect(step.querySelector('h2')!.textContent).to.equal('Stel je authenticator-app in');
    expect(step.querySelector('svg')!.getAttribute('aria-label')).to.equal('QR-code voor je authenticator-app');
    expect(step.querySelector<HTMLInputElement>('input[name=code]')!.labels?.[0]?.textContent).to.equal('Verificatiecode');
    expect([...step.querySelectorAll('ol li')].map((li) => li.textContent)).to.deep.equal([
      'Open je authenticator-app: Google, Microsoft, Visma of een andere.',
      'Voeg een account toe: scan deze QR-code, of open hem op deze telefoon in de app.',
      'Vul de 6-cijferige code in die de app toont.',
    ]);
    expect(step.textContent).to.contain('Lukt het scannen niet? Vul deze sleutel in de app in:');
    expect(step.textContent).to.contain('Stel tweestapsverificatie opnieuw in. Aan het eind krijg je een nieuwe herstelcode: de oude werkt niet meer.');
    expect(step.querySelector('.lf-identity')!.textContent!.replace(/\s+/g, ' ').trim()).to.equal('In je app: login-flow (ada@example.com)');
    const open = step.querySelector('a')!;
    expect(open.textContent!.trim()).to.equal('Openen in authenticator-app');
    expect(open.getAttribute('href')).to.equal(data.uri);
    expect(button(step, 'Sleutel kopiëren')).to.exist;
    expect(button(step, 'Doorgaan')).to.exist;
    expect(button(step, 'Terug')).to.exist;
    step.error = { code: 'invalid_code', field: 'code' };
    await step.updateComplete;
    expect(step.querySelector('[role=alert]')!.textContent).to.equal('De code klopt niet of is al gebruikt. Wacht op een nieuwe code en probeer het opnieuw.');
  });

  it('explains in Dutch that set-up is required for the account', async () => {
    const step = await fixture<TotpSetupStep>(html`<lf-totp-setup-step .data=${{ ...data, reason: 'required' }} .actions=${['totp']} .t=${translator('nl')}></lf-totp-setup-step>`);
    expect(step.textContent).to.contain('Tweestapsverificatie is verplicht voor dit account.');
    expect(button(step, 'Terug')).to.equal(undefined);
  });
});
