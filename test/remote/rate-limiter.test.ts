// The shared limiter: holds the configured rate under a burst (measured by the emulator's own
// arrival timestamps), caps calls in flight, slows down on 1008 and recovers.
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { RateLimiter } from '../../src/remote/rate-limiter.js';
import { clientFor, emulator, json, tinyServer, type Emu } from './helpers.js';

let emu: Emu;
beforeAll(async () => {
  emu = await emulator({ rateLimitPerSecond: 0 });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => emu.reset());

/** Calls per second over the middle 80 % of the arrivals (drops the start-up burst and the tail). */
function steadyRate(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  const from = Math.floor(sorted.length * 0.1);
  const to = Math.ceil(sorted.length * 0.9) - 1;
  return ((to - from) / (sorted[to]! - sorted[from]!)) * 1000;
}

/** The most arrivals inside any window of `ms` (the remote's sliding-window count). */
function maxInWindow(times: number[], ms: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= ms) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}

describe('rate', () => {
  it('at the default 100/s, the limiter never starts more than 100 calls in any sliding second, and keeps pace', async () => {
    // Measured where the limiter decides: each call is stamped with the limiter's own clock reading
    // that let it start, so a busy machine cannot move the figure (a stall between the decision and
    // the call would bunch the calls' own timestamps). The window is a property of the limiter.
    let clock = 0;
    const limiter = new RateLimiter({ ratePerSecond: 100, concurrency: 64, now: () => (clock = performance.now()) });
    onTestFinished(() => limiter.close());
    const starts: number[] = [];
    await Promise.all(
      Array.from({ length: 600 }, () =>
        limiter.run(async () => {
          starts.push(clock);
          await new Promise((r) => setTimeout(r, 20)); // a call's round trip
        }),
      ),
    );
    expect(starts).toHaveLength(600);
    expect(maxInWindow(starts, 1000)).toBeLessThanOrEqual(100);
    // Paced just under the limit: ~95/s (100 per 1.05 s) on an idle machine; timers fire late on a
    // loaded one, so the floor is loose (the ceiling is the guarantee).
    const rate = steadyRate(starts);
    expect(rate).toBeGreaterThan(70);
    expect(rate).toBeLessThanOrEqual(100);
  }, 20_000);

  it('against RongCloud\'s own 100-per-second limit, a burst of 600 calls is all answered, a 1008 at most rarely', async () => {
    const strict = await emulator({ rateLimitPerSecond: 100 }); // the real service's limit
    const { client, events } = clientFor(strict.url, { rateLimitPerSecond: 100, concurrency: 64 });
    onTestFinished(async () => {
      client.close();
      await strict.close();
    });
    // Warm up (JIT, sockets) so the measured window is the limiter, not start-up.
    await Promise.all(Array.from({ length: 50 }, (_, i) => client.join({ id: `w${i}`, memberId: `w${i}` })));
    strict.reset();
    events.length = 0;
    // Distinct users: one user may be in at most 500 groups.
    await Promise.all(Array.from({ length: 600 }, (_, i) => client.join({ id: `g${i}`, memberId: `u${i}` })));
    expect(strict.calls().filter((c) => c.code === 200)).toHaveLength(600);
    expect(Object.keys(strict.state().groups)).toHaveLength(600);
    // On an idle machine not one call is refused (bench/quota.ts measures it: zero 1008 over a
    // 3000-call backlog). Here the emulator shares this process's event loop with the client, so
    // when other test files load the machine a stall bunches arrivals and some are refused (55 of
    // 600 seen in a loaded suite), then retried. Unpaced, most of the burst would be refused.
    const refused = events.filter((e) => e.outcome === 'rate_limited').length;
    expect(refused).toBeLessThan(150);
    expect(events.filter((e) => e.outcome !== 'ok' && e.outcome !== 'rate_limited')).toEqual([]);
  }, 30_000);

  it('one limiter shared by two clients holds the combined rate', async () => {
    const limiter = new RateLimiter({ ratePerSecond: 100, concurrency: 32 });
    const a = clientFor(emu.url, { limiter });
    const b = clientFor(emu.url, { limiter });
    await Promise.all([a.client.join({ id: 'wa', memberId: 'w' }), b.client.join({ id: 'wb', memberId: 'w' })]);
    emu.reset();
    await Promise.all(
      Array.from({ length: 300 }, (_, i) => (i % 2 ? a : b).client.join({ id: `s${i}`, memberId: `u${i}` })),
    );
    const rate = steadyRate(emu.calls().map((c) => c.at));
    // One budget for both: ~95/s (100 per 1.05 s window), far from the ~190/s of two limiters. The
    // arrivals are timed by the in-process emulator, and a loaded machine bunches or delays them
    // (106/s and 71/s seen in loaded suites), so the bounds only tell one budget from two; the
    // window itself is checked on the limiter's own clock above.
    expect(rate).toBeGreaterThan(50);
    expect(rate).toBeLessThan(135);
    expect(limiter.stats().inFlight).toBe(0);
    a.client.close(); // does not close the shared limiter
    expect(() => limiter.stats()).not.toThrow();
    await b.client.join({ id: 'after', memberId: 'u' });
    b.client.close();
    limiter.close();
  }, 20_000);
});

describe('concurrency', () => {
  it('never has more calls in flight than the cap', async () => {
    let open = 0;
    let maxOpen = 0;
    const srv = await tinyServer((_n, _r, res) => {
      open++;
      maxOpen = Math.max(maxOpen, open);
      setTimeout(() => {
        open--;
        json(res, 200, { code: 200 });
      }, 30);
    });
    const { client } = clientFor(srv.url, { concurrency: 4 });
    const started = Date.now();
    await Promise.all(Array.from({ length: 40 }, (_, i) => client.join({ id: `c${i}`, memberId: 'u' })));
    expect(maxOpen).toBe(4);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290); // 10 waves of 30 ms
    expect(client.limiter.stats()).toMatchObject({ inFlight: 0, waiting: 0 });
    client.close();
    await srv.close();
  });
});

describe('adaptive slowdown', () => {
  it('slows down when the remote limit is below the client rate, and every call succeeds', async () => {
    const strict = await emulator({ rateLimitPerSecond: 40 });
    const { client, events } = clientFor(strict.url, { rateLimitPerSecond: 160, concurrency: 16, maxRetries: 30 });
    const rates: number[] = [];
    const sampler = setInterval(() => rates.push(client.limiter.currentRate), 50);
    try {
      const n = 200;
      await Promise.all(Array.from({ length: n }, (_, i) => client.join({ id: `a${i}`, memberId: 'u' })));
      expect(Object.keys(strict.state().groups)).toHaveLength(n);
      const limited = events.filter((e) => e.outcome === 'rate_limited');
      expect(limited.length).toBeGreaterThan(0);
      for (const e of limited) expect(e).toMatchObject({ code: 1008, httpStatus: 429 });
      const stats = client.limiter.stats();
      expect(stats.slowdowns).toBeGreaterThanOrEqual(2);
      expect(Math.min(...rates)).toBeLessThanOrEqual(40);
      // Without the slowdown 3 in 4 attempts would bounce (160/s offered, 40/s admitted).
      expect(limited.length).toBeLessThan(n);
    } finally {
      clearInterval(sampler);
      client.close();
      await strict.close();
    }
  }, 30_000);
});

describe('RateLimiter (clock injected)', () => {
  it('halves once per cooldown, floors, and recovers additively after the cooldown', () => {
    let now = 0;
    const l = new RateLimiter({ ratePerSecond: 100, now: () => now });
    l.onRateLimited();
    l.onRateLimited();
    l.onRateLimited(); // same instant: one halving
    expect(l.currentRate).toBe(50);
    expect(l.stats()).toMatchObject({ rateLimited: 3, slowdowns: 1 });
    now = 900;
    expect(l.currentRate).toBe(50); // still in the cooldown
    now = 2000; // 1 s past the cooldown: +10/s per second
    expect(l.currentRate).toBeCloseTo(60, 5);
    now = 20_000;
    expect(l.currentRate).toBe(100); // back to the target, not beyond
    for (let i = 0; i < 10; i++) {
      now += 1000;
      l.onRateLimited();
    }
    expect(l.currentRate).toBe(5); // floor
  });

  it('tells every 1008 with the rate that follows, and once when the rate is back to the target', () => {
    let now = 0;
    const l = new RateLimiter({ ratePerSecond: 100, now: () => now });
    const events: unknown[] = [];
    l.on('rateLimited', (e) => events.push(['rateLimited', e]));
    l.on('recovered', (e) => events.push(['recovered', e]));
    l.onRateLimited();
    l.onRateLimited(); // same instant: told, but no second halving
    now = 1000;
    l.onRateLimited();
    expect(events).toEqual([
      ['rateLimited', { currentRate: 50, previousRate: 100, targetRate: 100, slowedDown: true }],
      ['rateLimited', { currentRate: 50, previousRate: 50, targetRate: 100, slowedDown: false }],
      ['rateLimited', { currentRate: 25, previousRate: 50, targetRate: 100, slowedDown: true }],
    ]);
    events.length = 0;
    now = 5000;
    void l.currentRate; // recovering, not there yet
    expect(events).toEqual([]);
    now = 60_000;
    void l.currentRate;
    void l.stats();
    expect(events).toEqual([['recovered', { targetRate: 100 }]]); // once
  });

  it('caps starts per sliding window even when a stall lets tokens pile up', async () => {
    vi.useFakeTimers();
    onTestFinished(() => void vi.useRealTimers());
    let now = 0;
    const l = new RateLimiter({ ratePerSecond: 10, concurrency: 1000, windowMs: 1000, now: () => now });
    const startedAt: number[] = [];
    const calls = Array.from({ length: 40 }, () => l.run(async () => void startedAt.push(now)));
    await vi.advanceTimersByTimeAsync(0);
    // The event loop "stalls" for 5 s: a second's worth of tokens is owed to the waiting calls…
    now = 5000;
    for (let step = 0; step < 1000 && startedAt.length < 40; step++) {
      now += 5;
      await vi.advanceTimersByTimeAsync(5);
    }
    await Promise.all(calls);
    expect(startedAt).toHaveLength(40);
    // …but no window of one second ever holds more than 10 starts.
    expect(maxInWindow(startedAt, 1000)).toBeLessThanOrEqual(10);
    l.close();
  });

  it('rejects waiters on close', async () => {
    const l = new RateLimiter({ ratePerSecond: 1, burst: 1, concurrency: 1 });
    await l.run(async () => {});
    const waiting = l.run(async () => 'never');
    l.close(new Error('bye'));
    await expect(waiting).rejects.toThrow('bye');
  });
});
