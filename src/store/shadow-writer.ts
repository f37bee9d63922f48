// Group commit for the shadow: the successful writes of one apply are recorded in as few
// statements as the database's pace allows. The first write goes out at once; writes that succeed
// while a statement is in flight wait for it and go out together in the next one (at most
// `maxBatch`, one write per group). Each caller's promise settles when its own write is durable,
// so a group's next call is sent only after its previous one is recorded, as before.
//
// Nothing is lost to the batching: until its statement commits, a write's group keeps its in-doubt
// mark (in-doubt.ts), so a crash in the window costs a read of the group, never a repeated write.
import type { PrismaClient } from '../generated/prisma/client.js';
import { recordWrites, type GroupWrite } from './shadow.js';

interface Waiting extends GroupWrite {
  resolve(): void;
  reject(e: unknown): void;
}

export interface ShadowWriter {
  /** Records one single-group write; resolves once it is durable in the shadow. */
  record(write: GroupWrite['write'], at: Date, release: string[]): Promise<void>;
  /** Writes recorded and statements sent so far (a batch that failed and was split counts each). */
  stats(): { writes: number; statements: number };
}

export function createShadowWriter(prisma: PrismaClient, maxBatch = 64): ShadowWriter {
  let queue: Waiting[] = [];
  let flushing = false;
  let writes = 0;
  let statements = 0;
  const send = async (batch: Waiting[]) => {
    statements++;
    await recordWrites(prisma, batch);
    writes += batch.length;
  };

  /** The next batch: queued writes in order, one per group (a later write to the same group waits). */
  const take = (): Waiting[] => {
    const batch: Waiting[] = [];
    const rest: Waiting[] = [];
    const groups = new Set<string>();
    for (const w of queue) {
      if (batch.length < maxBatch && !groups.has(w.write.groupId)) {
        batch.push(w);
        groups.add(w.write.groupId);
      } else rest.push(w);
    }
    queue = rest;
    return batch;
  };

  const flush = async () => {
    flushing = true;
    try {
      while (queue.length > 0) {
        const batch = take();
        try {
          await send(batch);
          for (const w of batch) w.resolve();
        } catch (e) {
          if (batch.length === 1) {
            batch[0]!.reject(e);
            continue;
          }
          // One bad row must not fail the others: record them one by one, so each caller learns
          // its own outcome (when the database is away, every one of them fails anyway).
          for (const w of batch) await send([w]).then(w.resolve, w.reject);
        }
      }
    } finally {
      flushing = false;
    }
  };

  return {
    record(write, at, release) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ write, at, release, resolve, reject });
        if (!flushing) void flush();
      });
    },
    stats: () => ({ writes, statements }),
  };
}
