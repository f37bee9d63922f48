// Markdown report (for a PR comment, an issue, a wiki page): heading, counts table, calls table,
// drifted-groups table. App data is escaped so it cannot break a table row (`|`, newlines), open
// a code span (backtick), become inline HTML / a link when the Markdown is rendered, or reorder
// the text around it (bidi controls).
import { compareOutcomes } from './load.js';
import { formatAge, formatDuration, formatMembers, formatShare, formatTimestamp, terminalSafe } from './format.js';
import type { DriftReportItem, RunReport } from './types.js';

/** Members listed per cell before "… and N more". @default 10 */
const MAX_MEMBERS = 10;

/**
 * Escapes text for a Markdown table cell: control, line-separator and bidi characters first become
 * visible escapes (terminalSafe: a newline would end the row, an RLO would reverse the text after
 * it), then CommonMark backslash escapes and GFM `\|` — which also turn the escapes' backslash into
 * `\\`, so they render as written.
 */
export function escapeMarkdown(s: string): string {
  return terminalSafe(s).replace(/[\\`*_[\]<>|~&]/g, (c) => `\\${c}`);
}

const e = escapeMarkdown;

export function renderMarkdown(report: RunReport): string {
  const out: string[] = [];
  out.push(`# rongsync run #${report.runId}: ${e(report.status)}`, '');
  const took = report.finishedAt === null ? 'still running' : `took ${formatDuration(report.durationMs)}`;
  out.push(`${e(report.trigger)} · ${e(report.mode)} · started ${formatTimestamp(report.startedAt)} · ${took}`, '');
  if (report.error !== null) out.push(`> **Error:** ${e(report.error)}`, '');
  if (report.blocked !== null) {
    const b = report.blocked;
    out.push(
      `> **Deletion guard:** held back ${b.deletes} deletion(s) (${e(formatShare(b.share))} of the memberships ` +
        `looked at): ${e(b.reason)}. Nothing was kicked or dismissed.`,
      '',
    );
  }

  const c = report.counts;
  out.push('## Counts', '');
  out.push('| checked | in sync | drifted | fixed | failed | unreconcilable | quarantined | unknown |');
  out.push('|--:|--:|--:|--:|--:|--:|--:|--:|');
  out.push(
    `| ${c.checked} | ${c.inSync} | ${c.drifted} | ${c.fixed} | ${c.failed} | ${c.unreconcilable} | ` +
      `${c.quarantined} | ${c.unknown} |`,
    '',
  );

  const endpoints = Object.keys(report.calls);
  if (endpoints.length > 0) {
    out.push('## Calls', '');
    out.push('| endpoint | outcome | attempts |', '|---|---|--:|');
    for (const endpoint of endpoints) {
      const byOutcome = report.calls[endpoint] ?? {};
      for (const outcome of Object.keys(byOutcome).sort(compareOutcomes)) {
        out.push(`| ${e(endpoint)} | ${e(outcome)} | ${byOutcome[outcome]} |`);
      }
    }
    out.push('');
  }

  out.push(`## Drifted groups (${report.items.length})`, '');
  if (report.items.length === 0) {
    out.push(
      report.status === 'running'
        ? 'No drift recorded yet (run still in progress).'
        : report.status === 'failed'
          ? 'No drift recorded (the run failed before comparing groups).'
          : `All ${c.checked} group(s) checked matched RongCloud.`,
      '',
    );
  } else {
    out.push('| group | kind | outcome | missing | extra | name | drift age | reason / error |');
    out.push('|---|---|---|---|---|---|--:|---|');
    for (const item of report.items) out.push(row(item));
    out.push('');
  }
  return out.join('\n');
}

function row(item: DriftReportItem): string {
  const cells = [
    e(item.groupId),
    e(item.kind),
    `**${e(item.outcome)}**`,
    formatMembers(item.missingMembers, MAX_MEMBERS, e),
    formatMembers(item.extraMembers, MAX_MEMBERS, e),
    nameCell(item),
    formatAge(item.ageMs),
    [item.reason === null ? '' : e(item.reason), item.errorCode === null ? '' : `code ${item.errorCode}`]
      .filter((s) => s !== '')
      .join('; '),
  ];
  return `| ${cells.join(' | ')} |`;
}

function nameCell(item: DriftReportItem): string {
  const q = (s: string | null) => (s === null ? '(unknown)' : `"${e(s)}"`);
  if (item.desiredName !== null && item.remoteName !== null && item.desiredName !== item.remoteName) {
    return `${q(item.remoteName)} → ${q(item.desiredName)}`;
  }
  if (item.kind === 'name') return `${q(item.remoteName)} → ${q(item.desiredName)}`;
  return item.desiredName === null ? '' : q(item.desiredName);
}
