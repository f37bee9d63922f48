// The shadow store: writes of every kind, concurrent per-user syncs, and one member-hash
// definition shared by TypeScript and SQL.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { membersHash, sortIds } from '../../src/reconcile/members.js';
import { loadShadow, recordReads, recordWrite } from '../../src/reconcile/shadow.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());
beforeEach(() => t.sql('TRUNCATE rongsync_remote_groups'));

const at = new Date('2026-11-25T12:00:00Z');
const shadow = async (...ids: string[]) => loadShadow(t.db.prisma, ids);

describe('shadow store', () => {
  it('records create, invite, kick, refresh and dismiss', async () => {
    const p = t.db.prisma;
    await recordWrite(p, { kind: 'create', groupId: 'g', name: 'G', memberIds: ['b', 'a'] }, at);
    await recordWrite(p, { kind: 'invite', groupId: 'g', memberIds: ['c', 'a'] }, at);
    await recordWrite(p, { kind: 'kick', groupId: 'g', memberIds: ['b'] }, at);
    await recordWrite(p, { kind: 'refresh', groupId: 'g', name: 'New' }, at);
    expect((await shadow('g')).get('g')).toMatchObject({ name: 'New', members: ['a', 'c'], createdByRongsync: true, writtenAt: at });
    await recordWrite(p, { kind: 'dismiss', groupId: 'g' }, at);
    expect((await shadow('g')).size).toBe(0);
  });

  it('a sync joins the listed groups, names those it creates, and leaves every other group', async () => {
    const p = t.db.prisma;
    await recordWrite(p, { kind: 'create', groupId: 'old', name: 'Old', memberIds: ['u', 'v'] }, at);
    await recordWrite(p, { kind: 'create', groupId: 'kept', name: 'Kept', memberIds: ['v'] }, at);
    await recordWrite(p, { kind: 'sync', userId: 'u', groups: [{ id: 'kept', name: 'Ignored' }, { id: 'new', name: 'New' }] }, at);
    const s = await shadow('old', 'kept', 'new');
    expect(s.get('old')).toMatchObject({ members: ['v'], name: 'Old' });
    expect(s.get('kept')).toMatchObject({ members: ['u', 'v'], name: 'Kept' });
    expect(s.get('new')).toMatchObject({ members: ['u'], name: 'New', createdByRongsync: true });
  });

  it('concurrent syncs over the same new groups lose no member', async () => {
    const groups = ['x1', 'x2', 'x3', 'x4'].map((id) => ({ id, name: id.toUpperCase() }));
    const users = Array.from({ length: 20 }, (_, i) => `user${i}`);
    await Promise.all(users.map((u) => recordWrite(t.db.prisma, { kind: 'sync', userId: u, groups }, at)));
    const s = await shadow('x1', 'x2', 'x3', 'x4');
    for (const g of groups) expect(s.get(g.id)!.members).toEqual(sortIds(users));
  });

  it('concurrent invites, kicks and syncs on the same new group lose no member (one statement each, no lost update)', async () => {
    const users = Array.from({ length: 30 }, (_, i) => `m${i}`);
    const syncs = Array.from({ length: 10 }, (_, i) => `s${i}`);
    await Promise.all([
      ...users.map((u) => recordWrite(t.db.prisma, { kind: 'invite', groupId: 'hot', memberIds: [u, 'gone'] }, at)),
      ...syncs.map((u) => recordWrite(t.db.prisma, { kind: 'sync', userId: u, groups: [{ id: 'hot', name: 'Hot' }] }, at)),
    ]);
    await recordWrite(t.db.prisma, { kind: 'kick', groupId: 'hot', memberIds: ['gone'] }, at);
    const hot = (await shadow('hot')).get('hot')!;
    expect(hot.members).toEqual(sortIds([...users, ...syncs]));
    const [row] = await t.sql<{ member_count: number; members_hash: string }>(`SELECT member_count, members_hash FROM rongsync_remote_groups WHERE group_id = 'hot'`);
    expect(row).toEqual({ member_count: 40, members_hash: membersHash(hot.members) });
  });

  it('settles the in-doubt mark in the statement that records the write: one of two pending, then none', async () => {
    await t.sql(`TRUNCATE rongsync_in_doubt`);
    await t.sql(`INSERT INTO rongsync_in_doubt (group_id, run_id, pending, calls, marked_at) VALUES ('d', 1, 2, '{}', now())`);
    await recordWrite(t.db.prisma, { kind: 'create', groupId: 'd', name: 'D', memberIds: ['a'] }, at, ['d']);
    expect(await t.sql(`SELECT pending FROM rongsync_in_doubt WHERE group_id = 'd'`)).toEqual([{ pending: 1 }]);
    await recordWrite(t.db.prisma, { kind: 'refresh', groupId: 'd', name: 'D2' }, at, ['d']);
    expect(await t.sql(`SELECT pending FROM rongsync_in_doubt WHERE group_id = 'd'`)).toEqual([]);
    expect((await shadow('d')).get('d')).toMatchObject({ name: 'D2', members: ['a'], createdByRongsync: true });
  });

  it('computes the member hash the same way in TypeScript (reads, single-group writes) and SQL (syncs)', async () => {
    // Byte order ("C" collation) differs from code-unit and locale order for these ids.
    const ids = ['é', 'z', 'Z', '😀', 'ｱ', 'a b', 'a'];
    // (Syncs first: a sync takes its user out of every group it doesn't list.)
    for (const u of ids) await recordWrite(t.db.prisma, { kind: 'sync', userId: u, groups: [{ id: 'synced', name: 'S' }] }, at);
    await recordReads(t.db.prisma, [{ groupId: 'read', members: ids, name: 'R' }], at);
    await recordWrite(t.db.prisma, { kind: 'create', groupId: 'created', name: 'C', memberIds: ids }, at);
    const rows = await t.sql<{ group_id: string; members: string[]; members_hash: string; sql_hash: string }>(
      `SELECT group_id, members, members_hash,
              md5(array_to_string(ARRAY(SELECT m FROM unnest(members) m ORDER BY m COLLATE "C"), E'\\n')) AS sql_hash
         FROM rongsync_remote_groups ORDER BY group_id`,
    );
    const expected = membersHash(sortIds(ids));
    expect(rows.map((r) => [r.group_id, r.members_hash, r.sql_hash])).toEqual([
      ['created', expected, expected],
      ['read', expected, expected],
      ['synced', expected, expected],
    ]);
    for (const r of rows) expect(r.members).toEqual(sortIds(ids));
  });

  it('a read keeps the written name and forgets a group that is gone', async () => {
    await recordWrite(t.db.prisma, { kind: 'create', groupId: 'g', name: 'G', memberIds: ['a'] }, at);
    await recordReads(t.db.prisma, [{ groupId: 'g', members: ['a', 'b'], name: 'G' }, { groupId: 'gone', members: [], name: 'X' }], at);
    const s = await shadow('g', 'gone');
    expect(s.get('g')).toMatchObject({ members: ['a', 'b'], name: 'G', createdByRongsync: true, readAt: at, writtenAt: at });
    expect(s.get('gone')).toMatchObject({ members: [], name: null, createdByRongsync: false, readAt: at });
  });
});
