// Example tests, one or more per planner rule. Plain values in, plain values out.
import { describe, expect, it } from 'vitest';
import { planReconcile, PlanInputError } from '../../../src/reconcile/plan/plan.js';
import { modelFromObservations, simulate } from '../../../src/reconcile/plan/simulate.js';
import type { GroupPlan, Plan, PlannedCall } from '../../../src/reconcile/plan/types.js';
import { absent, group, ids, input, LIMITS, remote, unknown, usersOf } from './builders.js';

const gp = (plan: Plan, id: string): GroupPlan => plan.groups.find((g) => g.groupId === id)!;
const kinds = (plan: Plan) => plan.calls.map((c) => c.kind);

describe('group-side calls', () => {
  it('creates a missing group with its members and name', () => {
    const plan = planReconcile(input([group('g1', { name: 'Team', members: ['b', 'a'] })]));
    expect(plan.calls).toEqual([{ kind: 'create', groupId: 'g1', name: 'Team', memberIds: ['a', 'b'] }]);
    expect(gp(plan, 'g1')).toMatchObject({ status: 'drifted', missingGroup: true, missingMembers: ['a', 'b'], calls: 1 });
    expect(plan.totals).toMatchObject({ calls: 1, edgesAdd: 2, edgesRemove: 0 });
  });

  it('invites missing members, kicks extra ones', () => {
    const plan = planReconcile(input([group('g1', { name: 'T', members: ['a', 'b', 'c'], remote: remote(['a', 'x', 'y'], 'T') })]));
    expect(plan.calls).toEqual([
      { kind: 'invite', groupId: 'g1', memberIds: ['b', 'c'] },
      { kind: 'kick', groupId: 'g1', memberIds: ['x', 'y'] },
    ]);
    expect(gp(plan, 'g1')).toMatchObject({ missingMembers: ['b', 'c'], extraMembers: ['x', 'y'], keptMembers: [], calls: 2 });
  });

  it('renames with refresh when only the name differs or is unknown', () => {
    const plan = planReconcile(
      input([
        group('g1', { name: 'New', members: ['a'], remote: remote(['a'], 'Old') }),
        group('g2', { name: 'Two', members: ['a'], remote: remote(['a'], null) }),
      ]),
    );
    expect(plan.calls).toEqual([
      { kind: 'refresh', groupId: 'g1', name: 'New' },
      { kind: 'refresh', groupId: 'g2', name: 'Two' },
    ]);
    expect(gp(plan, 'g1').nameChange).toEqual({ from: 'Old', to: 'New' });
    expect(gp(plan, 'g2').nameChange).toEqual({ from: null, to: 'Two' });
  });

  it('lets an invite carry the new name instead of a separate refresh', () => {
    const plan = planReconcile(input([group('g1', { name: 'New', members: ['a', 'b'], remote: remote(['a'], 'Old') })]));
    expect(plan.calls).toEqual([{ kind: 'invite', groupId: 'g1', memberIds: ['b'], name: 'New' }]);
  });

  it('dismisses an orphan without kicking its members first', () => {
    const plan = planReconcile(input([group('g1', { remote: remote(['a', 'b'], 'Gone') })]));
    expect(plan.calls).toEqual([{ kind: 'dismiss', groupId: 'g1', operator: 'rongsync' }]);
    expect(gp(plan, 'g1')).toMatchObject({ status: 'drifted', orphan: true, extraMembers: ['a', 'b'], calls: 1 });
    expect(plan.totals).toMatchObject({ edgesRemove: 0, dismissedMembers: 2 });
  });

  it('reports a group equal on both sides as in_sync with no calls', () => {
    const plan = planReconcile(input([group('g1', { name: 'T', members: ['a'], remote: remote(['a'], 'T') }), group('g2', { remote: absent })]));
    expect(plan.calls).toEqual([]);
    expect(plan.groups.map((g) => g.status)).toEqual(['in_sync', 'in_sync']);
  });

  it('does not create a group whose desired member list is empty', () => {
    const plan = planReconcile(
      input([group('g1', { name: 'Empty', members: [] }), group('g2', { name: 'Emptied', members: [], remote: remote(['a', 'b'], 'X') })]),
    );
    expect(plan.calls).toEqual([{ kind: 'kick', groupId: 'g2', memberIds: ['a', 'b'] }]);
    expect(gp(plan, 'g1')).toMatchObject({ status: 'in_sync', missingGroup: false, calls: 0 });
    expect(gp(plan, 'g1').notes[0]).toMatch(/exist only through members/);
    expect(gp(plan, 'g2').nameChange).toBeUndefined(); // nobody is left to see a name
  });
});

describe('sync calls', () => {
  const fiveGroups = () =>
    ['g1', 'g2', 'g3', 'g4', 'g5'].map((id) => group(id, { name: id.toUpperCase(), members: ['a', 'u'], remote: remote(['a'], id.toUpperCase()) }));

  it('syncs one user missing from five groups instead of five invites', () => {
    const plan = planReconcile(input(fiveGroups()));
    const names = ['g1', 'g2', 'g3', 'g4', 'g5'].map((id) => ({ id, name: id.toUpperCase() }));
    expect(plan.calls).toEqual([{ kind: 'sync', userId: 'u', groups: names }]);
    expect(gp(plan, 'g3')).toMatchObject({ status: 'drifted', calls: 0, syncUsers: ['u'], missingMembers: ['u'] });
    expect(plan.totals).toMatchObject({ calls: 1, edgesAdd: 5 });
  });

  it('does not sync a user whose group list would be over the request body limit', () => {
    // 500 groups, 30-char ids, 60-char CJK names: ~300 KB once form-encoded (a sync can't be split).
    const id = (i: number) => `g${String(i).padStart(29, '0')}`;
    const name = '群'.repeat(60);
    const big = Array.from({ length: 500 }, (_, i) => group(id(i), { name, members: ['a', 'u'], remote: remote(['a'], name) }));
    const plan = planReconcile(input(big));
    expect(plan.calls.some((c) => c.kind === 'sync')).toBe(false);
    expect(plan.totals.edgesAdd).toBe(500); // covered by group-side invites instead
    // The same list with short ASCII names fits: one sync.
    const small = Array.from({ length: 500 }, (_, i) => group(id(i), { name: 'G', members: ['a', 'u'], remote: remote(['a'], 'G') }));
    expect(planReconcile(input(small)).calls.filter((c) => c.kind === 'sync')).toHaveLength(1);
  });

  it('sends the user’s full desired list, including groups out of scope', () => {
    const groups = fiveGroups();
    const users = usersOf(groups);
    users.get('u')!.desiredGroups!.push({ id: 'zz', name: 'Elsewhere' });
    const plan = planReconcile(input(groups, {}, users));
    const sync = plan.calls[0] as Extract<PlannedCall, { kind: 'sync' }>;
    expect(sync.groups.map((g) => g.id)).toEqual(['g1', 'g2', 'g3', 'g4', 'g5', 'zz']);
  });

  it('covers removals too: a user to drop from four groups is one sync', () => {
    const groups = ['g1', 'g2', 'g3', 'g4'].map((id) => group(id, { name: id, members: ['a'], remote: remote(['a', 'u'], id) }));
    const plan = planReconcile(input(groups));
    expect(plan.calls).toEqual([{ kind: 'sync', userId: 'u', groups: [] }]);
  });

  it('falls back to group-side calls when a sync is not allowed', () => {
    const invites = (plan: Plan) => plan.calls.filter((c) => c.kind === 'invite').length;
    expect(invites(planReconcile(input(fiveGroups(), { syncCalls: false })))).toBe(5);
    const noList = usersOf(fiveGroups());
    noList.set('u', { id: 'u', desiredGroups: null });
    expect(invites(planReconcile(input(fiveGroups(), {}, noList)))).toBe(5);
    expect(invites(planReconcile(input(fiveGroups(), { ignoreUsers: /^u$/ })))).toBe(5);
    // u also desired in an unknown group: a sync would act on a group we cannot see.
    expect(invites(planReconcile(input([...fiveGroups(), group('g9', { name: 'G9', members: ['u'], remote: unknown })])))).toBe(5);
    // u is a remote member of a paused group: a sync would remove them from it.
    expect(invites(planReconcile(input([...fiveGroups(), group('g9', { name: 'G9', members: [], remote: remote(['u'], 'G9'), paused: true })])))).toBe(5);
    // The list disagrees with the tables (a different name for g1).
    const wrong = usersOf(fiveGroups());
    wrong.get('u')!.desiredGroups![0] = { id: 'g1', name: 'stale' };
    expect(invites(planReconcile(input(fiveGroups(), {}, wrong)))).toBe(5);
  });

  it('lets syncs create a missing group with the listed name', () => {
    // g0 is new; u is also missing from four existing groups. One sync does it all.
    const groups = [
      group('g0', { name: 'New', members: ['u'] }),
      ...['g1', 'g2', 'g3', 'g4'].map((id) => group(id, { name: id, members: ['a', 'u'], remote: remote(['a'], id) })),
    ];
    const plan = planReconcile(input(groups));
    expect(kinds(plan)).toEqual(['sync']);
    const after = simulate(modelFromObservations(groups), plan.calls);
    expect(after.get('g0')).toEqual({ name: 'New', members: new Set(['u']) });
  });
});

describe('invalid rows', () => {
  it('names the problem, the number and the variable for bad group ids and names', () => {
    const long = 'g'.repeat(41);
    const plan = planReconcile(
      input([
        group(long, { name: 'T', members: ['a'] }),
        group('g2', { name: 'n'.repeat(61), members: ['a'] }),
        group('g3', { name: '  ', members: ['a'] }),
        group(' ', { name: 'T', members: ['a'] }),
        group('ok', { name: 'T', members: ['a'] }),
      ]),
    );
    expect(gp(plan, long)).toMatchObject({
      status: 'unreconcilable',
      calls: 0,
      invalid: [{ subject: 'group', id: long, reason: 'group id is 41 characters; the limit is 30 (RONGCLOUD_GROUP_ID_MAX)' }],
    });
    expect(gp(plan, 'g2').invalid).toEqual([
      { subject: 'group', id: 'g2', reason: 'group name is 61 characters; the limit is 60 (RONGCLOUD_GROUP_NAME_MAX)' },
    ]);
    expect(gp(plan, 'g3').invalid[0]!.reason).toBe('group name is empty; RongCloud needs a name to create or rename a group');
    expect(gp(plan, ' ').invalid[0]!.reason).toBe('group id is only whitespace');
    // Everything else still converges.
    expect(plan.calls).toEqual([{ kind: 'create', groupId: 'ok', name: 'T', memberIds: ['a'] }]);
  });

  it('skips invalid member ids and converges the rest of the group', () => {
    const wide = '中'.repeat(22); // 66 bytes
    const plan = planReconcile(input([group('g1', { name: 'T', members: ['a', '', ' b', wide, 'c'], remote: remote(['a'], 'T') })]));
    expect(plan.calls).toEqual([{ kind: 'invite', groupId: 'g1', memberIds: ['c'] }]);
    expect(gp(plan, 'g1')).toMatchObject({ status: 'unreconcilable', calls: 1 });
    expect(gp(plan, 'g1').invalid).toEqual([
      { subject: 'member', id: '', reason: 'user id is empty; membership skipped' },
      { subject: 'member', id: ' b', reason: 'user id " b" has leading or trailing whitespace; membership skipped' },
      { subject: 'member', id: wide, reason: 'user id is 66 bytes; the limit is 64 (RONGCLOUD_USER_ID_MAX); membership skipped' },
    ]);
  });

  it('never kicks a remote member whose id fails validation', () => {
    const bad = 'x'.repeat(65);
    const plan = planReconcile(input([group('g1', { name: 'T', members: ['a', bad], remote: remote(['a', bad, ' c'], 'T') })]));
    expect(plan.calls).toEqual([]);
    expect(gp(plan, 'g1').keptMembers).toEqual([' c', bad]);
    expect(gp(plan, 'g1').invalid.map((i) => i.id)).toEqual([bad, ' c']);
  });

  it('refuses a group over the member limit as a whole', () => {
    const limits = { ...LIMITS, maxMembersPerGroup: 3 };
    const plan = planReconcile(input([group('g1', { name: 'T', members: ['a', 'b', 'c', 'd'], remote: remote(['z'], 'T') })], { limits }));
    expect(plan.calls).toEqual([]);
    expect(gp(plan, 'g1')).toMatchObject({
      status: 'unreconcilable',
      extraMembers: [],
      invalid: [{ subject: 'group', id: 'g1', reason: 'group has 4 members; the limit is 3 (RONGCLOUD_MAX_MEMBERS_PER_GROUP)' }],
    });
  });

  it('holds back the adds of a user over the groups-per-user limit, still removes them', () => {
    const limits = { ...LIMITS, maxGroupsPerUser: 2 };
    const groups = [
      group('g1', { name: 'A', members: ['a', 'u'] }),
      group('g2', { name: 'B', members: ['b', 'u'], remote: remote(['b'], 'B') }),
      group('g3', { name: 'C', members: ['c', 'u'], remote: remote(['c', 'u'], 'C') }),
      group('g4', { name: 'D', members: ['d'], remote: remote(['d', 'u'], 'D') }),
    ];
    const plan = planReconcile(input(groups, { limits }));
    expect(plan.calls).toEqual([
      { kind: 'create', groupId: 'g1', name: 'A', memberIds: ['a'] },
      { kind: 'kick', groupId: 'g4', memberIds: ['u'] },
    ]);
    const reason = 'user is in 3 groups; the limit is 2 (RONGCLOUD_MAX_GROUPS_PER_USER); not added here';
    expect(gp(plan, 'g1').invalid).toEqual([{ subject: 'user', id: 'u', reason }]);
    expect(gp(plan, 'g2').invalid).toEqual([{ subject: 'user', id: 'u', reason }]);
    expect(gp(plan, 'g3')).toMatchObject({ status: 'in_sync', invalid: [] });
    expect(gp(plan, 'g2').missingMembers).toEqual(['u']);
  });
});

describe('groups that get no calls', () => {
  it('never treats an unknown remote as empty', () => {
    const plan = planReconcile(input([group('g1', { name: 'T', members: ['a'], remote: unknown }), group('g2', { remote: unknown })]));
    expect(plan.calls).toEqual([]);
    expect(gp(plan, 'g1')).toMatchObject({ status: 'unknown', missingGroup: false, missingMembers: [], orphan: false, calls: 0 });
    expect(gp(plan, 'g1').notes).toEqual(['remote state unknown: getMembers timed out (code 1050)']);
    expect(gp(plan, 'g2')).toMatchObject({ status: 'unknown', orphan: false, extraMembers: [] });
  });

  it('reports the diff of a paused group without calls', () => {
    const plan = planReconcile(input([group('g1', { name: 'T', members: ['a', 'b'], remote: remote(['a', 'x'], 'Old'), paused: true })]));
    expect(plan.calls).toEqual([]);
    expect(gp(plan, 'g1')).toMatchObject({
      status: 'paused',
      missingMembers: ['b'],
      extraMembers: ['x'],
      nameChange: { from: 'Old', to: 'T' },
      calls: 0,
    });
  });

  it('plans nothing for a quarantined group or a paused orphan', () => {
    const plan = planReconcile(
      input([
        group('g1', { name: 'T', members: ['a'], quarantined: true }),
        group('g2', { remote: remote(['a'], 'X'), paused: true }),
      ]),
    );
    expect(plan.calls).toEqual([]);
    expect(gp(plan, 'g1').status).toBe('quarantined');
    expect(gp(plan, 'g2')).toMatchObject({ status: 'paused', orphan: true });
  });
});

describe('kept members', () => {
  it('keeps extra members of an additive group and still adds', () => {
    const plan = planReconcile(input([group('g1', { name: 'T', members: ['a', 'b'], remote: remote(['a', 'x'], 'T'), additive: true })]));
    expect(plan.calls).toEqual([{ kind: 'invite', groupId: 'g1', memberIds: ['b'] }]);
    expect(gp(plan, 'g1')).toMatchObject({ extraMembers: [], keptMembers: ['x'] });
  });

  it('does not dismiss an additive orphan', () => {
    const plan = planReconcile(input([group('g1', { remote: remote(['a', 'x'], 'T'), additive: true })]));
    expect(plan.calls).toEqual([]);
    expect(gp(plan, 'g1')).toMatchObject({ status: 'drifted', orphan: true, extraMembers: [], keptMembers: ['a', 'x'] });
  });

  it('never kicks members matching ignoreUsers, but dismisses an orphan with them', () => {
    const plan = planReconcile(
      input(
        [group('g1', { name: 'T', members: ['a'], remote: remote(['a', 'bot_1', 'x'], 'T') }), group('g2', { remote: remote(['bot_1'], 'O') })],
        { ignoreUsers: /^bot_/g },
      ),
    );
    expect(plan.calls).toEqual([
      { kind: 'dismiss', groupId: 'g2', operator: 'rongsync' },
      { kind: 'kick', groupId: 'g1', memberIds: ['x'] },
    ]);
    expect(gp(plan, 'g1')).toMatchObject({ keptMembers: ['bot_1'], extraMembers: ['x'], status: 'drifted' });
  });
});

describe('mass-deletion guard', () => {
  const world = () => [
    group('g1', { name: 'A', members: ['a', 'n'], remote: remote(ids('u', 30).concat('a'), 'A') }),
    group('g2', { remote: remote(ids('v', 20), 'B') }),
    group('g3', { name: 'C', members: ['c'], remote: remote(['c'], 'Old') }),
    group('g4', { name: 'D', members: ['d'] }),
  ];

  it('blocks kicks, dismisses and syncs over maxDeletes; keeps adds, creates and renames', () => {
    const plan = planReconcile(input(world(), { maxDeletes: 40 }));
    expect(plan.blocked).toMatchObject({ deletes: 50, share: 50 / 52 });
    expect(plan.blocked!.reason).toMatch(/remove 50 of 52 observed memberships \(96\.2%\)/);
    expect(plan.blocked!.reason).toMatch(/RONGSYNC_MAX_DELETES=40/);
    expect(plan.blocked!.reason).toMatch(/--allow-deletes or RONGSYNC_ALLOW_DELETES=true/);
    expect(kinds(plan)).toEqual(['invite', 'refresh', 'create']);
    expect(gp(plan, 'g1')).toMatchObject({ extraMembers: ids('u', 30), status: 'drifted' });
    expect(gp(plan, 'g1').notes).toContain('removals held by the mass-deletion guard');
    expect(plan.totals).toMatchObject({ edgesRemove: 0, dismissedMembers: 0 });
  });

  it('blocks over maxDeleteShare, and lets allowDeletes approve', () => {
    const blocked = planReconcile(input(world(), { maxDeleteShare: 0.25 }));
    expect(blocked.blocked!.reason).toMatch(/RONGSYNC_MAX_DELETE_SHARE=0.25/);
    const approved = planReconcile(input(world(), { maxDeleteShare: 0.25, maxDeletes: 1, allowDeletes: true }));
    expect(approved.blocked).toBeUndefined();
    expect(kinds(approved)).toEqual(['dismiss', 'invite', 'kick', 'refresh', 'create']);
    expect(approved.totals).toMatchObject({ edgesRemove: 30, dismissedMembers: 20 });
  });

  it('lets up to 10 deletes through whatever their share, but not past maxDeletes', () => {
    const tiny = [group('g1', { name: 'T', members: ['a'], remote: remote(['a', 'b'], 'T') })];
    expect(planReconcile(input(tiny, { maxDeleteShare: 0.25 })).blocked).toBeUndefined();
    expect(planReconcile(input(tiny, { maxDeleteShare: 0.25, maxDeletes: 0 })).blocked).toMatchObject({ deletes: 1, share: 0.5 });
  });

  it('plans no sync while blocked, even one that would only add', () => {
    const groups = [
      ...['g1', 'g2', 'g3'].map((id) => group(id, { name: id, members: ['a', 'u'], remote: remote(['a'], id) })),
      group('g9', { remote: remote(ids('v', 20), 'O') }),
    ];
    const plan = planReconcile(input(groups, { maxDeletes: 5 }));
    expect(kinds(plan)).toEqual(['invite', 'invite', 'invite']);
  });
});

describe('batching over maxIdsPerCall', () => {
  it('creates with the first 1000 ids and invites the rest; kicks in 1000s', () => {
    const plan = planReconcile(
      input([
        group('g1', { name: 'Big', members: ids('a', 2500) }),
        group('g2', { name: 'K', members: ['z'], remote: remote(['z', ...ids('k', 1500)], 'K') }),
      ], { allowDeletes: true }),
    );
    expect(plan.calls.map((c) => [c.kind, 'groupId' in c ? c.groupId : c.userId, 'memberIds' in c ? c.memberIds.length : 0, 'name' in c ? c.name : undefined])).toEqual([
      ['create', 'g1', 1000, 'Big'],
      ['invite', 'g1', 1000, undefined],
      ['invite', 'g1', 500, undefined],
      ['kick', 'g2', 1000, undefined],
      ['kick', 'g2', 500, undefined],
    ]);
    expect((plan.calls[0] as { memberIds: string[] }).memberIds[0]).toBe('a00000');
  });

  it('emits ceil(remaining / 1000) after syncs, below the modelled weight', () => {
    // g0 has 1001 adds (weight 2). u is among them and is also missing from 5 small groups, so u
    // is synced; g0 then needs only ceil(1000 / 1000) = 1 invite.
    const groups = [
      group('g0', { name: 'G0', members: [...ids('a', 1000), 'u'], remote: remote([], 'G0') }),
      ...['g1', 'g2', 'g3', 'g4', 'g5'].map((id) => group(id, { name: id, members: ['b', 'u'], remote: remote(['b'], id) })),
    ];
    const plan = planReconcile(input(groups));
    expect(kinds(plan)).toEqual(['invite', 'sync']);
    expect((plan.calls[0] as { memberIds: string[] }).memberIds).toHaveLength(1000);
  });
});

describe('order and determinism', () => {
  it('orders dismisses, then per group create → invite → kick → refresh, then syncs', () => {
    const groups = [
      group('b', { name: 'B', members: [...ids('m', 1001)], remote: absent }),
      group('a', { name: 'A2', members: ['x', 'y'], remote: remote(['x', 'z'], 'A') }),
      group('c', { name: 'C', members: ['k'], remote: remote(['k', 'q'], 'Old') }),
      group('o', { remote: remote(['x'], 'O') }),
      ...['s1', 's2', 's3'].map((id) => group(id, { name: id, members: ['p', 'w'], remote: remote(['p'], id) })),
    ];
    const plan = planReconcile(input(groups));
    expect(plan.calls.map((c) => `${c.kind}:${'groupId' in c ? c.groupId : c.userId}`)).toEqual([
      'dismiss:o',
      'invite:a',
      'kick:a',
      'create:b',
      'invite:b',
      'kick:c',
      'refresh:c',
      'sync:w',
    ]);
    expect(plan.calls[1]).toEqual({ kind: 'invite', groupId: 'a', memberIds: ['y'], name: 'A2' });
    expect(plan.groups.map((g) => g.groupId)).toEqual(['a', 'b', 'c', 'o', 's1', 's2', 's3']);
    const shuffled = planReconcile(input([...groups].reverse()));
    expect(shuffled).toEqual(plan);
    const after = simulate(modelFromObservations(groups), plan.calls);
    expect(after.has('o')).toBe(false);
    expect(after.get('a')).toEqual({ name: 'A2', members: new Set(['x', 'y']) });
    expect(after.get('s2')).toEqual({ name: 's2', members: new Set(['p', 'w']) });
  });

  it('rejects contradictory input as a typed error', () => {
    expect(() => planReconcile(input([group('g', { name: 'A' }), group('g', { name: 'B' })]))).toThrow(PlanInputError);
    const g = group('g', { name: 'A' });
    g.desired!.id = 'h';
    expect(() => planReconcile(input([g]))).toThrow(/carries desired row/);
  });
});

describe('scale', () => {
  it('plans ~40k edges over 1000 groups and the plan converges', () => {
    let seed = 99;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const groups = Array.from({ length: 1000 }, (_, g) => {
      const keep = ids(`k${g}_`, 5);
      const add = Array.from({ length: 20 }, () => `u${Math.floor(rand() * 5000)}`);
      const drop = Array.from({ length: 20 }, () => `v${Math.floor(rand() * 5000)}`);
      return group(`g${g}`, { name: `G${g}`, members: [...keep, ...add], remote: remote([...keep, ...drop], g % 7 ? `G${g}` : 'old') });
    });
    const plan = planReconcile(input(groups, { maxDeletes: 1e9 }));
    expect(plan.totals.edgesAdd + plan.totals.edgesRemove).toBeGreaterThan(38_000);
    const after = simulate(modelFromObservations(groups), plan.calls);
    for (const g of groups) {
      expect([...after.get(g.id)!.members].sort()).toEqual([...new Set(g.desired!.members)].sort());
      expect(after.get(g.id)!.name).toBe(g.desired!.name);
    }
  });
});
