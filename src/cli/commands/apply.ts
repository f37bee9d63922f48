// `rongsync apply` — one reconcile run now, over every pending change. Exit 0 = RongCloud matches
// the tables afterwards; 2 = only deletions held by the guard remain (re-run with --allow-deletes
// to approve); 1 = anything else still differs or could not be checked, or the run failed. SIGINT /
// SIGTERM abort the run cleanly and exit 130 / 143.
import type { Command } from 'commander';
import { knownDrift } from '../../reconcile/group-state.js';
import { openReconciler } from '../../reconcile/open.js';
import { runOnce } from '../../reconcile/run.js';
import { applyVerdict } from '../../reconcile/verdict.js';
import type { CliContext } from '../context.js';
import { onInterrupt } from '../interrupt.js';
import { printPlan } from './plan.js';
import { addScopeFlags, knownDriftText, reportText, scopeOf, type ScopeFlags } from './reconcile-flags.js';

export function registerApply(program: Command, ctx: CliContext): void {
  addScopeFlags(program.command('apply').description('reconcile now: make RongCloud match the tables'))
    .option('--dry-run', 'the same as `rongsync plan`: print what would be done, send nothing')
    .option('--allow-deletes', 'approve kicks/dismisses over the mass-deletion guard for this run')
    .action(async (flags: ScopeFlags & { dryRun?: boolean; allowDeletes?: boolean }) => {
      const config = ctx.config();
      const r = openReconciler(config, ctx.logger());
      const interrupt = onInterrupt(ctx);
      try {
        if (flags.dryRun) return await printPlan(ctx, r, flags, 'dry-run', interrupt.signal);
        const scope = scopeOf(flags);
        const result = await runOnce(r.deps, {
          trigger: 'manual',
          mode: config.reconcile.mode,
          ...scope,
          ...(flags.allowDeletes ? { allowDeletes: true } : {}),
          signal: interrupt.signal,
        });
        const prisma = r.db.prisma;
        const known = await knownDrift(prisma, scope.groups ? { groupIds: scope.groups } : {});
        const verdict = applyVerdict(result, known);
        ctx.stdout.write(await reportText(prisma, result));
        ctx.stdout.write(knownDriftText(known, 'Still differing'));
        ctx.stdout.write(`\n${verdict.headline}\n`);
        ctx.exitCode = verdict.exitCode;
      } catch (e) {
        interrupt.caught(e);
      } finally {
        interrupt.done();
        await r.close();
      }
    });
}
