// The shadow store: writes of every kind, concurrent per-user syncs, and one member-hash
// definition shared by TypeScript and SQL.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { membersHash, sortIds } from '../../src/reconcile/members.js';
import { loadShadow, recordReads, recordWrite, recordWrites } from '../../src/store/shadow.js';
import { createShadowWriter } from '../../src/store/shadow-writer.js';
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

describe('several writes in one statement', () => {
  it('records every kind in one batch and settles each group\'s marks by its own count', async () => {
    await t.sql(`TRUNCATE rongsync_in_doubt`);
    await recordWrites(t.db.prisma, [
      { write: { kind: 'create', groupId: 'k', name: 'K', memberIds: ['a', 'b', 'c'] }, at, release: [] },
      { write: { kind: 'create', groupId: 'd', name: 'D', memberIds: ['a'] }, at, release: [] },
      { write: { kind: 'create', groupId: 'r', name: 'R', memberIds: ['a'] }, at, release: [] },
    ]);
    await t.sql(`INSERT INTO rongsync_in_doubt (group_id, run_id, pending, calls, marked_at) VALUES ('k', 1, 2, '{}', now()), ('i', 1, 1, '{}', now()), ('r', 1, 1, '{}', now())`);
    const later = new Date('2026-11-25T12:00:05Z');
    await recordWrites(t.db.prisma, [
      { write: { kind: 'kick', groupId: 'k', memberIds: ['b', 'zz'] }, at: later, release: ['k'] },
      { write: { kind: 'invite', groupId: 'i', memberIds: ['y', 'x'], name: 'I' }, at: later, release: ['i'] },
      { write: { kind: 'dismiss', groupId: 'd' }, at: later, release: [] },
      { write: { kind: 'refresh', groupId: 'r', name: 'R2' }, at: later, release: ['r'] },
      { write: { kind: 'kick', groupId: 'nothing-known', memberIds: ['a'] }, at: later, release: [] },
      { write: { kind: 'refresh', groupId: 'unknown', name: 'U' }, at: later, release: [] },
    ]);
    const s = await shadow('k', 'i', 'd', 'r', 'nothing-known', 'unknown');
    expect(s.get('k')).toMatchObject({ members: ['a', 'c'], name: 'K', createdByRongsync: true, writtenAt: later });
    expect(s.get('i')).toMatchObject({ members: ['x', 'y'], name: 'I', createdByRongsync: true });
    expect(s.has('d')).toBe(false);
    expect(s.get('r')).toMatchObject({ members: ['a'], name: 'R2' });
    expect(s.get('nothing-known')).toMatchObject({ members: [], name: null, createdByRongsync: false });
    expect(s.get('unknown')).toMatchObject({ members: [], name: 'U', createdByRongsync: false });
    const [k] = await t.sql<{ member_count: number; members_hash: string }>(`SELECT member_count, members_hash FROM rongsync_remote_groups WHERE group_id = 'k'`);
    expect(k).toEqual({ member_count: 2, members_hash: membersHash(['a', 'c']) });
    // k had two writes pending and one settled; i and r had one each.
    expect(await t.sql(`SELECT group_id, pending FROM rongsync_in_doubt ORDER BY group_id`)).toEqual([{ group_id: 'k', pending: 1 }]);
  });

  it('refuses two writes to one group in a batch (their order would be lost)', async () => {
    await expect(
      recordWrites(t.db.prisma, [
        { write: { kind: 'create', groupId: 'g', name: 'G', memberIds: ['a'] }, at, release: [] },
        { write: { kind: 'kick', groupId: 'g', memberIds: ['a'] }, at, release: [] },
      ]),
    ).rejects.toThrow(/two writes to group "g"/);
  });

  it('the writer batches writes that arrive while a statement is in flight, in order per group', async () => {
    const writer = createShadowWriter(t.db.prisma);
    const ids = Array.from({ length: 60 }, (_, i) => `b${i}`);
    await Promise.all([
      ...ids.map((id) => writer.record({ kind: 'create', groupId: id, name: id, memberIds: ['a', id] }, at, [])),
      // Two more writes to b0, queued behind its create: applied after it, in this order.
      writer.record({ kind: 'invite', groupId: 'b0', memberIds: ['late'] }, at, []),
      writer.record({ kind: 'kick', groupId: 'b0', memberIds: ['a'] }, at, []),
    ]);
    const s = await shadow(...ids);
    for (const id of ids.slice(1)) expect(s.get(id)!.members).toEqual(sortIds(['a', id]));
    expect(s.get('b0')!.members).toEqual(['b0', 'late']);
    const { writes, statements } = writer.stats();
    expect(writes).toBe(62);
    // The first write goes alone; the rest wait for it and go out together (b0's later writes
    // each need a statement of their own).
    expect(statements).toBeLessThanOrEqual(5);
  });

  it('a write the database refuses fails alone; the others of its batch are recorded', async () => {
    const writer = createShadowWriter(t.db.prisma);
    const results = await Promise.allSettled([
      writer.record({ kind: 'create', groupId: 'first', name: 'F', memberIds: ['a'] }, at, []),
      writer.record({ kind: 'create', groupId: 'ok1', name: 'O', memberIds: ['a'] }, at, []),
      // A NUL character: Postgres text cannot hold it.
      writer.record({ kind: 'create', groupId: 'bad\u0000', name: 'B', memberIds: ['a'] }, at, []),
      writer.record({ kind: 'create', groupId: 'ok2', name: 'O', memberIds: ['a'] }, at, []),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect([...(await shadow('first', 'ok1', 'ok2')).keys()].sort()).toEqual(['first', 'ok1', 'ok2']);
  });
});
