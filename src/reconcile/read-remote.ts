// Verification reads: getMembers per group, and the names of the groups (which getMembers does
// not return) through /user/group/query.json of a few members — chosen greedily so one user query
// names as many of the batch's groups as possible. A failed read makes that group `unknown`; it is
// never taken for an empty group.
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

  const names = new Map<string, string | null>();
  const nameFailures = new Map<string, unknown>();
  if (options.readNames) {
    // Greedy cover: the user in the most not-yet-named groups first.
    const uncovered = new Set([...members].filter(([, m]) => m.length > 0).map(([id]) => id));
    const byUser = new Map<string, Set<string>>();
    for (const id of uncovered) for (const u of members.get(id)!) (byUser.get(u) ?? byUser.set(u, new Set()).get(u)!).add(id);
    while (uncovered.size > 0) {
      let best: string | undefined;
      let bestCount = 0;
      for (const [u, gs] of byUser) {
        let n = 0;
        for (const g of gs) if (uncovered.has(g)) n++;
        if (n > bestCount) [best, bestCount] = [u, n];
      }
      if (!best) break;
      const covering = [...byUser.get(best)!].filter((g) => uncovered.has(g));
      byUser.delete(best);
      try {
        const groups = await remote.userGroups({ id: best });
        const found = new Map(groups.map((g) => [g.id, g.name]));
        for (const g of covering) {
          if (found.has(g)) {
            names.set(g, found.get(g) ?? null);
            uncovered.delete(g);
          }
        }
      } catch (e) {
        for (const g of covering) nameFailures.set(g, e);
        for (const g of covering) uncovered.delete(g);
      }
    }
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
