// Verification reads: getMembers per group, and the names of the groups (which getMembers does
// not return) through /user/group/query.json of a few members — chosen greedily so one user query
// names as many of the batch's groups as possible. The name queries of a batch are sent together
// (the client's rate limiter and in-flight cap pace them), not one after another: over a real
// network each call takes tens of milliseconds, and a batch needs hundreds of them. A failed read
// makes that group `unknown`; it is never taken for an empty group.
import { isTransient } from '../remote/errors.js';
import type { RemoteObservation } from './plan/types.js';
import type { RemoteGroups } from './ports.js';
import { sortIds } from './members.js';

export interface ReadOutcome {
  observation: RemoteObservation;
  /** Set when the read succeeded: the sorted members and, when learned, the name. */
  members?: string[];
  name?: string | null;
}

function describe(e: unknown): { reason: string; errorCode?: number; transient: boolean } {
  const err = e as { code?: unknown; message?: string };
  return {
    reason: `remote read failed: ${err?.message ?? String(e)}`,
    transient: isTransient(e),
    ...(typeof err?.code === 'number' ? { errorCode: err.code } : {}),
  };
}

/** One user query of a name cover and the groups it is expected to name. */
export interface NameQuery {
  user: string;
  groups: string[];
}

/**
 * Greedy set cover: repeatedly the user in the most still-unnamed groups (ties: the user met first,
 * in group order then member order), until every group is covered. `members` maps each group to
 * be named to its members. Lazy evaluation on a max-heap — a user's count only ever drops, so a
 * popped entry whose count is still current is the best — keeps it near-linear in the memberships.
 */
export function nameCover(members: Map<string, string[]>): NameQuery[] {
  const byUser = new Map<string, string[]>();
  for (const [id, m] of members) for (const u of m) (byUser.get(u) ?? byUser.set(u, []).get(u)!).push(id);
  const users = [...byUser.keys()];
  const uncovered = new Set(members.keys());
  const remaining = (i: number) => {
    let n = 0;
    for (const g of byUser.get(users[i]!)!) if (uncovered.has(g)) n++;
    return n;
  };
  // Heap of [count, order], largest count first, then smallest order.
  const heap: Array<[number, number]> = users.map((u, i) => [byUser.get(u)!.length, i]);
  const before = (a: [number, number], b: [number, number]) => a[0] > b[0] || (a[0] === b[0] && a[1] < b[1]);
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  };
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i);

  const out: NameQuery[] = [];
  while (uncovered.size > 0 && heap.length > 0) {
    const top = heap[0]!;
    const n = remaining(top[1]);
    if (n !== top[0]) {
      top[0] = n;
      down(0);
      continue;
    }
    if (n === 0) break;
    const user = users[top[1]]!;
    const groups = byUser.get(user)!.filter((g) => uncovered.has(g));
    for (const g of groups) uncovered.delete(g);
    out.push({ user, groups });
    heap[0] = heap[heap.length - 1]!;
    heap.pop();
    if (heap.length > 0) down(0);
  }
  return out;
}

/**
 * Names of these groups (each maps to its members), or the error of the query that should have
 * named it. Rounds: a cover is computed and all its queries sent at once; a group its query did
 * not name (the member left meanwhile) is covered again by the users not asked yet.
 */
async function readNames(
  remote: RemoteGroups,
  members: Map<string, string[]>,
): Promise<{ names: Map<string, string | null>; failures: Map<string, unknown> }> {
  const names = new Map<string, string | null>();
  const failures = new Map<string, unknown>();
  const asked = new Set<string>();
  let open = members;
  while (open.size > 0) {
    const queries = nameCover(open);
    if (queries.length === 0) break;
    await Promise.all(
      queries.map(async (q) => {
        asked.add(q.user);
        try {
          const found = new Map((await remote.userGroups({ id: q.user })).map((g) => [g.id, g.name]));
          for (const g of q.groups) if (found.has(g)) names.set(g, found.get(g) ?? null);
        } catch (e) {
          for (const g of q.groups) failures.set(g, e);
        }
      }),
    );
    const next = new Map<string, string[]>();
    for (const [id, m] of open) {
      if (names.has(id) || failures.has(id)) continue;
      const left = m.filter((u) => !asked.has(u));
      if (left.length > 0) next.set(id, left);
    }
    open = next;
  }
  return { names, failures };
}

/** Reads these groups; `knownNames` is the shadow's last written name, kept when no read names it. */
export async function readGroups(
  remote: RemoteGroups,
  groupIds: string[],
  knownNames: Map<string, string | null>,
  options: { readNames: boolean },
): Promise<Map<string, ReadOutcome>> {
  const out = new Map<string, ReadOutcome>();
  const members = new Map<string, string[]>();
  await Promise.all(
    groupIds.map(async (id) => {
      try {
        const res = await remote.getMembers({ id });
        members.set(id, sortIds(res.members.map((m) => m.id)));
      } catch (e) {
        out.set(id, { observation: { status: 'unknown', ...describe(e) } });
      }
    }),
  );

  let names = new Map<string, string | null>();
  let nameFailures = new Map<string, unknown>();
  if (options.readNames) {
    // In group order, so the cover (and the calls it makes) does not depend on answer timing.
    const toName = new Map(groupIds.filter((id) => (members.get(id)?.length ?? 0) > 0).map((id) => [id, members.get(id)!]));
    ({ names, failures: nameFailures } = await readNames(remote, toName));
  }

  for (const [id, m] of members) {
    const failed = nameFailures.get(id);
    if (failed !== undefined && !names.has(id)) {
      out.set(id, { observation: { status: 'unknown', ...describe(failed) } });
      continue;
    }
    const name = m.length === 0 ? null : names.has(id) ? names.get(id)! : (knownNames.get(id) ?? null);
    out.set(id, {
      observation: { status: 'known', exists: m.length > 0, name, members: m, source: 'read' },
      members: m,
      name,
    });
  }
  return out;
}
