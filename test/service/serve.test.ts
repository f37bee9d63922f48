// `serve`: change-triggered runs, and two replicas against one database — one leads, the other
// takes over when the leader is killed, and no call is issued twice for one change.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReconcileService } from '../../src/service/serve.js';
import type { PruneResult } from '../../src/store/retention.js';
import type { RunResult } from '../../src/reconcile/run.js';
import type { RunTrigger } from '../../src/reconcile/types.js';
import { createHarness, type Harness } from '../helpers/reconcile.js';
import { recordEvents, type EventLog } from '../helpers/events.js';
import { waitFor } from '../helpers/wait.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ RONGSYNC_DEBOUNCE_MS: '50' });
});
afterAll(() => h.close());

/** A service that leads (the lock is free), with the runs it finishes recorded. */
async function leadingService(harness: Harness): Promise<{ service: ReconcileService; runs: EventLog<[RunResult, RunTrigger]> }> {
  const service = new ReconcileService(harness.deps, { databaseUrl: harness.t.url, leaderPollMs: 200 });
  const runs = recordEvents(service, 'run');
  const leader = once(service, 'leader');
  await service.start();
  await leader;
  return { service, runs };
}

describe('ReconcileService (in process)', () => {
  it('reconciles an app INSERT after the debounce, and stops cleanly', async () => {
    const { service, runs } = await leadingService(h);
    try {
      await h.t.sql(`INSERT INTO groups (id, name) VALUES ('live', 'Live')`);
      await h.t.sql(`INSERT INTO group_members VALUES ('live', 'a'), ('live', 'b')`);
      await waitFor(() => h.remoteMembers()['live']?.length === 2, 'the emulator to receive the group');
      await runs.until(([r]) => r.counts.fixed > 0, 'a run that fixed it');
      expect(runs.seen.every(([r]) => r.status === 'succeeded')).toBe(true);
      const [run] = await h.t.sql<{ trigger: string }>(`SELECT trigger FROM rongsync_runs WHERE fixed > 0 ORDER BY id LIMIT 1`);
      expect(run!.trigger).toBe('change');
    } finally {
      await service.stop();
    }
    expect(service.isLeader).toBe(false);
    // The lock is free again: a new service leads at once.
    const next = new ReconcileService(h.deps, { databaseUrl: h.t.url, leaderPollMs: 200 });
    await next.start();
    expect(next.isLeader).toBe(true);
    await next.stop();
  });

  it('keeps reconciling while the app writes more often than the debounce', async () => {
    // Debounce 50 ms (harness), a write every 20 ms for 2 s: a debounce restarted by every
    // notification would never fire until the writes stop.
    const service = new ReconcileService(h.deps, { databaseUrl: h.t.url, leaderPollMs: 200 });
    const leader = once(service, 'leader');
    await service.start();
    await leader;
    await h.t.sql(`INSERT INTO groups (id, name) VALUES ('busy', 'Busy0')`);
    let writing = true;
    const writer = (async () => {
      for (let i = 1; writing; i++) {
        await h.t.sql(`UPDATE groups SET name = $1 WHERE id = 'busy'`, [`Busy${i}`]); // one NOTIFY each
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    try {
      await h.t.sql(`INSERT INTO groups (id, name) VALUES ('important', 'I')`);
      await h.t.sql(`INSERT INTO group_members VALUES ('important', 'a')`);
      await waitFor(() => h.remoteMembers()['important']?.length === 1, 'the group to reach the emulator while writes go on', 5_000);
      expect(writing).toBe(true);
    } finally {
      writing = false;
      await writer;
      await service.stop();
    }
  });
});

describe('ReconcileService change latency', () => {
  it('starts the run at once for the first change after a quiet moment; coalesces changes that arrive during a run', async () => {
    // A debounce far longer than the test: the first change must not wait for it.
    const slow = await createHarness({ RONGSYNC_DEBOUNCE_MS: '4000' });
    const { service, runs } = await leadingService(slow);
    try {
      await runs.until(() => true, 'the catch-up run a new leader starts with');
      const settled = runs.seen.length;
      const at = Date.now();
      await slow.t.sql(`INSERT INTO groups (id, name) VALUES ('first', 'F'); INSERT INTO group_members VALUES ('first', 'a')`);
      await waitFor(() => slow.remoteMembers()['first']?.length === 1, 'the first change to reach the emulator', 3_500);
      expect(Date.now() - at).toBeLessThan(4_000); // not held back by the debounce
      await runs.until((_, i) => i >= settled, 'its run to be recorded');

      // While a run is in flight (slow calls), ten more changes: they wait for the debounce and
      // go out together in one run, not ten.
      slow.emulator.setFaults({ latencyMs: 300 });
      await slow.t.sql(`INSERT INTO groups (id, name) VALUES ('slow', 'S'); INSERT INTO group_members VALUES ('slow', 'a')`);
      await new Promise((r) => setTimeout(r, 100)); // its run has started and waits on RongCloud
      const before = runs.seen.length;
      for (let i = 0; i < 10; i++) await slow.t.sql(`INSERT INTO groups (id, name) VALUES ('b${i}', 'B'); INSERT INTO group_members VALUES ('b${i}', 'a')`);
      slow.emulator.setFaults({});
      await waitFor(() => Array.from({ length: 10 }, (_, i) => slow.remoteMembers()[`b${i}`]?.length === 1).every(Boolean), 'the burst to reach the emulator', 15_000);
      await runs.until(() => runs.seen.filter(([r]) => r.counts.fixed > 0).length >= settled + 2, 'the runs to be recorded');
      const burstRuns = runs.seen.slice(before).filter(([r]) => r.counts.fixed > 0);
      expect(burstRuns.length).toBeLessThanOrEqual(2); // the slow group's run may include none, some or all of them
    } finally {
      await service.stop();
      await slow.close();
    }
  }, 40_000);
});

describe('ReconcileService cron', () => {
  it('runs the schedule, verifies a slice of groups, and corrects remote drift it finds', async () => {
    const cronH = await createHarness({ RONGSYNC_CRON: '* * * * * *', RONGSYNC_DEBOUNCE_MS: '50' });
    try {
      await cronH.t.sql(`INSERT INTO groups (id, name) VALUES ('c1', 'C1'), ('c2', 'C2')`);
      await cronH.t.sql(`INSERT INTO group_members VALUES ('c1', 'a'), ('c2', 'b')`);
      const first = await cronH.run();
      // That first run and its calls are a month old: the cron run's retention pass (14 days) prunes them.
      await cronH.t.sql(`UPDATE rongsync_runs SET started_at = now() - interval '30 days' WHERE id = $1`, [first.runId]);
      await cronH.t.sql(`UPDATE rongsync_remote_calls SET at = now() - interval '30 days'`);
      const oldCalls = (await cronH.t.sql<{ n: number }>(`SELECT count(*)::int AS n FROM rongsync_remote_calls`))[0]!.n;
      expect(oldCalls).toBeGreaterThan(0);
      await cronH.stranger.join({ id: 'c2', memberId: 'stranger' });

      const service = new ReconcileService(cronH.deps, { databaseUrl: cronH.t.url, leaderPollMs: 200 });
      const pruned = recordEvents(service, 'pruned');
      await service.start();
      let firstPrune: PruneResult | undefined;
      try {
        await waitFor(() => !cronH.remoteMembers()['c2']?.includes('stranger'), 'a cron run to remove the stranger', 20_000);
        [firstPrune] = await pruned.until(() => true, 'the retention pass after a cron run', 20_000);
      } finally {
        await service.stop();
      }
      expect(firstPrune).toMatchObject({ runs: 1, calls: oldCalls });
      expect(await cronH.t.sql(`SELECT id FROM rongsync_runs WHERE id = $1`, [first.runId])).toEqual([]);
      expect(await cronH.t.sql(`SELECT id FROM rongsync_drift_items WHERE run_id = $1`, [first.runId])).toEqual([]);
      const [fix] = await cronH.t.sql<{ trigger: string; fixed: number }>(
        `SELECT r.trigger, r.fixed FROM rongsync_runs r JOIN rongsync_drift_items d ON d.run_id = r.id WHERE d.group_id = 'c2' AND d.outcome = 'fixed' ORDER BY r.id DESC LIMIT 1`,
      );
      expect(fix).toEqual({ trigger: 'cron', fixed: 1 });
      expect(cronH.remoteMembers()).toEqual({ c1: ['a'], c2: ['b'] });
    } finally {
      await cronH.close();
    }
  }, 30_000);
});

describe('two serve processes', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
  });

  function startReplica(name: string): { child: ChildProcess; log: string[] } {
    const log: string[] = [];
    const child = spawn(process.execPath, ['bin/rongsync.js', 'serve'], {
      env: { ...process.env, ...h.env, LOG_LEVEL: 'info', RONGSYNC_DEBOUNCE_MS: '50' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => log.push(...d.split('\n').filter(Boolean).map((l) => `${name}: ${l}`)));
    children.push(child);
    return { child, log };
  }

  it('one leads; when it is killed the other takes over; each change is applied once', async () => {
    const a = startReplica('a');
    const b = startReplica('b');
    const isLeader = (r: { log: string[] }) => r.log.some((l) => l.includes('"became leader"'));
    await waitFor(() => isLeader(a) || isLeader(b), 'a leader', 20_000);
    await waitFor(() => (a.log.some((l) => l.includes('serve started')) && b.log.some((l) => l.includes('serve started'))), 'both replicas up', 20_000);
    expect([isLeader(a), isLeader(b)].filter(Boolean)).toHaveLength(1);
    const [leader, standby] = isLeader(a) ? [a, b] : [b, a];

    await h.t.sql(`INSERT INTO groups (id, name) VALUES ('r1', 'Replicated')`);
    await h.t.sql(`INSERT INTO group_members VALUES ('r1', 'x')`);
    await waitFor(() => h.remoteMembers()['r1'], 'r1 to reach the emulator');
    // Kill it once it has recorded the change as done (a kill between the remote call and the
    // shadow update is the one window where a successor repeats an idempotent call).
    await waitFor(async () => (await h.t.sql(`SELECT 1 FROM rongsync_remote_groups WHERE group_id = 'r1' AND member_count = 1`)).length > 0, 'the shadow to record r1');

    leader.child.kill('SIGKILL');
    await once(leader.child, 'exit');
    await waitFor(() => isLeader(standby), 'the standby to take over', 20_000);

    await h.t.sql(`INSERT INTO groups (id, name) VALUES ('r2', 'After failover')`);
    await h.t.sql(`INSERT INTO group_members VALUES ('r2', 'y')`);
    await waitFor(() => h.remoteMembers()['r2'], 'r2 to reach the emulator');

    const creates = h.emulator.calls().filter((c) => c.path === '/group/create.json' && c.status === 200);
    const perGroup = (id: string) => creates.filter((c) => c.params['groupId']?.[0] === id).length;
    expect(perGroup('r1')).toBe(1);
    expect(perGroup('r2')).toBe(1);

    standby.child.kill('SIGTERM');
    const [code] = await once(standby.child, 'exit');
    expect(code).toBe(0);
  }, 60_000);
});
