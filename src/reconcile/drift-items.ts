// rongsync_drift_items: one row per group a run found not in sync — written per batch by the run,
// read back by reports (report/load.ts) and by a group's history.
import type { PrismaClient } from '../generated/prisma/client.js';
import type { GroupOutcome } from './settle.js';

/** Stores a batch's items in slices, so a run over 100k groups never builds one huge insert. */
export async function writeDriftItems(prisma: PrismaClient, runId: number, items: GroupOutcome[]): Promise<void> {
  for (let i = 0; i < items.length; i += 500) {
    await prisma.driftItem.createMany({ data: items.slice(i, i + 500).map((it) => ({ runId, ...it })) });
  }
}

export interface DriftHistoryEntry {
  runId: number;
  at: Date;
  trigger: string;
  mode: string;
  kind: string;
  outcome: string;
  missingMembers: string[];
  extraMembers: string[];
  reason: string | null;
  errorCode: number | null;
}

/** What the latest runs found about one group, newest first. */
export async function driftHistory(prisma: PrismaClient, groupId: string, limit = 20): Promise<DriftHistoryEntry[]> {
  const rows = await prisma.driftItem.findMany({ where: { groupId }, orderBy: { id: 'desc' }, take: limit, include: { run: true } });
  return rows.map((r) => ({
    runId: r.runId,
    at: r.run.startedAt,
    trigger: r.run.trigger,
    mode: r.run.mode,
    kind: r.kind,
    outcome: r.outcome,
    missingMembers: r.missingMembers,
    extraMembers: r.extraMembers,
    reason: r.reason,
    errorCode: r.errorCode,
  }));
}
