// Explain one group: what the tables want, what rongsync believes RongCloud holds (the shadow),
// optionally what RongCloud says right now (a fresh read), its condition and bookkeeping, the
// write in doubt if any, its pending changes, recent calls and drift history — and the exact calls
// the next run would make. Read-only: a fresh read here is shown, never recorded (a run may be
// writing the same group at this moment; only runs, which are serialized, update the shadow).
import type { Config } from '../config/load.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { recentCalls, type LoggedCall } from '../store/call-log.js';
import { pendingChanges } from '../store/change-log.js';
import { driftHistory, type DriftHistoryEntry } from '../store/drift-items.js';
import { knownDrift, type GroupCondition } from '../store/group-state.js';
import { listInDoubt, type InDoubtGroup } from '../store/in-doubt.js';
import { groupInput, planPolicy, syncCandidates } from './inputs.js';
import { loadSnapshots } from './observe.js';
import { planReconcile } from './plan/plan.js';
import type { GroupPlan, PlannedCall } from './plan/types.js';
import type { RemoteGroups } from './ports.js';
import { readGroups } from './read-remote.js';
import { stopOnRemoteFaults } from './remote-faults.js';

export interface GroupExplanation {
  groupId: string;
  /** The row in the tables (null: not there — the group is dismissed if RongCloud has it). */
  desired: { name: string; ownerId: string | null; members: string[] } | null;
  /** What rongsync believes RongCloud holds (null: nothing known). */
  shadow: { name: string | null; members: string[]; readAt: Date | null; writtenAt: Date | null } | null;
  /**
   * A fresh read, when asked for: members and name, or why it failed. `fault` is set when the
   * failure is about RongCloud as a whole, not this group (`rongcloud_unreachable`,
   * `credentials_refused`); `error` then says the fix.
   */
  read: { ok: true; name: string | null; members: string[] } | { ok: false; error: string; fault?: string } | null;
  condition: GroupCondition;
  reason: string | null;
  state: {
    paused: boolean;
    additive: boolean;
    consecutiveFailures: number;
    nextAttemptAt: Date | null;
    lastError: string | null;
    quarantinedAt: Date | null;
    quarantineReason: string | null;
    driftFirstSeenAt: Date | null;
  } | null;
  inDoubt: InDoubtGroup | null;
  /** The planner's view: status and differences. */
  diff: Pick<GroupPlan, 'status' | 'missingMembers' | 'extraMembers' | 'missingGroup' | 'orphan' | 'invalid' | 'notes'> & { nameChange: GroupPlan['nameChange'] | null };
  /** What the next run would send for this group (as `plan --group` would plan it). */
  nextCalls: PlannedCall[];
  pendingChanges: Array<{ id: string; source: string; op: string; changedAt: Date }>;
  recentCalls: LoggedCall[];
  history: DriftHistoryEntry[];
}

export interface ExplainDeps {
  prisma: PrismaClient;
  config: Config;
  /** Needed for a fresh read. */
  remote?: RemoteGroups;
}

/** Null when rongsync knows nothing of the group (not in the tables, the shadow or its bookkeeping). */
export async function explainGroup(deps: ExplainDeps, groupId: string, options: { read?: boolean } = {}): Promise<GroupExplanation | null> {
  const { prisma, config } = deps;
  const [snap] = await loadSnapshots(prisma, [groupId]);
  const [doubt] = await listInDoubt(prisma, [groupId]);
  if (!snap || (!snap.desired && !snap.shadow && !snap.state && !doubt)) return null;

  let read: GroupExplanation['read'] = null;
  let fresh: Awaited<ReturnType<typeof readGroups>> | undefined;
  if (options.read && deps.remote) {
    const remote = stopOnRemoteFaults(deps.remote);
    fresh = await readGroups(remote, [groupId], new Map([[groupId, snap.shadow?.name ?? null]]), { readNames: true });
    const r = fresh.get(groupId)!;
    const stop = remote.stopped();
    read = r.members
      ? { ok: true, name: r.name ?? null, members: r.members }
      : stop
        ? { ok: false, error: stop.message, fault: stop.kind }
        : { ok: false, error: r.observation.status === 'unknown' ? r.observation.reason : 'no answer' };
  }

  const input = groupInput(snap, fresh?.get(groupId));
  const policy = planPolicy(config, { syncCalls: config.reconcile.syncCalls, allowDeletes: config.reconcile.allowDeletes, deletesSoFar: 0 });
  const users = await syncCandidates(prisma, config, [input], [groupId], policy);
  const plan = planReconcile({ groups: [input], users, policy });
  const g = plan.groups[0]!;
  const known = await knownDrift(prisma, { groupIds: [groupId], sample: 1 });
  const condition: GroupCondition = known.sample[0]?.condition ?? (snap.state ? 'in_sync' : 'unchecked');

  const s = snap.state;
  return {
    groupId,
    desired: snap.desired ? { name: snap.desired.name, ownerId: snap.desired.ownerId, members: snap.desired.members } : null,
    shadow: snap.shadow ? { name: snap.shadow.name, members: snap.shadow.members, readAt: snap.shadow.readAt, writtenAt: snap.shadow.writtenAt } : null,
    read,
    condition,
    reason: known.sample[0]?.reason ?? null,
    state: s
      ? {
          paused: s.paused,
          additive: s.additive,
          consecutiveFailures: s.consecutiveFailures,
          nextAttemptAt: s.nextAttemptAt,
          lastError: s.lastError,
          quarantinedAt: s.quarantinedAt,
          quarantineReason: s.quarantineReason,
          driftFirstSeenAt: s.driftFirstSeenAt,
        }
      : null,
    inDoubt: doubt ?? null,
    diff: {
      status: g.status,
      missingMembers: g.missingMembers,
      extraMembers: g.extraMembers,
      nameChange: g.nameChange ?? null,
      missingGroup: g.missingGroup,
      orphan: g.orphan,
      invalid: g.invalid,
      notes: g.notes,
    },
    nextCalls: plan.calls,
    pendingChanges: (await pendingChanges(prisma, groupId)).map((c) => ({ ...c, id: String(c.id) })),
    recentCalls: await recentCalls(prisma, groupId),
    history: await driftHistory(prisma, groupId),
  };
}
