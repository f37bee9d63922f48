// Plain-text report for an 80-column terminal: header, counts, calls, guard, then one block per
// drifted group. App data goes through terminalSafe (an id holding ESC or a newline must not
// repaint the terminal or forge a line of the report).
import { compareOutcomes } from './load.js';
import { formatAge, formatDuration, formatMembers, formatShare, formatTimestamp, terminalSafe as t, truncateList } from './format.js';
import type { DriftReportItem, RunReport } from './types.js';

const WIDTH = 80;
/** Members listed per line kind before "… and N more". @default 20 */
const MAX_MEMBERS = 20;

export interface TextOptions {
  /** Groups shown in full; the rest are counted, with the command that lists them all. @default every group */
  maxItems?: number;
}

export function renderText(report: RunReport, options: TextOptions = {}): string {
  const out: string[] = [];
  out.push(`rongsync run #${report.runId}  ${t(report.trigger)} · ${t(report.mode)} · ${t(report.status)}`);
  out.push(`started   ${formatTimestamp(report.startedAt)}`);
  if (report.finishedAt !== null) {
    out.push(`finished  ${formatTimestamp(report.finishedAt)}  (took ${formatDuration(report.durationMs)})`);
  } else {
    out.push('finished  — (still running)');
  }
  if (report.error !== null) out.push(...wrap('error     ', t(report.error)));
  out.push('');

  const c = report.counts;
  out.push(`groups    checked ${c.checked} · in sync ${c.inSync} · drifted ${c.drifted}`);
  out.push(
    `outcomes  fixed ${c.fixed} · failed ${c.failed} · unreconcilable ${c.unreconcilable} · ` +
      `quarantined ${c.quarantined} · unknown ${c.unknown}`,
  );

  const endpoints = Object.keys(report.calls);
  if (endpoints.length > 0) {
    out.push('', 'calls');
    const pad = Math.min(36, Math.max(...endpoints.map((e) => t(e).length)));
    for (const endpoint of endpoints) {
      const byOutcome = report.calls[endpoint] ?? {};
      const parts = Object.keys(byOutcome)
        .sort(compareOutcomes)
        .map((o) => `${t(o)} ${byOutcome[o]}`);
      out.push(...wrap(`  ${t(endpoint).padEnd(pad)}  `, parts.join('  ')));
    }
  }

  if (report.blocked !== null) {
    const b = report.blocked;
    out.push('');
    out.push(
      ...wrap(
        'GUARD     ',
        `held back ${b.deletes} deletion(s) (${formatShare(b.share)} of the memberships looked at): ${t(b.reason)}. ` +
          'Nothing was kicked or dismissed; approve with --allow-deletes or raise ' +
          'RONGSYNC_MAX_DELETES / RONGSYNC_MAX_DELETE_SHARE.',
      ),
    );
  }

  out.push('');
  if (report.items.length === 0) {
    out.push(emptyLine(report));
  } else {
    const total = report.itemsTotal ?? report.items.length;
    out.push(`${total} group(s) with drift:`);
    const { shown, more: hidden } = truncateList(report.items, options.maxItems ?? report.items.length);
    const more = hidden + (total - report.items.length);
    for (const item of shown) out.push('', ...renderItem(item));
    if (more > 0) out.push('', `… and ${more} more group(s) with drift: \`rongsync report --run ${report.runId}\` lists every one.`);
  }
  return `${out.join('\n')}\n`;
}

function emptyLine(report: RunReport): string {
  if (report.status === 'running') return 'no drift recorded yet (run still in progress)';
  if (report.status === 'failed' || report.status === 'aborted' || report.status === 'interrupted') {
    return `no drift recorded (the run ${report.status} before comparing groups)`;
  }
  if (report.counts.checked === 0) return 'nothing to check: no group was pending for this run';
  return `in sync: all ${report.counts.checked} group(s) checked matched RongCloud`;
}

function renderItem(item: DriftReportItem): string[] {
  const lines = [`group ${t(item.groupId)}  ${t(item.kind)}  ${t(item.outcome)}  (drift age ${formatAge(item.ageMs)})`];
  if (item.missingMembers.length > 0) {
    lines.push(...wrap('  + missing: ', formatMembers(item.missingMembers, MAX_MEMBERS, t)));
  }
  if (item.extraMembers.length > 0) {
    lines.push(...wrap('  - extra: ', formatMembers(item.extraMembers, MAX_MEMBERS, t)));
  }
  const name = nameChange(item);
  if (name !== null) lines.push(...wrap('  name: ', name));
  if (item.reason !== null) lines.push(...wrap('  reason: ', t(item.reason)));
  if (item.errorCode !== null) lines.push(`  error code: ${item.errorCode}`);
  return lines;
}

/** `"Old" → "New"` (remote → desired) when the names differ or the name is the drift. */
function nameChange(item: DriftReportItem): string | null {
  const q = (s: string | null) => (s === null ? '(unknown)' : `"${t(s)}"`);
  if (item.desiredName !== null && item.remoteName !== null && item.desiredName !== item.remoteName) {
    return `${q(item.remoteName)} → ${q(item.desiredName)}`;
  }
  if (item.kind === 'name') return `${q(item.remoteName)} → ${q(item.desiredName)}`;
  return null;
}

/**
 * `prefix` + `text` folded at spaces to WIDTH columns; continuation lines are indented to the
 * prefix (or `indent`). A single word longer than the line is left whole rather than cut.
 */
function wrap(prefix: string, text: string, indent: string = ' '.repeat(prefix.length)): string[] {
  const lines: string[] = [];
  let line = prefix;
  let empty = true;
  for (const word of text.split(' ')) {
    if (!empty && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = indent + word;
    } else {
      line += (empty ? '' : ' ') + word;
    }
    empty = false;
  }
  lines.push(line);
  return lines;
}
