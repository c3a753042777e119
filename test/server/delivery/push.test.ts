/*
 * Web Push from the server to the approver: the VAPID key pair in the real
 * store, pushes sent to a real push service on 127.0.0.1 that checks the
 * VAPID JWT and decrypts the payload as the phone would
 * (test/support/push-service.ts), and the endpoint and subscription rules.
 */
import assert from 'node:assert/strict';
import { createECDH } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import { importJWK, SignJWT } from 'jose';
import webPush from 'web-push';
import { createApp } from '../../../server/app.js';
import type { Config } from '../../../server/config.js';
import type { AppContext } from '../../../server/context.js';
import { checkPushEndpoint, checkSubscription, sendPush, vapidPublicKey } from '../../../server/delivery/push.js';
import { ApiError } from '../../../server/errors.js';
import type { Logger, LogFields, LogLevel } from '../../../server/log.js';
import type { PushSubscriptionJSON } from '../../../server/approver-protocol.js';
import { unseal } from '../../../server/security/secrets.js';
import { openStore } from '../../../server/store/index.js';
import { startPushService, type PushService } from '../../support/push-service.js';
import { startServer, type TestServer } from '../helpers.js';

const APPROVAL = { type: 'approval', id: 'req_7Hq2' };
/** What the approver sends with a sign-in request: it is worthless once the approval expires (2 minutes). */
const APPROVAL_PUSH = { ttlSeconds: 120, urgency: 'high', topic: 'approval' } as const;

interface Line {
  level: LogLevel;
  message: string;
  fields: LogFields;
}

function recordingLogger(): { log: Logger; lines: Line[] } {
  const lines: Line[] = [];
  return { lines, log: { log: (level, message, fields = {}) => void lines.push({ level, message, fields }) } };
}

async function pushService(t: TestContext): Promise<PushService> {
  const service = await startPushService();
  t.after(() => service.close());
  return service;
}

/** A second app on the same store, as another process (or the same one after a restart) would open it. */
async function anotherProcess(t: TestContext, server: TestServer): Promise<AppContext> {
  const db = await openStore(server.config);
  t.after(() => db.destroy());
  return createApp({ config: server.config, db, now: () => server.clock.now, log: recordingLogger().log }).context;
}

function refusesEndpoint(config: Pick<Config, 'env' | 'pushServiceHosts'>, endpoint: string): void {
  assert.throws(
    () => checkPushEndpoint(config, endpoint),
    (error: unknown) => error instanceof ApiError && error.code === 'push_endpoint_invalid',
    `expected ${endpoint.slice(0, 80)} to be refused`,
  );
}

function refusesSubscription(value: unknown): void {
  assert.throws(
    () => checkSubscription(DEVELOPMENT, value),
    (error: unknown) => error instanceof ApiError && error.code === 'push_endpoint_invalid',
  );
}

describe('the VAPID key pair', () => {
  it('is made once and survives a restart', async (t) => {
    const server = await startServer(t);
    const key = await vapidPublicKey(server.context);

    assert.equal(await vapidPublicKey(server.context), key);
    assert.equal(await vapidPublicKey(await anotherProcess(t, server)), key);
    assert.equal((await server.db.selectFrom('push_keys').selectAll().execute()).length, 1);
  });

  it('is one pair when two processes make it at once', async (t) => {
    const server = await startServer(t);
    const [first, second] = [await anotherProcess(t, server), await anotherProcess(t, server)];

    const keys = await Promise.all([vapidPublicKey(first), vapidPublicKey(second), vapidPublicKey(server.context)]);

    assert.equal(new Set(keys).size, 1);
    assert.equal((await server.db.selectFrom('push_keys').selectAll().execute()).length, 1);
  });

  it('is an uncompressed P-256 point, and its private key is sealed at rest', async (t) => {
    const server = await startServer(t);
    const key = await vapidPublicKey(server.context);
    const row = await server.db.selectFrom('push_keys').selectAll().where('id', '=', 'vapid').executeTakeFirstOrThrow();

    const point = Buffer.from(key, 'base64url');
    assert.equal(point.length, 65);
    assert.equal(point[0], 0x04);
    const privateKey = unseal(server.context.secretKey, row.private_key, 'vapid');
    assert.equal(Buffer.from(privateKey, 'base64url').length, 32);
    assert.ok(!row.private_key.includes(privateKey), 'the private key is not in the row in clear');
    const derived = createECDH('prime256v1');
    derived.setPrivateKey(Buffer.from(privateKey, 'base64url'));
    assert.equal(derived.getPublicKey('base64url'), key, 'the sealed private key is the public key\'s');
    assert.throws(() => unseal(server.context.secretKey, row.private_key, 'jwk:vapid'), 'sealed for this row only');
  });
});

describe('sending a push', () => {
  it('arrives at the push service and decrypts to the payload, with TTL, urgency, topic and a valid VAPID JWT', async (t) => {
    const server = await startServer(t);
    const service = await pushService(t);
    const { subscription, id } = await service.subscribe({ applicationServerKey: await vapidPublicKey(server.context) });

    assert.equal(await sendPush(server.context, subscription, APPROVAL, APPROVAL_PUSH), 'sent');

    const message = await service.next(id);
    assert.deepEqual(message.payload, APPROVAL);
    assert.equal(message.ttl, 120);
    assert.equal(message.urgency, 'high');
    assert.equal(message.topic, 'approval');
    assert.equal(message.jwtClaims.sub, server.config.vapidSubject);
    assert.equal(message.jwtClaims.aud, service.url);
    assert.equal(message.vapidKey, await vapidPublicKey(server.context));
  });

  it('sends urgency normal and no topic unless asked', async (t) => {
    const server = await startServer(t);
    const service = await pushService(t);
    const { subscription, id } = await service.subscribe();

    assert.equal(await sendPush(server.context, subscription, APPROVAL, { ttlSeconds: 0 }), 'sent');

    const message = await service.next(id);
    assert.equal(message.ttl, 0);
    assert.equal(message.urgency, 'normal');
    assert.equal(message.topic, null);
  });

  it('is signed by the same key from every process, so a restricted subscription takes it from all', async (t) => {
    const server = await startServer(t);
    const service = await pushService(t);
    const { subscription, id } = await service.subscribe({ applicationServerKey: await vapidPublicKey(server.context) });

    assert.equal(await sendPush(await anotherProcess(t, server), subscription, APPROVAL, APPROVAL_PUSH), 'sent');
    assert.deepEqual((await service.next(id)).payload, APPROVAL);
  });

  it('is gone when the subscription expired (410)', async (t) => {
    const server = await startServer(t);
    const service = await pushService(t);
    const { subscription, id } = await service.subscribe();
    service.expire(id);

    assert.equal(await sendPush(server.context, subscription, APPROVAL, APPROVAL_PUSH), 'gone');
    assert.deepEqual(service.refusals.map((r) => r.status), [410]);
  });

  it('is gone when the push service does not know the subscription (404)', async (t) => {
    const server = await startServer(t);
    const service = await pushService(t);
    const { subscription } = await service.subscribe();

    const unknown = { ...subscription, endpoint: `${service.url}/push/unknownSubscription` };
    assert.equal(await sendPush(server.context, unknown, APPROVAL, APPROVAL_PUSH), 'gone');
  });

  it('fails on a server error, and logs the push service host without the endpoint path', async (t) => {
    const { log, lines } = recordingLogger();
    const server = await startServer(t, {}, { log });
    const service = await pushService(t);
    const { subscription, id } = await service.subscribe();
    service.answerNext(500);

    assert.equal(await sendPush(server.context, subscription, APPROVAL, APPROVAL_PUSH), 'failed');

    const warnings = lines.filter((line) => line.level === 'warn');
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.fields.host, new URL(service.url).host);
    assert.equal(warnings[0]!.fields.status, 500);
    assert.ok(!JSON.stringify(warnings).includes(id), 'the endpoint path is a capability: not logged');
  });

  it('does not follow a redirect', async (t) => {
    const server = await startServer(t);
    const service = await pushService(t);
    const { subscription } = await service.subscribe();
    const { subscription: elsewhere } = await service.subscribe();
    service.answerNext(303, { location: elsewhere.endpoint });

    assert.equal(await sendPush(server.context, subscription, APPROVAL, APPROVAL_PUSH), 'failed');
    // Followed, a 303 would have come back as a second request (a GET).
    assert.equal(service.refusals.length, 1, 'the redirect was not followed');
    assert.equal(service.messages.length, 0);
  });

  it('fails when nothing listens at the endpoint', async (t) => {
    const { log, lines } = recordingLogger();
    const server = await startServer(t, {}, { log });
    const service = await startPushService();
    const { subscription } = await service.subscribe();
    await service.close();

    assert.equal(await sendPush(server.context, subscription, APPROVAL, APPROVAL_PUSH), 'failed');
    assert.equal(lines.find((line) => line.level === 'warn')?.fields.reason, 'ECONNREFUSED');
  });

  it('fails within its 5 s timeout when the push service never answers', async (t) => {
    const { log, lines } = recordingLogger();
    const server = await startServer(t, {}, { log });
    const service = await pushService(t);
    const { subscription } = await service.subscribe();
    service.answerNext(null);

    const started = performance.now();
    assert.equal(await sendPush(server.context, subscription, APPROVAL, APPROVAL_PUSH), 'failed');
    const elapsed = performance.now() - started;

    assert.ok(elapsed >= 4_900 && elapsed < 6_500, `gave up after ${Math.round(elapsed)} ms`);
    assert.equal(lines.find((line) => line.level === 'warn')?.fields.reason, 'timeout');
  });

  it('does not post to an endpoint the config no longer allows', async (t) => {
    const { log, lines } = recordingLogger();
    const server = await startServer(t, {}, { log });
    const service = await pushService(t);
    const { subscription } = await service.subscribe();
    const production: AppContext = { ...server.context, config: { ...server.config, env: 'production' } };

    assert.equal(await sendPush(production, subscription, APPROVAL, APPROVAL_PUSH), 'failed');
    assert.equal(service.messages.length + service.refusals.length, 0, 'nothing reached the push service');
    assert.equal(lines.find((line) => line.level === 'warn')?.fields.reason, 'endpoint not allowed');
  });

  it('fails without a request when the push cannot be built (a topic over 32 characters, RFC 8030 §5.4)', async (t) => {
    const { log, lines } = recordingLogger();
    const server = await startServer(t, {}, { log });
    const service = await pushService(t);
    const { subscription } = await service.subscribe();

    assert.equal(await sendPush(server.context, subscription, APPROVAL, { ttlSeconds: 60, topic: 'a'.repeat(33) }), 'failed');
    assert.equal(service.messages.length + service.refusals.length, 0);
    assert.match(String(lines.find((line) => line.level === 'warn')?.fields.reason), /^not built: /);
  });
});

const DEVELOPMENT = { env: 'development', pushServiceHosts: ['fcm.googleapis.com'] } as const satisfies Pick<Config, 'env' | 'pushServiceHosts'>;
const TEST = { ...DEVELOPMENT, env: 'test' } as const;
const PRODUCTION = { env: 'production', pushServiceHosts: ['fcm.googleapis.com', 'push.apple.com', '192.0.2.7'] } as const satisfies Pick<Config, 'env' | 'pushServiceHosts'>;

describe('push endpoints the server may post to', () => {
  it('accepts https anywhere outside production', () => {
    checkPushEndpoint(DEVELOPMENT, 'https://updates.push.services.mozilla.com/wpush/v2/gAAAA');
    checkPushEndpoint(TEST, 'https://push.example.net/p/1');
  });

  it('accepts http on loopback outside production only', () => {
    for (const endpoint of ['http://127.0.0.1:4000/push/a', 'http://[::1]:4000/push/a', 'http://localhost:4000/push/a']) {
      checkPushEndpoint(DEVELOPMENT, endpoint);
      checkPushEndpoint(TEST, endpoint);
      refusesEndpoint(PRODUCTION, endpoint);
    }
  });

  it('refuses http to any other host, and other schemes', () => {
    for (const endpoint of ['http://fcm.googleapis.com/fcm/send/x', 'http://10.0.0.1/push', 'http://127.0.0.2/push', 'ftp://fcm.googleapis.com/x', 'javascript:alert(1)', 'file:///etc/passwd']) {
      refusesEndpoint(DEVELOPMENT, endpoint);
    }
  });

  it('accepts in production only the listed push services and their subdomains, over https', () => {
    checkPushEndpoint(PRODUCTION, 'https://fcm.googleapis.com/fcm/send/abc:def');
    checkPushEndpoint(PRODUCTION, 'https://web.push.apple.com/QGx');
    checkPushEndpoint(PRODUCTION, 'https://WEB.Push.Apple.com/QGx');
    checkPushEndpoint(PRODUCTION, 'https://fcm.googleapis.com:443/fcm/send/abc');
    for (const endpoint of [
      'https://push.example.net/p/1',
      'https://evilfcm.googleapis.com/x',
      'https://fcm.googleapis.com.evil.example/x',
      'https://googleapis.com/x',
      'http://fcm.googleapis.com/fcm/send/x',
      'https://fcm.googleapis.com:8443/fcm/send/x',
    ]) {
      refusesEndpoint(PRODUCTION, endpoint);
    }
  });

  it('refuses IP literal hosts in production unless listed as they are', () => {
    checkPushEndpoint(PRODUCTION, 'https://192.0.2.7/push');
    for (const endpoint of ['https://192.0.2.8/push', 'https://10.0.0.1/push', 'https://127.0.0.1/push', 'https://[::1]/push', 'https://[fd00::7]/push', 'https://169.254.169.254/latest/meta-data']) {
      refusesEndpoint(PRODUCTION, endpoint);
    }
  });

  it('refuses userinfo', () => {
    refusesEndpoint(DEVELOPMENT, 'https://user:secret@fcm.googleapis.com/fcm/send/x');
    refusesEndpoint(DEVELOPMENT, 'https://user@fcm.googleapis.com/fcm/send/x');
    refusesEndpoint(PRODUCTION, 'https://fcm.googleapis.com:x@10.0.0.1/x');
  });

  it('refuses what is not an absolute URL, or is over 2048 characters', () => {
    for (const endpoint of ['', 'not a url', '/push/abc', '//fcm.googleapis.com/x', 'https://']) {
      refusesEndpoint(DEVELOPMENT, endpoint);
    }
    const base = 'https://fcm.googleapis.com/fcm/send/';
    checkPushEndpoint(PRODUCTION, base + 'a'.repeat(2048 - base.length));
    refusesEndpoint(PRODUCTION, base + 'a'.repeat(2049 - base.length));
  });
});

describe('push subscriptions from a phone', () => {
  const endpoint = 'https://fcm.googleapis.com/fcm/send/abc';
  const p256dh = createECDH('prime256v1').generateKeys().toString('base64url');
  const auth = Buffer.alloc(16, 7).toString('base64url');

  it('accepts PushSubscription.toJSON() and keeps the endpoint and keys only', () => {
    const subscription = checkSubscription(PRODUCTION, { endpoint, expirationTime: null, keys: { p256dh, auth } });
    assert.deepEqual(subscription, { endpoint, keys: { p256dh, auth } });
  });

  it('refuses a p256dh that is not a 65-byte uncompressed point on P-256', () => {
    const point = Buffer.from(p256dh, 'base64url');
    const offCurve = Buffer.from(point);
    offCurve[64]! ^= 1;
    const compressed = createECDH('prime256v1');
    compressed.generateKeys();
    for (const bad of [
      point.subarray(0, 64),
      Buffer.concat([point, Buffer.of(0)]),
      Buffer.concat([Buffer.of(0x05), point.subarray(1)]),
      offCurve,
      compressed.getPublicKey(undefined, 'compressed'),
    ]) {
      refusesSubscription({ endpoint, keys: { p256dh: bad.toString('base64url'), auth } });
    }
  });

  it('refuses an auth secret that is not 16 bytes', () => {
    for (const length of [0, 15, 17, 32]) {
      refusesSubscription({ endpoint, keys: { p256dh, auth: Buffer.alloc(length, 1).toString('base64url') } });
    }
  });

  it('refuses keys that are not base64url, missing keys and what is not a subscription', () => {
    refusesSubscription({ endpoint, keys: { p256dh: Buffer.from(p256dh, 'base64url').toString('base64'), auth: `${auth.slice(0, -1)}+` } });
    refusesSubscription({ endpoint, keys: { p256dh } });
    refusesSubscription({ endpoint });
    refusesSubscription({ keys: { p256dh, auth } });
    refusesSubscription(null);
    refusesSubscription('https://fcm.googleapis.com/fcm/send/abc');
  });

  it('refuses an endpoint the server may not post to', () => {
    refusesSubscription({ endpoint: 'http://10.0.0.1/push', keys: { p256dh, auth } });
    assert.throws(() => checkSubscription(PRODUCTION, { endpoint: 'https://push.example.net/p', keys: { p256dh, auth } }), ApiError);
  });
});

/*
 * The push service's own checks: if they could pass a bad push, the sending
 * tests above would prove nothing.
 */
describe('the test push service', () => {
  const vapid = webPush.generateVAPIDKeys();
  const SUBJECT = 'mailto:ops@example.com';

  /** A push built by web-push, possibly altered before it is posted. */
  async function post(subscription: PushSubscriptionJSON, alter: (request: { headers: Record<string, string>; body: Buffer }) => void = () => undefined, keys = vapid): Promise<number> {
    const details = webPush.generateRequestDetails(subscription, JSON.stringify(APPROVAL), { vapidDetails: { subject: SUBJECT, ...keys }, contentEncoding: 'aes128gcm', TTL: 60 });
    const request = { headers: Object.fromEntries(Object.entries(details.headers).map(([name, value]) => [name.toLowerCase(), String(value)])), body: Buffer.from(details.body) };
    delete request.headers['content-length'];
    alter(request);
    const response = await fetch(subscription.endpoint, { method: 'POST', headers: request.headers, body: new Uint8Array(request.body) });
    await response.body?.cancel();
    return response.status;
  }

  /** A VAPID JWT signed with `vapid`'s private key, with the claims given. */
  async function vapidJwt(claims: Record<string, unknown>): Promise<string> {
    const point = Buffer.from(vapid.publicKey, 'base64url');
    const key = await importJWK({ kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url'), d: vapid.privateKey }, 'ES256');
    return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'JWT' }).sign(key);
  }

  function lastReason(service: PushService): string {
    return service.refusals.at(-1)?.reason ?? '(none)';
  }

  it('takes a well-formed push', async (t) => {
    const service = await pushService(t);
    const { subscription, id } = await service.subscribe();

    assert.equal(await post(subscription), 201);
    assert.deepEqual((await service.next(id)).payload, APPROVAL);
  });

  it('refuses a VAPID JWT signed by another key than k', async (t) => {
    const service = await pushService(t);
    const { subscription } = await service.subscribe();
    const other = webPush.generateVAPIDKeys();

    const status = await post(subscription, (request) => {
      request.headers.authorization = request.headers.authorization!.replace(/k=[A-Za-z0-9_-]+/, `k=${other.publicKey}`);
    });

    assert.equal(status, 401);
    assert.match(lastReason(service), /VAPID JWT: signature verification failed/);
    assert.equal(service.messages.length, 0);
  });

  it('refuses a tampered body', async (t) => {
    const service = await pushService(t);
    const { subscription } = await service.subscribe();

    const status = await post(subscription, (request) => {
      request.body[request.body.length - 20]! ^= 0x01;
    });

    assert.equal(status, 400);
    assert.match(lastReason(service), /does not decrypt/);
    assert.equal(service.messages.length, 0);
  });

  it('refuses a body encrypted for another subscription', async (t) => {
    const service = await pushService(t);
    const { subscription } = await service.subscribe();
    const { subscription: other } = await service.subscribe();

    const details = webPush.generateRequestDetails(other, JSON.stringify(APPROVAL), { vapidDetails: { subject: SUBJECT, ...vapid }, contentEncoding: 'aes128gcm', TTL: 60 });
    assert.equal(await post(subscription, (request) => void (request.body = Buffer.from(details.body))), 400);
    assert.match(lastReason(service), /does not decrypt/);
  });

  it('refuses a JWT for another audience', async (t) => {
    const service = await pushService(t);
    const { subscription } = await service.subscribe();
    const elsewhere = { ...subscription, endpoint: subscription.endpoint.replace('127.0.0.1', 'localhost') };
    const jwt = await vapidJwt({ aud: new URL(elsewhere.endpoint).origin, sub: SUBJECT, exp: Math.floor(Date.now() / 1000) + 600 });

    assert.equal(await post(subscription, (request) => void (request.headers.authorization = `vapid t=${jwt}, k=${vapid.publicKey}`)), 401);
    assert.match(lastReason(service), /aud/);
  });

  it('refuses a JWT that expired, or expires more than 24 h ahead', async (t) => {
    const service = await pushService(t);
    const { subscription } = await service.subscribe();
    const now = Math.floor(Date.now() / 1000);

    for (const exp of [now - 60, now + 25 * 3600]) {
      const jwt = await vapidJwt({ aud: service.url, sub: SUBJECT, exp });
      assert.equal(await post(subscription, (request) => void (request.headers.authorization = `vapid t=${jwt}, k=${vapid.publicKey}`)), 401);
    }
    assert.match(service.refusals[0]!.reason, /exp/);
    assert.match(service.refusals[1]!.reason, /24 h/);
  });

  it('refuses a subject that is neither mailto: nor https:', async (t) => {
    const service = await pushService(t);
    const { subscription } = await service.subscribe();
    const jwt = await vapidJwt({ aud: service.url, sub: 'http://ops.example.com', exp: Math.floor(Date.now() / 1000) + 600 });

    assert.equal(await post(subscription, (request) => void (request.headers.authorization = `vapid t=${jwt}, k=${vapid.publicKey}`)), 401);
    assert.match(lastReason(service), /sub/);
  });

  it('refuses a push without TTL, or not aes128gcm', async (t) => {
    const service = await pushService(t);
    const { subscription } = await service.subscribe();

    assert.equal(await post(subscription, (request) => void delete request.headers.ttl), 400);
    assert.match(lastReason(service), /TTL/);
    assert.equal(await post(subscription, (request) => void (request.headers['content-encoding'] = 'aesgcm')), 415);
  });

  it('refuses a push signed by another key than a restricted subscription\'s', async (t) => {
    const service = await pushService(t);
    const { subscription } = await service.subscribe({ applicationServerKey: webPush.generateVAPIDKeys().publicKey });

    assert.equal(await post(subscription), 403);
  });
});
