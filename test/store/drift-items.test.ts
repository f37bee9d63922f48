// The drift-item store: a batch's items written as the report reads them back, every field kept.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { driftHistory, writeDriftItems } from '../../src/store/drift-items.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

it('writes every field of each item under its run, in slices; a reason quoting a NUL is kept', async () => {
  const [{ id: runId }] = (await t.sql<{ id: number }>(`INSERT INTO rongsync_runs (trigger, mode, status) VALUES ('manual', 'apply', 'running') RETURNING id`)) as [{ id: number }];
  const seen = new Date('2026-11-30T10:00:00.123Z');
  const many = Array.from({ length: 1201 }, (_, i) => ({
    groupId: `g${i}`,
    kind: 'missing_group' as const,
    outcome: 'fixed' as const,
    missingMembers: ['a', `u${i}`],
    extraMembers: [],
    desiredName: `名前 ${i}`,
    remoteName: null,
    reason: null,
    errorCode: null,
    firstSeenAt: seen,
  }));
  const failed = { ...many[0]!, groupId: 'bad', kind: 'members' as const, outcome: 'failed' as const, missingMembers: [], extraMembers: ['x', 'y'], remoteName: 'R', reason: 'refused: "a\u0000b"', errorCode: 1002 };
  await writeDriftItems(t.db.prisma, runId, [...many, failed]);
  expect(await t.sql(`SELECT count(*)::int AS n FROM rongsync_drift_items WHERE run_id = $1`, [runId])).toEqual([{ n: 1202 }]);
  expect((await driftHistory(t.db.prisma, 'g1200'))[0]).toMatchObject({ runId, kind: 'missing_group', outcome: 'fixed', missingMembers: ['a', 'u1200'], extraMembers: [], reason: null, errorCode: null });
  expect(await driftHistory(t.db.prisma, 'bad')).toEqual([
    expect.objectContaining({ runId, kind: 'members', outcome: 'failed', missingMembers: [], extraMembers: ['x', 'y'], reason: 'refused: "a\uFFFDb"', errorCode: 1002 }),
  ]);
  expect(await t.sql(`SELECT desired_name, remote_name, first_seen_at FROM rongsync_drift_items WHERE group_id = 'bad'`)).toEqual([{ desired_name: '名前 0', remote_name: 'R', first_seen_at: seen }]);
});
