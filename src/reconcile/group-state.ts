// Per-group bookkeeping after a run: drift age (first seen / cleared), consecutive failures with
// exponential backoff, quarantine after `quarantineAfter` failures, release.
import type { PrismaClient } from '../generated/prisma/client.js';

/** Backoff before retrying a failed group: 30 s, 1 min, 2 min, … capped at 1 h. */
export function backoffMs(failures: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, failures - 1), 3_600_000);
}

export interface GroupStateUpdate {
  groupId: string;
  /** The group differs from the tables after this run (drift remains or was just seen). */
  drift: 'seen' | 'cleared' | 'unchanged';
  /**
   * 'failure' backs off and counts towards quarantine — unless `transient` (RongCloud unavailable):
   * that backs off too but never quarantines. 'success' resets the failure count.
   */
  result?: { kind: 'success' } | { kind: 'failure'; code?: number; message: string; transient?: boolean };
}

/** Applies the updates; returns the groups that were quarantined by this call. */
export async function updateGroupStates(
  prisma: PrismaClient,
  updates: GroupStateUpdate[],
  now: Date,
  quarantineAfter: number,
): Promise<string[]> {
  const quarantined: string[] = [];
  const relevant = updates.filter((u) => u.drift !== 'unchanged' || u.result);
  if (relevant.length === 0) return quarantined;
  const existing = new Map(
    (await prisma.groupState.findMany({ where: { groupId: { in: relevant.map((u) => u.groupId) } } })).map((s) => [s.groupId, s]),
  );
  const writes = relevant.map((u) => {
    const cur = existing.get(u.groupId);
    const data: Record<string, unknown> = { updatedAt: now };
    if (u.drift === 'seen' && !cur?.driftFirstSeenAt) data['driftFirstSeenAt'] = now;
    if (u.drift === 'cleared') data['driftFirstSeenAt'] = null;
    if (u.result?.kind === 'success') {
      Object.assign(data, { consecutiveFailures: 0, nextAttemptAt: null, lastErrorCode: null, lastError: null });
    } else if (u.result?.kind === 'failure') {
      const failures = (cur?.consecutiveFailures ?? 0) + 1;
      Object.assign(data, {
        consecutiveFailures: failures,
        nextAttemptAt: new Date(now.getTime() + backoffMs(failures)),
        lastErrorCode: u.result.code ?? null,
        lastError: u.result.message.slice(0, 2000),
      });
      if (failures >= quarantineAfter && !cur?.quarantinedAt && !u.result.transient) {
        data['quarantinedAt'] = now;
        data['quarantineReason'] = `${failures} consecutive failed runs; last error: ${u.result.message.slice(0, 500)}`;
        quarantined.push(u.groupId);
      }
    }
    return prisma.groupState.upsert({
      where: { groupId: u.groupId },
      create: { groupId: u.groupId, ...data },
      update: data,
    });
  });
  // In slices: one transaction of a thousand upserts could outlive Prisma's transaction timeout.
  for (let i = 0; i < writes.length; i += 200) await prisma.$transaction(writes.slice(i, i + 200));
  return quarantined;
}

/** Clears quarantine and backoff (operator release, or the app changed the group). */
export async function releaseGroups(prisma: PrismaClient, groupIds: string[]): Promise<void> {
  if (groupIds.length === 0) return;
  await prisma.groupState.updateMany({
    where: { groupId: { in: groupIds } },
    data: { quarantinedAt: null, quarantineReason: null, consecutiveFailures: 0, nextAttemptAt: null },
  });
}
