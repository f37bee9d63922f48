// `rongsync plan` — what would change; nothing is written to RongCloud. Exit codes follow
// Terraform's -detailed-exitcode so it can gate CI: 0 = in sync, 2 = drift found, 1 = error
// (including groups whose remote state could not be read).
import type { Command } from 'commander';
import { openReconciler } from '../../reconcile/open.js';
import { runOnce } from '../../reconcile/run.js';
import type { PlannedCall } from '../../reconcile/plan/types.js';
import { terminalSafe as t } from '../../report/format.js';
import type { CliContext } from '../context.js';
import { addScopeFlags, reportText, scopeOf, type ScopeFlags } from './reconcile-flags.js';

/** One line per planned call; ids and names are app data, shown through terminalSafe (a newline in a name must not forge a line). */
export function describeCall(c: PlannedCall): string {
  const ids = (xs: string[]) => {
    const shown = xs.slice(0, 5).map(t).join(', ');
    return xs.length <= 5 ? shown : `${shown} … (+${xs.length - 5})`;
  };
  switch (c.kind) {
    case 'create':
      return `create  ${t(c.groupId)} "${t(c.name)}" with ${c.memberIds.length} member(s): ${ids(c.memberIds)}`;
    case 'invite':
      return `invite  ${t(c.groupId)}: ${ids(c.memberIds)}${c.name !== undefined ? ` (and name it "${t(c.name)}")` : ''}`;
    case 'kick':
      return `kick    ${t(c.groupId)}: ${ids(c.memberIds)}`;
    case 'refresh':
      return `refresh ${t(c.groupId)} → "${t(c.name)}"`;
    case 'dismiss':
      return `dismiss ${t(c.groupId)} (operator ${t(c.operator)})`;
    case 'sync':
      return `sync    user ${t(c.userId)} → ${c.groups.length} group(s): ${ids(c.groups.map((g) => g.id))}`;
  }
}

export function registerPlan(program: Command, ctx: CliContext): void {
  addScopeFlags(program.command('plan').description('show what would change in RongCloud (writes nothing remote; exit 0 in sync, 2 drift, 1 error)'))
    .option('--json', 'print the plan as JSON')
    .action(async (flags: ScopeFlags & { json?: boolean }) => {
      const config = ctx.config();
      const r = openReconciler(config, ctx.logger());
      try {
        const result = await runOnce(r.deps, { trigger: 'manual', mode: 'detect', ...scopeOf(flags), collectCalls: true });
        const drift = result.counts.drifted > 0;
        const failed = result.status === 'failed' || result.counts.unknown > 0;
        ctx.exitCode = failed ? 1 : drift ? 2 : 0;
        if (flags.json) {
          ctx.stdout.write(
            `${JSON.stringify(
              {
                runId: result.runId,
                status: result.status,
                inSync: !drift && !failed,
                counts: result.counts,
                blocked: result.blocked,
                calls: result.calls,
                items: result.items,
                error: result.error,
              },
              null,
              2,
            )}\n`,
          );
          return;
        }
        ctx.stdout.write(await reportText(r.db.prisma, result));
        if (result.calls.length > 0) {
          ctx.stdout.write(`\nPlanned calls (${result.calls.length}):\n`);
          for (const c of result.calls) ctx.stdout.write(`  ${describeCall(c)}\n`);
          ctx.stdout.write('\nRun `rongsync apply` to make these changes.\n');
        } else if (result.counts.checked === 0) {
          ctx.stdout.write('\nNo pending changes in the tables. `rongsync plan --full` re-reads RongCloud to look for drift made elsewhere.\n');
        } else if (!drift) {
          ctx.stdout.write('\nNo changes: RongCloud matches the tables for the groups checked.\n');
        }
      } finally {
        await r.close();
      }
    });
}
