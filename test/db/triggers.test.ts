// Change capture: every kind of app write marks exactly the affected groups in rongsync_changes
// and wakes a listener on channel rongsync_changes; rolled-back writes leave no trace.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { listenForChanges, type ChangeNotifications } from '../helpers/notifications.js';

let t: TestDatabase;
let notifications: ChangeNotifications;
const settle = () => notifications.settle();

beforeAll(async () => {
  t = await createTestDatabase();
  notifications = await listenForChanges(t);
});
afterAll(async () => {
  await notifications.close();
  await t.drop();
});
beforeEach(async () => {
  await t.sql('TRUNCATE group_members, groups, rongsync_remote_groups');
  await t.sql('DELETE FROM rongsync_changes');
  await settle();
});

async function logged(): Promise<Array<{ group_id: string; source: string; op: string }>> {
  return t.sql('SELECT group_id, source, op FROM rongsync_changes ORDER BY id');
}
async function dirtyGroups(): Promise<string[]> {
  const rows = await t.sql<{ group_id: string }>('SELECT DISTINCT group_id FROM rongsync_changes ORDER BY 1');
  return rows.map((r) => r.group_id);
}
async function reset(): Promise<void> {
  await t.sql('DELETE FROM rongsync_changes');
  await settle();
}

describe('change capture triggers', () => {
  it('single-row INSERTs of a group and a member mark that group and notify its id', async () => {
    await t.sql(`INSERT INTO groups (id, name) VALUES ('g1', 'One')`);
    await t.sql(`INSERT INTO group_members (group_id, user_id) VALUES ('g1', 'u1')`);
    expect(await logged()).toEqual([
      { group_id: 'g1', source: 'groups', op: 'INSERT' },
      { group_id: 'g1', source: 'group_members', op: 'INSERT' },
    ]);
    expect(await settle()).toEqual(['g1', 'g1']);
  });

  it('a bulk INSERT writes one log row per distinct group, not per row', async () => {
    await t.sql(`INSERT INTO groups (id, name) SELECT 'g' || i, 'G' || i FROM generate_series(1, 3) i`);
    await reset();
    await t.sql(`INSERT INTO group_members (group_id, user_id) SELECT 'g' || (i % 3 + 1), 'u' || i FROM generate_series(1, 300) i`);
    expect(await logged()).toHaveLength(3);
    expect(await dirtyGroups()).toEqual(['g1', 'g2', 'g3']);
    expect((await settle()).sort()).toEqual(['g1', 'g2', 'g3']);
  });

  it('a transaction of many single-row writes to one group notifies once (Postgres folds duplicates)', async () => {
    await t.sql(`INSERT INTO groups (id, name) VALUES ('g1', 'One')`);
    await reset();
    await t.sql(`BEGIN; ${Array.from({ length: 50 }, (_, i) => `INSERT INTO group_members VALUES ('g1', 'u${i}');`).join(' ')} COMMIT;`);
    expect(await logged()).toHaveLength(50);
    expect(await settle()).toEqual(['g1']);
  });

  it('UPDATE of a name marks that group only', async () => {
    await t.sql(`INSERT INTO groups (id, name) VALUES ('g1', 'One'), ('g2', 'Two')`);
    await reset();
    await t.sql(`UPDATE groups SET name = 'Uno' WHERE id = 'g1'`);
    expect(await logged()).toEqual([{ group_id: 'g1', source: 'groups', op: 'UPDATE' }]);
    expect(await settle()).toEqual(['g1']);
  });

  it('UPDATE of a group id marks the old and the new id (members follow by cascade)', async () => {
    await t.sql(`INSERT INTO groups (id, name) VALUES ('old', 'G'), ('other', 'O')`);
    await t.sql(`INSERT INTO group_members VALUES ('old', 'u1'), ('old', 'u2')`);
    await reset();
    await t.sql(`UPDATE groups SET id = 'new' WHERE id = 'old'`);
    expect(await dirtyGroups()).toEqual(['new', 'old']);
    const rows = await logged();
    expect(rows.filter((r) => r.source === 'groups').map((r) => r.group_id).sort()).toEqual(['new', 'old']);
    expect(rows.filter((r) => r.source === 'group_members').map((r) => r.group_id).sort()).toEqual(['new', 'old']);
    expect(await t.sql(`SELECT group_id FROM group_members ORDER BY user_id`)).toEqual([{ group_id: 'new' }, { group_id: 'new' }]);
    // One transaction: Postgres folds the duplicate payloads of both tables' triggers.
    expect((await settle()).sort()).toEqual(['new', 'old']);
  });

  it('UPDATE of a member row to another group marks both groups', async () => {
    await t.sql(`INSERT INTO groups (id, name) VALUES ('a', 'A'), ('b', 'B'), ('c', 'C')`);
    await t.sql(`INSERT INTO group_members VALUES ('a', 'u1')`);
    await reset();
    await t.sql(`UPDATE group_members SET group_id = 'b' WHERE group_id = 'a'`);
    expect(await dirtyGroups()).toEqual(['a', 'b']);
  });

  it('DELETE of members marks their groups', async () => {
    await t.sql(`INSERT INTO groups (id, name) VALUES ('a', 'A'), ('b', 'B'), ('c', 'C')`);
    await t.sql(`INSERT INTO group_members VALUES ('a', 'u1'), ('b', 'u1'), ('c', 'u2')`);
    await reset();
    await t.sql(`DELETE FROM group_members WHERE user_id = 'u1'`);
    expect(await logged()).toEqual([
      { group_id: 'a', source: 'group_members', op: 'DELETE' },
      { group_id: 'b', source: 'group_members', op: 'DELETE' },
    ]);
  });

  it('DELETE of a group marks it once per table (its members go by cascade)', async () => {
    await t.sql(`INSERT INTO groups (id, name) VALUES ('a', 'A'), ('b', 'B')`);
    await t.sql(`INSERT INTO group_members VALUES ('a', 'u1'), ('a', 'u2'), ('b', 'u3')`);
    await reset();
    await t.sql(`DELETE FROM groups WHERE id = 'a'`);
    expect(await logged()).toEqual(
      expect.arrayContaining([
        { group_id: 'a', source: 'group_members', op: 'DELETE' },
        { group_id: 'a', source: 'groups', op: 'DELETE' },
      ]),
    );
    expect(await logged()).toHaveLength(2);
    expect(await t.sql(`SELECT count(*)::int AS n FROM group_members`)).toEqual([{ n: 1 }]);
  });

  it('TRUNCATE group_members marks every group that had members and every remote-known group', async () => {
    await t.sql(`INSERT INTO groups (id, name) VALUES ('a', 'A'), ('b', 'B'), ('empty', 'E')`);
    await t.sql(`INSERT INTO group_members VALUES ('a', 'u1'), ('b', 'u2')`);
    await t.sql(`INSERT INTO rongsync_remote_groups (group_id, members_hash) VALUES ('remote-only', 'x')`);
    await reset();
    await t.sql(`TRUNCATE group_members`);
    expect(await dirtyGroups()).toEqual(['a', 'b', 'remote-only']);
    expect(new Set(await logged()).size).toBe(3);
    expect((await settle()).sort()).toEqual(['a', 'b', 'remote-only']);
  });

  it('TRUNCATE groups CASCADE marks every group', async () => {
    await t.sql(`INSERT INTO groups (id, name) VALUES ('a', 'A'), ('b', 'B')`);
    await t.sql(`INSERT INTO group_members VALUES ('a', 'u1')`);
    await t.sql(`INSERT INTO rongsync_remote_groups (group_id, members_hash) VALUES ('gone', 'x')`);
    await reset();
    await t.sql(`TRUNCATE groups CASCADE`);
    expect(await dirtyGroups()).toEqual(['a', 'b', 'gone']);
    expect((await logged()).every((r) => r.op === 'TRUNCATE')).toBe(true);
  });

  it('a rolled-back transaction leaves no log rows and sends no notification', async () => {
    await t.sql(`INSERT INTO groups (id, name) VALUES ('a', 'A')`);
    await reset();
    await t.sql(`BEGIN; INSERT INTO groups (id, name) VALUES ('b', 'B'); INSERT INTO group_members VALUES ('a', 'u1'); DELETE FROM groups WHERE id = 'a'; ROLLBACK;`);
    expect(await logged()).toEqual([]);
    expect(await settle()).toEqual([]);
  });

  it('a statement that touches no row records nothing', async () => {
    await t.sql(`UPDATE groups SET name = 'x' WHERE id = 'nope'`);
    await t.sql(`DELETE FROM group_members WHERE user_id = 'nope'`);
    expect(await logged()).toEqual([]);
    expect(await settle()).toEqual([]);
  });

  it('a 100k-row insert over many groups sends one "*" wake-up, not 100k notifications', async () => {
    await t.sql(`INSERT INTO groups (id, name) SELECT 'g' || i, 'G' || i FROM generate_series(1, 1000) i`);
    await reset();
    await t.sql(`INSERT INTO group_members (group_id, user_id) SELECT 'g' || (i % 1000 + 1), 'u' || i FROM generate_series(1, 100000) i`);
    expect(await settle()).toEqual(['*']);
    expect(await t.sql(`SELECT count(*)::int AS n, count(DISTINCT group_id)::int AS d FROM rongsync_changes`)).toEqual([{ n: 1000, d: 1000 }]);
  });

  it('never fails the app write over a group id too long for a NOTIFY payload', async () => {
    const long = 'x'.repeat(9000);
    await t.sql(`INSERT INTO groups (id, name) VALUES ($1, 'Long')`, [long]);
    expect(await settle()).toEqual(['*']);
    expect(await dirtyGroups()).toEqual([long]);
  });
});
