// The shape of a drift report: one reconcile run and what it found per group. Built from the
// rongsync_runs / rongsync_drift_items / rongsync_remote_calls rows (load.ts) and rendered as
// text, JSON, Markdown or HTML (render-*.ts). The JSON rendering IS this shape (stable, versioned).
import type { GroupOutcome, RunCounts, RunMode, RunStatus, RunTrigger } from '../reconcile/types.js';

/** A run's item as reported: dates as ISO 8601 text, and the drift's age. */
export interface DriftReportItem extends Omit<GroupOutcome, 'firstSeenAt'> {
  /** When this group's drift was first seen (ISO 8601). */
  firstSeenAt: string;
  /** Age of the drift at the end of the run, in ms. */
  ageMs: number;
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
