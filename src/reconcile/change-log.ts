// Reads and acknowledges the durable change log (rongsync_changes, filled by triggers).
// A run takes a watermark (the highest change id per group) when it starts and, once a group is
// settled, deletes only the rows up to that watermark: changes that arrive during the run stay
// and trigger the next one. Nothing is lost while the service is down.
import type { PrismaClient } from '../generated/prisma/client.js';

export interface DirtyGroup {
  groupId: string;
  /** Highest change id seen for the group when the run started. */
  watermark: bigint;
  /** When the oldest pending change was made. */
  since: Date;
  /** When the newest pending change was made. */
  latest: Date;
}

/**
 * Dirty groups, oldest change first — leaving out groups still waiting out a failure backoff, so
 * a backlog of failing groups can't hide the ones behind it.
 */
export async function readDirtyGroups(prisma: PrismaClient, limit: number, now: Date): Promise<DirtyGroup[]> {
  const rows = await prisma.$queryRaw<Array<{ group_id: string; watermark: bigint; since: Date; latest: Date }>>`
    SELECT c.group_id, max(c.id) AS watermark, min(c.changed_at) AS since, max(c.changed_at) AS latest
      FROM rongsync_changes c LEFT JOIN rongsync_group_state s ON s.group_id = c.group_id
     WHERE s.next_attempt_at IS NULL OR s.next_attempt_at <= ${now} OR s.quarantined_at IS NOT NULL
     GROUP BY c.group_id ORDER BY min(c.id) LIMIT ${limit}`;
  return rows.map((r) => ({ groupId: r.group_id, watermark: r.watermark, since: r.since, latest: r.latest }));
}

/** Deletes the change rows of these groups up to their watermarks. */
export async function ackChanges(prisma: PrismaClient, groups: Array<Pick<DirtyGroup, 'groupId' | 'watermark'>>): Promise<void> {
  if (groups.length === 0) return;
  const ids = groups.map((g) => g.groupId);
  const marks = groups.map((g) => g.watermark.toString());
  await prisma.$executeRaw`
    DELETE FROM rongsync_changes c
     USING unnest(${ids}::text[], ${marks}::bigint[]) AS a(group_id, watermark)
     WHERE c.group_id = a.group_id AND c.id <= a.watermark`;
}

/** Marks groups dirty on rongsync's own behalf (operator release, resume). */
export async function markDirty(prisma: PrismaClient, groupIds: string[], op: string): Promise<void> {
  if (groupIds.length === 0) return;
  await prisma.$executeRaw`
    INSERT INTO rongsync_changes (group_id, source, op) SELECT u, 'rongsync', ${op} FROM unnest(${groupIds}::text[]) u`;
}
