// `rongsync quarantine list` — groups the reconciler stopped retrying after repeated failures.
// `rongsync quarantine release <groupId…>` — clears the quarantine and the backoff and marks the
// groups dirty (a rongsync_changes row, source 'operator', op 'RELEASE', plus the usual NOTIFY) so
// the next run picks them up. All or nothing: an id that is not quarantined releases none.
import type { Command } from 'commander';
import { openDatabase, type Database } from '../../db/client.js';
import { RongsyncError } from '../../errors.js';
import { markDirty } from '../../reconcile/change-log.js';
import { formatAge, formatTimestamp, terminalSafe as t } from '../../report/format.js';
import type { CliContext } from '../context.js';

export function registerQuarantine(program: Command, ctx: CliContext): void {
  const quarantine = program
    .command('quarantine')
    .description('list quarantined groups, or release them so they are reconciled again');

  quarantine
    .command('list')
    .description('groups skipped after repeated failures: since when, failures, last error, reason')
    .action(async () => {
      await withDatabase(ctx, async (db) => {
        const rows = await db.prisma.groupState.findMany({
          where: { quarantinedAt: { not: null } },
          orderBy: [{ quarantinedAt: 'asc' }, { groupId: 'asc' }],
        });
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
    });

  quarantine
    .command('release')
    .description('clear the quarantine and backoff of groups and mark them for the next run')
    .argument('<groupId...>', 'group ids (see `rongsync quarantine list`)')
    .action(async (groupIds: string[]) => {
      const ids = [...new Set(groupIds)];
      await withDatabase(ctx, async (db) => {
        await db.prisma.$transaction(async (tx) => {
          // Locked, so a reconciler quarantining or releasing concurrently cannot interleave.
          const rows = await tx.$queryRaw<Array<{ group_id: string; quarantined: boolean }>>`
            SELECT "group_id", "quarantined_at" IS NOT NULL AS "quarantined" FROM "rongsync_group_state"
            WHERE "group_id" = ANY(${ids}::text[]) FOR UPDATE`;
          const quarantined = new Map(rows.map((r) => [r.group_id, r.quarantined]));
          const problems = ids.flatMap((id) => {
            const q = quarantined.get(id);
            if (q === undefined) return [`${t(id)}: unknown group (rongsync has no state recorded for it)`];
            return q ? [] : [`${t(id)}: is not quarantined`];
          });
          if (problems.length > 0) {
            throw new RongsyncError(
              'not_quarantined',
              `nothing released:\n  - ${problems.join('\n  - ')}\n(see \`rongsync quarantine list\`)`,
            );
          }
          await tx.groupState.updateMany({
            where: { groupId: { in: ids } },
            data: {
              quarantinedAt: null,
              quarantineReason: null,
              consecutiveFailures: 0,
              nextAttemptAt: null,
              updatedAt: new Date(),
            },
          });
          await markDirty(tx, ids, 'RELEASE');
        });
      });
      ctx.stdout.write(`released ${ids.map(t).join(', ')} (marked for the next run)\n`);
    });
}

export async function withDatabase<T>(ctx: CliContext, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = openDatabase(ctx.config().databaseUrl, { maxConnections: 2, applicationName: 'rongsync cli' });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}
