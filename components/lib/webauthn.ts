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
 * `toJSON()`); a browser without the two parse methods counts as one without
 * passkeys. A credential without a working `toJSON()` is written out here
 * instead (see {@link credentialJSON}).
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
      return signal.aborted ? undefined : { response: credentialJSON(credential) as R };
    } catch (error) {
      // Aborted (by us, or by another ceremony on the page): not the person's doing.
      return autofill || signal.aborted || (error as Error).name === 'AbortError' ? undefined : { error: passkeyError(error as Error) };
    }
  }
}

/**
 * WebAuthn with the Level 3 JSON parse methods. Without WebAuthn (an old
 * browser, an insecure page) `PublicKeyCredential` is not there at all.
 */
function supported(): boolean {
  const api = window.PublicKeyCredential;
  return !!api && 'parseCreationOptionsFromJSON' in api && 'parseRequestOptionsFromJSON' in api;
}

/**
 * The credential as RegistrationResponseJSON or AuthenticationResponseJSON
 * (https://www.w3.org/TR/webauthn-3/#dom-publickeycredential-tojson): the
 * browser's own `toJSON()`, else the same shape built here. Password managers
 * that take over WebAuthn can hand back a credential whose `toJSON()` is
 * missing or throws (bitwarden/clients#12060; 1Password, KeePassXC); the
 * person's passkey is fine all the same. The fallback writes what the server
 * verifies: binary fields in base64url, `attestationObject` and `transports`
 * at registration, `authenticatorData`, `signature` and `userHandle` at sign-in
 * (each response type has only its own); a null is left out, as `toJSON()` does.
 */
function credentialJSON(credential: PublicKeyCredential): unknown {
  try {
    return credential.toJSON();
  } catch {
    const response = credential.response as Partial<AuthenticatorAttestationResponse & AuthenticatorAssertionResponse>;
    return {
      id: credential.id,
      rawId: base64url(credential.rawId),
      type: credential.type,
      response: {
        clientDataJSON: base64url(response.clientDataJSON),
        attestationObject: base64url(response.attestationObject),
        authenticatorData: base64url(response.authenticatorData),
        signature: base64url(response.signature),
        userHandle: base64url(response.userHandle),
        transports: response.getTransports?.(),
      },
      clientExtensionResults: credential.getClientExtensionResults(),
      authenticatorAttachment: credential.authenticatorAttachment ?? undefined,
    };
  }
}

/** Bytes in base64url without padding (RFC 4648 §5), as WebAuthn's JSON writes them; nothing for none. */
function base64url(bytes: ArrayBuffer | null | undefined): string | undefined {
  return bytes ? btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') : undefined;
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
