// The pieces whose behaviour depends on time or volume, checked with a clock and sizes passed in
// (no sleeping): the sliding-window limiter, the bounded call log, the PRNG.
import { describe, expect, it } from 'vitest';
import { CallLog } from '../../src/emulator/call-log.js';
import { mulberry32 } from '../../src/emulator/faults.js';
import { SlidingWindowLimiter } from '../../src/emulator/rate-limit.js';

describe('SlidingWindowLimiter', () => {
  it('admits N per sliding second, measured from each admitted request', () => {
    let now = 0;
    const limiter = new SlidingWindowLimiter(3, () => now);
    const at = (t: number) => {
      now = t;
      return limiter.tryAcquire();
    };
    expect([at(0), at(100), at(200), at(300)]).toEqual([true, true, true, false]);
    expect(at(999)).toBe(false);
    expect(at(1000)).toBe(true); // t=0 left the window
    expect(at(1000)).toBe(false); // t=100 is still in it
    expect(at(1100)).toBe(true);
    expect([at(5000), at(5000), at(5000), at(5000)]).toEqual([true, true, true, false]);
  });

  it('0 is off; setLimit forgets the window', () => {
    const now = 0;
    const limiter = new SlidingWindowLimiter(0, () => now);
    for (let i = 0; i < 1000; i++) expect(limiter.tryAcquire()).toBe(true);
    limiter.setLimit(1);
    expect([limiter.tryAcquire(), limiter.tryAcquire()]).toEqual([true, false]);
    limiter.setLimit(1);
    expect(limiter.tryAcquire()).toBe(true);
  });
});

describe('CallLog', () => {
  const call = (seq: number, ids: number) => ({
    seq,
    at: 0,
    path: '/group/join.json',
    params: { userId: Array.from({ length: ids }, (_, i) => `u${i}`) },
    status: 200,
    code: 200,
  });

  it('keeps the last maxRecords calls and counts every one', () => {
    const log = new CallLog(5, 1_000_000);
    for (let i = 0; i < 12; i++) log.record(call(log.begin('/group/join.json'), 1));
    expect(log.calls().map((c) => c.seq)).toEqual([8, 9, 10, 11, 12]);
    expect(log.calls(10).map((c) => c.seq)).toEqual([11, 12]);
    expect(log.counts()).toEqual({ '/group/join.json': 12, total: 12 });
  });

  it('evicts by retained parameter values too (big calls cannot exhaust memory)', () => {
    const log = new CallLog(1000, 2500);
    for (let i = 0; i < 5; i++) log.record(call(log.begin('/group/join.json'), 1000));
    expect(log.calls().map((c) => c.seq)).toEqual([4, 5]);
  });

  it('returns calls in seq order even when answered out of order (latency)', () => {
    const log = new CallLog();
    const a = log.begin('/a');
    const b = log.begin('/b');
    log.record(call(b, 0));
    log.record(call(a, 0));
    expect(log.calls().map((c) => c.seq)).toEqual([1, 2]);
  });
});

describe('mulberry32', () => {
  it('is deterministic per seed and spreads over [0, 1)', () => {
    const a = mulberry32(5);
    const b = mulberry32(5);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
    expect(mulberry32(6)()).not.toBe(mulberry32(5)());
  });
});
