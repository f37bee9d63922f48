// rongsync_group_state: per-group bookkeeping — what the last run concluded (last_status),
// drift age, consecutive failures with their backoff, quarantine, and the operator switches
// (pause, additive). settle.ts decides the values; this module stores and summarises them.
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import type { LastStatus, StateWrite } from '../reconcile/settle.js';

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
 * paused, then the last run's conclusion (`unchecked` before any run concluded anything).
 */
export type GroupCondition = 'quarantined' | 'failed' | 'unknown' | 'in_doubt' | LastStatus | 'unchecked';

/** Conditions in order of urgency (lists sort by it). */
export const CONDITION_ORDER: readonly GroupCondition[] = [
  'quarantined',
  'failed',
  'unknown',
  'in_doubt',
  'blocked',
  'unreconcilable',
  'paused',
  'drifted',
  'unchecked',
  'in_sync',
];

/** Conditions that are known drift: everything but in_sync and unchecked. */
const DRIFT_CONDITIONS: readonly GroupCondition[] = CONDITION_ORDER.filter((c) => c !== 'in_sync' && c !== 'unchecked');

/**
 * The one definition of a group's condition, as SQL over `s` (rongsync_group_state) and `d`
 * (rongsync_in_doubt), either possibly absent. A paused group that matches is in_sync.
 */
const CONDITION = Prisma.sql`
  CASE WHEN s.quarantined_at IS NOT NULL THEN 'quarantined'
       WHEN s.consecutive_failures > 0 THEN CASE WHEN s.last_status = 'unknown' THEN 'unknown' ELSE 'failed' END
       WHEN d.group_id IS NOT NULL THEN 'in_doubt'
       ELSE coalesce(s.last_status, 'unchecked') END`;

const CONDITION_REASON = Prisma.sql`
  CASE WHEN s.quarantined_at IS NOT NULL THEN s.quarantine_reason
       WHEN s.consecutive_failures > 0 THEN coalesce(s.last_error, s.last_reason)
       WHEN d.group_id IS NOT NULL THEN 'writes sent by run ' || coalesce(d.run_id::text, '?') || ' got no answer (' || array_to_string(d.calls, ', ') || ')'
       ELSE s.last_reason END`;

const RANK = Prisma.sql`array_position(${CONDITION_ORDER as string[]}::text[], condition)`;

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
  /** Groups by condition (drift conditions only). */
  counts: Partial<Record<GroupCondition, number>>;
  total: number;
  /** The first groups, most pressing condition first. */
  sample: WaitingGroup[];
}

interface ConditionRow {
  group_id: string;
  condition: GroupCondition;
  reason: string | null;
  next_attempt_at: string | null;
  since: string | null;
}

/** Every group with bookkeeping or a doubt, with its condition (groups never checked have neither). */
const CONDITIONS = Prisma.sql`
  SELECT coalesce(s.group_id, d.group_id) AS group_id, ${CONDITION} AS condition, ${CONDITION_REASON} AS reason,
         CASE WHEN s.quarantined_at IS NULL AND s.consecutive_failures > 0 THEN s.next_attempt_at END AS next_attempt_at,
         coalesce(s.quarantined_at, d.marked_at, s.drift_first_seen_at) AS since
    FROM rongsync_group_state s FULL JOIN rongsync_in_doubt d ON d.group_id = s.group_id`;

const date = (v: string | Date | null) => (v === null ? null : new Date(v));

/**
 * Known drift: every group rongsync knows still differs from the tables or cannot vouch for —
 * what makes `plan` and `apply` exit non-zero. `groupIds` narrows it to a scope.
 */
export async function knownDrift(prisma: Db, options: { groupIds?: string[]; sample?: number } = {}): Promise<KnownDrift> {
  const ids = options.groupIds ?? null;
  const [row] = await prisma.$queryRaw<[{ counts: Record<string, number> | null; sample: Array<ConditionRow & { rank: number }> }]>`
    WITH known AS (
      SELECT *, ${RANK} AS rank FROM (${CONDITIONS}) c
       WHERE condition = ANY(${DRIFT_CONDITIONS as string[]}::text[])
         AND (${ids}::text[] IS NULL OR group_id = ANY(${ids}::text[]))
    )
    SELECT (SELECT json_object_agg(condition, n) FROM (SELECT condition, count(*) AS n FROM known GROUP BY condition) c) AS counts,
           (SELECT coalesce(json_agg(k ORDER BY k.rank, k.group_id), '[]')
              FROM (SELECT * FROM known ORDER BY rank, group_id LIMIT ${options.sample ?? 20}) k) AS sample`;
  const counts: KnownDrift['counts'] = row.counts ?? {};
  const total = Object.values(counts).reduce((a, b) => a + (b ?? 0), 0);
  return {
    counts,
    total,
    sample: row.sample.map((r) => ({ groupId: r.group_id, condition: r.condition, reason: r.reason, nextAttemptAt: date(r.next_attempt_at), since: date(r.since) })),
  };
}

/** Every group rongsync knows of (tables, shadow, bookkeeping) counted by condition. */
export async function countByCondition(prisma: Db): Promise<Record<GroupCondition, number>> {
  const rows = await prisma.$queryRaw<Array<{ condition: GroupCondition; n: bigint }>>`
    WITH ids AS (
      SELECT id AS group_id FROM groups
      UNION SELECT group_id FROM rongsync_remote_groups WHERE member_count > 0
      UNION SELECT group_id FROM rongsync_group_state
      UNION SELECT group_id FROM rongsync_in_doubt
    )
    SELECT ${CONDITION} AS condition, count(*) AS n
      FROM ids LEFT JOIN rongsync_group_state s USING (group_id) LEFT JOIN rongsync_in_doubt d USING (group_id)
     GROUP BY 1`;
  const out = Object.fromEntries(CONDITION_ORDER.map((c) => [c, 0])) as Record<GroupCondition, number>;
  for (const r of rows) out[r.condition] = Number(r.n);
  return out;
}

export interface GroupListing {
  groupId: string;
  condition: GroupCondition;
  reason: string | null;
  nextAttemptAt: Date | null;
  since: Date | null;
  paused: boolean;
  checkedAt: Date | null;
  /** Members in the tables (null: not in the tables). */
  desiredMembers: number | null;
  /** Members RongCloud holds as rongsync last knew it. */
  remoteMembers: number | null;
}

/**
 * One page of groups, optionally of one condition, ordered by id (keyset paging: pass the last
 * id of a page as `after` for the next).
 */
export async function listGroups(prisma: Db, options: { condition?: GroupCondition; after?: string; limit: number; search?: string }): Promise<GroupListing[]> {
  const rows = await prisma.$queryRaw<Array<ConditionRow & { paused: boolean | null; checked_at: Date | null; desired: number | null; remote: number | null }>>`
    WITH ids AS (
      SELECT id AS group_id FROM groups
      UNION SELECT group_id FROM rongsync_remote_groups WHERE member_count > 0
      UNION SELECT group_id FROM rongsync_group_state
      UNION SELECT group_id FROM rongsync_in_doubt
    ), listed AS (
      SELECT ids.group_id, ${CONDITION} AS condition, ${CONDITION_REASON} AS reason,
             CASE WHEN s.quarantined_at IS NULL AND s.consecutive_failures > 0 THEN s.next_attempt_at END AS next_attempt_at,
             coalesce(s.quarantined_at, d.marked_at, s.drift_first_seen_at) AS since,
             s.paused, s.checked_at
        FROM ids LEFT JOIN rongsync_group_state s USING (group_id) LEFT JOIN rongsync_in_doubt d USING (group_id)
       WHERE (${options.after ?? null}::text IS NULL OR ids.group_id > ${options.after ?? null}::text)
         AND (${options.search ?? null}::text IS NULL OR strpos(ids.group_id, ${options.search ?? null}::text) > 0)
    )
    SELECT l.*,
           (SELECT count(*)::int FROM group_members m WHERE m.group_id = l.group_id) * CASE WHEN g.id IS NULL THEN NULL ELSE 1 END AS desired,
           r.member_count AS remote
      FROM listed l
      LEFT JOIN groups g ON g.id = l.group_id
      LEFT JOIN rongsync_remote_groups r ON r.group_id = l.group_id
     WHERE ${options.condition ?? null}::text IS NULL OR l.condition = ${options.condition ?? null}::text
     ORDER BY l.group_id COLLATE "C"
     LIMIT ${options.limit}`;
  return rows.map((r) => ({
    groupId: r.group_id,
    condition: r.condition,
    reason: r.reason,
    nextAttemptAt: date(r.next_attempt_at),
    since: date(r.since),
    paused: r.paused ?? false,
    checkedAt: r.checked_at,
    desiredMembers: r.desired,
    remoteMembers: r.remote,
  }));
}

/** Operator: never write these groups (they are still observed and reported). */
export async function pauseGroups(prisma: Db, groupIds: string[], now: Date): Promise<void> {
  if (groupIds.length === 0) return;
  await prisma.$executeRaw`
    INSERT INTO rongsync_group_state (group_id, paused, updated_at)
    SELECT id, true, ${now} FROM unnest(${groupIds}::text[]) AS id ORDER BY 1
    ON CONFLICT (group_id) DO UPDATE SET paused = true, updated_at = EXCLUDED.updated_at`;
}

/** Operator: write these groups again; returns the ones that were paused. */
export async function unpauseGroups(prisma: Db, groupIds: string[], now: Date): Promise<string[]> {
  if (groupIds.length === 0) return [];
  const rows = await prisma.$queryRaw<Array<{ group_id: string }>>`
    UPDATE rongsync_group_state SET paused = false, updated_at = ${now}
     WHERE group_id = ANY(${groupIds}::text[]) AND paused RETURNING group_id`;
  return rows.map((r) => r.group_id);
}

/** Quarantine state of these groups, locked for the transaction (release is all or nothing). */
export async function lockQuarantine(prisma: Db, groupIds: string[]): Promise<Map<string, boolean>> {
  const rows = await prisma.$queryRaw<Array<{ group_id: string; quarantined: boolean }>>`
    SELECT group_id, quarantined_at IS NOT NULL AS quarantined FROM rongsync_group_state
     WHERE group_id = ANY(${groupIds}::text[]) ORDER BY group_id FOR UPDATE`;
  return new Map(rows.map((r) => [r.group_id, r.quarantined]));
}

/** Quarantined groups, longest quarantined first. */
export async function listQuarantined(prisma: Db) {
  return prisma.groupState.findMany({ where: { quarantinedAt: { not: null } }, orderBy: [{ quarantinedAt: 'asc' }, { groupId: 'asc' }] });
}

/** Paused groups, by id (a paused group in sync is `in_sync` by condition, so it needs its own list). */
export async function listPaused(prisma: Db) {
  return prisma.groupState.findMany({ where: { paused: true }, orderBy: { groupId: 'asc' } });
}

/**
 * Of these ids, the groups rongsync knows nothing of: not in the tables, not in the shadow, no
 * bookkeeping and no doubt — the groups for which `explainGroup` has nothing to say.
 */
export async function unknownGroupIds(prisma: Db, groupIds: string[]): Promise<string[]> {
  if (groupIds.length === 0) return [];
  const rows = await prisma.$queryRaw<Array<{ id: string }>>`
    SELECT u.id FROM unnest(${groupIds}::text[]) AS u(id)
     WHERE NOT EXISTS (SELECT 1 FROM groups g WHERE g.id = u.id)
       AND NOT EXISTS (SELECT 1 FROM rongsync_remote_groups r WHERE r.group_id = u.id)
       AND NOT EXISTS (SELECT 1 FROM rongsync_group_state s WHERE s.group_id = u.id)
       AND NOT EXISTS (SELECT 1 FROM rongsync_in_doubt d WHERE d.group_id = u.id)`;
  return rows.map((r) => r.id);
}
