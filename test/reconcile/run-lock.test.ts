// Runs never overlap, whichever process starts them: a second run waits for the first (here two
// runs of one harness, each on its own pooled connection — the same lock a `serve` and a manual
// `apply` in two processes take), so a change is applied once, not once per run.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHarness, type Harness } from '../helpers/reconcile.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

it('a second run waits for the first and finds nothing left to do', async () => {
  await h.t.sql(`INSERT INTO groups (id, name) VALUES ('once', 'Once')`);
  await h.t.sql(`INSERT INTO group_members VALUES ('once', 'a'), ('once', 'b')`);
  h.emulator.setFaults({ latencyMs: 300 });
  try {
    const [first, second] = await Promise.all([h.run(), new Promise((r) => setTimeout(r, 50)).then(() => h.run())]);
    const rows = await h.t.sql<{ id: number; started_at: Date; finished_at: Date }>(
      `SELECT id, started_at, finished_at FROM rongsync_runs WHERE id = ANY($1::int[]) ORDER BY id`,
      [[first.runId, second.runId]],
    );
    expect(rows).toHaveLength(2);
    expect(rows[1]!.started_at.getTime()).toBeGreaterThanOrEqual(rows[0]!.finished_at.getTime());
    expect(first.counts.fixed + second.counts.fixed).toBe(1);
    expect(h.emulator.counts()['/group/create.json']).toBe(1);
    expect(h.remoteMembers()).toEqual({ once: ['a', 'b'] });
  } finally {
    h.emulator.setFaults({});
  }
});

it('a run waiting for the lock can be aborted', async () => {
  await h.t.sql(`INSERT INTO groups (id, name) VALUES ('slow', 'Slow')`);
  await h.t.sql(`INSERT INTO group_members VALUES ('slow', 'a')`);
  h.emulator.setFaults({ latencyMs: 500 });
  try {
    const holder = h.run();
    await new Promise((r) => setTimeout(r, 50));
    const abort = new AbortController();
    const waiting = h.run({ signal: abort.signal }).then(
      () => 'ran',
      (e: unknown) => (e as Error).message,
    );
    setTimeout(() => abort.abort(), 100);
    expect(await waiting).toMatch(/aborted while waiting/);
    await holder;
  } finally {
    h.emulator.setFaults({});
  }
});
