/*
 * A real push service for the tests, on 127.0.0.1: it takes Web Push messages
 * as a browser vendor's push service does (RFC 8030 §5), checks the sender's
 * VAPID JWT (RFC 8292), and then does what the phone would do, decrypting the
 * payload with the subscription's private key (RFC 8291, RFC 8188).
 *
 * Written from the RFCs with node:crypto and jose, independently of web-push
 * (which the server sends with): a mistake in one would not be mirrored in
 * the other. A request it refuses gets a 4xx, and the reason is recorded in
 * `refusals`, so a test can tell which check failed.
 */
import { createDecipheriv, createECDH, hkdfSync, randomBytes, randomUUID, type ECDH } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { importJWK, jwtVerify, type JWTPayload } from 'jose';
import type { PushSubscriptionJSON } from '../../server/approver-protocol.js';

/** RFC 8030 §7.2: a push service must take payloads up to 4096 octets; this one takes no more, so a sender that needs more is caught. */
const MAX_BODY_BYTES = 4096;
/** RFC 8292 §2: the JWT's `exp` is at most 24 hours after the request. */
const MAX_JWT_LIFETIME_SECONDS = 24 * 60 * 60;
/** RFC 8291 §3.2: the authentication secret, 16 random octets. */
const AUTH_SECRET_BYTES = 16;
/** RFC 8188 §2.1: salt (16), rs (4), idlen (1). */
const SALT_BYTES = 16;
const HEADER_BYTES = SALT_BYTES + 4 + 1;
/** RFC 8291 §4: the keyid is the sender's ECDH public key, an uncompressed P-256 point. */
const P256_POINT_BYTES = 65;
/** RFC 8188 §2: AES-128-GCM's 16-octet tag ends every record; rs is at least 18. */
const TAG_BYTES = 16;
const MIN_RECORD_SIZE = 18;
/** RFC 8188 §2: the last record's padding delimiter. */
const LAST_RECORD_DELIMITER = 0x02;
/** RFC 8030 §5.3. */
const URGENCIES = new Set(['very-low', 'low', 'normal', 'high']);
/** RFC 8030 §5.4: a topic is at most 32 characters of the base64url alphabet. */
const TOPIC = /^[A-Za-z0-9_-]{1,32}$/;

/** One push, as the phone would receive it. */
export interface PushMessage {
  subscriptionId: string;
  /** The decrypted payload, parsed as JSON. */
  payload: unknown;
  /** RFC 8030 §5.2, seconds. */
  ttl: number;
  /** RFC 8030 §5.3; null when the sender sent none (the push service then treats it as `normal`). */
  urgency: string | null;
  /** RFC 8030 §5.4; null when the sender sent none. */
  topic: string | null;
  /** The claims of the sender's verified VAPID JWT (RFC 8292 §2). */
  jwtClaims: JWTPayload;
  /** The sender's VAPID public key, the JWT was verified with (RFC 8292 §3.2 `k`). */
  vapidKey: string;
}

/** A push this service refused, and why. */
export interface Refusal {
  subscriptionId: string;
  status: number;
  reason: string;
}

export interface PushService {
  /** The push service's origin, `http://127.0.0.1:<port>`: the `aud` a sender's JWT must name. */
  url: string;
  /**
   * A new subscription, as `pushManager.subscribe` makes it: an ECDH P-256 key
   * pair and an auth secret, the private key kept here. With
   * `applicationServerKey`, only pushes signed by that VAPID key are taken
   * (RFC 8292 §4.2, a restricted subscription).
   */
  subscribe(options?: { applicationServerKey?: string }): Promise<{ subscription: PushSubscriptionJSON; id: string }>;
  /** The next push not yet taken (for one subscription when `id` is given); rejects after `timeoutMs` without one. */
  next(id?: string, timeoutMs?: number): Promise<PushMessage>;
  /** Ends a subscription: later pushes to it get 410 Gone. */
  expire(id: string): void;
  /** The next request gets this status (and headers), whatever it is, and is not delivered; null: it never gets an answer. */
  answerNext(status: number | null, headers?: Record<string, string>): void;
  /** Every push delivered, in order. */
  messages: PushMessage[];
  /** Every push refused, in order. */
  refusals: Refusal[];
  close(): Promise<void>;
}

interface Subscriber {
  id: string;
  ecdh: ECDH;
  /** ua_public (RFC 8291 §3.1), uncompressed. */
  publicKey: Buffer;
  auth: Buffer;
  applicationServerKey: string | undefined;
  expired: boolean;
}

interface Waiter {
  id: string | undefined;
  resolve(message: PushMessage): void;
}

/** A refusal: the status to answer and the reason to record. */
class Refused extends Error {
  constructor(
    readonly status: number,
    reason: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(reason);
  }
}

export async function startPushService(): Promise<PushService> {
  const subscribers = new Map<string, Subscriber>();
  const unclaimed: PushMessage[] = [];
  const waiters: Waiter[] = [];
  const told: { status: number | null; headers: Record<string, string> }[] = [];
  const messages: PushMessage[] = [];
  const refusals: Refusal[] = [];
  let origin = '';

  function deliver(message: PushMessage): void {
    messages.push(message);
    const waiter = waiters.findIndex((w) => w.id === undefined || w.id === message.subscriptionId);
    if (waiter === -1) unclaimed.push(message);
    else waiters.splice(waiter, 1)[0]!.resolve(message);
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const id = /^\/push\/([A-Za-z0-9_-]+)$/.exec(request.url ?? '')?.[1] ?? '';
    try {
      const body = await readBody(request);
      if (told.length > 0) {
        const { status, headers } = told.shift()!;
        if (status === null) return; // held open until close()
        throw new Refused(status, `answered ${status} as told`, headers);
      }
      if (request.method !== 'POST') throw new Refused(405, 'only POST delivers a push (RFC 8030 §5)');
      const subscriber = subscribers.get(id);
      if (!subscriber) throw new Refused(404, 'no such subscription');
      if (subscriber.expired) throw new Refused(410, 'subscription expired (RFC 8030 §7.3)');
      const message = await accept(request, body, subscriber, origin);
      response.writeHead(201, { location: `${origin}/message/${randomUUID()}` }).end();
      deliver(message);
    } catch (error) {
      const refused = error instanceof Refused ? error : new Refused(400, String(error));
      refusals.push({ subscriptionId: id, status: refused.status, reason: refused.message });
      response.writeHead(refused.status, { 'content-type': 'text/plain', ...refused.headers }).end(refused.message);
    }
  }

  const server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: origin,
    messages,
    refusals,
    async subscribe({ applicationServerKey } = {}) {
      const ecdh = createECDH('prime256v1');
      const publicKey = ecdh.generateKeys();
      const auth = randomBytes(AUTH_SECRET_BYTES);
      // The endpoint's path is a capability: whoever knows it can push, so it is unguessable.
      const id = randomBytes(16).toString('base64url');
      subscribers.set(id, { id, ecdh, publicKey, auth, applicationServerKey, expired: false });
      return { id, subscription: { endpoint: `${origin}/push/${id}`, keys: { p256dh: publicKey.toString('base64url'), auth: auth.toString('base64url') } } };
    },
    next(id, timeoutMs = 2_000) {
      const index = unclaimed.findIndex((m) => id === undefined || m.subscriptionId === id);
      if (index !== -1) return Promise.resolve(unclaimed.splice(index, 1)[0]!);
      return new Promise<PushMessage>((resolve, reject) => {
        const waiter: Waiter = {
          id,
          resolve(message) {
            clearTimeout(timer);
            resolve(message);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`no push${id ? ` for ${id}` : ''} within ${timeoutMs} ms (refused: ${JSON.stringify(refusals)})`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    expire(id) {
      const subscriber = subscribers.get(id);
      if (!subscriber) throw new Error(`no subscription ${id}`);
      subscriber.expired = true;
    },
    answerNext(status, headers = {}) {
      told.push({ status, headers });
    },
    close() {
      return new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    length += chunk.length;
    chunks.push(chunk);
  }
  if (length > MAX_BODY_BYTES) throw new Refused(413, `payload of ${length} octets, over ${MAX_BODY_BYTES} (RFC 8030 §7.2)`);
  return Buffer.concat(chunks);
}

/** Every check of one push, in the order a push service makes them; throws `Refused`. */
async function accept(request: IncomingMessage, body: Buffer, subscriber: Subscriber, origin: string): Promise<PushMessage> {
  const ttl = header(request, 'ttl');
  // RFC 8030 §5.2: a push without TTL is refused.
  if (ttl === undefined || !/^\d+$/.test(ttl)) throw new Refused(400, `TTL header missing or not a number: ${ttl}`);
  const urgency = header(request, 'urgency') ?? null;
  if (urgency !== null && !URGENCIES.has(urgency)) throw new Refused(400, `Urgency ${urgency} (RFC 8030 §5.3)`);
  const topic = header(request, 'topic') ?? null;
  if (topic !== null && !TOPIC.test(topic)) throw new Refused(400, `Topic ${topic} (RFC 8030 §5.4)`);
  // RFC 8291 §4: Web Push payloads are aes128gcm.
  const encoding = header(request, 'content-encoding');
  if (encoding !== 'aes128gcm') throw new Refused(415, `Content-Encoding ${encoding}, expected aes128gcm`);
  const { claims, key } = await verifyVapid(header(request, 'authorization'), origin);
  if (subscriber.applicationServerKey !== undefined && key !== subscriber.applicationServerKey) {
    throw new Refused(403, 'VAPID key is not the subscription\'s applicationServerKey (RFC 8292 §4.2)');
  }
  const plaintext = decrypt(body, subscriber);
  let payload: unknown;
  try {
    payload = JSON.parse(plaintext.toString('utf8'));
  } catch {
    throw new Refused(400, 'payload is not JSON');
  }
  return { subscriptionId: subscriber.id, payload, ttl: Number(ttl), urgency, topic, jwtClaims: claims, vapidKey: key };
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** RFC 8292 §3: `Authorization: vapid t=<JWT>, k=<public key>`; the JWT is ES256 by `k`, for this origin, expiring within 24 h. */
async function verifyVapid(authorization: string | undefined, origin: string): Promise<{ claims: JWTPayload; key: string }> {
  const match = /^vapid\s+(.*)$/i.exec(authorization ?? '');
  if (!match) throw new Refused(401, `Authorization is not vapid: ${authorization?.split(' ')[0]}`);
  const params = new Map(
    match[1]!.split(',').map((part) => {
      const [name, ...value] = part.trim().split('=');
      return [name!.toLowerCase(), value.join('=').replace(/^"(.*)"$/, '$1')] as const;
    }),
  );
  const token = params.get('t');
  const k = params.get('k');
  if (!token || !k) throw new Refused(401, 'vapid needs t and k (RFC 8292 §3.1, §3.2)');
  const point = Buffer.from(k, 'base64url');
  if (point.length !== P256_POINT_BYTES || point[0] !== 0x04) throw new Refused(401, `k is not an uncompressed P-256 point (${point.length} octets)`);
  let claims: JWTPayload;
  try {
    const jwk = { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') };
    const key = await importJWK(jwk, 'ES256');
    ({ payload: claims } = await jwtVerify(token, key, { algorithms: ['ES256'], audience: origin, requiredClaims: ['exp', 'sub'] }));
  } catch (error) {
    throw new Refused(401, `VAPID JWT: ${(error as Error).message}`);
  }
  if (claims.exp! > Date.now() / 1000 + MAX_JWT_LIFETIME_SECONDS) throw new Refused(401, 'VAPID JWT expires more than 24 h ahead (RFC 8292 §2)');
  if (typeof claims.sub !== 'string' || !/^(mailto:|https:)/.test(claims.sub)) throw new Refused(401, `VAPID sub ${String(claims.sub)} is not mailto: or https: (RFC 8292 §2.1)`);
  return { claims, key: k };
}

/** What the phone does with the body: RFC 8291 §3.4 key derivation, RFC 8188 aes128gcm, one record (RFC 8291 §4). */
function decrypt(body: Buffer, subscriber: Subscriber): Buffer {
  if (body.length < HEADER_BYTES) throw new Refused(400, 'body shorter than the aes128gcm header');
  const salt = body.subarray(0, SALT_BYTES);
  const recordSize = body.readUInt32BE(SALT_BYTES);
  const idLength = body[SALT_BYTES + 4]!;
  if (idLength !== P256_POINT_BYTES) throw new Refused(400, `keyid of ${idLength} octets, expected the sender's public key (RFC 8291 §4)`);
  const senderPublic = body.subarray(HEADER_BYTES, HEADER_BYTES + idLength);
  const record = body.subarray(HEADER_BYTES + idLength);
  if (recordSize < MIN_RECORD_SIZE) throw new Refused(400, `rs ${recordSize} under ${MIN_RECORD_SIZE} (RFC 8188 §2.1)`);
  if (record.length > recordSize) throw new Refused(400, 'more than one record (RFC 8291 §4)');
  if (record.length < TAG_BYTES + 1) throw new Refused(400, 'record shorter than its tag and delimiter');

  let ecdhSecret: Buffer;
  try {
    ecdhSecret = subscriber.ecdh.computeSecret(senderPublic);
  } catch {
    throw new Refused(400, 'keyid is not a P-256 point');
  }
  // RFC 8291 §3.3: IKM = HKDF(salt = auth_secret, ikm = ecdh_secret, info = "WebPush: info" 0x00 ua_public as_public, 32).
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), subscriber.publicKey, senderPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', ecdhSecret, subscriber.auth, keyInfo, 32));
  // RFC 8188 §2.2, §2.3: the content encryption key and the nonce, from the body's salt.
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  // The first (and only) record's sequence number is 0: the nonce as derived.
  let plaintext: Buffer;
  try {
    const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
    decipher.setAuthTag(record.subarray(record.length - TAG_BYTES));
    plaintext = Buffer.concat([decipher.update(record.subarray(0, record.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new Refused(400, 'payload does not decrypt (AES-GCM tag mismatch)');
  }
  return stripPadding(plaintext);
}

/** RFC 8188 §2: content, then the delimiter (0x02 in the last record), then zero or more 0x00. */
function stripPadding(plaintext: Buffer): Buffer {
  let end = plaintext.length - 1;
  while (end >= 0 && plaintext[end] === 0) end--;
  if (end < 0 || plaintext[end] !== LAST_RECORD_DELIMITER) throw new Refused(400, 'no 0x02 padding delimiter (RFC 8188 §2)');
  return plaintext.subarray(0, end);
}
