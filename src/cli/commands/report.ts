// `rongsync report [--run <id>|latest] [--format text|json|md|html] [--output FILE]` — renders one
// reconcile run as a drift report. `rongsync report --list [--limit N]` — recent runs, one a line.
// Flags are validated before the database is opened, so a typo fails fast and names the flag.
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { openDatabase } from '../../db/client.js';
import { ConfigError, RongsyncError } from '../../errors.js';
import { formatDuration, formatTimestamp, terminalSafe } from '../../report/format.js';
import { REPORT_FORMATS, isReportFormat, listRuns, loadRunReport, renderReport, type ReportFormat, type RunSummary } from '../../report/index.js';
import type { CliContext } from '../context.js';

interface ReportOptions {
  /** @default 'latest' */
  run: string;
  /** @default 'text' */
  format: string;
  output?: string;
  list?: boolean;
  /** @default '20' */
  limit: string;
}

/** Most runs `--list` prints. */
const MAX_LIMIT = 1000;

export function registerReport(program: Command, ctx: CliContext): void {
  program
    .command('report')
    .description('show a reconcile run as a drift report (default: the latest finished run, as text)')
    .option('--run <id>', 'run id, or "latest"', 'latest')
    .option('--format <format>', `output format: ${REPORT_FORMATS.join(', ')}`, 'text')
    .option('-o, --output <file>', 'write the report to FILE instead of stdout')
    .option('--list', 'list recent runs, one per line, instead of showing one')
    .option('--limit <n>', 'runs shown by --list', '20')
    .action(async (opts: ReportOptions) => {
      if (opts.list === true) {
        const limit = parseLimit(opts.limit);
        if (opts.run !== 'latest') throw new ConfigError(['--list: shows many runs; leave out --run (or drop --list)']);
        await withDatabase(ctx, async (prisma) => {
          const runs = await listRuns(prisma, limit);
          if (runs.length === 0) throw noRuns();
          for (const run of runs) ctx.stdout.write(`${listLine(run)}\n`);
        });
        return;
      }

      const which = parseRun(opts.run);
      const format = parseFormat(opts.format);
      const text = await withDatabase(ctx, async (prisma) => {
        const report = await loadRunReport(prisma, which);
        if (report === null) {
          throw which === 'latest'
            ? noRuns()
            : new RongsyncError('run_not_found', `run ${which} not found (list runs with \`rongsync report --list\`)`);
        }
        return { report, rendered: renderReport(report, format) };
      });
      if (opts.output === undefined) {
        ctx.stdout.write(text.rendered);
      } else {
        try {
          await writeFile(opts.output, text.rendered, 'utf8');
        } catch (e) {
          throw new RongsyncError('output_failed', `--output: cannot write ${opts.output}: ${(e as Error).message}`, {
            cause: e,
          });
        }
        ctx.stdout.write(`wrote ${format} report of run #${text.report.runId} to ${opts.output}\n`);
      }
    });
}

async function withDatabase<T>(
  ctx: CliContext,
  fn: (prisma: ReturnType<typeof openDatabase>['prisma']) => Promise<T>,
): Promise<T> {
  const db = openDatabase(ctx.config().databaseUrl, { maxConnections: 2, applicationName: 'rongsync report' });
  try {
    return await fn(db.prisma);
  } finally {
    await db.close();
  }
}

function noRuns(): RongsyncError {
  return new RongsyncError(
    'no_runs',
    'no reconcile runs recorded yet: run `rongsync apply` (or `rongsync plan`, or start `rongsync serve`) first',
  );
}

function parseRun(value: string): number | 'latest' {
  if (value === 'latest') return value;
  if (/^[1-9]\d{0,9}$/.test(value) && Number(value) <= 2_147_483_647) return Number(value);
  throw new ConfigError([`--run: ${JSON.stringify(value)} is not a run id (use a positive integer or "latest", e.g. --run 42)`]);
}

function parseFormat(value: string): ReportFormat {
  if (isReportFormat(value)) return value;
  throw new ConfigError([
    `--format: ${JSON.stringify(value)} is not a report format (use one of ${REPORT_FORMATS.join(', ')}, e.g. --format html)`,
  ]);
}

function parseLimit(value: string): number {
  if (/^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= MAX_LIMIT) return Number(value);
  throw new ConfigError([`--limit: ${JSON.stringify(value)} is not a number of runs (use 1 to ${MAX_LIMIT}, e.g. --limit 20)`]);
}

/** `#12  2026-11-25 10:00:00 UTC  manual  apply  partial    3s  checked 40 drifted 5 fixed 2 failed 1` */
function listLine(run: RunSummary): string {
  const c = run.counts;
  const took = run.finishedAt === null ? '—' : formatDuration(run.durationMs);
  const parts = [
    `#${run.runId}`.padEnd(6),
    formatTimestamp(run.startedAt),
    run.trigger.padEnd(6),
    run.mode.padEnd(7),
    run.status.padEnd(9),
    took.padStart(7),
    `checked ${c.checked} drifted ${c.drifted} fixed ${c.fixed} failed ${c.failed}`,
  ];
  if (run.error !== null) parts.push(`error: ${terminalSafe(run.error.length > 80 ? `${run.error.slice(0, 79)}…` : run.error)}`);
  return parts.join('  ');
}
