// A burst of events becomes one line at once and one line per interval after it.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Throttle } from '../../src/log/throttle.js';

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

describe('Throttle', () => {
  it('emits the first event at once, then one line per interval for the rest of a burst', () => {
    const lines: Array<[number, number]> = [];
    const t = new Throttle<number>((e, n) => lines.push([e, n]), 10_000);
    t.push(1);
    expect(lines).toEqual([[1, 1]]);
    for (let i = 2; i <= 50; i++) t.push(i); // a burst: nothing more yet
    expect(lines).toEqual([[1, 1]]);
    vi.advanceTimersByTime(10_000);
    expect(lines).toEqual([[1, 1], [50, 49]]);
    t.push(51);
    vi.advanceTimersByTime(9_999);
    expect(lines).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(lines).toEqual([[1, 1], [50, 49], [51, 1]]);
    // A quiet interval: the next event is logged at once again.
    vi.advanceTimersByTime(10_000);
    t.push(52);
    expect(lines.at(-1)).toEqual([52, 1]);
  });

  it('close() logs what is held back and leaves no timer behind', () => {
    const lines: Array<[string, number]> = [];
    const t = new Throttle<string>((e, n) => lines.push([e, n]), 10_000);
    t.push('a');
    t.push('b');
    t.push('c');
    t.close();
    expect(lines).toEqual([['a', 1], ['c', 2]]);
    expect(vi.getTimerCount()).toBe(0);
    t.close();
    expect(lines).toHaveLength(2);
  });
});
