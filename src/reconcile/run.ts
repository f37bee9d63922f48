// One reconcile run: pick the groups (dirty, explicit, full, verification slice), observe them in
// batches, plan (pure), apply, and record everything — shadow, per-group state, drift items, the
// run row. `runOnce` is the only entry point; schedules and leadership live in serve.ts.
import type { Config } from '../config/load.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../log/logger.js';
import type { DriftKind, DriftOutcome, DriftReportItem, RunCounts, RunMode, RunStatus, RunTrigger } from '../report/types.js';
import { applyPlan, type ApplyResult, type CallFailure } from './apply.js';
import type { CallLog } from './call-log.js';
import { ackChanges, markDirty, readDirtyGroups, type DirtyGroup } from './change-log.js';
import { releaseGroups, updateGroupStates, type GroupStateUpdate } from './group-state.js';
import { loadSnapshots, loadUsers, type GroupSnapshot } from './observe.js';
import { planReconcile } from './plan/plan.js';
import type { GroupInput, GroupPlan, Plan, PlannedCall, RemoteObservation } from './plan/types.js';
import { systemClock, type Clock, type RemoteGroups } from './ports.js';
import { abortedError, throwIfLockLost, withRunLock, type RunLock } from './run-lock.js';
import { recordFinalRun } from './record-run.js';
import { readGroups } from './read-remote.js';
import { recordOwners, recordReads } from './shadow.js';

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
  /** Keep every planned call in the result (for `plan` output). @default false */
  collectCalls?: boolean;
  /** Most dirty groups one run takes on. @default MAX_DIRTY_PER_RUN */
  maxDirty?: number;
}

/** One drifted group as the run saw it: a drift report item before it is stored. */
export type GroupOutcome = Omit<DriftReportItem, 'firstSeenAt' | 'ageMs'> & { firstSeenAt: Date };

export interface RunResult {
  runId: number;
  status: RunStatus;
  counts: RunCounts;
  blocked: { reason: string; deletes: number; share: number } | null;
  /** Planned calls by kind, summed over batches. */
  plannedCalls: Record<string, number>;
  calls: PlannedCall[];
  items: GroupOutcome[];
  durationMs: number;
  error: string | null;
  /** The change log held more dirty groups than one run takes: run again. */
  moreDirty: boolean;
}

/** Dirty groups one run takes on; a larger backlog is drained by the following runs. */
export const MAX_DIRTY_PER_RUN = 50_000;

/** One reconcile run; waits first for any other run (this process or another) to finish. */
export async function runOnce(deps: ReconcileDeps, request: RunRequest): Promise<RunResult> {
  // The run's signal also aborts when the run lock's session is lost (another run may start).
  return withRunLock(deps.runLock, request.signal, (signal) => runLocked(deps, { ...request, ...(signal ? { signal } : {}) }));
}

async function runLocked(deps: ReconcileDeps, request: RunRequest): Promise<RunResult> {
  const clock = deps.clock ?? systemClock;
  const { prisma, config, logger } = deps;
  const started = clock();
  const run = await prisma.run.create({ data: { trigger: request.trigger, mode: request.mode, startedAt: started } });
  deps.callLog.beginRun(run.id);
  const log = logger.child({ runId: run.id, trigger: request.trigger, mode: request.mode });

  const counts: RunCounts = { checked: 0, inSync: 0, drifted: 0, fixed: 0, failed: 0, unreconcilable: 0, quarantined: 0, unknown: 0 };
  const result: RunResult = {
    runId: run.id,
    status: 'succeeded',
    counts,
    blocked: null,
    plannedCalls: {},
    calls: [],
    items: [],
    durationMs: 0,
    error: null,
    moreDirty: false,
  };
  let deletesSoFar = 0;

  try {
    const maxDirty = request.maxDirty ?? MAX_DIRTY_PER_RUN;
    const scope = await resolveScope(prisma, request, clock(), deps.config.limits.groupIdMax, maxDirty);
    const readSet = new Set(scope.read);
    // A full backlog means more is waiting — but only worth an immediate re-run if this run made
    // progress (acknowledged changes). Otherwise (every group held by the guard, failing, or a
    // detect run, which acknowledges nothing) the re-run would take the same groups and spin.
    const backlogFull = scope.dirty.size >= maxDirty && scope.ids.length > 0;
    let acked = 0;
    if (scope.released.length > 0) log.info({ groups: scope.released }, 'released quarantined groups changed by the app');

    const ids = scope.ids;
    const batchSize = request.batchSize ?? 1000;
    for (let i = 0; i < ids.length; i += batchSize) {
      if (request.signal?.aborted) throw abortedError(request.signal, 'run aborted (shutting down)');
      const batch = ids.slice(i, i + batchSize);
      const outcome = await reconcileBatch(deps, request, run.id, batch, readSet, scope.dirty, clock, deletesSoFar);
      deletesSoFar += outcome.deletes;
      if (outcome.blocked && !result.blocked) result.blocked = outcome.blocked;
      for (const [k, n] of Object.entries(outcome.plan.totals.byKind)) result.plannedCalls[k] = (result.plannedCalls[k] ?? 0) + n;
      if (request.collectCalls) result.calls.push(...outcome.plan.calls);
      result.items.push(...outcome.items);
      for (const k of Object.keys(counts) as Array<keyof RunCounts>) counts[k] += outcome.counts[k];
      acked += outcome.acked;
    }
    throwIfLockLost(request.signal);
    result.moreDirty = backlogFull && acked > 0;
    result.status = counts.failed > 0 || counts.unknown > 0 ? 'partial' : 'succeeded';
  } catch (e) {
    result.status = 'failed';
    result.error = e instanceof Error ? e.message : String(e);
    log.error({ err: e }, 'reconcile run failed');
  }

  await deps.callLog.flush();
  const finished = clock();
  result.durationMs = finished.getTime() - started.getTime();
  await recordFinalRun(log, () => prisma.run.update({
    where: { id: run.id },
    data: {
      status: result.status,
      finishedAt: finished,
      durationMs: result.durationMs,
      groupsChecked: counts.checked,
      inSync: counts.inSync,
      drifted: counts.drifted,
      fixed: counts.fixed,
      failed: counts.failed,
      unreconcilable: counts.unreconcilable,
      quarantined: counts.quarantined,
      unknown: counts.unknown,
      calls: deps.callLog.counts(),
      details: { plannedCalls: result.plannedCalls, ...(result.blocked ? { blocked: result.blocked } : {}) },
      error: result.error,
    },
  }));
  deps.callLog.beginRun(null);
  log.info({ status: result.status, ...counts, durationMs: result.durationMs }, 'reconcile run finished');
  return result;
}

interface Scope {
  ids: string[];
  /** Groups to read from RongCloud before planning. */
  read: string[];
  /** Dirty groups in scope with the change rows they were read with (acknowledged once settled). */
  dirty: Map<string, DirtyGroup>;
  released: string[];
}

async function resolveScope(prisma: PrismaClient, request: RunRequest, now: Date, groupIdMax: number, maxDirty: number): Promise<Scope> {
  const dirtyList = await readDirtyGroups(prisma, maxDirty, now);
  const dirty = new Map(dirtyList.map((d) => [d.groupId, d]));

  if (request.groups && request.groups.length > 0) {
    const ids = [...new Set(request.groups)];
    return { ids, read: ids, dirty: pick(dirty, ids), released: [] };
  }
  if (request.full) {
    const rows = await prisma.$queryRaw<Array<{ id: string }>>`
      SELECT id FROM groups UNION SELECT group_id FROM rongsync_remote_groups WHERE member_count > 0 ORDER BY 1`;
    const ids = rows.map((r) => r.id);
    return { ids, read: ids, dirty, released: [] };
  }

  // Dirty groups (readDirtyGroups leaves out those waiting out a backoff), failed groups whose
  // backoff is over, and the verification slice.
  // One array parameter, not an IN list: a backlog can hold more ids than Postgres has bind slots.
  const dirtyIds = [...dirty.keys()];
  const stateRows = await prisma.$queryRaw<Array<{ group_id: string; quarantined_at: Date | null; consecutive_failures: number }>>`
    SELECT group_id, quarantined_at, consecutive_failures FROM rongsync_group_state WHERE group_id = ANY(${dirtyIds}::text[])`;
  const states = new Map(stateRows.map((s) => [s.group_id, { quarantinedAt: s.quarantined_at, failures: s.consecutive_failures }]));
  // A group that failed last time is read before it is planned again: the failure may mean the
  // shadow is wrong (e.g. the group was dismissed behind rongsync's back), and planning from it
  // again would repeat the same failing call until the group is quarantined.
  const read = new Set<string>();
  const released: string[] = [];
  const ids = new Set<string>();
  const skippedQuarantined: DirtyGroup[] = [];
  for (const d of dirtyList) {
    const s = states.get(d.groupId);
    if (s?.quarantinedAt) {
      // The app changed a quarantined group after it was quarantined: give it another chance —
      // in apply mode only; detect and dry-run report it as quarantined and change nothing.
      if (d.latest > s.quarantinedAt) {
        if (request.mode === 'apply') released.push(d.groupId);
      } else {
        if (request.mode === 'apply') skippedQuarantined.push(d);
        continue;
      }
    }
    ids.add(d.groupId);
    if (s && (s.failures > 0 || s.quarantinedAt)) read.add(d.groupId);
  }
  await releaseGroups(prisma, released);
  await ackChanges(prisma, skippedQuarantined);

  const due = await prisma.groupState.findMany({
    where: { consecutiveFailures: { gt: 0 }, quarantinedAt: null, nextAttemptAt: { lte: now } },
    select: { groupId: true },
    take: maxDirty,
  });
  for (const d of due) {
    ids.add(d.groupId);
    read.add(d.groupId);
  }

  if (request.verify && request.verify > 0) {
    const slice = await prisma.$queryRaw<Array<{ id: string }>>`
      SELECT a.id FROM (
        SELECT g.id, r.read_at FROM groups g LEFT JOIN rongsync_remote_groups r ON r.group_id = g.id
        UNION ALL
        SELECT r.group_id, r.read_at FROM rongsync_remote_groups r
         WHERE r.member_count > 0 AND NOT EXISTS (SELECT 1 FROM groups g WHERE g.id = r.group_id)
      ) a
      LEFT JOIN rongsync_group_state s ON s.group_id = a.id
      WHERE s.quarantined_at IS NULL AND NOT coalesce(s.paused, false)
        -- An id the client refuses (blank, padded, over the limit) can never be read, so it would
        -- keep its NULL read_at and head every slice forever; it is reported as unreconcilable.
        AND char_length(a.id) BETWEEN 1 AND ${groupIdMax} AND a.id !~ '^\s|\s$'
      ORDER BY a.read_at ASC NULLS FIRST, a.id LIMIT ${request.verify}`;
    for (const r of slice) {
      ids.add(r.id);
      read.add(r.id);
    }
  }
  return { ids: [...ids], read: [...read], dirty, released };
}

function pick<K, V>(m: Map<K, V>, keys: K[]): Map<K, V> {
  const out = new Map<K, V>();
  for (const k of keys) if (m.has(k)) out.set(k, m.get(k)!);
  return out;
}

function shadowObservation(s: GroupSnapshot['shadow']): RemoteObservation {
  if (!s || s.members.length === 0) return { status: 'known', exists: false, name: null, members: [], source: 'shadow' };
  return { status: 'known', exists: true, name: s.name, members: s.members, source: 'shadow' };
}

interface BatchOutcome {
  plan: Plan;
  items: GroupOutcome[];
  counts: RunCounts;
  blocked: RunResult['blocked'];
  deletes: number;
  /** Dirty groups whose changes were acknowledged. */
  acked: number;
}

async function reconcileBatch(
  deps: ReconcileDeps,
  request: RunRequest,
  runId: number,
  batch: string[],
  readSet: Set<string>,
  dirty: Map<string, DirtyGroup>,
  clock: Clock,
  deletesSoFar: number,
): Promise<BatchOutcome> {
  const { prisma, config } = deps;
  const snapshots = await loadSnapshots(prisma, batch);

  // Observe the remote: fresh reads where asked, the shadow elsewhere.
  const toRead = snapshots.filter((s) => readSet.has(s.id) && !s.state?.paused);
  const reads = await readGroups(
    deps.remote,
    toRead.map((s) => s.id),
    new Map(toRead.map((s) => [s.id, s.shadow?.name ?? null])),
    { readNames: true },
  );
  await recordReads(
    prisma,
    [...reads].flatMap(([groupId, r]) => (r.members ? [{ groupId, members: r.members, name: r.name ?? null }] : [])),
    clock(),
  );

  const inputs: GroupInput[] = snapshots.map((s) => ({
    id: s.id,
    desired: s.desired,
    remote: reads.get(s.id)?.observation ?? shadowObservation(s.shadow),
    paused: s.state?.paused ?? false,
    additive: s.state?.additive ?? false,
    quarantined: s.state?.quarantinedAt != null,
    lastOwnerId: s.desired?.ownerId ?? s.shadow?.ownerId ?? null,
  }));

  // Users on either side of a difference may be covered by a per-user sync.
  const edgeUsers = new Set<string>();
  if (config.reconcile.syncCalls) {
    for (const g of inputs) {
      if (g.remote.status !== 'known' || !g.desired) continue;
      const remote = new Set(g.remote.members);
      const desired = new Set(g.desired.members);
      for (const u of desired) if (!remote.has(u)) edgeUsers.add(u);
      for (const u of remote) if (!desired.has(u)) edgeUsers.add(u);
    }
  }
  const users = await loadUsers(prisma, [...edgeUsers], batch, config.limits.maxMembersPerGroup);

  const allowDeletes = request.allowDeletes || config.reconcile.allowDeletes;
  const plan = planReconcile({
    groups: inputs,
    users,
    policy: {
      limits: config.limits,
      dismissOperator: config.reconcile.dismissOperator,
      ignoreUsers: config.reconcile.ignoreUsers,
      // The count guard spans the whole run: batches share one budget.
      maxDeletes: allowDeletes ? config.reconcile.maxDeletes : Math.max(0, config.reconcile.maxDeletes - deletesSoFar),
      maxDeleteShare: config.reconcile.maxDeleteShare,
      allowDeletes,
      syncCalls: config.reconcile.syncCalls,
    },
  });

  let applied: ApplyResult | undefined;
  if (request.mode === 'apply' && plan.calls.length > 0) {
    applied = await applyPlan(plan, {
      remote: deps.remote,
      prisma,
      clock,
      concurrency: config.remote.concurrency,
      ...(request.signal ? { signal: request.signal } : {}),
    });
  }

  const now = clock();
  const snapshotById = new Map(snapshots.map((s) => [s.id, s]));
  const counts: RunCounts = { checked: 0, inSync: 0, drifted: 0, fixed: 0, failed: 0, unreconcilable: 0, quarantined: 0, unknown: 0 };
  const items: GroupOutcome[] = [];
  const updates: GroupStateUpdate[] = [];
  const settled: DirtyGroup[] = [];
  /** Drift found without applying (detect / dry-run) is left dirty, so a later `apply` fixes it. */
  const leaveDirty: string[] = [];

  for (const g of plan.groups) {
    const snap = snapshotById.get(g.groupId)!;
    counts.checked++;
    const failure = applied?.failed.get(g.groupId);
    const hasDrift = differs(g);
    const blockedHere = !!plan.blocked && (g.extraMembers.length > 0 || g.orphan);
    const outcome = outcomeOf(g, request.mode, failure, blockedHere, applied);
    // A change row marks work left for a later run — never for a quarantined group (a new change
    // releases a quarantine; only the app or an operator may do that) nor a paused one (never written).
    const mayMarkDirty = g.status !== 'quarantined' && g.status !== 'paused';

    switch (g.status) {
      case 'in_sync':
        counts.inSync++;
        break;
      case 'unknown':
        counts.unknown++;
        break;
      case 'quarantined':
        counts.quarantined++;
        break;
      case 'unreconcilable':
        counts.unreconcilable++;
        break;
    }
    if (hasDrift) counts.drifted++;
    if (hasDrift && outcome === 'fixed') counts.fixed++;
    if (failure) counts.failed++;

    if (g.status !== 'in_sync') {
      const firstSeen = snap.state?.driftFirstSeenAt ?? now;
      const readFailure = g.status === 'unknown' ? reads.get(g.groupId)?.observation : undefined;
      items.push({
        groupId: g.groupId,
        kind: kindOf(g),
        outcome,
        missingMembers: g.missingMembers,
        extraMembers: g.extraMembers,
        desiredName: snap.desired?.name ?? null,
        remoteName: g.nameChange ? g.nameChange.from : (snap.shadow?.name ?? null),
        reason: reasonOf(g, failure, blockedHere ? plan.blocked!.reason : null),
        errorCode: failure?.code ?? (readFailure?.status === 'unknown' ? (readFailure.errorCode ?? null) : null),
        firstSeenAt: firstSeen,
      });
    }

    // Bookkeeping: drift age in every mode; failures/backoff and change acks only when applying.
    const driftRemains = hasDrift && outcome !== 'fixed';
    const update: GroupStateUpdate = {
      groupId: g.groupId,
      drift: g.status === 'unknown' ? 'unchanged' : driftRemains ? 'seen' : snap.state?.driftFirstSeenAt ? 'cleared' : 'unchanged',
    };
    if (request.mode === 'apply') {
      if (failure) {
        update.result = { kind: 'failure', message: failure.message, transient: failure.transient, ...(failure.code !== undefined ? { code: failure.code } : {}) };
      } else if (g.status === 'unknown') {
        const observed = reads.get(g.groupId)?.observation;
        const transient = observed?.status === 'unknown' ? (observed.transient ?? false) : false;
        update.result = { kind: 'failure', message: reasonOf(g, undefined, null) ?? 'remote read failed', transient };
      }
      else if ((snap.state?.consecutiveFailures ?? 0) > 0 && g.status !== 'paused' && g.status !== 'quarantined') update.result = { kind: 'success' };
      const d = dirty.get(g.groupId);
      // Failed, unknown and guard-held groups stay dirty so a later run (or an approval) retries them.
      if (d && !failure && g.status !== 'unknown' && !blockedHere && !applied?.unfinished.has(g.groupId)) settled.push(d);
      if (!d && blockedHere && mayMarkDirty) leaveDirty.push(g.groupId);
    } else if (hasDrift && !dirty.has(g.groupId) && mayMarkDirty) {
      leaveDirty.push(g.groupId);
    }
    updates.push(update);
  }

  const newlyQuarantined = await updateGroupStates(prisma, updates, now, deps.config.reconcile.quarantineAfter);
  counts.quarantined += newlyQuarantined.length;
  for (const id of newlyQuarantined) {
    const item = items.find((it) => it.groupId === id);
    if (item) item.reason = `${item.reason ?? ''}${item.reason ? '; ' : ''}quarantined after ${deps.config.reconcile.quarantineAfter} consecutive failures`;
  }
  // Drift items are written per batch, so a run over 100k groups never builds one huge insert.
  for (let i = 0; i < items.length; i += 500) {
    await prisma.driftItem.createMany({ data: items.slice(i, i + 500).map((it) => ({ runId, ...it })) });
  }
  await ackChanges(prisma, settled);
  await markDirty(prisma, leaveDirty, 'DRIFT');
  if (request.mode === 'apply') await recordOwners(prisma, batch);

  return {
    plan,
    items,
    counts,
    blocked: plan.blocked ? { reason: plan.blocked.reason, deletes: plan.blocked.deletes, share: plan.blocked.share } : null,
    deletes: plan.blocked ? 0 : plan.totals.edgesRemove + plan.totals.dismissedMembers,
    acked: settled.length,
  };
}

function differs(g: GroupPlan): boolean {
  return (
    g.missingMembers.length > 0 || g.extraMembers.length > 0 || !!g.nameChange || g.missingGroup || g.orphan || g.invalid.length > 0
  );
}

function kindOf(g: GroupPlan): DriftKind {
  if (g.status === 'unknown') return 'unknown';
  if (g.status === 'paused') return 'paused';
  if (g.status === 'quarantined') return 'quarantined';
  if (g.status === 'unreconcilable') return 'invalid';
  if (g.missingGroup) return 'missing_group';
  if (g.orphan) return 'orphan';
  if (g.missingMembers.length > 0 || g.extraMembers.length > 0) return 'members';
  if (g.nameChange) return 'name';
  return 'members';
}

function outcomeOf(g: GroupPlan, mode: RunMode, failure: CallFailure | undefined, blocked: boolean, applied: ApplyResult | undefined): DriftOutcome {
  if (g.status === 'in_sync') return 'fixed';
  if (mode !== 'apply') return 'detected';
  if (failure) return 'failed';
  if (g.status === 'unknown' || g.status === 'paused' || g.status === 'quarantined') return 'skipped';
  if (blocked) return 'blocked';
  if (g.status === 'unreconcilable') return 'skipped';
  const planned = g.calls > 0 || g.syncUsers.length > 0;
  if (!planned) return 'skipped';
  if (applied?.unfinished.has(g.groupId)) return 'skipped';
  return 'fixed';
}

function reasonOf(g: GroupPlan, failure: CallFailure | undefined, blockedReason: string | null): string | null {
  const parts: string[] = [];
  if (failure) parts.push(`${failure.call.kind} failed: ${failure.message}`);
  if (blockedReason) parts.push(blockedReason);
  for (const inv of g.invalid) parts.push(`${inv.subject} ${JSON.stringify(inv.id.length > 80 ? `${inv.id.slice(0, 80)}…` : inv.id)}: ${inv.reason}`);
  parts.push(...g.notes);
  return parts.length > 0 ? parts.join('; ') : null;
}
