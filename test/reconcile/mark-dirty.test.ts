// markDirty is the one way rongsync marks groups for the next run (operator release/resume, drift a
// run leaves behind): a change row with who asked, and the NOTIFY that wakes `serve` — both only
// when the surrounding transaction commits.
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { markDirty } from '../../src/store/change-log.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { listenForChanges, type ChangeNotifications } from '../helpers/notifications.js';

let t: TestDatabase;
let heard: ChangeNotifications;
beforeAll(async () => {
  t = await createTestDatabase();
  heard = await listenForChanges(t);
});
afterAll(async () => {
  await heard.close();
  await t.drop();
});
beforeEach(async () => {
  await t.sql('DELETE FROM rongsync_changes');
  await heard.settle();
});

const rows = () => t.sql('SELECT group_id, source, op FROM rongsync_changes ORDER BY id');

it('writes one change row per group, naming who asked, and notifies', async () => {
  await markDirty(t.db.prisma, ['g1', 'g2'], 'DRIFT');
  await markDirty(t.db.prisma, ['g3'], 'RESUME');
  expect(await rows()).toEqual([
    { group_id: 'g1', source: 'rongsync', op: 'DRIFT' },
    { group_id: 'g2', source: 'rongsync', op: 'DRIFT' },
    { group_id: 'g3', source: 'operator', op: 'RESUME' },
  ]);
  expect(await heard.settle()).toEqual(['g1', 'g2', 'g3']);
});

it('inside a transaction: nothing, not even the NOTIFY, unless it commits', async () => {
  await t.db.prisma
    .$transaction(async (tx) => {
      await markDirty(tx, ['rolled-back'], 'RELEASE');
      throw new Error('abort');
    })
    .catch(() => {});
  expect(await rows()).toEqual([]);
  expect(await heard.settle()).toEqual([]);

  await t.db.prisma.$transaction(async (tx) => markDirty(tx, ['kept'], 'RELEASE'));
  expect(await rows()).toEqual([{ group_id: 'kept', source: 'operator', op: 'RELEASE' }]);
  expect(await heard.settle()).toEqual(['kept']);
});

it('does nothing for no groups', async () => {
  await markDirty(t.db.prisma, [], 'DRIFT');
  expect(await rows()).toEqual([]);
  expect(await heard.settle()).toEqual([]);
});
