// `rongsync apply` — one reconcile run now, over every pending change. Exit 0 = RongCloud matches
// the tables afterwards; 2 = only deletions held by the guard remain (re-run with --allow-deletes
// to approve); 1 = anything else still differs or could not be checked, or the run failed. SIGINT /
// SIGTERM abort the run cleanly and exit 130 / 143. It shows its progress as it goes (a live line
// on a terminal), then the run's report, "Apply complete: …" (what was done) and the verdict last.
import type { Command } from 'commander';
import type { RunProgress } from '../../reconcile/progress.js';
import { emptyCallCounts } from '../../reconcile/plan/tally.js';
import type { ApplyOutcome } from '../../rongsync.js';
import type { CliContext } from '../context.js';
import { onInterrupt } from '../interrupt.js';
import { showRunProgress } from '../progress.js';
import { createStyle } from '../style.js';
import { applyTally, verdictLine } from '../summary.js';
import { printPlan } from './plan.js';
import { addScopeFlags, knownDriftText, reportText, scopeOf, throwIfRemoteFault, type ScopeFlags } from './reconcile-flags.js';

export function registerApply(program: Command, ctx: CliContext): void {
  addScopeFlags(program.command('apply').description('reconcile now: make RongCloud match the tables'))
    .option('--dry-run', 'the same as `rongsync plan`: print what would be done, send nothing')
    .option('--allow-deletes', 'approve kicks/dismisses over the mass-deletion guard for this run')
    .action(async (flags: ScopeFlags & { dryRun?: boolean; allowDeletes?: boolean }) => {
      const config = ctx.config();
      const interrupt = onInterrupt(ctx);
      try {
        if (flags.dryRun) return await printPlan(ctx, flags, 'dry-run', interrupt.signal);
        const api = ctx.api();
        const progress = showRunProgress(ctx, 'apply');
        let outcome: ApplyOutcome;
        let last: RunProgress | undefined;
        try {
          outcome = await api.apply({
            ...scopeOf(flags),
            ...(flags.allowDeletes ? { allowDeletes: true } : {}),
            signal: interrupt.signal,
            onProgress: progress.listener,
          });
        } finally {
          last = progress.stop();
        }
        const { run: result, verdict, knownDrift: known } = outcome;
        throwIfRemoteFault(result);
        const style = createStyle(ctx.color('stdout'));
        const applied = last?.applied ?? emptyCallCounts();
        if (!flags.quiet) {
          ctx.stdout.write(await reportText(api, result));
          ctx.stdout.write(knownDriftText(known, 'Still differing'));
        }
        ctx.stdout.write(
          `\n${applyTally(
            {
              applied,
              failedCalls: last?.calls.failed ?? 0,
              reads: Math.max(0, (last?.calls.done ?? 0) - applied.calls),
              durationMs: result.durationMs,
              stopped: result.status === 'failed' || result.status === 'aborted' ? result.status : null,
              detectOnly: config.reconcile.mode === 'detect',
            },
            style,
          )}\n`,
        );
        ctx.stdout.write(`${verdictLine(verdict, style)}\n`);
        ctx.exitCode = verdict.exitCode;
      } catch (e) {
        interrupt.caught(e);
      } finally {
        interrupt.done();
      }
    });
}
