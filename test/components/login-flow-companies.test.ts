import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../../components/index.js';
import type { LoginFlow, LoginFlowErrorEvent, LoginFlowSuccessEvent } from '../../components/index.js';
import type { SsoStep } from '../../components/steps/sso/sso-step.js';
import { apiUrl, createSsoCompany, createUser, fill, untilStep } from './helpers.js';

const KEY = 'lf-sso';

async function mount(lang = ''): Promise<LoginFlow> {
  const api = await apiUrl();
  return fixture<LoginFlow>(html`<login-flow api=${api} lang=${lang}></login-flow>`);
}

async function submitEmail(flow: LoginFlow, email: string): Promise<void> {
  await untilStep(flow, 'email');
  fill(flow.querySelector('input[name=username]')!, email);
  flow.querySelector<HTMLButtonElement>('lf-email-step button[type=submit]')!.click();
}

/** Goes to the sso step of a company with a reachable provider, and "continues" there with the navigation stood in for: the kept entry and the URL. */
async function leaveForProvider(): Promise<{ flow: LoginFlow; entry: { id: string; api: string }; url: string }> {
  const { domain } = await createSsoCompany({ provider: 'Acme ID' });
  const flow = await mount();
  await submitEmail(flow, `ada@${domain}`);
  await untilStep(flow, 'sso');
  const step = flow.querySelector<SsoStep>('lf-sso-step')!;
  let url = '';
  (step as unknown as { navigate(url: string): void }).navigate = (to) => (url = to);
  step.querySelector<HTMLButtonElement>('button.lf-button')!.click();
  return { flow, entry: JSON.parse(sessionStorage.getItem(KEY)!), url };
}

/** The flow actions the page posts, watched on their way to the real API. */
function watchActions(): { calls: { action: string; flowId: string | null; body: unknown }[]; stop(): void } {
  const calls: { action: string; flowId: string | null; body: unknown }[] = [];
  const real = window.fetch;
  window.fetch = (input, init) => {
    const url = String(input);
    if (url.includes('/api/flows/-/')) {
      calls.push({ action: url.slice(url.lastIndexOf('/') + 1), flowId: new Headers(init?.headers).get('X-Flow-Id'), body: JSON.parse(String(init?.body)) });
    }
    return real(input, init);
  };
  return { calls, stop: () => (window.fetch = real) };
}

/** Answers one flow action as a compromised API would: the real API's answer to it, changed by `change`. */
function alterAnswers(action: string, change: (state: Record<string, unknown>) => Record<string, unknown>): { stop(): void } {
  const real = window.fetch;
  window.fetch = async (input, init) => {
    const response = await real(input, init);
    if (!String(input).endsWith(`/api/flows/-/${action}`)) return response;
    return Response.json(change(await response.json()), { status: response.status });
  };
  return { stop: () => (window.fetch = real) };
}

/** Resolves once every `javascript:` navigation queued before it has run: the browser runs them in order. */
function afterQueuedScriptNavigations(): Promise<void> {
  const page = window as unknown as { lfMarker?: () => void };
  const ran = new Promise<void>((resolve) => (page.lfMarker = resolve));
  location.assign('javascript:void window.lfMarker()');
  return ran;
}

describe('<login-flow>: single sign-on and company accounts, against the real API', () => {
  const page = location.pathname + location.search + location.hash;
  afterEach(() => {
    sessionStorage.removeItem(KEY);
    history.replaceState(null, '', page);
  });

  it('loads the sso step on demand and shows it once it is in', async () => {
    expect(customElements.get('lf-sso-step')).to.equal(undefined);
    const { domain } = await createSsoCompany({ provider: 'Acme ID' });
    const flow = await mount();
    await submitEmail(flow, `ada@${domain}`);
    await untilStep(flow, 'sso');
    expect(customElements.get('lf-sso-step')).to.exist;
    expect(flow.querySelector('lf-sso-step .lf-intro')!.textContent).to.equal(`ada@${domain} signs in through Acme ID.`);
    expect(flow.querySelector('.lf-loading')).to.equal(null);
  });

  it('keeps the flow for the way back and sends the browser to the provider', async () => {
    const { flow, entry, url } = await leaveForProvider();
    expect(entry.api).to.equal(flow.api);
    expect(entry.id).to.have.length.greaterThan(20);
    expect(url).to.match(/\/test-idp\/authorize\?/);
    expect(new URL(url).searchParams.get('state')).to.be.a('string');
  });

  it('refuses an sso step that sends the browser to a script: none runs, and the step says the login service cannot be reached', async () => {
    const { domain } = await createSsoCompany({ provider: 'Acme ID' });
    const flow = await mount();
    const answers = alterAnswers('email', (state) => ({ ...state, data: { ...(state.data as object), url: ' JAVASCRIPT:window.lfHostile=1' } }));
    try {
      await submitEmail(flow, `ada@${domain}`);
      await untilStep(flow, 'sso');
    } finally {
      answers.stop();
    }
    const failed = oneEvent(flow, 'lf-error') as Promise<LoginFlowErrorEvent>;
    // The real navigation: no stand-in here.
    flow.querySelector<HTMLButtonElement>('lf-sso-step button.lf-button')!.click();
    await afterQueuedScriptNavigations();
    expect((window as unknown as { lfHostile?: number }).lfHostile).to.equal(undefined);
    expect((await failed).code).to.equal('sso_unavailable');
    expect(flow.querySelector('lf-sso-step [role=alert]')!.textContent).to.contain("Your company's sign-in service could not be reached.");
    expect(sessionStorage.getItem(KEY)).to.equal(null);
  });

  it('says when the provider cannot be reached, and tries again', async () => {
    const { domain } = await createSsoCompany({ unreachable: true });
    const flow = await mount();
    const failed = oneEvent(flow, 'lf-error') as Promise<LoginFlowErrorEvent>;
    await submitEmail(flow, `ada@${domain}`);
    expect((await failed).code).to.equal('sso_unavailable');
    await untilStep(flow, 'sso');
    expect(flow.querySelector('.lf-banner')!.textContent).to.contain("Your company's sign-in service could not be reached.");
    const retry = [...flow.querySelectorAll('button')].find((b) => b.textContent!.trim() === 'Try again')!;
    const again = oneEvent(flow, 'lf-error') as Promise<LoginFlowErrorEvent>;
    retry.click();
    expect((await again).code).to.equal('sso_unavailable');
  });

  it('goes back to the email step with another address', async () => {
    const { domain } = await createSsoCompany();
    const flow = await mount();
    await submitEmail(flow, `ada@${domain}`);
    await untilStep(flow, 'sso');
    [...flow.querySelectorAll('button')].find((b) => b.textContent!.trim() === 'Use another email address')!.click();
    await untilStep(flow, 'email');
  });

  it('speaks Dutch at the sso step, banner included', async () => {
    const { domain } = await createSsoCompany({ unreachable: true, provider: 'Acme ID' });
    const flow = await mount('nl');
    await submitEmail(flow, `ada@${domain}`);
    await untilStep(flow, 'sso');
    expect(flow.querySelector('lf-sso-step h2')!.textContent).to.equal('Inloggen via je bedrijf');
    expect(flow.querySelector('.lf-banner')!.textContent).to.contain('De inlogdienst van je bedrijf is niet bereikbaar.');
  });

  it('back from the provider, posts its answer to the kept flow and takes it out of the address bar', async () => {
    const { flow: first, entry } = await leaveForProvider();
    first.remove();
    const query = '?tab=security&state=not-the-flows-state&code=abc&iss=https%3A%2F%2Fid.example&session_state=s1';
    history.replaceState(null, '', `${location.pathname}${query}#top`);
    const watch = watchActions();
    try {
      const flow = await mount();
      const answered = oneEvent(flow, 'lf-error') as Promise<LoginFlowErrorEvent>;
      // The provider's answer does not match the flow's `state`: the server refuses it at the sso step.
      const { code } = await answered;
      expect(code).to.match(/^sso_/);
      await untilStep(flow, 'sso');
      expect(watch.calls).to.deep.equal([{ action: 'callback', flowId: entry.id, body: { params: query } }]);
      expect(location.search).to.equal('?tab=security');
      expect(location.hash).to.equal('#top');
      expect(sessionStorage.getItem(KEY)).to.equal(null);
      expect(flow.querySelector('.lf-banner')).to.exist;
    } finally {
      watch.stop();
    }
  });

  it('keeps only the host page\'s parameters after an error from the provider', async () => {
    sessionStorage.setItem(KEY, JSON.stringify({ id: 'no-such-flow', api: await apiUrl() }));
    history.replaceState(null, '', `${location.pathname}?error=access_denied&error_description=No&state=xyz`);
    const flow = await mount();
    await untilStep(flow, 'email');
    expect(location.search).to.equal('');
  });

  it('starts a fresh login, and says so, when the kept flow has ended', async () => {
    sessionStorage.setItem(KEY, JSON.stringify({ id: 'no-such-flow', api: await apiUrl() }));
    history.replaceState(null, '', `${location.pathname}?state=xyz&code=abc`);
    const flow = await mount();
    const failed = (await oneEvent(flow, 'lf-error')) as LoginFlowErrorEvent;
    expect(failed.code).to.equal('flow_not_found');
    await untilStep(flow, 'email');
    expect(flow.querySelector('.lf-banner')!.textContent).to.contain('This sign-in has ended.');
    expect(flow.querySelector('.lf-banner')!.textContent).to.contain('Please start again.');
  });

  it('starts normally and leaves the URL alone without a kept flow', async () => {
    history.replaceState(null, '', `${location.pathname}?state=xyz&code=abc`);
    const watch = watchActions();
    try {
      const flow = await mount();
      await untilStep(flow, 'email');
      expect(location.search).to.equal('?state=xyz&code=abc');
      expect(watch.calls).to.deep.equal([]);
    } finally {
      watch.stop();
    }
  });

  it('leaves another API\'s kept flow alone', async () => {
    sessionStorage.setItem(KEY, JSON.stringify({ id: 'other', api: 'https://other.example' }));
    history.replaceState(null, '', `${location.pathname}?state=xyz&code=abc`);
    const flow = await mount();
    await untilStep(flow, 'email');
    expect(location.search).to.equal('?state=xyz&code=abc');
    expect(sessionStorage.getItem(KEY)).to.not.equal(null);
  });

  it('lets a person with accounts at two companies choose one, last used first', async () => {
    const user = await createUser({ companies: ['Globex', 'Acme'] });
    const flow = await mount();
    await submitEmail(flow, user.email);
    await untilStep(flow, 'password');
    fill(flow.querySelector('input[name=password]')!, user.password);
    flow.querySelector<HTMLButtonElement>('lf-password-step button[type=submit]')!.click();
    await untilStep(flow, 'choose-account');
    await new Promise(requestAnimationFrame);
    const buttons = [...flow.querySelectorAll<HTMLButtonElement>('lf-choose-account-step button')];
    expect(buttons.map((b) => b.textContent!.trim())).to.deep.equal(['Globex', 'Acme']);
    expect(document.activeElement).to.equal(buttons[0]);
    const success = oneEvent(flow, 'lf-success') as Promise<LoginFlowSuccessEvent>;
    buttons[1]!.click();
    const { session } = await success;
    expect(session.account).to.deep.equal(user.accounts![1]);
  });
});
