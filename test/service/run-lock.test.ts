// Runs never overlap, whichever process starts them: a second run waits for the first (here two
// runs of one harness, each with its own lock session — the same lock a `serve` and a manual
// `apply` in two processes take), so a change is applied once, not once per run. A run whose lock
// session is lost (the server ended it, or it went silent) is told at once and stops: another
// process may already hold the lock.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { silentLogger } from '../../src/log/logger.js';
import { RunLockLostError, sessionRunLock } from '../../src/service/run-lock.js';
import { createHarness, type Harness } from '../helpers/reconcile.js';
import { startTcpProxy, targetOf } from '../helpers/tcp-proxy.js';
import { waitFor } from '../helpers/wait.js';

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

it('a run whose lock session is ended stops at once and is recorded failed with the reason', async () => {
  await h.t.sql(`INSERT INTO groups (id, name) SELECT 'lost' || i, 'L' FROM generate_series(1, 30) i`);
  await h.t.sql(`INSERT INTO group_members SELECT 'lost' || i, 'u' || i FROM generate_series(1, 30) i`);
  h.emulator.setFaults({ latencyMs: 200 });
  try {
    const before = h.emulator.calls().length;
    const running = h.run({ batchSize: 1000 });
    await waitFor(() => h.emulator.calls().length > before, 'the run to be writing', 20_000, 10);
    const [{ n }] = (await h.t.sql<{ n: number }>(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'rongsync-runlock'`,
    )) as [{ n: number }];
    expect(n).toBe(1);
    const callsAtKill = h.emulator.calls().length;
    const result = await running;
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/^lost the run lock, so the run stopped: lost the database connection to .* \(terminating connection due to administrator command\)$/);
    // Only calls already in flight finished (the harness allows 16 at once).
    expect(h.emulator.calls().length - callsAtKill).toBeLessThanOrEqual(16);
    const [row] = await h.t.sql<{ status: string; error: string }>(`SELECT status, error FROM rongsync_runs WHERE id = $1`, [result.runId]);
    expect(row).toEqual({ status: 'failed', error: result.error });
  } finally {
    h.emulator.setFaults({});
  }
  // The lock is free again and the next run finishes the work.
  const next = await h.run();
  expect(next.status).toBe('succeeded');
  expect(Object.keys(h.remoteMembers()).filter((id) => id.startsWith('lost'))).toHaveLength(30);
});

it('a lock session that goes silent (network cut) is noticed by the periodic check', async () => {
  const proxy = await startTcpProxy(targetOf(h.t.url));
  try {
    const lock = sessionRunLock(proxy.url(h.t.url), silentLogger, { checkMs: 100, queryTimeoutMs: 300 });
    const held = await lock.acquire();
    expect(held.lost.aborted).toBe(false);
    proxy.freeze(); // neither end sees a close
    await waitFor(() => held.lost.aborted, 'the holder to be told', 5_000);
    expect(held.lost.reason).toBeInstanceOf(RunLockLostError);
    await held.release();
  } finally {
    await proxy.close();
  }
  await h.t.sql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'rongsync-runlock'`);
});
