// One reconcile run: scope → (per batch of groups) observe → plan → apply → settle → record.
// `runOnce` is the only entry point; schedules and leadership live in serve.ts.
//
//   scope.ts    which groups, and which of them are read from RongCloud first
//   observe.ts  the tables, the shadow and the bookkeeping of a batch (+ fresh reads)
//   plan/       the calls that converge them, fewest first (pure)
//   apply.ts    the calls, with write-ahead in-doubt marks
//   settle.ts   what the run concludes per group (pure)
//   here        storing the conclusions, the run row and its drift items
import type { Config } from '../config/load.js';
import { RongsyncError } from '../errors.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../log/logger.js';
import { MAX_GROUPS_LOGGED, runFinishedLog } from '../log/run-log.js';
import type { GroupOutcome, RunCounts, RunMode, RunStatus, RunTrigger } from './types.js';
import { applyPlan, type ApplyResult, type CallFailure } from './apply.js';
import type { CallLog } from '../store/call-log.js';
import { ackChanges, markDirty, type DirtyGroup } from '../store/change-log.js';
import { writeDriftItems } from '../store/drift-items.js';
import { writeStates } from '../store/group-state.js';
import { clearInDoubt, listInDoubt } from '../store/in-doubt.js';
import { groupInput, planPolicy, syncCandidates } from './inputs.js';
import { GroupCountCache, loadSnapshots } from './observe.js';
import { planReconcile } from './plan/plan.js';
import type { GroupInput, Plan, PlannedCall } from './plan/types.js';
import { systemClock, type Clock, type RemoteGroups } from './ports.js';
import { ProgressTracker, type ProgressListener } from './progress.js';
import { readGroups } from './read-remote.js';
import { CredentialsRefusedError, stopOnRemoteFaults, type GuardedRemote } from './remote-faults.js';
import { lockLost, withRunLock, type RunLock } from '../service/run-lock.js';
import { recordFinalRun } from './record-run.js';
import { createRun, finishRun, heartbeat, markInterrupted } from '../store/runs.js';
import { resolveScope } from './scope.js';
import { emptyCounts, settle, type SettleGroup } from './settle.js';
import { recordOwners, recordReads } from '../store/shadow.js';

export interface ReconcileDeps {
  prisma: PrismaClient;
  remote: RemoteGroups;
  callLog: CallLog;
  config: Config;
  logger: Logger;
  clock?: Clock;
  /** Serializes runs across processes (serve, apply, plan). @default none (tests of one run) */
  runLock?: RunLock;
}

export interface RunRequest {
  trigger: RunTrigger;
  /** apply = converge; detect = observe and report; dry-run = plan as apply would, write nothing remote. */
  mode: RunMode;
  /** Only these groups; they are read from RongCloud first. */
  groups?: string[];
  /** Every group (tables and shadow), each read from RongCloud first. */
  full?: boolean;
  /** Also verify this many least-recently-read groups (read first). */
  verify?: number;
  /** Approves deletions over the guard for this run. */
  allowDeletes?: boolean;
  signal?: AbortSignal;
  /** Groups per batch (observe → plan → apply). @default 1000 */
  batchSize?: number;
  /**
   * Most dirty groups this run takes on; a larger backlog is left for the next run (`moreDirty`).
   * @default every dirty group
   */
  maxDirty?: number;
  /** Hears each batch's plan and drift items as the run goes (nothing is kept for the whole run). */
  onBatch?: (batch: BatchReport) => void | Promise<void>;
  /** Hears the run's progress (groups and calls done of those known) after every batch step and call. */
  onProgress?: ProgressListener;
}

/** What one batch planned and found. */
export interface BatchReport {
  calls: PlannedCall[];
  items: GroupOutcome[];
  counts: RunCounts;
}

export interface RunResult {
  runId: number;
  status: RunStatus;
  counts: RunCounts;
  blocked: { reason: string; deletes: number; share: number } | null;
  /** Planned calls by kind, summed over batches. */
  plannedCalls: Record<string, number>;
  durationMs: number;
  error: string | null;
  /** The kind of the RongsyncError that failed the run (`rongcloud_unreachable`, `credentials_refused`, …), if one did. */
  errorKind: string | null;
  /** The change log held more dirty groups than this run took on: run again. */
  moreDirty: boolean;
  /** Runs found `running` with no process behind them, now marked interrupted. */
  interrupted: number[];
}

/** Dirty groups one `serve` run takes on; a larger backlog is drained by the following runs. */
export const MAX_DIRTY_PER_RUN = 50_000;

/** One reconcile run; waits first for any other run (this process or another) to finish. */
export async function runOnce(deps: ReconcileDeps, request: RunRequest): Promise<RunResult> {
  // The run's signal also aborts when the run lock's session is lost (another run may start).
  return withRunLock(deps.runLock, request.signal, async (signal) => {
    // Holding the run lock, any run still `running` belongs to a process that died.
    const interrupted = deps.runLock ? await markInterrupted(deps.prisma, (deps.clock ?? systemClock)()) : [];
    if (interrupted.length > 0) deps.logger.warn({ runs: interrupted }, 'marked runs left running by a process that died as interrupted');
    return { ...(await runLocked(deps, { ...request, ...(signal ? { signal } : {}) })), interrupted };
  });
}

async function runLocked(deps: ReconcileDeps, request: RunRequest): Promise<Omit<RunResult, 'interrupted'>> {
  const clock = deps.clock ?? systemClock;
  const { prisma, config, logger } = deps;
  const started = clock();
  const runId = await createRun(prisma, { trigger: request.trigger, mode: request.mode, startedAt: started });
  deps.callLog.beginRun(runId);
  const log = logger.child({ runId, trigger: request.trigger, mode: request.mode });
  const progress = new ProgressTracker({ runId, trigger: request.trigger, mode: request.mode, startedAt: started }, request.onProgress, log);
  const remote = stopOnRemoteFaults(progress.observe(deps.remote));

  const counts = emptyCounts();
  const result: Omit<RunResult, 'interrupted'> = {
    runId,
    status: 'succeeded',
    counts,
    blocked: null,
    plannedCalls: {},
    durationMs: 0,
    error: null,
    errorKind: null,
    moreDirty: false,
  };
  // Carried from batch to batch: the deletion budget and the users' group counts.
  const carried: Carried = { deletes: 0, groupCounts: new GroupCountCache() };
  const troubled: GroupOutcome[] = [];

  try {
    const scope = await resolveScope(
      prisma,
      { mode: request.mode, groups: request.groups, full: request.full, verify: request.verify, maxDirty: request.maxDirty },
      clock(),
      config.limits.groupIdMax,
    );
    if (scope.released.length > 0) log.info({ groups: scope.released }, 'released quarantined groups changed by the app');
    if (scope.inDoubt.length > 0) log.info({ groups: scope.inDoubt.length }, 'reading groups in doubt before planning them');
    progress.scope(scope.ids.length);
    let acked = 0;
    const batchSize = request.batchSize ?? 1000;
    for (let i = 0; i < scope.ids.length; i += batchSize) {
      throwIfAborted(request.signal);
      const batch = scope.ids.slice(i, i + batchSize);
      progress.batchStarted(batch.length);
      const outcome = await reconcileBatch({ ...deps, remote, progress }, request, runId, batch, scope.read, scope.dirty, clock, carried);
      if (outcome.blocked && !result.blocked) result.blocked = outcome.blocked;
      for (const [k, n] of Object.entries(outcome.plan.totals.byKind)) result.plannedCalls[k] = (result.plannedCalls[k] ?? 0) + n;
      for (const k of Object.keys(counts) as Array<keyof RunCounts>) counts[k] += outcome.counts[k];
      acked += outcome.acked;
      // The run's log line names the groups that failed or could not be read (a bounded few).
      for (const it of outcome.items) if ((it.outcome === 'failed' || it.kind === 'unknown') && troubled.length <= MAX_GROUPS_LOGGED) troubled.push(it);
      await request.onBatch?.({ calls: outcome.plan.calls, items: outcome.items, counts: outcome.counts });
      progress.batchDone(batch.length);
      await heartbeat(prisma, runId, clock());
    }
    throwIfAborted(request.signal);
    // More was waiting — but a re-run is only worth it if this run made progress. Otherwise
    // (every group held by the guard, failing, or a detect run, which acknowledges nothing) it
    // would take the same groups and spin.
    result.moreDirty = scope.moreDirty && acked > 0;
    result.status = counts.failed > 0 || counts.unknown > 0 ? 'partial' : 'succeeded';
  } catch (e) {
    // A run that lost its lock may have overlapped another one: it failed, whatever it did.
    const lost = lockLost(request.signal);
    const aborted = !lost && request.signal?.aborted === true;
    result.status = aborted ? 'aborted' : 'failed';
    result.error = lost ? lost.message : aborted ? `aborted: ${abortReason(request.signal!)}` : e instanceof Error ? e.message : String(e);
    result.errorKind = !lost && !aborted && e instanceof RongsyncError ? e.kind : null;
    log.debug({ err: e }, 'reconcile run stopped');
  }

  progress.finish();
  await deps.callLog.flush();
  const finished = clock();
  result.durationMs = finished.getTime() - started.getTime();
  await recordFinalRun(log, () => finishRun(prisma, runId, {
    status: result.status,
    finishedAt: finished,
    durationMs: result.durationMs,
    counts,
    calls: deps.callLog.counts(),
    details: { plannedCalls: result.plannedCalls, ...(result.blocked ? { blocked: result.blocked } : {}) },
    error: result.error,
  }));
  deps.callLog.beginRun(null);
  const line = runFinishedLog({ ...result, items: troubled });
  log[line.level](line.fields, line.message);
  return result;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new Error(`run aborted: ${abortReason(signal)}`);
}

function abortReason(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  if (typeof r === 'string') return r;
  if (r instanceof Error && r.name !== 'AbortError') return r.message;
  return 'shutting down';
}

interface BatchOutcome {
  plan: Plan;
  items: GroupOutcome[];
  counts: RunCounts;
  blocked: RunResult['blocked'];
  /** Dirty groups whose changes were acknowledged. */
  acked: number;
}

type BatchDeps = Omit<ReconcileDeps, 'remote'> & { remote: GuardedRemote; progress: ProgressTracker };

/** What one batch hands the next: the run's deletion budget spent so far, users' group counts. */
interface Carried {
  deletes: number;
  groupCounts: GroupCountCache;
}

async function reconcileBatch(
  deps: BatchDeps,
  request: RunRequest,
  runId: number,
  batch: string[],
  readSet: Set<string>,
  dirty: Map<string, DirtyGroup>,
  clock: Clock,
  carried: Carried,
): Promise<BatchOutcome> {
  const { prisma, config } = deps;
  const snapshots = await loadSnapshots(prisma, batch);

  // Observe the remote: fresh reads where asked, the shadow elsewhere.
  const toRead = snapshots.filter((s) => readSet.has(s.id) && !s.state?.paused);
  deps.progress.expect(toRead.length);
  const reads = await readGroups(
    deps.remote,
    toRead.map((s) => s.id),
    new Map(toRead.map((s) => [s.id, s.shadow?.name ?? null])),
    { readNames: true },
  );
  const stop = deps.remote.stopped();
  if (stop) throw stop;
  const readOk = [...reads].flatMap(([groupId, r]) => (r.members ? [{ groupId, members: r.members, name: r.name ?? null }] : []));
  await recordReads(prisma, readOk, clock());
  // What RongCloud holds is known now: nothing about these groups is in doubt any more.
  await clearInDoubt(prisma, readOk.map((r) => r.groupId));

  const inputs: GroupInput[] = snapshots.map((s) => groupInput(s, reads.get(s.id)));
  const allowDeletes = request.allowDeletes || config.reconcile.allowDeletes;
  // The count guard spans the whole run: batches share one budget.
  const policy = (syncCalls: boolean, approve: boolean) => planPolicy(config, { syncCalls, allowDeletes: approve, deletesSoFar: carried.deletes });
  const users = await syncCandidates(prisma, config, inputs, batch, policy(config.reconcile.syncCalls, allowDeletes), carried.groupCounts);
  const plan = planReconcile({ groups: inputs, users, policy: policy(config.reconcile.syncCalls, allowDeletes) });

  let applied: ApplyResult | undefined;
  const notes = new Map<string, string[]>();
  if (request.mode === 'apply' && plan.calls.length > 0) {
    deps.progress.expect(plan.calls.length);
    const applyDeps = {
      remote: deps.remote,
      prisma,
      clock,
      concurrency: config.remote.concurrency,
      runId,
      ...(request.signal ? { signal: request.signal } : {}),
    };
    applied = await applyPlan(plan, applyDeps);
    if (applied.credentialsError) throw new CredentialsRefusedError(applied.credentialsError);
    const stopped = deps.remote.stopped();
    if (stopped) throw stopped;
    if (applied.refusedSyncs.size > 0) {
      // A sync refused for a parameter reason must not block the user's other groups: their
      // groups fall back to per-group calls in this same run, planned from the shadow as it now
      // stands (the sync changed nothing). Deletions were counted by the plan above: approved here.
      const affected = plan.groups.filter((g) => g.syncUsers.some((u) => applied!.refusedSyncs.has(u)) && !applied!.failed.has(g.groupId));
      const fresh = await loadSnapshots(prisma, affected.map((g) => g.groupId));
      const fallback = planReconcile({ groups: fresh.map((s) => groupInput(s, undefined)), users: new Map(), policy: policy(false, true) });
      deps.progress.expect(fallback.calls.length);
      const second = await applyPlan(fallback, applyDeps);
      if (second.credentialsError) throw new CredentialsRefusedError(second.credentialsError);
      const stoppedAfter = deps.remote.stopped();
      if (stoppedAfter) throw stoppedAfter;
      for (const g of affected) {
        const users = g.syncUsers.filter((u) => applied!.refusedSyncs.has(u));
        notes.set(g.groupId, users.map((u) => `sync of user ${JSON.stringify(u)} refused (${applied!.refusedSyncs.get(u)!.message}); used per-group calls instead`));
        const f = second.failed.get(g.groupId);
        if (f) applied.failed.set(g.groupId, f);
        if (second.unfinished.has(g.groupId)) applied.unfinished.add(g.groupId);
      }
      for (const k of ['callsDone', 'callsFailed', 'callsSkipped'] as const) applied[k] += second[k];
    }
  }

  const stillInDoubt = applied ? new Set((await listInDoubt(prisma, batch)).map((d) => d.groupId)) : new Set<string>();
  const snapshotById = new Map(snapshots.map((s) => [s.id, s]));
  const now = clock();
  const settlement = settle({
    mode: request.mode,
    blockedReason: plan.blocked?.reason ?? null,
    now,
    quarantineAfter: config.reconcile.quarantineAfter,
    groups: plan.groups.map((p): SettleGroup => {
      const snap = snapshotById.get(p.groupId)!;
      const observed = reads.get(p.groupId)?.observation;
      return {
        plan: p,
        prior: snap.state,
        dirty: dirty.get(p.groupId),
        desiredName: snap.desired?.name ?? null,
        remoteName: snap.shadow?.name ?? null,
        readFailure: observed?.status === 'unknown' ? { reason: observed.reason, errorCode: observed.errorCode, transient: observed.transient ?? false } : undefined,
        failure: applied?.failed.get(p.groupId) as CallFailure | undefined,
        unfinished: applied?.unfinished.has(p.groupId) ?? false,
        inDoubt: stillInDoubt.has(p.groupId),
        notes: notes.get(p.groupId) ?? [],
      };
    }),
  });

  await writeStates(prisma, settlement.states, now);
  await writeDriftItems(prisma, runId, settlement.items);
  await ackChanges(prisma, settlement.acks);
  await markDirty(prisma, settlement.markDirty, 'DRIFT');
  if (request.mode === 'apply') await recordOwners(prisma, batch);

  const deletes = plan.blocked ? 0 : plan.totals.edgesRemove + plan.totals.dismissedMembers;
  carried.deletes += deletes;
  return {
    plan,
    items: settlement.items,
    counts: settlement.counts,
    blocked: plan.blocked ? { reason: plan.blocked.reason, deletes: plan.blocked.deletes, share: plan.blocked.share } : null,
    acked: settlement.acks.length,
  };
}
