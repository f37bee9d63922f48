// Observation: loads, for a batch of group ids, what the tables want (desired), what rongsync
// last knew of the remote (shadow), and the per-group bookkeeping (state); and, for the users the
// batch touches, their complete desired group lists (for per-user sync). Batches keep memory
// bounded: nothing here loads the whole tables.
import type { PrismaClient } from '../generated/prisma/client.js';
import type { DesiredGroup, UserInput } from './plan/types.js';
import { sortIds } from './members.js';
import { loadShadow, type ShadowGroup } from './shadow.js';

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
  const rows = await prisma.$queryRaw<Array<{ id: string; name: string; owner_id: string | null; members: string[] }>>`
    SELECT g.id, g.name, g.owner_id,
           coalesce(array_agg(m.user_id) FILTER (WHERE m.user_id IS NOT NULL), '{}') AS members
      FROM groups g LEFT JOIN group_members m ON m.group_id = g.id
     WHERE g.id = ANY(${groupIds}::text[])
     GROUP BY g.id`;
  return new Map(rows.map((r) => [r.id, { id: r.id, name: r.name, ownerId: r.owner_id, members: sortIds(r.members) }]));
}

export async function loadStates(prisma: PrismaClient, groupIds: string[]): Promise<Map<string, GroupState>> {
  if (groupIds.length === 0) return new Map();
  const rows = await prisma.groupState.findMany({ where: { groupId: { in: groupIds } } });
  return new Map(
    rows.map((r) => [
      r.groupId,
      {
        groupId: r.groupId,
        paused: r.paused,
        additive: r.additive,
        consecutiveFailures: r.consecutiveFailures,
        nextAttemptAt: r.nextAttemptAt,
        quarantinedAt: r.quarantinedAt,
        quarantineReason: r.quarantineReason,
        lastError: r.lastError,
        driftFirstSeenAt: r.driftFirstSeenAt,
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
 * Complete desired group lists of these users. A user is ineligible for sync (desiredGroups
 * null) when the sync could write something the planner has not planned and counted:
 * - any group they are in — in the tables or remotely, in scope or not — is paused, additive or
 *   quarantined (a group rongsync must not touch);
 * - a group outside `scopeIds` the user is in remotely (the shadow) but not in the tables: the
 *   sync would remove them there unplanned, a deletion the guard never counted (an addition out of
 *   scope is fine: the group is valid and writable, checked above and by the planner);
 * - a group with more members than `maxMembersPerGroup` (unreconcilable; a sync would create or
 *   fill it one user at a time).
 */
export async function loadUsers(
  prisma: PrismaClient,
  userIds: string[],
  scopeIds: string[],
  maxMembersPerGroup: number,
): Promise<Map<string, UserInput>> {
  const users = new Map<string, UserInput>();
  if (userIds.length === 0) return users;
  for (const id of userIds) users.set(id, { id, desiredGroups: [] });

  const rows = await prisma.$queryRaw<Array<{ user_id: string; group_id: string; name: string }>>`
    SELECT m.user_id, g.id AS group_id, g.name
      FROM group_members m JOIN groups g ON g.id = m.group_id
     WHERE m.user_id = ANY(${userIds}::text[])
     ORDER BY m.user_id, g.id`;
  for (const r of rows) users.get(r.user_id)!.desiredGroups!.push({ id: r.group_id, name: r.name });

  const held = await prisma.$queryRaw<Array<{ user_id: string }>>`
    WITH touched AS (
      SELECT m.user_id, m.group_id FROM group_members m WHERE m.user_id = ANY(${userIds}::text[])
      UNION
      SELECT u.user_id, r.group_id
        FROM rongsync_remote_groups r, unnest(r.members) AS u(user_id)
       WHERE r.members && ${userIds}::text[] AND u.user_id = ANY(${userIds}::text[])
    ),
    big AS (
      SELECT m.group_id FROM group_members m
       WHERE m.group_id IN (SELECT DISTINCT group_id FROM touched)
       GROUP BY m.group_id HAVING count(*) > ${maxMembersPerGroup}
    )
    SELECT t.user_id FROM touched t JOIN rongsync_group_state s ON s.group_id = t.group_id
     WHERE s.paused OR s.additive OR s.quarantined_at IS NOT NULL
    UNION
    SELECT t.user_id FROM touched t
      JOIN rongsync_remote_groups r ON r.group_id = t.group_id AND t.user_id = ANY(r.members)
     WHERE NOT (t.group_id = ANY(${scopeIds}::text[]))
       AND NOT EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = t.group_id AND m.user_id = t.user_id)
    UNION
    SELECT t.user_id FROM touched t JOIN big b ON b.group_id = t.group_id`;
  for (const r of held) users.set(r.user_id, { id: r.user_id, desiredGroups: null });
  return users;
}
