import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { setViewport } from '@web/test-runner-commands';
import '../../components/steps/second-factor/second-factor-step.js';
// The approver chunk: registers <lf-approval-view>, adds its words and its style rules.
import '../../components/steps/approval/approver-steps.js';
import type { SecondFactorStep } from '../../components/steps/second-factor/second-factor-step.js';
import type { StepIntentEvent } from '../../components/lib/events.js';
import type { ClientError } from '../../components/lib/api.js';
import { translator } from '../../components/lib/i18n.js';
import { loginFlowSheet } from '../../components/login-flow/styles.js';
import { axe, content, outside } from './helpers.js';
import type { StepMap } from '../../server/flows/protocol.js';

type Data = StepMap['second-factor']['data'];

const FLOW_ID = 'flow-id-of-this-test';
/** Another origin than the test page's, as an embedded widget's API: the wait goes there. */
const API = 'https://api.example.com';

/** The server lists the approver first; a request sent two minutes ago would still be live (it lives two minutes). */
function data(overrides: Partial<Data> = {}): Data {
  return { methods: ['approver', 'totp', 'recovery_code'], rememberDays: 30, ...overrides };
}

function pending(number = '42', expiresAt = Date.now() + 120_000): Pick<Data, 'approval'> {
  return { approval: { number, expiresAt } };
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

/** The intents a step sends, as `<login-flow>` would receive them. */
function record(step: HTMLElement): StepIntentEvent[] {
  const intents: StepIntentEvent[] = [];
  step.addEventListener('lf-intent', (event) => intents.push(event));
  return intents;
}

interface MountOptions {
  lang?: 'en' | 'nl';
  busy?: boolean;
  error?: ClientError;
  /** Listens from before the first render, which may send an intent. */
  intents?: StepIntentEvent[];
}

async function mount(overrides: Partial<Data> = {}, { lang = 'en', busy = false, error, intents }: MountOptions = {}): Promise<SecondFactorStep> {
  const parent = document.createElement('div');
  if (intents) parent.addEventListener('lf-intent', (event) => intents.push(event));
  return fixture<SecondFactorStep>(
    html`<lf-second-factor-step .data=${data(overrides)} .error=${error} .t=${translator(lang)} ?busy=${busy} .flowId=${FLOW_ID} .api=${API}></lf-second-factor-step>`,
    { parentNode: parent },
  );
}

function button(step: Element, text: string): HTMLButtonElement | undefined {
  return [...step.querySelectorAll('button')].find((b) => b.textContent!.trim() === text);
}

function status(step: Element): string {
  return step.querySelector('[role=status]')!.textContent!.trim();
}

/** The step and the approval view inside it, both updated. */
async function settled(step: SecondFactorStep): Promise<void> {
  await step.updateComplete;
  await step.querySelector('lf-approval-view')?.updateComplete;
}

/** Resolves once `check` holds: waits on DOM mutations, not on a clock. */
async function until(element: Element, check: () => boolean): Promise<void> {
  while (!check()) {
    await new Promise<void>((resolve) => {
      const observer = new MutationObserver(() => {
        observer.disconnect();
        resolve();
      });
      observer.observe(element, { subtree: true, childList: true, characterData: true, attributes: true });
    });
  }
}

describe('<lf-second-factor-step> with the approver', () => {
  let wait: WaitStub;
  beforeEach(() => {
    wait = new WaitStub();
  });
  afterEach(() => {
    wait.restore();
  });

  it('asks for a sign-in request on its own, once, when it first shows', async () => {
    const intents: StepIntentEvent[] = [];
    const step = await mount({}, { intents });
    expect(step.querySelector('h2')!.textContent).to.equal('Check your phone');
    expect(intents.map((intent) => [intent.action, intent.body])).to.deep.equal([['send-approval', {}]]);
    // <login-flow> posts it; the answer (here: a refusal to send, such as rate_limited, shown in its banner) re-renders the step.
    step.busy = true;
    await settled(step);
    expect(status(step)).to.equal('Sending a sign-in request to your phone…');
    expect(button(step, 'Please wait…')).to.equal(undefined);
    step.busy = false;
    step.data = data();
    await settled(step);
    expect(intents.length).to.equal(1);
    // Not sent: the person may ask again.
    button(step, 'Send again')!.click();
    expect(intents.map((intent) => intent.action)).to.deep.equal(['send-approval', 'send-approval']);
  });

  it('asks for no new request when one is on the phone already', async () => {
    const intents: StepIntentEvent[] = [];
    await mount(pending(), { intents });
    expect(intents.map((intent) => intent.action)).to.deep.equal([]);
  });

  it('shows the number to pick on the phone, large and named for screen readers', async () => {
    const step = await mount(pending('42'));
    const intro = step.querySelector('lf-approval-view p.lf-intro')!;
    expect(intro.textContent).to.equal('We sent a sign-in request to your phone. Tap the notification and pick this number:');
    const number = step.querySelector('.lf-number')!;
    expect(number.textContent).to.equal('42');
    expect(number.getAttribute('role')).to.equal('img');
    expect(number.getAttribute('aria-label')).to.equal('Number 42');
    expect(status(step)).to.equal('Waiting for your phone…');
    expect(step.querySelector('[role=status]')!.hasAttribute('data-busy')).to.equal(true);
    expect(button(step, 'Send again')).to.equal(undefined);
  });

  it('long-polls the wait with the flow id, and sends approval once the phone decided', async () => {
    const step = await mount(pending());
    const intents = record(step);
    const first = await wait.poll(1);
    expect(first.url.href).to.equal(`${API}/api/flows/-/wait`);
    expect(first.flowId).to.equal(FLOW_ID);
    first.answer(false);
    const second = await wait.poll(2);
    expect(intents.length).to.equal(0);
    const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
    second.answer(true);
    const intent = await fired;
    expect(intent.action).to.equal('approval');
    expect(intent.body).to.deep.equal({ remember: false });
  });

  it('remembers the device when the box is ticked', async () => {
    const step = await mount(pending());
    const remember = step.querySelector<HTMLInputElement>('input[name=remember]')!;
    expect(remember.labels![0]!.textContent).to.equal('Remember this device for 30 days');
    remember.click();
    const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
    (await wait.poll(1)).answer(true);
    expect((await fired).body).to.deep.equal({ remember: true });
  });

  it('waits on in silence when approval answers approval_pending', async () => {
    const step = await mount(pending());
    const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
    (await wait.poll(1)).answer(true);
    await fired;
    step.busy = true;
    await settled(step);
    expect(wait.polls.length).to.equal(1);
    step.busy = false;
    step.data = data(pending());
    step.error = { code: 'approval_pending' };
    await settled(step);
    const again = await wait.poll(2);
    expect(again.signal.aborted).to.equal(false);
    expect(status(step)).to.equal('Waiting for your phone…');
    expect(step.querySelector('.lf-error, [role=alert]')).to.equal(null);
  });

  it('says a refused sign-in was refused, stops waiting, and sends again', async () => {
    const step = await mount(pending());
    const poll = await wait.poll(1);
    step.error = { code: 'approval_denied' };
    await settled(step);
    await poll.aborted;
    expect(status(step)).to.equal('The sign-in was refused on your phone.');
    expect(step.querySelector('[role=status]')!.className).to.equal('lf-error');
    expect(step.querySelector('.lf-number')).to.equal(null);
    const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
    button(step, 'Send again')!.click();
    expect((await fired).action).to.equal('send-approval');
  });

  it('says so when the server answers that the request was refused or expired (and drops it)', async () => {
    const refused = await mount({}, { error: { code: 'approval_denied' } });
    expect(status(refused)).to.equal('The sign-in was refused on your phone.');
    expect(button(refused, 'Send again')).to.exist;
    const expired = await mount({}, { error: { code: 'approval_expired' } });
    expect(status(expired)).to.equal('The request expired.');
    expect(expired.querySelector('[role=status]')!.className).to.equal('lf-error');
    expect(button(expired, 'Send again')).to.exist;
    expect(wait.polls.length).to.equal(0);
  });

  it('asks the server when the wait says the flow is gone or has moved on', async () => {
    for (const code of [404, 409, 410]) {
      const step = await mount(pending());
      const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
      (await wait.poll(wait.polls.length + 1)).refuse(code);
      expect((await fired).action, String(code)).to.equal('approval');
    }
  });

  it('waits longer before asking again when approval answered "not yet" after a ready wait', async () => {
    const step = await mount(pending());
    const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
    (await wait.poll(1)).answer(true);
    await fired;
    step.busy = true;
    await settled(step);
    const answeredAt = performance.now();
    step.busy = false;
    step.error = { code: 'approval_pending' };
    await settled(step);
    await wait.poll(2);
    expect(performance.now() - answeredAt).to.be.at.least(900);
  });

  it('says an expired request expired (from the server), and sends again', async () => {
    const step = await mount(pending(), { error: { code: 'approval_expired' } });
    expect(status(step)).to.equal('The request expired.');
    expect(wait.polls.length).to.equal(0);
    const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
    button(step, 'Send again')!.click();
    expect((await fired).action).to.equal('send-approval');
  });

  it('stops waiting, and says so, when the request expires while it shows', async () => {
    const step = await mount(pending('17', Date.now() + 300));
    const poll = await wait.poll(1);
    await until(step, () => !!button(step, 'Send again'));
    await poll.aborted;
    expect(status(step)).to.equal('The request expired.');
    expect(step.querySelector('.lf-number')).to.equal(null);
  });

  it('waits for the new request after "Send again"', async () => {
    const step = await mount(pending('17', Date.now() - 1));
    expect(status(step)).to.equal('The request expired.');
    step.data = data(pending('83'));
    await settled(step);
    expect(step.querySelector('.lf-number')!.textContent).to.equal('83');
    expect((await wait.poll(1)).flowId).to.equal(FLOW_ID);
  });

  it('tries another way: the code form, and the way back to the phone without a new request', async () => {
    const intents: StepIntentEvent[] = [];
    const step = await mount(pending(), { intents });
    const poll = await wait.poll(1);
    button(step, 'Try another way')!.click();
    await settled(step);
    await poll.aborted;
    expect(step.querySelector('lf-approval-view')).to.equal(null);
    const input = step.querySelector<HTMLInputElement>('input[name=code]')!;
    expect(document.activeElement).to.equal(input);
    expect(step.textContent).to.contain('Enter the 6-digit code from your authenticator app.');
    expect(button(step, 'Use a recovery code')).to.exist;
    button(step, 'Approve on your phone')!.click();
    await settled(step);
    expect(step.querySelector('.lf-number')!.textContent).to.equal('42');
    expect(intents.length).to.equal(0);
    expect((await wait.poll(2)).signal.aborted).to.equal(false);
  });

  it('tries the recovery code when nothing else is left', async () => {
    const step = await mount({ methods: ['approver', 'recovery_code'], ...pending() });
    button(step, 'Try another way')!.click();
    await settled(step);
    expect(step.querySelector('input[name=recovery-code]')).to.exist;
  });

  it('offers no other way when the approver is all there is', async () => {
    const step = await mount({ methods: ['approver'], ...pending() });
    expect(button(step, 'Try another way')).to.equal(undefined);
  });

  it('speaks Dutch', async () => {
    const step = await mount(pending('42'), { lang: 'nl' });
    expect(step.querySelector('h2')!.textContent).to.equal('Kijk op je telefoon');
    expect(step.querySelector('lf-approval-view p.lf-intro')!.textContent).to.equal(
      'We hebben een inlogverzoek naar je telefoon gestuurd. Tik op de melding en kies dit getal:',
    );
    expect(step.querySelector('.lf-number')!.getAttribute('aria-label')).to.equal('Getal 42');
    expect(status(step)).to.equal('Wachten op je telefoon…');
    expect(step.querySelector<HTMLInputElement>('input[name=remember]')!.labels![0]!.textContent).to.equal('Onthoud dit apparaat 30 dagen');
    button(step, 'Een andere manier proberen')!.click();
    await settled(step);
    expect(button(step, 'Goedkeuren op je telefoon')).to.exist;
    const refused = await mount(pending(), { lang: 'nl', error: { code: 'approval_denied' } });
    expect(status(refused)).to.equal('Het inloggen is op je telefoon geweigerd.');
    expect(button(refused, 'Opnieuw sturen')).to.exist;
    const expired = await mount(pending(), { lang: 'nl', error: { code: 'approval_expired' } });
    expect(status(expired)).to.equal('Het verzoek is verlopen.');
  });

  for (const lang of ['en', 'nl'] as const) {
    it(`fits a 320 px phone with nothing sticking out, and passes axe, the number large (${lang})`, async () => {
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, loginFlowSheet()];
      await setViewport({ width: 320, height: 900 });
      try {
        for (const [approval, error] of [[pending('42')], [pending('42'), { code: 'approval_denied' }]] as const) {
          const card = await fixture<HTMLElement>(html`<login-flow
            ><lf-second-factor-step .data=${data(approval)} .error=${error} .t=${translator(lang)} .flowId=${FLOW_ID} .api=${API}></lf-second-factor-step
          ></login-flow>`);
          await settled(card.querySelector('lf-second-factor-step')!);
          expect(outside(card)).to.deep.equal([]);
          expect(await axe(card)).to.deep.equal([]);
          expect(document.documentElement.scrollWidth).to.be.at.most(320);
          for (const control of card.querySelectorAll('.lf-button')) {
            expect(control.getBoundingClientRect().width, control.textContent!).to.be.closeTo(content(card).width, 1);
          }
          const number = card.querySelector('.lf-number');
          if (number) expect(parseFloat(getComputedStyle(number).fontSize)).to.be.at.least(40);
        }
      } finally {
        await setViewport({ width: 800, height: 600 });
        document.adoptedStyleSheets = document.adoptedStyleSheets.filter((sheet) => sheet !== loginFlowSheet());
      }
    });
  }
});
