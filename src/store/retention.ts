// History retention. Every remote call is logged (at RongCloud's 100 calls/s that is up to 8.6
// million rows a day) and every run writes its drift items, so without pruning these tables grow
// without bound. The service prunes after each cron run; `rongsync prune` does it by hand.
// Deletes go in small batches so a big backlog never holds long locks or one huge transaction, and
// the newest run is always kept so `rongsync report` has something to show after a quiet spell.
import type { PrismaClient } from '../generated/prisma/client.js';

export interface PruneResult {
  /** Runs older than the cutoff that were deleted. */
  runs: number;
  driftItems: number;
  calls: number;
}

const PRUNE_BATCH = 5000;

const DAY_MS = 86_400_000;

/** The cutoff for a retention of `days` (0 = keep forever → undefined). */
export function retentionCutoff(days: number, now: Date): Date | undefined {
  return days > 0 ? new Date(now.getTime() - days * DAY_MS) : undefined;
}

/** Deletes runs (with their drift items) that started before `olderThan`, and calls made before it. */
export async function pruneHistory(prisma: PrismaClient, olderThan: Date, batch = PRUNE_BATCH): Promise<PruneResult> {
  const calls = await repeat(
    () => prisma.$executeRaw`
      DELETE FROM rongsync_remote_calls WHERE id IN (
        SELECT id FROM rongsync_remote_calls WHERE at < ${olderThan} ORDER BY id LIMIT ${batch})`,
    batch,
  );
  // Run ids grow with start time (one leader, runs never overlap), so "before the first run to keep"
  // is an id range that both tables can be cut by.
  const [{ keep_from: keepFrom }] = await prisma.$queryRaw<[{ keep_from: number | null }]>`
    SELECT coalesce(
      (SELECT min(id) FROM rongsync_runs WHERE started_at >= ${olderThan}),
      (SELECT max(id) FROM rongsync_runs)) AS keep_from`;
  if (keepFrom === null) return { runs: 0, driftItems: 0, calls };
  const driftItems = await repeat(
    () => prisma.$executeRaw`
      DELETE FROM rongsync_drift_items WHERE id IN (
        SELECT id FROM rongsync_drift_items WHERE run_id < ${keepFrom} ORDER BY id LIMIT ${batch})`,
    batch,
  );
  const runs = await repeat(
    () => prisma.$executeRaw`
      DELETE FROM rongsync_runs WHERE id IN (
        SELECT id FROM rongsync_runs WHERE id < ${keepFrom} ORDER BY id LIMIT ${batch})`,
    batch,
  );
  return { runs, driftItems, calls };
}

async function repeat(deleteBatch: () => Promise<number>, batch: number): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await deleteBatch();
    total += n;
    if (n < batch) return total;
  }
}
