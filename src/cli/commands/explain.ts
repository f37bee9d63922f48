// `rongsync explain GROUP` — everything rongsync knows about one group, on one screen: what the
// tables want, what rongsync believes RongCloud holds (the shadow), what RongCloud says now (a
// fresh read, unless --no-read), the group's condition, backoff, in-doubt mark, pending changes,
// recent calls and drift history — and the exact calls the next run would make. The library's
// explain() computes it all (the HTTP API's group page shows the same); this only prints it.
// Read-only: the fresh read is shown, never recorded.
import type { Command } from 'commander';
import { RongsyncError } from '../../errors.js';
import type { GroupExplanation } from '../../reconcile/explain.js';
import { formatMembers, formatTimestamp, terminalSafe as t } from '../../report/format.js';
import type { CliContext } from '../context.js';
import { createStyle, type Style } from '../style.js';
import { describeCall } from './plan.js';
import { CONDITION_WORDS } from './reconcile-flags.js';

/** Members listed per line before "… and N more". */
const MAX_MEMBERS = 20;
/** Recent calls and history entries shown. */
const MAX_ROWS = 10;

export function registerExplain(program: Command, ctx: CliContext): void {
  program
    .command('explain')
    .argument('<group>', 'the group id')
    .description('one group: tables vs shadow vs RongCloud now, its state, backoff, recent calls, drift history and the calls the next run would make')
    .option('--no-read', 'do not read the group from RongCloud now (shadow and bookkeeping only)')
    .option('--json', 'print the explanation as JSON')
    .action(async (groupId: string, flags: { read: boolean; json?: boolean }) => {
      const g = await ctx.api().explain(groupId, { read: flags.read });
      if (!g) throw new RongsyncError('unknown_group', `unknown group ${JSON.stringify(t(groupId))}: not in the groups table, never seen in RongCloud, no state recorded (check the id; \`rongsync status\` lists what is tracked)`);
      // RongCloud unreachable or refusing the credentials is not about this group: say the fix.
      if (g.read && !g.read.ok && g.read.fault) throw new RongsyncError(g.read.fault, `${g.read.error} To explain it without RongCloud: rongsync explain --no-read ${t(groupId)}`);
      if (flags.json) {
        ctx.stdout.write(`${JSON.stringify(g, null, 2)}\n`);
        return;
      }
      ctx.stdout.write(explainText(g, createStyle(ctx.color('stdout'))));
    });
}

const row = (label: string, text: string) => `${label.padEnd(11)} ${text}`;
const members = (m: string[]) => (m.length === 0 ? 'no members' : `${m.length} member(s): ${formatMembers(m, MAX_MEMBERS, t)}`);
const name = (s: string | null) => (s === null ? 'name unknown' : `"${t(s)}"`);
const at = (d: Date | null) => formatTimestamp(d ? d.toISOString() : null);

function explainText(g: GroupExplanation, style: Style): string {
  const out: string[] = [];
  const cond = CONDITION_WORDS[g.condition];
  const colour = g.condition === 'in_sync' ? style.green : g.condition === 'unchecked' ? (s: string) => s : style.yellow;
  // The condition is what the last run concluded; the app may have changed the group since.
  const differsNow = (g.condition === 'in_sync' || g.condition === 'unchecked') && g.diff.status !== 'in_sync';
  out.push(`${style.bold(`group ${t(g.groupId)}`)}  ${colour(cond)}${g.reason ? `: ${t(g.reason)}` : ''}${differsNow ? style.yellow(' — differs now: the next run changes it') : ''}`);
  out.push('');

  out.push(row('tables', g.desired ? `${name(g.desired.name)}${g.desired.ownerId ? ` (owner ${t(g.desired.ownerId)})` : ''}, ${members(g.desired.members)}` : 'not in the tables (RongCloud\'s group is dismissed if it has one)'));
  out.push(
    row(
      'shadow',
      g.shadow
        ? `${name(g.shadow.name)}, ${members(g.shadow.members)} — last read ${g.shadow.readAt ? at(g.shadow.readAt) : 'never'}, last written ${g.shadow.writtenAt ? at(g.shadow.writtenAt) : 'never'}`
        : 'nothing known (rongsync never read or wrote it)',
    ),
  );
  if (g.read === null) out.push(row('RongCloud', 'not read (--no-read)'));
  else if (g.read.ok) out.push(row('RongCloud', `${name(g.read.name)}, ${members(g.read.members)} — read now`));
  else out.push(row('RongCloud', style.red(`read failed: ${t(g.read.error)}`)));

  const d = g.diff;
  const diffs: string[] = [];
  if (d.missingGroup) diffs.push('the group is missing in RongCloud');
  if (d.orphan) diffs.push('RongCloud has a group the tables do not');
  if (d.missingMembers.length > 0) diffs.push(`+ missing: ${formatMembers(d.missingMembers, MAX_MEMBERS, t)}`);
  if (d.extraMembers.length > 0) diffs.push(`- extra: ${formatMembers(d.extraMembers, MAX_MEMBERS, t)}`);
  if (d.nameChange) diffs.push(`name ${name(d.nameChange.from)} → ${name(d.nameChange.to)}`);
  for (const i of d.invalid) diffs.push(style.red(`unreconcilable ${i.subject} ${t(i.id)}: ${t(i.reason)}`));
  for (const note of d.notes) diffs.push(t(note));
  out.push(row('difference', diffs.length === 0 ? `none (${t(d.status)})` : diffs[0]!));
  for (const more of diffs.slice(1)) out.push(row('', more));

  const s = g.state;
  if (s) {
    const facts: string[] = [];
    if (s.paused) facts.push('paused (observed, never written)');
    if (s.additive) facts.push('additive (extra members are kept)');
    if (s.quarantinedAt) facts.push(style.red(`quarantined since ${at(s.quarantinedAt)}: ${t(s.quarantineReason ?? '')} — \`rongsync release ${t(g.groupId)}\` retries it`));
    if (s.consecutiveFailures > 0) facts.push(`failed ${s.consecutiveFailures} time(s)${s.lastError ? ` (last error: ${t(s.lastError)})` : ''}${s.nextAttemptAt ? `; next attempt after ${at(s.nextAttemptAt)}` : ''}`);
    if (s.driftFirstSeenAt) facts.push(`drift first seen ${at(s.driftFirstSeenAt)}`);
    out.push(row('state', facts.length === 0 ? 'no failures, no backoff' : facts[0]!));
    for (const more of facts.slice(1)) out.push(row('', more));
  } else out.push(row('state', 'no run has concluded anything about it yet'));

  if (g.inDoubt) {
    out.push(row('in doubt', style.yellow(`since ${at(g.inDoubt.markedAt)}, run #${g.inDoubt.runId ?? '?'} sent ${g.inDoubt.calls.map(t).join(', ')} with no answer: the next run reads it first`)));
  }
  if (g.pendingChanges.length > 0) {
    const first = g.pendingChanges[0]!;
    out.push(row('pending', `${g.pendingChanges.length}${g.pendingChanges.length >= 50 ? '+' : ''} change(s) not applied yet, the first (${t(first.source)} ${t(first.op)}) at ${at(first.changedAt)}`));
  }

  out.push('', style.bold(`next run would call (${g.nextCalls.length})`));
  if (g.nextCalls.length === 0) out.push('  nothing');
  for (const c of g.nextCalls) out.push(`  ${describeCall(c)}`);

  out.push('', style.bold('recent calls'));
  if (g.recentCalls.length === 0) out.push('  none recorded');
  for (const c of g.recentCalls.slice(0, MAX_ROWS)) {
    const result = c.outcome === 'ok' ? style.green('ok') : style.red(t(c.outcome));
    const code = c.code !== null && c.code !== 200 ? ` ${c.code}` : '';
    out.push(`  ${at(c.at)}  ${c.runId !== null ? `run #${c.runId}` : 'no run'}  ${t(c.endpoint)}  ${result}${code}  ${c.latencyMs}ms${c.attempt > 1 ? `  attempt ${c.attempt}` : ''}${c.error ? `  ${t(c.error.length > 120 ? `${c.error.slice(0, 120)}…` : c.error)}` : ''}`);
  }

  out.push('', style.bold('drift history'));
  if (g.history.length === 0) out.push('  no drift recorded');
  for (const h of g.history.slice(0, MAX_ROWS)) {
    const changes = [h.missingMembers.length > 0 && `+${h.missingMembers.length}`, h.extraMembers.length > 0 && `-${h.extraMembers.length}`].filter(Boolean).join(' ');
    out.push(`  ${at(h.at)}  run #${h.runId} ${t(h.trigger)}/${t(h.mode)}  ${t(h.kind)}  ${t(h.outcome)}${changes ? `  ${changes}` : ''}${h.reason ? `  ${t(h.reason.length > 120 ? `${h.reason.slice(0, 120)}…` : h.reason)}` : ''}`);
  }
  return `${out.join('\n')}\n`;
}
