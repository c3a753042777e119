import type { ReactiveController, ReactiveControllerHost } from 'lit';
/*
 * The approver's wait, in the approver chunk with the two steps that wait
 * (approval-view.ts, approver-setup-step.ts): a person without the approver
 * never downloads it.
 */

/** At most one long poll starts per this many milliseconds, whatever answers come back (no spinning on a server or proxy that answers at once). */
const POLL_INTERVAL = 2000;
/** The longest pause after failed polls: they back off from 1 s, doubling, to this. */
const MAX_PAUSE = 30_000;

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

/**
 * Waits for the flow to be ready to go on (`GET /api/flows/-/wait`, the id in
 * `X-Flow-Id`: the phone decided an approval, or enrolled): a long poll the
 * server holds for up to about 25 s, asked again while it answers
 * `{ ready: false }`, at most once per POLL_INTERVAL. A failed poll (the
 * network, a 5xx, a 429) is tried again after a pause that doubles from 1 s
 * up to MAX_PAUSE, with jitter. A flow that is gone (404, 410) or whose step
 * waits on nothing now (409: it moved on in another tab) counts as ready too:
 * the step's action then gets the answer that says what is. Starts after
 * `delay` ms; resolves true once ready, false when `signal` aborts.
 */
export async function waitReady(base: string, id: string, signal: AbortSignal, delay = 0): Promise<boolean> {
  const url = new URL('/api/flows/-/wait', base || document.baseURI);
  await pause(delay, signal);
  for (let failed = 0; !signal.aborted; ) {
    const started = Date.now();
    try {
      const response = await fetch(url, { headers: { 'X-Flow-Id': id }, signal });
      if (response.status === 404 || response.status === 409 || response.status === 410) return true;
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
  /** The key last found ready, and how many times in a row: the same key again (the action answered "not yet") waits longer each time. */
  private fired: { key: string; count: number } | undefined;
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
    // Ready, yet the action answered "not yet" (a race, or a server that disagrees with itself): no spinning.
    const count = this.fired?.key === key ? this.fired.count : 0;
    void waitReady(base, id, abort.signal, count && Math.min(MAX_PAUSE, 1000 * 2 ** (count - 1))).then((done) => {
      if (!done || this.abort !== abort) return;
      // Waiting again for the same key takes a new watch (after the step's action was answered).
      this.key = undefined;
      this.fired = { key, count: count + 1 };
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
