// The planner's vocabulary: what the observer hands in (desired rows + what RongCloud was seen
// to hold) and what the planner hands back (the remote calls, in order, plus per-group facts for
// reports). Plain data only, so the planner stays a pure function and its tests need no I/O.
import type { GroupLimits } from '../../config/load.js';

/** One row of `groups` with its `group_members`, as the app's tables say it should be. */
export interface DesiredGroup {
  id: string;
  name: string;
  /** The operator of this group's dismiss (remembered in the shadow for when the row is gone). */
  ownerId: string | null;
  /** User ids; duplicates are ignored. */
  members: string[];
}

/**
 * What RongCloud holds for one group. A failed read is `unknown` and is NEVER treated as an
 * empty group (an unknown state is never guessed): an unknown group gets no calls and blocks syncs of its users.
 */
export type RemoteObservation =
  | {
      status: 'known';
      /** A non-empty `members` implies the group exists (RongCloud groups exist through members). */
      exists: boolean;
      /** null = the name is unknown (getMembers does not return names). */
      name: string | null;
      members: string[];
      source: 'read' | 'shadow';
    }
  | { status: 'unknown'; reason: string; errorCode?: number; transient?: boolean };

export interface GroupInput {
  id: string;
  /** null = not in the tables (deleted by the app): an existing remote group is an orphan. */
  desired: DesiredGroup | null;
  remote: RemoteObservation;
  /** Diff reported, no calls. */
  paused: boolean;
  /** Extra remote members are kept (never kicked); an additive orphan is never dismissed. */
  additive: boolean;
  /** No calls (too many failures); the diff is still reported when the remote is known. */
  quarantined: boolean;
  /**
   * The group's owner as rongsync last saw it in the tables (kept in the shadow): the operator of
   * a dismiss once the row is gone. Invalid or absent → RONGSYNC_DISMISS_OPERATOR.
   */
  lastOwnerId?: string | null;
}

export interface UserInput {
  id: string;
  /**
   * The user's COMPLETE desired group list across all groups (not only those in scope), or null
   * if the observer found the user ineligible for sync (e.g. member of a paused/unknown group out
   * of scope). A sync call sends exactly this list.
   */
  desiredGroups: { id: string; name: string }[] | null;
  /**
   * How many groups the tables give the user in all, when known without the list (for the
   * groups-per-user limit).
   */
  groupCount?: number;
}

export interface PlanPolicy {
  limits: GroupLimits;
  /** User id sent as the operator of dismiss calls. */
  dismissOperator: string;
  /** Remote members whose id matches are never kicked, and never synced. */
  ignoreUsers?: RegExp | undefined;
  /** Guard: most memberships one plan may remove without approval. */
  maxDeletes: number;
  /** Guard: largest share (0..1) of observed memberships one plan may remove without approval. */
  maxDeleteShare: number;
  /** Approves a plan the guard would block. */
  allowDeletes: boolean;
  /** Per-user sync calls may be used (rongsync owns every group of its users). */
  syncCalls: boolean;
}

export interface PlanInput {
  groups: GroupInput[];
  users: Map<string, UserInput>;
  policy: PlanPolicy;
}

export type PlannedCall =
  | { kind: 'create'; groupId: string; name: string; memberIds: string[] }
  | { kind: 'invite'; groupId: string; memberIds: string[]; name?: string }
  | { kind: 'kick'; groupId: string; memberIds: string[] }
  | { kind: 'refresh'; groupId: string; name: string }
  | { kind: 'dismiss'; groupId: string; operator: string }
  | { kind: 'sync'; userId: string; groups: { id: string; name: string }[] };

export type CallKind = PlannedCall['kind'];

export type GroupStatus = 'in_sync' | 'drifted' | 'unreconcilable' | 'unknown' | 'paused' | 'quarantined';

export interface InvalidItem {
  subject: 'group' | 'member' | 'user';
  id: string;
  reason: string;
}

export interface GroupPlan {
  groupId: string;
  /**
   * Precedence: paused > quarantined > unreconcilable > unknown > drifted > in_sync.
   * 'unreconcilable' with `calls > 0` means only some items are invalid and the rest converges.
   */
  status: GroupStatus;
  /** Desired valid members not in the remote group (includes adds held back, see `invalid`). */
  missingMembers: string[];
  /** Remote members not desired that are (or, if held by pause/guard, would be) removed. */
  extraMembers: string[];
  /** Remote members not desired that are kept: ignoreUsers, additive mode, or an id that fails validation. */
  keptMembers: string[];
  nameChange?: { from: string | null; to: string };
  /** Desired with valid members, absent remotely. */
  missingGroup: boolean;
  /** Exists remotely but not in the tables (dismissed unless additive/held). */
  orphan: boolean;
  invalid: InvalidItem[];
  /** Group-side calls planned for it (create/invite/kick/refresh/dismiss). */
  calls: number;
  /** Users whose sync call converges (part of) this group. */
  syncUsers: string[];
  /** Human-readable facts that are not errors (empty group, held removals, unknown reason…). Addition. */
  notes: string[];
}

export interface GuardBlock {
  reason: string;
  /** Memberships the plan would have removed (kicks, syncs and members of dismissed groups). */
  deletes: number;
  /** deletes / memberships observed across known groups in scope. */
  share: number;
}

interface PlanTotals {
  calls: number;
  byKind: Record<CallKind, number>;
  /** Memberships added by the plan (by create/invite or sync). */
  edgesAdd: number;
  /** Memberships removed by the plan by kick or sync (members of dismissed groups not included). */
  edgesRemove: number;
  /** Members of the groups the plan dismisses. Addition. */
  dismissedMembers: number;
}

export interface Plan {
  /** In a valid execution order: dismisses; per group create → invite → kick → refresh; syncs. */
  calls: PlannedCall[];
  /** One per input group, sorted by id. */
  groups: GroupPlan[];
  /** Set when the mass-deletion guard fired: nothing destructive is planned. */
  blocked?: GuardBlock;
  totals: PlanTotals;
}
