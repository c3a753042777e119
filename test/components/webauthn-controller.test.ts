import { expect, fixture, html } from '@open-wc/testing';
import { LitElement } from 'lit';
import { FlowClient } from '../../components/lib/api.js';
import { PasskeyController } from '../../components/lib/webauthn.js';
import { apiUrl, createUser, registerPasskey } from './helpers.js';
import { ceremonyPending, clientData, creationOptions, requestOptions, seedPasskey, untilAsked, virtualAuthenticator } from './passkeys.js';

/** The smallest host a controller can have. */
class PasskeyHost extends LitElement {
  readonly passkeys = new PasskeyController(this);
}
customElements.define('test-passkey-host', PasskeyHost);

function mount(): Promise<PasskeyHost> {
  return fixture<PasskeyHost>(html`<test-passkey-host></test-passkey-host>`);
}

/**
 * Runs `body` with `key` taken off `object`, as in a browser that lacks it,
 * and puts it back after.
 */
async function without<T extends object>(object: T, key: keyof T & string, body: () => Promise<void>): Promise<void> {
  const original = Object.getOwnPropertyDescriptor(object, key)!;
  delete object[key];
  try {
    await body();
  } finally {
    Object.defineProperty(object, key, original);
  }
}

/**
 * Runs `body` with the credential's `toJSON()` broken as some password managers
 * that take over WebAuthn leave it (bitwarden/clients#12060): `missing`, or
 * `throwing` as the browser's own method does on the manager's stand-in
 * credential ("Illegal invocation"). Every credential the virtual
 * authenticator returns meanwhile has it so.
 */
async function withBrokenToJSON<T>(kind: 'missing' | 'throwing', body: () => Promise<T>): Promise<T> {
  const proto = PublicKeyCredential.prototype as { toJSON?: unknown };
  const original = Object.getOwnPropertyDescriptor(proto, 'toJSON')!;
  if (kind === 'missing') delete proto.toJSON;
  else {
    Object.defineProperty(proto, 'toJSON', {
      ...original,
      value: () => {
        throw new TypeError('Illegal invocation');
      },
    });
  }
  try {
    return await body();
  } finally {
    Object.defineProperty(proto, 'toJSON', original);
  }
}

/**
 * Lets the autofill just started run up to its question to the browser (can
 * it autofill?) and no further: microtasks only, so the answer, which comes in
 * a later task, cannot arrive meanwhile. The request is not made yet.
 */
async function untilAskingWhetherItCanAutofill(): Promise<void> {
  for (let hop = 0; hop < 20; hop += 1) await null;
}

describe('PasskeyController', () => {
  const authenticator = virtualAuthenticator();

  it('creates a passkey and returns the RegistrationResponseJSON to post', async () => {
    const { passkeys } = await mount();
    const options = creationOptions({ extensions: { credProps: true } });
    const outcome = await passkeys.register(options);
    if (!outcome || !('response' in outcome)) throw new Error(`expected a response, got ${JSON.stringify(outcome)}`);
    const { response } = outcome;
    expect(response.type).to.equal('public-key');
    expect(response.id).to.equal(response.rawId);
    expect(response.response.attestationObject).to.match(/^[\w-]+$/);
    expect(response.response.transports).to.include('internal');
    // The server's schema takes both; its verifier reads the extension results.
    expect(response.authenticatorAttachment).to.equal('platform');
    expect(response.clientExtensionResults).to.deep.equal({ credProps: { rk: true } });
    expect(clientData(response)).to.include({ type: 'webauthn.create', challenge: options.challenge, origin: location.origin });
    const [stored] = await authenticator.credentials();
    expect(stored).to.include({ credentialId: response.id, isResidentCredential: true, rpId: 'localhost' });
  });

  it('signs in with a passkey and returns the AuthenticationResponseJSON to post', async () => {
    const registered = await seedPasskey(creationOptions({ user: { id: 'dXNlci0x', name: 'ada@example.com', displayName: 'Ada' } }));
    const { passkeys } = await mount();
    const options = requestOptions();
    const outcome = await passkeys.authenticate(options);
    if (!outcome || !('response' in outcome)) throw new Error(`expected a response, got ${JSON.stringify(outcome)}`);
    const { response } = outcome;
    expect(response.type).to.equal('public-key');
    expect(response.id).to.equal(registered.id);
    expect(response.response.authenticatorData).to.match(/^[\w-]+$/);
    expect(response.response.signature).to.match(/^[\w-]+$/);
    expect(response.response.userHandle).to.equal('dXNlci0x');
    expect(response.authenticatorAttachment).to.equal('platform');
    expect(response.clientExtensionResults).to.deep.equal({});
    expect(clientData(response)).to.include({ type: 'webauthn.get', challenge: options.challenge, origin: location.origin });
  });

  it('offers passkeys in autofill (conditional mediation) and returns the one picked', async () => {
    const registered = await seedPasskey();
    const host = await fixture<HTMLDivElement>(html`<div><test-passkey-host></test-passkey-host><input autocomplete="username webauthn" /></div>`);
    const outcome = await host.querySelector<PasskeyHost>('test-passkey-host')!.passkeys.authenticate(requestOptions(), { autofill: true });
    expect(outcome && 'response' in outcome && outcome.response.id).to.equal(registered.id);
  });

  it('aborts a running ceremony, silently, when another starts', async () => {
    await seedPasskey();
    const { passkeys } = await mount();
    await authenticator.setPresence(false);
    const first = passkeys.authenticate(requestOptions());
    await untilAsked();
    expect(await ceremonyPending()).to.equal(true);
    await authenticator.setPresence(true);
    const second = await passkeys.authenticate(requestOptions());
    expect(await first).to.equal(undefined);
    expect(second && 'response' in second).to.equal(true);
  });

  it('aborts a waiting autofill, silently, when the person asks for a passkey', async () => {
    await seedPasskey();
    const { passkeys } = await mount();
    await authenticator.setPresence(false);
    const autofill = passkeys.authenticate(requestOptions(), { autofill: true });
    await untilAsked();
    expect(await ceremonyPending()).to.equal(true);
    await authenticator.setPresence(true);
    const asked = await passkeys.authenticate(requestOptions());
    expect(await autofill).to.equal(undefined);
    expect(asked && 'response' in asked).to.equal(true);
  });

  it('lets a ceremony started while an autofill request is still being made abort it, not the other way round', async () => {
    await seedPasskey();
    const { passkeys } = await mount();
    await authenticator.setPresence(false);
    const autofill = passkeys.authenticate(requestOptions(), { autofill: true });
    await untilAskingWhetherItCanAutofill();
    const registered = passkeys.register(creationOptions());
    expect(await autofill).to.equal(undefined);
    await untilAsked();
    expect(await ceremonyPending()).to.equal(true);
    passkeys.cancel();
    expect(await registered).to.equal(undefined);
  });

  it('aborts the ceremony, silently, on cancel()', async () => {
    await seedPasskey();
    const { passkeys } = await mount();
    await authenticator.setPresence(false);
    const running = passkeys.register(creationOptions());
    await untilAsked();
    expect(await ceremonyPending()).to.equal(true);
    passkeys.cancel();
    expect(await running).to.equal(undefined);
    await authenticator.setPresence(true);
    expect(await ceremonyPending()).to.equal(false);
  });

  it('aborts an autofill cancelled before the browser has even been asked', async () => {
    await seedPasskey();
    const { passkeys } = await mount();
    await authenticator.setPresence(false);
    // Autofill first asks whether the browser can autofill, and only then makes the request:
    // a cancel in that moment must still stop the request, or it would wait in the background for ever.
    const autofill = passkeys.authenticate(requestOptions(), { autofill: true });
    await untilAskingWhetherItCanAutofill();
    passkeys.cancel();
    expect(await autofill).to.equal(undefined);
    await authenticator.setPresence(true);
    expect(await ceremonyPending()).to.equal(false);
  });

  it('aborts the ceremony, silently, when its host leaves the page', async () => {
    await seedPasskey();
    const host = await mount();
    await authenticator.setPresence(false);
    const running = host.passkeys.authenticate(requestOptions());
    host.remove();
    expect(await running).to.equal(undefined);
    await authenticator.setPresence(true);
    expect(await ceremonyPending()).to.equal(false);
  });

  it('reads "not allowed" (cancelled, timed out, no passkey here) as passkey_cancelled', async () => {
    const { passkeys } = await mount();
    // A passkey this device does not hold: the browser answers as if the person cancelled.
    const outcome = await passkeys.authenticate(requestOptions({ allowCredentials: [{ id: 'bm8tc3VjaC1wYXNza2V5', type: 'public-key' }] }));
    expect(outcome).to.deep.equal({ error: 'passkey_cancelled' });
  });

  it('reads a face or fingerprint not recognised as passkey_cancelled', async () => {
    await seedPasskey();
    await authenticator.setUserVerified(false);
    const { passkeys } = await mount();
    expect(await passkeys.authenticate(requestOptions({ userVerification: 'required' }))).to.deep.equal({ error: 'passkey_cancelled' });
  });

  it('reads an authenticator that already holds an excluded passkey as passkey_exists', async () => {
    const { passkeys } = await mount();
    const first = await passkeys.register(creationOptions());
    if (!first || !('response' in first)) throw new Error('the first registration failed');
    const again = await passkeys.register(creationOptions({ excludeCredentials: [{ id: first.response.id, type: 'public-key' }] }));
    expect(again).to.deep.equal({ error: 'passkey_exists' });
  });

  it('reads any other failure, such as options for another site, as passkey_error', async () => {
    const { passkeys } = await mount();
    expect(await passkeys.register(creationOptions({ rp: { id: 'example.com', name: 'Elsewhere' } }))).to.deep.equal({ error: 'passkey_error' });
  });

  it('answers passkey_unsupported in a browser without WebAuthn', async () => {
    const { passkeys } = await mount();
    // Hide WebAuthn as a browser without it (or an insecure page) would.
    const original = Object.getOwnPropertyDescriptor(window, 'PublicKeyCredential')!;
    delete (window as { PublicKeyCredential?: unknown }).PublicKeyCredential;
    try {
      expect(await passkeys.authenticate(requestOptions())).to.deep.equal({ error: 'passkey_unsupported' });
      expect(await passkeys.authenticate(requestOptions(), { autofill: true })).to.equal(undefined);
    } finally {
      Object.defineProperty(window, 'PublicKeyCredential', original);
    }
  });

  it('answers passkey_unsupported in a browser without the Level 3 JSON methods, and asks nothing', async () => {
    await seedPasskey();
    const { passkeys } = await mount();
    await without(PublicKeyCredential, 'parseRequestOptionsFromJSON', async () => {
      expect(await passkeys.authenticate(requestOptions())).to.deep.equal({ error: 'passkey_unsupported' });
      expect(await passkeys.authenticate(requestOptions(), { autofill: true })).to.equal(undefined);
    });
  });

  for (const kind of ['throwing', 'missing'] as const) {
    it(`writes the registration out itself when the credential's toJSON() is ${kind}, and the server registers the passkey`, async () => {
      const user = await createUser({ passkey: true });
      const { passkeys } = await mount();
      const outcome = await withBrokenToJSON(kind, () => passkeys.register(user.passkeyOptions!));
      if (!outcome || !('response' in outcome)) throw new Error(`expected a response, got ${JSON.stringify(outcome)}`);
      const { response } = outcome;
      expect(response.id).to.equal(response.rawId);
      expect(response.response.transports).to.include('internal');
      expect(response.authenticatorAttachment).to.equal('platform');
      expect(clientData(response)).to.include({ type: 'webauthn.create', challenge: user.passkeyOptions!.challenge });
      // @simplewebauthn/server verifies the attestation as it would the browser's own JSON.
      expect(await registerPasskey(user.email, response)).to.be.a('string');
    });

    it(`writes the sign-in out itself when the credential's toJSON() is ${kind}, and the server signs the person in`, async () => {
      const user = await createUser({ passkey: true });
      await registerPasskey(user.email, await seedPasskey(user.passkeyOptions!));
      const client = new FlowClient(await apiUrl());
      const started = await client.start('login');
      if (!('flow' in started) || started.flow.step !== 'email' || !started.flow.data.passkey) throw new Error(`expected passkey options, got ${JSON.stringify(started)}`);
      const { passkeys } = await mount();
      const { options } = started.flow.data.passkey;
      const outcome = await withBrokenToJSON(kind, () => passkeys.authenticate(options));
      if (!outcome || !('response' in outcome)) throw new Error(`expected a response, got ${JSON.stringify(outcome)}`);
      expect(outcome.response.response.userHandle).to.match(/^[\w-]+$/);
      // Signature, authenticator data and user handle are checked by @simplewebauthn/server.
      const signedIn = await client.act(started.flow.id, 'passkey', { response: outcome.response });
      if (!('flow' in signedIn) || signedIn.flow.step !== 'done') throw new Error(`expected to be signed in, got ${JSON.stringify(signedIn)}`);
      expect(signedIn.flow.data.session.user.email).to.equal(user.email);
      expect(signedIn.flow.data.session.amr).to.deep.equal(['hwk', 'mfa']);
    });
  }

  it('offers no autofill, silently, in a browser that cannot autofill passkeys', async () => {
    await seedPasskey();
    const { passkeys } = await mount();
    // With a passkey and presence at once, the autofill below would otherwise sign in straight away.
    const original = Object.getOwnPropertyDescriptor(PublicKeyCredential, 'isConditionalMediationAvailable')!;
    Object.defineProperty(PublicKeyCredential, 'isConditionalMediationAvailable', { ...original, value: () => Promise.resolve(false) });
    try {
      expect(await passkeys.authenticate(requestOptions(), { autofill: true })).to.equal(undefined);
    } finally {
      Object.defineProperty(PublicKeyCredential, 'isConditionalMediationAvailable', original);
    }
  });

  it('offers no autofill, silently, in a browser that cannot even say whether it can', async () => {
    await seedPasskey();
    const { passkeys } = await mount();
    await without(PublicKeyCredential, 'isConditionalMediationAvailable', async () => {
      expect(await passkeys.authenticate(requestOptions(), { autofill: true })).to.equal(undefined);
    });
  });

  it('keeps a failed autofill silent: the person can still type', async () => {
    const { passkeys } = await mount();
    // No passkey on the device: Chromium's virtual authenticator turns the request down at once.
    expect(await passkeys.authenticate(requestOptions(), { autofill: true })).to.equal(undefined);
  });
});
