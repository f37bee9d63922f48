// `rongsync report [--run <id>|latest] [--format text|json|md|html] [--output FILE]` — renders one
// reconcile run as a drift report. `rongsync report list [--trigger T] [--status S] [--limit N]
// [--include-plans]` — recent runs as a table. Flags are validated before the database is opened,
// so a typo fails fast and names the flag.
import { writeFile } from 'node:fs/promises';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { RongsyncError } from '../../errors.js';
import { formatDuration, formatTimestamp, terminalSafe } from '../../report/format.js';
import { REPORT_FORMATS, renderReport, type ReportFormat, type RunSummary } from '../../report/index.js';
import { RUN_STATUSES, RUN_TRIGGERS } from '../../report/load.js';
import type { RunStatus, RunTrigger } from '../../reconcile/types.js';
import type { CliContext } from '../context.js';

interface ShowOptions {
  /** @default 'latest' */
  run: number | 'latest';
  /** @default 'text' */
  format: ReportFormat;
  output?: string;
  /** The old spelling of `report list`: refused with the new one. */
  list?: boolean;
}

interface ListOptions {
  /** @default 20 */
  limit: number;
  trigger?: RunTrigger;
  status?: RunStatus;
  includePlans?: boolean;
}

/** Most runs `report list` prints. */
const MAX_LIMIT = 1000;

export function registerReport(program: Command, ctx: CliContext): void {
  const report = program
    .command('report')
    .description('show a reconcile run as a drift report (default: the latest finished run, as text); `report list` lists runs')
    // Options after `list` belong to `list`: `report list --limit 5` is not read as `report --limit`.
    .enablePositionalOptions()
    .addOption(new Option('--run <id>', 'run id, or "latest"').default('latest' as const).argParser(parseRun))
    .addOption(new Option('--format <format>', 'output format').choices(REPORT_FORMATS).default('text'))
    .option('-o, --output <file>', 'write the report to FILE instead of stdout')
    .addOption(new Option('--list').hideHelp())
    .action(async (opts: ShowOptions) => {
      if (opts.list === true) throw new RongsyncError('usage', '`report --list` is now `rongsync report list` (with --limit, --trigger, --status, --include-plans)');
      const which = opts.run;
      const format = opts.format;
      const found = await ctx.api().report(which);
      if (found === null) {
        throw which === 'latest' ? noRuns() : new RongsyncError('run_not_found', `run ${which} not found (list runs with \`rongsync report list\`)`);
      }
      const rendered = renderReport(found, format);
      if (opts.output === undefined) {
        ctx.stdout.write(rendered);
        return;
      }
      try {
        await writeFile(opts.output, rendered, 'utf8');
      } catch (e) {
        throw new RongsyncError('output_failed', `--output: cannot write ${opts.output}: ${(e as Error).message}`, { cause: e });
      }
      ctx.stdout.write(`wrote ${format} report of run #${found.runId} to ${opts.output}\n`);
    });

  report
    .command('list')
    .description('recent runs as a table, newest first (plan and --dry-run runs hidden unless --include-plans)')
    .addOption(new Option('--limit <n>', `runs shown (1 to ${MAX_LIMIT})`).default(20).argParser(parseLimit))
    .addOption(new Option('--trigger <trigger>', 'only runs started by this').choices(RUN_TRIGGERS))
    .addOption(new Option('--status <status>', 'only runs that ended so').choices(RUN_STATUSES))
    .option('--include-plans', 'include `plan` and `apply --dry-run` runs')
    .action(async (opts: ListOptions) => {
      const api = ctx.api();
      const runs = await api.runs({ limit: opts.limit, trigger: opts.trigger, status: opts.status, includePreviews: opts.includePlans });
      if (runs.length === 0) {
        if ((await api.runs({ limit: 1, includePreviews: true })).length === 0) throw noRuns();
        ctx.stdout.write(`${noneMatch(opts)}\n`);
        return;
      }
      ctx.stdout.write(runTable(runs));
    });
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
  throw new InvalidArgumentError('not a run id (use a positive integer or "latest", e.g. --run 42)');
}

function parseLimit(value: string): number {
  if (/^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= MAX_LIMIT) return Number(value);
  throw new InvalidArgumentError(`not a number of runs (use 1 to ${MAX_LIMIT}, e.g. --limit 20)`);
}

function noneMatch(opts: ListOptions): string {
  const filters = [opts.trigger && `--trigger ${opts.trigger}`, opts.status && `--status ${opts.status}`].filter(Boolean);
  const hint = opts.includePlans ? '' : '; plan and --dry-run runs are hidden without --include-plans';
  return `no runs match${filters.length > 0 ? ` ${filters.join(' ')}` : ''}${hint}`;
}

interface Column {
  title: string;
  align: 'left' | 'right';
  cell: (run: RunSummary) => string;
}

/** The columns of `report list`; the error, when there is one, follows the counts. */
const COLUMNS: Column[] = [
  { title: 'RUN', align: 'left', cell: (r) => `#${r.runId}` },
  { title: 'STARTED', align: 'left', cell: (r) => formatTimestamp(r.startedAt) },
  { title: 'TRIGGER', align: 'left', cell: (r) => r.trigger },
  { title: 'MODE', align: 'left', cell: (r) => r.mode },
  { title: 'STATUS', align: 'left', cell: (r) => r.status },
  { title: 'TOOK', align: 'right', cell: (r) => (r.finishedAt === null ? '—' : formatDuration(r.durationMs)) },
  { title: 'CHECKED', align: 'right', cell: (r) => String(r.counts.checked) },
  { title: 'DRIFTED', align: 'right', cell: (r) => String(r.counts.drifted) },
  { title: 'FIXED', align: 'right', cell: (r) => String(r.counts.fixed) },
  { title: 'FAILED', align: 'right', cell: (r) => String(r.counts.failed) },
  { title: 'ERROR', align: 'left', cell: (r) => (r.error === null ? '' : terminalSafe(r.error.length > 80 ? `${r.error.slice(0, 79)}…` : r.error)) },
];

/**
 * A header row and one row per run, columns padded to their widest cell:
 * `RUN  STARTED                  TRIGGER  MODE   STATUS   TOOK  CHECKED  DRIFTED  FIXED  FAILED  ERROR`
 */
export function runTable(runs: RunSummary[]): string {
  const rows = [COLUMNS.map((c) => c.title), ...runs.map((r) => COLUMNS.map((c) => c.cell(r)))];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    row
      .map((cell, i) => (COLUMNS[i]!.align === 'right' ? cell.padStart(widths[i]!) : i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return rows.map((row) => `${line(row)}\n`).join('');
}
