import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { sendKeys, sendMouse } from '@web/test-runner-commands';
// The set-up chunk: registers the element and adds the set-up words to the catalogues.
import '../../components/steps/setup-steps.js';
import type { RecoveryCodeStep } from '../../components/steps/recovery-code/recovery-code-step.js';
import type { StepIntentEvent } from '../../components/lib/events.js';
import { translator } from '../../components/lib/i18n.js';

const data = { code: 'ABCD-EFGH-JKMN-PQRS' };

function mount(code = data.code, busy = false): Promise<RecoveryCodeStep> {
  return fixture<RecoveryCodeStep>(html`<lf-recovery-code-step .data=${{ code }} ?busy=${busy}></lf-recovery-code-step>`);
}

function button(step: RecoveryCodeStep, text: string): HTMLButtonElement | undefined {
  return [...step.querySelectorAll('button')].find((b) => b.textContent!.trim() === text);
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

describe('<lf-recovery-code-step>', () => {
  it('shows the code once, and says it is the only way in without the phone', async () => {
    const step = await mount();
    expect(step.shadowRoot).to.equal(null);
    expect(step.querySelector('h2')!.textContent).to.equal('Save your recovery code');
    expect(step.querySelector('code.lf-recovery-code')!.textContent).to.equal('ABCD-EFGH-JKMN-PQRS');
    expect(step.querySelector('.lf-intro')!.textContent).to.equal(
      'If you lose your phone, this code is the only way into your account. It is shown only once: keep it in a password manager or print it.',
    );
  });

  it('renders markup in the code as text', async () => {
    const step = await mount('<img src=x id=code-img>');
    expect(step.querySelector('img')).to.equal(null);
    expect(step.querySelector('.lf-recovery-code')!.textContent).to.equal('<img src=x id=code-img>');
  });

  it('asks for confirmation in a labelled, required checkbox', async () => {
    const step = await mount();
    const saved = step.querySelector<HTMLInputElement>('input[name=saved]')!;
    expect(saved.type).to.equal('checkbox');
    expect(saved.required).to.equal(true);
    expect(saved.checked).to.equal(false);
    expect(saved.labels?.[0]?.textContent).to.equal('I have saved my recovery code');
  });

  it('refuses to go on until the person confirms they saved the code', async () => {
    const step = await mount();
    let intents = 0;
    step.addEventListener('lf-intent', () => (intents += 1));
    step.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
    await step.updateComplete;
    const saved = step.querySelector<HTMLInputElement>('input[name=saved]')!;
    const error = step.querySelector('[role=alert]')!;
    expect(intents).to.equal(0);
    expect(error.textContent).to.equal('Confirm that you have saved your recovery code.');
    expect(saved.getAttribute('aria-invalid')).to.equal('true');
    expect(saved.getAttribute('aria-describedby')).to.equal(error.id);
    expect(document.activeElement).to.equal(saved);
  });

  it('drops the complaint once the box is ticked', async () => {
    const step = await mount();
    step.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
    await step.updateComplete;
    step.querySelector<HTMLInputElement>('input[name=saved]')!.click();
    await step.updateComplete;
    expect(step.querySelector('[role=alert]')).to.equal(null);
  });

  it('sends confirm with saved: true once the box is ticked', async () => {
    const step = await mount();
    step.querySelector<HTMLInputElement>('input[name=saved]')!.click();
    const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
    button(step, 'Continue')!.click();
    const intent = await fired;
    expect(intent.action).to.equal('confirm');
    expect(intent.body).to.deep.equal({ saved: true });
  });

  it('offers the code as a text file to download', async () => {
    const step = await mount();
    const link = step.querySelector<HTMLAnchorElement>('a[download]')!;
    expect(link.textContent!.trim()).to.equal('Download');
    expect(link.download).to.equal('login-flow-recovery-code.txt');
    expect(link.href).to.match(/^blob:/);
    const file = await fetch(link.href);
    expect(file.headers.get('content-type')).to.equal('text/plain;charset=utf-8');
    expect(await file.text()).to.equal(`Recovery code for ${location.host}: ABCD-EFGH-JKMN-PQRS\n`);
  });

  it('lets go of the download when it leaves the page', async () => {
    const step = await mount();
    const href = step.querySelector('a[download]')!.getAttribute('href')!;
    step.remove();
    const gone = await fetch(href).then(
      () => false,
      () => true,
    );
    expect(gone).to.equal(true);
  });

  it('copies the code and says so', async () => {
    const step = await mount();
    const copy = button(step, 'Copy')!;
    copy.scrollIntoView({ block: 'center' });
    const box = copy.getBoundingClientRect();
    // A trusted click: the clipboard API requires a user activation.
    await sendMouse({ type: 'click', position: [Math.round(box.x + box.width / 2), Math.round(box.y + box.height / 2)] });
    await untilText(copy, 'Copied');
    const paste = document.createElement('input');
    step.append(paste);
    paste.focus();
    await sendKeys({ press: 'ControlOrMeta+V' });
    expect(paste.value).to.equal('ABCD-EFGH-JKMN-PQRS');
  });

  it('ignores submits while busy and says it is working', async () => {
    const step = await mount(data.code, true);
    let intents = 0;
    step.addEventListener('lf-intent', () => (intents += 1));
    step.querySelector<HTMLInputElement>('input[name=saved]')!.click();
    const submit = step.querySelector<HTMLButtonElement>('button[type=submit]')!;
    submit.click();
    expect(intents).to.equal(0);
    expect(submit.getAttribute('aria-disabled')).to.equal('true');
    expect(submit.textContent!.trim()).to.equal('Please wait…');
  });

  it('speaks Dutch when given the Dutch catalogue', async () => {
    const step = await fixture<RecoveryCodeStep>(html`<lf-recovery-code-step .data=${data} .t=${translator('nl')}></lf-recovery-code-step>`);
    expect(step.querySelector('h2')!.textContent).to.equal('Bewaar je herstelcode');
    expect(step.querySelector<HTMLInputElement>('input[name=saved]')!.labels?.[0]?.textContent).to.equal('Ik heb mijn herstelcode bewaard');
    expect(button(step, 'Kopiëren')).to.exist;
    expect(step.querySelector('a[download]')!.textContent!.trim()).to.equal('Downloaden');
    expect(button(step, 'Doorgaan')).to.exist;
    step.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
    await step.updateComplete;
    expect(step.querySelector('[role=alert]')!.textContent).to.equal('Bevestig dat je je herstelcode hebt bewaard.');
    const file = await fetch(step.querySelector<HTMLAnchorElement>('a[download]')!.href);
    expect(await file.text()).to.equal(`Herstelcode voor ${location.host}: ABCD-EFGH-JKMN-PQRS\n`);
  });
});
