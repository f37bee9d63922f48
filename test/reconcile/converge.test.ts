// The app writes its tables with plain SQL; a run makes the emulator match them exactly.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, desiredMembers, type Harness } from '../helpers/reconcile.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());
beforeEach(async () => {
  await h.t.sql('TRUNCATE groups CASCADE');
  await h.run({ allowDeletes: true, full: true });
  h.emulator.reset();
  await h.t.sql('TRUNCATE rongsync_changes, rongsync_remote_groups, rongsync_group_state, rongsync_runs CASCADE');
});

/** Remote equals the tables: every non-empty desired group exists with its members and name. */
async function expectConverged(): Promise<void> {
  const desired = Object.fromEntries(Object.entries(await desiredMembers(h.t)).filter(([, m]) => m.length > 0));
  expect(h.remoteMembers()).toEqual(desired);
  const names = await h.t.sql<{ id: string; name: string }>(`SELECT g.id, g.name FROM groups g WHERE EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = g.id)`);
  expect(h.remoteNames()).toEqual(Object.fromEntries(names.map((n) => [n.id, n.name])));
}

describe('a run converges RongCloud to the tables', () => {
  it('creates groups inserted one row at a time, with their members and names', async () => {
    await h.t.sql(`INSERT INTO groups (id, name) VALUES ('g1', 'Group one')`);
    await h.t.sql(`INSERT INTO group_members (group_id, user_id) VALUES ('g1', 'alice')`);
    await h.t.sql(`INSERT INTO group_members (group_id, user_id) VALUES ('g1', 'bob')`);
    const result = await h.run();
    expect(result.status).toBe('succeeded');
    expect(result.counts).toMatchObject({ checked: 1, drifted: 1, fixed: 1, failed: 0 });
    await expectConverged();
    expect(h.emulator.counts()['/group/create.json']).toBe(1);
    // The change log is drained and a second run costs nothing.
    expect(await h.t.sql(`SELECT count(*)::int AS n FROM rongsync_changes`)).toEqual([{ n: 0 }]);
    const before = h.emulator.counts()['total'];
    const again = await h.run();
    expect(again.counts.checked).toBe(0);
    expect(h.emulator.counts()['total']).toBe(before);
  });

  it('handles bulk inserts, renames, member moves, deletes and group deletes', async () => {
    await h.t.sql(`INSERT INTO groups (id, name) SELECT 'g' || i, 'Group ' || i FROM generate_series(1, 20) i`);
    await h.t.sql(`INSERT INTO group_members (group_id, user_id) SELECT 'g' || (i % 20 + 1), 'u' || i FROM generate_series(1, 400) i`);
    await h.run();
    await expectConverged();

    await h.t.sql(`UPDATE groups SET name = 'Renamed' WHERE id = 'g3'`);
    await h.t.sql(`DELETE FROM group_members WHERE group_id = 'g4' AND user_id IN ('u3', 'u23')`);
    await h.t.sql(`UPDATE group_members SET group_id = 'g6' WHERE group_id = 'g5' AND user_id = 'u4'`);
    await h.t.sql(`DELETE FROM groups WHERE id = 'g7'`);
    await h.t.sql(`INSERT INTO group_members (group_id, user_id) SELECT 'g8', 'new' || i FROM generate_series(1, 30) i`);
    const result = await h.run();
    expect(result.status).toBe('succeeded');
    await expectConverged();
    expect(h.emulator.state().groups['g7']?.members ?? []).toEqual([]);
  });

  it('dismisses a deleted group with its owner as the operator (remembered after the row is gone)', async () => {
    await h.t.sql(`INSERT INTO groups (id, name, owner_id) VALUES ('owned', 'O', 'alice'), ('ownerless', 'N', NULL), ('badowner', 'B', '  ')`);
    await h.t.sql(`INSERT INTO group_members SELECT g, 'm' || i FROM unnest(ARRAY['owned', 'ownerless', 'badowner']) g, generate_series(1, 8) i`);
    await h.run();
    await h.t.sql(`DELETE FROM groups WHERE id IN ('owned', 'ownerless', 'badowner')`);
    await h.run({ allowDeletes: true });
    expect(h.remoteMembers()).toEqual({});
    const operators = Object.fromEntries(
      h.emulator
        .calls()
        .filter((c) => c.path === '/group/dismiss.json' && c.status === 200)
        .map((c) => [c.params['groupId']?.[0], c.params['userId']?.[0]]),
    );
    // The owner when there is a valid one; RONGSYNC_DISMISS_OPERATOR otherwise.
    expect(operators).toEqual({ owned: 'alice', ownerless: 'rongsync', badowner: 'rongsync' });
  });

  it('follows a group id change: the old id is dismissed, the new one created', async () => {
    await h.t.sql(`INSERT INTO groups (id, name) VALUES ('old', 'G')`);
    await h.t.sql(`INSERT INTO group_members VALUES ('old', 'a'), ('old', 'b')`);
    await h.run();
    await h.t.sql(`UPDATE groups SET id = 'new' WHERE id = 'old'`);
    await h.run();
    await expectConverged();
    expect(Object.keys(h.remoteMembers())).toEqual(['new']);
  });

  it('TRUNCATE of both tables dismisses everything (with approval over the guard)', async () => {
    await h.t.sql(`INSERT INTO groups (id, name) SELECT 'g' || i, 'G' FROM generate_series(1, 5) i`);
    await h.t.sql(`INSERT INTO group_members SELECT 'g' || i, 'u' || i FROM generate_series(1, 5) i`);
    await h.run();
    await h.t.sql(`TRUNCATE groups CASCADE`);
    await h.run({ allowDeletes: true });
    expect(h.remoteMembers()).toEqual({});
  });

  it('uses one per-user sync where it saves calls', async () => {
    await h.t.sql(`INSERT INTO groups (id, name) SELECT 'g' || i, 'G' || i FROM generate_series(1, 6) i`);
    await h.t.sql(`INSERT INTO group_members SELECT 'g' || i, 'owner' || i FROM generate_series(1, 6) i`);
    await h.run();
    h.emulator.reset();
    // Re-seed the emulator with what it had, then add one user to all six groups.
    await h.run({ full: true });
    const before = { ...h.emulator.counts() };
    await h.t.sql(`INSERT INTO group_members SELECT 'g' || i, 'carol' FROM generate_series(1, 6) i`);
    const result = await h.run();
    expect(result.plannedCalls).toMatchObject({ sync: 1 });
    expect((h.emulator.counts()['/group/sync.json'] ?? 0) - (before['/group/sync.json'] ?? 0)).toBe(1);
    expect((h.emulator.counts()['/group/join.json'] ?? 0) - (before['/group/join.json'] ?? 0)).toBe(0);
    await expectConverged();
  });
});
