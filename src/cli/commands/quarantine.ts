// `rongsync quarantine list` — groups the reconciler stopped retrying after repeated failures.
// `rongsync release <groupId…>` — clears the quarantine and the backoff and marks the
// groups dirty (a rongsync_changes row, source 'operator', op 'RELEASE', plus the usual NOTIFY) so
// the next run picks them up. All or nothing: an id that is not quarantined releases none.
import type { Command } from 'commander';
import { formatAge, formatTimestamp } from '../../report/format.js';
import { terminalSafe as t } from '../../rules/characters.js';
import type { CliContext } from '../context.js';

export function registerQuarantine(program: Command, ctx: CliContext): void {
  const quarantine = program
    .command('quarantine')
    .description('list quarantined groups (`rongsync release ID…` retries them)');

  quarantine
    .command('list')
    .description('groups skipped after repeated failures: since when, failures, last error, reason')
    .action(async () => {
      const rows = await ctx.api().quarantined();
      if (rows.length === 0) {
        ctx.stdout.write('no quarantined groups\n');
        return;
      }
      const now = Date.now();
      ctx.stdout.write(`${rows.length} quarantined group(s):\n`);
      for (const r of rows) {
        const since = r.quarantinedAt!;
        const code = r.lastErrorCode === null ? '' : `${r.lastErrorCode}`;
        const message = r.lastError === null ? '' : t(r.lastError);
        const lastError = [code, message].filter((s) => s !== '').join(': ') || '—';
        ctx.stdout.write(
          `${t(r.groupId)}  since ${formatTimestamp(since.toISOString())} (${formatAge(now - since.getTime())} ago)` +
            `  failures ${r.consecutiveFailures}\n` +
            `    last error: ${lastError}\n` +
            `    reason: ${r.quarantineReason === null ? '—' : t(r.quarantineReason)}\n`,
        );
      }
    });

  const release = async (groupIds: string[]) => {
    const ids = [...new Set(groupIds)];
    await ctx.api().release(ids);
    ctx.stdout.write(`released ${ids.map(t).join(', ')} (marked for the next run)\n`);
  };
  // Actions on groups are verbs (`pause`, `resume`, `release`, `explain`); `quarantine release`
  // still works, unlisted.
  program
    .command('release')
    .description('clear the quarantine and backoff of groups and mark them for the next run')
    .argument('<groupId...>', 'group ids (see `rongsync quarantine list`)')
    .action(release);
  quarantine.command('release', { hidden: true }).argument('<groupId...>').action(release);
}
