// RongCloud's rate limit: N requests per sliding one-second window. A ring buffer holds the
// arrival times of the last N admitted requests; a request is admitted when the oldest of them
// is at least a second old, so each check is O(1) whatever the rate.
export class SlidingWindowLimiter {
  private times: Float64Array;
  private next = 0;
  private filled = 0;

  constructor(
    private perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.times = new Float64Array(Math.max(perSecond, 0));
  }

  get limit(): number {
    return this.perSecond;
  }

  /** Changes the rate (0 = off) and forgets the window. */
  setLimit(perSecond: number): void {
    this.perSecond = perSecond;
    this.times = new Float64Array(Math.max(perSecond, 0));
    this.reset();
  }

  reset(): void {
    this.next = 0;
    this.filled = 0;
  }

  /** True when the request is admitted (and counted in the window). */
  tryAcquire(): boolean {
    if (this.perSecond <= 0) return true;
    const t = this.now();
    if (this.filled < this.perSecond) {
      this.filled++;
    } else if (t - this.times[this.next]! < 1000) {
      return false;
    }
    // `next` is the oldest slot once the ring is full.
    this.times[this.next] = t;
    this.next = (this.next + 1) % this.perSecond;
    return true;
  }
}
