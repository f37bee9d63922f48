// The closing lines of `plan` and `apply`, in Terraform's spirit: one tally of what would be done
// (or was done), counted in groups and members, the calls it takes and how long at the configured
// rate — then the verdict. Pure text; colour comes from the Style passed in.
import type { CallCounts } from '../reconcile/plan/tally.js';
import type { Verdict } from '../reconcile/verdict.js';
import { formatDuration } from '../report/format.js';
import type { Style } from './style.js';

const n = (x: number) => x.toLocaleString('en');
const plural = (x: number, one: string, many = `${one}s`) => `${n(x)} ${x === 1 ? one : many}`;

/** Seconds as people say them for an estimate: "~0.5 s", "~12 s", "~3m 20s". */
function about(ms: number): string {
  if (ms < 10_000) return `~${Math.max(0.1, Math.round(ms / 100) / 10)} s`;
  return `~${formatDuration(ms)}`;
}

/** "3 groups to create (12 members), 120 members to invite into 40 groups, …" */
function what(c: CallCounts, tense: 'plan' | 'done'): string {
  const p = tense === 'plan';
  const parts = [
    `${plural(c.groupsCreated, 'group')} ${p ? 'to create' : 'created'}${c.createdMembers > 0 ? ` (${plural(c.createdMembers, 'member')})` : ''}`,
    `${plural(c.membersInvited, 'member')} ${p ? 'to invite' : 'invited'}${c.groupsInvitedInto > 0 ? ` into ${plural(c.groupsInvitedInto, 'group')}` : ''}`,
    `${n(c.membersKicked)} ${p ? 'to kick' : 'kicked'}${c.groupsKickedFrom > 0 ? ` from ${plural(c.groupsKickedFrom, 'group')}` : ''}`,
    p ? plural(c.renames, 'rename') : `${n(c.renames)} renamed`,
    p ? `${n(c.dismisses)} dismiss` : `${n(c.dismisses)} dismissed`,
  ];
  if (c.usersSynced > 0) parts.push(`${plural(c.usersSynced, 'user')} ${p ? 'to sync' : 'synced'}`);
  return parts.join(', ');
}

/** `plan`'s last line. `rate`: the configured calls per second. */
export function planTally(c: CallCounts, rate: number, style: Style): string {
  if (c.calls === 0) return `${style.bold('Plan:')} no calls to make.`;
  const time = rate > 0 ? `, ${about((c.calls / rate) * 1000)} at ${n(rate)}/s` : '';
  return `${style.bold('Plan:')} ${what(c, 'plan')} — ${style.bold(plural(c.calls, 'call'))}${time}`;
}

export interface ApplyFigures {
  /** The writes RongCloud accepted. */
  applied: CallCounts;
  /** Remote calls that failed (reads and writes). */
  failedCalls: number;
  /** Reads made (getMembers and name queries). */
  reads: number;
  durationMs: number;
  /** The run ended before its work was done (failed, aborted). */
  stopped: string | null;
  /** RONGSYNC_MODE=detect: nothing is ever sent. */
  detectOnly: boolean;
}

/** `apply`'s tally line: what was done. */
export function applyTally(f: ApplyFigures, style: Style): string {
  const head = f.stopped ? style.yellow(`Apply stopped (${f.stopped}):`) : style.bold('Apply complete:');
  if (f.detectOnly) return `${head} nothing sent (RONGSYNC_MODE=detect only reports) — ${plural(f.reads, 'read')} in ${formatDuration(f.durationMs)}`;
  const calls = [plural(f.applied.calls, 'call')];
  if (f.failedCalls > 0) calls.push(style.red(`${n(f.failedCalls)} failed`));
  if (f.reads > 0) calls.push(plural(f.reads, 'read'));
  return `${head} ${what(f.applied, 'done')} — ${calls.join(', ')} in ${formatDuration(f.durationMs)}`;
}

/** The verdict, coloured by what it says. */
export function verdictLine(v: Verdict, style: Style): string {
  if (v.inSync) return style.green(v.headline);
  return v.exitCode === 2 ? style.yellow(v.headline) : style.red(v.headline);
}
