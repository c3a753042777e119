import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { ErrorBody, FlowKind, FlowState } from '../../server/flows/protocol.js';
import type { ClientErrorCode } from './events.js';

export type ClientError = Omit<ErrorBody, 'code'> & { code: ErrorBody['code'] | ClientErrorCode };

/** Either the flow to show (possibly with an error on it), or an error with no flow to show. */
export type FlowResult = { flow: FlowState; retryAfter?: number } | { error: ClientError; retryAfter?: number };

/**
 * Talks to the flow API. The flow id travels in the `X-Flow-Id` header: not in
 * a cookie, so the flow works when the API is on another site and third-party
 * cookies are blocked; not in the URL, so the secret stays out of logs.
 */
export class FlowClient {
  /**
   * `language`: the language the person picked, sent as `Content-Language` (a
   * CORS-safelisted header: no preflight of its own) so the server keeps it
   * on their record for the mails it sends them.
   */
  constructor(
    private readonly base: string,
    public language = '',
  ) {}

  /** Starts a flow; `activate` and `reset` send `{ token }`, the token of the link that opened them. */
  start(kind: FlowKind, body: Record<string, unknown> = {}): Promise<FlowResult> {
    return this.post(`/api/flows/${encodeURIComponent(kind)}`, body);
  }

  act(id: string, action: string, body: Record<string, unknown>): Promise<FlowResult> {
    return this.post(`/api/flows/-/${encodeURIComponent(action)}`, body, id);
  }

  private async post(path: string, body: Record<string, unknown>, flowId?: string): Promise<FlowResult> {
    let response: Response;
    const url = new URL(path, this.base || document.baseURI);
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(flowId ? { 'X-Flow-Id': flowId } : {}), ...(this.language ? { 'Content-Language': this.language } : {}) },
        body: JSON.stringify(body),
        // Lets a same-site API set its HttpOnly session cookie.
        credentials: 'include',
      });
    } catch {
      return { error: { code: await refusedOrUnreachable(url) } };
    }
    const retryAfter = Number(response.headers.get('retry-after')) || undefined;
    const json = (await response.json().catch(() => undefined)) as Partial<FlowState> & { error?: ClientError } | undefined;
    if (json && typeof json.step === 'string') return { flow: json as FlowState, ...(retryAfter ? { retryAfter } : {}) };
    return { error: json?.error ?? { code: response.status >= 500 ? 'internal_error' : 'invalid_request' }, ...(retryAfter ? { retryAfter } : {}) };
  }
}

/**
 * Why a request to another origin got no answer the page may read: the API
 * answers a plain `no-cors` request for its health route (an opaque answer
 * still proves it is up), so what it refused was this page's origin
 * (`ALLOWED_ORIGINS`); if that fails too, the network or the server is down.
 */
async function refusedOrUnreachable(url: URL): Promise<'origin_not_allowed' | 'network_error'> {
  if (url.origin === location.origin) return 'network_error';
  try {
    await fetch(new URL('/api/health', url), { mode: 'no-cors' });
    return 'origin_not_allowed';
  } catch {
    return 'network_error';
  }
}

/** At most one long poll starts per this many milliseconds, whatever answers come back (no spinning on a server or proxy that answers at once). */
const POLL_INTERVAL = 2000;
/** The longest pause after failed polls: they back off from 1 s, doubling, to this. */
const MAX_PAUSE = 30_000;

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}

/**
 * Waits for the flow to be ready to go on (`GET /api/flows/-/wait`, the id in
 * `X-Flow-Id`: the phone decided an approval, or enrolled): a long poll the
 * server holds for up to about 25 s, asked again while it answers
 * `{ ready: false }`. A failed poll (the network, a 5xx, a 429) is tried again
 * after a pause that doubles from 1 s up to 30 s, with jitter. Resolves true
 * once ready, false when `signal` aborts.
 */
export async function waitReady(base: string, id: string, signal: AbortSignal): Promise<boolean> {
  const url = new URL('/api/flows/-/wait', base || document.baseURI);
  for (let failed = 0; !signal.aborted; ) {
    const started = Date.now();
    try {
      const response = await fetch(url, { headers: { 'X-Flow-Id': id }, signal });
      if (response.ok) {
        if (((await response.json()) as { ready?: boolean }).ready) return true;
        failed = 0;
      } else failed += 1;
    } catch {
      failed += 1;
    }
    await pause(failed ? Math.min(MAX_PAUSE, 500 * 2 ** failed) * (0.5 + Math.random() / 2) : started + POLL_INTERVAL - Date.now(), signal);
  }
  return false;
}

/**
 * Waits in the background for what a step shows to be decided elsewhere (a
 * sign-in request on the person's phone, the approver's set-up there), while
 * the step wants it: the step calls `watch` after each update with the pending
 * thing's key (undefined: nothing to wait for now), and gets `ready` called
 * once the server says so. A new key, no key, or the element leaving the page
 * aborts the wait. The step then posts its action as an intent, as ever: the
 * wait only reads.
 */
export class FlowWait implements ReactiveController {
  private key: string | undefined;
  private abort: AbortController | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  /**
   * Waits for `key` (unless already waiting for it) on the flow `id` at the
   * API `base`, until `until` (epoch ms), when the host updates to show the expiry.
   */
  watch(key: string | undefined, until: number, base: string, id: string, ready: () => void): void {
    if (key === this.key) return;
    this.hostDisconnected();
    if (!(this.key = key)) return;
    const abort = (this.abort = new AbortController());
    this.timer = setTimeout(() => this.host.requestUpdate(), until - Date.now() + 50);
    void waitReady(base, id, abort.signal).then((done) => {
      if (!done || this.abort !== abort) return;
      // Waiting again for the same key takes a new watch (after the step's action was answered).
      this.key = undefined;
      ready();
    });
  }

  hostConnected(): void {
    // Back in the page after a move: the step's next update starts the wait again.
    this.host.requestUpdate();
  }

  hostDisconnected(): void {
    this.abort?.abort();
    clearTimeout(this.timer);
    this.key = this.abort = undefined;
  }
}
