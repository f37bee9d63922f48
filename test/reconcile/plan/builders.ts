// Plain-value builders for planner tests: no database, no network (the planner is pure).
import { loadConfig, type GroupLimits } from '../../../src/config/load.js';
import type { GroupInput, PlanInput, PlanPolicy, RemoteObservation, UserInput } from '../../../src/reconcile/plan/types.js';

export const LIMITS: GroupLimits = loadConfig({ DATABASE_URL: 'postgres://unused@127.0.0.1/unused' }).limits;

export function policy(over: Partial<PlanPolicy> = {}): PlanPolicy {
  return {
    limits: LIMITS,
    dismissOperator: 'rongsync',
    maxDeletes: 1000,
    maxDeleteShare: 1,
    allowDeletes: false,
    syncCalls: true,
    ...over,
  };
}

export function remote(members: string[], name: string | null = null, exists = true): RemoteObservation {
  return { status: 'known', exists, name, members, source: 'read' };
}
export const absent: RemoteObservation = { status: 'known', exists: false, name: null, members: [], source: 'read' };
export const unknown: RemoteObservation = { status: 'unknown', reason: 'getMembers timed out', errorCode: 1050 };

export interface GroupSpec {
  /** undefined = not in the tables. */
  name?: string;
  members?: string[];
  remote?: RemoteObservation;
  paused?: boolean;
  additive?: boolean;
  quarantined?: boolean;
}

export function group(id: string, spec: GroupSpec): GroupInput {
  return {
    id,
    desired: spec.name === undefined ? null : { id, name: spec.name, ownerId: null, members: spec.members ?? [] },
    remote: spec.remote ?? absent,
    paused: spec.paused ?? false,
    additive: spec.additive ?? false,
    quarantined: spec.quarantined ?? false,
  };
}

/** Every user's complete desired list, derived from the groups (all groups are in scope). */
export function usersOf(groups: GroupInput[]): Map<string, UserInput> {
  const users = new Map<string, UserInput>();
  const add = (u: string) => {
    if (!users.has(u)) users.set(u, { id: u, desiredGroups: [] });
    return users.get(u)!;
  };
  for (const g of [...groups].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    for (const u of new Set(g.desired?.members ?? [])) add(u).desiredGroups!.push({ id: g.id, name: g.desired!.name });
    if (g.remote.status === 'known') for (const u of g.remote.members) add(u);
  }
  return users;
}

export function input(groups: GroupInput[], over: Partial<PlanPolicy> = {}, users?: Map<string, UserInput>): PlanInput {
  return { groups, users: users ?? usersOf(groups), policy: policy(over) };
}

export function ids(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(5, '0')}`);
}
