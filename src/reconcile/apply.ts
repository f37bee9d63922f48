// Executes a plan through the remote client. Calls of one group run in order; different groups
// run in parallel up to `concurrency` (the client's shared rate limiter and in-flight cap still
// govern the whole process). Per-user syncs run after the group chains. A failing group stops
// only its own chain.
//
// Write-ahead: before the first call is sent, every group a call may change is marked in doubt
// (in-doubt.ts), one mark per call. A successful call is written to the shadow before its group's
// next call is sent (several groups' writes in one statement: shadow-writer.ts), and its mark
// settled in that same statement; a call that surely did not land (refused, never sent)
// settles its mark at the end. Whatever is still marked when this returns — or when the process
// dies — is read from RongCloud before the next run plans it.
import type { PrismaClient } from '../generated/prisma/client.js';
import { isCredentialsError, isTransient, surelyNotApplied, type RemoteError } from '../remote/errors.js';
import { RemoteEdgeError, RemoteValidationError } from '../remote/errors.js';
import { markInDoubt, releaseMany, type Intent } from '../store/in-doubt.js';
import type { Plan, PlannedCall } from './plan/types.js';
import type { Clock, RemoteGroups } from './ports.js';
import { recordWrite } from '../store/shadow.js';
import { createShadowWriter } from '../store/shadow-writer.js';

export interface CallFailure {
  call: PlannedCall;
  message: string;
  code?: number;
  /** RongCloud unavailable (no answer, 5xx, 1000/1050, rate limit): never counts towards quarantine. */
  transient: boolean;
}

export interface ApplyResult {
  /** Groups with at least one failed call (their own, or a sync that covered them). */
  failed: Map<string, CallFailure>;
  callsDone: number;
  callsFailed: number;
  /** Calls not started because the signal aborted, a credentials refusal stopped the run, or an earlier call of the chain failed. */
  callsSkipped: number;
  /** Groups with calls left undone because the run stopped. */
  unfinished: Set<string>;
  /**
   * Syncs RongCloud refused for a reason in the call itself (a parameter error): the user's groups
   * are not failed — the caller falls back to per-group calls for them.
   */
  refusedSyncs: Map<string, CallFailure>;
  /** RongCloud refused the credentials: the run must stop (nothing is about any one group). */
  credentialsError?: RemoteError;
}

export interface ApplyDeps {
  remote: RemoteGroups;
  prisma: PrismaClient;
  clock: Clock;
  concurrency: number;
  /** The run whose writes these are (recorded with the in-doubt marks). */
  runId: number;
  signal?: AbortSignal;
}

async function execute(remote: RemoteGroups, call: PlannedCall): Promise<void> {
  switch (call.kind) {
    case 'create':
      return remote.create({ id: call.groupId, name: call.name, memberIds: call.memberIds });
    case 'invite':
      return remote.invite({ id: call.groupId, memberIds: call.memberIds, ...(call.name !== undefined ? { name: call.name } : {}) });
    case 'kick':
      return remote.kick({ id: call.groupId, memberIds: call.memberIds });
    case 'refresh':
      return remote.refresh({ id: call.groupId, name: call.name });
    case 'dismiss':
      return remote.dismiss({ id: call.groupId, operator: call.operator });
    case 'sync':
      return remote.sync({ id: call.userId, groups: call.groups });
  }
}

/** A few words for the in-doubt mark: what was sent. */
function describeWrite(call: PlannedCall): string {
  switch (call.kind) {
    case 'create':
      return `create with ${call.memberIds.length} member(s)`;
    case 'invite':
      return `invite ${call.memberIds.length} member(s)${call.name !== undefined ? ' and rename' : ''}`;
    case 'kick':
      return `kick ${call.memberIds.length} member(s)`;
    case 'refresh':
      return 'rename';
    case 'dismiss':
      return 'dismiss';
    case 'sync':
      return `sync of user ${JSON.stringify(call.userId.length > 40 ? `${call.userId.slice(0, 40)}…` : call.userId)}`;
  }
}

function failureOf(call: PlannedCall, e: unknown): CallFailure {
  const err = e as { code?: unknown; message?: string };
  return { call, message: err?.message ?? String(e), transient: isTransient(e), ...(typeof err?.code === 'number' ? { code: err.code } : {}) };
}

/** A sync refused for something in the call itself (not availability, not credentials). */
function refusedForParameters(e: unknown): boolean {
  if (e instanceof RemoteValidationError) return true;
  return e instanceof RemoteEdgeError && surelyNotApplied(e) && !isTransient(e) && !isCredentialsError(e);
}

/** Runs `tasks` with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** The groups each call may change: its own group, or for a sync every group it lists or leaves. */
function groupsTouched(plan: Plan): Map<PlannedCall, string[]> {
  const syncGroups = new Map<string, Set<string>>();
  for (const g of plan.groups) for (const u of g.syncUsers) (syncGroups.get(u) ?? syncGroups.set(u, new Set()).get(u)!).add(g.groupId);
  const out = new Map<PlannedCall, string[]>();
  for (const call of plan.calls) {
    if (call.kind !== 'sync') out.set(call, [call.groupId]);
    else out.set(call, [...new Set([...call.groups.map((g) => g.id), ...(syncGroups.get(call.userId) ?? [])])].sort());
  }
  return out;
}

export async function applyPlan(plan: Plan, deps: ApplyDeps): Promise<ApplyResult> {
  const result: ApplyResult = {
    failed: new Map(),
    callsDone: 0,
    callsFailed: 0,
    callsSkipped: 0,
    unfinished: new Set(),
    refusedSyncs: new Map(),
  };
  if (plan.calls.length === 0) return result;
  const chains = new Map<string, PlannedCall[]>();
  const syncs: Extract<PlannedCall, { kind: 'sync' }>[] = [];
  for (const call of plan.calls) {
    if (call.kind === 'sync') syncs.push(call);
    else (chains.get(call.groupId) ?? chains.set(call.groupId, []).get(call.groupId)!).push(call);
  }

  const touched = groupsTouched(plan);
  const shadow = createShadowWriter(deps.prisma);
  const intents = new Map<string, Intent>();
  for (const [call, groups] of touched) {
    for (const g of groups) {
      const i = intents.get(g) ?? intents.set(g, { groupId: g, pending: 0, calls: [] }).get(g)!;
      i.pending++;
      i.calls.push(describeWrite(call));
    }
  }
  // Durable before anything is sent: if this fails, nothing is sent.
  await markInDoubt(deps.prisma, deps.runId, [...intents.values()], deps.clock());

  /** Marks of calls that surely did not land, settled together at the end. */
  const unsent = new Map<string, number>();
  const settleUnsent = (call: PlannedCall) => {
    for (const g of touched.get(call)!) unsent.set(g, (unsent.get(g) ?? 0) + 1);
  };
  const groupsOf = (call: PlannedCall): string[] =>
    call.kind === 'sync' ? plan.groups.filter((g) => g.syncUsers.includes(call.userId)).map((g) => g.groupId) : [call.groupId];
  const stopped = () => deps.signal?.aborted === true || result.credentialsError !== undefined;

  const skip = (call: PlannedCall) => {
    result.callsSkipped++;
    settleUnsent(call);
    for (const g of groupsOf(call)) result.unfinished.add(g);
  };

  const run = async (call: PlannedCall): Promise<boolean> => {
    if (stopped()) {
      skip(call);
      return false;
    }
    try {
      await execute(deps.remote, call);
    } catch (e) {
      result.callsFailed++;
      if (surelyNotApplied(e)) settleUnsent(call);
      if (isCredentialsError(e)) {
        result.credentialsError ??= e;
        for (const g of groupsOf(call)) result.unfinished.add(g);
        return false;
      }
      const failure = failureOf(call, e);
      if (call.kind === 'sync' && refusedForParameters(e)) {
        result.refusedSyncs.set(call.userId, failure);
        return false;
      }
      for (const g of groupsOf(call)) if (!result.failed.has(g)) result.failed.set(g, failure);
      return false;
    }
    result.callsDone++;
    try {
      const at = deps.clock();
      if (call.kind === 'sync') await recordWrite(deps.prisma, call, at, touched.get(call)!);
      else await shadow.record(call.kind === 'dismiss' ? { kind: 'dismiss', groupId: call.groupId } : call, at, touched.get(call)!);
    } catch (e) {
      // RongCloud accepted the call but the shadow could not record it (the database went away):
      // the group stays in doubt (its mark was not settled) and is read before it is planned again.
      const failure = failureOf(call, e);
      failure.message = `RongCloud accepted the call but the shadow update failed: ${failure.message}`;
      for (const g of groupsOf(call)) if (!result.failed.has(g)) result.failed.set(g, failure);
      return false;
    }
    return true;
  };

  try {
    await pool([...chains.values()], deps.concurrency, async (chain) => {
      for (const [i, call] of chain.entries()) {
        if (!(await run(call))) {
          for (const rest of chain.slice(i + 1)) {
            result.callsSkipped++;
            settleUnsent(rest);
          }
          return;
        }
      }
    });
    await pool(syncs, deps.concurrency, async (call) => {
      await run(call);
    });
  } finally {
    // Best effort: a mark left over only costs a read of the group next time.
    await releaseMany(deps.prisma, unsent).catch(() => {});
  }
  return result;
}
