// Per-group differences between the tables and RongCloud, before any choice of calls: who must be
// added, who removed, who is kept and why, whether the group must be created, renamed or
// dismissed, and which items can never be reconciled. Pure; the cover and the guard decide later
// HOW (and whether) the differences are acted upon.
import type { GroupLimits } from '../../config/load.js';
import { sortIds } from '../../rules/ids.js';
import type { GroupInput, InvalidItem } from './types.js';
import { groupIdProblem, groupNameProblem, matchesPattern, type UserIdChecker } from './validate.js';

export interface DiffContext {
  limits: GroupLimits;
  ignoreUsers: RegExp | undefined;
  userIds: UserIdChecker;
  /** Users in more than maxGroupsPerUser desired groups → how many. Their adds are held back. */
  overLimitUsers: ReadonlyMap<string, number>;
}

type DiffState = 'paused' | 'quarantined' | 'invalid_group' | 'unknown' | 'known';

export interface GroupDiff {
  id: string;
  state: DiffState;
  /** May get calls: known remote, not paused/quarantined, group itself valid. */
  actionable: boolean;
  additive: boolean;
  desiredName: string | null;
  /** Valid desired members (deduplicated). Empty for an invalid group. */
  desiredMembers: ReadonlySet<string>;
  /** Remote exists (a non-empty member list implies it does). false when unknown. */
  exists: boolean;
  remoteName: string | null;
  remoteMembers: ReadonlySet<string>;
  /** Sorted. Desired valid members absent remotely (adds + held). */
  missing: string[];
  /** Sorted. Members to add (missing minus over-limit users). */
  adds: string[];
  /** Sorted. Members to remove by kick or sync (not kept; not for orphans: dismiss removes them). */
  removes: string[];
  /** Sorted. Orphan members that the dismiss removes (all remote members). */
  dismissedMembers: string[];
  /** Sorted. Extra remote members kept (ignore rule, additive mode, invalid id). */
  kept: string[];
  needsRename: boolean;
  nameChange?: { from: string | null; to: string };
  missingGroup: boolean;
  orphan: boolean;
  dismiss: boolean;
  invalid: InvalidItem[];
  notes: string[];
  /** Every user id the group mentions (desired rows and remote members), valid or not. */
  mentions: string[];
}

export function diffGroup(g: GroupInput, ctx: DiffContext): GroupDiff {
  const invalid: InvalidItem[] = [];
  const notes: string[] = [];
  const desired = g.desired;

  const groupProblems: string[] = [];
  const idProblem = groupIdProblem(g.id, ctx.limits);
  if (idProblem) groupProblems.push(idProblem);
  if (desired) {
    const nameProblem = groupNameProblem(desired.name, ctx.limits);
    if (nameProblem) groupProblems.push(nameProblem);
  }

  // Desired members: deduplicate, validate each id.
  const reportedInvalid = new Set<string>();
  const desiredMembers = new Set<string>();
  const rawDesired = new Set<string>(desired?.members ?? []);
  for (const u of rawDesired) {
    const p = ctx.userIds.problem(u);
    if (p) {
      invalid.push({ subject: 'member', id: u, reason: `${p}; membership skipped` });
      reportedInvalid.add(u);
    } else desiredMembers.add(u);
  }
  if (desiredMembers.size > ctx.limits.maxMembersPerGroup) {
    groupProblems.push(
      `group has ${desiredMembers.size} members; the limit is ${ctx.limits.maxMembersPerGroup} (RONGCLOUD_MAX_MEMBERS_PER_GROUP)`,
    );
  }
  for (const reason of groupProblems) invalid.unshift({ subject: 'group', id: g.id, reason });

  const remote = g.remote;
  const known = remote.status === 'known';
  const remoteMembers = new Set<string>(known ? remote.members : []);
  const exists = known && (remote.exists || remoteMembers.size > 0);
  const remoteName = known && exists ? remote.name : null;

  const state: DiffState = g.paused
    ? 'paused'
    : g.quarantined
      ? 'quarantined'
      : groupProblems.length > 0
        ? 'invalid_group'
        : !known
          ? 'unknown'
          : 'known';
  if (!known) notes.push(`remote state unknown: ${remote.reason}${remote.errorCode !== undefined ? ` (code ${remote.errorCode})` : ''}`);

  const mentions = new Set<string>(rawDesired);
  for (const u of remoteMembers) mentions.add(u);

  const base: GroupDiff = {
    id: g.id,
    state,
    actionable: state === 'known',
    additive: g.additive,
    desiredName: desired?.name ?? null,
    desiredMembers: groupProblems.length > 0 ? new Set() : desiredMembers,
    exists,
    remoteName,
    remoteMembers,
    missing: [],
    adds: [],
    removes: [],
    dismissedMembers: [],
    kept: [],
    needsRename: false,
    missingGroup: false,
    orphan: false,
    dismiss: false,
    invalid,
    notes,
    mentions: sortIds(mentions),
  };
  // No diff for an unknown remote (never diff against []) or for a group that cannot be reconciled.
  if (!known || groupProblems.length > 0) return base;

  if (!desired) {
    if (!exists) return base;
    base.orphan = true;
    if (g.additive) {
      base.kept = sortIds(remoteMembers);
      notes.push('orphan kept: additive groups are never dismissed (dismiss it by hand or turn additive off)');
    } else {
      base.dismiss = true;
      base.dismissedMembers = sortIds(remoteMembers);
    }
    return base;
  }

  for (const u of sortIds(desiredMembers)) {
    if (remoteMembers.has(u)) continue;
    base.missing.push(u);
    const count = ctx.overLimitUsers.get(u);
    if (count !== undefined) {
      invalid.push({
        subject: 'user',
        id: u,
        reason: `user is in ${count} groups; the limit is ${ctx.limits.maxGroupsPerUser} (RONGCLOUD_MAX_GROUPS_PER_USER); not added here`,
      });
    } else base.adds.push(u);
  }
  for (const u of sortIds(remoteMembers)) {
    if (desiredMembers.has(u)) continue;
    const p = ctx.userIds.problem(u);
    if (p) {
      base.kept.push(u);
      if (!reportedInvalid.has(u)) invalid.push({ subject: 'member', id: u, reason: `${p}; remote member kept (never kicked)` });
    } else if (matchesPattern(ctx.ignoreUsers, u) || g.additive) {
      base.kept.push(u);
    } else base.removes.push(u);
  }

  // Members the group has once the plan ran; a group left without members needs no name.
  const remainsPopulated = desiredMembers.size > 0 || base.kept.length > 0;
  if (exists && remainsPopulated && remoteName !== desired.name) {
    base.needsRename = true;
    base.nameChange = { from: remoteName, to: desired.name };
  }
  base.missingGroup = !exists && desiredMembers.size > 0;
  if (desiredMembers.size === 0) {
    notes.push(
      rawDesired.size === 0
        ? 'no members in the tables: RongCloud groups exist only through members, so none is created'
        : 'no valid members in the tables: RongCloud groups exist only through members, so none is created',
    );
  } else if (base.missingGroup && base.adds.length === 0) {
    notes.push('not created: every missing member is held back (see invalid)');
  }
  return base;
}
