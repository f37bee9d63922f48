// Property tests: thousands of small random worlds (≤ 6 groups × ≤ 6 users) with missing groups,
// orphans, renames, unknown/paused/quarantined/additive groups, ignore patterns and the guard.
// The oracle below is written independently of the planner's code, from the rules alone.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planReconcile, syncCanSaveCalls } from '../../../src/reconcile/plan/plan.js';
import { modelFromObservations, simulate } from '../../../src/reconcile/plan/simulate.js';
import type { GroupInput, PlanInput, UserInput } from '../../../src/reconcile/plan/types.js';
import { absent, LIMITS, policy, unknown, usersOf } from './builders.js';

const USERS = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5'];
const GROUPS = ['g0', 'g1', 'g2', 'g3', 'g4', 'g5'];
const rare = (oneIn: number) => fc.integer({ min: 1, max: oneIn }).map((x) => x === 1);

/**
 * `calm` worlds rarely hold a group back (unknown/paused/quarantined/additive) and rarely trip the
 * guard, so many users are sync-eligible and the cover has real choices to make.
 */
function arbWorld(maxIdsPerCall: fc.Arbitrary<number>, calm = false): fc.Arbitrary<PlanInput> {
  const odds = calm ? 60 : 1;
  return fc
    .record({ ng: fc.integer({ min: 1, max: 6 }), nu: fc.integer({ min: 1, max: 6 }) })
    .chain(({ ng, nu }) => {
      const users = USERS.slice(0, nu);
      const arbGroup = (id: string): fc.Arbitrary<GroupInput> =>
        fc
          .record({
            desired: fc.option(fc.record({ name: fc.constantFrom('A', 'B', 'C'), members: fc.subarray(users) }), { nil: null, freq: 4 }),
            remote: fc.oneof(
              { weight: calm ? 0 : 1, arbitrary: fc.constant(unknown) },
              { weight: 2, arbitrary: fc.constant(absent) },
              {
                weight: 7,
                arbitrary: fc
                  .record({ name: fc.constantFrom('A', 'B', 'C', null), members: fc.subarray(users) })
                  .map(({ name, members }) => ({ status: 'known' as const, exists: true, name, members, source: 'read' as const })),
              },
            ),
            paused: rare(12 * odds),
            additive: rare(8 * odds),
            quarantined: rare(12 * odds),
            // Calm worlds: most remotes are the desired members with one or two users flipped,
            // so drift concentrates on a few users across groups (where syncs pay off).
            near: fc.boolean(),
            flip: fc.subarray(users.slice(0, 2), { minLength: 1 }),
          })
          .map(({ near, flip, ...g }) => {
            if (calm && near && g.desired && g.remote.status === 'known' && g.remote.exists) {
              const members = new Set(g.desired.members);
              for (const u of flip) if (!members.delete(u)) members.add(u);
              g = { ...g, remote: { ...g.remote, members: [...members] } };
            }
            return { id, ...g, desired: g.desired && { id, ownerId: null, ...g.desired } };
          });
      return fc.record({
        groups: fc.tuple(...GROUPS.slice(0, ng).map(arbGroup)),
        nullLists: fc.subarray(users, { maxLength: calm ? 0 : Math.min(2, nu) }),
        syncOff: rare(10 * odds),
        ignore: rare(5 * odds),
        maxDeletes: fc.integer({ min: calm ? 20 : 0, max: 40 }),
        maxDeleteShare: calm ? fc.constant(1) : fc.constantFrom(0.1, 0.5, 1),
        allowDeletes: rare(4),
        maxIdsPerCall,
      });
    })
    .map((w) => {
      const groups = [...w.groups];
      const users = usersOf(groups);
      for (const u of w.nullLists) if (users.has(u)) users.set(u, { id: u, desiredGroups: null });
      return {
        groups,
        users,
        policy: policy({
          limits: { ...LIMITS, maxIdsPerCall: w.maxIdsPerCall },
          syncCalls: !w.syncOff,
          ...(w.ignore ? { ignoreUsers: /^u5$/ } : {}),
          maxDeletes: w.maxDeletes,
          maxDeleteShare: w.maxDeleteShare,
          allowDeletes: w.allowDeletes,
        }),
      };
    });
}

function anyWorld(maxIdsPerCall: fc.Arbitrary<number>): fc.Arbitrary<PlanInput> {
  return fc.oneof(arbWorld(maxIdsPerCall), arbWorld(maxIdsPerCall, true));
}

// ---- The oracle: the rules, restated plainly ----------------------------------------------

interface Facts {
  actionable: boolean;
  exists: boolean;
  remote: Set<string>;
  desired: Set<string> | null;
  adds: string[];
  removes: string[];
  kept: string[];
  rename: boolean;
  dismiss: boolean;
}

function factsOf(g: GroupInput, inp: PlanInput): Facts {
  const known = g.remote.status === 'known';
  const remote = new Set(known && g.remote.status === 'known' ? g.remote.members : []);
  const exists = known && g.remote.status === 'known' && (g.remote.exists || remote.size > 0);
  const actionable = known && !g.paused && !g.quarantined;
  const desired = g.desired ? new Set(g.desired.members) : null;
  const f: Facts = { actionable, exists, remote, desired, adds: [], removes: [], kept: [], rename: false, dismiss: false };
  if (!known) return f;
  if (!desired) {
    f.dismiss = exists && !g.additive;
    return f;
  }
  f.adds = [...desired].filter((u) => !remote.has(u));
  for (const u of remote) {
    if (desired.has(u)) continue;
    if (g.additive || inp.policy.ignoreUsers?.test(u)) f.kept.push(u);
    else f.removes.push(u);
  }
  const remoteName = g.remote.status === 'known' ? g.remote.name : null;
  f.rename = exists && (desired.size > 0 || f.kept.length > 0) && remoteName !== g.desired!.name;
  return f;
}

function guardOf(inp: PlanInput, facts: Facts[]): boolean {
  let deletes = 0;
  let observed = 0;
  for (const f of facts) {
    observed += f.remote.size;
    if (f.actionable) deletes += f.removes.length + (f.dismiss ? f.remote.size : 0);
  }
  const share = observed === 0 ? 0 : deletes / observed;
  const p = inp.policy;
  return !p.allowDeletes && (deletes > p.maxDeletes || (deletes > 10 && share > p.maxDeleteShare));
}

function eligibleUsers(inp: PlanInput, facts: Facts[], blocked: boolean): string[] {
  if (!inp.policy.syncCalls || blocked) return [];
  return [...inp.users.values()]
    .filter((u: UserInput) => u.desiredGroups !== null && !inp.policy.ignoreUsers?.test(u.id))
    .filter((u) =>
      inp.groups.every((g, i) => {
        const f = facts[i]!;
        const mentioned = f.remote.has(u.id) || (f.desired?.has(u.id) ?? false);
        return !mentioned || (f.actionable && !g.additive);
      }),
    )
    .map((u) => u.id);
}

/** Fewest calls over every subset of sync-eligible users. */
function bruteForceOptimum(inp: PlanInput): number {
  const k = inp.policy.limits.maxIdsPerCall;
  const facts = inp.groups.map((g) => factsOf(g, inp));
  const blocked = guardOf(inp, facts);
  const eligible = eligibleUsers(inp, facts, blocked);
  let best = Infinity;
  for (let mask = 0; mask < 1 << eligible.length; mask++) {
    const synced = new Set(eligible.filter((_, i) => mask & (1 << i)));
    let cost = synced.size;
    for (const f of facts) {
      if (!f.actionable) continue;
      if (f.dismiss) {
        if (!blocked) cost += 1;
        continue;
      }
      const addCalls = Math.ceil(f.adds.filter((u) => !synced.has(u)).length / k);
      cost += f.rename ? Math.max(1, addCalls) : addCalls;
      if (!blocked) cost += Math.ceil(f.removes.filter((u) => !synced.has(u)).length / k);
    }
    best = Math.min(best, cost);
  }
  return best;
}

/** The simulated remote after the plan equals the desired state where it should, untouched elsewhere. */
function checkConverges(inp: PlanInput): void {
  const plan = planReconcile(inp);
  const before = modelFromObservations(inp.groups);
  const after = simulate(before, plan.calls, inp.policy.limits.maxIdsPerCall);
  const blocked = plan.blocked !== undefined;
  const sorted = (s: Iterable<string> | undefined) => [...(s ?? [])].sort();
  for (const g of inp.groups) {
    const f = factsOf(g, inp);
    const was = before.get(g.id);
    const now = after.get(g.id);
    if (!f.actionable || (!f.desired && !f.dismiss) || (f.dismiss && blocked)) {
      expect(now, `${g.id} untouched`).toEqual(was);
      continue;
    }
    if (f.dismiss) {
      expect(now, `${g.id} dismissed`).toBeUndefined();
      continue;
    }
    const expected = new Set([...f.desired!, ...f.kept, ...(blocked ? f.removes : [])]);
    expect(sorted(now?.members), `${g.id} members`).toEqual(sorted(expected));
    if (f.desired!.size > 0 || f.kept.length > 0) expect(now?.name, `${g.id} name`).toBe(g.desired!.name);
  }
  for (const id of after.keys()) expect(inp.groups.some((g) => g.id === id), `no stray group ${id}`).toBe(true);
  if (blocked) {
    expect(plan.calls.filter((c) => c.kind === 'kick' || c.kind === 'dismiss' || c.kind === 'sync')).toEqual([]);
    for (const [id, g] of before) for (const u of g.members) expect(after.get(id)?.members.has(u), `${u} stays in ${id}`).toBe(true);
  }
}

function shuffled<T>(xs: T[], seed: number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('planReconcile properties', () => {
  it('plans exactly the brute-force minimum number of calls (maxIdsPerCall = 1000)', () => {
    fc.assert(
      fc.property(anyWorld(fc.constant(1000)), (inp) => {
        const plan = planReconcile(inp);
        expect(plan.totals.calls).toBe(plan.calls.length);
        expect(plan.calls.length).toBe(bruteForceOptimum(inp));
        const sideCalls = plan.groups.reduce((n, g) => n + g.calls, 0);
        expect(sideCalls + plan.totals.byKind.sync).toBe(plan.calls.length);
      }),
      { numRuns: 2000 },
    );
  });

  it('syncCanSaveCalls: when no sync could save a call, the plan without the users\' lists is the same plan', () => {
    let no = 0;
    let yes = 0;
    fc.assert(
      fc.property(anyWorld(fc.integer({ min: 1, max: 1000 })), (inp) => {
        // What the run knows before the lists are read: how many groups each user is in.
        const counts = new Map<string, UserInput>([...inp.users].map(([u, x]) => [u, { id: u, desiredGroups: null, groupCount: x.desiredGroups?.length ?? 0 }]));
        const full = planReconcile(inp);
        if (syncCanSaveCalls({ ...inp, users: counts })) {
          yes++;
          return;
        }
        no++;
        expect(full.totals.byKind.sync).toBe(0);
        expect(planReconcile({ ...inp, users: counts })).toEqual(full);
      }),
      { numRuns: 2000 },
    );
    // Both answers are exercised.
    expect(no).toBeGreaterThan(100);
    expect(yes).toBeGreaterThan(100);
  });

  it('reaches exactly the desired state, leaving held groups untouched', () => {
    fc.assert(fc.property(anyWorld(fc.constant(1000)), checkConverges), { numRuns: 1500 });
  });

  it('batches correctly and never beats the optimum with tiny call sizes (maxIdsPerCall 1–3)', () => {
    fc.assert(
      fc.property(anyWorld(fc.integer({ min: 1, max: 3 })), (inp) => {
        checkConverges(inp);
        // The cover's side weights ceil(edges / k) are exact while no side has more than k edges;
        // above that, syncs can shave a side's real cost below its weight, which the cover does not
        // model (documented in plan.ts), so the plan may then be above the optimum — never below.
        const k = inp.policy.limits.maxIdsPerCall;
        const n = planReconcile(inp).calls.length;
        const best = bruteForceOptimum(inp);
        expect(n).toBeGreaterThanOrEqual(best);
        const small = inp.groups.every((g) => {
          const f = factsOf(g, inp);
          return f.adds.length <= k && f.removes.length <= k;
        });
        if (small) expect(n).toBe(best);
      }),
      { numRuns: 1000 },
    );
  });

  it('blocks exactly when the guard’s rule says so, and then plans nothing destructive', () => {
    fc.assert(
      fc.property(anyWorld(fc.constant(1000)), (inp) => {
        const plan = planReconcile(inp);
        const facts = inp.groups.map((g) => factsOf(g, inp));
        expect(plan.blocked !== undefined).toBe(guardOf(inp, facts));
        if (plan.blocked) {
          expect(plan.calls.every((c) => c.kind === 'create' || c.kind === 'invite' || c.kind === 'refresh')).toBe(true);
          expect(plan.blocked.reason).toContain('RONGSYNC_ALLOW_DELETES=true');
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('is deterministic: same plan on repeat and for any input order', () => {
    fc.assert(
      fc.property(anyWorld(fc.constant(1000)), fc.nat(), (inp, seed) => {
        const plan = planReconcile(inp);
        expect(planReconcile(inp)).toEqual(plan);
        const users = new Map(shuffled([...inp.users], seed));
        expect(planReconcile({ ...inp, groups: shuffled(inp.groups, seed), users })).toEqual(plan);
      }),
      { numRuns: 500 },
    );
  });
});

describe('planReconcile with invalid rows', () => {
  const BAD_USERS = ['', ' x', 'L'.repeat(65)];
  const IDS = ['u0', 'u1', 'u2', 'u3', ...BAD_USERS];
  const BAD_GROUP = 'G'.repeat(31);
  const limits = { ...LIMITS, maxMembersPerGroup: 4, maxGroupsPerUser: 3 };
  const isBadUser = (u: string) => BAD_USERS.includes(u);

  const world: fc.Arbitrary<PlanInput> = fc
    .tuple(
      ...['g0', 'g1', 'g2', 'g3', BAD_GROUP].map((id) =>
        fc.record({
          desired: fc.option(fc.record({ name: fc.constantFrom('A', 'B', '', 'n'.repeat(61)), members: fc.subarray(IDS) }), { nil: null, freq: 5 }),
          remote: fc.oneof(
            fc.constant(absent),
            fc.record({ name: fc.constantFrom('A', 'B', null), members: fc.subarray(IDS) }).map(({ name, members }) => ({
              status: 'known' as const,
              exists: true,
              name,
              members,
              source: 'read' as const,
            })),
          ),
          include: fc.boolean(),
        }).map(({ desired, remote, include }) => ({
          include: include || id === 'g0',
          group: { id, desired: desired && { id, ownerId: null, ...desired }, remote, paused: false, additive: false, quarantined: false },
        })),
      ),
    )
    .map((gs) => {
      const groups: GroupInput[] = gs.filter((g) => g.include).map((g) => g.group);
      return { groups, users: usersOf(groups), policy: policy({ limits, allowDeletes: true }) };
    });

  it('never names an invalid id in a call, leaves invalid groups alone, converges the rest', () => {
    fc.assert(
      fc.property(world, (inp) => {
        const plan = planReconcile(inp);
        const groupOk = (g: GroupInput) =>
          g.id !== BAD_GROUP &&
          (!g.desired ||
            (g.desired.name !== '' && g.desired.name.length <= 60 && new Set(g.desired.members.filter((u) => !isBadUser(u))).size <= 4));
        for (const c of plan.calls) {
          if ('groupId' in c) expect(c.groupId).not.toBe(BAD_GROUP);
          if ('memberIds' in c) expect(c.memberIds.some(isBadUser)).toBe(false);
          if (c.kind === 'sync') expect(isBadUser(c.userId)).toBe(false);
        }
        const before = modelFromObservations(inp.groups);
        const after = simulate(before, plan.calls);
        const groupsOf = new Map<string, number>();
        for (const g of inp.groups) for (const u of new Set(g.desired?.members ?? [])) groupsOf.set(u, (groupsOf.get(u) ?? 0) + 1);
        for (const g of inp.groups) {
          const gp = plan.groups.find((p) => p.groupId === g.id)!;
          if (!groupOk(g)) {
            expect(gp.status).toBe('unreconcilable');
            expect(after.get(g.id)).toEqual(before.get(g.id));
            continue;
          }
          const r = new Set(g.remote.status === 'known' ? g.remote.members : []);
          if (!g.desired) {
            if (r.size > 0) expect(after.has(g.id)).toBe(false);
            continue;
          }
          const d = new Set(g.desired.members.filter((u) => !isBadUser(u)));
          const expected = new Set([
            ...[...d].filter((u) => r.has(u) || (groupsOf.get(u) ?? 0) <= 3),
            ...[...r].filter(isBadUser),
          ]);
          expect([...(after.get(g.id)?.members ?? [])].sort()).toEqual([...expected].sort());
          if (expected.size > 0) expect(after.get(g.id)!.name).toBe(g.desired.name);
          if (gp.invalid.length > 0) expect(gp.status).toBe('unreconcilable');
        }
      }),
      { numRuns: 1000 },
    );
  });
});
