// Flags shared by `plan` and `apply`, and the printing of a run's outcome.
import type { Command } from 'commander';
import { RongsyncError } from '../../errors.js';
import { renderReport } from '../../report/index.js';
import type { RunResult } from '../../reconcile/run.js';
import type { Rongsync } from '../../rongsync.js';
import type { GroupCondition, KnownDrift } from '../../store/group-state.js';
import type { VerificationSummary } from '../../store/shadow.js';
import { formatDuration, formatTimestamp, terminalSafe } from '../../report/format.js';

export interface ScopeFlags {
  group?: string[];
  full?: boolean;
  /** Only the closing lines (the tally and the verdict): for scripts and cron mails. */
  quiet?: boolean;
}

export function addScopeFlags(cmd: Command): Command {
  return cmd
    .option('--group <id...>', 'only these groups (read from RongCloud first)')
    .option('--full', 'every group, each read from RongCloud first (verifies everything now)')
    .option('-q, --quiet', 'print only the closing lines: the tally and the verdict (the exit code says the rest)');
}

export function scopeOf(flags: ScopeFlags): { groups?: string[]; full?: boolean } {
  return {
    ...(flags.group && flags.group.length > 0 ? { groups: flags.group } : {}),
    ...(flags.full ? { full: true } : {}),
  };
}

/** Groups `plan` and `apply` show in full in their report; `rongsync report` shows every one. */
const MAX_GROUPS_SHOWN = 50;

/** The run's drift report as text (the same renderer as `rongsync report`, bounded). */
export async function reportText(api: Rongsync, result: RunResult): Promise<string> {
  const report = await api.report(result.runId, { maxItems: MAX_GROUPS_SHOWN });
  return report ? renderReport(report, 'text', { maxItems: MAX_GROUPS_SHOWN }) : `run ${result.runId}: no report\n`;
}

/** Faults about RongCloud as a whole, which a run stops at: printed as one line with the fix, not as a report. */
const REMOTE_FAULTS = new Set(['rongcloud_unreachable', 'credentials_refused']);

/** A run that RongCloud's unreachability or refused credentials stopped becomes the CLI's one-line error (exit 1). */
export function throwIfRemoteFault(result: RunResult): void {
  if (result.status === 'failed' && result.errorKind !== null && REMOTE_FAULTS.has(result.errorKind)) {
    throw new RongsyncError(result.errorKind, `${result.error ?? result.errorKind} (run #${result.runId} failed)`);
  }
}

export const CONDITION_WORDS: Record<GroupCondition, string> = {
  in_doubt: 'in doubt',
  quarantined: 'quarantined',
  failed: 'failed (backing off)',
  unknown: 'unreadable',
  blocked: 'held by the deletion guard',
  unreconcilable: 'unreconcilable rows',
  paused: 'paused with drift',
  drifted: 'drifted',
  in_sync: 'in sync',
  unchecked: 'not checked yet',
};

/** Known drift as text: one tally line, then the first groups with why they wait and until when. */
export function knownDriftText(known: KnownDrift, title: string, maxReason = 300): string {
  if (known.total === 0) return '';
  const tally = Object.entries(known.counts)
    .map(([c, n]) => `${n} ${CONDITION_WORDS[c as GroupCondition]}`)
    .join(', ');
  const lines = [`\n${title}: ${known.total} group(s) — ${tally}`];
  for (const g of known.sample) {
    const until = g.nextAttemptAt ? `; next attempt after ${formatTimestamp(g.nextAttemptAt.toISOString())}` : '';
    lines.push(`  ${terminalSafe(g.groupId)}  ${CONDITION_WORDS[g.condition]}${g.reason ? `: ${terminalSafe(g.reason.length > maxReason ? `${g.reason.slice(0, maxReason)}…` : g.reason)}` : ''}${until}`);
  }
  if (known.total > known.sample.length) lines.push(`  … and ${known.total - known.sample.length} more (rongsync report, or plan --json)`);
  return `${lines.join('\n')}\n`;
}

/** What `plan` says when nothing is pending: what it checked, and how fresh that knowledge is. */
export function nothingPendingText(v: VerificationSummary, now: Date): string {
  const parts = [`No pending changes: every change the app made is applied, and rongsync tracks ${v.groups} group(s).`];
  if (v.groups > 0) {
    if (v.read === 0) parts.push('None has been read back from RongCloud yet (they are known from rongsync\'s own writes).');
    else {
      const never = v.groups - v.read;
      parts.push(
        `${never > 0 ? `${v.read} of them were` : 'Every one was'} last verified against RongCloud within ${formatDuration(now.getTime() - v.oldestRead!.getTime())} (oldest read ${formatTimestamp(v.oldestRead!.toISOString())})${never > 0 ? `; ${never} never read back` : ''}.`,
      );
    }
  }
  parts.push('`rongsync plan --full` re-reads every group from RongCloud now.');
  return `\n${parts.join('\n')}\n`;
}
