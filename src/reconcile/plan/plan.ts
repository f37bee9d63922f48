// planReconcile: desired rows + observed remote state → the remote calls that converge them with
// the fewest calls, plus per-group facts for reports. Pure (no I/O, no clock, no randomness) and
// deterministic: same input, same plan, ids sorted so plans diff cleanly.
//
// How the call count is minimised. Every membership to add or remove is an edge between a group
// and a user. An edge is covered either by a group-side call (create/invite on the group's "add
// side", kick on its "remove side") or by a `sync` of the user, which sets the user's whole group
// set at once. Choosing the cheapest set of sides and users that covers every edge is a minimum
// weighted vertex cover on a bipartite graph, solved exactly by min cut (cover.ts):
//   add side weight    = ceil(adds / maxIdsPerCall)        (create counts like an invite)
//                        − 1 when the group needs a rename: an invite carries the new name, so
//                        the add side saves the refresh that is otherwise always due
//   remove side weight = ceil(removes / maxIdsPerCall)
//   user weight        = 1 (one sync)
// Sides with an edge to a user that may not be synced are forced into the cover. Dismisses and
// refreshes are constants. The weights are exact up to maxIdsPerCall edges per side; above that
// the real count after syncs (ceil(remaining / maxIdsPerCall)) can be LOWER than the modelled
// weight, never higher, so the emitted plan never costs more than the cover.
//
// Decisions on the open points (tests in test/reconcile/plan/ pin each one):
// - Invalid group id or name (empty/whitespace name included), or more valid members than
//   maxMembersPerGroup: the whole group is 'unreconcilable', no calls, no diff.
// - Invalid user ids are never acted upon either way: not invited, and a remote member whose id
//   fails validation is kept (keptMembers) and reported. The rest of the group converges; its
//   status is 'unreconcilable' while any invalid item remains (calls > 0 = partial).
// - A user in more than maxGroupsPerUser desired groups (the longer of its full list and the
//   groups in scope): adds held back everywhere and reported on each group where one was held;
//   removals proceed; never synced.
// - A desired group with no (valid) members is not created; an existing one is emptied by kicks
//   and not renamed. Reported in notes, status 'in_sync' once nothing else differs.
// - An additive orphan is not dismissed (its members are kept). An orphan with ignoreUsers
//   members IS dismissed: the ignore rule protects memberships of groups that stay.
// - Guard: see guard.ts (≤ 10 deletes bypass the share rule, never maxDeletes); when it fires,
//   no sync at all is planned, even an add-only one.
// - Status precedence: paused > quarantined > unreconcilable (group) > unknown > diff.
import { RongsyncError } from '../../errors.js';
import { compareIds, sortIds } from '../../rules/ids.js';
import { minWeightVertexCover } from './cover.js';
import { diffGroup, type GroupDiff } from './diff.js';
import { SyncEligibility, type SyncList } from './eligibility.js';
import { evaluateGuard } from './guard.js';
import type { CallKind, GroupPlan, GroupStatus, Plan, PlanInput, PlannedCall } from './types.js';
import { UserIdChecker } from './validate.js';

/** The observer handed the planner contradictory input (a bug upstream, not a data problem). */
export class PlanInputError extends RongsyncError {
  constructor(message: string) {
    super('plan_input_invalid', message);
  }
}

interface Side {
  diff: GroupDiff;
  kind: 'add' | 'remove';
  users: string[];
  weight: number;
  forced: boolean;
}

/**
 * Diffs, guard and the exact minimum cover of a batch. `everyoneSyncable` solves it as if every
 * user could be synced (no full group lists needed): see syncCanSaveCalls.
 */
function solve(input: PlanInput, everyoneSyncable: boolean) {
  const { policy } = input;
  const { limits } = policy;
  const perCall = limits.maxIdsPerCall;
  if (!(perCall >= 1)) throw new PlanInputError(`limits.maxIdsPerCall must be ≥ 1, got ${perCall}`);

  const inputs = [...input.groups].sort((a, b) => compareIds(a.id, b.id));
  for (let i = 0; i < inputs.length; i++) {
    const g = inputs[i]!;
    if (i > 0 && inputs[i - 1]!.id === g.id) throw new PlanInputError(`group ${JSON.stringify(g.id)} is listed twice`);
    if (g.desired && g.desired.id !== g.id) {
      throw new PlanInputError(`group input ${JSON.stringify(g.id)} carries desired row ${JSON.stringify(g.desired.id)}`);
    }
  }

  // Users over the groups-per-user limit: the full list length when known, else what the scope shows.
  const inScopeCount = new Map<string, number>();
  for (const g of inputs) for (const u of new Set(g.desired?.members ?? [])) inScopeCount.set(u, (inScopeCount.get(u) ?? 0) + 1);
  const overLimitUsers = new Map<string, number>();
  for (const [u, n] of inScopeCount) {
    const known = input.users.get(u);
    const count = Math.max(n, known?.groupCount ?? 0, known?.desiredGroups?.length ?? 0);
    if (count > limits.maxGroupsPerUser) overLimitUsers.set(u, count);
  }

  const userIds = new UserIdChecker(limits);
  const diffs = inputs.map((g) => diffGroup(g, { limits, ignoreUsers: policy.ignoreUsers, userIds, overLimitUsers }));
  const diffById = new Map(diffs.map((d) => [d.id, d]));

  const guard = evaluateGuard(diffs, policy);
  const blocked = guard.blocked !== undefined;

  // Sides of the graph and which of their users may be synced.
  const eligibility = new SyncEligibility({ diffs: diffById, users: input.users, policy, blocked, userIds });
  const syncLists = new Map<string, SyncList | null>();
  const syncable = (u: string): boolean => {
    if (everyoneSyncable) return policy.syncCalls && !blocked;
    let r = syncLists.get(u);
    if (r === undefined) {
      const c = eligibility.check(u);
      r = c.ok ? c.groups : null;
      syncLists.set(u, r);
    }
    return r !== null;
  };
  const sides: Side[] = [];
  for (const d of diffs) {
    if (!d.actionable) continue;
    if (d.adds.length > 0) {
      const weight = Math.ceil(d.adds.length / perCall) - (d.needsRename ? 1 : 0);
      sides.push({ diff: d, kind: 'add', users: d.adds, weight, forced: !d.adds.every(syncable) });
    }
    if (!blocked && d.removes.length > 0) {
      const weight = Math.ceil(d.removes.length / perCall);
      sides.push({ diff: d, kind: 'remove', users: d.removes, weight, forced: !d.removes.every(syncable) });
    }
  }

  // Exact minimum cover over the sides that could be replaced by syncs.
  const free = sides.filter((s) => !s.forced);
  const userIndex = new Map<string, number>();
  const userOrder: string[] = [];
  const edges: [number, number][] = [];
  free.forEach((s, i) => {
    for (const u of s.users) {
      let j = userIndex.get(u);
      if (j === undefined) {
        j = userOrder.length;
        userIndex.set(u, j);
        userOrder.push(u);
      }
      edges.push([i, j]);
    }
  });
  const cover = minWeightVertexCover({
    leftWeights: free.map((s) => s.weight),
    rightWeights: userOrder.map(() => 1),
    edges,
  });
  const synced = new Set(userOrder.filter((_, j) => cover.right[j]));
  return { inputs, perCall, userIds, diffs, guard, blocked, syncLists, free, cover, synced };
}

/**
 * Whether a sync could make this batch cheaper — asked before the users' complete group lists are
 * read (the costliest query of a batch). The cover is solved as if every user could be synced:
 * letting more users be synced never raises the minimum, so when even then the cheapest cover is
 * the group-side calls alone, a minimum plan needs no sync and the lists need not be read — and
 * the plan is the same, as ties go to group-side calls (cover.ts). An initial load is the common
 * case: a group's create carries all its members, no sync saves a call.
 */
export function syncCanSaveCalls(input: PlanInput): boolean {
  if (!input.policy.syncCalls) return false;
  const { free, cover } = solve(input, true);
  return cover.cost < free.reduce((n, s) => n + s.weight, 0);
}

export function planReconcile(input: PlanInput): Plan {
  const { policy } = input;
  const { inputs, perCall, userIds, diffs, guard, blocked, syncLists, synced } = solve(input, false);

  // Emit: dismisses; per group create → invite → kick → refresh; then syncs.
  //
  // Syncs go last. A sync is absolute for its user (their group set becomes exactly the list), and
  // no group-side call names a synced user, so syncs commute with everything before them; putting
  // them last means the groups they join already exist under the name the group's own call set,
  // and a dismissed orphan can never be re-created by a sync (the sync lists agree with the tables).
  const dismisses: PlannedCall[] = [];
  const groupCalls: PlannedCall[] = [];
  const callsPerGroup = new Map<string, number>();
  const count = (id: string, n: number) => callsPerGroup.set(id, (callsPerGroup.get(id) ?? 0) + n);
  const inputById = new Map(inputs.map((g) => [g.id, g]));
  const operatorOf = (id: string): string => {
    const owner = inputById.get(id)?.lastOwnerId;
    return owner && !userIds.problem(owner) ? owner : policy.dismissOperator;
  };
  for (const d of diffs) {
    if (!d.actionable) continue;
    if (d.dismiss && !blocked) {
      dismisses.push({ kind: 'dismiss', groupId: d.id, operator: operatorOf(d.id) });
      count(d.id, 1);
      continue;
    }
    const name = d.desiredName;
    let nameCarried = false;
    const addsLeft = d.adds.filter((u) => !synced.has(u));
    chunk(addsLeft, perCall).forEach((ids, i) => {
      if (i === 0 && !d.exists) {
        groupCalls.push({ kind: 'create', groupId: d.id, name: name!, memberIds: ids });
      } else if (d.needsRename && !nameCarried) {
        groupCalls.push({ kind: 'invite', groupId: d.id, memberIds: ids, name: name! });
        nameCarried = true;
      } else {
        groupCalls.push({ kind: 'invite', groupId: d.id, memberIds: ids });
      }
      count(d.id, 1);
    });
    if (!blocked) {
      for (const ids of chunk(d.removes.filter((u) => !synced.has(u)), perCall)) {
        groupCalls.push({ kind: 'kick', groupId: d.id, memberIds: ids });
        count(d.id, 1);
      }
    }
    if (d.needsRename && !nameCarried) {
      groupCalls.push({ kind: 'refresh', groupId: d.id, name: name! });
      count(d.id, 1);
    }
  }
  const syncs: PlannedCall[] = sortIds(synced).map((u) => ({ kind: 'sync', userId: u, groups: syncLists.get(u)! }));
  const calls = [...dismisses, ...groupCalls, ...syncs];

  // Per-group facts.
  const groups: GroupPlan[] = diffs.map((d) => {
    const notes = [...d.notes];
    if (blocked && d.actionable && (d.removes.length > 0 || d.dismiss)) notes.push('removals held by the mass-deletion guard');
    const syncUsers = d.actionable
      ? sortIds([...d.adds, ...(blocked ? [] : d.removes)].filter((u) => synced.has(u)))
      : [];
    const plan: GroupPlan = {
      groupId: d.id,
      status: statusOf(d),
      missingMembers: d.missing,
      extraMembers: d.orphan ? d.dismissedMembers : d.removes,
      keptMembers: d.kept,
      missingGroup: d.missingGroup,
      orphan: d.orphan,
      invalid: d.invalid,
      calls: callsPerGroup.get(d.id) ?? 0,
      syncUsers,
      notes,
    };
    if (d.nameChange) plan.nameChange = d.nameChange;
    return plan;
  });

  const byKind: Record<CallKind, number> = { create: 0, invite: 0, kick: 0, refresh: 0, dismiss: 0, sync: 0 };
  for (const c of calls) byKind[c.kind]++;
  let edgesAdd = 0;
  let edgesRemove = 0;
  let dismissedMembers = 0;
  for (const d of diffs) {
    if (!d.actionable) continue;
    edgesAdd += d.adds.length;
    if (!blocked) {
      edgesRemove += d.removes.length;
      if (d.dismiss) dismissedMembers += d.dismissedMembers.length;
    }
  }
  const plan: Plan = { calls, groups, totals: { calls: calls.length, byKind, edgesAdd, edgesRemove, dismissedMembers } };
  if (guard.blocked) plan.blocked = guard.blocked;
  return plan;
}

function statusOf(d: GroupDiff): GroupStatus {
  switch (d.state) {
    case 'paused':
      return 'paused';
    case 'quarantined':
      return 'quarantined';
    case 'invalid_group':
      return 'unreconcilable';
    case 'unknown':
      return 'unknown';
    case 'known':
      if (d.invalid.length > 0) return 'unreconcilable';
      return d.missing.length > 0 || d.removes.length > 0 || d.nameChange || d.missingGroup || d.orphan ? 'drifted' : 'in_sync';
  }
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
