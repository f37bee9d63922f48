// rongsync_drift_items: one row per group a run found not in sync — written per batch by the run,
// read back by reports (report/load.ts) and by a group's history.
import type { PrismaClient } from '../generated/prisma/client.js';
import { storableText } from '../db/text.js';
import type { GroupOutcome } from '../reconcile/types.js';

/**
 * Stores a batch's items in slices, so a run over 100k groups never builds one huge insert. One
 * JSON parameter per slice: Prisma's createMany binds every field of every row as its own
 * parameter, which cost an initial load more CPU than its HTTP calls.
 */
export async function writeDriftItems(prisma: PrismaClient, runId: number, items: GroupOutcome[]): Promise<void> {
  for (let i = 0; i < items.length; i += 500) {
    const rows = items.slice(i, i + 500).map((it) => ({
      group_id: it.groupId,
      kind: it.kind,
      outcome: it.outcome,
      missing_members: it.missingMembers,
      extra_members: it.extraMembers,
      desired_name: storableText(it.desiredName),
      remote_name: storableText(it.remoteName),
      reason: storableText(it.reason),
      error_code: it.errorCode,
      first_seen_at: it.firstSeenAt.toISOString(),
    }));
    await prisma.$executeRaw`
      INSERT INTO rongsync_drift_items
        (run_id, group_id, kind, outcome, missing_members, extra_members, desired_name, remote_name, reason, error_code, first_seen_at)
      SELECT ${runId}, x.* FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(group_id text, kind text, outcome text,
        missing_members text[], extra_members text[], desired_name text, remote_name text, reason text, error_code int, first_seen_at timestamptz)`;
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
