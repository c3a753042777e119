/*
 * The phone's device-bound key: a passkey where the phone has a platform
 * authenticator (Face ID, fingerprint, screen lock), else a non-extractable
 * WebCrypto ECDSA P-256 key pair kept in IndexedDB. Both sign the exact texts
 * of server/approver-protocol.ts.
 */
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  RegistrationResponseJSON,
} from '../server/flows/protocol.js';
import { base64url, fromBase64url } from './shared.js';
import type { DeviceKey } from './store.js';

/** A passkey ceremony that did not give a credential: the person cancelled (or it timed out), or it failed. */
export class PasskeyError extends Error {
  constructor(readonly code: 'passkey_cancelled' | 'passkey_error') {
    super(code);
    this.name = 'PasskeyError';
  }
}

const utf8 = (text: string) => new TextEncoder().encode(text);

/**
 * Whether this phone can hold a passkey that verifies its user (WebAuthn
 * §5.1.7 isUserVerifyingPlatformAuthenticatorAvailable); false without WebAuthn.
 */
export async function hasPlatformAuthenticator(): Promise<boolean> {
  try {
    return (await window.PublicKeyCredential?.isUserVerifyingPlatformAuthenticatorAvailable?.()) ?? false;
  } catch {
    return false;
  }
}

/** NotAllowedError covers "cancelled", "timed out" and "not verified" alike (WebAuthn §14.5 privacy): all read as cancelled. */
function ceremonyError(error: unknown): PasskeyError {
  return new PasskeyError((error as Error)?.name === 'NotAllowedError' ? 'passkey_cancelled' : 'passkey_error');
}

/**
 * The credential as WebAuthn's JSON (https://www.w3.org/TR/webauthn-3/#dom-publickeycredential-tojson):
 * the browser's `toJSON()` where it has one that works, else written out here
 * with the fields the server verifies.
 */
function credentialJSON(credential: PublicKeyCredential): unknown {
  try {
    if (typeof credential.toJSON === 'function') return credential.toJSON();
  } catch {
    // Some password managers hand back a credential whose toJSON throws; the fields are fine.
  }
  const response = credential.response as Partial<AuthenticatorAttestationResponse & AuthenticatorAssertionResponse>;
  const encode = (bytes: ArrayBuffer | null | undefined) => (bytes ? base64url(bytes) : undefined);
  return {
    id: credential.id,
    rawId: base64url(credential.rawId),
    type: credential.type,
    response: {
      clientDataJSON: encode(response.clientDataJSON),
      attestationObject: encode(response.attestationObject),
      authenticatorData: encode(response.authenticatorData),
      signature: encode(response.signature),
      userHandle: encode(response.userHandle),
      transports: response.getTransports?.(),
    },
    clientExtensionResults: credential.getClientExtensionResults(),
    authenticatorAttachment: credential.authenticatorAttachment ?? undefined,
  };
}

/** Makes the phone's passkey from the enrolment's options (their binary fields arrive in base64url). */
export async function createPasskey(options: PublicKeyCredentialCreationOptionsJSON): Promise<RegistrationResponseJSON> {
  const publicKey: PublicKeyCredentialCreationOptions = {
    ...(options as unknown as PublicKeyCredentialCreationOptions),
    challenge: fromBase64url(options.challenge),
    user: { ...options.user, id: fromBase64url(options.user.id) },
    excludeCredentials: options.excludeCredentials?.map(({ id, transports }) => ({ id: fromBase64url(id), type: 'public-key' as const, ...(transports ? { transports: transports as AuthenticatorTransport[] } : {}) })) ?? [],
  };
  let credential: Credential | null;
  try {
    credential = await navigator.credentials.create({ publicKey });
  } catch (error) {
    throw ceremonyError(error);
  }
  if (!credential) throw new PasskeyError('passkey_error');
  return credentialJSON(credential as PublicKeyCredential) as RegistrationResponseJSON;
}

/** SHA-256 of a text's UTF-8 bytes. */
export async function sha256(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest('SHA-256', utf8(text));
}

/** A new ECDSA P-256 key pair whose private half can sign but never be exported (WebCrypto `extractable: false`). */
export function createDeviceKeys(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
}

/** ECDSA P-256 / SHA-256 over the text's UTF-8, in WebCrypto's raw r‖s form, base64url. */
export async function signWithDeviceKeys(keys: CryptoKeyPair, text: string): Promise<string> {
  return base64url(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, keys.privateKey, utf8(text)));
}

/** The decision's proof: an assertion of the enrolment's passkey over SHA-256(message), or the device key's signature. */
export async function signDecision(key: DeviceKey, message: string, rpId: string) {
  if (key.type === 'device') return { type: 'device' as const, signature: await signWithDeviceKeys(key.keys, message) };
  const publicKey: PublicKeyCredentialRequestOptions = {
    challenge: await sha256(message),
    rpId,
    allowCredentials: [{ type: 'public-key', id: fromBase64url(key.credentialId) }],
    userVerification: 'required',
    timeout: 60_000,
  };
  let credential: Credential | null;
  try {
    credential = await navigator.credentials.get({ publicKey });
  } catch (error) {
    throw ceremonyError(error);
  }
  if (!credential) throw new PasskeyError('passkey_error');
  return { type: 'passkey' as const, response: credentialJSON(credential as PublicKeyCredential) as AuthenticationResponseJSON };
}
