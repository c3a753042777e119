import { expect } from '@open-wc/testing';
import { AccountClient, type AccountResult } from '../../components/account-security/api.js';
import { apiUrl, createSession, createUser, rememberDevice, type TestUser } from './helpers.js';

const SAFARI_IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

/** A client in a fresh session of `user` (bearer mode), as the page makes one. */
async function clientFor(user: TestUser): Promise<AccountClient> {
  const { token } = await createSession(user.email);
  return new AccountClient(await apiUrl(), token);
}

/** Runs `call` and returns its answer with the one request it made (method and path), seen on its way to the real API. */
async function requestOf<T>(call: () => Promise<AccountResult<T>>): Promise<{ request: string; result: AccountResult<T> }> {
  const requests: string[] = [];
  const { fetch } = window;
  window.fetch = (input, init) => {
    requests.push(`${init?.method ?? 'GET'} ${new URL(input instanceof Request ? input.url : input).pathname}`);
    return fetch(input, init);
  };
  try {
    const result = await call();
    expect(requests).to.have.length(1);
    return { request: requests[0]!, result };
  } finally {
    window.fetch = fetch;
  }
}

/** The answer's data; fails the test with the error code otherwise. */
function data<T>(result: AccountResult<T>): T {
  if ('error' in result) throw new Error(`refused: ${result.error.code}`);
  return result.data;
}

describe('AccountClient against the real API', () => {
  it('reads the overview', async () => {
    const user = await createUser({ totp: true, passkeys: 1 });
    const client = await clientFor(user);
    const { request, result } = await requestOf(() => client.overview());
    expect(request).to.equal('GET /api/account');
    const overview = data(result);
    expect(overview.user.email).to.equal(user.email);
    expect(overview.mfa.totp).to.have.length(1);
    expect(overview.mfa.passkeys.map((passkey) => passkey.synced)).to.deep.equal([true]);
  });

  it('changes the password', async () => {
    const user = await createUser();
    const client = await clientFor(user);
    const { request, result } = await requestOf(() => client.changePassword({ current: user.password, password: 'Another-Horse-43-Battery' }));
    expect(request).to.equal('POST /api/account/password');
    expect(data(result)).to.deep.equal({ signedOut: 0 });
  });

  it('removes an authenticator app', async () => {
    const user = await createUser({ totp: true });
    const client = await clientFor(user);
    const [app] = data(await client.overview()).mfa.totp;
    const { request, result } = await requestOf(() => client.removeFactor(app!.id));
    expect(request).to.equal(`DELETE /api/account/factors/${app!.id}`);
    expect(data(result)).to.equal(undefined);
  });

  it('makes a new recovery code', async () => {
    const user = await createUser({ totp: true, recoveryCode: true });
    const client = await clientFor(user);
    const { request, result } = await requestOf(() => client.newRecoveryCode());
    expect(request).to.equal('POST /api/account/recovery-code');
    expect(data(result).code).to.be.a('string');
  });

  it('turns two-step verification off', async () => {
    const user = await createUser({ totp: true });
    const client = await clientFor(user);
    const { request, result } = await requestOf(() => client.disableMfa());
    expect(request).to.equal('POST /api/account/mfa/disable');
    expect(data(result)).to.equal(undefined);
    expect(data(await client.overview()).mfa.enabled).to.equal(false);
  });

  it('lists the sessions', async () => {
    const user = await createUser();
    const client = await clientFor(user);
    const { request, result } = await requestOf(() => client.sessions());
    expect(request).to.equal('GET /api/account/sessions');
    expect(data(result).sessions.map((session) => session.current)).to.deep.equal([true]);
  });

  it('signs one other session out', async () => {
    const user = await createUser();
    const other = await createSession(user.email);
    const client = await clientFor(user);
    const { request, result } = await requestOf(() => client.signOut(other.id));
    expect(request).to.equal(`DELETE /api/account/sessions/${other.id}`);
    expect(data(result)).to.equal(undefined);
  });

  it('signs every other session out', async () => {
    const user = await createUser();
    await createSession(user.email);
    const client = await clientFor(user);
    const { request, result } = await requestOf(() => client.signOutOthers());
    expect(request).to.equal('POST /api/account/sessions/sign-out-others');
    expect(data(result)).to.deep.equal({ signedOut: 1 });
  });

  it('renames a passkey, the id sent as one path segment', async () => {
    const user = await createUser({ totp: true, passkeys: 1 });
    const client = await clientFor(user);
    const [passkey] = data(await client.overview()).mfa.passkeys;
    const { request, result } = await requestOf(() => client.renamePasskey(passkey!.id, 'Work laptop'));
    expect(request).to.equal(`PATCH /api/passkeys/${passkey!.id}`);
    expect(data(result).passkeys.map((p) => p.name)).to.deep.equal(['Work laptop']);
    // An id with a slash stays one segment: it names no passkey, and no other route.
    const { request: odd, result: refused } = await requestOf(() => client.renamePasskey('a/b', 'Work laptop'));
    expect(odd).to.equal('PATCH /api/passkeys/a%2Fb');
    expect('error' in refused && refused.error.code).to.equal('not_found');
  });

  it('removes a passkey', async () => {
    const user = await createUser({ totp: true, passkeys: 1 });
    const client = await clientFor(user);
    const [passkey] = data(await client.overview()).mfa.passkeys;
    const { request, result } = await requestOf(() => client.removePasskey(passkey!.id));
    expect(request).to.equal(`DELETE /api/passkeys/${passkey!.id}`);
    expect(data(result)).to.equal(undefined);
  });

  it('lists the remembered devices and forgets one', async () => {
    const user = await createUser({ totp: true });
    await rememberDevice(user.email, SAFARI_IPHONE);
    const client = await clientFor(user);
    const listed = await requestOf(() => client.devices());
    expect(listed.request).to.equal('GET /api/devices');
    const [device] = data(listed.result).devices;
    expect(device!.userAgent).to.equal(SAFARI_IPHONE);
    const { request, result } = await requestOf(() => client.forgetDevice(device!.id));
    expect(request).to.equal(`DELETE /api/devices/${device!.id}`);
    expect(data(result)).to.equal(undefined);
  });

  it('forgets every remembered device', async () => {
    const user = await createUser({ totp: true });
    await rememberDevice(user.email, SAFARI_IPHONE);
    const client = await clientFor(user);
    const { request, result } = await requestOf(() => client.forgetDevices());
    expect(request).to.equal('DELETE /api/devices');
    expect(data(result)).to.equal(undefined);
    expect(data(await client.devices()).devices).to.deep.equal([]);
  });

  it('lists the company accounts and switches to another', async () => {
    const user = await createUser({ companies: ['Globex', 'Acme'] });
    const { token } = await createSession(user.email, { account: user.accounts![0]!.id });
    const client = new AccountClient(await apiUrl(), token);
    const listed = await requestOf(() => client.accounts());
    expect(listed.request).to.equal('GET /api/session/accounts');
    expect(data(listed.result).accounts.map((account) => [account.name, account.current])).to.deep.equal([
      ['Globex', true],
      ['Acme', false],
    ]);
    const { request, result } = await requestOf(() => client.switchAccount(user.accounts![1]!.id));
    expect(request).to.equal('POST /api/session/account');
    expect(data(result).account).to.deep.equal(user.accounts![1]);
  });

  it('answers network_error when the API cannot be reached', async () => {
    const client = new AccountClient('http://127.0.0.1:9', 'token');
    expect(await client.overview()).to.deep.equal({ error: { code: 'network_error' } });
  });
});
