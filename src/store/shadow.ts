// The shadow of the remote (rongsync_remote_groups): what rongsync believes RongCloud holds per
// group. Updated right after every successful write (so a crash loses nothing and a restart does
// not repeat finished work) and after every getMembers read. A row with no members means "known
// not to exist remotely" (RongCloud groups exist through their members) and keeps its read_at for
// the verification schedule.
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { SHADOW_SYNC_LOCK_KEY } from '../db/lock-keys.js';
import { settledCounts, settleInDoubt } from './in-doubt.js';
import { membersHash, sortIds } from '../reconcile/members.js';

export interface ShadowGroup {
  groupId: string;
  /** Last name rongsync wrote; null = unknown (getMembers does not return names). */
  name: string | null;
  /** Sorted member ids. */
  members: string[];
  createdByRongsync: boolean;
  readAt: Date | null;
  writtenAt: Date | null;
  /** groups.owner_id when last seen in the tables (kept for the dismiss after the row is gone). */
  ownerId?: string | null;
}

/** The effect of one successful remote write, in shadow terms. */
export type ShadowWrite =
  | { kind: 'create'; groupId: string; name: string; memberIds: string[] }
  | { kind: 'invite'; groupId: string; memberIds: string[]; name?: string }
  | { kind: 'kick'; groupId: string; memberIds: string[] }
  | { kind: 'refresh'; groupId: string; name: string }
  | { kind: 'dismiss'; groupId: string }
  | { kind: 'sync'; userId: string; groups: { id: string; name: string }[] };


type Tx = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

interface Row {
  group_id: string;
  name: string | null;
  members: string[] | null;
  created_by_rongsync: boolean;
  read_at: Date | null;
  written_at: Date | null;
  owner_id?: string | null;
}

const toShadow = (r: Row): ShadowGroup => ({
  groupId: r.group_id,
  name: r.name,
  members: r.members ?? [],
  createdByRongsync: r.created_by_rongsync,
  readAt: r.read_at,
  writtenAt: r.written_at,
  ownerId: r.owner_id ?? null,
});

export async function loadShadow(prisma: Tx, groupIds: string[]): Promise<Map<string, ShadowGroup>> {
  if (groupIds.length === 0) return new Map();
  // Members as JSON text: Prisma decodes text[] several times slower than JSON.parse does.
  const rows = await prisma.$queryRaw<Array<Omit<Row, 'members'> & { members: string }>>`
    SELECT group_id, name, array_to_json(members)::text AS members, created_by_rongsync, read_at, written_at, owner_id
      FROM rongsync_remote_groups WHERE group_id = ANY(${groupIds}::text[])`;
  return new Map(rows.map((r) => [r.group_id, toShadow({ ...r, members: JSON.parse(r.members) as string[] | null })]));
}

/** Remembers each group's current owner from the tables, so its dismiss can name it later. */
export async function recordOwners(prisma: Tx, groupIds: string[]): Promise<void> {
  if (groupIds.length === 0) return;
  await prisma.$executeRaw`
    UPDATE rongsync_remote_groups r SET owner_id = g.owner_id
      FROM groups g
     WHERE g.id = r.group_id AND r.group_id = ANY(${groupIds}::text[]) AND r.owner_id IS DISTINCT FROM g.owner_id`;
}

/** One getMembers result: sorted members and the name to keep (null when unknown). */
export interface ReadRecord {
  groupId: string;
  members: string[];
  name: string | null;
}

/**
 * Records a batch of reads in one statement. Reads never race with writes (a run reads, then
 * applies), so the caller's resolved name is final; `written_at` and, for a group that still
 * exists, `created_by_rongsync` are kept.
 */
export async function recordReads(prisma: PrismaClient, reads: ReadRecord[], at: Date): Promise<void> {
  if (reads.length === 0) return;
  const rows = reads.map((r) => {
    const members = sortIds(r.members);
    return { group_id: r.groupId, name: members.length === 0 ? null : r.name, members, member_count: members.length, members_hash: membersHash(members) };
  });
  await prisma.$executeRaw`
    INSERT INTO rongsync_remote_groups AS r
      (group_id, name, members, member_count, members_hash, created_by_rongsync, read_at, updated_at)
    SELECT x.group_id, x.name, x.members, x.member_count, x.members_hash, false, ${at}, now()
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        AS x(group_id text, name text, members text[], member_count int, members_hash text)
    ON CONFLICT (group_id) DO UPDATE SET
      name = EXCLUDED.name, members = EXCLUDED.members, member_count = EXCLUDED.member_count,
      members_hash = EXCLUDED.members_hash, read_at = EXCLUDED.read_at, updated_at = now(),
      created_by_rongsync = EXCLUDED.member_count > 0 AND r.created_by_rongsync`;
}

/**
 * In an upsert's DO UPDATE: the row's members joined with the inserted ones (sorted by code point,
 * the "C" collation, as sortIds), with their count and hash (membersHash in SQL).
 */
const MERGED_MEMBERS = Prisma.sql`(SELECT coalesce(array_agg(m ORDER BY m COLLATE "C"), '{}') FROM (SELECT DISTINCT unnest(r.members || EXCLUDED.members) AS m) d)`;
const SET_MERGED_MEMBERS = Prisma.sql`members = ${MERGED_MEMBERS}, member_count = cardinality(${MERGED_MEMBERS}), members_hash = md5(array_to_string(${MERGED_MEMBERS}, E'\\n'))`;

/**
 * A per-user sync in shadow terms: the user joins every listed group and leaves every other one.
 * Set-based (two statements whatever the list's size), in one batch transaction.
 */
async function recordSync(prisma: PrismaClient, write: Extract<ShadowWrite, { kind: 'sync' }>, at: Date, release: string[]): Promise<void> {
  const ids = write.groups.map((g) => g.id);
  const names = write.groups.map((g) => g.name);
  const u = write.userId;
  // Join the listed groups: a group the sync creates gets its name, an existing one keeps its own.
  // The merge is computed in DO UPDATE, from the row's latest version (locked), not from the
  // statement's snapshot: a single-group write committed meanwhile is kept.
  const join = prisma.$executeRaw`
    INSERT INTO rongsync_remote_groups AS r
      (group_id, name, members, member_count, members_hash, created_by_rongsync, written_at, updated_at)
    SELECT l.id, l.name, ARRAY[${u}]::text[], 1, ${membersHash([u])}, true, ${at}, now()
      FROM unnest(${ids}::text[], ${names}::text[]) AS l(id, name) ORDER BY l.id
    ON CONFLICT (group_id) DO UPDATE SET ${SET_MERGED_MEMBERS},
      name = CASE WHEN r.member_count = 0 THEN EXCLUDED.name ELSE r.name END,
      created_by_rongsync = CASE WHEN r.member_count = 0 THEN true ELSE r.created_by_rongsync END,
      written_at = EXCLUDED.written_at, updated_at = now()`;
  // Leave every other group (array_remove keeps the sorted order).
  const leave = prisma.$executeRaw`
    UPDATE rongsync_remote_groups
       SET members = array_remove(members, ${u}), member_count = member_count - 1,
           members_hash = md5(array_to_string(array_remove(members, ${u}), E'\\n')),
           written_at = ${at}, updated_at = now()
     WHERE members @> ARRAY[${u}]::text[] AND group_id <> ALL(${ids}::text[])`;
  // One sync at a time: overlapping syncs would otherwise lock rows in different orders and could
  // deadlock. (Single-group writes lock their rows in id order, one statement at a time per apply
  // — shadow-writer.ts — and an apply's syncs run after its group writes.)
  await prisma.$transaction([
    prisma.$executeRaw`SELECT pg_advisory_xact_lock(${SHADOW_SYNC_LOCK_KEY})`,
    join,
    leave,
    prisma.$executeRaw`WITH ${settleInDoubt(settledCounts(release))} SELECT 1`,
  ]);
}

/** A write to one group (anything but a sync), with when it succeeded and the marks it settles. */
export interface GroupWrite {
  write: Exclude<ShadowWrite, { kind: 'sync' }>;
  at: Date;
  /** Groups whose in-doubt mark this write settles (see in-doubt.ts): one write each. */
  release: string[];
}

/** A kick's kept members: the row's latest members minus the kicked ones, order kept. */
const KEPT = Prisma.sql`ARRAY(SELECT m FROM unnest(r.members) WITH ORDINALITY AS u(m, i) WHERE m <> ALL(coalesce((SELECT x.kicked FROM x WHERE x.group_id = r.group_id), ARRAY[]::text[])) ORDER BY i)`;

/**
 * Records the effect of several successful single-group writes in one statement, atomically, and
 * settles their in-doubt marks in that same statement. At most one write per group (the caller
 * batches so; see shadow-writer.ts). Each upsert's DO UPDATE locks the group's row and computes
 * from its latest version, so a concurrent sync touching the same group is never lost.
 */
export async function recordWrites(prisma: PrismaClient, writes: GroupWrite[]): Promise<void> {
  if (writes.length === 0) return;
  const seen = new Set<string>();
  const rows = writes.map(({ write, at }) => {
    if (seen.has(write.groupId)) throw new Error(`recordWrites: two writes to group ${JSON.stringify(write.groupId)} in one batch`);
    seen.add(write.groupId);
    // The row as inserted when the shadow knew nothing of the group.
    const fresh =
      write.kind === 'create' || write.kind === 'invite'
        ? { name: write.name ?? null, members: sortIds(write.memberIds), created: true }
        : { name: write.kind === 'refresh' ? write.name : null, members: [] as string[], created: false };
    return {
      group_id: write.groupId,
      kind: write.kind,
      name: fresh.name,
      members: fresh.members,
      member_count: fresh.members.length,
      members_hash: membersHash(fresh.members),
      created: fresh.created,
      kicked: write.kind === 'kick' ? write.memberIds : [],
      written_at: at.toISOString(),
    };
  });
  const insert = (kinds: string[]) => Prisma.sql`
    INSERT INTO rongsync_remote_groups AS r
      (group_id, name, members, member_count, members_hash, created_by_rongsync, written_at, updated_at)
    SELECT group_id, name, members, member_count, members_hash, created, written_at, now()
      FROM x WHERE kind = ANY(${kinds}::text[]) ORDER BY group_id`;
  // Dismissed groups are absent from the tables: nothing left to remember or verify.
  await prisma.$executeRaw`
    WITH x AS MATERIALIZED (
           SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(group_id text, kind text, name text, members text[],
             member_count int, members_hash text, created boolean, kicked text[], written_at timestamptz)),
         ${settleInDoubt(settledCounts(writes.flatMap((w) => w.release)))},
         dismissed AS (DELETE FROM rongsync_remote_groups r USING x WHERE x.kind = 'dismiss' AND r.group_id = x.group_id),
         joined AS (${insert(['create', 'invite'])}
           ON CONFLICT (group_id) DO UPDATE SET ${SET_MERGED_MEMBERS},
             name = coalesce(EXCLUDED.name, CASE WHEN r.member_count > 0 THEN r.name END),
             created_by_rongsync = CASE WHEN r.member_count > 0 THEN r.created_by_rongsync ELSE true END,
             written_at = EXCLUDED.written_at, updated_at = now()),
         kicked AS (${insert(['kick'])}
           ON CONFLICT (group_id) DO UPDATE SET members = ${KEPT}, member_count = cardinality(${KEPT}),
             members_hash = md5(array_to_string(${KEPT}, E'\\n')), written_at = EXCLUDED.written_at, updated_at = now())
    ${insert(['refresh'])}
    ON CONFLICT (group_id) DO UPDATE SET name = EXCLUDED.name, written_at = EXCLUDED.written_at, updated_at = now()`;
}

/**
 * Applies the effect of one successful write to the shadow, atomically — and settles the write's
 * in-doubt mark on the groups in `release` (see in-doubt.ts) in the same statement.
 */
export async function recordWrite(prisma: PrismaClient, write: ShadowWrite, at: Date, release: string[] = []): Promise<void> {
  if (write.kind === 'sync') return recordSync(prisma, write, at, release);
  return recordWrites(prisma, [{ write, at, release }]);
}

export interface VerificationSummary {
  /** Groups in the tables. */
  groups: number;
  /** Of those, groups rongsync has read from RongCloud at least once. */
  read: number;
  /** The least recent read among them (every group read has been read since). */
  oldestRead: Date | null;
}

/** How fresh rongsync's knowledge of RongCloud is: what `plan` tells when nothing is pending. */
export async function verificationSummary(prisma: PrismaClient): Promise<VerificationSummary> {
  const [r] = await prisma.$queryRaw<[{ groups: bigint; read: bigint; oldest: Date | null }]>`
    SELECT count(*) AS groups, count(r.read_at) AS read, min(r.read_at) AS oldest
      FROM groups g LEFT JOIN rongsync_remote_groups r ON r.group_id = g.id`;
  return { groups: Number(r.groups), read: Number(r.read), oldestRead: r.oldest };
}
