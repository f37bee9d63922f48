// A per-user sync replaces the user's whole remote group list, so it may only be chosen when it
// writes nothing the planner has not planned and counted: no removal in a group outside the batch
// (the deletion guard would never see it), no write to a group too big to reconcile, no request
// body over RongCloud's limit.
import { expect, it } from 'vitest';
import { createHarness } from '../helpers/reconcile.js';

const holding = (members: Record<string, string[]>, user: string) =>
  Object.entries(members)
    .filter(([, m]) => m.includes(user))
    .map(([g]) => g)
    .sort();

it('a sync in one batch does not remove the user from groups of later batches past the guard', async () => {
  const h = await createHarness({ RONGSYNC_MAX_DELETES: '2', RONGSYNC_MAX_DELETE_SHARE: '0.9' });
  try {
    await h.t.sql(`INSERT INTO groups (id, name) SELECT g, g FROM unnest(ARRAY['A1', 'A2', 'B1', 'B2']) g`);
    await h.t.sql(`INSERT INTO group_members SELECT g, 'm' || i FROM unnest(ARRAY['A1', 'A2', 'B1', 'B2']) g, generate_series(1, 10) i`);
    await h.t.sql(`INSERT INTO group_members SELECT g, 'u' FROM unnest(ARRAY['A1', 'A2', 'B1', 'B2']) g`);
    await h.run();
    await h.t.sql(`DELETE FROM group_members WHERE user_id = 'u'`); // 4 removals; the run may make 2

    const r = await h.run({ trigger: 'change', batchSize: 2 });
    expect(r.plannedCalls['sync']).toBe(0);
    expect(r.blocked).not.toBeNull();
    expect(holding(h.remoteMembers(), 'u')).toEqual(['B1', 'B2']); // the first batch's 2 kicks, no more

    await h.run({ trigger: 'change', allowDeletes: true });
    expect(holding(h.remoteMembers(), 'u')).toEqual([]);
  } finally {
    await h.close();
  }
});

it('a sync never writes a group that is over the members-per-group limit', async () => {
  const h = await createHarness({ RONGCLOUD_MAX_MEMBERS_PER_GROUP: '3' });
  try {
    await h.t.sql(`INSERT INTO groups (id, name) VALUES ('A1', 'A1'), ('A2', 'A2'), ('BIG', 'Big')`);
    await h.t.sql(`INSERT INTO group_members VALUES ('A1', 'u'), ('A1', 'x'), ('A2', 'u'), ('A2', 'y')`);
    await h.t.sql(`INSERT INTO group_members SELECT 'BIG', 'b' || i FROM generate_series(1, 3) i UNION ALL SELECT 'BIG', 'u'`);
    const first = await h.run();
    expect(first.items.find((i) => i.groupId === 'BIG')).toMatchObject({ kind: 'invalid' });
    await h.t.sql(`DELETE FROM group_members WHERE user_id = 'u' AND group_id IN ('A1', 'A2')`);

    const second = await h.run({ trigger: 'change' });
    expect(second.plannedCalls['sync']).toBe(0);
    expect(h.remoteMembers()).toEqual({ A1: ['x'], A2: ['y'] }); // BIG was not created with 'u' alone
  } finally {
    await h.close();
  }
});
