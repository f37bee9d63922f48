// From what was observed to what the planner takes: one group's input (a fresh read where there
// is one, else the shadow), the users a sync might cover, and the policy from the configuration.
// Shared by runs and by the explain view, so both plan a group the same way.
import type { Config } from '../config/load.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { loadGroupCounts, loadUsers, type GroupCountCache, type GroupSnapshot } from './observe.js';
import { syncCanSaveCalls } from './plan/plan.js';
import type { GroupInput, PlanPolicy, RemoteObservation, UserInput } from './plan/types.js';
import type { ReadOutcome } from './read-remote.js';

function shadowObservation(s: GroupSnapshot['shadow']): RemoteObservation {
  if (!s || s.members.length === 0) return { status: 'known', exists: false, name: null, members: [], source: 'shadow' };
  return { status: 'known', exists: true, name: s.name, members: s.members, source: 'shadow' };
}

export function groupInput(s: GroupSnapshot, read: ReadOutcome | undefined): GroupInput {
  return {
    id: s.id,
    desired: s.desired,
    remote: read?.observation ?? shadowObservation(s.shadow),
    paused: s.state?.paused ?? false,
    additive: s.state?.additive ?? false,
    quarantined: s.state?.quarantinedAt != null,
    lastOwnerId: s.desired?.ownerId ?? s.shadow?.ownerId ?? null,
  };
}

/**
 * Users on either side of a difference may be covered by a per-user sync. Their complete group
 * lists (the costliest read of a batch) are loaded only when a sync could save a call; otherwise
 * only how many groups each is in.
 */
export async function syncCandidates(
  prisma: PrismaClient,
  config: Config,
  inputs: GroupInput[],
  scopeIds: string[],
  policy: PlanPolicy,
  counts?: GroupCountCache,
): Promise<Map<string, UserInput>> {
  if (!config.reconcile.syncCalls) return new Map();
  const edgeUsers = new Set<string>();
  for (const g of inputs) {
    if (g.remote.status !== 'known' || !g.desired) continue;
    const remote = new Set(g.remote.members);
    const desired = new Set(g.desired.members);
    for (const u of desired) if (!remote.has(u)) edgeUsers.add(u);
    for (const u of remote) if (!desired.has(u)) edgeUsers.add(u);
  }
  const userIds = [...edgeUsers];
  const users = await loadGroupCounts(prisma, userIds, counts);
  if (!syncCanSaveCalls({ groups: inputs, users, policy })) return users;
  return loadUsers(prisma, userIds, scopeIds, config.limits.maxMembersPerGroup);
}

/** The planner's policy from the configuration; `deletesSoFar` spends the run's deletion budget. */
export function planPolicy(config: Config, o: { syncCalls: boolean; allowDeletes: boolean; deletesSoFar: number }): PlanPolicy {
  return {
    limits: config.limits,
    dismissOperator: config.reconcile.dismissOperator,
    ignoreUsers: config.reconcile.ignoreUsers,
    maxDeletes: o.allowDeletes ? config.reconcile.maxDeletes : Math.max(0, config.reconcile.maxDeletes - o.deletesSoFar),
    maxDeleteShare: config.reconcile.maxDeleteShare,
    allowDeletes: o.allowDeletes,
    syncCalls: o.syncCalls,
  };
}
