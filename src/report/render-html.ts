// One self-contained HTML page (inline CSS, no scripts, no external assets) for a run: counts as
// cards, the guard and error, a table of drifted groups and the remote calls. Every value that
// came from the database goes through `h` — group ids, names and members are app data: control and
// bidi characters become visible escapes (terminalSafe), then HTML is escaped — and a
// Content-Security-Policy forbids scripts anyway, as a second line of defence. Each id, name and
// member is also shown in its own <bdi>, so right-to-left text in one cannot reorder its neighbours.
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

const CSS = `
:root { --fg:#1f2328; --muted:#656d76; --line:#d0d7de; --bg:#fff; --panel:#f6f8fa;
  --green:#1a7f37; --red:#cf222e; --amber:#9a6700; --grey:#6e7781; --purple:#8250df; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--fg); background: var(--bg); }
h1 { font-size: 22px; margin: 0 0 4px; display: flex; align-items: center; gap: 10px; }
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
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 6px 10px; border-bottom: 1px solid var(--line); }
th { background: var(--panel); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .id { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px;
  overflow-wrap: anywhere; }
.members { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; overflow-wrap: anywhere; }
.plus { color: var(--green); } .minus { color: var(--red); }
.more { color: var(--muted); font-family: system-ui, sans-serif; }
.muted { color: var(--muted); }
.ok { color: var(--green); } .notok { color: var(--red); }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
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
    report.items.length === 0 ? `<p>${h(emptyLine(report))}</p>` : itemsTable(report.items),
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

function guard(report: RunReport): string {
  const b = report.blocked;
  if (b === null) return '';
  return (
    `<div class="notice"><strong>Deletion guard:</strong> held back ${b.deletes} deletion(s) ` +
    `(${h(formatShare(b.share))} of the memberships looked at): ${h(b.reason)}. Nothing was kicked or dismissed; ` +
    `approve with <code>--allow-deletes</code> or raise <code>RONGSYNC_MAX_DELETES</code> / ` +
    `<code>RONGSYNC_MAX_DELETE_SHARE</code>.</div>`
  );
}

function emptyLine(report: RunReport): string {
  if (report.status === 'running') return 'No drift recorded yet (run still in progress).';
  if (report.status === 'failed') return 'No drift recorded (the run failed before comparing groups).';
  return `In sync: all ${report.counts.checked} group(s) checked matched RongCloud.`;
}

function members(list: readonly string[], sign: 'plus' | 'minus'): string {
  if (list.length === 0) return '';
  const { shown, more } = truncateList(list, MAX_MEMBERS);
  const mark = sign === 'plus' ? '+' : '−';
  const tail = more > 0 ? ` <span class="more">… and ${more} more</span>` : '';
  return `<span class="${sign}">${mark} ${shown.map(v).join(', ')}</span>${tail}`;
}

function nameCell(item: DriftReportItem): string {
  const q = (s: string | null) => (s === null ? '<span class="muted">(unknown)</span>' : `“${v(s)}”`);
  if (item.desiredName !== null && item.remoteName !== null && item.desiredName !== item.remoteName) {
    return `${q(item.remoteName)} → ${q(item.desiredName)}`;
  }
  if (item.kind === 'name') return `${q(item.remoteName)} → ${q(item.desiredName)}`;
  return item.desiredName === null ? '' : q(item.desiredName);
}

function itemsTable(items: readonly DriftReportItem[]): string {
  const rows = items.map((item) => {
    const why = [
      item.reason === null ? '' : h(item.reason),
      item.errorCode === null ? '' : `<code>code ${item.errorCode}</code>`,
    ].filter((s) => s !== '');
    return (
      `<tr><td class="id">${v(item.groupId)}</td><td>${h(item.kind)}</td>` +
      `<td><span class="badge o-${cls(item.outcome)}">${h(item.outcome)}</span></td>` +
      `<td class="members">${members(item.missingMembers, 'plus')}</td>` +
      `<td class="members">${members(item.extraMembers, 'minus')}</td>` +
      `<td>${nameCell(item)}</td>` +
      `<td class="num" title="first seen ${h(formatTimestamp(item.firstSeenAt))}">${h(formatAge(item.ageMs))}</td>` +
      `<td>${why.join('<br>')}</td></tr>`
    );
  });
  return `<table>
<thead><tr><th>Group</th><th>Kind</th><th>Outcome</th><th>Missing</th><th>Extra</th><th>Name</th><th class="num">Drift age</th><th>Reason / error</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>`;
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
<table>
<thead><tr><th>Endpoint</th><th class="num">Attempts</th><th>By outcome</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>`;
}
