// rongsync_runs as the reconciler writes it: a row when a run starts, a heartbeat per batch, the
// outcome when it ends — and, for a run whose process died, `interrupted`. (report/load.ts reads
// these rows for reports.)
import type { PrismaClient } from '../generated/prisma/client.js';
import type { RunCounts, RunMode, RunStatus, RunTrigger } from '../reconcile/types.js';

export async function createRun(prisma: PrismaClient, run: { trigger: RunTrigger; mode: RunMode; startedAt: Date }): Promise<number> {
  const row = await prisma.run.create({ data: { ...run, heartbeatAt: run.startedAt } });
  return row.id;
}

/** A sign of life between batches: an abandoned run can then say when it was last seen. */
export async function heartbeat(prisma: PrismaClient, runId: number, at: Date): Promise<void> {
  await prisma.run.update({ where: { id: runId }, data: { heartbeatAt: at } });
}

export interface RunOutcome {
  status: RunStatus;
  finishedAt: Date;
  durationMs: number;
  counts: RunCounts;
  calls: Record<string, Record<string, number>>;
  details: Record<string, unknown>;
  error: string | null;
}

export async function finishRun(prisma: PrismaClient, runId: number, o: RunOutcome): Promise<void> {
  await prisma.run.update({
    where: { id: runId },
    data: {
      status: o.status,
      finishedAt: o.finishedAt,
      heartbeatAt: o.finishedAt,
      durationMs: o.durationMs,
      groupsChecked: o.counts.checked,
      inSync: o.counts.inSync,
      drifted: o.counts.drifted,
      fixed: o.counts.fixed,
      failed: o.counts.failed,
      unreconcilable: o.counts.unreconcilable,
      quarantined: o.counts.quarantined,
      unknown: o.counts.unknown,
      calls: o.calls as object,
      details: o.details as object,
      error: o.error,
    },
  });
}

/**
 * Marks every run still `running` as `interrupted`. Only the holder of the run lock may call this:
 * every run holds that lock while it runs, so a run found `running` then belongs to a process that
 * died (killed, crashed, lost power or its database session) without finishing it.
 */
export async function markInterrupted(prisma: PrismaClient, now: Date): Promise<number[]> {
  const rows = await prisma.$queryRaw<Array<{ id: number }>>`
    UPDATE rongsync_runs
       SET status = 'interrupted',
           finished_at = coalesce(heartbeat_at, started_at),
           duration_ms = (extract(epoch FROM coalesce(heartbeat_at, started_at) - started_at) * 1000)::int,
           error = 'interrupted: the process running it stopped without finishing it (killed, crashed or cut off from the database); last seen '
                   || to_char(coalesce(heartbeat_at, started_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                   || ', found by the run that started at '
                   || to_char(${now}::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
     WHERE status = 'running'
     RETURNING id`;
  return rows.map((r) => r.id);
}
