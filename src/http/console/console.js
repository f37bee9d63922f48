// The rongsync console: a hash-routed page over the JSON API (docs/http-api.md). Plain DOM, no
// framework, no build. Rule: app data (ids, names, members, error texts) reaches the page only as
// text nodes through `data()` — never as HTML — with control and bidi characters shown as escapes
// (the set comes from the server: rules.js) and isolated from the text around it.
import { UNSAFE_TO_SHOW } from './rules.js';

const CONDITIONS = ['quarantined', 'failed', 'unknown', 'in_doubt', 'blocked', 'unreconcilable', 'paused', 'drifted', 'unchecked', 'in_sync'];
const MEANING = {
  quarantined: 'skipped after repeated failures; release it to retry',
  failed: 'the last attempt failed; retried after a backoff',
  unknown: 'RongCloud could not be read',
  in_doubt: 'a write got no answer; read again before planning',
  blocked: 'deletions held by the mass-deletion guard',
  unreconcilable: 'a row RongCloud would refuse',
  paused: 'paused, and differs',
  drifted: 'differs; the next run fixes it',
  unchecked: 'no run has looked at it yet',
  in_sync: 'RongCloud matches the tables',
};
/** Members shown in a list before "… and N more". */
const MAX_MEMBERS = 200;

// ---------- DOM helpers ----------

/** App data made safe to show: control, line-separator and bidi characters as \xNN / \uNNNN. */
function safe(s) {
  return String(s).replace(UNSAFE_TO_SHOW, (c) => {
    const n = c.charCodeAt(0);
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

/** One piece of app data: text only, escaped, isolated, wrapping anywhere. */
function data(s, cls = '') {
  return el('bdi', { class: `data ${cls}`.trim(), title: s.length > 80 ? safe(s) : null }, safe(s));
}

const groupHref = (id) => `#/groups/${encodeURIComponent(id)}`;
const groupLink = (id) => el('a', { href: groupHref(id) }, data(id));
const badge = (kind, value, title) => el('span', { class: `badge ${kind}-${String(value).replace(/[^a-z_]/g, '')}`, title: title ?? null }, String(value).replace(/_/g, ' '));
const condition = (c) => badge('c', c, MEANING[c]);
const table = (head, rows, empty = 'nothing to show') =>
  rows.length === 0
    ? el('p', { class: 'muted' }, empty)
    : el('div', { class: 'table-wrap' }, el('table', {}, el('thead', {}, el('tr', {}, head.map((h) => (Array.isArray(h) ? el('th', { class: h[1] }, h[0]) : el('th', {}, h))))), el('tbody', {}, rows)));
const section = (title, ...body) => el('section', {}, el('h2', {}, title), ...body);

function fmtTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
function fmtAge(ms) {
  if (ms === null || ms === undefined) return '—';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}
/** A run's duration: milliseconds under a second. */
const fmtDuration = (ms) => (ms === null || ms === undefined ? '—' : ms < 1000 ? `${ms} ms` : fmtAge(ms));
const plural = (n, word) => `${Number(n).toLocaleString('en')} ${word}${n === 1 ? '' : 's'}`;
const ROLE_NOTE = { leader: 'reconciles changes and the schedule', standby: 'another replica leads; this one takes over if it stops', 'not serving': 'no reconcile service in this process' };
const ago = (iso) => (iso ? `${fmtAge(Date.now() - new Date(iso).getTime())} ago` : '—');
const when = (iso) => el('td', { class: 'when', title: iso ? ago(iso) : null }, fmtTime(iso));
const num = (n) => el('td', { class: 'num' }, n === null || n === undefined ? '—' : Number(n).toLocaleString('en'));

function memberList(ids, cls = '') {
  if (!ids || ids.length === 0) return el('span', { class: 'muted' }, 'none');
  const shown = ids.slice(0, MAX_MEMBERS).map((m) => el('span', { class: `member ${cls}`.trim() }, data(m)));
  return el('div', { class: 'members' }, shown, ids.length > MAX_MEMBERS ? el('span', { class: 'muted' }, `… and ${ids.length - MAX_MEMBERS} more`) : null);
}

// ---------- API ----------

class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

async function api(path, options = {}) {
  const res = await fetch(path, {
    credentials: 'same-origin',
    method: options.method ?? 'GET',
    headers: { accept: 'application/json', ...(options.body ? { 'content-type': 'application/json' } : {}) },
    ...(options.body ? { body: JSON.stringify(options.body) } : {}),
  });
  if (res.status === 401) {
    location.href = '/login';
    throw new ApiError('not logged in', 401);
  }
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(body?.message ?? `HTTP ${res.status}`, res.status);
  return body;
}

// ---------- header: role and banners ----------

function setRole(role) {
  const r = document.getElementById('role');
  r.className = `badge r-${role === 'leader' ? 'leader' : 'standby'}`;
  r.textContent = role;
  r.title = ROLE_NOTE[role] ?? '';
}

function setBanners(status) {
  const out = [];
  const g = status.groups;
  if (g.blocked > 0) {
    out.push(
      el('p', { class: 'banner warn' }, el('strong', {}, 'Deletions held by the mass-deletion guard: '), `${plural(g.blocked, 'group')} wait${g.blocked === 1 ? 's' : ''} for approval. `,
        'Check them, then approve with ', el('code', {}, 'rongsync apply --allow-deletes'), ' (or RONGSYNC_ALLOW_DELETES=true). ', el('a', { href: '#/groups?condition=blocked' }, 'Show them')),
    );
  }
  const last = status.lastRuns[0];
  if (last && ['failed', 'aborted', 'interrupted'].includes(last.status)) {
    out.push(el('p', { class: 'banner bad' }, el('strong', {}, `Run #${last.runId} ${last.status}`), last.error ? [': ', data(last.error)] : '', ' ', el('a', { href: `#/runs/${last.runId}` }, 'See the run')));
  }
  const failedRuns = status.lastRuns.filter((r) => r.status === 'failed').length;
  if (failedRuns > 1) out.push(el('p', { class: 'banner bad' }, `${failedRuns} of the last ${status.lastRuns.length} runs failed.`));
  if (g.quarantined > 0) out.push(el('p', { class: 'banner bad' }, `${plural(g.quarantined, 'group')} quarantined after repeated failures. `, el('a', { href: '#/quarantine' }, 'Review them')));
  document.getElementById('banners').replaceChildren(...out);
}

// ---------- pages ----------

function card(label, value, sub) {
  return el('div', { class: 'card' }, el('div', { class: 'label' }, label), el('div', { class: 'value' }, value), sub ? el('div', { class: 'sub' }, sub) : null);
}

function conditionBars(groups) {
  const max = Math.max(1, ...CONDITIONS.map((c) => groups[c] ?? 0));
  return el(
    'ul',
    { class: 'conditions' },
    CONDITIONS.map((c) => {
      const fill = el('span');
      fill.style.width = `${((groups[c] ?? 0) / max) * 100}%`;
      return el('li', { 'data-condition': c }, el('a', { href: `#/groups?condition=${c}` }, condition(c)), el('span', { class: 'n' }, (groups[c] ?? 0).toLocaleString('en')), el('div', { class: `bar c-${c}` }, fill));
    }),
  );
}

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs, ...children) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  for (const c of children) e.append(c);
  return e;
}

/** Calls per minute over the last hour: one bar a minute, rate-limited (1008) and failed stacked in colour. */
function callChart(perMinute) {
  const now = Math.floor(Date.now() / 60000);
  const byMinute = new Map(perMinute.map((m) => [Math.floor(new Date(m.minute).getTime() / 60000), m]));
  const minutes = Array.from({ length: 60 }, (_, i) => byMinute.get(now - 59 + i) ?? { calls: 0, rateLimited: 0, failed: 0 });
  const max = Math.max(1, ...minutes.map((m) => m.calls));
  const W = 600, H = 120, pad = 18, bw = W / 60;
  const bars = [];
  minutes.forEach((m, i) => {
    const x = i * bw + 1;
    const h = (v) => (v / max) * (H - pad - 4);
    const total = h(m.calls);
    if (m.calls > 0) bars.push(svg('rect', { x, y: H - pad - total, width: bw - 2, height: total, fill: '#8c959f' }, svg('title', {}, `${m.calls} calls, ${m.rateLimited} rate limited, ${m.failed} failed`)));
    if (m.failed > 0) bars.push(svg('rect', { x, y: H - pad - h(m.failed + m.rateLimited), width: bw - 2, height: h(m.failed), fill: '#bf8700' }));
    if (m.rateLimited > 0) bars.push(svg('rect', { x, y: H - pad - h(m.rateLimited), width: bw - 2, height: h(m.rateLimited), fill: '#cf222e' }));
  });
  const text = (x, anchor, s) => svg('text', { x, y: H - 4, 'font-size': 11, fill: '#656d76', 'text-anchor': anchor }, s);
  const chart = svg(
    'svg',
    { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'RongCloud calls per minute over the last hour' },
    svg('line', { x1: 0, y1: H - pad, x2: W, y2: H - pad, stroke: '#d0d7de' }),
    ...bars,
    text(2, 'start', '60 min ago'),
    text(W / 2, 'middle', '30 min'),
    text(W - 2, 'end', 'now'),
    svg('text', { x: 4, y: 12, 'font-size': 11, fill: '#656d76' }, `max ${max}/min`),
  );
  const sum = (k) => minutes.reduce((a, m) => a + m[k], 0);
  return el(
    'div',
    { class: 'chart' },
    chart,
    el('div', { class: 'legend' },
      el('span', {}, el('span', { class: 'swatch sw-calls' }), `${sum('calls').toLocaleString('en')} calls`),
      el('span', {}, el('span', { class: 'swatch sw-limited' }), `${sum('rateLimited').toLocaleString('en')} rate limited (1008)`),
      el('span', {}, el('span', { class: 'swatch sw-failed' }), `${sum('failed').toLocaleString('en')} failed`)),
  );
}

function runsTable(runs) {
  return table(
    ['Run', 'Trigger', 'Status', 'Started', ['Duration', 'num'], ['Checked', 'num'], ['Drifted', 'num'], ['Fixed', 'num'], ['Failed', 'num']],
    runs.map((r) =>
      el('tr', {},
        el('td', {}, el('a', { href: `#/runs/${r.runId}` }, `#${r.runId}`)),
        el('td', {}, r.trigger),
        el('td', {}, badge('s', r.status), r.error ? el('div', { class: 'small error' }, data(r.error.length > 160 ? `${r.error.slice(0, 160)}…` : r.error)) : null),
        when(r.startedAt),
        el('td', { class: 'num' }, fmtDuration(r.durationMs)),
        num(r.counts.checked), num(r.counts.drifted), num(r.counts.fixed), num(r.counts.failed))),
    'no runs yet',
  );
}

async function overview() {
  const s = await api('/api/status');
  setRole(s.role);
  setBanners(s);
  const v = s.verification;
  return el('div', {},
    el('h1', {}, 'Overview'),
    el('div', { class: 'cards' },
      card('This process', s.role, ROLE_NOTE[s.role]),
      card('Backlog', plural(s.backlog.groups, 'group'), s.backlog.oldestChangeAt ? `oldest change ${ago(s.backlog.oldestChangeAt)}` : 'nothing waiting'),
      card('Known drift', plural(s.knownDrift.total, 'group'), s.knownDrift.total ? 'not in sync yet (see below)' : 'everything rongsync knows matches'),
      card('Verified', `${v.read.toLocaleString('en')} / ${v.groups.toLocaleString('en')}`, v.oldestRead ? `least recently read ${ago(v.oldestRead)}` : 'no group read from RongCloud yet')),
    el('div', { class: 'two' },
      section('Groups by condition', conditionBars(s.groups)),
      section('RongCloud calls, last hour', callChart(s.calls))),
    section('Last runs', runsTable(s.lastRuns), el('p', {}, el('a', { href: '#/runs' }, 'All runs →'))),
  );
}

async function runsPage() {
  const { runs } = await api('/api/runs?limit=100');
  return el('div', {}, el('h1', {}, 'Runs'), runsTable(runs));
}

async function runPage(id) {
  const r = await api(`/api/runs/${id}`);
  const link = (format, label) => el('a', { href: `/api/runs/${id}?format=${format}`, target: '_blank', rel: 'noopener' }, label);
  return el('div', {},
    el('h1', {}, `Run #${r.runId} `, badge('s', r.status)),
    el('p', { class: 'muted' }, `${r.trigger}, ${r.mode} · started ${fmtTime(r.startedAt)} · `, link('json', 'JSON'), ' · ', link('md', 'Markdown'), ' · ', link('text', 'text')),
    el('iframe', { class: 'report-frame', src: `/api/runs/${id}?format=html`, title: `Drift report of run ${r.runId}`, sandbox: '' }),
  );
}

function parseQuery(q) {
  return Object.fromEntries(new URLSearchParams(q ?? ''));
}

async function groupsPage(query) {
  const q = parseQuery(query);
  const params = new URLSearchParams();
  for (const k of ['condition', 'after', 'search']) if (q[k]) params.set(k, q[k]);
  params.set('limit', '100');
  const { groups, next } = await api(`/api/groups?${params}`);
  const filterHref = (c) => {
    const p = new URLSearchParams();
    if (c) p.set('condition', c);
    if (q.search) p.set('search', q.search);
    return `#/groups${p.size ? `?${p}` : ''}`;
  };
  const search = el('form', { class: 'search', role: 'search' },
    el('input', { name: 'search', type: 'search', placeholder: 'group id contains…', value: q.search ?? '', 'aria-label': 'Search group ids' }),
    el('button', { type: 'submit' }, 'Search'));
  search.addEventListener('submit', (e) => {
    e.preventDefault();
    const p = new URLSearchParams();
    if (q.condition) p.set('condition', q.condition);
    const s = search.elements.search.value;
    if (s) p.set('search', s);
    location.hash = `#/groups${p.size ? `?${p}` : ''}`;
  });
  const nextParams = new URLSearchParams(params);
  nextParams.delete('limit');
  if (next) nextParams.set('after', next);
  return el('div', {},
    el('h1', {}, q.condition ? ['Groups: ', condition(q.condition)] : 'Groups'),
    el('nav', { class: 'filters', 'aria-label': 'Conditions' },
      el('a', { href: filterHref(null), class: q.condition ? '' : 'active' }, 'all'),
      CONDITIONS.map((c) => el('a', { href: filterHref(c), class: q.condition === c ? 'active' : '' }, c.replace(/_/g, ' ')))),
    search,
    groupTable(groups),
    el('div', { class: 'pager' },
      q.after ? el('a', { href: filterHref(q.condition) }, '← first page') : null,
      next ? el('a', { href: `#/groups?${nextParams}` }, 'next page →') : null),
  );
}

function groupTable(groups) {
  return table(
    ['Group', 'Condition', 'Why', ['Members (tables / RongCloud)', 'num'], 'Since', 'Checked'],
    groups.map((g) =>
      el('tr', {},
        el('td', { class: 'wide' }, groupLink(g.groupId), g.paused ? [' ', badge('c', 'paused', 'paused by an operator')] : null),
        el('td', {}, condition(g.condition)),
        el('td', {}, g.reason ? data(g.reason) : el('span', { class: 'muted' }, '—'), g.nextAttemptAt ? el('div', { class: 'small muted' }, `next attempt ${fmtTime(g.nextAttemptAt)}`) : null),
        el('td', { class: 'num' }, `${g.desiredMembers ?? '—'} / ${g.remoteMembers ?? '—'}`),
        when(g.since),
        when(g.checkedAt))),
    'no groups here',
  );
}

function describeCall(c) {
  const n = (ids) => `${ids.length} member${ids.length === 1 ? '' : 's'}`;
  switch (c.kind) {
    case 'create': return [el('strong', {}, 'create'), ` named `, data(c.name), ` with ${n(c.memberIds)}`, memberList(c.memberIds, 'add')];
    case 'invite': return [el('strong', {}, 'invite'), ` ${n(c.memberIds)}`, memberList(c.memberIds, 'add')];
    case 'kick': return [el('strong', {}, 'kick'), ` ${n(c.memberIds)}`, memberList(c.memberIds, 'del')];
    case 'refresh': return [el('strong', {}, 'rename'), ' to ', data(c.name)];
    case 'dismiss': return [el('strong', {}, 'dismiss'), ' (operator ', data(c.operator), ')'];
    case 'sync': return [el('strong', {}, 'sync'), ' user ', data(c.userId), ` into ${c.groups.length} group(s)`];
    default: return [c.kind];
  }
}

async function groupPage(rawId, query) {
  const id = decodeURIComponent(rawId);
  const q = parseQuery(query);
  const g = await api(`/api/groups/${encodeURIComponent(id)}${q.read === '1' ? '?read=1' : ''}`);
  const result = el('div', { class: 'result', role: 'status' });
  const act = (label, path, { primary = false, body } = {}) => {
    const b = el('button', { type: 'button', class: primary ? 'primary' : null }, label);
    b.addEventListener('click', async () => {
      for (const x of b.parentElement.querySelectorAll('button')) x.disabled = true;
      result.replaceChildren(el('span', { class: 'muted' }, `${label}…`));
      try {
        const r = await api(`/api/groups/${encodeURIComponent(id)}/${path}`, { method: 'POST', body });
        setNote(r.verdict ? `Reconciled in run #${r.run.runId}: ${r.verdict.headline}` : `${label}: done`);
      } catch (e) {
        setNote(`${label} failed: ${e.message}`);
      }
      void render();
    });
    return b;
  };
  const s = g.state;
  const actions = el('div', { class: 'actions' },
    act('Reconcile now', 'reconcile', { primary: true, body: {} }),
    s?.paused ? act('Resume', 'resume') : act('Pause', 'pause'),
    g.condition === 'quarantined' ? act('Release', 'release') : null,
    el('a', { class: 'button', href: `${groupHref(id)}?read=1` }, 'Read from RongCloud now'));
  const shown = currentNote();
  if (shown) result.replaceChildren(el('span', {}, safe(shown)));

  const d = g.diff;
  const cell = (v) => el('td', {}, v);
  const nameOf = (x) => (x === null ? el('span', { class: 'muted' }, '—') : x.name === null ? el('span', { class: 'muted' }, 'unknown') : data(x.name));
  const readCol = g.read ? (g.read.ok ? g.read : null) : undefined;
  const head = ['', 'Tables (desired)', 'Shadow (rongsync believes)', ...(g.read ? ['Fresh read (RongCloud now)'] : [])];
  const compare = table(head, [
    el('tr', {}, el('th', {}, 'Name'), cell(g.desired ? data(g.desired.name) : el('span', { class: 'muted' }, 'not in the tables')), cell(nameOf(g.shadow)), g.read ? cell(readCol ? nameOf(readCol) : el('span', { class: 'error' }, data(g.read.error))) : null),
    el('tr', {}, el('th', {}, 'Members'),
      cell(g.desired ? [`${g.desired.members.length}`, memberList(g.desired.members)] : '—'),
      cell(g.shadow ? [`${g.shadow.members.length}`, memberList(g.shadow.members), el('div', { class: 'small muted' }, `read ${fmtTime(g.shadow.readAt)}, written ${fmtTime(g.shadow.writtenAt)}`)] : el('span', { class: 'muted' }, 'nothing known')),
      g.read ? cell(readCol ? [`${readCol.members.length}`, memberList(readCol.members)] : '—') : null),
  ]);

  const diffFacts = [];
  if (d.missingGroup) diffFacts.push(['Group', 'missing in RongCloud (will be created)']);
  if (d.orphan) diffFacts.push(['Group', 'not in the tables but in RongCloud (will be dismissed)']);
  if (d.missingMembers.length) diffFacts.push([`Missing (${d.missingMembers.length})`, memberList(d.missingMembers, 'add')]);
  if (d.extraMembers.length) diffFacts.push([`Extra (${d.extraMembers.length})`, memberList(d.extraMembers, 'del')]);
  if (d.nameChange) diffFacts.push(['Name', [d.nameChange.from === null ? el('span', { class: 'muted' }, 'unknown') : data(d.nameChange.from), ' → ', data(d.nameChange.to)]]);
  for (const i of d.invalid) diffFacts.push([`Refused ${i.subject}`, [data(i.id), ': ', data(i.reason)]]);
  for (const n of d.notes) diffFacts.push(['Note', data(n)]);
  const facts = (pairs) => el('dl', { class: 'facts' }, pairs.map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));

  const stateFacts = s
    ? [
        ['Paused', s.paused ? 'yes — never written, still observed' : 'no'],
        ['Additive', s.additive ? 'yes — extra remote members are kept' : 'no'],
        ['Failures in a row', String(s.consecutiveFailures)],
        ['Next attempt', s.nextAttemptAt ? `${fmtTime(s.nextAttemptAt)}` : '—'],
        ['Last error', s.lastError ? data(s.lastError) : '—'],
        ['Quarantined', s.quarantinedAt ? [`since ${fmtTime(s.quarantinedAt)}: `, data(s.quarantineReason ?? '')] : 'no'],
        ['Differs since', s.driftFirstSeenAt ? `${fmtTime(s.driftFirstSeenAt)} (${ago(s.driftFirstSeenAt)})` : '—'],
      ]
    : [['State', 'no run has recorded anything for this group yet']];

  return el('div', {},
    el('h1', {}, 'Group ', data(id), ' ', condition(g.condition)),
    g.reason ? el('p', {}, data(g.reason)) : el('p', { class: 'muted' }, MEANING[g.condition] ?? ''),
    actions,
    result,
    g.inDoubt ? el('p', { class: 'banner warn' }, el('strong', {}, 'In doubt: '), `writes of run #${g.inDoubt.runId ?? '?'} got no answer (marked ${fmtTime(g.inDoubt.markedAt)}): `, data(g.inDoubt.calls.join(', ')), '. The next run reads RongCloud before planning.') : null,
    section('Desired, shadow and last read', compare),
    section('Difference', diffFacts.length ? facts(diffFacts) : el('p', { class: 'muted' }, `none (${d.status.replace(/_/g, ' ')})`)),
    section('Next calls', g.nextCalls.length ? el('ul', {}, g.nextCalls.map((c) => el('li', {}, describeCall(c)))) : el('p', { class: 'muted' }, 'none: the next run sends nothing for this group')),
    section('State and backoff', facts(stateFacts)),
    section('Pending changes', table(['Change', 'Source', 'Operation', 'At'], g.pendingChanges.map((c) => el('tr', {}, el('td', { class: 'num' }, c.id), el('td', {}, c.source), el('td', {}, c.op), when(c.changedAt))), 'none: every change is applied')),
    section('Recent calls', table(['At', 'Run', 'Endpoint', 'Outcome', ['Code', 'num'], ['Latency', 'num'], ['Attempt', 'num'], 'Error'],
      g.recentCalls.map((c) => el('tr', {}, when(c.at), el('td', {}, c.runId ? el('a', { href: `#/runs/${c.runId}` }, `#${c.runId}`) : '—'), el('td', {}, el('code', {}, c.endpoint)), el('td', {}, badge('o', c.outcome)), num(c.code ?? c.httpStatus), el('td', { class: 'num' }, `${c.latencyMs} ms`), num(c.attempt), el('td', {}, c.error ? data(c.error) : '—'))),
      'no calls logged for this group')),
    section('Drift history', table(['Run', 'At', 'Trigger', 'Kind', 'Outcome', 'Missing', 'Extra', 'Why'],
      g.history.map((h) => el('tr', {}, el('td', {}, el('a', { href: `#/runs/${h.runId}` }, `#${h.runId}`)), when(h.at), el('td', {}, h.trigger), el('td', {}, h.kind), el('td', {}, badge('o', h.outcome)), el('td', {}, memberList(h.missingMembers, 'add')), el('td', {}, memberList(h.extraMembers, 'del')), el('td', {}, h.reason ? data(h.reason) : '—'))),
      'no drift recorded for this group')),
  );
}

async function listPage(title, path, columns, row, empty) {
  const { groups } = await api(path);
  return el('div', {}, el('h1', {}, `${title} (${groups.length})`), table(columns, groups.map(row), empty));
}

function rowAction(label, id, path) {
  const b = el('button', { type: 'button' }, label);
  b.addEventListener('click', async () => {
    b.disabled = true;
    try {
      await api(`/api/groups/${encodeURIComponent(id)}/${path}`, { method: 'POST' });
    } catch (e) {
      alert(`${label} failed: ${e.message}`);
    }
    void render();
  });
  return b;
}

const quarantinePage = () =>
  listPage('Quarantined groups', '/api/quarantined', ['Group', 'Since', ['Failures', 'num'], 'Last error', 'Reason', ''],
    (g) => el('tr', {}, el('td', { class: 'wide' }, groupLink(g.groupId)), when(g.quarantinedAt), num(g.consecutiveFailures), el('td', {}, g.lastError ? data(`${g.lastErrorCode ?? ''} ${g.lastError}`.trim()) : '—'), el('td', {}, g.quarantineReason ? data(g.quarantineReason) : '—'), el('td', {}, rowAction('Release', g.groupId, 'release'))),
    'no quarantined groups');

const pausedPage = () =>
  listPage('Paused groups', '/api/paused', ['Group', 'Paused (last change)', 'Last status', ''],
    (g) => el('tr', {}, el('td', { class: 'wide' }, groupLink(g.groupId)), when(g.updatedAt), el('td', {}, g.lastStatus ? condition(g.lastStatus) : '—'), el('td', {}, rowAction('Resume', g.groupId, 'resume'))),
    'no paused groups');

// ---------- router and live updates ----------

const ROUTES = [
  [/^#?\/?$/, 'overview', () => overview()],
  [/^#\/runs$/, 'runs', () => runsPage()],
  [/^#\/runs\/(\d+)$/, 'runs', (m) => runPage(m[1])],
  [/^#\/groups(?:\?(.*))?$/, 'groups', (m) => groupsPage(m[1])],
  [/^#\/groups\/([^?]+)(?:\?(.*))?$/, 'groups', (m) => groupPage(m[1], m[2])],
  [/^#\/quarantine$/, 'quarantine', () => quarantinePage()],
  [/^#\/paused$/, 'paused', () => pausedPage()],
];

const view = document.getElementById('view');
let seq = 0;
/** The outcome of the last action, shown on its page until the user leaves it (re-renders keep it). */
let note = null;
function setNote(text) {
  note = { hash: location.hash, text, until: Date.now() + 60_000 };
}
function currentNote() {
  return note && note.hash === location.hash && Date.now() < note.until ? note.text : null;
}

async function render() {
  const mine = ++seq;
  const hash = location.hash || '#/';
  const route = ROUTES.find(([re]) => re.test(hash));
  for (const a of document.querySelectorAll('[data-nav]')) a.classList.toggle('active', route?.[1] === a.dataset.nav);
  // Banners belong to the overview, which refreshes them; elsewhere they would go stale.
  if (route?.[1] !== 'overview') document.getElementById('banners').replaceChildren();
  if (!route) {
    view.replaceChildren(el('h1', {}, 'Not found'), el('p', {}, el('a', { href: '#/' }, 'Back to the overview')));
    return;
  }
  try {
    const node = await route[2](hash.match(route[0]));
    if (mine === seq) view.replaceChildren(node);
  } catch (e) {
    if (mine === seq) view.replaceChildren(el('h1', {}, 'Could not load this page'), el('p', { class: 'error' }, data(e.message)), el('p', {}, el('a', { href: '#/' }, 'Back to the overview')));
  }
  if (mine === seq) {
    // For tests and scripts driving the page: which route was rendered last, and how many renders.
    document.body.dataset.route = hash;
    document.body.dataset.rendered = String(mine);
  }
}

/** Re-renders the current page for news, unless the user is typing or an action is under way. */
function refresh() {
  const typing = document.activeElement && document.activeElement.tagName === 'INPUT';
  const busy = view.querySelector('button:disabled');
  if (!typing && !busy) void render();
}

let refreshTimer;
function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refresh, 300);
}

async function roleBadge() {
  try {
    const r = await fetch('/readyz').then((res) => res.json());
    setRole(r.role);
  } catch {
    /* the next refresh tries again */
  }
}

function live() {
  const status = document.getElementById('live');
  const es = new EventSource('/api/events');
  es.addEventListener('open', () => (status.textContent = 'live: updates as runs finish'));
  es.addEventListener('error', () => (status.textContent = 'live updates reconnecting…'));
  es.addEventListener('run', refreshSoon);
  es.addEventListener('role', () => {
    void roleBadge();
    refreshSoon();
  });
}

window.addEventListener('hashchange', () => void render());
// Polling as well as events: a proxy may hold the event stream back.
setInterval(() => {
  if (document.visibilityState === 'visible' && (location.hash || '#/').match(/^#?\/?$/)) refresh();
}, 15_000);
void roleBadge();
void render();
live();
