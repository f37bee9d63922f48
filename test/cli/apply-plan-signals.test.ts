// `apply` and `plan` (child processes) handle SIGTERM / SIGINT like `serve`: the run is aborted —
// calls in flight finish and are recorded, nothing new starts — and the process exits 143 / 130.
// What RongCloud holds afterwards is exactly what the shadow says, so the next apply repeats no
// write and converges. (Without handlers Node dies on the signal mid-write; as PID 1 in a
// container it ignored SIGTERM altogether.)
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHarness, desiredMembers, type Harness } from '../helpers/reconcile.js';
import { startCli } from '../helpers/serve-process.js';
import { waitFor } from '../helpers/wait.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

/** The shadow's members per group (groups it believes exist). */
async function shadow(): Promise<Record<string, string[]>> {
  const rows = await h.t.sql<{ group_id: string; members: string[] }>(`SELECT group_id, members FROM rongsync_remote_groups WHERE member_count > 0`);
  return Object.fromEntries(rows.map((r) => [r.group_id, [...r.members].sort()]));
}
const sortedEntries = (o: Record<string, string[]>) => Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1));

it('apply: SIGTERM mid-run exits 143; the emulator matches the shadow; the next apply finishes without repeating a write', async () => {
  await h.t.sql(`INSERT INTO groups (id, name) SELECT 't' || i, 'T' || i FROM generate_series(1, 60) i`);
  await h.t.sql(`INSERT INTO group_members SELECT 't' || i, 'u' || i FROM generate_series(1, 60) i`);
  h.emulator.setFaults({ latencyMs: 200 });
  try {
    const apply = startCli(['apply'], { ...h.env, RONGSYNC_SYNC_CALLS: 'false', RONGCLOUD_CONCURRENCY: '4' });
    await waitFor(() => h.emulator.calls().length >= 4, 'apply to be writing', 60_000, 10);
    apply.child.kill('SIGTERM');
    expect(await apply.exited()).toBe(143);
    expect(apply.logged('received SIGTERM: stopping the run')).toHaveLength(1);
    const done = h.emulator.calls().filter((c) => c.status === 200).length;
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(60); // it stopped early…
    // …and consistently: every write that reached RongCloud is in the shadow, and only those.
    expect(sortedEntries(await shadow())).toEqual(sortedEntries(h.remoteMembers()));
    const [run] = await h.t.sql<{ status: string }>(`SELECT status FROM rongsync_runs ORDER BY id DESC LIMIT 1`);
    expect(run!.status).toBe('aborted');
  } finally {
    h.emulator.setFaults({});
  }
  await h.run();
  expect(sortedEntries(h.remoteMembers())).toEqual(sortedEntries(await desiredMembers(h.t)));
  const creates = h.emulator.calls().filter((c) => c.path === '/group/create.json' && c.status === 200);
  expect(creates).toHaveLength(60); // one per group: nothing repeated
}, 120_000);

it('plan: SIGINT mid-run exits 130 and writes nothing', async () => {
  // Reads of a batch are not cut short by the signal (the run stops after them): keep them short.
  h.emulator.setFaults({ latencyMs: 100, paths: ['/group/user/query.json'] });
  try {
    const before = h.emulator.calls().length;
    const plan = startCli(['plan', '--full'], { ...h.env, RONGCLOUD_CONCURRENCY: '8' });
    await waitFor(() => h.emulator.calls().length > before, 'plan to be reading', 60_000, 10);
    plan.child.kill('SIGINT');
    expect(await plan.exited()).toBe(130);
    expect(plan.logged('received SIGINT: stopping the run')).toHaveLength(1);
    expect(h.emulator.calls().slice(before).every((c) => c.path === '/group/user/query.json' || c.path === '/user/group/query.json')).toBe(true);
  } finally {
    h.emulator.setFaults({});
  }
}, 120_000);
