// `rongsync status` — one screen on where rongsync stands (like `argocd app get`): whether a
// `serve` leads (someone holds the leader lock, from any process), the backlog of changes, groups by
// condition, how fresh the last verification against RongCloud is, deletions the guard holds,
// RongCloud calls over the last hour and the last runs. `--json` prints the library's status()
// as is (the same object as the HTTP API's /api/status). Exit 0: it reports, it does not judge.
import type { Command } from 'commander';
import { CONDITION_ORDER } from '../../store/group-state.js';
import { formatDuration, formatTimestamp } from '../../report/format.js';
import type { Status } from '../../rongsync.js';
import type { CliContext } from '../context.js';
import { createStyle, type Style } from '../style.js';
import { CONDITION_WORDS, knownDriftText } from './reconcile-flags.js';
import { runTable } from './report.js';

/** Runs shown on the screen (--json carries all the library returns). */
const RUNS_SHOWN = 5;
/** Groups of the known drift shown by name, and how much of each one's reason. */
const DRIFT_SHOWN = 5;
const MAX_REASON = 100;

export function registerStatus(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .description('one screen: is a serve leading, backlog, groups by condition, last verification, guard holds, last runs')
    .option('--json', 'print the status as JSON')
    .action(async (flags: { json?: boolean }) => {
      const status = await ctx.api().status();
      if (flags.json) {
        ctx.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
        return;
      }
      ctx.stdout.write(statusText(status, new Date(), createStyle(ctx.color('stdout'))));
    });
}

const n = (x: number) => x.toLocaleString('en');
const ago = (d: Date, now: Date) => `${formatDuration(Math.max(0, now.getTime() - d.getTime()))} ago`;
const row = (label: string, text: string) => `${label.padEnd(10)} ${text}`;

function statusText(s: Status, now: Date, style: Style): string {
  const out: string[] = [`${style.bold('rongsync status')}  ${formatTimestamp(now.toISOString())}`, ''];

  const l = s.leaderSession;
  if (l) {
    const who = [`pid ${l.pid}`, l.applicationName, l.clientAddress, l.sessionStartedAt && `session since ${formatTimestamp(l.sessionStartedAt.toISOString())}`].filter(Boolean);
    out.push(row('leader', `${style.green('a serve leads')} (${who.join(' · ')})`));
  } else {
    out.push(row('leader', `${style.yellow('no serve leads')}: changes wait for the next \`rongsync apply\` or a running \`rongsync serve\``));
  }

  const b = s.backlog;
  out.push(row('backlog', b.groups === 0 ? 'no pending changes' : `${n(b.groups)} group(s) with pending changes, the oldest made ${ago(b.oldestChangeAt!, now)}`));

  const total = CONDITION_ORDER.reduce((sum, c) => sum + s.groups[c], 0);
  const parts = CONDITION_ORDER.filter((c) => s.groups[c] > 0).map((c) => {
    const text = `${n(s.groups[c])} ${CONDITION_WORDS[c]}`;
    return c === 'in_sync' ? style.green(text) : c === 'unchecked' ? text : style.yellow(text);
  });
  out.push(row('groups', `${n(total)} tracked${parts.length > 0 ? `: ${parts.join(' · ')}` : ''}`));

  const v = s.verification;
  if (v.groups === 0) out.push(row('verified', 'no groups in the tables'));
  else if (v.read === 0) out.push(row('verified', `none of ${n(v.groups)} group(s) read back from RongCloud yet (\`rongsync plan --full\` reads them all)`));
  else {
    const since = `${formatTimestamp(v.oldestRead!.toISOString())}, ${ago(v.oldestRead!, now)}`;
    out.push(row('verified', v.read === v.groups ? `every group read back from RongCloud since ${since}` : `${n(v.read)} of ${n(v.groups)} group(s) read back from RongCloud since ${since}; ${n(v.groups - v.read)} never`));
  }

  const held = s.knownDrift.counts.blocked ?? 0;
  out.push(row('guard', held === 0 ? 'no deletions held' : style.yellow(`deletions held in ${n(held)} group(s): approve with \`rongsync apply --allow-deletes\``)));

  const calls = s.calls.reduce((a, m) => ({ calls: a.calls + m.calls, rateLimited: a.rateLimited + m.rateLimited, failed: a.failed + m.failed }), { calls: 0, rateLimited: 0, failed: 0 });
  out.push(row('calls', `last hour: ${n(calls.calls)} to RongCloud · ${n(calls.rateLimited)} rate limited (1008) · ${n(calls.failed)} failed`));

  out.push('', style.bold('last runs'));
  const runs = s.lastRuns.slice(0, RUNS_SHOWN);
  if (runs.length === 0) out.push('  none yet (`rongsync apply`, or start `rongsync serve`)');
  else out.push(...runTable(runs).trimEnd().split('\n').map((line) => `  ${line}`));

  const drift = knownDriftText({ ...s.knownDrift, sample: s.knownDrift.sample.slice(0, DRIFT_SHOWN) }, 'Known drift', MAX_REASON);
  return `${out.join('\n')}\n${drift}`;
}
