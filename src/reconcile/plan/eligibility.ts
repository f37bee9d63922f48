// Which users may be converged by one `sync` call. A sync REPLACES the user's whole group set,
// so it is only safe when that set is fully known and fully ours: every group it adds the user to
// must be desired, valid and reconcilable, and every group it removes the user from must be one
// we are allowed to remove them from. Any doubt makes the user ineligible (their edges are then
// covered by group-side calls), never the other way round.
import { fitsSyncBody } from '../../remote/batch.js';
import { compareIds } from '../../rules/ids.js';
import type { GroupDiff } from './diff.js';
import type { PlanPolicy, UserInput } from './types.js';
import { groupIdProblem, groupNameProblem, matchesPattern, type UserIdChecker } from './validate.js';

export interface EligibilityContext {
  diffs: ReadonlyMap<string, GroupDiff>;
  users: ReadonlyMap<string, UserInput>;
  policy: PlanPolicy;
  /** The guard fired: a sync could remove, so none is planned. */
  blocked: boolean;
  userIds: UserIdChecker;
}

export type SyncList = { id: string; name: string }[];

/**
 * For each candidate user: the sorted list its sync would send, or a reason it may not be
 * synced. Only users with at least one edge need asking.
 */
export class SyncEligibility {
  /** Users mentioned by a group that must not be touched by a sync. */
  private readonly untouchable = new Set<string>();
  /** Per user: how many actionable in-scope groups desire them (a sync list must name all of them). */
  private readonly desiredCount = new Map<string, number>();

  constructor(private readonly ctx: EligibilityContext) {
    for (const d of ctx.diffs.values()) {
      if (!d.actionable || d.additive) for (const u of d.mentions) this.untouchable.add(u);
      if (d.actionable) for (const u of d.desiredMembers) this.desiredCount.set(u, (this.desiredCount.get(u) ?? 0) + 1);
    }
  }

  check(userId: string): { ok: true; groups: SyncList } | { ok: false; reason: string } {
    const { policy, blocked, userIds, users, diffs } = this.ctx;
    if (!policy.syncCalls) return no('sync calls are disabled (RONGSYNC_SYNC_CALLS=false)');
    if (blocked) return no('the mass-deletion guard fired');
    const idProblem = userIds.problem(userId);
    if (idProblem) return no(idProblem);
    if (matchesPattern(policy.ignoreUsers, userId)) return no('matches RONGSYNC_IGNORE_USERS');
    if (this.untouchable.has(userId)) return no('in a paused, quarantined, unknown, additive or unreconcilable group');
    const list = users.get(userId)?.desiredGroups;
    if (!list) return no('complete group list not known');
    if (list.length > policy.limits.maxGroupsPerUser) return no('in more groups than RONGCLOUD_MAX_GROUPS_PER_USER');
    const seen = new Set<string>();
    let inScope = 0;
    for (const g of list) {
      if (seen.has(g.id)) return no(`group ${g.id} listed twice`);
      seen.add(g.id);
      const p = groupIdProblem(g.id, policy.limits) ?? groupNameProblem(g.name, policy.limits);
      if (p) return no(`listed group ${g.id}: ${p}`);
      const d = diffs.get(g.id);
      if (!d) continue; // out of scope: the observer vouched for it by giving a list
      if (!d.actionable || !d.desiredMembers.has(userId) || d.desiredName !== g.name) {
        return no(`listed group ${g.id} disagrees with the tables`);
      }
      inScope++;
    }
    if (inScope !== (this.desiredCount.get(userId) ?? 0)) return no('group list misses a group the tables give the user');
    const groups = list.map((g) => ({ id: g.id, name: g.name })).sort((a, b) => compareIds(a.id, b.id));
    // A sync can't be split: a list whose request body is over RongCloud's limit (long CJK names
    // grow ~9× when encoded) is converged with group-side calls instead.
    if (!fitsSyncBody({ id: userId, groups })) return no('the group list is over the request body limit');
    return { ok: true, groups };
  }
}

function no(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}
