import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { setViewport } from '@web/test-runner-commands';
// The chunks <login-flow> loads for the step: the approver's (the element, its words) and the set-up's (shared words).
import '../../components/steps/approval/approver-steps.js';
import '../../components/steps/setup-steps.js';
import type { ApproverSetupStep } from '../../components/steps/approver-setup/approver-setup-step.js';
import type { StepIntentEvent } from '../../components/lib/events.js';
import { translator } from '../../components/lib/i18n.js';
import { loginFlowSheet } from '../../components/login-flow/styles.js';
import { axe, content, outside } from './helpers.js';
import type { StepMap } from '../../server/flows/protocol.js';

type Data = StepMap['approver-setup']['data'];
type Actions = StepMap['approver-setup']['actions'][];

const FLOW_ID = 'flow-id-of-this-test';
/** Another origin than the test page's, as an embedded widget's API: the wait goes there. */
const API = 'https://api.example.com';

/** Ten minutes from now: a live code (the server's enrolment token lives that long). */
function data(overrides: Partial<Data> = {}): Data {
  return {
    url: 'https://login.example.com/approve/#enrol=one-time-token',
    qr: { size: 29, path: 'M4 4h7v1h-7zM4 5h1v5h-1zM18 4h7v7h-7z' },
    expiresAt: Date.now() + 10 * 60_000,
    required: false,
    reason: 'enable',
    ...overrides,
  };
}

/** One long poll of `GET /api/flows/-/wait` that the test answers. */
interface Poll {
  flowId: string | null;
  url: URL;
  signal: AbortSignal;
  aborted: Promise<void>;
  answer(ready: boolean): void;
  /** Answers with an error status, as the server does for a flow that is gone (404, 410) or whose step waits on nothing (409). */
  refuse(status: number): void;
  fail(): void;
}

/**
 * Stands in for the server's wait only (the rest of fetch is the browser's):
 * each poll hangs until the test answers it, as the server holds it.
 */
class WaitStub {
  readonly polls: Poll[] = [];
  private readonly real = window.fetch;
  private arrived: (() => void) | undefined;

  constructor() {
    window.fetch = (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input), document.baseURI);
      if (url.pathname !== '/api/flows/-/wait') return this.real.call(window, input, init);
      return new Promise<Response>((resolve, reject) => {
        const signal = init!.signal!;
        const aborted = new Promise<void>((done) =>
          signal.addEventListener('abort', () => {
            reject(new DOMException('The operation was aborted.', 'AbortError'));
            done();
          }),
        );
        this.polls.push({
          flowId: new Headers(init?.headers).get('X-Flow-Id'),
          url,
          signal,
          aborted,
          answer: (ready) => resolve(Response.json({ ready })),
          refuse: (status) => resolve(Response.json({ error: { code: 'flow_not_found' } }, { status })),
          fail: () => reject(new TypeError('Failed to fetch')),
        });
        this.arrived?.();
      });
    };
  }

  /** The `n`th poll (from 1), once it has come. */
  async poll(n: number): Promise<Poll> {
    while (this.polls.length < n) await new Promise<void>((resolve) => (this.arrived = resolve));
    return this.polls[n - 1]!;
  }

  restore(): void {
    window.fetch = this.real;
  }
}

function mount(overrides: Partial<Data> = {}, { actions = ['check', 'renew'] as Actions, lang = 'en' as 'en' | 'nl', busy = false } = {}): Promise<ApproverSetupStep> {
  return fixture<ApproverSetupStep>(
    html`<lf-approver-setup-step
      .data=${data(overrides)}
      .actions=${actions}
      .t=${translator(lang)}
      ?busy=${busy}
      .flowId=${FLOW_ID}
      .api=${API}
    ></lf-approver-setup-step>`,
  );
}

function button(step: Element, text: string): HTMLButtonElement | undefined {
  return [...step.querySelectorAll('button')].find((b) => b.textContent!.trim() === text);
}

function codeInput(step: Element): HTMLInputElement | null {
  return step.querySelector<HTMLInputElement>('input[name="code"]');
}

/** Resolves with what `find` finds, once it does: waits on DOM mutations, not on a clock. */
async function until<T>(element: Element, find: () => T): Promise<NonNullable<T>> {
  for (let found = find(); ; found = find()) {
    if (found) return found;
    await new Promise<void>((resolve) => {
      const observer = new MutationObserver(() => {
        observer.disconnect();
        resolve();
      });
      observer.observe(element, { subtree: true, childList: true, characterData: true, attributes: true });
    });
  }
}

describe('<lf-approver-setup-step>', () => {
  let wait: WaitStub;
  beforeEach(() => {
    wait = new WaitStub();
  });
  afterEach(() => {
    wait.restore();
  });

  /** The step once the wait said a phone enrolled: asking for the code on the phone. */
  async function enrolled(options: Parameters<typeof mount>[1] = {}): Promise<ApproverSetupStep> {
    // Polls of steps mounted before come first (each starts a tick after its step renders).
    await new Promise((resolve) => setTimeout(resolve));
    const next = wait.polls.length + 1;
    const step = await mount({}, options);
    (await wait.poll(next)).answer(true);
    await until(step, () => codeInput(step));
    return step;
  }

  it('says what to do on the phone, in three steps, under its title', async () => {
    const step = await mount();
    const title = step.querySelector('h2')!;
    expect(title.textContent).to.equal('Approve sign-ins on your phone');
    expect(title.hasAttribute('data-autofocus')).to.equal(true);
    expect(step.querySelector('form')!.getAttribute('aria-labelledby')).to.equal(title.id);
    expect([...step.querySelectorAll('ol.lf-steps > li')].map((li) => li.textContent)).to.deep.equal([
      "Scan this QR code with your phone's camera.",
      'Open the link. If your phone asks, add the app to your home screen.',
      'Turn it on and confirm with your fingerprint or face.',
    ]);
  });

  it('draws the QR code as a labelled image', async () => {
    const step = await mount();
    const qr = step.querySelector('svg.lf-qr')!;
    expect(qr.getAttribute('role')).to.equal('img');
    expect(qr.getAttribute('aria-label')).to.equal('QR code to set up approving sign-ins on your phone');
    expect(qr.getAttribute('viewBox')).to.equal('0 0 29 29');
    expect(qr.querySelector('path')!.getAttribute('d')).to.equal('M4 4h7v1h-7zM4 5h1v5h-1zM18 4h7v7h-7z');
  });

  it('links to the approver for setting up on this same phone, in a new tab', async () => {
    const step = await mount();
    const link = step.querySelector<HTMLAnchorElement>('a')!;
    expect(link.textContent!.trim()).to.equal('Setting up on this phone? Open the approver');
    expect(link.href).to.equal('https://login.example.com/approve/#enrol=one-time-token');
    expect(link.target).to.equal('_blank');
    expect(link.rel).to.equal('noopener');
  });

  it('never links to an address that is not a web page', async () => {
    const step = await mount({ url: 'javascript:alert(1)' });
    expect(step.querySelector('a')).to.equal(null);
  });

  it('says it waits for the phone, in a polite live region', async () => {
    const step = await mount();
    const status = step.querySelector('[role=status]')!;
    expect(status.textContent!.trim()).to.equal('Waiting for your phone…');
    expect(status.hasAttribute('data-busy')).to.equal(true);
  });

  it('long-polls the wait with the flow id in X-Flow-Id, and asks for the code on the phone once it has enrolled, without sending check', async () => {
    const step = await mount();
    const intents: string[] = [];
    step.addEventListener('lf-intent', (event) => intents.push(event.action));
    const poll = await wait.poll(1);
    expect(poll.url.href).to.equal('https://api.example.com/api/flows/-/wait');
    expect(poll.flowId).to.equal(FLOW_ID);
    poll.answer(true);
    const input = await until(step, () => codeInput(step));
    // The QR code is spent: it and its steps make way for the code.
    expect(step.querySelector('svg.lf-qr')).to.equal(null);
    expect(step.querySelector('ol.lf-steps')).to.equal(null);
    expect(step.querySelector('a')).to.equal(null);
    const status = step.querySelector('[role=status]')!;
    expect(status.textContent!.trim()).to.equal('Your phone shows a 6-digit code. Type it here to finish.');
    expect(status.hasAttribute('data-busy')).to.equal(false);
    // What the live status says now is the field's label.
    expect(input.labels!.length).to.equal(1);
    expect(status.contains(input.labels![0]!)).to.equal(true);
    expect(input.labels![0]!.textContent).to.equal('Your phone shows a 6-digit code. Type it here to finish.');
    expect(input.autocomplete).to.equal('one-time-code');
    expect(input.inputMode).to.equal('numeric');
    expect(input.hasAttribute('aria-describedby')).to.equal(false);
    expect(button(step, 'Confirm')!.type).to.equal('submit');
    expect(intents).to.deep.equal([]);
    // Nothing more to wait for.
    await new Promise(requestAnimationFrame);
    expect(wait.polls.length).to.equal(1);
  });

  it('moves focus to the field when the step had it, and leaves it alone elsewhere on the page', async () => {
    const step = await mount();
    step.querySelector('h2')!.focus();
    (await wait.poll(1)).answer(true);
    const input = await until(step, () => codeInput(step));
    await step.updateComplete;
    expect(document.activeElement).to.equal(input);

    const outsider = Object.assign(document.createElement('input'), { name: 'search' });
    document.body.append(outsider);
    try {
      const other = await mount();
      outsider.focus();
      (await wait.poll(2)).answer(true);
      await until(other, () => codeInput(other));
      await other.updateComplete;
      expect(document.activeElement).to.equal(outsider);
    } finally {
      outsider.remove();
    }
  });

  it('sends check with the code the person typed, spaces and dashes removed', async () => {
    const step = await enrolled();
    codeInput(step)!.value = ' 123 456 ';
    const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
    button(step, 'Confirm')!.click();
    const intent = await fired;
    expect(intent.action).to.equal('check');
    expect(intent.body).to.deep.equal({ code: '123456' });
  });

  it('sends the code on Enter in the field', async () => {
    const step = await enrolled();
    codeInput(step)!.value = '654-321';
    const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
    step.querySelector('form')!.requestSubmit();
    expect((await fired).body).to.deep.equal({ code: '654321' });
  });

  it('asks for a code before sending an empty one', async () => {
    const step = await enrolled();
    const intents: string[] = [];
    step.addEventListener('lf-intent', (event) => intents.push(event.action));
    button(step, 'Confirm')!.click();
    await step.updateComplete;
    const input = codeInput(step)!;
    expect(input.getAttribute('aria-invalid')).to.equal('true');
    const error = step.querySelector(`#${input.getAttribute('aria-describedby')!}`)!;
    expect(error.getAttribute('role')).to.equal('alert');
    expect(error.textContent).to.equal('Enter the code.');
    expect(document.activeElement).to.equal(input);
    expect(intents).to.deep.equal([]);
  });

  it('says a wrong code is wrong, at the field, and takes the next one', async () => {
    const step = await enrolled();
    codeInput(step)!.value = '111111';
    const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
    button(step, 'Confirm')!.click();
    await fired;
    // <login-flow> posts check (busy), and the server answers that the code is wrong.
    step.busy = true;
    await step.updateComplete;
    expect(button(step, 'Please wait…')).to.exist;
    step.busy = false;
    step.error = { code: 'invalid_code', field: 'code' };
    await step.updateComplete;
    const input = codeInput(step)!;
    expect(input.getAttribute('aria-invalid')).to.equal('true');
    expect(input.value).to.equal('');
    const error = step.querySelector(`#${input.getAttribute('aria-describedby')!}`)!;
    expect(error.className).to.equal('lf-error');
    expect(error.getAttribute('role')).to.equal('alert');
    expect(error.textContent).to.equal('The code is incorrect. Check the code on your phone and try again.');
    // Still the code, not the QR code, and no new wait.
    expect(step.querySelector('svg.lf-qr')).to.equal(null);
    expect(wait.polls.length).to.equal(1);
    input.value = '222222';
    const again = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
    button(step, 'Confirm')!.click();
    expect((await again).body).to.deep.equal({ code: '222222' });
  });

  it('does not send the code while a request runs', async () => {
    const step = await enrolled();
    step.busy = true;
    await step.updateComplete;
    const intents: string[] = [];
    step.addEventListener('lf-intent', (event) => intents.push(event.action));
    codeInput(step)!.value = '123456';
    step.querySelector('form')!.requestSubmit();
    expect(intents).to.deep.equal([]);
  });

  it('keeps asking for the code once the phone enrolled, even after the QR code would have expired', async () => {
    const step = await mount({ expiresAt: Date.now() + 400 });
    (await wait.poll(1)).answer(true);
    await until(step, () => codeInput(step));
    await new Promise((resolve) => setTimeout(resolve, 500));
    step.requestUpdate();
    await step.updateComplete;
    expect(codeInput(step)).to.exist;
    expect(button(step, 'Make a new code')).to.equal(undefined);
  });

  it('shows the code field when the wait says the flow is gone, whose check then tells what is', async () => {
    const step = await mount();
    const intents: string[] = [];
    step.addEventListener('lf-intent', (event) => intents.push(event.action));
    (await wait.poll(1)).refuse(404);
    await until(step, () => codeInput(step));
    expect(intents).to.deep.equal([]);
  });

  it('asks again while the phone has not enrolled', async () => {
    const step = await mount();
    const intents: string[] = [];
    step.addEventListener('lf-intent', (event) => intents.push(event.action));
    (await wait.poll(1)).answer(false);
    const second = await wait.poll(2);
    expect(second.flowId).to.equal(FLOW_ID);
    expect(intents).to.deep.equal([]);
    expect(codeInput(step)).to.equal(null);
  });

  it('shows the QR code again, says so and waits on when check answers approver_pending', async () => {
    const step = await enrolled();
    codeInput(step)!.value = '123456';
    button(step, 'Confirm')!.click();
    // <login-flow> posts check (busy), and the server answers that no phone has enrolled.
    step.busy = true;
    await step.updateComplete;
    step.busy = false;
    step.error = { code: 'approver_pending' };
    await step.updateComplete;
    expect(codeInput(step)).to.equal(null);
    expect(step.querySelector('svg.lf-qr')).to.exist;
    expect(step.querySelector('[role=status]')!.textContent!.trim()).to.equal('Waiting for your phone…');
    expect(step.querySelector('[role=alert]')!.textContent).to.equal('Your phone is not set up yet. Follow the steps above on your phone.');
    const again = await wait.poll(2);
    expect(again.signal.aborted).to.equal(false);
    // Once the phone does enrol, the code is asked for, without the old error.
    again.answer(true);
    await until(step, () => codeInput(step));
    expect(step.querySelector('[role=alert]')).to.equal(null);
    expect(codeInput(step)!.getAttribute('aria-invalid')).to.equal('false');
  });

  it('shows a new QR code, and waits again, when a new code comes after the phone enrolled', async () => {
    const step = await enrolled();
    step.data = data({ url: 'https://login.example.com/approve/#enrol=another-token' });
    await step.updateComplete;
    expect(codeInput(step)).to.equal(null);
    expect(step.querySelector('svg.lf-qr')).to.exist;
    expect((await wait.poll(2)).flowId).to.equal(FLOW_ID);
  });

  it('does not wait while a request runs', async () => {
    await mount({}, { busy: true });
    await new Promise(requestAnimationFrame);
    expect(wait.polls.length).to.equal(0);
  });

  it('backs off after a failed poll, and tries again', async () => {
    await mount();
    const first = await wait.poll(1);
    const failedAt = performance.now();
    first.fail();
    await wait.poll(2);
    // The first pause after a failure is 1 s with up to half of it taken off as jitter.
    expect(performance.now() - failedAt).to.be.at.least(450);
  });

  it('stops waiting when it leaves the page', async () => {
    const step = await mount();
    const poll = await wait.poll(1);
    step.remove();
    await poll.aborted;
    expect(poll.signal.aborted).to.equal(true);
  });

  it('says an expired code has expired, hides it, and makes a new one', async () => {
    const step = await mount({ expiresAt: Date.now() - 1000 });
    expect(step.querySelector('svg.lf-qr')).to.equal(null);
    expect(step.querySelector('a')).to.equal(null);
    const status = step.querySelector('[role=status]')!;
    expect(status.textContent!.trim()).to.equal('This code has expired.');
    expect(wait.polls.length).to.equal(0);
    const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
    button(step, 'Make a new code')!.click();
    expect((await fired).action).to.equal('renew');
  });

  it('stops waiting, and says so, when the code expires while it shows', async () => {
    const step = await mount({ expiresAt: Date.now() + 300 });
    const poll = await wait.poll(1);
    await until(step, () => !!button(step, 'Make a new code'));
    await poll.aborted;
    expect(step.querySelector('[role=status]')!.textContent!.trim()).to.equal('This code has expired.');
  });

  it('waits again for a new code', async () => {
    const step = await mount({ expiresAt: Date.now() - 1000 });
    step.data = data({ url: 'https://login.example.com/approve/#enrol=another-token' });
    await step.updateComplete;
    expect((await wait.poll(1)).flowId).to.equal(FLOW_ID);
    expect(step.querySelector('svg.lf-qr')).to.exist;
  });

  it('offers "Back" only when the server accepts it (not on the account page)', async () => {
    const account = await mount();
    expect(button(account, 'Back')).to.equal(undefined);
    const step = await mount({}, { actions: ['check', 'renew', 'back'] });
    const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
    button(step, 'Back')!.click();
    expect((await fired).action).to.equal('back');
  });

  it('gives why set-up is shown, as the other set-ups do', async () => {
    const step = await mount({ reason: 'required', required: true });
    expect(step.querySelector('p.lf-intro')!.textContent).to.equal('Two-step verification is required for this account.');
  });

  it('speaks Dutch', async () => {
    const step = await mount({}, { lang: 'nl', actions: ['check', 'renew', 'back'] });
    expect(step.querySelector('h2')!.textContent).to.equal('Inloggen goedkeuren op je telefoon');
    expect([...step.querySelectorAll('ol.lf-steps > li')].map((li) => li.textContent)).to.deep.equal([
      'Scan deze QR-code met de camera van je telefoon.',
      'Open de link. Vraagt je telefoon erom, zet de app dan op je beginscherm.',
      'Zet goedkeuren aan en bevestig met je vingerafdruk of gezichtsherkenning.',
    ]);
    expect(step.querySelector('svg')!.getAttribute('aria-label')).to.equal('QR-code om inloggen goedkeuren op je telefoon in te stellen');
    expect(step.querySelector('a')!.textContent!.trim()).to.equal('Stel je dit in op deze telefoon? Open de app');
    expect(step.querySelector('[role=status]')!.textContent!.trim()).to.equal('Wachten op je telefoon…');
    expect(button(step, 'Terug')).to.exist;
    const expired = await mount({ expiresAt: 0 }, { lang: 'nl' });
    expect(expired.querySelector('[role=status]')!.textContent!.trim()).to.equal('Deze code is verlopen.');
    expect(button(expired, 'Maak een nieuwe code')).to.exist;
    const code = await enrolled({ lang: 'nl' });
    expect(code.querySelector('[role=status]')!.textContent!.trim()).to.equal('Je telefoon toont een 6-cijferige code. Vul die hier in om af te ronden.');
    expect(codeInput(code)!.labels![0]!.textContent).to.equal('Je telefoon toont een 6-cijferige code. Vul die hier in om af te ronden.');
    code.error = { code: 'invalid_code', field: 'code' };
    await code.updateComplete;
    expect(code.querySelector('.lf-error')!.textContent).to.equal('De code klopt niet. Controleer de code op je telefoon en probeer het opnieuw.');
    const fired = oneEvent(code, 'lf-intent') as Promise<StepIntentEvent>;
    codeInput(code)!.value = '123456';
    button(code, 'Bevestigen')!.click();
    expect((await fired).body).to.deep.equal({ code: '123456' });
  });

  for (const lang of ['en', 'nl'] as const) {
    it(`fits a 320 px phone with nothing sticking out, and passes axe (${lang})`, async () => {
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, loginFlowSheet()];
      await setViewport({ width: 320, height: 900 });
      try {
        // Waiting with the QR code, expired, and asking for the phone's code after a wrong one.
        for (const view of ['waiting', 'expired', 'code'] as const) {
          await new Promise((resolve) => setTimeout(resolve));
          const next = wait.polls.length + 1;
          const card = await fixture<HTMLElement>(html`<login-flow
            ><lf-approver-setup-step
              .data=${data({ expiresAt: view === 'expired' ? 0 : Date.now() + 60_000 })}
              .actions=${['check', 'renew', 'back']}
              .t=${translator(lang)}
              .flowId=${FLOW_ID}
              .api=${API}
            ></lf-approver-setup-step
          ></login-flow>`);
          const step = card.querySelector<ApproverSetupStep>('lf-approver-setup-step')!;
          if (view === 'code') {
            (await wait.poll(next)).answer(true);
            await until(step, () => codeInput(step));
            step.error = { code: 'invalid_code', field: 'code' };
          }
          await step.updateComplete;
          expect(outside(card)).to.deep.equal([]);
          expect(await axe(card)).to.deep.equal([]);
          expect(document.documentElement.scrollWidth).to.be.at.most(320);
          for (const control of card.querySelectorAll('.lf-button, .lf-button-secondary')) {
            expect(control.getBoundingClientRect().width, control.textContent!).to.be.closeTo(content(card).width, 1);
          }
        }
      } finally {
        await setViewport({ width: 800, height: 600 });
        document.adoptedStyleSheets = document.adoptedStyleSheets.filter((sheet) => sheet !== loginFlowSheet());
      }
    });
  }
});
