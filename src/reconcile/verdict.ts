// The verdict of `plan` and `apply`: the exit code and the one line that says whether RongCloud
// matches the tables. Pure. "In sync" is only ever said when nothing known differs and nothing
// in scope was unreadable — a group waiting out a backoff, quarantined, held by the guard, in
// doubt or unreadable is known drift, whether or not this run looked at it.
//
//   plan   0 in sync · 2 drift (incl. groups waiting: failed, quarantined, held, paused, invalid rows) · 1 error or unreadable
//   apply  0 in sync after the run · 2 only deletions held by the guard remain · 1 anything else still differs, or an error
import type { KnownDrift, GroupCondition } from '../store/group-state.js';
import type { RunResult } from './run.js';

export interface Verdict {
  exitCode: 0 | 1 | 2;
  inSync: boolean;
  headline: string;
}

/** Conditions that mean "could not be read / cannot vouch": exit 1 for plan. */
const UNREADABLE: GroupCondition[] = ['unknown', 'in_doubt'];

export function planVerdict(result: Pick<RunResult, 'status' | 'counts' | 'error'>, known: KnownDrift): Verdict {
  if (result.status === 'failed' || result.status === 'aborted') {
    return { exitCode: 1, inSync: false, headline: `The plan could not be made: ${result.error ?? result.status}` };
  }
  const unreadable = result.counts.unknown + UNREADABLE.reduce((n, c) => n + (known.counts[c] ?? 0), 0);
  if (unreadable > 0) {
    return { exitCode: 1, inSync: false, headline: `Unknown: ${unreadable} group(s) could not be read from RongCloud, so rongsync cannot say they match.` };
  }
  const drifted = Math.max(result.counts.drifted + result.counts.quarantined, known.total);
  if (drifted > 0) return { exitCode: 2, inSync: false, headline: `Drift: ${drifted} group(s) differ from the tables.` };
  return { exitCode: 0, inSync: true, headline: 'In sync: RongCloud matches the tables.' };
}

export function applyVerdict(result: Pick<RunResult, 'status' | 'counts' | 'error' | 'blocked'>, known: KnownDrift): Verdict {
  if (result.status === 'failed' || result.status === 'aborted' || result.status === 'interrupted') {
    return { exitCode: 1, inSync: false, headline: `The run ${result.status}: ${result.error ?? ''}`.trim() };
  }
  const blockedOnly = known.total > 0 && known.total === (known.counts.blocked ?? 0);
  if (result.counts.failed > 0 || result.counts.unknown > 0 || (known.total > 0 && !blockedOnly)) {
    return { exitCode: 1, inSync: false, headline: `Not in sync: ${Math.max(known.total, result.counts.failed + result.counts.unknown)} group(s) still differ or could not be checked.` };
  }
  if (blockedOnly || result.blocked) {
    return { exitCode: 2, inSync: false, headline: `Held: deletions in ${known.counts.blocked ?? 0} group(s) wait for approval (rongsync apply --allow-deletes).` };
  }
  return { exitCode: 0, inSync: true, headline: 'In sync: RongCloud matches the tables.' };
}
