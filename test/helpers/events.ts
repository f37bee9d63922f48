// Waits on an emitter's typed events instead of polling: every emission is recorded from the
// moment of the call, and `until` resolves with the first one (already seen or still to come)
// that matches, so an event that fires before the test starts waiting is not missed.
import type { EventEmitter } from 'node:events';

export interface EventLog<A extends unknown[]> {
  /** Every emission so far, in order: each one's arguments. */
  readonly seen: A[];
  /** The first emission (seen, or to come) for which `test(args, index)` holds. */
  until(test: (args: A, index: number) => boolean, what: string, timeoutMs?: number): Promise<A>;
}

export function recordEvents<M extends Record<keyof M, unknown[]>, K extends keyof M & string>(emitter: EventEmitter<M>, event: K): EventLog<M[K]> {
  const seen: M[K][] = [];
  const waiting = new Set<(args: M[K], index: number) => void>();
  (emitter as unknown as EventEmitter).on(event, (...args: unknown[]) => {
    seen.push(args as M[K]);
    for (const w of [...waiting]) w(args as M[K], seen.length - 1);
  });
  return {
    seen,
    until(test, what, timeoutMs = 15_000) {
      const found = seen.findIndex((a, i) => test(a, i));
      if (found >= 0) return Promise.resolve(seen[found]!);
      return new Promise<M[K]>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(check);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${seen.length} '${event}' event(s) seen)`));
        }, timeoutMs);
        const check = (args: M[K], index: number) => {
          if (!test(args, index)) return;
          clearTimeout(timer);
          waiting.delete(check);
          resolve(args);
        };
        waiting.add(check);
      });
    },
  };
}
