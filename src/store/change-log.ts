// Reads and acknowledges the durable change log (rongsync_changes, filled by triggers).
// A run reads the change rows of its dirty groups when it starts and, once a group is settled,
// deletes exactly the rows it read: changes that arrive during the run stay and trigger the next
// one. Not "every row up to the highest id read": ids are taken when the app's statement runs, not
// when its transaction commits, so a row with a lower id can still become visible after the read
// (a transaction that wrote first but committed later) — deleting by id range would drop it
// unapplied. Nothing is lost while the service is down.
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';

export interface DirtyGroup {
  groupId: string;
  /** The change rows read for the group when the run started (deleted once it is settled). */
  changeIds: bigint[];
  /** When the oldest pending change was made. */
  since: Date;
  /** When the newest pending change was made. */
  latest: Date;
}

export interface DirtyQuery {
  /** Most groups to return, oldest change first. @default no limit */
  limit?: number;
  /** Only these groups. */
  groupIds?: string[];
  /** Include groups still waiting out a failure backoff (what `plan` lists). @default false */
  includeBackoff?: boolean;
}

/**
 * Dirty groups, oldest change first — by default leaving out groups still waiting out a failure
 * backoff, so a backlog of failing groups can't hide the ones behind it.
 */
export async function readDirtyGroups(prisma: PrismaClient, now: Date, query: DirtyQuery = {}): Promise<DirtyGroup[]> {
  const ids = query.groupIds ?? null;
  const rows = await prisma.$queryRaw<Array<{ group_id: string; change_ids: bigint[]; since: Date; latest: Date }>>`
    SELECT c.group_id, array_agg(c.id) AS change_ids, min(c.changed_at) AS since, max(c.changed_at) AS latest
      FROM rongsync_changes c LEFT JOIN rongsync_group_state s ON s.group_id = c.group_id
     WHERE (${query.includeBackoff ?? false} OR s.next_attempt_at IS NULL OR s.next_attempt_at <= ${now} OR s.quarantined_at IS NOT NULL)
       AND (${ids}::text[] IS NULL OR c.group_id = ANY(${ids}::text[]))
     GROUP BY c.group_id ORDER BY min(c.id) LIMIT ${query.limit ?? null}`;
  return rows.map((r) => ({ groupId: r.group_id, changeIds: r.change_ids.map(BigInt), since: r.since, latest: r.latest }));
}

/** Deletes the change rows these groups were read with. */
export async function ackChanges(prisma: PrismaClient, groups: Array<Pick<DirtyGroup, 'changeIds'>>): Promise<void> {
  const ids = groups.flatMap((g) => g.changeIds.map(String));
  if (ids.length === 0) return;
  await prisma.$executeRaw`DELETE FROM rongsync_changes WHERE id = ANY(${ids}::bigint[])`;
}

/**
 * Why rongsync marks a group dirty itself, and who asked (the row's `source`): an operator
 * releasing a quarantine or resuming a paused group, or a run leaving drift for the next one.
 */
const SOURCE_OF = { RELEASE: 'operator', RESUME: 'operator', DRIFT: 'rongsync' } as const;
export type DirtyReason = keyof typeof SOURCE_OF;

/**
 * Marks groups for the next run the way the app's triggers do — one rongsync_changes row each and
 * a NOTIFY that wakes a running `serve` (rongsync_record_changes, the triggers' own function) —
 * so inside a transaction both happen only if it commits.
 */
export async function markDirty(db: PrismaClient | Prisma.TransactionClient, groupIds: string[], reason: DirtyReason): Promise<void> {
  if (groupIds.length === 0) return;
  await db.$executeRaw`SELECT "rongsync_record_changes"(${groupIds}::text[], ${SOURCE_OF[reason]}, ${reason})`;
}

export interface Backlog {
  /** Groups with unacknowledged changes. */
  groups: number;
  /** When the oldest unacknowledged change was made (null: none). */
  oldestChangeAt: Date | null;
}

/** The dirty backlog: what `serve` still has to apply. */
export async function backlog(prisma: PrismaClient): Promise<Backlog> {
  const [r] = await prisma.$queryRaw<[{ groups: bigint; oldest: Date | null }]>`
    SELECT count(DISTINCT group_id) AS groups, min(changed_at) AS oldest FROM rongsync_changes`;
  return { groups: Number(r.groups), oldestChangeAt: r.oldest };
}

/** One group's unacknowledged change rows, oldest first. */
export async function pendingChanges(prisma: PrismaClient, groupId: string, limit = 50): Promise<Array<{ id: bigint; source: string; op: string; changedAt: Date }>> {
  const rows = await prisma.change.findMany({ where: { groupId }, orderBy: { id: 'asc' }, take: limit });
  return rows.map((r) => ({ id: r.id, source: r.source, op: r.op, changedAt: r.changedAt }));
}
