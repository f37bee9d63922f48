// The shape of a drift report: one reconcile run and what it found per group. Built from the
// rongsync_runs / rongsync_drift_items / rongsync_remote_calls rows (load.ts) and rendered as
// text, JSON, Markdown or HTML (render-*.ts). The JSON rendering IS this shape (stable, versioned).

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

export interface DriftReportItem {
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
  /** When this group's drift was first seen (ISO 8601). */
  firstSeenAt: string;
  /** Age of the drift at the end of the run, in ms. */
  ageMs: number;
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

export interface RunReport {
  /** Version of this JSON shape. */
  schema: 'rongsync.report/v1';
  runId: number;
  trigger: RunTrigger;
  mode: RunMode;
  status: RunStatus;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  counts: RunCounts;
  /** Remote calls by endpoint, then by outcome ("ok", "rate_limited", "1002", ...): attempts. */
  calls: Record<string, Record<string, number>>;
  /** Set when the mass-deletion guard held back destructive calls. */
  blocked: { reason: string; deletes: number; share: number } | null;
  error: string | null;
  items: DriftReportItem[];
  /**
   * Set only when `items` was cut to a maximum (the first ones, in report order) for a bounded
   * view such as `plan`'s and `apply`'s text: how many items the run has in all.
   */
  itemsTotal?: number;
}
