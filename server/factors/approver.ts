/*
 * The approver: a phone that approves sign-ins (push approval with number
 * matching). It is a second factor like the others, a row of `credentials`
 * with `type` 'approver', whose key never leaves the phone: a passkey made for
 * it (approving then needs the phone's screen lock) or, on a phone without a
 * platform authenticator, a non-extractable WebCrypto key.
 *
 * A sign-in asks it through an approval request: a random id (all a push
 * carries), the two digits the sign-in screen shows and three numbers for the
 * phone, one of them right. The phone signs its answer over the id, the
 * number picked and the decision; the request is answered once and used once.
 */
import { createHmac, createPublicKey, randomInt, verify as verifySignature } from 'node:crypto';
import { generateRegistrationOptions, verifyAuthenticationResponse, verifyRegistrationResponse } from '@simplewebauthn/server';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { z } from 'zod';
import { audit } from '../audit.js';
import type { AppContext } from '../context.js';
import { notifyUser } from '../delivery/mail.js';
import { checkSubscription, sendPush } from '../delivery/push.js';
import { ApiError } from '../errors.js';
import { approvalMessage, enrolmentMessage, type ApprovalDetails, type ApprovalOutcome, type EnrolmentRequest, type EnrolmentResult, type EnrolmentStart, type PushSubscriptionJSON } from '../approver-protocol.js';
import { consumeLinkToken, findLinkToken, issueLinkToken } from '../security/link-tokens.js';
import { drawBytes, randomToken, safeEqual, sha256 } from '../security/random.js';
import { consumeRateLimit, rateLimited } from '../security/rate-limit.js';
import { seal, unseal } from '../security/secrets.js';
import type { Approver } from '../shapes.js';
import { inTransaction, type Db } from '../store/index.js';
import type { ApprovalRequestsTable } from '../store/schema.js';
import type { Selectable } from 'kysely';
import { HOUR_MS, spendFactorAttempt } from './attempts.js';
import { agentLabel } from '../user-agent.js';

export type { Approver };

/** A request lives two minutes: long enough to find the phone, short enough that a stale one cannot be approved by habit. */
export const APPROVAL_TTL_MS = 2 * 60_000;
/** The set-up link's token lives ten minutes (the time to find the phone and install the app). */
export const ENROLMENT_TTL_MS = 10 * 60_000;
/** RFC 8030 §5.2: the push service keeps the message no longer than the request lives. */
const PUSH_TTL_SECONDS = APPROVAL_TTL_MS / 1000;
/** Request ids: 128 random bits (OWASP ASVS 5.0 V7.2.3), base64url. */
const REQUEST_ID_BYTES = 16;
/** The phone's bearer token: 256 random bits. */
const DEVICE_TOKEN_BYTES = 32;
/**
 * Six digits the phone shows after enrolling and the set-up screen takes: one
 * guess in a million, and the flow locks after FLOW_MAX_ATTEMPTS wrong ones.
 */
const CONFIRMATION_DIGITS = 6;
/** Phones per person, set up or being set up: enough for a household of devices, and a bound on what a sign-in asks. */
export const MAX_APPROVERS = 10;
/** Two digits, 10-99: the number matching CISA recommends (one in 3 when guessed among the phone's three; a guess ends the request). */
const NUMBER_MIN = 10;
const NUMBER_MAX = 100;

/** What the row's sealed `secret` holds for an approver. */
interface ApproverSecret {
  key: 'passkey' | 'device';
  /** SHA-256 of the phone's bearer token. */
  tokenHash: string;
  push?: PushSubscriptionJSON;
}

/** An enrolled phone, as its bearer token identifies it. */
export interface ApproverDevice {
  id: string;
  userId: string;
  name: string;
  key: 'passkey' | 'device';
  credentialId: string | null;
  publicKey: string;
  counter: number;
  confirmed: boolean;
}

function sealSecret(app: AppContext, id: string, secret: ApproverSecret): string {
  return seal(app.secretKey, JSON.stringify(secret), `approver:${id}`);
}

function openSecret(app: AppContext, id: string, sealed: string | null): ApproverSecret {
  return JSON.parse(unseal(app.secretKey, sealed ?? '', `approver:${id}`)) as ApproverSecret;
}

/** The set-up link for a phone: `/approve/#enrol=<token>` on the API's origin (a fragment: it never reaches a server log). */
export async function issueEnrolment(app: AppContext, userId: string, now: number): Promise<{ url: string; tokenHash: string; expiresAt: number }> {
  const { token, expiresAt } = await issueLinkToken(app.db, { userId, purpose: 'approver-enrolment', ttlMs: ENROLMENT_TTL_MS, now });
  return { url: `${app.config.publicUrl}/approve/#enrol=${token}`, tokenHash: sha256(token), expiresAt };
}

/**
 * The registration challenge of an enrolment, derived from its token with the
 * server's key: nothing to store, unguessable without both, and single use
 * because the token is.
 */
function enrolmentChallenge(app: AppContext, token: string): string {
  return createHmac('sha256', app.secretKey).update(`approver-enrolment:${token}`).digest('base64url');
}

async function openEnrolment(app: AppContext, token: string, now: number) {
  const link = await findLinkToken(app.db, { token, purpose: 'approver-enrolment', now });
  if (!link) throw new ApiError('approver_enrolment_invalid');
  const user = await app.db.selectFrom('users').select(['id', 'email', 'name', 'status']).where('id', '=', link.userId).executeTakeFirst();
  if (!user || user.status !== 'active') throw new ApiError('approver_enrolment_invalid');
  const row = await app.db.selectFrom('link_tokens').select('expires_at').where('token_hash', '=', link.tokenHash).executeTakeFirstOrThrow();
  return { user, tokenHash: link.tokenHash, expiresAt: Number(row.expires_at) };
}

/** `POST /api/approver/enrolment`: who the phone is being set up for, and the options for its passkey. */
export async function startEnrolment(app: AppContext, token: string, now: number): Promise<EnrolmentStart> {
  const { user, expiresAt } = await openEnrolment(app, token, now);
  const options = await generateRegistrationOptions({
    rpName: app.config.appName,
    rpID: app.config.rpId,
    // Named apart from the person's sign-in passkeys in the phone's list of passkeys.
    userName: `${user.email} (approver)`,
    userDisplayName: user.name || user.email,
    // Its own handle: this passkey approves, it never signs in (WebAuthn Level 3 §14.6.1).
    userID: new Uint8Array(drawBytes(32)),
    challenge: new Uint8Array(Buffer.from(enrolmentChallenge(app, token), 'base64url')),
    timeout: ENROLMENT_TTL_MS,
    attestationType: 'none',
    // Not discoverable: it must not show up as a way to sign in, and only this phone holds it.
    // The approver makes a passkey only where the phone verifies its owner (Face ID, fingerprint, screen lock); approving then always does.
    authenticatorSelection: { authenticatorAttachment: 'platform', residentKey: 'discouraged', userVerification: 'required' },
  });
  return { user: { name: user.name, email: user.email }, passkey: { options }, expiresAt };
}

const p256Jwk = z.object({ kty: z.literal('EC'), crv: z.literal('P-256'), x: z.string().regex(/^[A-Za-z0-9_-]{43}$/), y: z.string().regex(/^[A-Za-z0-9_-]{43}$/) });

/** An ECDSA P-256 / SHA-256 signature in WebCrypto's r‖s form over `message`, by the SPKI public key `publicKey` (base64url). */
function deviceSigned(publicKey: string, message: string, signature: string): boolean {
  try {
    const key = createPublicKey({ key: Buffer.from(publicKey, 'base64url'), format: 'der', type: 'spki' });
    return verifySignature('sha256', Buffer.from(message, 'utf8'), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
}

/**
 * `POST /api/approver/devices`: the phone proves it holds its key (the new
 * passkey's registration, or a signature over the set-up token), and is kept
 * as a pending approver until the set-up step that showed the link confirms
 * it. The token is spent in the same transaction.
 */
export async function enrolDevice(app: AppContext, request: EnrolmentRequest, now: number): Promise<EnrolmentResult> {
  const { user, tokenHash } = await openEnrolment(app, request.token, now);
  const subscription = request.subscription ? checkSubscription(app.config, request.subscription) : undefined;
  let stored: { credentialId: string | null; publicKey: string; counter: number };
  if (request.key.type === 'passkey') {
    let verified;
    try {
      verified = await verifyRegistrationResponse({
        response: request.key.response as RegistrationResponseJSON,
        expectedChallenge: enrolmentChallenge(app, request.token),
        expectedOrigin: app.config.webauthnOrigins,
        expectedRPID: app.config.rpId,
        requireUserVerification: true,
      });
    } catch {
      throw new ApiError('passkey_failed');
    }
    if (!verified.verified || !verified.registrationInfo) throw new ApiError('passkey_failed');
    const { credential } = verified.registrationInfo;
    stored = { credentialId: credential.id, publicKey: Buffer.from(credential.publicKey).toString('base64url'), counter: credential.counter };
  } else {
    const spki = deviceKey(request.key.publicKey);
    if (!deviceSigned(spki, enrolmentMessage(request.token), request.key.proof)) throw new ApiError('approver_signature');
    stored = { credentialId: null, publicKey: spki, counter: 0 };
  }
  const id = crypto.randomUUID();
  const deviceToken = `${id}.${randomToken(DEVICE_TOKEN_BYTES)}`;
  const secret: ApproverSecret = { key: request.key.type, tokenHash: sha256(deviceToken), ...(subscription ? { push: subscription } : {}) };
  await inTransaction(app.db, async (trx) => {
    if (!(await consumeLinkToken(trx, { tokenHash, purpose: 'approver-enrolment', now }))) throw new ApiError('approver_enrolment_invalid');
    const { count } = await trx.selectFrom('credentials').select((eb) => eb.fn.countAll<number>().as('count')).where('user_id', '=', user.id).where('type', '=', 'approver').executeTakeFirstOrThrow();
    if (Number(count) >= MAX_APPROVERS) throw new ApiError('action_not_allowed');
    const inserted = await trx
      .insertInto('credentials')
      .values({
        id,
        user_id: user.id,
        type: 'approver',
        secret: sealSecret(app, id, secret),
        name: request.name,
        created_at: now,
        confirmed_at: null,
        last_used_at: null,
        credential_id: stored.credentialId,
        public_key: stored.publicKey,
        counter: stored.counter,
        enrolment: tokenHash,
      })
      .onConflict((oc) => oc.column('credential_id').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) !== 1) throw new ApiError('passkey_already_registered');
  });
  return { device: { id, name: request.name }, deviceToken, ...(stored.credentialId ? { credentialId: stored.credentialId } : {}), confirmation: confirmationCode(app, id) };
}

/** A WebCrypto public key (JWK, EC P-256) as SPKI, base64url; a key that is not a point on the curve is `invalid_request`. */
function deviceKey(publicKey: unknown): string {
  const jwk = p256Jwk.safeParse(publicKey);
  if (!jwk.success) throw new ApiError('invalid_request', { field: 'key' });
  try {
    return createPublicKey({ key: { ...jwk.data }, format: 'jwk' }).export({ format: 'der', type: 'spki' }).toString('base64url');
  } catch {
    throw new ApiError('invalid_request', { field: 'key' });
  }
}

/** The code a phone shows after enrolling, derived from its id with the server's key: nothing to store. */
function confirmationCode(app: AppContext, id: string): string {
  const digest = createHmac('sha256', app.secretKey).update(`approver-confirmation:${id}`).digest();
  return String(digest.readUInt32BE(0) % 10 ** CONFIRMATION_DIGITS).padStart(CONFIRMATION_DIGITS, '0');
}

/** The phone a set-up link enrolled, if one has (the set-up step's wait). */
export async function enrolledBy(db: Db, { userId, enrolment }: { userId: string; enrolment: string }): Promise<string | undefined> {
  const row = await db.selectFrom('credentials').select('id').where('enrolment', '=', enrolment).where('user_id', '=', userId).where('type', '=', 'approver').where('confirmed_at', 'is', null).executeTakeFirst();
  return row?.id;
}

/**
 * The set-up step confirms the phone its link enrolled, with the code that
 * phone shows: a phone that scanned the QR code over the person's shoulder
 * shows its own code, which the person never sees. From now on the phone is
 * asked at sign-in.
 */
export async function confirmApprover(app: AppContext, { userId, enrolment, code, now }: { userId: string; enrolment: string; code: string; now: number }): Promise<{ id: string } | 'pending' | 'wrong'> {
  const id = await enrolledBy(app.db, { userId, enrolment });
  if (!id) return 'pending';
  if (!safeEqual(code.replace(/\s/g, ''), confirmationCode(app, id))) return 'wrong';
  const result = await app.db.updateTable('credentials').set({ confirmed_at: now, enrolment: null }).where('id', '=', id).where('confirmed_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1 ? { id } : 'pending';
}

/** Phones half set up with a link that is now spent (`renew`, `back`), or with none that lived past its ten minutes, go. */
export async function dropPendingApprovers(db: Db, { userId, enrolment }: { userId: string; enrolment: string }): Promise<void> {
  await db.deleteFrom('credentials').where('user_id', '=', userId).where('type', '=', 'approver').where('confirmed_at', 'is', null).where('enrolment', '=', enrolment).execute();
}

/** The phone behind a bearer token (`<id>.<secret>`), confirmed or pending; `approver_unknown` when it was removed or the token is wrong. */
export async function deviceFromToken(app: AppContext, bearer: string | undefined): Promise<ApproverDevice> {
  const [id, secret] = (bearer ?? '').split('.');
  if (!id || !secret || !/^[0-9a-f-]{36}$/.test(id)) throw new ApiError('approver_unknown');
  const row = await app.db
    .selectFrom('credentials')
    .select(['id', 'user_id', 'name', 'secret', 'credential_id', 'public_key', 'counter', 'confirmed_at'])
    .where('id', '=', id)
    .where('type', '=', 'approver')
    .executeTakeFirst();
  if (!row) throw new ApiError('approver_unknown');
  const sealed = openSecret(app, row.id, row.secret);
  if (!safeEqual(sealed.tokenHash, sha256(bearer!))) throw new ApiError('approver_unknown');
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    key: sealed.key,
    credentialId: row.credential_id,
    publicKey: row.public_key ?? '',
    counter: Number(row.counter ?? 0),
    confirmed: row.confirmed_at !== null,
  };
}

/** `PUT /api/approver/devices/current/subscription`: a new push subscription for the phone, or none. */
export async function replaceSubscription(app: AppContext, device: ApproverDevice, subscription: unknown): Promise<void> {
  const push = subscription === null ? undefined : checkSubscription(app.config, subscription);
  await updateSecret(app, device.id, (secret) => {
    const { push: _old, ...rest } = secret;
    return push ? { ...rest, push } : rest;
  });
}

/** The row's sealed secret changed by `change`; nothing when the phone is gone. */
async function updateSecret(app: AppContext, id: string, change: (secret: ApproverSecret) => ApproverSecret): Promise<void> {
  const row = await app.db.selectFrom('credentials').select('secret').where('id', '=', id).executeTakeFirst();
  if (!row) return;
  await app.db.updateTable('credentials').set({ secret: sealSecret(app, id, change(openSecret(app, id, row.secret))) }).where('id', '=', id).execute();
}

/** The person's phones as the account page lists them. */
export async function listApprovers(app: AppContext, userId: string): Promise<Approver[]> {
  const rows = await app.db
    .selectFrom('credentials')
    .select(['id', 'name', 'secret', 'created_at', 'last_used_at'])
    .where('user_id', '=', userId)
    .where('type', '=', 'approver')
    .where('confirmed_at', 'is not', null)
    .orderBy('created_at')
    .execute();
  return rows.map((row) => {
    const secret = openSecret(app, row.id, row.secret);
    return { id: row.id, name: row.name, createdAt: Number(row.created_at), lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at), key: secret.key, push: secret.push !== undefined };
  });
}

/** Three distinct two-digit numbers in a random order, `number` among them: what the phone shows. */
function choicesFor(number: number): string[] {
  const choices = new Set([number]);
  while (choices.size < 3) choices.add(randomInt(NUMBER_MIN, NUMBER_MAX));
  const list = [...choices].map(String);
  // Fisher-Yates with the CSPRNG: the right one is anywhere.
  for (let i = list.length - 1; i > 0; i -= 1) {
    const j = randomInt(i + 1);
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}

/**
 * Sends a sign-in request to every confirmed phone of the person: a new
 * request (the one before it, if any, ends), under the hourly cap
 * `APPROVALS_PER_HOUR` (push fatigue, CISA 2022), with only its id in the
 * push. Returns the number for the sign-in screen.
 */
export async function requestApproval(
  app: AppContext,
  { userId, replaces, purpose, ip, userAgent, now }: { userId: string; replaces?: string; purpose: 'sign-in' | 'password-reset'; ip: string | null; userAgent: string | null; now: number },
): Promise<{ id: string; number: string; expiresAt: number }> {
  const phones = await app.db.selectFrom('credentials').select(['id', 'secret']).where('user_id', '=', userId).where('type', '=', 'approver').where('confirmed_at', 'is not', null).execute();
  if (phones.length === 0) throw new ApiError('action_not_allowed');
  const hit = await consumeRateLimit(app.db, `approval:push:${userId}`, { limit: app.config.approvalsPerHour, windowMs: HOUR_MS }, now);
  if (hit.limited) throw rateLimited(hit, now);
  if (replaces) await endApproval(app.db, { id: replaces, userId, now });
  const number = randomInt(NUMBER_MIN, NUMBER_MAX);
  const id = drawBytes(REQUEST_ID_BYTES).toString('base64url');
  const expiresAt = now + APPROVAL_TTL_MS;
  const companies = await app.db.selectFrom('memberships').innerJoin('organizations', 'organizations.id', 'memberships.organization_id').select('organizations.name').where('memberships.user_id', '=', userId).execute();
  await app.db
    .insertInto('approval_requests')
    .values({
      id,
      user_id: userId,
      number: String(number),
      choices: JSON.stringify(choicesFor(number)),
      ip,
      user_agent: userAgent?.slice(0, 512) ?? null,
      company: companies.length === 1 ? companies[0]!.name : null,
      purpose,
      status: 'pending',
      approver_id: null,
      created_at: now,
      expires_at: expiresAt,
      decided_at: null,
    })
    .execute();
  await audit(app, { event: 'approval.sent', userId, ip, detail: { phones: phones.length } });
  const pushes = phones.flatMap((phone) => {
    const push = openSecret(app, phone.id, phone.secret).push;
    return push ? [{ id: phone.id, push }] : [];
  });
  // Inside a flow's transaction the pushes wait for its commit: a request that loses a race to the
  // flow (a double click) is rolled back, and no phone shows a number that no screen shows.
  const send = (outside: AppContext) => pushAll(outside, pushes, id);
  if (app.afterCommit) app.afterCommit(send);
  else await send(app);
  return { id, number: String(number), expiresAt };
}

/** Pushes a request's id (and nothing else: the phone fetches the rest over its own authenticated call) to the phones. */
async function pushAll(app: AppContext, phones: { id: string; push: PushSubscriptionJSON }[], requestId: string): Promise<void> {
  await Promise.all(
    phones.map(async ({ id, push }) => {
      const sent = await sendPush(app, push, { type: 'approval', id: requestId }, { ttlSeconds: PUSH_TTL_SECONDS, urgency: 'high', topic: 'approval' });
      // RFC 8030 §7.3: the subscription is gone for good; the phone still approves while its app is open.
      // Only that subscription: one the phone sent meanwhile stays.
      if (sent === 'gone') await updateSecret(app, id, (secret) => (secret.push?.endpoint === push.endpoint ? { key: secret.key, tokenHash: secret.tokenHash } : secret));
    }),
  );
}

/** A request as this module reads it. */
type RequestRow = Pick<Selectable<ApprovalRequestsTable>, (typeof REQUEST_COLUMNS)[number]>;

function details(app: AppContext, row: RequestRow, email: string): ApprovalDetails {
  return {
    id: row.id,
    numbers: JSON.parse(row.choices) as [string, string, string],
    userAgent: row.user_agent,
    ip: row.ip,
    company: row.company,
    purpose: row.purpose,
    email,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    rpId: app.config.rpId,
  };
}

const REQUEST_COLUMNS = ['id', 'user_id', 'number', 'choices', 'ip', 'user_agent', 'company', 'purpose', 'status', 'created_at', 'expires_at'] as const;

/** The person's requests still waiting for an answer, newest first. A pending phone sees none. */
export async function pendingApprovals(app: AppContext, device: ApproverDevice, now: number): Promise<ApprovalDetails[]> {
  if (!device.confirmed) return [];
  const user = await app.db.selectFrom('users').select('email').where('id', '=', device.userId).executeTakeFirstOrThrow();
  const rows = await app.db.selectFrom('approval_requests').select(REQUEST_COLUMNS).where('user_id', '=', device.userId).where('status', '=', 'pending').where('expires_at', '>', now).orderBy('created_at', 'desc').execute();
  return rows.map((row) => details(app, row, user.email));
}

/** One request for this phone: another person's, or an unknown one, is `approval_not_found` (the same answer: nothing to learn). */
async function requestFor(app: AppContext, device: ApproverDevice, id: string, now: number): Promise<RequestRow> {
  const row = await app.db.selectFrom('approval_requests').select(REQUEST_COLUMNS).where('id', '=', id).executeTakeFirst();
  if (!row || row.user_id !== device.userId || !device.confirmed) throw new ApiError('approval_not_found');
  if (row.status !== 'pending') throw new ApiError('approval_decided');
  if (Number(row.expires_at) <= now) throw new ApiError('approval_expired');
  return row;
}

/** `GET /api/approver/requests/{id}`. */
export async function approvalDetails(app: AppContext, device: ApproverDevice, id: string, now: number): Promise<ApprovalDetails> {
  const row = await requestFor(app, device, id, now);
  const user = await app.db.selectFrom('users').select('email').where('id', '=', device.userId).executeTakeFirstOrThrow();
  return details(app, row, user.email);
}

/** Checks the phone's signature over its answer; a passkey's new signature counter is returned to store. */
async function verifyDecision(app: AppContext, device: ApproverDevice, message: string, proof: { type: 'passkey'; response: AuthenticationResponseJSON } | { type: 'device'; signature: string }): Promise<{ counter?: number; userVerified: boolean }> {
  if (proof.type !== device.key) throw new ApiError('approver_signature');
  if (proof.type === 'device') {
    if (!deviceSigned(device.publicKey, message, proof.signature)) throw new ApiError('approver_signature');
    return { userVerified: false };
  }
  if (proof.response.id !== device.credentialId) throw new ApiError('approver_signature');
  try {
    const result = await verifyAuthenticationResponse({
      response: proof.response,
      // The challenge is the answer itself: an assertion signs exactly this request, number and decision.
      expectedChallenge: sha256(message),
      expectedOrigin: app.config.webauthnOrigins,
      expectedRPID: app.config.rpId,
      credential: { id: device.credentialId!, publicKey: Buffer.from(device.publicKey, 'base64url'), counter: device.counter },
      // WebAuthn Level 3 §7.2 step 17: the phone verified its owner for this answer.
      requireUserVerification: true,
    });
    if (!result.verified) throw new ApiError('approver_signature');
    return { counter: result.authenticationInfo.newCounter, userVerified: result.authenticationInfo.userVerified };
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError('approver_signature');
  }
}

/**
 * `POST /api/approver/requests/{id}`: the person's signed answer. Approving
 * with the sign-in screen's number approves; "This wasn't me", or another
 * number, denies: a failed second factor (it counts against the account's
 * limits), audited, and mailed to the person. The request is answered once:
 * of two answers at the same time one wins, the other gets `approval_decided`.
 */
export async function decide(
  app: AppContext,
  device: ApproverDevice,
  { id, number, decision, proof, ip }: { id: string; number: string; decision: 'approve' | 'deny'; proof: Parameters<typeof verifyDecision>[3]; ip: string | null },
  now: number,
): Promise<ApprovalOutcome> {
  const row = await requestFor(app, device, id, now);
  const { counter } = await verifyDecision(app, device, approvalMessage(id, number, decision), proof);
  const status = decision === 'approve' && safeEqual(number, row.number) ? 'approved' : 'denied';
  // An approval is a second factor passed, under the account's limits; a refusal is recorded whatever they say,
  // so "this wasn't me" is never lost to an attacker who filled the account's window first.
  const attempt = status === 'approved' ? await spendFactorAttempt(app, device.userId, now) : undefined;
  const answered = await app.db
    .updateTable('approval_requests')
    .set({ status, decided_at: now, approver_id: device.id })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('expires_at', '>', now)
    .executeTakeFirst();
  if (Number(answered.numUpdatedRows) !== 1) {
    attempt?.abandon();
    await attempt?.end();
    throw new ApiError('approval_decided');
  }
  attempt?.succeeded();
  await attempt?.end();
  if (status === 'denied') await countDenial(app, device.userId, now);
  await app.db.updateTable('credentials').set({ last_used_at: now, ...(counter === undefined ? {} : { counter }) }).where('id', '=', device.id).execute();
  await audit(app, {
    event: status === 'approved' ? 'approval.approved' : 'approval.denied',
    userId: device.userId,
    ip,
    detail: { approver: device.id, signInIp: row.ip, purpose: row.purpose, ...(decision === 'approve' && status === 'denied' ? { wrongNumber: true } : {}) },
  });
  if (status === 'denied') {
    await notifyUser(app, device.userId, { kind: 'approval-denied', purpose: row.purpose, at: Number(row.created_at), ip: row.ip, browser: agentLabel(row.user_agent) });
  }
  return { status };
}

/** A refusal counts as a failed second factor against the account; over its limits already, it is still recorded, not refused. */
async function countDenial(app: AppContext, userId: string, now: number): Promise<void> {
  try {
    await (await spendFactorAttempt(app, userId, now)).end();
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
  }
}

/** How the sign-in waiting for a request stands. `approved` once: `useApproval` spends it. */
export async function approvalStatus(db: Db, { id, userId, now }: { id: string; userId: string; now: number }): Promise<'pending' | 'approved' | 'denied' | 'expired' | 'used'> {
  const row = await db.selectFrom('approval_requests').select(['status', 'expires_at']).where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  if (!row) return 'expired';
  if (row.status === 'pending' && Number(row.expires_at) <= now) return 'expired';
  return row.status;
}

/**
 * Spends an approved request for the sign-in it was made for: undefined when
 * it was not approved, was spent already (a replay), or the phone that
 * approved it has since been removed. Says which kind of key approved.
 */
export async function useApproval(db: Db, { id, userId }: { id: string; userId: string }): Promise<'passkey' | 'device' | undefined> {
  const phone = await db
    .selectFrom('approval_requests')
    .innerJoin('credentials', 'credentials.id', 'approval_requests.approver_id')
    .select('credentials.credential_id')
    .where('approval_requests.id', '=', id)
    .where('approval_requests.user_id', '=', userId)
    .where('credentials.type', '=', 'approver')
    .where('credentials.confirmed_at', 'is not', null)
    .executeTakeFirst();
  if (!phone) return undefined;
  const used = await db.updateTable('approval_requests').set({ status: 'used' }).where('id', '=', id).where('user_id', '=', userId).where('status', '=', 'approved').executeTakeFirst();
  if (Number(used.numUpdatedRows) !== 1) return undefined;
  return phone.credential_id ? 'passkey' : 'device';
}

/** A sign-in went on another way: its request to the phones ends, so no phone shows a number no screen shows. */
export async function endApproval(db: Db, { id, userId, now }: { id: string; userId: string; now: number }): Promise<void> {
  await db.updateTable('approval_requests').set({ expires_at: now }).where('id', '=', id).where('user_id', '=', userId).where('status', '=', 'pending').execute();
}

/** The person's factors were replaced (a recovery): every request still out to the phones ends. */
export async function endUserApprovals(db: Db, { userId, now }: { userId: string; now: number }): Promise<void> {
  await db.updateTable('approval_requests').set({ expires_at: now }).where('user_id', '=', userId).where('status', '=', 'pending').execute();
}

/**
 * Requests answered or expired more than a day ago go (the audit log keeps
 * what happened), and phones left half set up past their link's life.
 */
export async function purgeApprovals(db: Db, now: number): Promise<void> {
  await db.deleteFrom('approval_requests').where('expires_at', '<', now - 24 * HOUR_MS).execute();
  await db.deleteFrom('credentials').where('type', '=', 'approver').where('confirmed_at', 'is', null).where('created_at', '<', now - ENROLMENT_TTL_MS).execute();
}
