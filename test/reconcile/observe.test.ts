// The observation queries against random small worlds in a real database: loadUsers decides
// exactly what the original single-statement query decided (kept below as the oracle), and the
// desired rows and the shadow come back whole, whatever characters the ids hold.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroupCountCache, loadDesired, loadGroupCounts, loadStates, loadUsers } from '../../src/reconcile/observe.js';
import { loadShadow } from '../../src/store/shadow.js';
import type { UserInput } from '../../src/reconcile/plan/types.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

/** loadUsers as first written: one statement joining the users' memberships and the shadow's arrays. */
async function oracle(userIds: string[], scopeIds: string[], maxMembersPerGroup: number): Promise<Map<string, UserInput>> {
  const users = new Map<string, UserInput>();
  if (userIds.length === 0) return users;
  for (const id of userIds) users.set(id, { id, desiredGroups: [] as { id: string; name: string }[] });
  const rows = await t.sql<{ user_id: string; group_id: string; name: string }>(
    `SELECT m.user_id, g.id AS group_id, g.name
       FROM group_members m JOIN groups g ON g.id = m.group_id
      WHERE m.user_id = ANY($1::text[])
      ORDER BY m.user_id, g.id`,
    [userIds],
  );
  for (const r of rows) users.get(r.user_id)!.desiredGroups!.push({ id: r.group_id, name: r.name });
  const held = await t.sql<{ user_id: string }>(
    `WITH touched AS (
      SELECT m.user_id, m.group_id FROM group_members m WHERE m.user_id = ANY($1::text[])
      UNION
      SELECT u.user_id, r.group_id
        FROM rongsync_remote_groups r, unnest(r.members) AS u(user_id)
       WHERE r.members && $1::text[] AND u.user_id = ANY($1::text[])
    ),
    big AS (
      SELECT m.group_id FROM group_members m
       WHERE m.group_id IN (SELECT DISTINCT group_id FROM touched)
       GROUP BY m.group_id HAVING count(*) > $3
    )
    SELECT t.user_id FROM touched t JOIN rongsync_group_state s ON s.group_id = t.group_id
     WHERE s.paused OR s.additive OR s.quarantined_at IS NOT NULL
    UNION
    SELECT t.user_id FROM touched t
      JOIN rongsync_remote_groups r ON r.group_id = t.group_id AND t.user_id = ANY(r.members)
     WHERE NOT (t.group_id = ANY($2::text[]))
       AND NOT EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = t.group_id AND m.user_id = t.user_id)
    UNION
    SELECT t.user_id FROM touched t JOIN big b ON b.group_id = t.group_id`,
    [userIds, scopeIds, maxMembersPerGroup],
  );
  for (const r of held) users.set(r.user_id, { ...users.get(r.user_id)!, desiredGroups: null });
  // How many groups the tables give each user (held or not), for the groups-per-user limit.
  for (const id of userIds) users.get(id)!.groupCount = rows.filter((r) => r.user_id === id).length;
  return users;
}

const GROUPS = ['g0', 'g1', 'g2', 'g3', 'g4', 'g5', 'g6'];
const USERS = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7'];

const world = fc.record({
  /** Groups in the tables, with their members. */
  desired: fc.dictionary(fc.constantFrom(...GROUPS), fc.subarray(USERS), { maxKeys: GROUPS.length }),
  /** Shadow rows (any group, in the tables or not), members as rongsync last knew them. */
  shadow: fc.dictionary(fc.constantFrom(...GROUPS), fc.subarray(USERS), { maxKeys: GROUPS.length }),
  states: fc.dictionary(
    fc.constantFrom(...GROUPS),
    fc.record({ paused: fc.boolean(), additive: fc.boolean(), quarantined: fc.boolean() }),
    { maxKeys: 3 },
  ),
  scope: fc.subarray(GROUPS),
  users: fc.subarray(USERS, { minLength: 1 }),
  maxMembers: fc.integer({ min: 1, max: 6 }),
});

type World = typeof world extends fc.Arbitrary<infer W> ? W : never;

async function load(w: World) {
  const groups = Object.keys(w.desired);
  const memberships = Object.entries(w.desired).flatMap(([g, us]) => us.map((u) => [g, u]));
  const shadow = Object.entries(w.shadow).map(([g, us]) => [g, [...us].sort()] as const);
  const states = Object.entries(w.states);
  // DELETE, not TRUNCATE: on tables this small it is far cheaper.
  await t.sql('DELETE FROM groups; DELETE FROM rongsync_remote_groups; DELETE FROM rongsync_group_state; DELETE FROM rongsync_changes');
  await t.sql(`INSERT INTO groups (id, name) SELECT g, 'Name of ' || g FROM unnest($1::text[]) g`, [groups]);
  await t.sql(`INSERT INTO group_members (group_id, user_id) SELECT * FROM unnest($1::text[], $2::text[])`, [
    memberships.map((m) => m[0]),
    memberships.map((m) => m[1]),
  ]);
  await t.sql(
    `INSERT INTO rongsync_remote_groups (group_id, name, members, member_count, members_hash)
     SELECT x.g, CASE WHEN x.m = '[]' THEN NULL ELSE x.g END, ARRAY(SELECT jsonb_array_elements_text(x.m)), jsonb_array_length(x.m), 'x'
       FROM jsonb_to_recordset($1::jsonb) AS x(g text, m jsonb)`,
    [JSON.stringify(shadow.map(([g, m]) => ({ g, m })))],
  );
  await t.sql(
    `INSERT INTO rongsync_group_state (group_id, paused, additive, quarantined_at)
     SELECT x.g, x.p, x.a, CASE WHEN x.q THEN now() END FROM jsonb_to_recordset($1::jsonb) AS x(g text, p boolean, a boolean, q boolean)`,
    [JSON.stringify(states.map(([g, st]) => ({ g, p: st.paused, a: st.additive, q: st.quarantined })))],
  );
}

describe('loadUsers', () => {
  it('decides exactly what the original query decided', async () => {
    await fc.assert(
      fc.asyncProperty(world, async (w) => {
        await load(w);
        const got = await loadUsers(t.db.prisma, w.users, w.scope, w.maxMembers);
        const want = await oracle(w.users, w.scope, w.maxMembers);
        expect(got).toEqual(want);
      }),
      { numRuns: 200 },
    );
  });

  it('holds a user out of scope only for a remote-only membership, and lists every group otherwise', async () => {
    await load({
      desired: { g0: ['u0', 'u1'], g1: ['u0'] },
      shadow: { g0: ['u0'], g2: ['u1'] },
      states: {},
      scope: ['g0'],
      users: ['u0', 'u1'],
      maxMembers: 10,
    });
    const got = await loadUsers(t.db.prisma, ['u0', 'u1', 'nobody'], ['g0'], 10);
    expect(got.get('u0')).toEqual({ id: 'u0', desiredGroups: [{ id: 'g0', name: 'Name of g0' }, { id: 'g1', name: 'Name of g1' }], groupCount: 2 });
    expect(got.get('u1')).toEqual({ id: 'u1', desiredGroups: null, groupCount: 1 }); // remotely in g2, which the tables don't give them
    expect(got.get('nobody')).toEqual({ id: 'nobody', desiredGroups: [], groupCount: 0 });
    // Without the lists: the counts alone.
    const counts = await loadGroupCounts(t.db.prisma, ['u0', 'u1', 'nobody']);
    expect([...counts.values()]).toEqual(expect.arrayContaining([{ id: 'u0', desiredGroups: null, groupCount: 2 }, { id: 'u1', desiredGroups: null, groupCount: 1 }]));
    expect(counts.size).toBe(2);
  });
});

describe('desired rows and the shadow', () => {
  it('come back with every id intact', async () => {
    const odd = ['plain', 'with space', 'quote"s', 'back\\slash', '用户', 'emoji 🎉', 'comma,brace{}', 'new\nline', 'NULL'];
    await t.sql('TRUNCATE groups, group_members, rongsync_remote_groups CASCADE');
    await t.sql(`INSERT INTO groups (id, name, owner_id) VALUES ('G 1', 'Name "1"', 'owner'), ('G2', '群', NULL)`);
    for (const u of odd) await t.sql(`INSERT INTO group_members VALUES ('G 1', $1)`, [u]);
    await t.sql(`INSERT INTO rongsync_remote_groups (group_id, name, members, member_count, members_hash) VALUES ('G 1', 'N', $1::text[], $2, 'x'), ('E', NULL, '{}', 0, 'x')`, [
      odd,
      odd.length,
    ]);

    const desired = await loadDesired(t.db.prisma, ['G 1', 'G2', 'missing']);
    expect([...desired.keys()].sort()).toEqual(['G 1', 'G2']);
    expect(new Set(desired.get('G 1')!.members)).toEqual(new Set(odd));
    expect(desired.get('G 1')).toMatchObject({ name: 'Name "1"', ownerId: 'owner' });
    expect(desired.get('G2')).toEqual({ id: 'G2', name: '群', ownerId: null, members: [] });

    const shadow = await loadShadow(t.db.prisma, ['G 1', 'E']);
    expect(shadow.get('G 1')!.members).toEqual(odd);
    expect(shadow.get('E')).toMatchObject({ members: [], name: null });
  });
});

describe('loadStates', () => {
  it('reads every field of the groups asked for, and only those', async () => {
    await t.sql('DELETE FROM rongsync_group_state');
    const at = new Date('2026-11-30T10:00:00.123Z');
    await t.sql(
      `INSERT INTO rongsync_group_state (group_id, paused, additive, consecutive_failures, next_attempt_at, quarantined_at, drift_first_seen_at)
       VALUES ('a', true, false, 3, $1, NULL, $1), ('b', false, true, 0, NULL, $1, NULL), ('c', false, false, 0, NULL, NULL, NULL)`,
      [at],
    );
    const states = await loadStates(t.db.prisma, ['a', 'b', 'missing']);
    expect([...states.keys()].sort()).toEqual(['a', 'b']);
    expect(states.get('a')).toEqual({ groupId: 'a', paused: true, additive: false, consecutiveFailures: 3, nextAttemptAt: at, quarantinedAt: null, quarantineReason: null, lastError: null, driftFirstSeenAt: at });
    expect(states.get('b')).toEqual({ groupId: 'b', paused: false, additive: true, consecutiveFailures: 0, nextAttemptAt: null, quarantinedAt: at, quarantineReason: null, lastError: null, driftFirstSeenAt: null });
  });
});

describe('loadGroupCounts', () => {
  it('counts each user\'s groups; with a cache, asks again only for users it has not counted, until the counts age out', async () => {
    await t.reset();
    await t.sql(`INSERT INTO groups (id, name) SELECT 'c' || i, 'C' FROM generate_series(1, 3) i`);
    await t.sql(`INSERT INTO group_members VALUES ('c1', 'u1'), ('c2', 'u1'), ('c3', 'u1'), ('c1', 'u2')`);
    let now = 0;
    const cache = new GroupCountCache(60_000, () => now);
    const counts = async (ids: string[], c?: GroupCountCache) =>
      Object.fromEntries([...(await loadGroupCounts(t.db.prisma, ids, c))].map(([u, i]) => [u, i.groupCount]));
    expect(await counts(['u1', 'u2', 'nobody'], cache)).toEqual({ u1: 3, u2: 1 });
    await t.sql(`INSERT INTO group_members VALUES ('c2', 'u2'), ('c1', 'u3')`);
    now = 59_000;
    // u2 is known (its count is the one read before); u3 is new and read now.
    expect(await counts(['u2', 'u3'], cache)).toEqual({ u2: 1, u3: 1 });
    expect(await counts(['u2', 'u3'])).toEqual({ u2: 2, u3: 1 });
    now = 61_000; // older than a minute: read again
    expect(await counts(['u2'], cache)).toEqual({ u2: 2 });
  });
});
