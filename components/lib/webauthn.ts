import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { WebAuthnAbortService, browserSupportsWebAuthn, browserSupportsWebAuthnAutofill, startAuthentication, startRegistration } from '@simplewebauthn/browser';
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

/**
 * Runs every WebAuthn ceremony of its host: passkey sign-in, passkey autofill
 * (conditional mediation) and passkey registration. A browser runs one
 * ceremony at a time, so each one here first aborts the one before; so do
 * {@link cancel} and the host leaving the page. An aborted ceremony is silent.
 */
export class PasskeyController implements ReactiveController {
  /** The ceremony under way, as a token: an answer for any other is stale and dropped. */
  private running: object | undefined;
  /**
   * Settles once the latest ceremony's request is made (and, if it was
   * cancelled meanwhile, aborted). For autofill, SimpleWebAuthn first asks the
   * browser whether it can (a round trip) and only then makes the request and
   * its abort signal: until then nothing can abort it. This asks the same
   * question right after, and the browser answers in order.
   */
  private ready: Promise<unknown> = Promise.resolve();

  constructor(host: ReactiveControllerHost) {
    host.addController(this);
  }

  /**
   * Signs in with a passkey (`navigator.credentials.get`). With `autofill`,
   * offers the page's passkeys in the autofill of the input whose
   * `autocomplete` ends in `webauthn` (it must be in the page already) and
   * waits, quietly, until the person picks one. Every failure of an autofill
   * ceremony is silent, the person can always type instead; that includes a
   * browser without passkey autofill (`browserSupportsWebAuthnAutofill()`
   * false), which SimpleWebAuthn checks before it asks for anything.
   */
  authenticate(options: PublicKeyCredentialRequestOptionsJSON, { autofill = false } = {}): Promise<PasskeyOutcome<AuthenticationResponseJSON>> {
    // The input may sit in a shadow root, where SimpleWebAuthn's document-wide check cannot see it.
    return this.run(() => startAuthentication({ optionsJSON: options, useBrowserAutofill: autofill, verifyBrowserAutofillInput: false }), autofill);
  }

  /** Creates a passkey (`navigator.credentials.create`) for the person the options name. */
  register(options: PublicKeyCredentialCreationOptionsJSON): Promise<PasskeyOutcome<RegistrationResponseJSON>> {
    return this.run(() => startRegistration({ optionsJSON: options }));
  }

  /** Aborts the running ceremony, if any; its caller gets `undefined`. */
  cancel(): void {
    this.running = undefined;
    WebAuthnAbortService.cancelCeremony();
  }

  hostDisconnected(): void {
    this.cancel();
  }

  private async run<R>(start: () => Promise<R>, quiet = false): Promise<PasskeyOutcome<R>> {
    this.cancel();
    const ceremony = (this.running = {});
    // An autofill request still being made cannot be aborted yet: start once it is, and has been.
    await this.ready;
    if (this.running !== ceremony) return undefined;
    if (!browserSupportsWebAuthn()) return quiet ? undefined : { error: 'passkey_unsupported' };
    try {
      const pending = start();
      // Once SimpleWebAuthn has its answer it makes the request: abort it right then if it was
      // cancelled or superseded meanwhile. (A failed answer settles this too.)
      if (quiet) {
        this.ready = browserSupportsWebAuthnAutofill()
          .catch(Boolean)
          .then(() => this.running === ceremony || WebAuthnAbortService.cancelCeremony());
      }
      const response = await pending;
      return this.running === ceremony ? { response } : undefined;
    } catch (error) {
      // Aborted (by us, or by another ceremony on the page): not the person's doing.
      return quiet || this.running !== ceremony || (error as Error).name === 'AbortError' ? undefined : { error: passkeyError(error as Error) };
    }
  }
}

/**
 * The person's reading of a failed ceremony, from the DOM exception's name
 * (SimpleWebAuthn keeps it). Browsers answer NotAllowedError alike for
 * "cancelled", "timed out", "not verified" and "no passkey here", so that a page
 * cannot probe for credentials (https://www.w3.org/TR/webauthn-2/#sctn-privacy-considerations-client);
 * InvalidStateError is an authenticator listed in `excludeCredentials`, i.e.
 * already registered (https://www.w3.org/TR/webauthn-2/#sctn-op-make-cred, step 3).
 */
function passkeyError({ name }: Error): PasskeyErrorCode {
  return name === 'NotAllowedError' ? 'passkey_cancelled' : name === 'InvalidStateError' ? 'passkey_exists' : 'passkey_error';
}
