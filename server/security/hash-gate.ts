/*
 * Password hashes take a core each for about 12 ms (argon2id, 19 MiB, t=2).
 * Started all at once, a burst of sign-ins would queue behind each other on
 * libuv's thread pool and take the cores from the event loop, so requests that
 * hash nothing (starting a flow, a code, a session check) would wait too. The
 * gate lets a fixed number of hashes run at once, queues a bounded number
 * more in arrival order, and refuses the rest at once with `busy` (503) and a
 * `Retry-After` estimate, rather than letting every answer slow down without
 * bound (OWASP ASVS 5.0 V15.2.2: defend against resource exhaustion; OWASP
 * Password Storage Cheat Sheet: a slow hash invites denial of service).
 */
import { ApiError } from '../errors.js';

/** What a hash is assumed to take before any has been timed: argon2id at OWASP's setting on one core. */
const FIRST_ESTIMATE_MS = 15;
/** Weight of the newest hash in the running mean of hash times (an exponential moving average). */
const SMOOTHING = 0.1;

export class HashGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private meanMs = FIRST_ESTIMATE_MS;

  /**
   * @param slots hashes that may run at once (`HASH_SLOTS`, by default the machine's cores)
   * @param queue hashes that may wait for a slot (`HASH_QUEUE`); one more is refused with `busy`
   */
  constructor(
    readonly slots: number,
    readonly queue: number,
  ) {}

  /** Hashes running and waiting now. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  /** Runs `hash` when a slot is free; throws `busy` at once when the queue is full. */
  async run<T>(hash: () => Promise<T>): Promise<T> {
    if (this.running >= this.slots) {
      if (this.waiting.length >= this.queue) throw new ApiError('busy', { retryAfter: this.retryAfter() });
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running += 1;
    }
    const started = performance.now();
    try {
      return await hash();
    } finally {
      this.meanMs += SMOOTHING * (performance.now() - started - this.meanMs);
      // The slot passes straight to the next in line, so `running` never dips and lets a newcomer jump the queue.
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }

  /** Whole seconds until the queue has drained, at least one. */
  private retryAfter(): number {
    return Math.max(1, Math.ceil(((this.waiting.length / this.slots + 1) * this.meanMs) / 1000));
  }
}
