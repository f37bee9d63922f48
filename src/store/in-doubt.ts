// The write-ahead marks of rongsync_in_doubt. A remote write can land without rongsync hearing the
// answer (a kill, a lost leader, a timeout): the shadow then no longer says what RongCloud holds,
// and planning from it could repeat the write or, worse, conclude "in sync" over a difference.
// So every group a write may change is marked before the write is sent, and the mark is released
// in the transaction that records the write in the shadow (or when the write surely did not land:
// refused, or never sent). A group still marked is read from RongCloud before it is planned; a
// successful read of it clears the mark.
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';

type Db = PrismaClient | Prisma.TransactionClient;

/** One group's marks for a batch: how many writes may change it and what they are. */
export interface Intent {
  groupId: string;
  pending: number;
  calls: string[];
}

/** Marks groups in doubt before their writes are sent (one statement for the whole batch). */
export async function markInDoubt(prisma: Db, runId: number, intents: Intent[], at: Date): Promise<void> {
  if (intents.length === 0) return;
  const rows = intents.map((i) => ({ group_id: i.groupId, pending: i.pending, calls: i.calls.slice(0, 20) }));
  // A group already marked (a write of an earlier run still unsettled, not read yet) stays in
  // doubt until both are settled: the counts add up.
  await prisma.$executeRaw`
    INSERT INTO rongsync_in_doubt AS d (group_id, run_id, pending, calls, marked_at)
    SELECT x.group_id, ${runId}, x.pending, x.calls, ${at}
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(group_id text, pending int, calls text[])
     ORDER BY x.group_id
    ON CONFLICT (group_id) DO UPDATE SET
      run_id = EXCLUDED.run_id, pending = d.pending + EXCLUDED.pending,
      calls = (d.calls || EXCLUDED.calls)[greatest(1, cardinality(d.calls || EXCLUDED.calls) - 19):],
      marked_at = EXCLUDED.marked_at`;
}

/** Group id → how many of its writes are settled. */
export function settledCounts(groupIds: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const g of groupIds) counts.set(g, (counts.get(g) ?? 0) + 1);
  return counts;
}

/**
 * The settlement as common table expressions, for the WITH list of a statement that records the
 * writes' effect (so both commit together): each group counts its settled writes down, and a
 * group with nothing left pending is no longer in doubt.
 */
export function settleInDoubt(counts: Map<string, number>): Prisma.Sql {
  const rows = JSON.stringify([...counts].map(([group_id, n]) => ({ group_id, n })));
  return Prisma.sql`
    settled_n AS (SELECT * FROM jsonb_to_recordset(${rows}::jsonb) AS s(group_id text, n int)),
    settled AS (UPDATE rongsync_in_doubt d SET pending = d.pending - s.n FROM settled_n s WHERE d.group_id = s.group_id AND d.pending > s.n),
    cleared AS (DELETE FROM rongsync_in_doubt d USING settled_n s WHERE d.group_id = s.group_id AND d.pending <= s.n)`;
}

/** Settles many writes at once: group id → number of writes that surely did not land. */
export async function releaseMany(prisma: Db, counts: Map<string, number>): Promise<void> {
  if (counts.size === 0) return;
  await prisma.$executeRaw`WITH ${settleInDoubt(counts)} SELECT 1`;
}

/** A fresh read of these groups says what RongCloud holds: nothing about them is in doubt now. */
export async function clearInDoubt(prisma: Db, groupIds: string[]): Promise<void> {
  if (groupIds.length === 0) return;
  await prisma.$executeRaw`DELETE FROM rongsync_in_doubt WHERE group_id = ANY(${groupIds}::text[])`;
}

export interface InDoubtGroup {
  groupId: string;
  runId: number | null;
  pending: number;
  calls: string[];
  markedAt: Date;
}

/** Every group in doubt (a handful after a crash; at most the writes of one batch). */
export async function listInDoubt(prisma: Db, groupIds?: string[]): Promise<InDoubtGroup[]> {
  const rows = await prisma.inDoubt.findMany({
    ...(groupIds ? { where: { groupId: { in: groupIds } } } : {}),
    orderBy: { groupId: 'asc' },
  });
  return rows.map((r) => ({ groupId: r.groupId, runId: r.runId, pending: r.pending, calls: r.calls, markedAt: r.markedAt }));
}
