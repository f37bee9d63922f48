// Executes a plan through the remote client. Calls of one group run in order; different groups
// run in parallel up to `concurrency` (the client's shared rate limiter and in-flight cap still
// govern the whole process). Per-user syncs run after the group chains. Every successful call is
// written to the shadow at once, so a crash or a lost leadership loses nothing and the next run
// does not repeat finished work. A failing group stops only its own chain.
import type { PrismaClient } from '../generated/prisma/client.js';
import { isTransient } from '../remote/errors.js';
import type { Plan, PlannedCall } from './plan/types.js';
import type { Clock, RemoteGroups } from './ports.js';
import { recordWrite } from './shadow.js';

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
  /** Calls not started because the signal aborted. */
  callsSkipped: number;
  /** Groups with calls left undone because the signal aborted. */
  unfinished: Set<string>;
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

function failureOf(call: PlannedCall, e: unknown): CallFailure {
  const err = e as { code?: unknown; message?: string };
  return { call, message: err?.message ?? String(e), transient: isTransient(e), ...(typeof err?.code === 'number' ? { code: err.code } : {}) };
}

/** Runs `tasks` with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export async function applyPlan(
  plan: Plan,
  deps: { remote: RemoteGroups; prisma: PrismaClient; clock: Clock; concurrency: number; signal?: AbortSignal },
): Promise<ApplyResult> {
  const result: ApplyResult = { failed: new Map(), callsDone: 0, callsFailed: 0, callsSkipped: 0, unfinished: new Set() };
  const chains = new Map<string, PlannedCall[]>();
  const syncs: Extract<PlannedCall, { kind: 'sync' }>[] = [];
  for (const call of plan.calls) {
    if (call.kind === 'sync') syncs.push(call);
    else (chains.get(call.groupId) ?? chains.set(call.groupId, []).get(call.groupId)!).push(call);
  }

  const run = async (call: PlannedCall): Promise<boolean> => {
    if (deps.signal?.aborted) {
      result.callsSkipped++;
      if (call.kind === 'sync') {
        for (const g of plan.groups) if (g.syncUsers.includes(call.userId)) result.unfinished.add(g.groupId);
      } else {
        result.unfinished.add(call.groupId);
      }
      return false;
    }
    try {
      await execute(deps.remote, call);
    } catch (e) {
      result.callsFailed++;
      const failure = failureOf(call, e);
      if (call.kind === 'sync') {
        for (const g of plan.groups) if (g.syncUsers.includes(call.userId) && !result.failed.has(g.groupId)) result.failed.set(g.groupId, failure);
      } else {
        result.failed.set(call.groupId, failure);
      }
      return false;
    }
    result.callsDone++;
    try {
      await recordWrite(deps.prisma, call.kind === 'dismiss' ? { kind: 'dismiss', groupId: call.groupId } : call, deps.clock());
    } catch (e) {
      // The remote call succeeded but the shadow could not record it: report the group as failed
      // so it is retried (the calls are idempotent) rather than trusting a stale shadow.
      const failure = failureOf(call, e);
      failure.message = `RongCloud accepted the call but the shadow update failed: ${failure.message}`;
      const groups = call.kind === 'sync' ? plan.groups.filter((g) => g.syncUsers.includes(call.userId)).map((g) => g.groupId) : [call.groupId];
      for (const g of groups) if (!result.failed.has(g)) result.failed.set(g, failure);
      return false;
    }
    return true;
  };

  await pool([...chains.values()], deps.concurrency, async (chain) => {
    for (const [i, call] of chain.entries()) {
      if (!(await run(call))) {
        result.callsSkipped += chain.length - i - 1;
        return;
      }
    }
  });
  await pool(syncs, deps.concurrency, async (call) => {
    await run(call);
  });
  return result;
}
