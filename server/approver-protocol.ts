/*
 * The JSON of the approver's API (`/api/approver/*`), which the approver web
 * app (`approver/`, served at `/approve/`) calls from the person's phone. Types
 * only, imported by both sides.
 *
 * The phone proves itself two ways. Every call after enrolment carries
 * `Authorization: Bearer <deviceToken>` (the token enrolment returned, kept in
 * the phone's IndexedDB). A decision is also signed with the phone's
 * device-bound key over `approvalMessage(id, number, decision)`:
 * - `passkey`: a WebAuthn assertion whose challenge is the base64url SHA-256
 *   of that message, by the passkey made at enrolment (user verification
 *   required: Face ID, fingerprint or the screen lock);
 * - `device`: an ECDSA P-256 / SHA-256 signature (WebCrypto's raw r‖s form,
 *   base64url) by a non-extractable key the approver generated, for phones
 *   without a platform authenticator.
 */
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';

/** `GET /api/approver/config`: what the approver needs before enrolment. */
export interface ApproverConfig {
  /** The VAPID public key (RFC 8292 §3.2), base64url: `applicationServerKey` for `pushManager.subscribe`. */
  vapidPublicKey: string;
}

/** `POST /api/approver/enrolment` `{ token }`: opens an enrolment from the set-up link's token. */
export interface EnrolmentStart {
  /** Whose phone this becomes: the person's name and email, shown so they know what they are setting up. */
  user: { name: string; email: string };
  /** Options for `navigator.credentials.create` (a passkey on this phone, not a sign-in passkey). */
  passkey: { options: PublicKeyCredentialCreationOptionsJSON };
  /** Epoch ms when the token dies. */
  expiresAt: number;
}

/** A push subscription as `PushSubscription.toJSON()` gives it. */
export interface PushSubscriptionJSON {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/**
 * `POST /api/approver/devices`: finishes enrolment. `key` is the passkey just
 * made (`passkey`), or for a phone without one the public key (JWK, EC P-256)
 * of a non-extractable key with `proof`, its signature over `enrolmentMessage(token)`.
 * `subscription` is absent when the person did not allow notifications.
 */
export interface EnrolmentRequest {
  token: string;
  name: string;
  key: { type: 'passkey'; response: RegistrationResponseJSON } | { type: 'device'; publicKey: JsonWebKey; proof: string };
  subscription?: PushSubscriptionJSON;
}

/** What enrolment answers: keep all of it on the phone. */
export interface EnrolmentResult {
  device: { id: string; name: string };
  /** The bearer token for every later call; shown once. */
  deviceToken: string;
  /** For `key.type: 'passkey'`: the credential id, for `allowCredentials` when signing a decision. */
  credentialId?: string;
  /**
   * Six digits to show on the phone now: the person types them on the screen
   * that showed the QR code, which confirms this phone (and no other that
   * scanned the code) as theirs.
   */
  confirmation: string;
}

/** `PUT /api/approver/devices/current/subscription` `{ subscription }`: a new push subscription (e.g. after `pushsubscriptionchange`), or `null` to stop pushes. */
export interface SubscriptionUpdate {
  subscription: PushSubscriptionJSON | null;
}

/** A sign-in waiting for this phone's answer, as the approver shows it. */
export interface ApprovalDetails {
  id: string;
  /** Three two-digit numbers, one of them on the sign-in screen; show them in this order. */
  numbers: [string, string, string];
  /** The asking browser's `User-Agent` (parse it for "Chrome on Windows"); null when it sent none. */
  userAgent: string | null;
  ip: string | null;
  /** The company the person signs in to, when one is known. */
  company: string | null;
  /** What is asking: a sign-in (or a re-authentication), or setting a new password from a reset link. */
  purpose: 'sign-in' | 'password-reset';
  email: string;
  createdAt: number;
  expiresAt: number;
  /** WebAuthn `rpId` for the assertion that signs the decision (`passkey` keys). */
  rpId: string;
}

/**
 * `GET /api/approver/requests[?wait=1]`: the person's pending requests, newest
 * first; with `wait=1` the answer waits (up to 25 s) until there is one.
 * `GET /api/approver/requests/{id}`: one (404 `approval_not_found` for another
 * person's or an unknown one, 409 `approval_decided`, 410 `approval_expired`).
 */
export interface ApprovalList {
  requests: ApprovalDetails[];
}

/** `POST /api/approver/requests/{id}`: the person's answer, signed with the phone's key. */
export interface ApprovalDecision {
  /** The number the person picked; approving with another than the sign-in screen's ends the request as denied. */
  number: string;
  decision: 'approve' | 'deny';
  proof: { type: 'passkey'; response: AuthenticationResponseJSON } | { type: 'device'; signature: string };
}

/** What a decision did: `approved` signs the waiting browser in; `denied` ends the request (a wrong number too). */
export interface ApprovalOutcome {
  status: 'approved' | 'denied';
}

/** The exact text a decision's signature covers (UTF-8). */
export function approvalMessage(id: string, number: string, decision: 'approve' | 'deny'): string {
  return `login-flow approval v1\n${id}\n${number}\n${decision}`;
}

/** The exact text a `device` key signs at enrolment to prove it holds the private key (UTF-8). */
export function enrolmentMessage(token: string): string {
  return `login-flow enrolment v1\n${token}`;
}
