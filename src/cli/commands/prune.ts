// `rongsync prune [--older-than-days N] [--json]` — deletes old history (runs with their drift
// items, and the remote-call log) now; `serve` does the same after every cron run with
// RONGSYNC_RETENTION_DAYS. The newest run is always kept.
import type { Command } from 'commander';
import { ConfigError } from '../../errors.js';
import { retentionCutoff } from '../../store/retention.js';
import type { CliContext } from '../context.js';

export function registerPrune(program: Command, ctx: CliContext): void {
  program
    .command('prune')
    .description('delete runs, drift items and call-log rows older than the retention now')
    .option('--older-than-days <n>', 'retention in days (default: RONGSYNC_RETENTION_DAYS)')
    .option('--json', 'print the counts as JSON')
    .action(async (opts: { olderThanDays?: string; json?: boolean }) => {
      const days = opts.olderThanDays === undefined ? ctx.config().reconcile.retentionDays : parseDays(opts.olderThanDays);
      const cutoff = retentionCutoff(days, new Date());
      if (!cutoff) {
        throw new ConfigError(['RONGSYNC_RETENTION_DAYS=0 keeps history forever; to prune anyway pass --older-than-days N (e.g. --older-than-days 14)']);
      }
      const pruned = await ctx.api().prune(cutoff);
      if (opts.json) {
        ctx.stdout.write(`${JSON.stringify({ olderThan: cutoff.toISOString(), ...pruned })}\n`);
      } else {
        ctx.stdout.write(
          `pruned history before ${cutoff.toISOString()}: ${pruned.runs} run(s), ${pruned.driftItems} drift item(s), ${pruned.calls} call-log row(s)\n`,
        );
      }
    });
}

function parseDays(value: string): number {
  if (/^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 3650) return Number(value);
  throw new ConfigError([`--older-than-days: ${JSON.stringify(value)} is not a number of days (use a whole number from 1 to 3650, e.g. --older-than-days 14)`]);
}
