import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import { sendKeys, setViewport } from '@web/test-runner-commands';
import '../../components/index.js';
import type { LoginFlow, LoginFlowErrorEvent } from '../../components/index.js';
import type { StepIntentEvent } from '../../components/lib/events.js';
import { translator } from '../../components/lib/i18n.js';
import { loginFlowSheet } from '../../components/login-flow/styles.js';
import type { RecoveryRequestStep } from '../../components/steps/recovery/recovery-request-step.js';
import type { SecondFactorStep } from '../../components/steps/second-factor/second-factor-step.js';
import type { StepMap } from '../../server/flows/protocol.js';
import { apiUrl, axe, content, createUser, fill, outside, stubFetch, untilStep } from './helpers.js';

type Data = StepMap['second-factor']['data'];
const plain: Data = { methods: ['totp', 'recovery_code'], rememberDays: null };
const open: Data = { ...plain, recoveryRequest: { employeeNumber: false } };
const withNumber: Data = { ...plain, recoveryRequest: { employeeNumber: true } };

function mount(data: Data, { lang = 'en', email = 'ada@example.com' }: { lang?: 'en' | 'nl'; email?: string } = {}): Promise<SecondFactorStep> {
  return fixture<SecondFactorStep>(html`<lf-second-factor-step .data=${data} .t=${translator(lang)} .email=${email}></lf-second-factor-step>`);
}

function buttons(element: Element): string[] {
  return [...element.querySelectorAll('button')].map((b) => b.textContent!.trim());
}

function button(element: Element, text: string): HTMLButtonElement {
  const found = [...element.querySelectorAll('button')].find((b) => b.textContent!.trim() === text);
  if (!found) throw new Error(`no button "${text}" in ${buttons(element).join(', ')}`);
  return found;
}

/** Clicks "Lost access to your phone?" and waits for the form, whose chunk loads on that click. */
async function openForm(step: SecondFactorStep, link = 'Lost access to your phone?'): Promise<RecoveryRequestStep> {
  button(step, link).click();
  for (let i = 0; i < 100 && !step.querySelector('lf-recovery-request-step'); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  const form = step.querySelector('lf-recovery-request-step')!;
  expect(form, 'the form opened').to.not.equal(null);
  await form.updateComplete;
  return form;
}

function note(element: Element): HTMLTextAreaElement {
  return element.querySelector<HTMLTextAreaElement>('textarea[name=note]')!;
}

function typeNote(element: Element, value: string): void {
  const field = note(element);
  field.value = value;
  field.dispatchEvent(new Event('input', { bubbles: true }));
}

async function submit(form: RecoveryRequestStep): Promise<StepIntentEvent> {
  const fired = oneEvent(form, 'lf-intent') as Promise<StepIntentEvent>;
  form.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
  return fired;
}

function countIntents(element: Element): () => number {
  let intents = 0;
  element.addEventListener('lf-intent', () => (intents += 1));
  return () => intents;
}

describe('"Lost access to your phone?" at the second factor', () => {
  it('is offered only when the server opens recovery requests to the person', async () => {
    expect(buttons(await mount(plain))).to.not.include('Lost access to your phone?');
    expect(buttons(await mount(open))).to.include('Lost access to your phone?');
    expect(buttons(await mount(open, { lang: 'nl' }))).to.include('Geen toegang meer tot je telefoon?');
  });

  it('opens the form in place: the explanation, the address, a labelled note with its hint, focus on the note', async () => {
    const step = await mount(open);
    const form = await openForm(step);
    expect(step.querySelector('input[name=code]')).to.equal(null);
    expect(form.querySelector('h2')!.textContent).to.equal('Request recovery');
    const intros = [...form.querySelectorAll('.lf-intro')].map((p) => p.textContent);
    expect(intros).to.deep.equal([
      'Your administrator checks the request and emails you a link to set up two-step verification again.',
      'The answer goes to ada@example.com.',
    ]);
    const field = note(form);
    expect(field.labels[0]!.textContent).to.equal('Note for your administrator');
    expect(field.required).to.equal(true);
    expect(form.querySelector(`#${field.getAttribute('aria-describedby')}`)!.textContent).to.contain('phone lost or replaced');
    expect(document.activeElement).to.equal(field);
    // No email field (the server knows the person) and no employee number unless the company asks.
    expect(form.querySelector('input[name=email]')).to.equal(null);
    expect(form.querySelector('input[name=employee-number]')).to.equal(null);
    expect(buttons(form)).to.deep.equal(['Send request', 'Cancel']);
  });

  it('shows no address when the widget does not know it', async () => {
    const form = await openForm(await mount(open, { email: '' }));
    expect(form.querySelectorAll('.lf-intro')).to.have.length(1);
  });

  it('refuses an empty note and one over 1000 characters, before asking the server', async () => {
    const form = await openForm(await mount(open));
    const intents = countIntents(form);
    typeNote(form, '   ');
    button(form, 'Send request').click();
    await form.updateComplete;
    const field = note(form);
    expect(field.getAttribute('aria-invalid')).to.equal('true');
    const error = form.querySelector(`#${field.getAttribute('aria-describedby')!.split(' ')[1]}`)!;
    expect(error.getAttribute('role')).to.equal('alert');
    expect(error.textContent).to.equal('Write a short note for your administrator.');
    expect(document.activeElement).to.equal(field);
    // Pasted text is not cut off at 1000: the person sees it all and shortens it.
    typeNote(form, 'x'.repeat(1001));
    button(form, 'Send request').click();
    await form.updateComplete;
    expect(form.querySelector('.lf-error')!.textContent).to.equal('Your note is too long: keep it to 1000 characters.');
    expect(note(form).value).to.have.length(1001);
    expect(intents()).to.equal(0);
    typeNote(form, 'x'.repeat(1000));
    expect((await submit(form)).body).to.deep.equal({ note: 'x'.repeat(1000) });
  });

  it('posts request-recovery with the trimmed note', async () => {
    const form = await openForm(await mount(open));
    typeNote(form, '  My phone fell in the canal. Call me on 020 123 4567.  ');
    const intent = await submit(form);
    expect(intent.action).to.equal('request-recovery');
    expect(intent.body).to.deep.equal({ note: 'My phone fell in the canal. Call me on 020 123 4567.' });
  });

  it('asks for the employee number when the company keeps them, and sends it if given', async () => {
    let form = await openForm(await mount(withNumber));
    const number = form.querySelector<HTMLInputElement>('input[name=employee-number]')!;
    expect(number.labels![0]!.textContent).to.equal('Employee number (if your employer gave you one)');
    // Whoever decides sees that none was given: a person who does not know theirs can still ask.
    expect(number.required).to.equal(false);
    typeNote(form, 'New phone.');
    expect((await submit(form)).body).to.deep.equal({ note: 'New phone.' });
    form = await openForm(await mount(withNumber));
    typeNote(form, 'New phone.');
    fill(form.querySelector('input[name=employee-number]')!, ' E-1234 ');
    expect((await submit(form)).body).to.deep.equal({ note: 'New phone.', employeeNumber: 'E-1234' });
  });

  it("shows the server's refusal under the field it names", async () => {
    const step = await mount(open);
    const form = await openForm(step);
    step.error = { code: 'invalid_request', field: 'note' };
    await step.updateComplete;
    await form.updateComplete;
    expect(note(form).getAttribute('aria-invalid')).to.equal('true');
    expect(form.querySelector('.lf-error')!.textContent).to.equal('Please check this field.');
  });

  it('cancels back to the methods, with focus on the code field', async () => {
    const step = await mount(open);
    const form = await openForm(step);
    button(form, 'Cancel').click();
    await step.updateComplete;
    expect(step.querySelector('lf-recovery-request-step')).to.equal(null);
    expect(document.activeElement).to.equal(step.querySelector('input[name=code]'));
    expect(buttons(step)).to.include('Lost access to your phone?');
  });

  it('sends nothing while a request runs', async () => {
    const step = await mount(open);
    const form = await openForm(step);
    const intents = countIntents(step);
    typeNote(form, 'Lost it.');
    step.busy = true;
    await step.updateComplete;
    await form.updateComplete;
    button(form, 'Please wait…').click();
    button(form, 'Cancel').click();
    expect(intents()).to.equal(0);
    expect(step.querySelector('lf-recovery-request-step')).to.equal(form);
  });

  it('is offered beside "Check your phone" too', async () => {
    const step = await mount({ methods: ['approver', 'totp'], rememberDays: null, recoveryRequest: { employeeNumber: false } });
    expect(buttons(step)).to.include('Lost access to your phone?');
  });

  it('speaks Dutch', async () => {
    const form = await openForm(await mount(withNumber, { lang: 'nl' }), 'Geen toegang meer tot je telefoon?');
    expect(form.querySelector('h2')!.textContent).to.equal('Herstel aanvragen');
    expect(form.querySelector('.lf-intro')!.textContent).to.equal('Je beheerder bekijkt het verzoek en mailt je een link om tweestapsverificatie opnieuw in te stellen.');
    expect(note(form).labels[0]!.textContent).to.equal('Toelichting voor je beheerder');
    expect(form.querySelector<HTMLInputElement>('input[name=employee-number]')!.labels![0]!.textContent).to.equal(
      'Personeelsnummer (als je werkgever je er een heeft gegeven)',
    );
    expect(buttons(form)).to.deep.equal(['Verzoek versturen', 'Annuleren']);
    button(form, 'Verzoek versturen').click();
    await form.updateComplete;
    expect(form.querySelector('.lf-error')!.textContent).to.equal('Schrijf een korte toelichting voor je beheerder.');
  });

  it('is reached and sent with the keyboard alone', async () => {
    const step = await mount(open);
    const link = button(step, 'Lost access to your phone?');
    link.focus();
    await sendKeys({ press: 'Enter' });
    for (let i = 0; i < 100 && !step.querySelector('lf-recovery-request-step'); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    const form = step.querySelector('lf-recovery-request-step')!;
    await form.updateComplete;
    expect(document.activeElement).to.equal(note(form));
    await sendKeys({ type: 'Lost my phone' });
    const fired = oneEvent(form, 'lf-intent') as Promise<StepIntentEvent>;
    await sendKeys({ press: 'Tab' });
    expect(document.activeElement).to.equal(button(form, 'Send request'));
    await sendKeys({ press: 'Enter' });
    expect((await fired).body).to.deep.equal({ note: 'Lost my phone' });
  });
});

describe('<lf-recovery-request-step> on its own page', () => {
  function page(data: StepMap['recovery-request']['data'] = {}, lang: 'en' | 'nl' = 'en'): Promise<RecoveryRequestStep> {
    return fixture<RecoveryRequestStep>(html`<lf-recovery-request-step .data=${data} .t=${translator(lang)}></lf-recovery-request-step>`);
  }

  it('asks for the address, a note and an employee number if the person has one; no Cancel', async () => {
    const form = await page();
    expect(form.querySelector('.lf-intro')!.textContent).to.contain('No longer have access to your authenticator app or phone?');
    const email = form.querySelector<HTMLInputElement>('input[name=email]')!;
    expect(email.labels![0]!.textContent).to.equal('Email address');
    expect(email.type).to.equal('email');
    expect(email.hasAttribute('data-autofocus')).to.equal(true);
    const number = form.querySelector<HTMLInputElement>('input[name=employee-number]')!;
    expect(number.labels![0]!.textContent).to.equal('Employee number (if your employer gave you one)');
    expect(number.required).to.equal(false);
    expect(buttons(form)).to.deep.equal(['Send request']);
  });

  it('refuses an empty address, then posts request with what was entered', async () => {
    const form = await page();
    const intents = countIntents(form);
    typeNote(form, 'Lost my phone.');
    button(form, 'Send request').click();
    await form.updateComplete;
    expect(form.querySelector('.lf-error')!.textContent).to.equal('Enter your email address.');
    expect(form.querySelector('input[name=email]')!.getAttribute('aria-invalid')).to.equal('true');
    expect(intents()).to.equal(0);
    fill(form.querySelector('input[name=email]')!, ' ada@example.com ');
    let intent = await submit(form);
    expect(intent.action).to.equal('request');
    expect(intent.body).to.deep.equal({ email: 'ada@example.com', note: 'Lost my phone.' });
    fill(form.querySelector('input[name=employee-number]')!, '42');
    intent = await submit(form);
    expect(intent.body).to.deep.equal({ email: 'ada@example.com', note: 'Lost my phone.', employeeNumber: '42' });
  });

  it('fills in a known address and starts at the note', async () => {
    const form = await page({ email: 'ada@example.com' });
    expect(form.querySelector<HTMLInputElement>('input[name=email]')!.value).to.equal('ada@example.com');
    expect(form.querySelector('input[name=email]')!.hasAttribute('data-autofocus')).to.equal(false);
    expect(note(form).hasAttribute('data-autofocus')).to.equal(true);
  });

  it('speaks Dutch', async () => {
    const form = await page({}, 'nl');
    expect(form.querySelector('input[name=email]')!.closest('.lf-field')!.querySelector('label')!.textContent).to.equal('E-mailadres');
    expect(form.querySelector('input[name=employee-number]')!.closest('.lf-field')!.querySelector('label')!.textContent).to.equal(
      'Personeelsnummer (als je werkgever je er een heeft gegeven)',
    );
    expect(buttons(form)).to.deep.equal(['Verzoek versturen']);
  });

  for (const lang of ['en', 'nl'] as const) {
    it(`fits a 320 px phone with nothing sticking out, and passes axe, at the second factor and on its own page (${lang})`, async () => {
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, loginFlowSheet()];
      await setViewport({ width: 320, height: 900 });
      try {
        const inline = await fixture<HTMLElement>(html`<login-flow
          ><lf-second-factor-step .data=${withNumber} .t=${translator(lang)} .email=${'a.very.long.address.of.someone@subdomain.example.com'}></lf-second-factor-step
        ></login-flow>`);
        const step = inline.querySelector<SecondFactorStep>('lf-second-factor-step')!;
        await step.updateComplete;
        const form = await openForm(step, lang === 'en' ? 'Lost access to your phone?' : 'Geen toegang meer tot je telefoon?');
        step.error = { code: 'invalid_request', field: 'note' };
        await step.updateComplete;
        await form.updateComplete;
        const own = await fixture<HTMLElement>(html`<login-flow><lf-recovery-request-step .data=${{}} .t=${translator(lang)}></lf-recovery-request-step></login-flow>`);
        await own.querySelector<RecoveryRequestStep>('lf-recovery-request-step')!.updateComplete;
        for (const card of [inline, own]) {
          expect(outside(card)).to.deep.equal([]);
          expect(await axe(card)).to.deep.equal([]);
          expect(document.documentElement.scrollWidth).to.be.at.most(320);
          // The step's own controls (the bare <login-flow> around it, without an API, offers "Try again").
          for (const control of card.querySelectorAll(':is(lf-second-factor-step, lf-recovery-request-step) :is(.lf-button, .lf-button-secondary, .lf-textarea)')) {
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

describe('<lf-recovery-requested-step>', () => {
  const data = { email: 'ada@example.com', expiresInDays: 7 };

  it('says the same for every address, how long the request stays open, and offers no action', async () => {
    const step = await fixture(html`<lf-recovery-requested-step .data=${data} .t=${translator('en')}></lf-recovery-requested-step>`);
    const title = step.querySelector('h2')!;
    expect(title.textContent).to.equal('Request sent');
    expect(title.hasAttribute('data-autofocus')).to.equal(true);
    expect(step.querySelector('.lf-intro')!.textContent).to.equal(
      "If an account exists for ada@example.com, your administrator will look at your request. You'll get an email once it is decided; the request stays open for 7 days.",
    );
    expect(step.querySelectorAll('button, a')).to.have.length(0);
  });

  it('speaks Dutch', async () => {
    const step = await fixture(html`<lf-recovery-requested-step .data=${data} .t=${translator('nl')}></lf-recovery-requested-step>`);
    expect(step.querySelector('h2')!.textContent).to.equal('Verzoek verstuurd');
    expect(step.querySelector('.lf-intro')!.textContent).to.equal(
      'Als er een account is voor ada@example.com, bekijkt je beheerder je verzoek. Je krijgt een e-mail zodra erover is beslist; het verzoek blijft 7 dagen open.',
    );
  });

  it('shows an address with markup in it as text', async () => {
    const email = '"<img src=x onerror=alert(1)>"@example.com';
    const step = await fixture(html`<lf-recovery-requested-step .data=${{ email, expiresInDays: 7 }} .t=${translator('en')}></lf-recovery-requested-step>`);
    expect(step.querySelector('img')).to.equal(null);
    expect(step.querySelector('.lf-intro')!.textContent).to.contain(email);
  });
});

describe('<login-flow> and recovery requests', () => {
  const realFetch = window.fetch;
  afterEach(() => {
    window.fetch = realFetch;
    history.replaceState(history.state, '', location.pathname + location.search);
  });

  const state = (step: string, data: unknown, actions: string[], kind = 'login') => ({ id: 'flow-1', kind, step, data, actions, expiresAt: Date.now() + 60_000 });

  it('refuses a recover flow without a token with recovery_link_invalid, without asking the server', async () => {
    const requests = stubFetch([]);
    const flow = await fixture<LoginFlow>(html`<login-flow api="http://api.example.test" flow="recover"></login-flow>`);
    await flow.updateComplete;
    expect(requests).to.deep.equal([]);
    expect(flow.querySelector('h2')!.textContent).to.equal('This link no longer works');
    expect(flow.querySelector('[role=alert]')!.textContent).to.contain('If you still cannot sign in, send a new recovery request.');
    expect(buttons(flow)).to.deep.equal(['Sign in']);
  });

  it("says so in Dutch when the server refuses the link's token", async () => {
    stubFetch([{ status: 410, body: { error: { code: 'recovery_link_invalid', message: '' } } }]);
    const flow = await fixture<LoginFlow>(html`<login-flow api="http://api.example.test" flow="recover" token="spent" lang="nl"></login-flow>`);
    expect(((await oneEvent(flow, 'lf-error')) as LoginFlowErrorEvent).code).to.equal('recovery_link_invalid');
    await flow.updateComplete;
    expect(flow.querySelector('h2')!.textContent).to.equal('Deze link werkt niet meer');
    expect(flow.querySelector('[role=alert]')!.textContent).to.contain('Dien dan een nieuw herstelverzoek in.');
  });

  it('opens a recover flow with the token from the #token= fragment, then the password step without Change or Forgot', async () => {
    history.replaceState(history.state, '', `${location.pathname}${location.search}#token=the-recovery-link`);
    const requests = stubFetch([{ status: 200, body: state('password', { email: 'ada@example.com' }, ['password'], 'recover') }]);
    const flow = await fixture<LoginFlow>(html`<login-flow api="http://api.example.test" flow="recover"></login-flow>`);
    await untilStep(flow, 'password');
    expect(requests).to.deep.equal([{ path: '/api/flows/recover', body: { token: 'the-recovery-link' } }]);
    expect(location.hash).to.equal('');
    expect(flow.textContent).to.contain('ada@example.com');
    // The server lists only `password`: no way back to another address, no "Forgot your password?".
    expect(buttons(flow.querySelector('lf-password-step')!).filter(Boolean)).to.deep.equal(['Sign in']);
  });

  it('runs the public form: recovery-request, then Request sent, loading their chunk', async () => {
    const requests = stubFetch([
      { status: 200, body: state('recovery-request', {}, ['request'], 'recovery-request') },
      { status: 200, body: state('recovery-requested', { email: 'ada@example.com', expiresInDays: 7 }, [], 'recovery-request') },
    ]);
    const flow = await fixture<LoginFlow>(html`<login-flow api="http://api.example.test" flow="recovery-request"></login-flow>`);
    await untilStep(flow, 'recovery-request');
    const form = flow.querySelector<RecoveryRequestStep>('lf-recovery-request-step')!;
    fill(form.querySelector('input[name=email]')!, 'ada@example.com');
    typeNote(form, '<b>lost</b> my phone');
    button(form, 'Send request').click();
    await untilStep(flow, 'recovery-requested');
    expect(requests).to.deep.equal([
      { path: '/api/flows/recovery-request', body: {} },
      { path: '/api/flows/-/request', body: { email: 'ada@example.com', note: '<b>lost</b> my phone' } },
    ]);
    expect(flow.querySelector('h2')!.textContent).to.equal('Request sent');
    expect(document.activeElement).to.equal(flow.querySelector('h2'));
  });

  it('posts request-recovery from the second factor with the address the person entered, and shows Request sent', async () => {
    const requests = stubFetch([
      { status: 200, body: state('email', {}, ['email']) },
      { status: 200, body: state('password', { email: 'ada@example.com' }, ['password', 'back', 'forgot']) },
      { status: 200, body: state('second-factor', open, ['totp', 'recovery-code', 'request-recovery']) },
      { status: 200, body: state('recovery-requested', { email: 'ada@example.com', expiresInDays: 7 }, []) },
    ]);
    const flow = await fixture<LoginFlow>(html`<login-flow api="http://api.example.test"></login-flow>`);
    await untilStep(flow, 'email');
    fill(flow.querySelector('input[name=username]')!, 'ada@example.com');
    flow.querySelector<HTMLButtonElement>('lf-email-step button[type=submit]')!.click();
    await untilStep(flow, 'password');
    fill(flow.querySelector('input[name=password]')!, 'correct horse battery staple');
    flow.querySelector<HTMLButtonElement>('lf-password-step button[type=submit]')!.click();
    await untilStep(flow, 'second-factor');
    const form = await openForm(flow.querySelector<SecondFactorStep>('lf-second-factor-step')!);
    expect(form.textContent).to.contain('The answer goes to ada@example.com.');
    typeNote(form, 'New phone, old one wiped.');
    button(form, 'Send request').click();
    await untilStep(flow, 'recovery-requested');
    expect(requests.at(-1)).to.deep.equal({ path: '/api/flows/-/request-recovery', body: { note: 'New phone, old one wiped.' } });
    expect(flow.querySelector('.lf-intro')!.textContent).to.contain('If an account exists for ada@example.com');
  });
});

describe('recovery requests against the real API', () => {
  it('files a request from the second factor after the password, and says Request sent', async () => {
    const user = await createUser({ totp: true });
    const flow = await fixture<LoginFlow>(html`<login-flow api=${await apiUrl()}></login-flow>`);
    await untilStep(flow, 'email');
    fill(flow.querySelector('input[name=username]')!, user.email);
    flow.querySelector<HTMLButtonElement>('lf-email-step button[type=submit]')!.click();
    await untilStep(flow, 'password');
    fill(flow.querySelector('input[name=password]')!, user.password);
    flow.querySelector<HTMLButtonElement>('lf-password-step button[type=submit]')!.click();
    await untilStep(flow, 'second-factor');
    const form = await openForm(flow.querySelector<SecondFactorStep>('lf-second-factor-step')!);
    expect(form.textContent).to.contain(`The answer goes to ${user.email}.`);
    typeNote(form, 'My phone was stolen; call me at the front desk.');
    button(form, 'Send request').click();
    await untilStep(flow, 'recovery-requested');
    expect(flow.querySelector('h2')!.textContent).to.equal('Request sent');
    expect(flow.querySelector('.lf-intro')!.textContent).to.equal(
      `If an account exists for ${user.email}, your administrator will look at your request. You'll get an email once it is decided; the request stays open for 7 days.`,
    );
  });

  it('answers the public form the same for an address without an account, in Dutch', async () => {
    const flow = await fixture<LoginFlow>(html`<login-flow api=${await apiUrl()} flow="recovery-request" lang="nl"></login-flow>`);
    await untilStep(flow, 'recovery-request');
    const form = flow.querySelector<RecoveryRequestStep>('lf-recovery-request-step')!;
    fill(form.querySelector('input[name=email]')!, 'nobody-here@example.com');
    typeNote(form, 'Telefoon kwijt.');
    button(form, 'Verzoek versturen').click();
    await untilStep(flow, 'recovery-requested');
    expect(flow.querySelector('h2')!.textContent).to.equal('Verzoek verstuurd');
    expect(flow.querySelector('.lf-intro')!.textContent).to.contain('Als er een account is voor nobody-here@example.com');
  });

  it("shows the server's refusal of a malformed address under the field", async () => {
    const flow = await fixture<LoginFlow>(html`<login-flow api=${await apiUrl()} flow="recovery-request"></login-flow>`);
    await untilStep(flow, 'recovery-request');
    const form = flow.querySelector<RecoveryRequestStep>('lf-recovery-request-step')!;
    fill(form.querySelector('input[name=email]')!, 'not an address');
    typeNote(form, 'Lost my phone.');
    const refused = oneEvent(flow, 'lf-error') as Promise<LoginFlowErrorEvent>;
    button(form, 'Send request').click();
    expect((await refused).code).to.equal('invalid_email');
    await form.updateComplete;
    const email = form.querySelector('input[name=email]')!;
    expect(email.getAttribute('aria-invalid')).to.equal('true');
    expect(form.querySelector('.lf-error')!.textContent).to.equal('Enter a valid email address, like name@example.com.');
    await waitUntil(() => document.activeElement === email, 'focus goes to the refused address');
  });
});
