// Groups must not get stuck: a failed group is read again before it is retried (its shadow may
// be what made it fail), and ids the client can never read do not starve the verification slice.
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { collectRun, createHarness, type Harness } from '../helpers/reconcile.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());
beforeEach(async () => {
  await h.t.reset();
  h.emulator.reset();
});

it('a group whose call failed because the shadow was stale is read on retry and converges', async () => {
  await h.t.sql(`INSERT INTO groups (id, name) VALUES ('G', 'Old')`);
  await h.t.sql(`INSERT INTO group_members VALUES ('G', 'a')`);
  await h.run();
  await h.stranger.kick({ id: 'G', memberIds: ['a'] }); // emptied behind rongsync's back: the group is gone
  await h.t.sql(`UPDATE groups SET name = 'New' WHERE id = 'G'`);

  let now = Date.now();
  const deps = { ...h.deps, clock: () => new Date(now) };
  const first = await collectRun(deps, { trigger: 'change', mode: 'apply' });
  // Planned from the shadow (no read): a rename of a group that no longer exists fails.
  expect(first.items.find((i) => i.groupId === 'G')).toMatchObject({ outcome: 'failed' });

  now += 2 * 3600_000; // past any backoff
  const second = await collectRun(deps, { trigger: 'cron', mode: 'apply' });
  expect(second.items.find((i) => i.groupId === 'G')).toMatchObject({ outcome: 'fixed' });
  expect(h.remoteMembers()).toEqual({ G: ['a'] });
  expect(h.remoteNames()).toEqual({ G: 'New' });
  const [state] = await h.t.sql<{ consecutive_failures: number; q: boolean }>(
    `SELECT consecutive_failures, quarantined_at IS NOT NULL AS q FROM rongsync_group_state WHERE group_id = 'G'`,
  );
  expect(state).toEqual({ consecutive_failures: 0, q: false });
});

it('unreadable group ids (over the limit) do not starve the verification slice', async () => {
  await h.t.sql(`INSERT INTO groups (id, name) SELECT 'g' || i, 'n' FROM generate_series(1, 6) i`);
  await h.t.sql(`INSERT INTO group_members SELECT 'g' || i, 'u' || i FROM generate_series(1, 6) i`);
  await h.t.sql(`INSERT INTO groups (id, name) VALUES (repeat('0', 31), 'too long 1'), (repeat('1', 31), 'too long 2')`);
  await h.run();
  const reads = async () =>
    (await h.t.sql<{ n: number }>(`SELECT count(*)::int AS n FROM rongsync_remote_calls WHERE endpoint = '/group/user/query.json'`))[0]!.n;
  const before = await reads();
  // Three slices of 2 cover the six readable groups; the two long ids (sorting first, never read)
  // must not take the slots.
  for (let i = 0; i < 3; i++) await h.run({ trigger: 'cron', verify: 2 });
  expect((await reads()) - before).toBe(6);
  const [{ n }] = (await h.t.sql<{ n: number }>(`SELECT count(*)::int AS n FROM rongsync_remote_groups WHERE read_at IS NOT NULL`)) as [{ n: number }];
  expect(n).toBe(6);
});
