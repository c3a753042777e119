/// <reference lib="webworker" />
/*
 * The approver's service worker (/approve/sw.js, scope /approve/): turns a
 * push into a notification, a tap on it into the open request, and keeps the
 * push subscription current. It caches nothing: every answer needs the
 * server, so an offline copy of the page would only mislead.
 */
import type { PushSubscriptionJSON, SubscriptionUpdate } from '../server/approver-protocol.js';
import { fromBase64url, type WorkerMessage } from './shared.js';
import { pickLang, translate } from './i18n.js';
import { loadDevice } from './store.js';

declare const self: ServiceWorkerGlobalScope;

/** The push payload, all of it: the server sends nothing else, so a notification shows nothing an onlooker should not see. */
interface ApprovalPush {
  type: 'approval';
  id: string;
}

/** Push API §"pushsubscriptionchange" (not in TypeScript's lib). */
interface PushSubscriptionChangeEvent extends ExtendableEvent {
  readonly oldSubscription: PushSubscription | null;
  readonly newSubscription: PushSubscription | null;
}

function parsePush(event: PushEvent): ApprovalPush | undefined {
  try {
    const data = event.data?.json() as Partial<ApprovalPush> | undefined;
    return data?.type === 'approval' && typeof data.id === 'string' && data.id ? { type: 'approval', id: data.id } : undefined;
  } catch {
    return undefined;
  }
}

/** The open approver pages, controlled or not yet (a page opened before this worker activated). */
function approverWindows(): Promise<readonly WindowClient[]> {
  return self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((clients) => clients.filter((client) => client.url.startsWith(self.registration.scope)) as WindowClient[]);
}

async function notify({ id }: ApprovalPush): Promise<void> {
  const device = await loadDevice().catch(() => undefined);
  const lang = device?.lang ?? pickLang(null, self.navigator.languages);
  await self.registration.showNotification(translate(lang, 'notification_title'), {
    body: translate(lang, 'notification_body'),
    // One notification per request: a repeated push replaces it rather than stacking.
    tag: id,
    requireInteraction: true,
    lang,
    icon: new URL('icon-192.png', self.registration.scope).href,
    data: { id },
  });
  for (const client of await approverWindows()) client.postMessage({ type: 'approval', id } satisfies WorkerMessage);
}

async function open(id: string): Promise<void> {
  const [client] = await approverWindows();
  if (client) {
    await client.focus().catch(() => undefined);
    client.postMessage({ type: 'open', id } satisfies WorkerMessage);
    return;
  }
  await self.clients.openWindow(new URL(`./#request=${encodeURIComponent(id)}`, self.registration.scope).href);
}

/**
 * The push service replaced or dropped the subscription: subscribe again with
 * the same VAPID key (the old subscription's, else the server's) and tell the
 * server, authenticated by the device token the page stored.
 */
async function resubscribe(event: PushSubscriptionChangeEvent): Promise<void> {
  const device = await loadDevice();
  if (!device) return;
  let subscription = event.newSubscription;
  if (!subscription) {
    let applicationServerKey: BufferSource | null | undefined = event.oldSubscription?.options.applicationServerKey;
    if (!applicationServerKey) {
      const config = await fetch('/api/approver/config').then((response) => response.json() as Promise<{ vapidPublicKey: string }>);
      applicationServerKey = fromBase64url(config.vapidPublicKey);
    }
    subscription = await self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey });
  }
  const { endpoint, keys } = subscription.toJSON();
  const json: PushSubscriptionJSON | null = endpoint && keys?.p256dh && keys.auth ? { endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth } } : null;
  await fetch('/api/approver/devices/current/subscription', {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${device.deviceToken}` },
    body: JSON.stringify({ subscription: json } satisfies SubscriptionUpdate),
  });
}

// A new worker takes over at once: it holds no state an older page depends on.
self.addEventListener('install', () => void self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  const push = parsePush(event);
  if (push) event.waitUntil(notify(push));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const id = (event.notification.data as { id?: unknown } | null)?.id;
  if (typeof id === 'string') event.waitUntil(open(id));
});

self.addEventListener('pushsubscriptionchange', (event) => (event as PushSubscriptionChangeEvent).waitUntil(resubscribe(event as PushSubscriptionChangeEvent)));
