// The reconciler's vocabulary: how a run was started and in which mode, how it ended, what it
// counts, and what it concluded about each drifted group. The stores keep these, reports
// (src/report/) render them, the HTTP server and metrics expose them.

export type RunTrigger = 'change' | 'cron' | 'manual';
export type RunMode = 'apply' | 'detect' | 'dry-run';
/**
 * running; succeeded; partial (some groups failed or could not be read); failed (the run itself
 * failed: database, credentials…); aborted (stopped by a signal or a lost lock); interrupted (its
 * process died; marked by the next run).
 */
export type RunStatus = 'running' | 'succeeded' | 'partial' | 'failed' | 'aborted' | 'interrupted';

/** What was wrong with a group. */
export type DriftKind =
  | 'missing_group' // in the tables, absent remotely
  | 'members' // member sets differ
  | 'name' // name differs
  | 'orphan' // remote group no longer in the tables (dismissed)
  | 'invalid' // a row RongCloud would refuse (ids/names over limits, group too big, ...)
  | 'unknown' // the remote read failed: nothing was concluded
  | 'failed' // calls for the group failed
  | 'quarantined' // skipped after repeated failures
  | 'paused' // operator paused the group: observed only
  | 'blocked'; // the mass-deletion guard held back kicks/dismisses

/** What the run did about it. */
export type DriftOutcome = 'fixed' | 'failed' | 'detected' | 'skipped' | 'blocked';

/** One drifted group as a run saw it (a row of rongsync_drift_items). */
export interface GroupOutcome {
  groupId: string;
  kind: DriftKind;
  outcome: DriftOutcome;
  /** In the tables, not remote. */
  missingMembers: string[];
  /** Remote, not in the tables. */
  extraMembers: string[];
  desiredName: string | null;
  remoteName: string | null;
  /** Why (invalid rows, guard, error message). */
  reason: string | null;
  /** RongCloud error code of a failure, when there was one. */
  errorCode: number | null;
  /** When this group's drift was first seen. */
  firstSeenAt: Date;
}

export interface RunCounts {
  checked: number;
  inSync: number;
  drifted: number;
  fixed: number;
  failed: number;
  unreconcilable: number;
  quarantined: number;
  unknown: number;
}
