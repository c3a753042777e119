/*
 * The approver: the page at /approve/ that a person installs on their phone
 * to approve their sign-ins (the contract: /api/approver/*, typed in
 * server/approver-protocol.ts). One screen at a time, each a function in
 * SCREENS below that builds its DOM; the address's fragment says where to
 * start (`#enrol=<token>` from the set-up QR code, `#request=<id>` from a
 * notification). No framework: the page is a few screens of plain DOM.
 */
import {
  approvalMessage,
  enrolmentMessage,
  type ApprovalDetails,
  type ApprovalList,
  type ApprovalOutcome,
  type ApproverConfig,
  type EnrolmentRequest,
  type EnrolmentResult,
  type EnrolmentStart,
  type PushSubscriptionJSON,
} from '../server/approver-protocol.js';
import { ApiError, call, serverNow } from './api.js';
import { errorMessage, pickLang, translate, type MessageKey } from './i18n.js';
import { createDeviceKeys, createPasskey, hasPlatformAuthenticator, PasskeyError, signDecision, signWithDeviceKeys } from './keys.js';
import { forgetDevice, loadDevice, saveDevice, type DeviceKey, type DeviceRecord } from './store.js';
import { describeAgent } from '../server/user-agent.js';
import { fromBase64url, type WorkerMessage } from './shared.js';

const lang = pickLang(new URLSearchParams(location.search).get('lang'), navigator.languages);
const t = (key: MessageKey, params?: Record<string, string>) => translate(lang, key, params);
const root = document.getElementById('app')!;

/** This phone's enrolment, once it has one. */
let device: DeviceRecord | undefined;
/** The screen showing now, and what ends it (a long poll, a timer). */
let screen: { name: ScreenName; requestId?: string; leave?: () => void } = { name: 'loading' };
/** Requests answered here, so a long poll that raced the answer does not show one again. */
const answered = new Set<string>();

type Child = Node | string | false | null | undefined;

/** An element with attributes (`true` for a boolean one; `false`/`undefined` leave it out) and children. */
function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string | boolean | undefined> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) if (value !== false && value !== undefined) element.setAttribute(name, value === true ? '' : value);
  element.append(...children.filter((child): child is Node | string => !!child));
  return element;
}

/**
 * A text with the person's email address in it, the address allowed to wrap
 * after its `@` (a <wbr>) rather than anywhere: at 320 px a long address
 * does not fit one line of a heading.
 */
function withEmail(text: string, email: string): Child[] {
  const at = email.lastIndexOf('@');
  const address = () => h('span', { class: 'email' }, email.slice(0, at + 1), h('wbr'), email.slice(at + 1));
  return text.split(email).flatMap((part, index) => (index === 0 ? [part] : [address(), part]));
}

/** "Chrome on Windows", or as much of it as the header tells. */
function describeUserAgent(userAgent: string | null | undefined): string {
  const { browser, os } = describeAgent(userAgent ?? null);
  return t('ua_on', { browser: browser ?? t('ua_browser'), system: os ?? t('ua_system') });
}

/**
 * Shows a screen: ends the one before (its poll, its timer), puts the new
 * content in, and moves focus to its heading, which a screen reader then
 * reads, so every change of screen is announced.
 */
function show(name: ScreenName, content: Child[], { leave, requestId }: { leave?: () => void; requestId?: string } = {}): void {
  screen.leave?.();
  screen = { name, leave, requestId };
  root.dataset.screen = name;
  root.replaceChildren(...content.filter((child): child is Node | string => !!child));
  root.removeAttribute('aria-busy');
  const heading = root.querySelector('h1');
  heading?.setAttribute('tabindex', '-1');
  heading?.focus();
}

/** A screen with only a heading and a paragraph, and a button when there is somewhere to go. */
function message(name: ScreenName, title: string, text: string, action?: { label: string; run: () => void }, tone?: 'success' | 'danger'): void {
  const button = action && h('button', { type: 'button', class: 'primary' }, action.label);
  button?.addEventListener('click', action!.run);
  show(name, [h('div', { class: tone ? `mark ${tone}` : undefined, 'aria-hidden': tone ? 'true' : undefined }), h('h1', {}, title), h('p', {}, text), button]);
}

function loading(): void {
  show('loading', [h('h1', { class: 'visually-hidden' }, t('loading')), h('div', { class: 'spinner', role: 'progressbar', 'aria-label': t('loading') })]);
  root.setAttribute('aria-busy', 'true');
}

/** Waits `ms`, or less when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}

/**
 * How long "Turn on" waits for the service worker and the push service: past
 * this, the phone enrols without push (`ready` never settles for a worker
 * that failed to install, and a push service can be unreachable).
 */
const PUSH_SETUP_MS = 15_000;

/** `promise`, or undefined once `ms` pass first. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([promise, new Promise<undefined>((resolve) => setTimeout(resolve, ms))]);
}

/** Registers the service worker (scope /approve/); undefined where there are none (an insecure page, an old browser). */
async function registerWorker(): Promise<ServiceWorkerRegistration | undefined> {
  if (!('serviceWorker' in navigator)) return undefined;
  try {
    await navigator.serviceWorker.register('sw.js', { scope: './', updateViaCache: 'none' });
    return await within(navigator.serviceWorker.ready, PUSH_SETUP_MS);
  } catch {
    return undefined;
  }
}

/**
 * Asks to notify, and subscribes to push with the server's VAPID key (RFC
 * 8292). Any refusal or failure means no push: the person approves from the
 * open app instead, and is told so.
 */
async function subscribePush(vapidPublicKey: string | undefined): Promise<PushSubscriptionJSON | undefined> {
  if (!vapidPublicKey || !('Notification' in window) || !('PushManager' in window)) return undefined;
  try {
    const registration = await registerWorker();
    if (!registration) return undefined;
    if ((await Notification.requestPermission()) !== 'granted') return undefined;
    const options = { userVisibleOnly: true, applicationServerKey: fromBase64url(vapidPublicKey) };
    const subscription = await registration.pushManager.subscribe(options).catch(async () => {
      // A subscription from an earlier enrolment made with another key: replace it (Push API §3.3: subscribe rejects on a different key).
      await (await registration.pushManager.getSubscription())?.unsubscribe();
      return registration.pushManager.subscribe(options);
    });
    const { endpoint, keys } = subscription.toJSON();
    return endpoint && keys?.p256dh && keys.auth ? { endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth } } : undefined;
  } catch {
    return undefined;
  }
}

/** The error a failed step shows: the catalogue's words for the code. */
function failure(error: unknown): string {
  if (error instanceof ApiError || error instanceof PasskeyError) return errorMessage(lang, error.code);
  return errorMessage(lang, 'generic');
}

/** Drops the token from the address bar and history: it is single-use and must not linger (nor be shared by a screenshot). */
function clearFragment(): void {
  history.replaceState(null, '', location.pathname + location.search);
}

/** Enrolment: opens the set-up link's token, then makes the key and subscribes when the person turns it on. */
async function enrol(token: string): Promise<void> {
  loading();
  let start: EnrolmentStart;
  let config: ApproverConfig | undefined;
  try {
    [start, config] = await Promise.all([
      call<EnrolmentStart>('POST', '/api/approver/enrolment', { body: { token } }),
      call<ApproverConfig>('GET', '/api/approver/config').catch(() => undefined),
    ]);
  } catch (error) {
    if (error instanceof ApiError && error.code === 'approver_enrolment_invalid') clearFragment();
    const retry = error instanceof ApiError && error.code !== 'approver_enrolment_invalid' ? { label: t('action_try_again'), run: () => void enrol(token) } : undefined;
    message('enrol-error', t('title_enrol'), failure(error), retry);
    return;
  }

  const name = h('input', { id: 'device-name', name: 'device-name', type: 'text', autocomplete: 'off', required: true, maxlength: '64', 'aria-describedby': 'device-name-hint' });
  name.value = describeDevice();
  const submit = h('button', { type: 'submit', class: 'primary' }, t('action_turn_on'));
  const status = h('p', { role: 'status', class: 'status' });
  const alert = h('p', { role: 'alert', class: 'error' });
  const form = h(
    'form',
    { novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'device-name' }, t('label_device_name')), name, h('p', { id: 'device-name-hint', class: 'hint' }, t('hint_device_name'))),
    alert,
    submit,
    status,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    alert.textContent = '';
    if (!name.value.trim()) {
      name.focus();
      return;
    }
    submit.disabled = true;
    name.disabled = true;
    status.textContent = t('busy_turning_on');
    try {
      await turnOn(token, start, config, name.value.trim());
    } catch (error) {
      status.textContent = '';
      alert.textContent = failure(error);
      submit.disabled = false;
      name.disabled = false;
      submit.focus();
    }
  });
  show('enrol', [h('h1', {}, t('title_enrol')), h('p', { class: 'lead' }, ...withEmail(t('intro_enrol', { name: start.user.name, email: start.user.email }), start.user.email)), h('p', {}, t('explain_enrol')), form]);
}

/** A name for this phone the person can keep: "Chrome on Android". */
function describeDevice(): string {
  const { browser, os } = describeAgent(navigator.userAgent);
  return browser && os ? t('ua_on', { browser, system: os }) : t('device_name_default');
}

/** "Turn on": push first (it needs the tap for the permission prompt), then the key, then the server. */
async function turnOn(token: string, start: EnrolmentStart, config: ApproverConfig | undefined, name: string): Promise<void> {
  const subscription = await within(subscribePush(config?.vapidPublicKey), PUSH_SETUP_MS);
  let key: EnrolmentRequest['key'];
  let local: DeviceKey;
  if (await hasPlatformAuthenticator()) {
    const response = await createPasskey(start.passkey.options);
    key = { type: 'passkey', response };
    local = { type: 'passkey', credentialId: response.id };
  } else {
    const keys = await createDeviceKeys();
    key = { type: 'device', publicKey: await crypto.subtle.exportKey('jwk', keys.publicKey), proof: await signWithDeviceKeys(keys, enrolmentMessage(token)) };
    local = { type: 'device', keys };
  }
  const body: EnrolmentRequest = { token, name, key, ...(subscription ? { subscription } : {}) };
  let push = !!subscription;
  let result: EnrolmentResult;
  try {
    result = await call<EnrolmentResult>('POST', '/api/approver/devices', { body });
  } catch (error) {
    // A push service the server does not accept: enrol without push rather than not at all.
    if (!(error instanceof ApiError && error.code === 'push_endpoint_invalid')) throw error;
    push = false;
    result = await call<EnrolmentResult>('POST', '/api/approver/devices', { body: { ...body, subscription: undefined } });
  }
  if (local.type === 'passkey' && result.credentialId) local = { type: 'passkey', credentialId: result.credentialId };
  device = { device: result.device, deviceToken: result.deviceToken, email: start.user.email, key: local, push, lang };
  await saveDevice(device);
  clearFragment();
  confirmation(result.confirmation);
}

/** "123 456": the code in two groups of three, easier to read off and type. */
function groupDigits(code: string): string {
  return code.length === 6 ? `${code.slice(0, 3)}\u00a0${code.slice(3)}` : code;
}

/**
 * Right after "Turn on": the code the person types on the sign-in screen,
 * which confirms this phone as theirs (not one that scanned the QR code over
 * their shoulder). It stays until "Done"; it is not kept anywhere (once typed
 * it is worth nothing, and before that only this screen needs it).
 */
function confirmation(code: string): void {
  const done = h('button', { type: 'button', class: 'primary' }, t('action_done'));
  done.addEventListener('click', home);
  show('confirmation', [
    h('h1', {}, t('title_confirmation')),
    h('p', {}, t('intro_confirmation')),
    // Read out digit by digit: "1 2 3 4 5 6", not "one hundred twenty-three…".
    h('p', { class: 'confirmation-code', role: 'img', 'aria-label': t('label_confirmation', { digits: [...code].join(' ') }) }, groupDigits(code)),
    h('p', { class: 'hint' }, t('hint_confirmation')),
    done,
  ]);
}

/** Enrolled, nothing to answer: waits for a request (long poll) and shows it when one comes. */
function home(): void {
  if (!device) return setupNeeded();
  const controller = new AbortController();
  const turnOff = h('button', { type: 'button', class: 'secondary' }, t('action_turn_off'));
  turnOff.addEventListener('click', () => void turnOffHere());
  show(
    'home',
    [
      h('div', { class: 'mark success', 'aria-hidden': 'true' }),
      h('h1', {}, ...withEmail(t('title_home', { email: device.email }), device.email)),
      h('p', {}, t('home_waiting')),
      !device.push && h('p', { class: 'note' }, t('notifications_off')),
      turnOff,
    ],
    { leave: () => controller.abort() },
  );
  void waitForRequests(device, controller.signal);
}

/** `GET /api/approver/requests?wait=1` again and again: each answers within ~25 s, at once when a request is pending. */
async function waitForRequests(record: DeviceRecord, signal: AbortSignal): Promise<void> {
  let failures = 0;
  while (!signal.aborted) {
    try {
      const { requests } = await call<ApprovalList>('GET', '/api/approver/requests?wait=1', { token: record.deviceToken, signal });
      failures = 0;
      const next = requests.find(({ id }) => !answered.has(id));
      if (next && !signal.aborted) return showRequest(next);
      // Only requests answered here a moment ago: the server has not caught up; ask again shortly.
      if (requests.length) await sleep(2_000, signal);
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof ApiError && error.code === 'approver_unknown') return removed();
      // Offline or the server restarting: back off, up to half a minute.
      failures += 1;
      await sleep(Math.min(30_000, 1_000 * 2 ** failures), signal);
    }
  }
}

/** The outcome screens, by what happened to the request. */
const OUTCOMES = {
  approved: ['title_approved', 'intro_approved', 'success'],
  denied: ['title_denied', 'intro_denied', 'danger'],
  'denied-number': ['title_denied', 'intro_denied_number', 'danger'],
  expired: ['title_expired', 'intro_expired', undefined],
  decided: ['title_decided', 'intro_decided', undefined],
  'not-found': ['title_not_found', 'intro_not_found', undefined],
} as const satisfies Record<string, readonly [MessageKey, MessageKey, 'success' | 'danger' | undefined]>;
type Outcome = keyof typeof OUTCOMES;

/** What a refusal of a password reset ended: the new password, not a sign-in. */
const RESET_TEXTS: Partial<Record<Outcome, MessageKey>> = { denied: 'intro_denied_reset', 'denied-number': 'intro_denied_number_reset' };

function outcome(which: Outcome, reset = false): void {
  const [title, text, tone] = OUTCOMES[which];
  message(which, t(title), t((reset && RESET_TEXTS[which]) || text), { label: t('action_done'), run: home }, tone);
}

/** An API refusal that ends the request's screen, as the outcome to show; undefined for one worth another try. */
function requestGone(error: unknown): Outcome | 'removed' | undefined {
  if (!(error instanceof ApiError)) return undefined;
  const codes: Record<string, Outcome | 'removed'> = { approval_expired: 'expired', approval_decided: 'decided', approval_not_found: 'not-found', approver_unknown: 'removed' };
  return codes[error.code];
}

/** From a notification or a service worker message: fetches the request, then shows it. */
async function openRequest(id: string): Promise<void> {
  if (!device) return setupNeeded();
  loading();
  try {
    showRequest(await call<ApprovalDetails>('GET', `/api/approver/requests/${encodeURIComponent(id)}`, { token: device.deviceToken }));
  } catch (error) {
    const gone = requestGone(error);
    if (gone === 'removed') return removed();
    if (gone) return outcome(gone);
    message('request-error', t('title_request'), failure(error), { label: t('action_done'), run: home });
  }
}

/** "Are you signing in?" (or "Are you setting a new password?"): who asks, from where, and the three numbers. */
function showRequest(details: ApprovalDetails): void {
  const record = device!;
  const status = h('p', { role: 'status', class: 'status' });
  const alert = h('p', { role: 'alert', class: 'error' });
  const numbers = details.numbers.map((number) => h('button', { type: 'button', class: 'number' }, number));
  const deny = h('button', { type: 'button', class: 'secondary danger' }, t('action_deny'));
  const buttons = [...numbers, deny];
  const time = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(details.createdAt);
  const reset = details.purpose === 'password-reset';
  const row = (label: MessageKey, value: string | null) => value && [h('dt', {}, t(label)), h('dd', {}, ...(label === 'label_account' ? withEmail(value, value) : [value]))];

  let deciding = false;
  const decide = async (number: string, decision: 'approve' | 'deny') => {
    if (deciding) return;
    deciding = true;
    for (const button of buttons) button.disabled = true;
    alert.textContent = '';
    status.textContent = t('busy_confirming');
    try {
      const proof = await signDecision(record.key, approvalMessage(details.id, number, decision), details.rpId);
      const { status: result } = await call<ApprovalOutcome>('POST', `/api/approver/requests/${encodeURIComponent(details.id)}`, {
        token: record.deviceToken,
        body: { number, decision, proof },
      });
      answered.add(details.id);
      outcome(result === 'approved' ? 'approved' : decision === 'deny' ? 'denied' : 'denied-number', reset);
    } catch (error) {
      const gone = requestGone(error);
      if (gone) answered.add(details.id);
      if (gone === 'removed') return removed();
      if (gone) return outcome(gone);
      deciding = false;
      status.textContent = '';
      alert.textContent = failure(error);
      for (const button of buttons) button.disabled = false;
    }
  };
  numbers.forEach((button, index) => button.addEventListener('click', () => void decide(details.numbers[index]!, 'approve')));
  // The server ignores the number of a refusal; the signature covers one all the same.
  deny.addEventListener('click', () => void decide(details.numbers[0], 'deny'));

  // The request dies at expiresAt on the server's clock; say so then rather than let a tap fail.
  const expiry = setTimeout(() => !deciding && outcome('expired'), Math.max(0, details.expiresAt - serverNow()) + 500);
  show(
    'request',
    [
      h('h1', {}, t(reset ? 'title_request_reset' : 'title_request')),
      h('dl', { class: 'details' }, ...[row('label_account', details.email), row('label_browser', describeUserAgent(details.userAgent)), row('label_ip', details.ip), row('label_time', time), row('label_company', details.company)].flat()),
      h('h2', { id: 'pick' }, t(reset ? 'pick_number_reset' : 'pick_number')),
      h('div', { class: 'numbers', role: 'group', 'aria-labelledby': 'pick' }, ...numbers),
      alert,
      deny,
      status,
    ],
    { leave: () => clearTimeout(expiry), requestId: details.id },
  );
}

function setupNeeded(): void {
  message('setup', t('title_setup_needed'), t('intro_setup_needed'));
}

/** Forgets the enrolment here: the token and the key go, and the push subscription ends (its push service then refuses pushes to it). */
async function forgetHere(): Promise<void> {
  device = undefined;
  await forgetDevice().catch(() => undefined);
  const registration = 'serviceWorker' in navigator ? await navigator.serviceWorker.getRegistration().catch(() => undefined) : undefined;
  await (await registration?.pushManager.getSubscription().catch(() => null))?.unsubscribe().catch(() => undefined);
}

/** The server no longer knows this phone (removed on the account page, or the person reset their methods). */
async function removed(): Promise<void> {
  await forgetHere();
  message('removed', t('title_removed'), t('intro_removed'));
}

/** "Turn off on this phone": the server's record stays until the account page removes it (no call needed: the token is gone). */
async function turnOffHere(): Promise<void> {
  await forgetHere();
  message('turned-off', t('title_turned_off'), t('intro_turned_off'));
}

type ScreenName = 'loading' | 'setup' | 'enrol' | 'enrol-error' | 'confirmation' | 'home' | 'request' | 'request-error' | 'removed' | 'turned-off' | Outcome;

/** Where the address sends the person: set-up, a request, or home. */
async function route(): Promise<void> {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const token = fragment.get('enrol');
  if (token) return enrol(token);
  const request = fragment.get('request');
  if (request) {
    clearFragment();
    return openRequest(request);
  }
  if (device) return home();
  setupNeeded();
}

/**
 * The service worker's word: a push arrived (`approval`: show it if nothing
 * else is on screen) or its notification was tapped (`open`: show that one).
 * A screen waiting on the person's own input (set-up, the code to type on the
 * sign-in screen) keeps it.
 */
function onWorkerMessage({ data }: MessageEvent<WorkerMessage>): void {
  if (!device || !data || typeof data.id !== 'string' || answered.has(data.id)) return;
  if (screen.name === 'enrol' || screen.name === 'confirmation' || screen.requestId === data.id) return;
  if (data.type === 'open' || (data.type === 'approval' && screen.name !== 'request')) void openRequest(data.id);
}

async function start(): Promise<void> {
  document.documentElement.lang = lang;
  document.title = t('app_name');
  document.getElementById('app-name')!.textContent = t('app_name');
  loading();
  device = await loadDevice().catch(() => undefined);
  if (device && device.lang !== lang) void saveDevice({ ...device, lang }).catch(() => undefined);
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.addEventListener('message', onWorkerMessage);
    navigator.serviceWorker.startMessages();
    void registerWorker();
  }
  addEventListener('hashchange', () => void route());
  await route();
}

void start();
