// The log line that closes a reconcile run: its level and what it names. A person scanning the
// log must see at a glance which runs need them, and a machine must be able to alert on level:
// a run that failed is `error`, one that left groups failed or unreadable (partial) or had
// deletions held by the guard is `warn`, the rest `info`. The groups that failed are named with
// why (code and reason), a bounded number of them so one bad run cannot write a megabyte line.
import type { DriftReportItem } from '../report/types.js';
import type { RunCounts, RunStatus } from '../reconcile/types.js';

/** What the line is built from (a RunResult has all of it). */
export interface RunEnd {
  status: RunStatus;
  counts: RunCounts;
  durationMs: number;
  blocked: { deletes: number } | null;
  error: string | null;
  items: ReadonlyArray<Pick<DriftReportItem, 'groupId' | 'kind' | 'outcome' | 'reason' | 'errorCode'>>;
}

export interface RunLogLine {
  level: 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  message: string;
}

/** Groups named in one line; the rest are counted (`moreGroups`). @default 20 */
export const MAX_GROUPS_LOGGED = 20;

/** Reasons are cut to this many characters in the log; the drift report keeps them whole. */
const MAX_REASON = 200;

export function runLogLevel(run: Pick<RunEnd, 'status' | 'blocked'>): RunLogLine['level'] {
  if (run.status === 'failed') return 'error';
  if (run.status === 'partial' || run.status === 'aborted' || run.blocked !== null) return 'warn';
  return 'info';
}

/**
 * The run-finished line: `log[line.level](line.fields, line.message)`.
 * Fields: status, the counts, durationMs, and when some groups failed or could not be read,
 * `groups: [{ id, kind, code, reason }]` (at most `maxGroups`) and `moreGroups`.
 */
export function runFinishedLog(run: RunEnd, maxGroups = MAX_GROUPS_LOGGED): RunLogLine {
  const level = runLogLevel(run);
  const fields: Record<string, unknown> = { status: run.status, ...run.counts, durationMs: run.durationMs };
  const troubled = run.items.filter((i) => i.outcome === 'failed' || i.kind === 'unknown');
  if (troubled.length > 0) {
    fields['groups'] = troubled.slice(0, maxGroups).map((i) => ({
      id: i.groupId,
      kind: i.kind,
      ...(i.errorCode === null ? {} : { code: i.errorCode }),
      ...(i.reason === null ? {} : { reason: i.reason.length > MAX_REASON ? `${i.reason.slice(0, MAX_REASON - 1)}…` : i.reason }),
    }));
    if (troubled.length > maxGroups) fields['moreGroups'] = troubled.length - maxGroups;
  }
  if (run.blocked !== null) fields['heldDeletes'] = run.blocked.deletes;
  if (run.error !== null) fields['error'] = run.error;

  if (run.status === 'failed') return { level, fields, message: `reconcile run failed: ${run.error ?? 'unknown error'}` };
  const parts: string[] = [];
  if (run.counts.failed > 0) parts.push(`${run.counts.failed} group(s) failed`);
  if (run.counts.unknown > 0) parts.push(`${run.counts.unknown} group(s) could not be read from RongCloud`);
  if (run.blocked !== null) parts.push(`${run.blocked.deletes} deletion(s) held by the mass-deletion guard`);
  const named = troubled.slice(0, 3).map((i) => i.groupId);
  const which = named.length === 0 ? '' : ` (${named.join(', ')}${troubled.length > named.length ? ', …' : ''})`;
  return { level, fields, message: parts.length === 0 ? 'reconcile run finished' : `reconcile run finished ${run.status}: ${parts.join(', ')}${which}` };
}
