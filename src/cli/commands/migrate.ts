// `rongsync migrate` — applies prisma/migrations with the Prisma-compatible applier.
// `rongsync migrate status` — applied / pending / failed migrations. Exit codes as `prisma migrate
// status` (4.3.0 and later): 0 only when the database is up to date; 1 when a migration is
// pending or failed, the history has migrations prisma/migrations does not know, the migration
// table is missing, or the database cannot be reached.
// `rongsync migrate resolve --rolled-back NAME` — clears a failed migration so it can be retried.
import type { Command } from 'commander';
import { applyMigrations, markRolledBack } from '../../db/migrate/apply.js';
import { readMigrations } from '../../db/migrate/files.js';
import { inspectDatabase, type MigrationState } from '../../db/migrate/status.js';
import { formatTimestamp, terminalSafe } from '../../report/format.js';
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
    .command('status')
    .description('list applied, pending and failed migrations (exit 0 up to date, 1 otherwise — as `prisma migrate status`)')
    .action(async () => {
      const local = readMigrations();
      const state = await inspectDatabase(ctx.config().databaseUrl, local);
      ctx.stdout.write(statusText(state, local.length));
      ctx.exitCode = upToDate(state) ? 0 : 1;
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

function upToDate(s: MigrationState): boolean {
  return s.initialized && s.pending.length === 0 && s.failed.length === 0 && s.unknown.length === 0;
}

function statusText(s: MigrationState, found: number): string {
  const lines = [`${found} migration(s) found in prisma/migrations`];
  if (!s.initialized) lines.push('the database has no migration table (_prisma_migrations): it was never migrated');
  for (const a of s.applied) {
    lines.push(`  applied  ${a.name}  ${formatTimestamp(a.finishedAt.toISOString())}${a.edited ? '  (edited since: checksum differs)' : ''}`);
  }
  for (const f of s.failed) {
    const log = f.logs?.split('\n').find((l) => l.trim() !== '');
    lines.push(`  failed   ${f.name}  started ${formatTimestamp(f.startedAt.toISOString())}${log ? `: ${terminalSafe(log)}` : ''}`);
  }
  for (const p of s.pending) lines.push(`  pending  ${p}`);
  for (const u of s.unknown) lines.push(`  unknown  ${u}  (applied to the database, not in prisma/migrations: a newer rongsync migrated it)`);

  if (s.failed.length > 0) {
    const name = s.failed[0]!.name;
    lines.push(`Migration ${name} failed. Fix the cause, then run \`rongsync migrate resolve --rolled-back ${name}\` and \`rongsync migrate\`.`);
  } else if (s.pending.length > 0) {
    lines.push(`${s.pending.length} migration(s) not yet applied. Run \`rongsync migrate\`.`);
  } else if (s.unknown.length > 0) {
    lines.push('The database is ahead of these migrations: run the rongsync version that migrated it.');
  } else {
    lines.push('Database schema is up to date.');
  }
  return `${lines.join('\n')}\n`;
}
