import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import '../../components/account-security/index.js';
import type { CompanySwitch, CompanySwitchChangeEvent, CompanySwitchErrorEvent } from '../../components/account-security/index.js';
import { apiUrl, createSession, createUser, type TestUser } from './helpers.js';

/** The switch for `user`, in a session (bearer mode) that works in `account`, once it has asked the API. */
async function mount(user: TestUser, account: string | undefined, lang = ''): Promise<{ control: CompanySwitch; token: string }> {
  const api = await apiUrl();
  const { token } = await createSession(user.email, { account });
  const control = await fixture<CompanySwitch>(html`<company-switch api=${api} token=${token} lang=${lang}></company-switch>`);
  return { control, token };
}

async function loaded(control: CompanySwitch): Promise<void> {
  await waitUntil(() => control.querySelector('select'), 'the switch did not show');
}

describe('<company-switch> against the real API', () => {
  it('loads with the api and token a host sets right after adding it', async () => {
    const user = await createUser({ companies: ['Acme', 'Globex'] });
    const api = await apiUrl();
    const { token } = await createSession(user.email, { account: user.accounts![0]!.id });
    const control = document.createElement('company-switch');
    try {
      document.body.append(control);
      control.api = api;
      control.token = token;
      await loaded(control);
      expect(control.querySelector('.lf-intro')!.textContent).to.match(/^You are working in (Acme|Globex)\.$/);
      expect(control.querySelector('select')!.options.length).to.equal(1);
    } finally {
      control.remove();
    }
  });

  it('renders nothing for a person with one company account', async () => {
    const user = await createUser({ companies: ['Acme'] });
    const { control } = await mount(user, user.accounts![0]!.id);
    // Once the accounts are in (asked again here, so the test knows when), it stays empty.
    await control.reload();
    await control.updateComplete;
    expect(control.childElementCount).to.equal(0);
    expect(control.textContent!.trim()).to.equal('');
    // No empty card either: no border, no padding, no room taken.
    expect(control.hidden).to.equal(true);
    expect(getComputedStyle(control).display).to.equal('none');
    expect(control.getBoundingClientRect().height).to.equal(0);
  });

  it('shows itself once there is a company to switch to', async () => {
    const user = await createUser({ companies: ['Globex', 'Acme'] });
    const { control } = await mount(user, user.accounts![0]!.id);
    await loaded(control);
    expect(control.hidden).to.equal(false);
    expect(getComputedStyle(control).display).to.equal('block');
    expect(control.getBoundingClientRect().height).to.be.greaterThan(0);
  });

  it('shows the current company and a labelled choice of the others', async () => {
    const user = await createUser({ companies: ['Globex', 'Acme', 'Initech'] });
    const { control } = await mount(user, user.accounts![1]!.id);
    await loaded(control);
    expect(control.querySelector('.lf-intro')!.textContent).to.equal('You are working in Acme.');
    const select = control.querySelector('select')!;
    expect(control.querySelector(`label[for="${select.id}"]`)!.textContent).to.equal('Switch to');
    expect([...select.options].map((o) => o.textContent)).to.deep.equal(['Globex', 'Initech']);
    expect(control.querySelector('button')!.textContent!.trim()).to.equal('Switch');
  });

  it('switches, announces the new company and hands the host the fresh JWT', async () => {
    const user = await createUser({ companies: ['Globex', 'Acme'] });
    const { control } = await mount(user, user.accounts![0]!.id);
    await loaded(control);
    const changed = oneEvent(control, 'company-switch-change') as Promise<CompanySwitchChangeEvent>;
    control.querySelector('button')!.click();
    const { detail } = await changed;
    expect(detail.account).to.deep.equal(user.accounts![1]);
    expect(detail.jwt.token.split('.')).to.have.length(3);
    const claims = JSON.parse(atob(detail.jwt.token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { org?: string };
    expect(claims.org).to.equal(user.accounts![1]!.organizationId);
    await control.updateComplete;
    expect(control.querySelector('[role=status]')!.textContent).to.equal('Now working in Acme.');
    expect(control.querySelector('.lf-intro')!.textContent).to.equal('You are working in Acme.');
    expect([...control.querySelector('select')!.options].map((o) => o.textContent)).to.deep.equal(['Globex']);
  });

  it('shows, announces and reports an account the session may not work in', async () => {
    const user = await createUser({ companies: ['Globex', 'Acme'] });
    const { control } = await mount(user, user.accounts![0]!.id);
    await loaded(control);
    // An id that is not one of this person's accounts, as a stale page could send.
    control.querySelector('option')!.value = crypto.randomUUID();
    const failed = oneEvent(control, 'company-switch-error') as Promise<CompanySwitchErrorEvent>;
    control.querySelector('button')!.click();
    expect((await failed).code).to.equal('account_not_available');
    await control.updateComplete;
    expect(control.querySelector('[role=alert]')!.textContent).to.equal('This company account is not available in this session.');
  });

  it('reports an ended session', async () => {
    const user = await createUser({ companies: ['Globex', 'Acme'] });
    const { control, token } = await mount(user, user.accounts![0]!.id);
    await loaded(control);
    await fetch(new URL('/api/session', await apiUrl()), { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } });
    const failed = oneEvent(control, 'company-switch-error') as Promise<CompanySwitchErrorEvent>;
    control.querySelector('button')!.click();
    expect((await failed).code).to.equal('unauthenticated');
    await control.updateComplete;
    expect(control.querySelector('[role=alert]')!.textContent).to.equal('Your session has ended. Please sign in again.');
  });

  it('speaks Dutch', async () => {
    const user = await createUser({ companies: ['Globex', 'Acme'] });
    const { control } = await mount(user, user.accounts![0]!.id, 'nl');
    await loaded(control);
    expect(control.querySelector('.lf-intro')!.textContent).to.equal('Je werkt bij Globex.');
    expect(control.querySelector('button')!.textContent!.trim()).to.equal('Wisselen');
  });
});
