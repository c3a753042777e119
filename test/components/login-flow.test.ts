import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import { executeServerCommand, sendKeys } from '@web/test-runner-commands';
import '../../components/index.js';
import type { LoginFlow, LoginFlowErrorEvent, LoginFlowSuccessEvent } from '../../components/index.js';
import { apiUrl, createSession, createUser, fill, stubFetch, totpCode, untilStep } from './helpers.js';

async function mount(attributes: { lang?: string } = {}): Promise<LoginFlow> {
  const api = await apiUrl();
  const flow = await fixture<LoginFlow>(html`<login-flow api=${api} lang=${attributes.lang ?? ''}></login-flow>`);
  await untilStep(flow, 'email');
  return flow;
}

async function submitEmail(flow: LoginFlow, email: string): Promise<void> {
  fill(flow.querySelector('input[name=username]')!, email);
  flow.querySelector<HTMLButtonElement>('lf-email-step button[type=submit]')!.click();
  await untilStep(flow, 'password');
}

async function submitPassword(flow: LoginFlow, password: string): Promise<void> {
  fill(flow.querySelector('input[name=password]')!, password);
  flow.querySelector<HTMLButtonElement>('lf-password-step button[type=submit]')!.click();
}

describe('<login-flow> against the real API', () => {
  it('signs a person in with email and password and hands the session to the host', async () => {
    const user = await createUser();
    const flow = await mount();
    await submitEmail(flow, user.email);
    const success = oneEvent(flow, 'lf-success') as Promise<LoginFlowSuccessEvent>;
    await submitPassword(flow, user.password);
    const { session } = await success;
    expect(session.user.email).to.equal(user.email);
    expect(session.amr).to.deep.equal(['pwd']);
    expect(session.jwt.split('.')).to.have.length(3);
    expect(session.expiresAt).to.be.greaterThan(Date.now());
    await untilStep(flow, 'done');
    expect(flow.textContent).to.contain(user.email);
  });

  it('asks a person with an authenticator app for its code, then signs them in', async () => {
    const user = await createUser({ totp: true });
    const flow = await mount();
    await submitEmail(flow, user.email);
    await submitPassword(flow, user.password);
    await untilStep(flow, 'second-factor');
    await new Promise(requestAnimationFrame);
    const code = flow.querySelector<HTMLInputElement>('input[name=code]')!;
    expect(document.activeElement).to.equal(code);
    const otp = await totpCode(user.secret!);
    fill(code, `${otp.slice(0, 3)} ${otp.slice(3)}`);
    const success = oneEvent(flow, 'lf-success') as Promise<LoginFlowSuccessEvent>;
    flow.querySelector<HTMLButtonElement>('lf-second-factor-step button[type=submit]')!.click();
    const { session } = await success;
    expect(session.amr).to.deep.equal(['pwd', 'otp', 'mfa']);
  });

  it('says the service is busy when every password hash slot is taken, and goes on once it is not', async () => {
    const user = await createUser();
    const flow = await mount();
    await submitEmail(flow, user.email);
    expect(await executeServerCommand<{ running: number; waiting: number }, Record<string, never>>('hold-hashes', {})).to.have.property('running').above(0);
    try {
      const refused = oneEvent(flow, 'lf-error') as Promise<LoginFlowErrorEvent>;
      await submitPassword(flow, user.password);
      expect((await refused).code).to.equal('busy');
      await flow.updateComplete;
      const banner = flow.querySelector('.lf-banner')!.textContent!;
      expect(banner).to.contain('Many people are signing in right now.');
      expect(banner).to.match(/\d+ seconds?/);
      expect(flow.querySelector('lf-password-step')).to.exist;
    } finally {
      await executeServerCommand<boolean, Record<string, never>>('release-hashes', {});
    }
    const success = oneEvent(flow, 'lf-success') as Promise<LoginFlowSuccessEvent>;
    await submitPassword(flow, user.password);
    expect((await success).session.amr).to.deep.equal(['pwd']);
  });

  it('announces a wrong authenticator code and keeps the step', async () => {
    const user = await createUser({ totp: true });
    const flow = await mount();
    await submitEmail(flow, user.email);
    await submitPassword(flow, user.password);
    await untilStep(flow, 'second-factor');
    fill(flow.querySelector<HTMLInputElement>('input[name=code]')!, '000000');
    const failed = oneEvent(flow, 'lf-error') as Promise<LoginFlowErrorEvent>;
    flow.querySelector<HTMLButtonElement>('lf-second-factor-step button[type=submit]')!.click();
    expect((await failed).code).to.equal('invalid_code');
    await flow.querySelector('lf-second-factor-step')!.updateComplete;
    expect(flow.querySelector('lf-second-factor-step [role=alert]')).to.exist;
  });

  it('can be used with the keyboard alone, focus following each step', async () => {
    const user = await createUser();
    const api = await apiUrl();
    const flow = await fixture<LoginFlow>(html`<login-flow api=${api} autofocus></login-flow>`);
    await untilStep(flow, 'email');
    await flow.updateComplete;
    await new Promise(requestAnimationFrame);
    expect(document.activeElement?.getAttribute('name')).to.equal('username');
    await sendKeys({ type: user.email });
    await sendKeys({ press: 'Enter' });
    await untilStep(flow, 'password');
    await new Promise(requestAnimationFrame);
    expect(document.activeElement?.getAttribute('name')).to.equal('password');
    const success = oneEvent(flow, 'lf-success');
    await sendKeys({ type: user.password });
    await sendKeys({ press: 'Enter' });
    await success;
  });

  it('announces a wrong password next to the field and keeps the person on the step', async () => {
    const user = await createUser();
    const flow = await mount();
    await submitEmail(flow, user.email);
    const failed = oneEvent(flow, 'lf-error') as Promise<LoginFlowErrorEvent>;
    await submitPassword(flow, 'Wrong-Horse-42-Battery');
    expect((await failed).code).to.equal('invalid_credentials');
    const step = flow.querySelector('lf-password-step')!;
    await step.updateComplete;
    const alert = step.querySelector('[role=alert]')!;
    expect(alert.textContent).to.equal('The email address or password is incorrect.');
    expect(document.activeElement).to.equal(step.querySelector('input[name=password]'));
  });

  it('answers an unknown email exactly like a wrong password', async () => {
    const flow = await mount();
    await submitEmail(flow, `nobody-${Date.now()}@example.com`);
    const failed = oneEvent(flow, 'lf-error') as Promise<LoginFlowErrorEvent>;
    await submitPassword(flow, 'Wrong-Horse-42-Battery');
    expect((await failed).code).to.equal('invalid_credentials');
  });

  it('rejects a malformed email with a message on the email field', async () => {
    const flow = await mount();
    fill(flow.querySelector('input[name=username]')!, 'not-an-address');
    const failed = oneEvent(flow, 'lf-error') as Promise<LoginFlowErrorEvent>;
    flow.querySelector<HTMLButtonElement>('lf-email-step button[type=submit]')!.click();
    expect((await failed).code).to.equal('invalid_email');
    await flow.querySelector('lf-email-step')!.updateComplete;
    expect(flow.querySelector('lf-email-step [role=alert]')!.textContent).to.contain('valid email address');
  });

  it('goes back from the password step to change the email address', async () => {
    const flow = await mount();
    await submitEmail(flow, 'first@example.com');
    [...flow.querySelectorAll('button')].find((b) => b.textContent === 'Change')!.click();
    await untilStep(flow, 'email');
    expect(flow.querySelector<HTMLInputElement>('input[name=username]')!.value).to.equal('first@example.com');
  });

  it('speaks Dutch from its lang attribute', async () => {
    const flow = await mount({ lang: 'nl' });
    expect(flow.querySelector('label')!.textContent).to.equal('E-mailadres');
    expect(flow.querySelector('h2')!.textContent).to.equal('Inloggen');
  });

  it("falls back to the page's language", async () => {
    const api = await apiUrl();
    const wrapper = await fixture<HTMLDivElement>(html`<div lang="nl-BE"><login-flow api=${api}></login-flow></div>`);
    const flow = wrapper.querySelector('login-flow')!;
    await untilStep(flow, 'email');
    expect(flow.querySelector('label')!.textContent).to.equal('E-mailadres');
  });

  it('keeps its lang attribute on the language it shows, when the host sets it as a property too', async () => {
    const flow = await mount();
    expect(flow.getAttribute('lang')).to.equal('en');
    // React 19, Vue and the demo set `lang` as a property: the element still says which language it speaks.
    flow.lang = 'nl';
    await flow.updateComplete;
    await flow.updateComplete;
    expect(flow.getAttribute('lang')).to.equal('nl');
    expect(flow.querySelector('h2')!.textContent).to.equal('Inloggen');
    flow.lang = 'en';
    await flow.updateComplete;
    await flow.updateComplete;
    expect(flow.getAttribute('lang')).to.equal('en');
    expect(flow.querySelector('h2')!.textContent).to.equal('Sign in');
  });

  it('offers a language switch that changes the language at once, tells the host, and has the server keep it for mails', async () => {
    const user = await createUser();
    const api = await apiUrl();
    const flow = await fixture<LoginFlow>(html`<login-flow api=${api} language-switch></login-flow>`);
    try {
      await untilStep(flow, 'email');
      const select = flow.querySelector<HTMLSelectElement>('select.lf-lang')!;
      expect(select.getAttribute('aria-label')).to.equal('Language');
      expect([...select.options].map((option) => [option.value, option.textContent!.trim(), option.lang])).to.deep.equal([
        ['en', 'English', 'en'],
        ['nl', 'Nederlands', 'nl'],
      ]);
      const changed = oneEvent(flow, 'lf-language-change') as Promise<Event & { locale: string }>;
      select.value = 'nl';
      select.dispatchEvent(new Event('change'));
      expect((await changed).locale).to.equal('nl');
      await flow.updateComplete;
      expect(flow.getAttribute('lang')).to.equal('nl');
      expect(flow.querySelector('h2')!.textContent).to.equal('Inloggen');
      expect(flow.querySelector<HTMLSelectElement>('select.lf-lang')!.getAttribute('aria-label')).to.equal('Taal');
      await submitEmail(flow, user.email);
      const success = oneEvent(flow, 'lf-success');
      await submitPassword(flow, user.password);
      await success;
      expect(await executeServerCommand('user-locale', { email: user.email })).to.equal('nl');
    } finally {
      localStorage.removeItem('lf-lang');
    }
  });

  it('heeds a language picked earlier only where the switch is shown (not in an account page\'s own flows)', async () => {
    localStorage.setItem('lf-lang', 'nl');
    try {
      const api = await apiUrl();
      const plain = await fixture<LoginFlow>(html`<login-flow api=${api}></login-flow>`);
      await untilStep(plain, 'email');
      expect(plain.getAttribute('lang')).to.equal('en');
      const switched = await fixture<LoginFlow>(html`<login-flow api=${api} language-switch></login-flow>`);
      await untilStep(switched, 'email');
      expect(switched.getAttribute('lang')).to.equal('nl');
      expect(switched.querySelector('h2')!.textContent).to.equal('Inloggen');
    } finally {
      localStorage.removeItem('lf-lang');
    }
  });

  it('says when to try again in minutes once the wait is a minute or more', async () => {
    const flow = await mount();
    // The banner's wait line, as a rate limit of 3076 seconds would show it.
    (flow as unknown as { banner: unknown }).banner = { error: { code: 'rate_limited' }, retryAfter: 3076 };
    await flow.updateComplete;
    expect(flow.querySelector('[role=alert]')!.textContent).to.contain('Try again in 52 minutes.');
    flow.lang = 'nl';
    (flow as unknown as { banner: unknown }).banner = { error: { code: 'rate_limited' }, retryAfter: 1 };
    await flow.updateComplete;
    await flow.updateComplete;
    expect(flow.querySelector('[role=alert]')!.textContent).to.contain('Probeer het over 1 seconde opnieuw.');
  });

  it('tells the person when the server cannot be reached', async () => {
    const flow = await fixture<LoginFlow>(html`<login-flow api="http://localhost:9"></login-flow>`);
    const failed = (await oneEvent(flow, 'lf-error')) as LoginFlowErrorEvent;
    expect(failed.code).to.equal('network_error');
    await flow.updateComplete;
    expect(flow.querySelector('[role=alert]')!.textContent).to.contain('could not reach the server');
  });

  it('starts afresh when its api attribute changes', async () => {
    const flow = await fixture<LoginFlow>(html`<login-flow api="http://localhost:9"></login-flow>`);
    await oneEvent(flow, 'lf-error');
    flow.setAttribute('api', await apiUrl());
    await untilStep(flow, 'email');
    await flow.updateComplete;
    expect(flow.querySelector('[role=alert]')).to.equal(null);
  });

  it('starts its first flow with the api a host sets right after adding the element (one start, no request elsewhere)', async () => {
    const api = await apiUrl();
    const started: string[] = [];
    const realFetch = window.fetch;
    window.fetch = (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url.includes('/api/flows')) started.push(url);
      return realFetch(input, init);
    };
    const flow = document.createElement('login-flow');
    try {
      // As a page does with `<login-flow>` in its HTML and `flow.api = …` after importing the script.
      document.body.append(flow);
      flow.api = api;
      await untilStep(flow, 'email');
      expect(started).to.have.length(1);
      expect(started[0]!.startsWith(api)).to.equal(true);
      expect(flow.querySelector('[role=alert]')).to.equal(null);
    } finally {
      window.fetch = realFetch;
      flow.remove();
    }
  });

  it('hides when the page sets its hidden attribute', async () => {
    const flow = await mount();
    expect(getComputedStyle(flow).display).to.equal('block');
    flow.hidden = true;
    expect(getComputedStyle(flow).display).to.equal('none');
  });

  it('takes its colours from custom properties, and host rules win over its own', async () => {
    const flow = await mount();
    flow.style.setProperty('--lf-color-primary', 'rgb(1, 2, 3)');
    const button = flow.querySelector<HTMLButtonElement>('button[type=submit]')!;
    expect(getComputedStyle(button).backgroundColor).to.equal('rgb(1, 2, 3)');
    const style = document.createElement('style');
    style.textContent = '.lf-button { background-color: rgb(9, 8, 7); }';
    document.head.append(style);
    try {
      expect(getComputedStyle(button).backgroundColor).to.equal('rgb(9, 8, 7)');
    } finally {
      style.remove();
    }
  });

  it('treats markup in attributes and input as text (no script injection)', async () => {
    const marker = window as unknown as { __lfInjected?: boolean };
    marker.__lfInjected = false;
    const payload = '"><img src=x onerror="window.__lfInjected=true">';
    const api = await apiUrl();
    const flow = await fixture<LoginFlow>(html`<login-flow api=${api} lang=${payload}></login-flow>`);
    await untilStep(flow, 'email');
    fill(flow.querySelector('input[name=username]')!, `a${payload}@example.com`);
    const refused = oneEvent(flow, 'lf-error') as Promise<LoginFlowErrorEvent>;
    flow.querySelector<HTMLButtonElement>('lf-email-step button[type=submit]')!.click();
    expect((await refused).code).to.equal('invalid_email');
    await flow.querySelector('lf-email-step')!.updateComplete;
    // The server echoes the rejected address back; it must come back as a value, not markup.
    expect(flow.querySelector<HTMLInputElement>('input[name=username]')!.value).to.contain('<img');
    expect(flow.querySelector('img')).to.equal(null);
    expect(marker.__lfInjected).to.equal(false);
  });
  describe('opened from an emailed link', () => {
    const realFetch = window.fetch;
    afterEach(() => {
      window.fetch = realFetch;
      history.replaceState(history.state, '', location.pathname + location.search);
    });

    const setPassword = (id: string) => ({
      id,
      kind: 'activate',
      step: 'set-password',
      data: { email: 'new@example.com', purpose: 'activate', policy: { rules: ['min_length'], minLength: 15, maxLength: 256 } },
      actions: ['password'],
      expiresAt: Date.now() + 60_000,
    });

    // Needs the server's activation flow: before it lands the API answers 404 unknown_flow_kind.
    it('says in full that an activation link no longer works, then goes on to log in', async () => {
      const api = await apiUrl();
      const flow = await fixture<LoginFlow>(html`<login-flow api=${api} flow="activate" token="not-a-real-token"></login-flow>`);
      expect(((await oneEvent(flow, 'lf-error')) as LoginFlowErrorEvent).code).to.equal('invitation_invalid');
      await flow.updateComplete;
      expect(flow.querySelector('h2')!.textContent).to.equal('This link no longer works');
      expect(flow.querySelector('[role=alert]')!.textContent).to.contain(
        'Ask your employer for a new invitation, or sign in if you already activated your account.',
      );
      const login = [...flow.querySelectorAll('button')].find((b) => b.textContent === 'Sign in')!;
      login.click();
      await untilStep(flow, 'email');
      expect(flow.flow).to.equal('login');
      expect(flow.querySelector('[role=alert]')).to.equal(null);
      await new Promise(requestAnimationFrame);
      expect(document.activeElement?.getAttribute('name')).to.equal('username');
    });

    it('says so for a password-reset link too, in Dutch', async () => {
      const api = await apiUrl();
      const flow = await fixture<LoginFlow>(html`<login-flow api=${api} flow="reset" token="not-a-real-token" lang="nl"></login-flow>`);
      expect(((await oneEvent(flow, 'lf-error')) as LoginFlowErrorEvent).code).to.equal('reset_link_invalid');
      await flow.updateComplete;
      expect(flow.querySelector('h2')!.textContent).to.equal('Deze link werkt niet meer');
      expect(flow.querySelector('[role=alert]')!.textContent).to.contain('Vraag een nieuwe link aan via de inlogpagina.');
      expect([...flow.querySelectorAll('button')].map((b) => b.textContent)).to.deep.equal(['Inloggen']);
    });

    it('reads the token from the #token= fragment and takes it out of the address and the history', async () => {
      history.replaceState(history.state, '', `${location.pathname}${location.search}#token=abc-123_XYZ`);
      const requests = stubFetch([{ status: 200, body: setPassword('flow-1') }]);
      const flow = await fixture<LoginFlow>(html`<login-flow api="http://api.example.test" flow="activate"></login-flow>`);
      await untilStep(flow, 'set-password');
      expect(requests).to.deep.equal([{ path: '/api/flows/activate', body: { token: 'abc-123_XYZ' } }]);
      expect(location.hash).to.equal('');
      expect(location.href).not.to.contain('abc-123_XYZ');
    });

    it('prefers its token attribute, and leaves the fragment of a login page alone', async () => {
      history.replaceState(history.state, '', `${location.pathname}${location.search}#token=from-the-fragment`);
      const requests = stubFetch([{ status: 410, body: { error: { code: 'reset_link_invalid', message: '' } } }]);
      const flow = await fixture<LoginFlow>(html`<login-flow api="http://api.example.test" flow="reset" token="from-the-attribute"></login-flow>`);
      await oneEvent(flow, 'lf-error');
      expect(requests).to.deep.equal([{ path: '/api/flows/reset', body: { token: 'from-the-attribute' } }]);
      expect(location.hash).to.equal('#token=from-the-fragment');
      stubFetch([{ status: 200, body: { ...setPassword('flow-2'), kind: 'login', step: 'email', data: {}, actions: ['email'] } }]);
      flow.flow = 'login';
      await untilStep(flow, 'email');
      expect(location.hash).to.equal('#token=from-the-fragment');
    });

    it("speaks the invitation's language, not the page's, and says so in its lang attribute", async () => {
      // The server sends the person's language with every step of a flow opened from a link.
      stubFetch([{ status: 200, body: { ...setPassword('flow-nl'), locale: 'nl' } }]);
      const flow = await fixture<LoginFlow>(html`<login-flow api="http://api.example.test" flow="activate" token="the-link" lang="en"></login-flow>`);
      await untilStep(flow, 'set-password');
      await flow.updateComplete;
      expect(flow.querySelector('h2')!.textContent).to.equal('Kies een wachtwoord');
      expect(flow.getAttribute('lang')).to.equal('nl');
    });

    it('shows the invalid-link page without asking the server when there is no token at all', async () => {
      const requests = stubFetch([]);
      const flow = await fixture<LoginFlow>(html`<login-flow api="http://api.example.test" flow="activate"></login-flow>`);
      await flow.updateComplete;
      expect(requests).to.deep.equal([]);
      expect(flow.querySelector('h2')!.textContent).to.equal('This link no longer works');
    });

    it('reopens an expired activation with the same token, once', async () => {
      history.replaceState(history.state, '', `${location.pathname}${location.search}#token=the-link`);
      const requests = stubFetch([
        { status: 200, body: setPassword('flow-1') },
        { status: 410, body: { error: { code: 'flow_expired', message: '' } } },
        { status: 200, body: setPassword('flow-2') },
      ]);
      const flow = await fixture<LoginFlow>(html`<login-flow api="http://api.example.test" flow="activate"></login-flow>`);
      await untilStep(flow, 'set-password');
      fill(flow.querySelector('input[name=password]')!, 'Correct-Horse-42-Battery');
      flow.querySelector<HTMLButtonElement>('lf-set-password-step button[type=submit]')!.click();
      await oneEvent(flow, 'lf-step-change');
      await untilStep(flow, 'set-password');
      expect(requests.map((r) => r.path)).to.deep.equal(['/api/flows/activate', '/api/flows/-/password', '/api/flows/activate']);
      expect(requests[2]!.body).to.deep.equal({ token: 'the-link' });
      expect(flow.querySelector('.lf-banner')!.textContent).to.contain('This sign-in took too long and has expired.');
    });
  });
});

describe('<login-flow> inside a signed-in page (reauth, enroll-*)', () => {
  /** Records the body of every flow start, passing each request on to the real API. */
  function recordStarts(): { bodies: unknown[]; restore: () => void } {
    const bodies: unknown[] = [];
    const original = window.fetch;
    window.fetch = (input, init) => {
      if (/\/api\/flows\/[a-z-]+$/.test(String(input))) bodies.push(JSON.parse(String(init?.body)));
      return original(input, init);
    };
    return { bodies, restore: () => (window.fetch = original) };
  }

  afterEach(() => history.replaceState(history.state, '', location.pathname + location.search));

  it('starts with the session token the host keeps, and leaves the URL fragment alone', async () => {
    const user = await createUser();
    const { token } = await createSession(user.email);
    history.replaceState(history.state, '', '#token=an-emailed-link-token');
    const starts = recordStarts();
    try {
      const api = await apiUrl();
      const flow = await fixture<LoginFlow>(html`<login-flow api=${api} flow="reauth" token=${token}></login-flow>`);
      await untilStep(flow, 'password');
      expect(starts.bodies).to.deep.equal([{ token }]);
      expect(location.hash).to.equal('#token=an-emailed-link-token');
      // Signed in already: neither another address nor a reset link is offered.
      const names = [...flow.querySelectorAll('button')].map((b) => b.textContent!.trim());
      expect(names).to.include('Sign in');
      expect(names).not.to.include('Change');
      expect(names).not.to.include('Forgot your password?');
    } finally {
      starts.restore();
    }
  });

  it('starts with an empty body in cookie mode, never taking the token from the fragment', async () => {
    history.replaceState(history.state, '', '#token=an-emailed-link-token');
    const starts = recordStarts();
    try {
      const api = await apiUrl();
      const flow = await fixture<LoginFlow>(html`<login-flow api=${api} flow="enroll-totp"></login-flow>`);
      // Whether a session cookie from an earlier sign-in in this browser travels or not, the start asked for none.
      await waitUntil(() => flow.querySelector('[data-step], .lf-banner'), 'the flow did not start');
      expect(starts.bodies).to.deep.equal([{}]);
      expect(location.hash).to.equal('#token=an-emailed-link-token');
    } finally {
      starts.restore();
    }
  });
});
