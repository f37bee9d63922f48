// The process-wide brake on calls to RongCloud: a token bucket (calls per second) plus a cap on
// calls in flight. One instance is shared by every GroupClient of a process (pass it as
// `limiter`), so the remote sees one rate however many loops call it.
//
// Adaptive: when the remote still answers 1008 (someone else shares the app's quota, or the quota
// is lower than configured), `onRateLimited()` halves the current rate (at most once per
// `decreaseCooldownMs`, so one burst of 1008s from the calls already in flight counts once),
// down to a floor; afterwards the rate climbs back additively to the configured one (AIMD).
//
// Two layers, because RongCloud counts *arrivals in any sliding second*:
// - The bucket paces calls evenly. Tokens are refilled from elapsed time (not from timer ticks), so
//   late timers do not lower the long-run rate; while calls wait, time lost to a stalled event
//   loop may be made up (at most one second's worth).
// - A sliding window caps starts at `rate` per `windowMs` — the hard guarantee that neither the
//   bucket's burst nor a catch-up after a stall can put more than `rate` calls into one second.
//   The window is a little longer than a second (default 1050 ms) so that network jitter between
//   two calls cannot move them into the same second at the remote: at the configured 100/s,
//   rongsync sends about 95/s and RongCloud never answers 1008 for rongsync's own traffic.
//
// Events, so the process can tell its operator (src/log/rate-limiting.ts logs them): `rateLimited`
// on every 1008 / 429 reported, with the rate that follows; `recovered` once the rate is back to
// the target after a slowdown.
import { EventEmitter } from 'node:events';

export interface RateLimiterOptions {
  /** Configured (target) calls per second. @default 100 */
  ratePerSecond?: number;
  /** Calls in flight at once. @default 16 */
  concurrency?: number;
  /** Bucket capacity (calls that may start back to back). @default max(2, ceil(rate / 50)) */
  burst?: number;
  /** Floor of the adaptive slowdown, calls per second. @default min(5, rate) */
  minRatePerSecond?: number;
  /** Additive recovery, calls/s regained per second after a slowdown. @default rate / 10 */
  recoveryPerSecond?: number;
  /** Least time between two halvings, and before recovery starts. @default 1000 */
  decreaseCooldownMs?: number;
  /** At most `rate` calls start in any window this long (the remote counts per sliding second). @default 1050 */
  windowMs?: number;
  /** Clock in ms (monotonic). @default performance.now */
  now?: () => number;
}

export interface RateLimiterStats {
  targetRate: number;
  currentRate: number;
  inFlight: number;
  /** Calls waiting for a slot or a token. */
  waiting: number;
  /** Times `onRateLimited()` was called. */
  rateLimited: number;
  /** Times the rate was actually halved. */
  slowdowns: number;
}

export interface RateLimitedEvent {
  /** Calls per second let through from now on. */
  currentRate: number;
  /** Calls per second before this answer. */
  previousRate: number;
  targetRate: number;
  /** This answer lowered the rate (not while the last halving's cooldown runs, nor at the floor). */
  slowedDown: boolean;
}

export interface RateLimiterEvents {
  rateLimited: [RateLimitedEvent];
  recovered: [{ targetRate: number }];
}

/** Seconds of lost time a backlog may catch up after a stall (see #refill). */
const CATCH_UP_SECONDS = 1;

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class RateLimiter extends EventEmitter<RateLimiterEvents> {
  #target: number;
  #current: number;
  readonly #concurrency: number;
  readonly #burst: number;
  readonly #min: number;
  readonly #recovery: number;
  readonly #cooldown: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  /** Start times within the last window, oldest first (a ring would do; shift() is cheap enough at ≤ rate entries). */
  readonly #starts: number[] = [];

  #tokens: number;
  #lastRefill: number;
  #lastDecrease = -Infinity;
  #inFlight = 0;
  readonly #slotQueue: Waiter[] = [];
  readonly #tokenQueue: Waiter[] = [];
  #timer: NodeJS.Timeout | undefined;
  #closed: unknown;
  #rateLimited = 0;
  #slowdowns = 0;
  /** Below the target since a slowdown; `recovered` is due when the rate is back. */
  #belowTarget = false;

  constructor(options: RateLimiterOptions = {}) {
    super();
    const rate = options.ratePerSecond ?? 100;
    if (!(rate > 0)) throw new RangeError(`ratePerSecond must be > 0, got ${rate}`);
    this.#target = rate;
    this.#current = rate;
    this.#concurrency = Math.max(1, Math.floor(options.concurrency ?? 16));
    this.#burst = Math.max(1, options.burst ?? Math.max(2, Math.ceil(rate / 50)));
    this.#min = Math.min(rate, options.minRatePerSecond ?? 5);
    this.#recovery = options.recoveryPerSecond ?? rate / 10;
    this.#cooldown = options.decreaseCooldownMs ?? 1000;
    this.#windowMs = options.windowMs ?? 1050;
    this.#now = options.now ?? (() => performance.now());
    this.#tokens = this.#burst;
    this.#lastRefill = this.#now();
  }

  /** Calls per second the limiter currently lets through (below the target after a slowdown). */
  get currentRate(): number {
    this.#refill();
    return this.#current;
  }

  get targetRate(): number {
    return this.#target;
  }

  stats(): RateLimiterStats {
    return {
      targetRate: this.#target,
      currentRate: this.currentRate,
      inFlight: this.#inFlight,
      waiting: this.#slotQueue.length + this.#tokenQueue.length,
      rateLimited: this.#rateLimited,
      slowdowns: this.#slowdowns,
    };
  }

  /**
   * Runs `fn` once a concurrency slot and a rate token are free. Slot first, token second: a call
   * waiting for a slot does not hold a token. One `run` per HTTP attempt.
   */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.#acquireSlot();
    try {
      await this.#acquireToken();
      return await fn();
    } finally {
      this.#releaseSlot();
    }
  }

  /** The remote answered 1008 / 429: slow down (multiplicative decrease, once per cooldown). */
  onRateLimited(): void {
    this.#rateLimited++;
    this.#refill();
    const previous = this.#current;
    const now = this.#now();
    if (now - this.#lastDecrease >= this.#cooldown) {
      this.#lastDecrease = now;
      this.#current = Math.max(this.#min, previous / 2);
      this.#tokens = Math.min(this.#tokens, 0);
    }
    const slowedDown = this.#current < previous;
    if (slowedDown) {
      this.#slowdowns++;
      this.#belowTarget = true;
    }
    this.emit('rateLimited', { currentRate: this.#current, previousRate: previous, targetRate: this.#target, slowedDown });
  }

  /** Rejects every waiting call with `reason`, and every later one. */
  close(reason: unknown = new Error('rate limiter closed')): void {
    this.#closed = reason;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const w of this.#slotQueue.splice(0)) w.reject(reason);
    for (const w of this.#tokenQueue.splice(0)) w.reject(reason);
  }

  #acquireSlot(): Promise<void> {
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    if (this.#inFlight < this.#concurrency) {
      this.#inFlight++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.#slotQueue.push({ resolve, reject }));
  }

  #releaseSlot(): void {
    const next = this.#slotQueue.shift();
    if (next) next.resolve(); // the slot passes straight to the next waiter
    else this.#inFlight--;
  }

  #acquireToken(): Promise<void> {
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    this.#refill();
    if (this.#tokenQueue.length === 0 && this.#tokens >= 1 && this.#windowWaitMs() === 0) {
      this.#take();
      return Promise.resolve();
    }
    const p = new Promise<void>((resolve, reject) => this.#tokenQueue.push({ resolve, reject }));
    this.#schedule();
    return p;
  }

  #refill(): void {
    const now = this.#now();
    const dt = (now - this.#lastRefill) / 1000;
    if (dt <= 0) return;
    this.#lastRefill = now;
    if (this.#current < this.#target) {
      // Additive increase, only once the cooldown after the last halving has passed.
      const since = (now - this.#lastDecrease - this.#cooldown) / 1000;
      if (since > 0) this.#current = Math.min(this.#target, this.#current + this.#recovery * Math.min(dt, since));
    }
    if (this.#belowTarget && this.#current >= this.#target) {
      this.#belowTarget = false;
      this.emit('recovered', { targetRate: this.#target });
    }
    // While calls wait, a late timer or a stalled event loop must not cost throughput: tokens may
    // accrue up to a second's worth (they are owed to calls already waiting). Idle, the cap is `burst`.
    const cap = this.#tokenQueue.length > 0 ? Math.max(this.#burst, this.#current * CATCH_UP_SECONDS) : this.#burst;
    this.#tokens = Math.min(cap, this.#tokens + dt * this.#current);
  }

  #pump = (): void => {
    this.#timer = undefined;
    this.#refill();
    while (this.#tokenQueue.length > 0 && this.#tokens >= 1 && this.#windowWaitMs() === 0) {
      this.#take();
      this.#tokenQueue.shift()!.resolve();
    }
    this.#schedule();
  };

  #take(): void {
    this.#tokens -= 1;
    this.#starts.push(this.#now());
  }

  /** How long until the sliding window admits one more start (0 = now). */
  #windowWaitMs(): number {
    const now = this.#now();
    while (this.#starts.length > 0 && now - this.#starts[0]! >= this.#windowMs) this.#starts.shift();
    const allowed = Math.max(1, Math.floor(this.#current));
    if (this.#starts.length < allowed) return 0;
    // The start that must leave the window before another may begin.
    return this.#starts[this.#starts.length - allowed]! + this.#windowMs - now;
  }

  #schedule(): void {
    if (this.#timer || this.#tokenQueue.length === 0 || this.#closed !== undefined) return;
    const waitMs = Math.max(0, ((1 - this.#tokens) / this.#current) * 1000, this.#windowWaitMs());
    this.#timer = setTimeout(this.#pump, Math.ceil(waitMs));
  }
}
