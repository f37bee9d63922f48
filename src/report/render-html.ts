// One self-contained HTML page (inline CSS, no scripts, no external assets) for a run: counts as
// cards, the guard and error, a table of drifted groups and the remote calls. Every value that
// came from the database goes through `h` — group ids, names and members are app data: control and
// bidi characters become visible escapes (terminalSafe), then HTML is escaped — and a
// Content-Security-Policy forbids scripts anyway, as a second line of defence. Each id, name and
// member is also shown in its own <bdi>, so right-to-left text in one cannot reorder its neighbours.
//
// Layout: the page never scrolls sideways. Long unbroken values (80-character names, 64-character
// ids, URLs in errors) wrap anywhere; short ids never break inside; the guard's message is shown
// once, above the table; on a narrow screen a table scrolls inside its own box. Checked in
// headless Chromium by test/report/render-html.layout.test.ts.
import { compareOutcomes } from './load.js';
import { formatAge, formatDuration, formatShare, formatTimestamp, terminalSafe, truncateList } from './format.js';
import type { DriftReportItem, RunReport } from './types.js';

/** Members shown per cell before "… and N more". @default 30 */
const MAX_MEMBERS = 30;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A database value as HTML text. */
const h = (s: string): string => escapeHtml(terminalSafe(s));

/** An id, a name or a member: escaped, and isolated from the text around it. */
const v = (s: string): string => `<bdi>${h(s)}</bdi>`;

/** A database value used in a class name: only [a-z0-9_-] survive. */
function cls(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9_-]/g, '');
}

/** Ids up to this many characters never break inside; longer ones wrap anywhere. */
const SHORT_ID = 20;

/** Sans-serif with CJK fallbacks on every common system (names are often Chinese or Japanese). */
const SANS = `system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", "PingFang SC", "Hiragino Sans GB", "Hiragino Sans", "Microsoft YaHei", "Yu Gothic UI", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif`;
const MONO = `ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", "Noto Sans Mono CJK SC", "Noto Sans Mono", monospace`;

const CSS = `
:root { --fg:#1f2328; --muted:#656d76; --line:#d0d7de; --bg:#fff; --panel:#f6f8fa;
  --green:#1a7f37; --red:#cf222e; --amber:#9a6700; --grey:#6e7781; --purple:#8250df; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1600px; padding: 24px 32px; font: 14px/1.45 ${SANS};
  color: var(--fg); background: var(--bg); overflow-wrap: anywhere; }
h1 { font-size: 22px; margin: 0 0 4px; display: flex; flex-wrap: wrap; align-items: center; gap: 10px; }
h2 { font-size: 16px; margin: 28px 0 10px; }
.meta { color: var(--muted); margin: 0 0 20px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600;
  color: #fff; background: var(--grey); white-space: nowrap; }
.s-succeeded, .o-fixed { background: var(--green); }
.s-failed, .o-failed { background: var(--red); }
.s-partial, .o-detected { background: var(--amber); }
.s-running, .o-skipped { background: var(--grey); }
.o-blocked { background: var(--purple); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(130px, 1fr)); gap: 10px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; background: var(--panel); }
.card .n { font-size: 24px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .l { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card.warn .n { color: var(--amber); } .card.bad .n { color: var(--red); } .card.good .n { color: var(--green); }
.notice { border: 1px solid var(--line); border-left: 4px solid var(--purple); border-radius: 6px;
  padding: 10px 14px; margin: 16px 0; background: var(--panel); }
.notice.error { border-left-color: var(--red); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 6px 10px; border-bottom: 1px solid var(--line); }
th { background: var(--panel); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted);
  white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.nowrap { white-space: nowrap; }
code, .id { font-family: ${MONO}; font-size: 12.5px; }
.id { white-space: nowrap; }
.id.long { white-space: normal; overflow-wrap: anywhere; }
.members { font-family: ${MONO}; font-size: 12px; min-width: 9em; }
.plus { color: var(--green); } .minus { color: var(--red); }
.more { color: var(--muted); font-family: ${SANS}; white-space: nowrap; }
.muted { color: var(--muted); }
.ok { color: var(--green); } .notok { color: var(--red); }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
@media (max-width: 760px) {
  body { padding: 16px 12px; }
  /* Too narrow for eight columns: the table keeps readable columns and scrolls in its box. */
  .scroll > table.items { min-width: 1000px; }
}
`;
export function renderHtml(report: RunReport): string {
  const title = `rongsync run #${report.runId}: ${report.status}`;
  const took = report.finishedAt === null ? 'still running' : `took ${formatDuration(report.durationMs)}`;
  const body = [
    `<h1>rongsync run #${report.runId} <span class="badge s-${cls(report.status)}">${h(report.status)}</span></h1>`,
    `<p class="meta">${h(report.trigger)} · ${h(report.mode)} · started ${h(formatTimestamp(report.startedAt))} · ${h(took)}</p>`,
    cards(report),
    report.error === null ? '' : `<div class="notice error"><strong>Error:</strong> ${h(report.error)}</div>`,
    guard(report),
    `<h2>Drifted groups (${report.items.length})</h2>`,
    report.items.length === 0 ? `<p>${h(emptyLine(report))}</p>` : itemsTable(report.items, report.blocked?.reason ?? null),
    callsTable(report.calls),
    `<footer>schema ${h(report.schema)} · run ${report.runId} · finished ${h(formatTimestamp(report.finishedAt))}</footer>`,
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(title)}</title>
<style>${CSS}</style>
</head>
<body>
${body.filter((s) => s !== '').join('\n')}
</body>
</html>
`;
}

function cards(report: RunReport): string {
  const c = report.counts;
  const card = (n: number, label: string, tone: '' | 'good' | 'warn' | 'bad' = '') =>
    `<div class="card${tone === '' || n === 0 ? '' : ` ${tone}`}"><div class="n">${n}</div><div class="l">${label}</div></div>`;
  return `<section class="cards">
${card(c.checked, 'checked')}
${card(c.inSync, 'in sync', 'good')}
${card(c.drifted, 'drifted', 'warn')}
${card(c.fixed, 'fixed', 'good')}
${card(c.failed, 'failed', 'bad')}
${card(c.unreconcilable, 'unreconcilable', 'bad')}
${card(c.quarantined, 'quarantined', 'bad')}
${card(c.unknown, 'unknown', 'warn')}
</section>`;
}

/**
 * The guard's notice, once, above the table. The planner's reason already says what was held,
 * why and how to approve; a terse reason (older runs) gets that said around it.
 */
function guard(report: RunReport): string {
  const b = report.blocked;
  if (b === null) return '';
  const full = b.reason.includes('--allow-deletes');
  const text = full
    ? h(b.reason.replace(/^mass-deletion guard:\s*/i, ''))
    : `held back ${b.deletes} deletion(s) (${h(formatShare(b.share))} of the memberships looked at): ${h(b.reason)}. ` +
      `Nothing was kicked or dismissed; approve with <code>--allow-deletes</code> or raise <code>RONGSYNC_MAX_DELETES</code> / ` +
      `<code>RONGSYNC_MAX_DELETE_SHARE</code>.`;
  return `<div class="notice guard"><strong>Deletion guard:</strong> ${text}</div>`;
}

/**
 * An item's reason without the guard's message, which the notice above already shows (the run
 * copies it into every blocked group's reason).
 */
function itemReason(item: DriftReportItem, guardReason: string | null): string | null {
  if (item.reason === null || guardReason === null || !item.reason.includes(guardReason)) return item.reason;
  const rest = item.reason
    .split(guardReason)
    .map((part) => part.replace(/^\s*;\s*|\s*;\s*$/g, ''))
    .filter((part) => part !== '')
    .join('; ');
  return rest === '' ? 'held by the deletion guard (see above)' : rest;
}

/** A group or user id: kept whole when short, wrapped anywhere when long. */
function id(value: string): string {
  return `<bdi class="id${[...value].length > SHORT_ID ? ' long' : ''}">${h(value)}</bdi>`;
}

function emptyLine(report: RunReport): string {
  if (report.status === 'running') return 'No drift recorded yet (run still in progress).';
  if (report.status === 'failed') return 'No drift recorded (the run failed before comparing groups).';
  return `In sync: all ${report.counts.checked} group(s) checked matched RongCloud.`;
}

function members(list: readonly string[], sign: 'plus' | 'minus'): string {
  if (list.length === 0) return '';
  const { shown, more } = truncateList(list, MAX_MEMBERS);
  const mark = sign === 'plus' ? '+' : '−'; // kept on the line of the first id (&nbsp;)
  const tail = more > 0 ? ` <span class="more">… and ${more} more</span>` : '';
  return `<span class="${sign}">${mark}&nbsp;${shown.map(id).join(', ')}</span>${tail}`;
}

function nameCell(item: DriftReportItem): string {
  const q = (s: string | null) => (s === null ? '<span class="muted">(unknown)</span>' : `“${v(s)}”`);
  if (item.desiredName !== null && item.remoteName !== null && item.desiredName !== item.remoteName) {
    return `${q(item.remoteName)} → ${q(item.desiredName)}`;
  }
  if (item.kind === 'name') return `${q(item.remoteName)} → ${q(item.desiredName)}`;
  return item.desiredName === null ? '' : q(item.desiredName);
}

function itemsTable(items: readonly DriftReportItem[], guardReason: string | null): string {
  const rows = items.map((item) => {
    const reason = itemReason(item, guardReason);
    const why = [
      reason === null ? '' : h(reason),
      item.errorCode === null ? '' : `<code>code ${item.errorCode}</code>`,
    ].filter((s) => s !== '');
    return (
      `<tr><td>${id(item.groupId)}</td><td class="nowrap">${h(item.kind)}</td>` +
      `<td><span class="badge o-${cls(item.outcome)}">${h(item.outcome)}</span></td>` +
      `<td class="members">${members(item.missingMembers, 'plus')}</td>` +
      `<td class="members">${members(item.extraMembers, 'minus')}</td>` +
      `<td>${nameCell(item)}</td>` +
      `<td class="num nowrap" title="first seen ${h(formatTimestamp(item.firstSeenAt))}">${h(formatAge(item.ageMs))}</td>` +
      `<td>${why.join('<br>')}</td></tr>`
    );
  });
  return `<div class="scroll"><table class="items">
<thead><tr><th>Group</th><th>Kind</th><th>Outcome</th><th>Missing</th><th>Extra</th><th>Name</th><th class="num">Drift age</th><th>Reason / error</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table></div>`;
}

function callsTable(calls: RunReport['calls']): string {
  const endpoints = Object.keys(calls);
  if (endpoints.length === 0) return '';
  const rows = endpoints.map((endpoint) => {
    const byOutcome = calls[endpoint] ?? {};
    const total = Object.values(byOutcome).reduce((a, b) => a + b, 0);
    const parts = Object.keys(byOutcome)
      .sort(compareOutcomes)
      .map((o) => `<span class="${o === 'ok' ? 'ok' : 'notok'}">${h(o)}&nbsp;${byOutcome[o]}</span>`);
    return `<tr><td><code>${h(endpoint)}</code></td><td class="num">${total}</td><td>${parts.join(' · ')}</td></tr>`;
  });
  return `<h2>Remote calls</h2>
<div class="scroll"><table>
<thead><tr><th>Endpoint</th><th class="num">Attempts</th><th>By outcome</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table></div>`;
}
