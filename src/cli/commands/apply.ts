// `rongsync apply` — one reconcile run now. Exit 0 = done (or nothing to do), 1 = some groups
// failed or the run failed, 2 = the mass-deletion guard held deletions back (re-run with
// --allow-deletes to approve). SIGINT / SIGTERM abort the run cleanly and exit 130 / 143.
import type { Command } from 'commander';
import { openReconciler } from '../../reconcile/open.js';
import { runOnce } from '../../reconcile/run.js';
import type { CliContext } from '../context.js';
import { onInterrupt } from '../interrupt.js';
import { addScopeFlags, reportText, scopeOf, type ScopeFlags } from './reconcile-flags.js';

export function registerApply(program: Command, ctx: CliContext): void {
  addScopeFlags(program.command('apply').description('reconcile now: make RongCloud match the tables'))
    .option('--dry-run', 'plan exactly as apply would, but send nothing to RongCloud')
    .option('--allow-deletes', 'approve kicks/dismisses over the mass-deletion guard for this run')
    .action(async (flags: ScopeFlags & { dryRun?: boolean; allowDeletes?: boolean }) => {
      const config = ctx.config();
      const r = openReconciler(config, ctx.logger());
      const interrupt = onInterrupt(ctx);
      try {
        const mode = flags.dryRun ? 'dry-run' : config.reconcile.mode;
        const result = await runOnce(r.deps, {
          trigger: 'manual',
          mode,
          ...scopeOf(flags),
          ...(flags.allowDeletes ? { allowDeletes: true } : {}),
          signal: interrupt.signal,
        });
        ctx.stdout.write(await reportText(r.db.prisma, result));
        ctx.exitCode = result.status === 'failed' || result.counts.failed > 0 ? 1 : result.blocked ? 2 : 0;
      } catch (e) {
        interrupt.caught(e);
      } finally {
        interrupt.done();
        await r.close();
      }
    });
}
