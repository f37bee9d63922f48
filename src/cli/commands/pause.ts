// `rongsync pause <groupId…>` — the reconciler keeps observing and reporting these groups but
// never writes them. `rongsync resume <groupId…>` — lifts that and marks the groups dirty (source
// 'operator', op 'RESUME') so the next run converges them.
import type { Command } from 'commander';
import type { Database } from '../../db/client.js';
import { terminalSafe as t } from '../../report/format.js';
import type { CliContext } from '../context.js';
import { markDirty } from '../../reconcile/change-log.js';
import { withDatabase } from './quarantine.js';

export function registerPause(program: Command, ctx: CliContext): void {
  program
    .command('pause')
    .description('stop writing groups to RongCloud (they are still checked and reported)')
    .argument('<groupId...>', 'group ids')
    .action(async (groupIds: string[]) => {
      const ids = [...new Set(groupIds)];
      await withDatabase(ctx, async (db) => {
        // Pausing ahead of a group's creation is allowed, but a typo deserves a warning.
        for (const id of await unknownGroups(db, ids)) {
          ctx.stderr.write(`warning: ${t(id)} is not in the groups table nor known remotely; paused anyway\n`);
        }
        await db.prisma.$transaction(async (tx) => {
          for (const groupId of ids) {
            await tx.groupState.upsert({
              where: { groupId },
              create: { groupId, paused: true },
              update: { paused: true, updatedAt: new Date() },
            });
          }
        });
      });
      ctx.stdout.write(`paused ${ids.map(t).join(', ')}\n`);
    });

  program
    .command('resume')
    .description('write paused groups again, and mark them for the next run')
    .argument('<groupId...>', 'group ids')
    .action(async (groupIds: string[]) => {
      const ids = [...new Set(groupIds)];
      await withDatabase(ctx, async (db) => {
        const paused = new Set(
          (
            await db.prisma.groupState.findMany({
              where: { groupId: { in: ids }, paused: true },
              select: { groupId: true },
            })
          ).map((r) => r.groupId),
        );
        for (const id of ids) {
          if (!paused.has(id)) ctx.stderr.write(`note: ${t(id)} was not paused; marked for the next run anyway\n`);
        }
        await db.prisma.$transaction(async (tx) => {
          await tx.groupState.updateMany({
            where: { groupId: { in: ids }, paused: true },
            data: { paused: false, updatedAt: new Date() },
          });
          await markDirty(tx, ids, 'RESUME');
        });
      });
      ctx.stdout.write(`resumed ${ids.map(t).join(', ')} (marked for the next run)\n`);
    });
}

/** Ids found neither in `groups` nor in rongsync's shadow of the remote. */
async function unknownGroups(db: Database, ids: string[]): Promise<string[]> {
  const rows = await db.prisma.$queryRaw<Array<{ id: string }>>`
    SELECT u.id FROM unnest(${ids}::text[]) AS u(id)
    WHERE NOT EXISTS (SELECT 1 FROM "groups" g WHERE g."id" = u.id)
      AND NOT EXISTS (SELECT 1 FROM "rongsync_remote_groups" r WHERE r."group_id" = u.id)`;
  return rows.map((r) => r.id);
}
