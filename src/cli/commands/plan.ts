// `rongsync plan` — what would change; nothing is written to RongCloud. Exit codes follow
// Terraform's -detailed-exitcode so it can gate CI: 0 = in sync, 2 = drift found, 1 = error
// (including groups whose remote state could not be read). SIGINT / SIGTERM abort the run cleanly
// and exit 130 / 143.
import type { Command } from 'commander';
import type { PlannedCall } from '../../reconcile/plan/types.js';
import { CallTally } from '../../reconcile/plan/tally.js';
import { terminalSafe as t } from '../../report/format.js';
import type { PlanOutcome } from '../../rongsync.js';
import type { CliContext } from '../context.js';
import { onInterrupt } from '../interrupt.js';
import { showRunProgress } from '../progress.js';
import { createStyle } from '../style.js';
import { planTally, verdictLine } from '../summary.js';
import { addScopeFlags, knownDriftText, nothingPendingText, reportText, scopeOf, throwIfRemoteFault, type ScopeFlags } from './reconcile-flags.js';

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
      const interrupt = onInterrupt(ctx);
      try {
        await printPlan(ctx, flags, 'detect', interrupt.signal);
      } catch (e) {
        interrupt.caught(e);
      } finally {
        interrupt.done();
      }
    });
}

/** Planned calls listed one per line; the rest are counted (`plan --json` lists every one). */
const MAX_CALLS_LISTED = 50;

/** Runs a plan (`plan`, `apply --dry-run`), prints it and sets the exit code. */
export async function printPlan(ctx: CliContext, flags: ScopeFlags & { json?: boolean }, mode: 'detect' | 'dry-run', signal?: AbortSignal): Promise<void> {
  const api = ctx.api();
  const scope = scopeOf(flags);
  const calls: PlannedCall[] = [];
  const tally = new CallTally();
  const progress = showRunProgress(ctx, mode === 'dry-run' ? 'apply --dry-run' : 'plan');
  let outcome: PlanOutcome;
  try {
    outcome = await api.plan({
      ...scope,
      ...(mode === 'dry-run' ? { dryRun: true } : {}),
      onBatch: (b) => {
        for (const c of b.calls) {
          tally.add(c);
          // Text lists a bounded few; --json carries every call.
          if (flags.json || calls.length < MAX_CALLS_LISTED) calls.push(c);
        }
      },
      onProgress: progress.listener,
      ...(signal ? { signal } : {}),
    });
  } finally {
    progress.stop();
  }
  const { run: result, verdict, knownDrift: known } = outcome;
  ctx.exitCode = verdict.exitCode;
  if (flags.json) {
    const report = await api.report(result.runId);
    ctx.stdout.write(
      `${JSON.stringify(
        {
          runId: result.runId,
          status: result.status,
          inSync: verdict.inSync,
          verdict: verdict.headline,
          counts: result.counts,
          blocked: result.blocked,
          calls,
          tally: tally.counts(),
          items: report?.items ?? [],
          knownDrift: known,
          error: result.error,
        },
        null,
        2,
      )}\n`,
    );
    return;
  }
  throwIfRemoteFault(result);
  const style = createStyle(ctx.color('stdout'));
  const counts = tally.counts();
  if (flags.quiet) {
    ctx.stdout.write(`${verdictLine(verdict, style)}\n${planTally(counts, api.config.remote.rateLimitPerSecond, style)}\n`);
    return;
  }
  ctx.stdout.write(await reportText(api, result));
  if (counts.calls > 0) {
    ctx.stdout.write(`\nPlanned calls (${counts.calls}):\n`);
    for (const c of calls) ctx.stdout.write(`  ${describeCall(c)}\n`);
    if (counts.calls > calls.length) ctx.stdout.write(`  … and ${counts.calls - calls.length} more (\`rongsync plan --json\` lists every call)\n`);
    ctx.stdout.write('\nRun `rongsync apply` to make these changes.\n');
  }
  if (verdict.inSync && result.counts.checked === 0) ctx.stdout.write(nothingPendingText(await api.verification(), new Date()));
  ctx.stdout.write(knownDriftText(known, 'Known drift'));
  ctx.stdout.write(`\n${verdictLine(verdict, style)}\n`);
  ctx.stdout.write(`${planTally(counts, api.config.remote.rateLimitPerSecond, style)}\n`);
}
