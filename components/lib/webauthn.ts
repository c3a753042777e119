import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '../../server/flows/protocol.js';
import type { PasskeyErrorCode } from './events.js';

/**
 * How a ceremony ended: the browser's response to post, an error to show the
 * person, or `undefined` when it was aborted (another ceremony started, the
 * step changed, the element left the page) and there is nothing to do.
 */
export type PasskeyOutcome<R> = { response: R } | { error: PasskeyErrorCode } | undefined;

/*
 * The DOM's own types for the options' JSON form. @simplewebauthn/server types
 * their `extensions` in the parsed form (PRF salts as buffers), but what the
 * API sends is JSON all the same.
 */
type CreationJSON = Parameters<typeof PublicKeyCredential.parseCreationOptionsFromJSON>[0];
type RequestJSON = Parameters<typeof PublicKeyCredential.parseRequestOptionsFromJSON>[0];

/**
 * Runs every WebAuthn ceremony of its host: passkey sign-in, passkey autofill
 * (conditional mediation) and passkey registration. A browser runs one
 * ceremony at a time, so each one here first aborts the one before; so do
 * {@link cancel} and the host leaving the page. An aborted ceremony is silent.
 *
 * The browser itself turns the API's JSON options into a request and its
 * credential back into JSON to post (WebAuthn Level 3
 * `parseCreationOptionsFromJSON()`, `parseRequestOptionsFromJSON()` and
 * `toJSON()`); a browser without those methods counts as one without passkeys.
 */
export class PasskeyController implements ReactiveController {
  /** Aborts the latest ceremony; once aborted, any answer that ceremony still gets is stale and dropped. */
  private ceremony: AbortController | undefined;

  constructor(host: ReactiveControllerHost) {
    host.addController(this);
  }

  /**
   * Signs in with a passkey (`navigator.credentials.get`). With `autofill`,
   * offers the page's passkeys in the autofill of the input whose
   * `autocomplete` ends in `webauthn` (it must be in the page already) and
   * waits, quietly, until the person picks one. Every failure of an autofill
   * ceremony is silent, the person can always type instead; that includes a
   * browser without passkey autofill (`isConditionalMediationAvailable()`
   * false or missing), which is asked before anything else.
   */
  authenticate(options: PublicKeyCredentialRequestOptionsJSON, { autofill = false } = {}): Promise<PasskeyOutcome<AuthenticationResponseJSON>> {
    return this.run(
      // https://www.w3.org/TR/webauthn-3/#sctn-parseRequestOptionsFromJSON
      (signal) => navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options as RequestJSON), signal, mediation: autofill ? 'conditional' : 'optional' }),
      autofill,
    );
  }

  /** Creates a passkey (`navigator.credentials.create`) for the person the options name. */
  register(options: PublicKeyCredentialCreationOptionsJSON): Promise<PasskeyOutcome<RegistrationResponseJSON>> {
    // https://www.w3.org/TR/webauthn-3/#sctn-parseCreationOptionsFromJSON
    return this.run((signal) => navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options as CreationJSON), signal }));
  }

  /** Aborts the running ceremony, if any; its caller gets `undefined`. */
  cancel(): void {
    this.ceremony?.abort();
  }

  /** A ceremony ends with its element: its caller gets `undefined`. */
  hostDisconnected(): void {
    this.cancel();
  }

  private async run<R>(request: (signal: AbortSignal) => Promise<Credential | null>, autofill = false): Promise<PasskeyOutcome<R>> {
    this.cancel();
    const { signal } = (this.ceremony = new AbortController());
    try {
      if (!supported()) return autofill ? undefined : { error: 'passkey_unsupported' };
      // Asking whether it can autofill is a round trip: a ceremony started or cancel() meanwhile
      // has aborted this one, and its request is never made.
      if (autofill && (!(await PublicKeyCredential.isConditionalMediationAvailable?.()) || signal.aborted)) return undefined;
      const credential = (await request(signal)) as PublicKeyCredential;
      // RegistrationResponseJSON or AuthenticationResponseJSON, with `clientExtensionResults`, and
      // `authenticatorAttachment` when known (https://www.w3.org/TR/webauthn-3/#dom-publickeycredential-tojson).
      return signal.aborted ? undefined : { response: credential.toJSON() as R };
    } catch (error) {
      // Aborted (by us, or by another ceremony on the page): not the person's doing.
      return autofill || signal.aborted || (error as Error).name === 'AbortError' ? undefined : { error: passkeyError(error as Error) };
    }
  }
}

/**
 * WebAuthn with the Level 3 JSON methods. Without WebAuthn (an old browser, an
 * insecure page) `PublicKeyCredential` is not there at all.
 */
function supported(): boolean {
  const api = window.PublicKeyCredential;
  return !!api && 'parseCreationOptionsFromJSON' in api && 'parseRequestOptionsFromJSON' in api && 'toJSON' in api.prototype;
}

/**
 * The person's reading of a failed ceremony, from the DOM exception's name.
 * Browsers answer NotAllowedError alike for "cancelled", "timed out", "not
 * verified" and "no passkey here", so that a page cannot probe for credentials
 * (https://www.w3.org/TR/webauthn-2/#sctn-privacy-considerations-client);
 * InvalidStateError is an authenticator listed in `excludeCredentials`, i.e.
 * already registered (https://www.w3.org/TR/webauthn-2/#sctn-op-make-cred, step 3).
 */
function passkeyError({ name }: Error): PasskeyErrorCode {
  return name === 'NotAllowedError' ? 'passkey_cancelled' : name === 'InvalidStateError' ? 'passkey_exists' : 'passkey_error';
}
