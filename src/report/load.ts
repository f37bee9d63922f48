// Loads one reconcile run (rongsync_runs + its rongsync_drift_items) into a RunReport, and lists
// recent runs. Read-only; the reconciler writes these rows. Everything that came from jsonb is
// checked here, because a malformed `calls` or `details` must not break a report.
import type { PrismaClient } from '../generated/prisma/client.js';
import type { DriftKind, RunCounts, RunMode, RunStatus, RunTrigger } from '../reconcile/types.js';
import type { DriftReportItem, RunReport } from './types.js';

/** The slice of the Prisma client the loader reads (a transaction client works too). */
export type ReportDb = Pick<PrismaClient, 'run' | 'driftItem'>;

/**
 * Order of drift kinds in a report: what was done or needs doing first, then what was only
 * observed. Kinds the reconciler adds later sort after these, alphabetically.
 */
const KIND_ORDER: readonly DriftKind[] = [
  'missing_group',
  'members',
  'name',
  'orphan',
  'invalid',
  'unknown',
  'failed',
  'quarantined',
  'paused',
  'blocked',
];

/** One line of history (`rongsync report list`). */
export interface RunSummary {
  runId: number;
  trigger: RunTrigger;
  mode: RunMode;
  status: RunStatus;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  counts: RunCounts;
  error: string | null;
}

type RunRow = Awaited<ReturnType<PrismaClient['run']['findFirst']>> & {};

/**
 * Loads run `which` as a report, or null when there is no such run.
 *
 * `'latest'` is the most recently started run that has finished; when no run has finished yet, the
 * most recently started one (still running). A running run is reported as it stands, with drift
 * ages measured up to `now`.
 */
export async function loadRunReport(
  prisma: ReportDb,
  which: number | 'latest',
  now: Date = new Date(),
  options: { maxItems?: number } = {},
): Promise<RunReport | null> {
  const run = which === 'latest' ? await latestRun(prisma) : await prisma.run.findUnique({ where: { id: which } });
  if (run === null) return null;

  const total = options.maxItems === undefined ? undefined : await prisma.driftItem.count({ where: { runId: run.id } });
  const rows = total === undefined || total <= options.maxItems! ? await prisma.driftItem.findMany({ where: { runId: run.id } }) : await firstItems(prisma, run.id, options.maxItems!);
  const end = (run.finishedAt ?? now).getTime();
  const items: DriftReportItem[] = rows.map((r) => ({
    groupId: r.groupId,
    kind: r.kind as DriftKind,
    outcome: r.outcome as DriftReportItem['outcome'],
    missingMembers: [...r.missingMembers],
    extraMembers: [...r.extraMembers],
    desiredName: r.desiredName,
    remoteName: r.remoteName,
    reason: r.reason,
    errorCode: r.errorCode,
    firstSeenAt: r.firstSeenAt.toISOString(),
    // Clock skew between replicas can put first_seen_at after the end of the run: never negative.
    ageMs: Math.max(0, end - r.firstSeenAt.getTime()),
  }));
  items.sort(compareItems);

  const s = summarize(run);
  // Spelled out in the order of types.ts: the JSON rendering's key order is part of its stability.
  return {
    schema: 'rongsync.report/v1',
    runId: s.runId,
    trigger: s.trigger,
    mode: s.mode,
    status: s.status,
    startedAt: s.startedAt,
    finishedAt: s.finishedAt,
    durationMs: s.durationMs,
    counts: s.counts,
    calls: parseCalls(run.calls),
    blocked: parseBlocked(run.details),
    error: s.error,
    items,
    ...(total !== undefined && total > items.length ? { itemsTotal: total } : {}),
  };
}

/** Every trigger and status a run row can have (the filters of `report list`). */
export const RUN_TRIGGERS = ['change', 'cron', 'manual'] as const satisfies readonly RunTrigger[];
export const RUN_STATUSES = ['running', 'succeeded', 'partial', 'failed', 'aborted', 'interrupted'] as const satisfies readonly RunStatus[];
// Compile-time: each list names every member of its type (a new trigger must be added here).
true satisfies [RunTrigger] extends [(typeof RUN_TRIGGERS)[number]] ? true : never;
true satisfies [RunStatus] extends [(typeof RUN_STATUSES)[number]] ? true : never;

export interface RunFilter {
  /** Most runs returned. */
  limit: number;
  trigger?: RunTrigger | undefined;
  status?: RunStatus | undefined;
  /**
   * Include previews: `plan` and `apply --dry-run` runs (started by hand, writing nothing). A
   * detect-mode service's own runs (cron, change) are not previews: they are its whole output.
   * @default false
   */
  includePreviews?: boolean | undefined;
}

/** The most recently started runs that pass `filter`, newest first. */
export async function listRuns(prisma: ReportDb, filter: RunFilter): Promise<RunSummary[]> {
  const runs = await prisma.run.findMany({
    where: {
      ...(filter.trigger === undefined ? {} : { trigger: filter.trigger }),
      ...(filter.status === undefined ? {} : { status: filter.status }),
      ...(filter.includePreviews ? {} : { NOT: { trigger: 'manual', mode: { in: ['detect', 'dry-run'] } } }),
    },
    orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
    take: filter.limit,
  });
  return runs.map(summarize);
}

async function latestRun(prisma: ReportDb): Promise<RunRow | null> {
  const orderBy = [{ startedAt: 'desc' as const }, { id: 'desc' as const }];
  return (
    (await prisma.run.findFirst({ where: { finishedAt: { not: null } }, orderBy })) ??
    (await prisma.run.findFirst({ orderBy }))
  );
}

function summarize(run: RunRow): RunSummary {
  return {
    runId: run.id,
    trigger: run.trigger as RunTrigger,
    mode: run.mode as RunMode,
    status: run.status as RunStatus,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt === null ? null : run.finishedAt.toISOString(),
    durationMs: run.durationMs,
    counts: {
      checked: run.groupsChecked,
      inSync: run.inSync,
      drifted: run.drifted,
      fixed: run.fixed,
      failed: run.failed,
      unreconcilable: run.unreconcilable,
      quarantined: run.quarantined,
      unknown: run.unknown,
    },
    error: run.error,
  };
}

/**
 * The first `max` drift items of a run in report order without reading the rest: kind by kind in
 * KIND_ORDER, each by group id, then any other kind. (Sorted again by compareItems afterwards.)
 */
async function firstItems(prisma: ReportDb, runId: number, max: number) {
  const rows: Awaited<ReturnType<ReportDb['driftItem']['findMany']>> = [];
  for (const kind of KIND_ORDER) {
    if (rows.length >= max) return rows;
    rows.push(...(await prisma.driftItem.findMany({ where: { runId, kind }, orderBy: { groupId: 'asc' }, take: max - rows.length })));
  }
  if (rows.length < max) {
    rows.push(...(await prisma.driftItem.findMany({ where: { runId, kind: { notIn: [...KIND_ORDER] } }, orderBy: [{ kind: 'asc' }, { groupId: 'asc' }], take: max - rows.length })));
  }
  return rows;
}

/** Items by kind (KIND_ORDER), then group id by code unit (locale-independent, stable). */
function compareItems(a: DriftReportItem, b: DriftReportItem): number {
  const ka = kindRank(a.kind);
  const kb = kindRank(b.kind);
  if (ka !== kb) return ka - kb;
  if (a.kind !== b.kind) return a.kind < b.kind ? -1 : 1;
  if (a.groupId !== b.groupId) return a.groupId < b.groupId ? -1 : 1;
  return 0;
}

function kindRank(kind: string): number {
  const i = KIND_ORDER.indexOf(kind as DriftKind);
  return i === -1 ? KIND_ORDER.length : i;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `{"/group/join.json": {"ok": 3, "1002": 1}}`; entries that are not counts are dropped. */
function parseCalls(value: unknown): Record<string, Record<string, number>> {
  const calls: Record<string, Record<string, number>> = {};
  if (!isObject(value)) return calls;
  for (const endpoint of Object.keys(value).sort()) {
    const byOutcome = value[endpoint];
    if (!isObject(byOutcome)) continue;
    const counts: Record<string, number> = {};
    for (const outcome of Object.keys(byOutcome).sort(compareOutcomes)) {
      const n = byOutcome[outcome];
      if (typeof n === 'number' && Number.isFinite(n)) counts[outcome] = n;
    }
    calls[endpoint] = counts;
  }
  return calls;
}

/** "ok" first, then named outcomes alphabetically, then RongCloud codes numerically. */
export function compareOutcomes(a: string, b: string): number {
  const rank = (s: string) => (s === 'ok' ? 0 : /^\d+$/.test(s) ? 2 : 1);
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 2) return Number(a) - Number(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** details.blocked = {reason, deletes, share}; anything else (or a partial object) is null. */
function parseBlocked(details: unknown): RunReport['blocked'] {
  if (!isObject(details)) return null;
  const b = details['blocked'];
  if (!isObject(b)) return null;
  const { reason, deletes, share } = b;
  if (typeof reason !== 'string' || typeof deletes !== 'number' || typeof share !== 'number') return null;
  return { reason, deletes, share };
}
