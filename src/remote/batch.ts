// RongCloud takes at most 1000 user ids per create/join/quit call. Longer lists become several
// calls, made one after another (in order, so the progress is a prefix), and a failure part-way
// carries how far it got.
import { RemoteEdgeError } from './errors.js';

export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!(size >= 1)) throw new RangeError(`chunk size must be >= 1, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Runs `call` per batch of `ids`, sequentially. If batch k fails, the error is rethrown with
 * `completedIds` = the ids of batches 0..k-1 and `pendingIds` = the rest.
 */
export async function runBatches(ids: readonly string[], size: number, call: (batch: string[], index: number) => Promise<void>): Promise<void> {
  const batches = chunk(ids, size);
  let done = 0;
  for (const [i, batch] of batches.entries()) {
    try {
      await call(batch, i);
    } catch (e) {
      if (e instanceof RemoteEdgeError) {
        if (batches.length > 1) e.withProgress(ids.slice(0, done), ids.slice(done));
        else e.pendingIds = ids.slice();
      }
      throw e;
    }
    done += batch.length;
  }
}
