// A lost database connection is a failed run, never a crash. Each session rongsync holds — the
// pool's connections, the run lock, the leader lock, LISTEN — is ended by the server
// (pg_terminate_backend, found by application_name) while a run is in flight: the process stays
// up, the run is recorded with a final status (failed, with the reason, when it lost its lock),
// and later changes still reach the emulator. Before the run lock had its own session with an
// error listener, terminating it crashed `serve` and `apply` with an unhandled 'error' event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, desiredMembers, type Harness } from '../helpers/reconcile.js';
import { startCli, type CliProcess } from '../helpers/serve-process.js';
import { waitFor } from '../helpers/wait.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ RONGSYNC_DEBOUNCE_MS: '50' });
});
afterAll(() => h.close());

/** Ends every session of this database with that application_name; returns how many. */
async function terminate(applicationName: string): Promise<number> {
  const rows = await h.t.sql<{ ok: boolean }>(
    `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`,
    [applicationName],
  );
  return rows.filter((r) => r.ok).length;
}

async function sessions(applicationName: string): Promise<number> {
  const [row] = await h.t.sql<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`,
    [applicationName],
  );
  return row!.n;
}

async function runsIn(status: string): Promise<Array<{ id: number; error: string | null }>> {
  return h.t.sql(`SELECT id, error FROM rongsync_runs WHERE status = $1 ORDER BY id`, [status]);
}

/** A batch of new groups in one statement: one change-triggered run with `n` creates. */
async function writeGroups(prefix: string, n: number): Promise<void> {
  await h.t.sql(`INSERT INTO groups (id, name) SELECT $1 || i, 'G' || i FROM generate_series(1, $2::int) i`, [prefix, n]);
  await h.t.sql(`INSERT INTO group_members SELECT $1 || i, 'u' || (i % 5) FROM generate_series(1, $2::int) i`, [prefix, n]);
}

/** The emulator holds exactly the groups (with members) the tables hold. */
async function converged(): Promise<boolean> {
  const sorted = (o: Record<string, string[]>) => JSON.stringify(Object.entries(o).filter(([, m]) => m.length > 0).sort(([a], [b]) => (a < b ? -1 : 1)));
  return sorted(h.remoteMembers()) === sorted(await desiredMembers(h.t));
}

describe('serve (child process) survives each of its sessions being terminated during a run', () => {
  let serve: CliProcess;
  beforeAll(async () => {
    // Per-group calls, slowed down, so a run lasts long enough to be caught in flight.
    serve = startCli(['serve'], { ...h.env, RONGSYNC_DEBOUNCE_MS: '50', RONGSYNC_SYNC_CALLS: 'false', RONGCLOUD_CONCURRENCY: '4' });
    // Generous deadlines for a child process's start: on a loaded machine it takes seconds.
    await waitFor(() => serve.logged('"became leader"').length > 0, 'serve to lead', 60_000).catch((e: Error) => {
      throw new Error(`${e.message}; its log:\n${serve.log.join('\n')}`);
    });
  }, 90_000);
  afterAll(async () => {
    if (serve.child.exitCode === null) {
      serve.child.kill('SIGTERM');
      await serve.exited();
    }
  });

  const recoveries: Record<string, number> = {};

  for (const [kind, applicationName] of [
    ['pool connections', 'rongsync'],
    ['run lock', 'rongsync-runlock'],
    ['leader lock', 'rongsync-leader'],
    ['LISTEN', 'rongsync-listen'],
  ] as const) {
    it(`${kind} (${applicationName})`, async () => {
      h.emulator.setFaults({ latencyMs: 150 });
      const prefix = `${applicationName.replace('rongsync-', '').replace('rongsync', 'pool')}-`;
      const runningBefore = new Set((await runsIn('running')).map((r) => r.id));
      await writeGroups(prefix, 40);
      // A run is in flight (and, for the pool, using its connections) when the server ends the session.
      await waitFor(async () => (await runsIn('running')).some((r) => !runningBefore.has(r.id)) && (await sessions(applicationName)) > 0, `a run in flight with a ${applicationName} session`, 20_000, 10);
      const killedAt = Date.now();
      expect(await terminate(applicationName)).toBeGreaterThan(0);
      h.emulator.setFaults({});

      // A change made after the kill still reaches RongCloud: the service carried on by itself.
      await h.t.sql(`INSERT INTO groups (id, name) VALUES ($1, 'after')`, [`${prefix}after`]);
      await h.t.sql(`INSERT INTO group_members VALUES ($1, 'z')`, [`${prefix}after`]);
      await waitFor(() => h.remoteMembers()[`${prefix}after`], `the change made after terminating ${applicationName} to reach the emulator`, 30_000);
      recoveries[kind] = Date.now() - killedAt;
      await waitFor(converged, 'RongCloud to match the tables', 30_000);
      await waitFor(async () => (await runsIn('running')).length === 0, 'every run to be recorded with its end', 40_000);

      expect(serve.child.exitCode).toBe(null);
      expect(serve.log.filter((l) => /Unhandled|uncaught/i.test(l))).toEqual([]);
      if (applicationName === 'rongsync-runlock') {
        const failed = await runsIn('failed');
        expect(failed.some((r) => r.error?.startsWith('lost the run lock, so the run stopped: lost the database connection to 127.0.0.1:5432'))).toBe(true);
      }
    }, 90_000);
  }

  it('every change reached RongCloud exactly; the figures', async () => {
    expect(await converged()).toBe(true);
    // Each group was created once: no repeated writes from the runs that were cut short.
    const creates = h.emulator.calls().filter((c) => c.path === '/group/create.json' && c.status === 200);
    const perGroup = new Map<string, number>();
    for (const c of creates) perGroup.set(c.params['groupId']![0]!, (perGroup.get(c.params['groupId']![0]!) ?? 0) + 1);
    const repeated = [...perGroup].filter(([, n]) => n > 1);
    console.log(`connection-loss figures: time from the kill to a later change in RongCloud (ms) ${JSON.stringify(recoveries)}; groups created twice: ${repeated.length}`);
    serve.child.kill('SIGTERM');
    expect(await serve.exited()).toBe(0);
  });
});

describe('apply (child process) whose run lock is terminated mid-run', () => {
  it('exits 1 with the run recorded as failed and the reason, not a crash', async () => {
    await writeGroups('apply-', 40);
    h.emulator.setFaults({ latencyMs: 150 });
    try {
      const apply = startCli(['apply'], { ...h.env, RONGSYNC_SYNC_CALLS: 'false', RONGCLOUD_CONCURRENCY: '4' });
      await waitFor(() => h.emulator.calls().some((c) => c.params['groupId']?.[0]?.startsWith('apply-')), 'apply to start writing', 60_000, 10);
      const callsAtKill = h.emulator.calls().length;
      expect(await terminate('rongsync-runlock')).toBe(1);
      const code = await apply.exited();
      expect(apply.log.filter((l) => /Unhandled|uncaught/i.test(l))).toEqual([]);
      expect(code).toBe(1);
      // It stopped writing at once: only the calls in flight (concurrency 4) finished.
      expect(h.emulator.calls().length - callsAtKill).toBeLessThanOrEqual(4);
      const [run] = await h.t.sql<{ status: string; error: string }>(`SELECT status, error FROM rongsync_runs ORDER BY id DESC LIMIT 1`);
      expect(run).toEqual({ status: 'failed', error: 'lost the run lock, so the run stopped: lost the database connection to 127.0.0.1:5432 (terminating connection due to administrator command)' });
      expect(apply.out()).toMatch(/failed/);
    } finally {
      h.emulator.setFaults({});
    }
    // The next run finishes the job.
    await h.run();
    expect(await converged()).toBe(true);
  }, 120_000);
});
