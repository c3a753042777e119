/*
 * Long polls: a request that waits for something another request (or another
 * API process) will store, the phone's answer or its enrolment. The store is
 * the only channel, so they work across processes on SQLite and PostgreSQL;
 * they hold no transaction and no lock while they wait.
 */
import { ApiError } from '../errors.js';

/** A long poll answers within this (under the 30 s many proxies allow an idle response). */
export const WAIT_MS = 25_000;
/** How often a waiting request looks at the store: an answer reaches the other screen within this. */
export const POLL_MS = 400;
/**
 * Long polls one process holds at once; one more is refused at once with
 * 503 `busy` (OWASP ASVS 5.0 V2.4.1: resources a client can hold are bounded).
 * Each costs a socket and a small read every POLL_MS.
 */
export const MAX_WAITS = 1_000;

let open = 0;
/** The wait in flight for each key (a flow, a phone): a new one ends the one before, so a client cannot pile them up. */
const byKey = new Map<string, AbortController>();

/** Resolves after `ms`, or at once when `signal` aborts; leaves no listener behind. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Asks `check` every POLL_MS until it gives an answer, WAIT_MS of real time
 * pass, the client goes (`signal`), or a newer wait with the same `key` takes
 * over. Answers undefined when nothing came.
 */
export async function waitFor<T>(key: string, signal: AbortSignal, check: () => Promise<T | undefined>): Promise<T | undefined> {
  if (open >= MAX_WAITS) throw new ApiError('busy', { retryAfter: 5 });
  byKey.get(key)?.abort();
  const mine = new AbortController();
  byKey.set(key, mine);
  const stop = AbortSignal.any([signal, mine.signal]);
  const until = Date.now() + WAIT_MS;
  open += 1;
  try {
    for (;;) {
      const found = await check();
      if (found !== undefined || stop.aborted || Date.now() >= until) return found;
      await pause(POLL_MS, stop);
    }
  } finally {
    open -= 1;
    if (byKey.get(key) === mine) byKey.delete(key);
  }
}
