// `rongsync migrate` — applies prisma/migrations with the Prisma-compatible applier.
// `rongsync migrate resolve --rolled-back NAME` — clears a failed migration so it can be retried.
import type { Command } from 'commander';
import { applyMigrations, markRolledBack } from '../../db/migrate/apply.js';
import type { CliContext } from '../context.js';

export function registerMigrate(program: Command, ctx: CliContext): void {
  const migrate = program
    .command('migrate')
    .description('apply pending database migrations (same bookkeeping as `prisma migrate deploy`)')
    .action(async () => {
      const { databaseUrl } = ctx.config();
      const result = await applyMigrations({
        databaseUrl,
        onApply: (name) => ctx.stdout.write(`applied ${name}\n`),
      });
      for (const w of result.warnings) ctx.stderr.write(`warning: ${w}\n`);
      if (result.applied.length === 0) {
        ctx.stdout.write(`database is up to date (${result.alreadyApplied.length} migrations applied)\n`);
      } else {
        ctx.stdout.write(`${result.applied.length} migration(s) applied\n`);
      }
    });

  migrate
    .command('resolve')
    .description('mark a failed migration as rolled back so `migrate` can retry it')
    .requiredOption('--rolled-back <name>', 'the failed migration folder name')
    .action(async (opts: { rolledBack: string }) => {
      await markRolledBack(ctx.config().databaseUrl, opts.rolledBack);
      ctx.stdout.write(`marked ${opts.rolledBack} as rolled back\n`);
    });
}
