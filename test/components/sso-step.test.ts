import { expect, fixture, html, oneEvent } from '@open-wc/testing';
// The chunk <login-flow> loads on demand: registers the step and adds its words to the catalogues.
import '../../components/steps/company-steps.js';
import type { LoginFlowErrorEvent, StepIntentEvent } from '../../components/lib/events.js';
import { translator } from '../../components/lib/i18n.js';
import type { SsoStep } from '../../components/steps/sso/sso-step.js';
import { SSO_RETURN_KEY } from '../../components/steps/sso/sso-return.js';

const data = { email: 'ada@acme.example', provider: 'Acme ID', url: 'https://id.acme.example/authorize?client_id=x&state=abc' };

async function mount(options: { data?: typeof data | Omit<typeof data, 'url'>; actions?: string[]; lang?: 'en' | 'nl' } = {}): Promise<SsoStep> {
  return fixture<SsoStep>(html`<lf-sso-step
    .data=${options.data ?? data}
    .actions=${options.actions ?? ['callback', 'back', 'retry']}
    .flowId=${'flow-123'}
    .api=${'https://auth.example.com'}
    .t=${translator(options.lang ?? 'en')}
  ></lf-sso-step>`);
}

/** Stands in for the navigation to the provider: the URL the step would go to. */
function interceptNavigation(step: SsoStep): string[] {
  const visited: string[] = [];
  (step as unknown as { navigate(url: string): void }).navigate = (url) => visited.push(url);
  return visited;
}

function button(step: SsoStep, text: string): HTMLButtonElement | undefined {
  return [...step.querySelectorAll('button')].find((b) => b.textContent!.trim() === text);
}

describe('<lf-sso-step>', () => {
  afterEach(() => sessionStorage.removeItem(SSO_RETURN_KEY));

  it('says which provider signs this address in, and offers to continue there', async () => {
    const step = await mount();
    const title = step.querySelector('h2')!;
    expect(title.textContent).to.equal('Sign in with your company');
    expect(title.hasAttribute('data-autofocus')).to.equal(true);
    expect(step.querySelector('.lf-intro')!.textContent).to.equal('ada@acme.example signs in through Acme ID.');
    const go = button(step, 'Continue with Acme ID')!;
    expect(go.className).to.equal('lf-button');
    expect(go.type).to.equal('button');
  });

  it('keeps the flow id and API in sessionStorage, then goes to the provider', async () => {
    const step = await mount();
    const visited = interceptNavigation(step);
    button(step, 'Continue with Acme ID')!.click();
    expect(visited).to.deep.equal([data.url]);
    expect(JSON.parse(sessionStorage.getItem(SSO_RETURN_KEY)!)).to.deep.equal({ id: 'flow-123', api: 'https://auth.example.com' });
  });

  it('goes to a provider over https, or over plain http on this machine only', async () => {
    for (const url of ['https://id.acme.example/authorize?state=abc', 'http://127.0.0.1:4000/authorize', 'http://localhost:4000/authorize', 'http://[::1]:4000/authorize']) {
      const step = await mount({ data: { ...data, url } });
      const visited = interceptNavigation(step);
      button(step, 'Continue with Acme ID')!.click();
      expect(visited).to.deep.equal([url]);
    }
  });

  // Addresses no provider's sign-in has: script and inline documents (however the scheme is written:
  // the browser drops leading spaces and control characters, tabs and newlines, and ignores case),
  // addresses relative to the host page, plain http to another machine.
  const notProviders = [
    'javascript:window.lfHostile=1',
    'data:text/html,<script>window.lfHostile=1</script>',
    ' \t\nJAVASCRIPT:window.lfHostile=1',
    'java\tscr\nipt:window.lfHostile=1',
    '\u0000\u001f JaVaScRiPt:window.lfHostile=1',
    '/authorize?state=abc',
    '//id.acme.example/authorize',
    'http://id.acme.example/authorize',
  ];
  for (const url of notProviders) {
    it(`refuses to go to ${JSON.stringify(url)}, and says the company's login service cannot be reached`, async () => {
      const step = await mount({ data: { ...data, url } });
      const visited = interceptNavigation(step);
      const failed = oneEvent(step, 'lf-error') as Promise<LoginFlowErrorEvent>;
      button(step, 'Continue with Acme ID')!.click();
      expect(visited).to.deep.equal([]);
      expect(sessionStorage.getItem(SSO_RETURN_KEY)).to.equal(null);
      const { code, step: shown } = await failed;
      expect([code, shown]).to.deep.equal(['sso_unavailable', 'sso']);
      await step.updateComplete;
      expect(step.querySelector('.lf-error[role=alert]')!.textContent).to.equal("Your company's sign-in service could not be reached. Please try again shortly.");
    });
  }

  it('does not leave while a request runs', async () => {
    const step = await mount();
    const visited = interceptNavigation(step);
    step.busy = true;
    await step.updateComplete;
    button(step, 'Continue with Acme ID')!.click();
    expect(visited).to.deep.equal([]);
    expect(sessionStorage.getItem(SSO_RETURN_KEY)).to.equal(null);
  });

  it('offers to try again when the provider could not be reached (no url)', async () => {
    const step = await mount({ data: { email: data.email, provider: data.provider } });
    expect(button(step, 'Continue with Acme ID')).to.equal(undefined);
    const retry = button(step, 'Try again')!;
    const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
    retry.click();
    const intent = await fired;
    expect(intent.action).to.equal('retry');
    expect(intent.body).to.deep.equal({});
  });

  it('goes back to the email step with "Use another email address", when offered', async () => {
    const step = await mount();
    const back = button(step, 'Use another email address')!;
    expect(back.className).to.equal('lf-link');
    const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
    back.click();
    const intent = await fired;
    expect(intent.action).to.equal('back');
  });

  it('has no way back when the server offers none', async () => {
    const step = await mount({ actions: ['callback', 'retry'] });
    expect(button(step, 'Use another email address')).to.equal(undefined);
  });

  it('speaks Dutch when given the Dutch catalogue', async () => {
    const step = await mount({ lang: 'nl' });
    expect(step.querySelector('h2')!.textContent).to.equal('Inloggen via je bedrijf');
    expect(step.querySelector('.lf-intro')!.textContent).to.equal('ada@acme.example logt in via Acme ID.');
    expect(button(step, 'Doorgaan met Acme ID')).to.exist;
    expect(button(step, 'Ander e-mailadres gebruiken')).to.exist;
  });

  it('brings the words of the company error codes, in English and Dutch', () => {
    expect(translator('en')('error_sso_cancelled' as never)).to.equal('Signing in at your company was cancelled.');
    expect(translator('nl')('error_sso_cancelled' as never)).to.equal('Het inloggen bij je bedrijf is geannuleerd.');
    expect(translator('nl')('error_account_not_available' as never)).to.contain('bedrijfsaccount');
  });
});
