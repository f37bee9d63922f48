// Settle: what a run concludes about each group once its calls are done. Pure — the plan, the
// outcome of the calls and the group's prior bookkeeping in; the new bookkeeping, the drift report
// items, the change rows to acknowledge and the groups to leave dirty out. Nothing here reads or
// writes anything; group-state.ts and change-log.ts store the result.
//
// The rules, in words (test/reconcile/settle.test.ts holds them as a decision table):
// - A group is settled (its change rows acknowledged) only when this run applied everything it
//   needed: no failed call, a readable remote, no deletion held by the guard, nothing left undone
//   by an abort. Everything else stays dirty and is retried.
// - Failures back off (30 s … 1 h) and count towards quarantine — unless RongCloud was merely
//   unavailable (no answer, 5xx, rate limited): that backs off but never quarantines.
// - Detect and dry-run runs only observe: they age drift and leave what they found dirty for a
//   later apply, and never touch failures, quarantine or acknowledgements.
// - `lastStatus` is the one-word conclusion kept per group: in_sync, drifted, blocked, failed,
//   unknown, unreconcilable, paused, quarantined. A detect run that could not read a group
//   leaves its bookkeeping untouched.
import type { DriftKind, DriftOutcome, GroupOutcome, RunCounts, RunMode } from './types.js';
import type { CallFailure } from './apply.js';
import type { DirtyGroup } from '../store/change-log.js';
import type { GroupPlan } from './plan/types.js';

/** Backoff before retrying a failed group: 30 s, 1 min, 2 min, … capped at 1 h. */
export function backoffMs(failures: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, failures - 1), 3_600_000);
}

export type LastStatus = 'in_sync' | 'drifted' | 'blocked' | 'failed' | 'unknown' | 'unreconcilable' | 'paused' | 'quarantined';

/** The bookkeeping a run starts from (rongsync_group_state; null when the group has none yet). */
export interface PriorState {
  consecutiveFailures: number;
  nextAttemptAt: Date | null;
  lastError: string | null;
  quarantinedAt: Date | null;
  quarantineReason: string | null;
  driftFirstSeenAt: Date | null;
}

export interface SettleGroup {
  plan: GroupPlan;
  prior: PriorState | null;
  /** The change rows this run read for the group, if it was dirty. */
  dirty?: DirtyGroup | undefined;
  desiredName: string | null;
  /** The remote name as last known (the shadow), when the plan has no name change to show. */
  remoteName: string | null;
  /** Why the remote could not be read, when the plan says unknown. */
  readFailure?: { reason: string; errorCode?: number | undefined; transient: boolean } | undefined;
  /** The first failed call of the group. */
  failure?: CallFailure | undefined;
  /** Calls were left undone because the run stopped. */
  unfinished?: boolean;
  /** A write may have landed without being recorded: the group is read before it is planned again. */
  inDoubt?: boolean;
  /** Facts to add to the reason (e.g. a sync refused and replaced by per-group calls). */
  notes?: string[];
}

export interface SettleInput {
  mode: RunMode;
  groups: SettleGroup[];
  /** The guard's message when it held deletions back in this batch. */
  blockedReason: string | null;
  now: Date;
  quarantineAfter: number;
}

/** New values of rongsync_group_state's run-owned columns for one group. */
export interface StateWrite {
  groupId: string;
  driftFirstSeenAt: Date | null;
  lastStatus: LastStatus;
  lastReason: string | null;
  /** Set when this run's result changes the failure bookkeeping (apply runs only). */
  failure?: { consecutiveFailures: number; nextAttemptAt: Date | null; lastErrorCode: number | null; lastError: string | null };
  /** Set when this run quarantines the group. */
  quarantine?: { at: Date; reason: string };
}


export interface Settlement {
  counts: RunCounts;
  items: GroupOutcome[];
  states: StateWrite[];
  /** Change rows to delete: the groups this run settled. */
  acks: DirtyGroup[];
  /** Groups to leave a change row for, so a later run takes them up. */
  markDirty: string[];
  /** Groups this run quarantined. */
  quarantined: string[];
}

export function emptyCounts(): RunCounts {
  return { checked: 0, inSync: 0, drifted: 0, fixed: 0, failed: 0, unreconcilable: 0, quarantined: 0, unknown: 0 };
}

export function settle(input: SettleInput): Settlement {
  const out: Settlement = { counts: emptyCounts(), items: [], states: [], acks: [], markDirty: [], quarantined: [] };
  for (const g of input.groups) settleGroup(input, g, out);
  return out;
}

function settleGroup(input: SettleInput, g: SettleGroup, out: Settlement): void {
  const { mode, now } = input;
  const p = g.plan;
  const counts = out.counts;
  const blocked = input.blockedReason !== null && (p.extraMembers.length > 0 || p.orphan) && p.status !== 'paused' && p.status !== 'quarantined';
  const drift = differs(p);
  const outcome = outcomeOf(p, mode, g, blocked);
  // A change row marks work left for a later run — never for a quarantined group (a new change
  // releases a quarantine; only the app or an operator may do that) nor a paused one (never written).
  const mayMarkDirty = p.status !== 'quarantined' && p.status !== 'paused';

  counts.checked++;
  if (p.status === 'in_sync') counts.inSync++;
  if (p.status === 'unknown') counts.unknown++;
  if (p.status === 'quarantined') counts.quarantined++;
  if (p.status === 'unreconcilable') counts.unreconcilable++;
  if (drift) counts.drifted++;
  if (drift && outcome === 'fixed') counts.fixed++;
  if (g.failure) counts.failed++;

  // Failure bookkeeping: apply runs only.
  let failure: StateWrite['failure'];
  let quarantine: StateWrite['quarantine'];
  const prevFailures = g.prior?.consecutiveFailures ?? 0;
  if (mode === 'apply') {
    const failed = g.failure
      ? { message: g.failure.message, code: g.failure.code, transient: g.failure.transient }
      : p.status === 'unknown'
        ? { message: g.readFailure?.reason ?? 'remote read failed', code: g.readFailure?.errorCode, transient: g.readFailure?.transient ?? false }
        : undefined;
    if (failed) {
      const failures = prevFailures + 1;
      failure = {
        consecutiveFailures: failures,
        nextAttemptAt: new Date(now.getTime() + backoffMs(failures)),
        lastErrorCode: failed.code ?? null,
        lastError: failed.message.slice(0, 2000),
      };
      if (failures >= input.quarantineAfter && !g.prior?.quarantinedAt && !failed.transient) {
        quarantine = { at: now, reason: `${failures} consecutive failed runs; last error: ${failed.message.slice(0, 500)}` };
        out.quarantined.push(p.groupId);
        counts.quarantined++;
      }
    } else if (prevFailures > 0 && p.status !== 'paused' && p.status !== 'quarantined') {
      failure = { consecutiveFailures: 0, nextAttemptAt: null, lastErrorCode: null, lastError: null };
    }
  }

  const reason = reasonOf(p, g, blocked ? input.blockedReason : null, mode, now, quarantine, input.quarantineAfter);
  const driftRemains = drift && outcome !== 'fixed';
  const firstSeen = g.prior?.driftFirstSeenAt ?? now;
  let driftFirstSeenAt: Date | null;
  if (p.status === 'unknown') driftFirstSeenAt = g.prior?.driftFirstSeenAt ?? null;
  else driftFirstSeenAt = driftRemains ? firstSeen : null;

  if (p.status !== 'in_sync') {
    out.items.push({
      groupId: p.groupId,
      kind: kindOf(p),
      outcome,
      missingMembers: p.missingMembers,
      extraMembers: p.extraMembers,
      desiredName: g.desiredName,
      remoteName: p.nameChange ? p.nameChange.from : g.remoteName,
      reason,
      errorCode: g.failure?.code ?? (p.status === 'unknown' ? (g.readFailure?.errorCode ?? null) : null),
      firstSeenAt: firstSeen,
    });
  }

  const state: StateWrite = {
    groupId: p.groupId,
    driftFirstSeenAt,
    lastStatus: lastStatusOf(p, g, quarantine !== undefined, blocked, drift, outcome),
    lastReason: reason,
  };
  if (failure) state.failure = failure;
  if (quarantine) state.quarantine = quarantine;
  // An observation that failed teaches nothing: a plan that could not read a group leaves what
  // rongsync knew of it as it was (an apply records the failure and backs off).
  if (!(p.status === 'unknown' && mode !== 'apply')) out.states.push(state);

  if (mode === 'apply') {
    const settled = !g.failure && p.status !== 'unknown' && !blocked && !g.unfinished;
    if (g.dirty && settled) out.acks.push(g.dirty);
    if (!g.dirty && !settled && !g.failure && p.status !== 'unknown' && mayMarkDirty) out.markDirty.push(p.groupId);
  } else if (drift && !g.dirty && mayMarkDirty) {
    out.markDirty.push(p.groupId);
  }
}

function differs(g: GroupPlan): boolean {
  return g.missingMembers.length > 0 || g.extraMembers.length > 0 || !!g.nameChange || g.missingGroup || g.orphan || g.invalid.length > 0;
}

function lastStatusOf(p: GroupPlan, g: SettleGroup, quarantinedNow: boolean, blocked: boolean, drift: boolean, outcome: DriftOutcome): LastStatus {
  if (quarantinedNow || p.status === 'quarantined') return 'quarantined';
  if (g.failure) return 'failed';
  if (p.status === 'unknown') return 'unknown';
  if (p.status === 'paused') return drift ? 'paused' : 'in_sync';
  if (p.status === 'unreconcilable') return 'unreconcilable';
  if (blocked) return 'blocked';
  if (!drift || outcome === 'fixed') return 'in_sync';
  return 'drifted';
}

function kindOf(p: GroupPlan): DriftKind {
  if (p.status === 'unknown') return 'unknown';
  if (p.status === 'paused') return 'paused';
  if (p.status === 'quarantined') return 'quarantined';
  if (p.status === 'unreconcilable') return 'invalid';
  if (p.missingGroup) return 'missing_group';
  if (p.orphan) return 'orphan';
  if (p.missingMembers.length > 0 || p.extraMembers.length > 0) return 'members';
  if (p.nameChange) return 'name';
  return 'members';
}

function outcomeOf(p: GroupPlan, mode: RunMode, g: SettleGroup, blocked: boolean): DriftOutcome {
  if (p.status === 'in_sync') return 'fixed';
  if (mode !== 'apply') return 'detected';
  if (g.failure) return 'failed';
  if (p.status === 'unknown' || p.status === 'paused' || p.status === 'quarantined') return 'skipped';
  if (blocked) return 'blocked';
  if (p.status === 'unreconcilable') return 'skipped';
  if (p.calls === 0 && p.syncUsers.length === 0) return 'skipped';
  if (g.unfinished) return 'skipped';
  return 'fixed';
}

function iso(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function reasonOf(
  p: GroupPlan,
  g: SettleGroup,
  blockedReason: string | null,
  mode: RunMode,
  now: Date,
  quarantine: StateWrite['quarantine'],
  quarantineAfter: number,
): string | null {
  const parts: string[] = [];
  if (g.failure) parts.push(`${g.failure.call.kind} failed: ${g.failure.message}`);
  if (p.status === 'unknown' && g.readFailure) parts.push(g.readFailure.reason);
  if (blockedReason) parts.push(blockedReason);
  for (const inv of p.invalid) parts.push(`${inv.subject} ${JSON.stringify(inv.id.length > 80 ? `${inv.id.slice(0, 80)}…` : inv.id)}: ${inv.reason}`);
  parts.push(...p.notes);
  if (g.notes) parts.push(...g.notes);
  if (g.unfinished && p.status !== 'in_sync') parts.push('the run stopped before all its calls were made; the rest follows in the next run');
  if (g.inDoubt) parts.push('in doubt: a write may have landed without an answer; the group is read from RongCloud before it is planned again');
  // Why a group is waiting, and until when — what `plan` shows for groups a later apply will retry.
  const prior = g.prior;
  if (prior?.quarantinedAt && p.status === 'quarantined') {
    parts.push(`quarantined since ${iso(prior.quarantinedAt)}${prior.quarantineReason ? ` (${prior.quarantineReason})` : ''}; \`rongsync release ${p.groupId}\` retries it`);
  } else if (mode !== 'apply' && prior && prior.consecutiveFailures > 0) {
    const when = prior.nextAttemptAt && prior.nextAttemptAt > now ? `next attempt after ${iso(prior.nextAttemptAt)}` : 'retried by the next apply';
    parts.push(`failed ${prior.consecutiveFailures} time(s)${prior.lastError ? ` (last error: ${prior.lastError.slice(0, 200)})` : ''}; ${when}`);
  }
  if (quarantine) parts.push(`quarantined after ${quarantineAfter} consecutive failures`);
  return parts.length > 0 ? parts.join('; ') : null;
}
