// The change log under concurrent app transactions: change ids are taken when a statement runs,
// not when its transaction commits, so a run must acknowledge exactly the rows it read — never
// "everything up to the highest id" — or a transaction that wrote first and committed during the
// run would be acknowledged without ever being applied.
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHarness, type Harness } from '../helpers/reconcile.js';
import { waitFor } from '../helpers/wait.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

it('a change committed during a run, with a lower id than one the run read, is not lost', async () => {
  await h.t.sql(`INSERT INTO groups (id, name) VALUES ('G', 'G')`);
  await h.t.sql(`INSERT INTO group_members VALUES ('G', 'x')`);
  await h.run();
  expect(h.remoteMembers()).toEqual({ G: ['x'] });

  const a = new pg.Client({ connectionString: h.t.url });
  await a.connect();
  try {
    await a.query('BEGIN');
    await a.query(`INSERT INTO group_members VALUES ('G', 'a')`); // change id n, not yet committed
    await h.t.sql(`INSERT INTO group_members VALUES ('G', 'b')`); // change id n+1, committed

    // The remote answers slowly, so the app's first transaction commits while the run is in flight:
    // the run has read the change log and the tables (its invite of 'b' reached RongCloud, which
    // applies a call when it arrives) and has not acknowledged yet.
    h.emulator.setFaults({ latencyMs: 400 });
    const run = h.run();
    await waitFor(() => h.remoteMembers()['G']?.includes('b'), "the run's invite of b");
    await a.query('COMMIT');
    const first = await run;
    h.emulator.setFaults({});
    expect(first.status).toBe('succeeded');
    expect(h.remoteMembers()).toEqual({ G: ['b', 'x'] }); // 'a' was not visible to this run

    // Its change row is still there, so the next run picks the group up and applies 'a'.
    expect(await h.t.sql(`SELECT group_id FROM rongsync_changes`)).toEqual([{ group_id: 'G' }]);
    const second = await h.run();
    expect(second.counts.checked).toBe(1);
    expect(h.remoteMembers()).toEqual({ G: ['a', 'b', 'x'] });
    expect(await h.t.sql(`SELECT group_id FROM rongsync_changes`)).toEqual([]);
  } finally {
    await a.end();
  }
});
