// rongsync_group_state: per-group bookkeeping — what the last run concluded (last_status),
// drift age, consecutive failures with their backoff, quarantine, and the operator switches
// (pause, additive). settle.ts decides the values; this module stores and summarises them.
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { LastStatus, StateWrite } from './settle.js';

type Db = PrismaClient | Prisma.TransactionClient;

/**
 * Stores what settle concluded, set-based (two statements per batch whatever its size). Only the
 * run-owned columns are written, so an operator's pause or release made meanwhile is kept — except
 * that a quarantine decided by this run wins.
 */
export async function writeStates(prisma: Db, states: StateWrite[], now: Date): Promise<void> {
  if (states.length === 0) return;
  const rows = states.map((s) => ({
    group_id: s.groupId,
    drift_first_seen_at: s.driftFirstSeenAt?.toISOString() ?? null,
    last_status: s.lastStatus,
    last_reason: s.lastReason?.slice(0, 4000) ?? null,
    set_failure: s.failure !== undefined,
    consecutive_failures: s.failure?.consecutiveFailures ?? 0,
    next_attempt_at: s.failure?.nextAttemptAt?.toISOString() ?? null,
    last_error_code: s.failure?.lastErrorCode ?? null,
    last_error: s.failure?.lastError ?? null,
    quarantine: s.quarantine !== undefined,
    quarantined_at: s.quarantine?.at.toISOString() ?? null,
    quarantine_reason: s.quarantine?.reason ?? null,
  }));
  const json = JSON.stringify(rows);
  await prisma.$executeRaw`
    INSERT INTO rongsync_group_state (group_id)
    SELECT x.group_id FROM jsonb_to_recordset(${json}::jsonb) AS x(group_id text) ORDER BY 1
    ON CONFLICT (group_id) DO NOTHING`;
  await prisma.$executeRaw`
    UPDATE rongsync_group_state s SET
      drift_first_seen_at = x.drift_first_seen_at,
      last_status = x.last_status, last_reason = x.last_reason, checked_at = ${now},
      consecutive_failures = CASE WHEN x.set_failure THEN x.consecutive_failures ELSE s.consecutive_failures END,
      next_attempt_at = CASE WHEN x.set_failure THEN x.next_attempt_at ELSE s.next_attempt_at END,
      last_error_code = CASE WHEN x.set_failure THEN x.last_error_code ELSE s.last_error_code END,
      last_error = CASE WHEN x.set_failure THEN x.last_error ELSE s.last_error END,
      quarantined_at = CASE WHEN x.quarantine THEN x.quarantined_at ELSE s.quarantined_at END,
      quarantine_reason = CASE WHEN x.quarantine THEN x.quarantine_reason ELSE s.quarantine_reason END,
      updated_at = ${now}
      FROM jsonb_to_recordset(${json}::jsonb) AS x(
        group_id text, drift_first_seen_at timestamptz, last_status text, last_reason text, set_failure boolean,
        consecutive_failures int, next_attempt_at timestamptz, last_error_code int, last_error text,
        quarantine boolean, quarantined_at timestamptz, quarantine_reason text)
     WHERE s.group_id = x.group_id`;
}

/** Clears quarantine and backoff (operator release, or the app changed the group). */
export async function releaseGroups(prisma: Db, groupIds: string[]): Promise<void> {
  if (groupIds.length === 0) return;
  await prisma.groupState.updateMany({
    where: { groupId: { in: groupIds } },
    data: { quarantinedAt: null, quarantineReason: null, consecutiveFailures: 0, nextAttemptAt: null },
  });
}

/**
 * Where a group stands between runs, most pressing first: quarantined, failed (backing off;
 * `unknown` when it was the read that failed), in doubt (a write may have landed unrecorded),
 * then the last run's conclusion.
 */
export type GroupCondition = 'in_doubt' | 'quarantined' | 'failed' | LastStatus;

export interface WaitingGroup {
  groupId: string;
  condition: GroupCondition;
  reason: string | null;
  /** When a failed group is retried. */
  nextAttemptAt: Date | null;
  /** Since when the group differs (or is in doubt). */
  since: Date | null;
}

export interface KnownDrift {
  /** Groups by condition; in_sync groups are not counted. */
  counts: Partial<Record<GroupCondition, number>>;
  total: number;
  /** The first groups, most pressing condition first. */
  sample: WaitingGroup[];
}

/**
 * Known drift: every group rongsync knows still differs from the tables or cannot vouch for —
 * what makes `plan` and `apply` exit non-zero. `groupIds` narrows it to a scope.
 */
export async function knownDrift(prisma: Db, options: { groupIds?: string[]; sample?: number } = {}): Promise<KnownDrift> {
  const ids = options.groupIds ?? null;
  const [row] = await prisma.$queryRaw<[{ counts: Record<string, number> | null; sample: Array<{ group_id: string; condition: GroupCondition; reason: string | null; next_attempt_at: string | null; since: string | null }> }]>`
    WITH waiting AS (
      SELECT coalesce(s.group_id, d.group_id) AS group_id,
             CASE WHEN s.quarantined_at IS NOT NULL THEN 'quarantined'
                  WHEN s.consecutive_failures > 0 THEN CASE WHEN s.last_status = 'unknown' THEN 'unknown' ELSE 'failed' END
                  WHEN d.group_id IS NOT NULL THEN 'in_doubt'
                  ELSE s.last_status END AS condition,
             CASE WHEN s.quarantined_at IS NOT NULL THEN s.quarantine_reason
                  WHEN s.consecutive_failures > 0 THEN coalesce(s.last_error, s.last_reason)
                  WHEN d.group_id IS NOT NULL THEN 'writes sent by run ' || coalesce(d.run_id::text, '?') || ' got no answer (' || array_to_string(d.calls, ', ') || ')'
                  ELSE s.last_reason END AS reason,
             CASE WHEN s.quarantined_at IS NULL AND s.consecutive_failures > 0 THEN s.next_attempt_at END AS next_attempt_at,
             coalesce(s.quarantined_at, d.marked_at, s.drift_first_seen_at) AS since
        FROM rongsync_group_state s FULL JOIN rongsync_in_doubt d ON d.group_id = s.group_id
       WHERE ${ids}::text[] IS NULL OR coalesce(s.group_id, d.group_id) = ANY(${ids}::text[])
    ), known AS (
      SELECT *, array_position(ARRAY['quarantined','failed','unknown','in_doubt','blocked','unreconcilable','paused','drifted'], condition) AS rank
        FROM waiting WHERE condition IS NOT NULL AND condition <> 'in_sync'
    )
    SELECT (SELECT json_object_agg(condition, n) FROM (SELECT condition, count(*) AS n FROM known GROUP BY condition) c) AS counts,
           (SELECT coalesce(json_agg(k ORDER BY k.rank, k.group_id), '[]')
              FROM (SELECT group_id, condition, reason, next_attempt_at, since, rank FROM known ORDER BY rank, group_id LIMIT ${options.sample ?? 20}) k) AS sample`;
  const counts: KnownDrift['counts'] = row.counts ?? {};
  const total = Object.values(counts).reduce((a, b) => a + (b ?? 0), 0);
  const date = (s: string | null) => (s === null ? null : new Date(s));
  return {
    counts,
    total,
    sample: row.sample.map((r) => ({ groupId: r.group_id, condition: r.condition, reason: r.reason, nextAttemptAt: date(r.next_attempt_at), since: date(r.since) })),
  };
}
