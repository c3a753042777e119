/*
 * Complete logins under load: start, email, password and authenticator code,
 * `lanes` flows at once against a running `login-flow serve`, as the widget
 * sends them (flow id in `X-Flow-Id`, keep-alive connections).
 *
 * Replays: the server accepts each TOTP time step once per credential
 * (RFC 6238 §5.2), so every lane owns its own accounts, and every account
 * several authenticators. A lane takes its accounts in turn and sends the
 * code of an authenticator whose last used step is older than the current
 * one, marking it used; an account whose authenticators are all used in the
 * current step is skipped, and when every account of the lane is spent the
 * lane waits for the next step (counted, and reported as lane waits). A code that another
 * authenticator of the same account would also accept in the server's drift
 * window is never sent: the server would claim that other authenticator's step.
 *
 * Answers other than the expected ones are counted by action, status and
 * error code (`password: 503 busy, with Retry-After`); a 503 or 429 that says
 * Retry-After pauses its lane that long before its next login, as a person
 * shown the widget's "try again in N seconds" would.
 */
import { Agent, request } from 'node:http';
import { Secret, TOTP } from 'otpauth';
import { TOTP_DIGITS, TOTP_DRIFT_STEPS, TOTP_PERIOD_SECONDS } from '../server/factors/totp.js';
import type { Account } from './fill.js';

export const STEPS = ['start', 'email', 'password', 'totp'] as const;
export type Step = (typeof STEPS)[number];

export interface Percentiles {
  p50: number;
  p99: number;
}

export interface LoadResult {
  /** Logins completed inside the measured window. */
  logins: number;
  /** Logins completed from the first request to the last, warm-up and tail included. */
  allLogins: number;
  perSecond: number;
  login: Percentiles;
  steps: Record<Step, Percentiles>;
  /** Unexpected answers by status and error code (or step), over the warm-up and the window. */
  unexpected: Map<string, number>;
  /** 429 answers: a rate limit doing its job (none expected with the limits lifted). */
  rateLimited: number;
  /** Times a lane paused for a Retry-After (503 busy, 429), and the seconds it paused. */
  backoffs: number;
  backoffSeconds: number;
  /** Times a lane found every authenticator of its accounts spent in the current step, and the seconds it waited. */
  waits: number;
  waitSeconds: number;
}

const PERIOD_MS = TOTP_PERIOD_SECONDS * 1000;

/** One authenticator app: its codes by time step, and the last step this run spent. */
class Authenticator {
  lastStep = -Infinity;
  private readonly totp: TOTP;
  private readonly codes = new Map<number, string>();

  constructor(secret: string) {
    // SHA-1, as server/factors/totp.ts and every authenticator app.
    this.totp = new TOTP({ algorithm: 'SHA1', digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS, secret: Secret.fromBase32(secret) });
  }

  code(step: number): string {
    let code = this.codes.get(step);
    if (code === undefined) {
      code = this.totp.generate({ timestamp: step * PERIOD_MS });
      this.codes.set(step, code);
    }
    return code;
  }
}

class AccountState {
  readonly email: string;
  readonly authenticators: Authenticator[];

  constructor(account: Account) {
    this.email = account.email;
    this.authenticators = account.secrets.map((s) => new Authenticator(s));
  }

  fresh(step: number): boolean {
    return this.authenticators.some((a) => a.lastStep < step);
  }

  /**
   * A code for `step` from an authenticator not yet used in it, and marks it
   * used. The server may check at `step` or, across a boundary, `step + 1`,
   * each with its drift window: no other authenticator may match the code there.
   */
  spend(step: number): string | undefined {
    const window: number[] = [];
    for (let s = step - TOTP_DRIFT_STEPS; s <= step + 1 + TOTP_DRIFT_STEPS; s++) window.push(s);
    for (const candidate of this.authenticators) {
      if (candidate.lastStep >= step) continue;
      const code = candidate.code(step);
      if (this.authenticators.some((other) => other !== candidate && window.some((s) => other.code(s) === code))) continue;
      candidate.lastStep = step;
      return code;
    }
    return undefined;
  }
}

interface Answer {
  status: number;
  body: { id?: string; step?: string; data?: { methods?: string[] }; error?: { code?: string } };
  /** Seconds of the Retry-After header, when there is one. */
  retryAfter?: number;
  /** The body was not JSON (a proxy's or the runtime's error page). */
  notJson?: boolean;
}

function post(agent: Agent, port: number, path: string, body: unknown, flowId?: string): Promise<Answer> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...(flowId ? { 'x-flow-id': flowId } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const header = res.headers['retry-after'];
          const retryAfter = header === undefined || !Number.isFinite(Number(header)) ? undefined : Number(header);
          const answer = { status, ...(retryAfter === undefined ? {} : { retryAfter }) };
          try {
            resolve({ ...answer, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Answer['body'] });
          } catch {
            resolve({ ...answer, body: {}, notJson: true });
          }
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const stepNow = () => Math.floor(Date.now() / PERIOD_MS);

function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
  return { p50: at(0.5), p99: at(0.99) };
}

/**
 * Runs `lanes` login loops, each over its own share of `accounts`. The
 * measured window of `seconds` opens after `warmupSeconds`, and not before
 * every lane has finished one login (the first wave of `lanes` logins starts
 * in lockstep); logins still running when it closes finish but do not count.
 */
export async function completeLogins(
  { port, accounts, lanes, password, warmupSeconds, seconds }: { port: number; accounts: Account[]; lanes: number; password: string; warmupSeconds: number; seconds: number },
): Promise<LoadResult> {
  if (accounts.length < lanes) throw new Error(`${lanes} lanes need at least ${lanes} accounts, got ${accounts.length}`);
  const agent = new Agent({ keepAlive: true, maxSockets: lanes });
  const states = accounts.map((a) => new AccountState(a));
  const warmupEnd = performance.now() + warmupSeconds * 1000;
  /** Set once every lane has finished a first login. */
  let windowStart: number | undefined;
  let warmedLanes = 0;
  const windowEnd = () => (windowStart === undefined ? Infinity : windowStart + seconds * 1000);
  /** Completed logins: when each ended, and its step times. */
  const completed: { done: number; times: number[] }[] = [];
  const unexpected = new Map<string, number>();
  let rateLimited = 0;
  let waits = 0;
  let waited = 0;
  let backoffs = 0;
  let backedOff = 0;

  const note = (key: string): void => void unexpected.set(key, (unexpected.get(key) ?? 0) + 1);
  /** The answer when it has the expected status and step; otherwise counts it and returns undefined. */
  const expect = (answer: Answer, status: number, step: string, action: string, refused: { retryAfter?: number }): Answer | undefined => {
    if (answer.status === status && answer.body.step === step) return answer;
    if (answer.retryAfter !== undefined && (answer.status === 503 || answer.status === 429)) refused.retryAfter = answer.retryAfter;
    if (answer.status === 429) rateLimited += 1;
    else {
      const what = answer.notJson ? 'not JSON' : (answer.body.error?.code ?? `step ${answer.body.step}`);
      // Shedding load (503 busy) should say when to come back.
      const retry = answer.status === 503 ? (answer.retryAfter === undefined ? ', without Retry-After' : ', with Retry-After') : '';
      note(`${action}: ${answer.status} ${what}${retry}`);
    }
    return undefined;
  };

  /** One complete login; resolves to the Retry-After seconds of an answer that refused it, if one said so. */
  async function login(account: AccountState): Promise<number | undefined> {
    const refused: { retryAfter?: number } = {};
    await loginSteps(account, refused);
    return refused.retryAfter;
  }

  async function loginSteps(account: AccountState, refused: { retryAfter?: number }): Promise<void> {
    const times = [performance.now()];
    const started = expect(await post(agent, port, '/api/flows/login', {}), 201, 'email', 'start', refused);
    const id = started?.body.id;
    if (!id) return;
    times.push(performance.now());
    if (!expect(await post(agent, port, '/api/flows/-/email', { email: account.email }, id), 200, 'password', 'email', refused)) return;
    times.push(performance.now());
    const second = expect(await post(agent, port, '/api/flows/-/password', { password }, id), 200, 'second-factor', 'password', refused);
    if (!second) return;
    if (!second.body.data?.methods?.includes('totp')) return note('password: totp not offered');
    times.push(performance.now());
    const code = account.spend(stepNow());
    if (!code) return note('bench: no authenticator code free of clashes');
    if (!expect(await post(agent, port, '/api/flows/-/totp', { code }, id), 200, 'done', 'totp', refused)) return;
    times.push(performance.now());
    completed.push({ done: times[4]!, times });
  }

  async function lane(own: AccountState[]): Promise<void> {
    let turn = 0;
    let first = true;
    while (performance.now() < windowEnd()) {
      const step = stepNow();
      const at = own.findIndex((_, i) => own[(turn + i) % own.length]!.fresh(step));
      if (at < 0) {
        // Every authenticator of this lane's accounts is spent in this step.
        const pause = Math.min((step + 1) * PERIOD_MS - Date.now() + 5, windowEnd() - performance.now());
        waits += 1;
        waited += Math.max(0, pause);
        await sleep(pause);
        continue;
      }
      const account = own[(turn + at) % own.length]!;
      turn = (turn + at + 1) % own.length;
      let pause: number | undefined;
      try {
        pause = await login(account);
      } catch (error) {
        note(`network: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (first && ++warmedLanes === lanes) windowStart = Math.max(warmupEnd, performance.now());
      first = false;
      if (pause !== undefined) {
        const ms = Math.max(0, Math.min(pause * 1000, windowEnd() - performance.now()));
        backoffs += 1;
        backedOff += ms;
        await sleep(ms);
      }
    }
  }

  // Lane i owns accounts i, i + lanes, i + 2 lanes, ...: no account is ever in two flows at once.
  await Promise.all(Array.from({ length: lanes }, (_, i) => lane(states.filter((_, j) => j % lanes === i))));
  agent.destroy();
  const counted = completed.filter((c) => c.done >= windowStart! && c.done <= windowEnd());
  const totals = counted.map((c) => c.done - c.times[0]!);
  const steps = Object.fromEntries(STEPS.map((step, i) => [step, counted.map((c) => c.times[i + 1]! - c.times[i]!)])) as Record<Step, number[]>;
  return {
    logins: totals.length,
    allLogins: completed.length,
    perSecond: totals.length / seconds,
    login: percentiles(totals),
    steps: Object.fromEntries(STEPS.map((s) => [s, percentiles(steps[s])])) as Record<Step, Percentiles>,
    unexpected,
    rateLimited,
    backoffs,
    backoffSeconds: backedOff / 1000,
    waits,
    waitSeconds: waited / 1000,
  };
}
