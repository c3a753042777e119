import { fixtureCleanup } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '../../server/flows/protocol.js';
import type { AuthenticatorOptions, VirtualCredential } from './webauthn-plugin.js';

/** Random bytes in base64url, as a server makes challenges and user handles. */
export function randomBase64url(bytes = 32): string {
  return toBase64url(btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(bytes)))));
}

/** base64 (as the DevTools protocol writes binary) to base64url (as WebAuthn JSON does). */
export function toBase64url(base64: string): string {
  return base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Options for creating a passkey on this page (RP ID `localhost`), as @simplewebauthn/server would make them. */
export function creationOptions(overrides: Partial<PublicKeyCredentialCreationOptionsJSON> = {}): PublicKeyCredentialCreationOptionsJSON {
  return {
    challenge: randomBase64url(),
    rp: { id: 'localhost', name: 'login-flow tests' },
    user: { id: randomBase64url(16), name: 'ada@example.com', displayName: 'Ada Lovelace' },
    pubKeyCredParams: [
      { type: 'public-key', alg: -7 },
      { type: 'public-key', alg: -257 },
    ],
    authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
    attestation: 'none',
    timeout: 60000,
    ...overrides,
  };
}

/** Options for signing in with a passkey on this page (RP ID `localhost`). */
export function requestOptions(overrides: Partial<PublicKeyCredentialRequestOptionsJSON> = {}): PublicKeyCredentialRequestOptionsJSON {
  return { challenge: randomBase64url(), rpId: 'localhost', userVerification: 'preferred', timeout: 60000, ...overrides };
}

/** The parsed `clientDataJSON` of a WebAuthn response: what the browser says it signed. */
export function clientData(response: { response: { clientDataJSON: string } }): { type: string; challenge: string; origin: string } {
  const base64 = response.response.clientDataJSON.replace(/-/g, '+').replace(/_/g, '/');
  return JSON.parse(atob(base64)) as { type: string; challenge: string; origin: string };
}

/**
 * Chromium's virtual authenticator for each test of the enclosing `describe`:
 * added before the test (a phone with face ID: resident keys, user verification
 * that succeeds, presence confirmed at once) and removed after it. Any ceremony
 * a test leaves waiting is aborted first, so none outlives its test: the test's
 * fixtures leave the page, and their controllers abort their ceremonies.
 */
export function virtualAuthenticator(options: AuthenticatorOptions = {}) {
  const authenticator = {
    id: '',
    /** `false` makes face ID or the fingerprint fail. */
    setUserVerified(isUserVerified: boolean): Promise<unknown> {
      return executeServerCommand<boolean, { authenticatorId: string; isUserVerified: boolean }>('webauthn-set-user-verified', { authenticatorId: this.id, isUserVerified });
    },
    /** `false` leaves every new ceremony waiting for a touch that never comes. */
    setPresence(enabled: boolean): Promise<unknown> {
      return executeServerCommand<boolean, { authenticatorId: string; enabled: boolean }>('webauthn-set-presence', { authenticatorId: this.id, enabled });
    },
    /** The credentials it holds (ids in base64url). */
    async credentials(): Promise<VirtualCredential[]> {
      const found = await executeServerCommand<VirtualCredential[], { authenticatorId: string }>('webauthn-credentials', { authenticatorId: this.id });
      return found.map((credential) => ({ ...credential, credentialId: toBase64url(credential.credentialId) }));
    },
  };
  beforeEach(async () => {
    authenticator.id = await executeServerCommand<string, AuthenticatorOptions>('webauthn-add-authenticator', options);
  });
  afterEach(async () => {
    fixtureCleanup();
    await executeServerCommand<boolean, { authenticatorId: string }>('webauthn-remove-authenticator', { authenticatorId: authenticator.id });
  });
  return authenticator;
}

/** Puts a passkey on the virtual authenticator through a real registration, as an earlier visit would have. */
export async function seedPasskey(options = creationOptions()): Promise<RegistrationResponseJSON> {
  // @simplewebauthn/server types `extensions` in the parsed form; the DOM's JSON form is what they are.
  const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options as Parameters<typeof PublicKeyCredential.parseCreationOptionsFromJSON>[0]);
  const credential = (await navigator.credentials.create({ publicKey })) as PublicKeyCredential;
  return credential.toJSON() as RegistrationResponseJSON;
}

/**
 * True when the browser is in the middle of a WebAuthn ceremony: Chromium
 * refuses a second request while one is pending ("A request is already
 * pending"). Otherwise this probe, for a credential nobody has, fails at once,
 * provided the authenticator simulates presence (with presence off it would
 * wait for a touch like any other request).
 */
export async function ceremonyPending(): Promise<boolean> {
  try {
    await navigator.credentials.get({
      publicKey: { challenge: crypto.getRandomValues(new Uint8Array(32)), rpId: 'localhost', allowCredentials: [{ type: 'public-key', id: crypto.getRandomValues(new Uint8Array(32)) }] },
    });
    return false;
  } catch (error) {
    return (error as Error).name === 'OperationError';
  }
}

/**
 * Resolves once a ceremony started just before has made its request to the
 * browser, waiting on browser round trips rather than a clock. Autofill first
 * asks the browser whether it can autofill, and only then makes the request.
 * The first round trip here lets the widget's pending microtasks run, so that
 * question is asked; the browser answers in order, so once it has answered
 * this second question, it has answered that one, and the request is made.
 */
export async function untilAsked(): Promise<void> {
  await PublicKeyCredential.isConditionalMediationAvailable();
  await PublicKeyCredential.isConditionalMediationAvailable();
}
