// Observation: loads, for a batch of group ids, what the tables want (desired), what rongsync
// last knew of the remote (shadow), and the per-group bookkeeping (state); and, for the users the
// batch touches, their complete desired group lists (for per-user sync). Batches keep memory
// bounded: nothing here loads the whole tables.
import type { PrismaClient } from '../generated/prisma/client.js';
import type { DesiredGroup, UserInput } from './plan/types.js';
import { sortIds } from './members.js';
import { loadShadow, type ShadowGroup } from '../store/shadow.js';

export interface GroupState {
  groupId: string;
  paused: boolean;
  additive: boolean;
  consecutiveFailures: number;
  nextAttemptAt: Date | null;
  quarantinedAt: Date | null;
  quarantineReason: string | null;
  lastError: string | null;
  driftFirstSeenAt: Date | null;
}

export interface GroupSnapshot {
  id: string;
  desired: DesiredGroup | null;
  shadow: ShadowGroup | null;
  state: GroupState | null;
}

export async function loadDesired(prisma: PrismaClient, groupIds: string[]): Promise<Map<string, DesiredGroup>> {
  if (groupIds.length === 0) return new Map();
  // Members come back as JSON text: Prisma decodes a text[] column several times slower than
  // JSON.parse does (measured: bench/prisma-vs-pg.ts).
  const rows = await prisma.$queryRaw<Array<{ id: string; name: string; owner_id: string | null; members: string }>>`
    SELECT g.id, g.name, g.owner_id,
           coalesce(json_agg(m.user_id) FILTER (WHERE m.user_id IS NOT NULL), '[]')::text AS members
      FROM groups g LEFT JOIN group_members m ON m.group_id = g.id
     WHERE g.id = ANY(${groupIds}::text[])
     GROUP BY g.id`;
  return new Map(rows.map((r) => [r.id, { id: r.id, name: r.name, ownerId: r.owner_id, members: sortIds(JSON.parse(r.members) as string[]) }]));
}

export async function loadStates(prisma: PrismaClient, groupIds: string[]): Promise<Map<string, GroupState>> {
  if (groupIds.length === 0) return new Map();
  // One array parameter: findMany's IN list binds one parameter per id and costs several times more.
  const rows = await prisma.$queryRaw<
    Array<{
      group_id: string;
      paused: boolean;
      additive: boolean;
      consecutive_failures: number;
      next_attempt_at: Date | null;
      quarantined_at: Date | null;
      quarantine_reason: string | null;
      last_error: string | null;
      drift_first_seen_at: Date | null;
    }>
  >`
    SELECT group_id, paused, additive, consecutive_failures, next_attempt_at, quarantined_at, quarantine_reason, last_error, drift_first_seen_at
      FROM rongsync_group_state WHERE group_id = ANY(${groupIds}::text[])`;
  return new Map(
    rows.map((r) => [
      r.group_id,
      {
        groupId: r.group_id,
        paused: r.paused,
        additive: r.additive,
        consecutiveFailures: r.consecutive_failures,
        nextAttemptAt: r.next_attempt_at,
        quarantinedAt: r.quarantined_at,
        quarantineReason: r.quarantine_reason,
        lastError: r.last_error,
        driftFirstSeenAt: r.drift_first_seen_at,
      },
    ]),
  );
}

export async function loadSnapshots(prisma: PrismaClient, groupIds: string[]): Promise<GroupSnapshot[]> {
  const [desired, shadow, states] = await Promise.all([
    loadDesired(prisma, groupIds),
    loadShadow(prisma, groupIds),
    loadStates(prisma, groupIds),
  ]);
  return groupIds.map((id) => ({
    id,
    desired: desired.get(id) ?? null,
    shadow: shadow.get(id) ?? null,
    state: states.get(id) ?? null,
  }));
}

/**
 * How many groups the tables give each of these users (index-only on group_members' user index):
 * what the planner needs of a user when no sync is worth planning (the groups-per-user limit).
 */
export async function loadGroupCounts(prisma: PrismaClient, userIds: string[], cache?: GroupCountCache): Promise<Map<string, UserInput>> {
  const users = new Map<string, UserInput>();
  const counts = cache?.fresh() ?? new Map<string, number>();
  const missing = userIds.filter((u) => !counts.has(u));
  if (missing.length > 0) {
    const rows = await prisma.$queryRaw<Array<{ user_id: string; n: number }>>`
      SELECT user_id, count(*)::int AS n FROM group_members WHERE user_id = ANY(${missing}::text[]) GROUP BY user_id`;
    for (const u of missing) counts.set(u, 0);
    for (const r of rows) counts.set(r.user_id, r.n);
  }
  for (const u of userIds) {
    const n = counts.get(u)!;
    if (n > 0) users.set(u, { id: u, desiredGroups: null, groupCount: n });
  }
  return users;
}

/**
 * Users' group counts kept across the batches of one run. In a large run each user turns up in
 * many batches (at 100k groups × 30 members, in ~30 of them), and counting a batch's users again
 * each time was the largest read of a batch. The counts only guard the groups-per-user limit, and
 * are read again after `maxAgeMs`, so a count that changed meanwhile is noticed within that time
 * (RongCloud itself refuses an invite over the limit; the group then fails and is retried).
 */
export class GroupCountCache {
  #counts = new Map<string, number>();
  #since = 0;
  constructor(
    private readonly maxAgeMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The counts still fresh (emptied once they are older than maxAgeMs); fill in what is missing. */
  fresh(): Map<string, number> {
    if (this.now() - this.#since > this.maxAgeMs) {
      this.#counts = new Map();
      this.#since = this.now();
    }
    return this.#counts;
  }
}

/**
 * Complete desired group lists of these users. A user is ineligible for sync (desiredGroups
 * null) when the sync could write something the planner has not planned and counted:
 * - any group they are in — in the tables or remotely, in scope or not — is paused, additive or
 *   quarantined (a group rongsync must not touch);
 * - a group outside `scopeIds` the user is in remotely (the shadow) but not in the tables: the
 *   sync would remove them there unplanned, a deletion the guard never counted (an addition out of
 *   scope is fine: the group is valid and writable, checked above and by the planner);
 * - a group with more members than `maxMembersPerGroup` (unreconcilable; a sync would create or
 *   fill it one user at a time).
 *
 * The queries are driven by the users (index lookups per user) and cost what the users'
 * memberships cost, not what the shadow holds: a run over a growing shadow costs the same per
 * batch. (Matching the shadow's member arrays against the whole user list with `&&` compared every
 * element with every user on every shadow row: 55 s of one 1000-group batch at 10 000 shadow rows.)
 */
export async function loadUsers(
  prisma: PrismaClient,
  userIds: string[],
  scopeIds: string[],
  maxMembersPerGroup: number,
): Promise<Map<string, UserInput>> {
  const users = new Map<string, UserInput>();
  if (userIds.length === 0) return users;

  const [listRows, remoteRows, flaggedRows] = await Promise.all([
    prisma.$queryRaw<Array<{ user_id: string; groups: string }>>`
      SELECT m.user_id, json_agg(json_build_array(g.id, g.name) ORDER BY g.id)::text AS groups
        FROM group_members m JOIN groups g ON g.id = m.group_id
       WHERE m.user_id = ANY(${userIds}::text[])
       GROUP BY m.user_id`,
    // One GIN lookup per user on the shadow's member arrays.
    prisma.$queryRaw<Array<{ user_id: string; groups: string }>>`
      SELECT q.user_id, json_agg(r.group_id)::text AS groups
        FROM unnest(${userIds}::text[]) AS q(user_id)
        JOIN rongsync_remote_groups r ON r.members @> ARRAY[q.user_id]
       GROUP BY q.user_id`,
    prisma.$queryRaw<Array<{ group_id: string }>>`
      SELECT group_id FROM rongsync_group_state WHERE paused OR additive OR quarantined_at IS NOT NULL`,
  ]);
  const flagged = new Set(flaggedRows.map((r) => r.group_id));
  const desired = new Map<string, Array<{ id: string; name: string }>>();
  const touched = new Set<string>();
  for (const r of listRows) {
    const list = (JSON.parse(r.groups) as Array<[string, string]>).map(([id, name]) => ({ id, name }));
    for (const g of list) touched.add(g.id);
    desired.set(r.user_id, list);
  }
  const remote = new Map<string, string[]>();
  for (const r of remoteRows) {
    const ids = JSON.parse(r.groups) as string[];
    for (const g of ids) touched.add(g);
    remote.set(r.user_id, ids);
  }
  const bigRows = await prisma.$queryRaw<Array<{ group_id: string }>>`
    SELECT group_id FROM group_members WHERE group_id = ANY(${[...touched]}::text[])
     GROUP BY group_id HAVING count(*) > ${maxMembersPerGroup}`;
  const big = new Set(bigRows.map((r) => r.group_id));
  const scope = new Set(scopeIds);
  const untouchable = (g: string) => flagged.has(g) || big.has(g);

  for (const id of userIds) {
    const list = desired.get(id) ?? [];
    let held = false;
    for (const g of list) if (untouchable(g.id)) held = true;
    const remoteGroups = remote.get(id);
    if (!held && remoteGroups) {
      const inTables = new Set<string>();
      for (const g of list) inTables.add(g.id);
      for (const g of remoteGroups) if (untouchable(g) || (!scope.has(g) && !inTables.has(g))) held = true;
    }
    users.set(id, { id, desiredGroups: held ? null : list, groupCount: list.length });
  }
  return users;
}
