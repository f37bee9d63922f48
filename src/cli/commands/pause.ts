// `rongsync pause <groupId…>` — the reconciler keeps observing and reporting these groups but
// never writes them. `rongsync resume <groupId…>` — lifts that and marks the groups dirty (source
// 'operator', op 'RESUME') so the next run converges them.
import type { Command } from 'commander';
import { terminalSafe as t } from '../../rules/characters.js';
import type { CliContext } from '../context.js';

export function registerPause(program: Command, ctx: CliContext): void {
  program
    .command('pause')
    .description('stop writing groups to RongCloud (they are still checked and reported)')
    .argument('<groupId...>', 'group ids')
    .action(async (groupIds: string[]) => {
      const ids = [...new Set(groupIds)];
      const { unknown } = await ctx.api().pause(ids);
      // Pausing ahead of a group's creation is allowed, but a typo deserves a warning.
      for (const id of unknown) ctx.stderr.write(`warning: ${t(id)} is not in the groups table nor known remotely; paused anyway\n`);
      ctx.stdout.write(`paused ${ids.map(t).join(', ')}\n`);
    });

  program
    .command('resume')
    .description('write paused groups again, and mark them for the next run')
    .argument('<groupId...>', 'group ids')
    .action(async (groupIds: string[]) => {
      const ids = [...new Set(groupIds)];
      const { notPaused } = await ctx.api().resume(ids);
      for (const id of notPaused) ctx.stderr.write(`note: ${t(id)} was not paused; marked for the next run anyway\n`);
      ctx.stdout.write(`resumed ${ids.map(t).join(', ')} (marked for the next run)\n`);
    });
}
