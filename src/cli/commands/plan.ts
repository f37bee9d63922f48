// `rongsync plan` — what would change; nothing is written to RongCloud. Exit codes follow
// Terraform's -detailed-exitcode so it can gate CI: 0 = in sync, 2 = drift found, 1 = error
// (including groups whose remote state could not be read). SIGINT / SIGTERM abort the run cleanly
// and exit 130 / 143.
import type { Command } from 'commander';
import { openReconciler } from '../../reconcile/open.js';
import { runOnce } from '../../reconcile/run.js';
import type { PlannedCall } from '../../reconcile/plan/types.js';
import type { CliContext } from '../context.js';
import { onInterrupt } from '../interrupt.js';
import { addScopeFlags, reportText, scopeOf, type ScopeFlags } from './reconcile-flags.js';

export function describeCall(c: PlannedCall): string {
  const ids = (xs: string[]) => (xs.length <= 5 ? xs.join(', ') : `${xs.slice(0, 5).join(', ')} … (+${xs.length - 5})`);
  switch (c.kind) {
    case 'create':
      return `create  ${c.groupId} "${c.name}" with ${c.memberIds.length} member(s): ${ids(c.memberIds)}`;
    case 'invite':
      return `invite  ${c.groupId}: ${ids(c.memberIds)}${c.name !== undefined ? ` (and name it "${c.name}")` : ''}`;
    case 'kick':
      return `kick    ${c.groupId}: ${ids(c.memberIds)}`;
    case 'refresh':
      return `refresh ${c.groupId} → "${c.name}"`;
    case 'dismiss':
      return `dismiss ${c.groupId} (operator ${c.operator})`;
    case 'sync':
      return `sync    user ${c.userId} → ${c.groups.length} group(s): ${ids(c.groups.map((g) => g.id))}`;
  }
}

export function registerPlan(program: Command, ctx: CliContext): void {
  addScopeFlags(program.command('plan').description('show what would change in RongCloud (writes nothing remote; exit 0 in sync, 2 drift, 1 error)'))
    .option('--json', 'print the plan as JSON')
    .action(async (flags: ScopeFlags & { json?: boolean }) => {
      const config = ctx.config();
      const r = openReconciler(config, ctx.logger());
      const interrupt = onInterrupt(ctx);
      try {
        const result = await runOnce(r.deps, { trigger: 'manual', mode: 'detect', ...scopeOf(flags), collectCalls: true, signal: interrupt.signal });
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
      } catch (e) {
        interrupt.caught(e);
      } finally {
        interrupt.done();
        await r.close();
      }
    });
}
