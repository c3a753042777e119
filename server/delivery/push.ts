/*
 * Web Push from the server to the person's approver (their phone): the VAPID
 * key pair that identifies this server to push services (RFC 8292), the rules
 * for the push endpoints a phone hands us, and one send.
 *
 * Payloads are encrypted for the phone alone (RFC 8291): the push service
 * relays them and cannot read them. web-push builds the request (VAPID JWT and
 * encryption); this module sends it with `fetch`, so the timeout, redirects
 * and what each answer means are ours.
 */
import { ECDH } from 'node:crypto';
import { isIP } from 'node:net';
import webPush from 'web-push';
import { z } from 'zod';
import type { Config } from '../config.js';
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import type { PushSubscriptionJSON } from '../approver-protocol.js';
import type { KeyRing } from '../security/tokens.js';
import { seal, unseal } from '../security/secrets.js';

/** The one row of `push_keys`: this server keeps one VAPID identity, as it keeps one JWT issuer. */
const VAPID_ROW = 'vapid';
/** Associated data of the sealed private key, so a sealed value from another row or purpose does not open as this one. */
const SEAL_CONTEXT = 'vapid';

/**
 * Longest endpoint accepted. No RFC sets one; real endpoints are well under
 * 1 KB, and the bound keeps what a phone can make the server store and post to small.
 */
const MAX_ENDPOINT_LENGTH = 2048;
/** RFC 8291 §3.1: the phone's ECDH key is a P-256 point, sent uncompressed (X9.62: 0x04 || X || Y). */
const P256_POINT_BYTES = 65;
const UNCOMPRESSED_POINT_PREFIX = 0x04;
/** RFC 8291 §3.2: the authentication secret is 16 octets. */
const AUTH_SECRET_BYTES = 16;

/** A sign-in waits on the push: a push service that has not answered in this long is treated as down. */
const SEND_TIMEOUT_MS = 5_000;
/** RFC 8030 §5: 201 Created, the push service took the message; 202 Accepted (RFC 9110 §15.3.3) is taken as the same. */
const ACCEPTED = new Set([201, 202]);
/** RFC 8030 §7.3: the subscription expired (404); push services also answer 410 Gone for an unsubscribed one. Either way it will never deliver again. */
const GONE = new Set([404, 410]);

/** Hosts that are this machine: outside production a push service may run there over plain http (the tests' local one). */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

export type PushUrgency = 'very-low' | 'low' | 'normal' | 'high';

export interface PushOptions {
  /** RFC 8030 §5.2: how long the push service keeps the message for an unreachable phone, in seconds. */
  ttlSeconds: number;
  /** RFC 8030 §5.3: how hard the phone tries to wake for it. */
  urgency?: PushUrgency;
  /** RFC 8030 §5.4: a newer message with the same topic replaces an undelivered older one (base64url, at most 32 characters). */
  topic?: string;
}

/** `sent`: the push service took it. `gone`: the subscription is dead, drop it. `failed`: not delivered this time. */
export type PushOutcome = 'sent' | 'gone' | 'failed';

interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

/**
 * One cache per app. The key ring stands for the app: it is made once per
 * `createApp`, and a flow's transaction context keeps it. The keys never
 * change once made, so nothing expires.
 */
const cached = new WeakMap<KeyRing, Promise<VapidKeys>>();

/**
 * The VAPID public key (RFC 8292 §3.2), base64url of the uncompressed point:
 * the `applicationServerKey` a phone subscribes with. Made on first use and
 * kept in the store, so every process signs as the same server.
 */
export async function vapidPublicKey(app: AppContext): Promise<string> {
  return (await vapidKeys(app)).publicKey;
}

function vapidKeys(app: AppContext): Promise<VapidKeys> {
  let keys = cached.get(app.keys);
  if (!keys) {
    keys = loadOrCreateKeys(app);
    cached.set(app.keys, keys);
    // A store that failed once is asked again next time.
    keys.catch(() => cached.delete(app.keys));
  }
  return keys;
}

/**
 * Reads the key pair, making it first if there is none. Processes starting
 * together may each make one: the insert keeps the first and ignores the
 * rest, and everyone reads back the one that won.
 */
async function loadOrCreateKeys(app: AppContext): Promise<VapidKeys> {
  const existing = await readKeys(app);
  if (existing) return existing;
  const made = webPush.generateVAPIDKeys();
  await app.db
    .insertInto('push_keys')
    .values({ id: VAPID_ROW, public_key: made.publicKey, private_key: seal(app.secretKey, made.privateKey, SEAL_CONTEXT), created_at: app.now() })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  const stored = await readKeys(app);
  if (!stored) throw new Error('the VAPID key pair was not stored');
  return stored;
}

async function readKeys(app: AppContext): Promise<VapidKeys | undefined> {
  const row = await app.db.selectFrom('push_keys').select(['public_key', 'private_key']).where('id', '=', VAPID_ROW).executeTakeFirst();
  if (!row) return undefined;
  // The private key is sealed at rest like the JWT keys: a copy of the database cannot push as this server.
  return { publicKey: row.public_key, privateKey: unseal(app.secretKey, row.private_key, SEAL_CONTEXT) };
}

/**
 * Throws `push_endpoint_invalid` unless the server may post to `endpoint`.
 * The endpoint comes from the phone, so this is where the server refuses to be
 * pointed at its own network (OWASP ASVS 5.0 V1.3.6, SSRF): in production only
 * the push services of `PUSH_SERVICE_HOSTS` (or their subdomains), over https.
 */
export function checkPushEndpoint(config: Pick<Config, 'env' | 'pushServiceHosts'>, endpoint: string): void {
  if (endpoint.length > MAX_ENDPOINT_LENGTH) throw invalid('too long');
  const url = URL.parse(endpoint);
  if (!url) throw invalid('not a URL');
  // Credentials in a URL would be sent to whoever the host is.
  if (url.username || url.password) throw invalid('userinfo');
  const production = config.env === 'production';
  if (url.protocol === 'http:' && !production && LOOPBACK_HOSTS.has(url.hostname)) return;
  if (url.protocol !== 'https:') throw invalid('not https');
  if (production && !isListedPushService(url.hostname, config.pushServiceHosts)) throw invalid('not a listed push service');
  // Push services listen on https's own port; another port on a listed host is not a push service (SSRF, ASVS 5.0 V1.3.6).
  if (production && url.port !== '') throw invalid('not port 443');
}

/** The host, or a subdomain of it; an IP literal only when listed as it is (no "subdomain" of an address). */
function isListedPushService(hostname: string, listed: readonly string[]): boolean {
  const host = hostname.toLowerCase();
  return listed.some((entry) => {
    const allowed = entry.toLowerCase();
    return host === allowed || (isIP(host) === 0 && !host.startsWith('[') && host.endsWith(`.${allowed}`));
  });
}

/** Both approver requests that carry a subscription name it `subscription` (approver-protocol.ts). */
function invalid(reason: string): ApiError {
  return new ApiError('push_endpoint_invalid', { field: 'subscription', details: { reason } });
}

const base64url = z.string().regex(/^[A-Za-z0-9_-]+={0,2}$/, 'expected base64url');

const subscriptionSchema = z.object({
  endpoint: z.string().max(MAX_ENDPOINT_LENGTH),
  keys: z.object({
    p256dh: base64url.refine(isP256Point, 'expected an uncompressed P-256 point'),
    auth: base64url.refine((value) => Buffer.from(value, 'base64url').length === AUTH_SECRET_BYTES, `expected ${AUTH_SECRET_BYTES} bytes`),
  }),
});

/** RFC 8291 §3.1: 65 bytes, 0x04 first, and a point on the curve (a point off it would only fail later, at the first push). */
function isP256Point(value: string): boolean {
  const bytes = Buffer.from(value, 'base64url');
  if (bytes.length !== P256_POINT_BYTES || bytes[0] !== UNCOMPRESSED_POINT_PREFIX) return false;
  try {
    ECDH.convertKey(bytes, 'prime256v1');
    return true;
  } catch {
    return false;
  }
}

/**
 * A phone's `PushSubscription.toJSON()`, checked: its endpoint may be posted
 * to (`checkPushEndpoint`) and its keys can encrypt a push (RFC 8291 §3).
 * Returns only the fields the server keeps (`expirationTime` and the like are
 * dropped). Throws `push_endpoint_invalid`.
 */
export function checkSubscription(config: Pick<Config, 'env' | 'pushServiceHosts'>, value: unknown): PushSubscriptionJSON {
  const parsed = subscriptionSchema.safeParse(value);
  if (!parsed.success) throw invalid(parsed.error.issues[0]?.message ?? 'not a push subscription');
  checkPushEndpoint(config, parsed.data.endpoint);
  return { endpoint: parsed.data.endpoint, keys: { p256dh: parsed.data.keys.p256dh, auth: parsed.data.keys.auth } };
}

/**
 * Pushes `payload` (as JSON, encrypted for the phone) to one subscription.
 * Never throws: a push that did not go out is `failed`, logged with the push
 * service's host only (the endpoint's path is a capability: whoever has it
 * can push to the phone). An endpoint that is no longer allowed (the
 * allow-list changed) is `failed` too, and nothing is sent to it.
 */
export async function sendPush(app: AppContext, subscription: PushSubscriptionJSON, payload: object, options: PushOptions): Promise<PushOutcome> {
  const host = hostOf(subscription.endpoint);
  let request: PushRequest;
  try {
    checkPushEndpoint(app.config, subscription.endpoint);
    request = await buildRequest(app, subscription, payload, options);
  } catch (error) {
    // web-push's messages name settings and options, never the endpoint's path.
    const reason = error instanceof ApiError ? 'endpoint not allowed' : `not built: ${error instanceof Error ? error.message : String(error)}`;
    app.log.log('warn', 'push not sent', { host, reason });
    return 'failed';
  }
  const status = await post(request).catch((error: unknown) => failureOf(error));
  if (typeof status === 'string') {
    app.log.log('warn', 'push not delivered', { host, reason: status });
    return 'failed';
  }
  if (ACCEPTED.has(status)) return 'sent';
  if (GONE.has(status)) return 'gone';
  app.log.log('warn', 'push not delivered', { host, status });
  return 'failed';
}

interface PushRequest {
  endpoint: string;
  headers: Record<string, string>;
  body: Uint8Array<ArrayBuffer>;
}

/** Posts the push; resolves with the push service's status. */
async function post(request: PushRequest): Promise<number> {
  const response = await fetch(request.endpoint, {
    method: 'POST',
    headers: request.headers,
    body: request.body,
    // A push service answers; it does not send the server elsewhere (the new address would skip checkPushEndpoint).
    redirect: 'manual',
    signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
  });
  await response.body?.cancel();
  return response.status;
}

/** RFC 8292 (VAPID, signed with our key) and RFC 8291 (aes128gcm for the phone's keys), built by web-push. */
async function buildRequest(app: AppContext, subscription: PushSubscriptionJSON, payload: object, options: PushOptions): Promise<PushRequest> {
  const { publicKey, privateKey } = await vapidKeys(app);
  const details = webPush.generateRequestDetails(subscription, JSON.stringify(payload), {
    vapidDetails: { subject: app.config.vapidSubject, publicKey, privateKey },
    contentEncoding: 'aes128gcm',
    TTL: options.ttlSeconds,
    ...(options.urgency ? { urgency: options.urgency } : {}),
    ...(options.topic ? { topic: options.topic } : {}),
  });
  // fetch sets the length from the body itself.
  const headers = Object.fromEntries(
    Object.entries(details.headers)
      .filter(([name]) => name.toLowerCase() !== 'content-length')
      .map(([name, value]) => [name, String(value)]),
  );
  return { endpoint: details.endpoint, headers, body: new Uint8Array(details.body) };
}

function hostOf(endpoint: string): string {
  return URL.parse(endpoint)?.host ?? 'invalid';
}

/** Why a post failed, in words that carry no part of the endpoint: `timeout`, or the network's error code (ECONNREFUSED, ENOTFOUND, ...). */
function failureOf(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'timeout';
  const code = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return typeof code === 'string' ? code : 'network error';
}
