import { createHash, createSign, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '../../server/flows/protocol.js';

/*
 * A software WebAuthn authenticator for server tests: real P-256 keys, real
 * CBOR, real signatures, so @simplewebauthn/server verifies its output as it
 * would a phone's. Unlike a browser it can also lie on request (another
 * origin, another RP ID, no user verification, a counter that goes back),
 * which is how the relying-party checks are tested. The browser tests use
 * Chromium's virtual authenticator instead.
 */

const UP = 0x01;
const UV = 0x04;
const AT = 0x40;

interface Stored {
  id: Buffer;
  privateKey: KeyObject;
  cose: Uint8Array;
  userHandle: string;
  rpId: string;
  counter: number;
}

export interface Lies {
  origin?: string;
  rpId?: string;
  userVerified?: boolean;
  counter?: number;
  userHandle?: string;
  type?: string;
  /** Registers under this credential id (base64url), as a hostile or cloned authenticator would. */
  credentialId?: string;
}

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

export class SoftAuthenticator {
  readonly credentials = new Map<string, Stored>();

  constructor(private readonly origin: string) {}

  /** Creates a discoverable credential for the options (navigator.credentials.create). */
  create(options: PublicKeyCredentialCreationOptionsJSON, lies: Lies = {}): RegistrationResponseJSON {
    const rpId = options.rp.id!;
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, Buffer.from(jwk.x!, 'base64url')],
        [-3, Buffer.from(jwk.y!, 'base64url')],
      ]),
    );
    const id = lies.credentialId ? Buffer.from(lies.credentialId, 'base64url') : randomBytes(16);
    const flags = UP | (lies.userVerified === false ? 0 : UV) | AT;
    const authData = Buffer.concat([
      sha256(lies.rpId ?? rpId),
      Buffer.from([flags]),
      u32(0),
      Buffer.alloc(16), // AAGUID: none
      Buffer.from([id.length >> 8, id.length & 0xff]),
      id,
      Buffer.from(cose),
    ]);
    const clientData = JSON.stringify({ type: lies.type ?? 'webauthn.create', challenge: options.challenge, origin: lies.origin ?? this.origin, crossOrigin: false });
    const attestationObject = isoCBOR.encode(new Map<string, unknown>([['fmt', 'none'], ['attStmt', new Map()], ['authData', new Uint8Array(authData)]]) as never);
    this.credentials.set(id.toString('base64url'), { id, privateKey, cose, userHandle: options.user.id, rpId, counter: 0 });
    return {
      id: id.toString('base64url'),
      rawId: id.toString('base64url'),
      type: 'public-key',
      response: {
        clientDataJSON: Buffer.from(clientData).toString('base64url'),
        attestationObject: Buffer.from(attestationObject).toString('base64url'),
        transports: ['internal'],
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /** Signs a challenge with a credential (navigator.credentials.get); the first stored one unless named. */
  get(options: PublicKeyCredentialRequestOptionsJSON, lies: Lies & { credentialId?: string } = {}): AuthenticationResponseJSON {
    const stored = lies.credentialId ? this.credentials.get(lies.credentialId) : this.credentials.values().next().value;
    if (!stored) throw new Error('no credential on this authenticator');
    stored.counter = lies.counter ?? stored.counter + 1;
    const flags = UP | (lies.userVerified === false ? 0 : UV);
    const authData = Buffer.concat([sha256(lies.rpId ?? stored.rpId), Buffer.from([flags]), u32(stored.counter)]);
    const clientData = Buffer.from(JSON.stringify({ type: lies.type ?? 'webauthn.get', challenge: options.challenge, origin: lies.origin ?? this.origin, crossOrigin: false }));
    const signature = createSign('SHA256').update(Buffer.concat([authData, sha256(clientData)])).sign(stored.privateKey);
    return {
      id: stored.id.toString('base64url'),
      rawId: stored.id.toString('base64url'),
      type: 'public-key',
      response: {
        clientDataJSON: clientData.toString('base64url'),
        authenticatorData: authData.toString('base64url'),
        signature: signature.toString('base64url'),
        userHandle: lies.userHandle ?? stored.userHandle,
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }
}
