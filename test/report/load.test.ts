// loadRunReport / listRuns against a real database with fixture runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRuns, loadRunReport } from '../../src/report/load.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { FINISHED, HOSTILE_ID, T0, insertFixtureRuns, type Fixture } from './fixtures.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

describe('loadRunReport', () => {
  let f: Fixture;

  it('returns null when no run was recorded', async () => {
    expect(await loadRunReport(t.db.prisma, 'latest')).toBeNull();
    expect(await listRuns(t.db.prisma, { limit: 10 })).toEqual([]);
  });

  it('loads the latest run with counts, calls, guard and items sorted by kind then group', async () => {
    f = await insertFixtureRuns(t.db.prisma);
    const r = await loadRunReport(t.db.prisma, 'latest');
    expect(r).not.toBeNull();
    expect(r!).toMatchObject({
      schema: 'rongsync.report/v1',
      runId: f.partialRunId,
      trigger: 'manual',
      mode: 'apply',
      status: 'partial',
      startedAt: T0.toISOString(),
      finishedAt: FINISHED.toISOString(),
      durationMs: 3500,
      counts: { checked: 40, inSync: 35, drifted: 5, fixed: 2, failed: 1, unreconcilable: 1, quarantined: 0, unknown: 1 },
      blocked: { reason: 'over RONGSYNC_MAX_DELETES', deletes: 1200, share: 0.482 },
      error: null,
    });
    expect(r!.calls).toEqual({
      '/group/join.json': { ok: 3, rate_limited: 1, '1002': 1 },
      '/group/quit.json': { ok: 2 },
      '/group/refresh.json': { ok: 1 },
    });
    expect(r!.items.map((i) => [i.kind, i.groupId])).toEqual([
      ['members', 'g-b'],
      ['members', 'g-big'],
      ['name', 'g-a'],
      ['unknown', 'pipe|tick`'],
      ['failed', HOSTILE_ID],
    ]);
    expect(Object.keys(r!)).toEqual([
      'schema', 'runId', 'trigger', 'mode', 'status', 'startedAt', 'finishedAt', 'durationMs',
      'counts', 'calls', 'blocked', 'error', 'items',
    ]);
  });

  it('maxItems reads only the first items in report order and says how many there are in all', async () => {
    const all = (await loadRunReport(t.db.prisma, f.partialRunId))!;
    for (const max of [1, 3, 4]) {
      const r = (await loadRunReport(t.db.prisma, f.partialRunId, new Date(), { maxItems: max }))!;
      expect(r.items).toEqual(all.items.slice(0, max));
      expect(r.itemsTotal).toBe(all.items.length);
    }
    // Not cut: no itemsTotal, the same report.
    expect(await loadRunReport(t.db.prisma, f.partialRunId, new Date(0), { maxItems: 50 })).toEqual(await loadRunReport(t.db.prisma, f.partialRunId, new Date(0)));
  });

  it('computes drift ages from first_seen_at to the end of the run', async () => {
    const r = (await loadRunReport(t.db.prisma, f.partialRunId, new Date('2030-01-01T00:00:00Z')))!;
    const age = Object.fromEntries(r.items.map((i) => [i.groupId, i.ageMs]));
    expect(age['g-b']).toBe(192_000);
    expect(age['g-a']).toBe((2 * 24 + 4) * 3600_000);
    expect(age['g-big']).toBe(0);
    const gb = r.items.find((i) => i.groupId === 'g-b')!;
    expect(gb).toEqual({
      groupId: 'g-b',
      kind: 'members',
      outcome: 'fixed',
      missingMembers: ['u1', 'u2'],
      extraMembers: ['u9'],
      desiredName: null,
      remoteName: null,
      reason: null,
      errorCode: null,
      firstSeenAt: new Date(FINISHED.getTime() - 192_000).toISOString(),
      ageMs: 192_000,
    });
  });

  it('loads a run by id, and null for an id that does not exist', async () => {
    const r = await loadRunReport(t.db.prisma, f.inSyncRunId);
    expect(r).toMatchObject({ runId: f.inSyncRunId, status: 'succeeded', items: [], blocked: null });
    expect(await loadRunReport(t.db.prisma, 999_999)).toBeNull();
  });

  it("'latest' skips a run still in progress; its ages run up to now", async () => {
    const running = await t.db.prisma.run.create({
      data: { trigger: 'change', mode: 'apply', startedAt: new Date(FINISHED.getTime() + 60_000) },
    });
    await t.db.prisma.driftItem.create({
      data: { runId: running.id, groupId: 'g-r', kind: 'members', outcome: 'detected', firstSeenAt: FINISHED },
    });
    expect((await loadRunReport(t.db.prisma, 'latest'))!.runId).toBe(f.partialRunId);

    const now = new Date(FINISHED.getTime() + 125_000);
    const r = (await loadRunReport(t.db.prisma, running.id, now))!;
    expect(r).toMatchObject({ status: 'running', finishedAt: null, durationMs: null });
    expect(r.items[0]!.ageMs).toBe(125_000);
  });

  it("'latest' falls back to the running run when none has finished", async () => {
    await t.sql(`UPDATE rongsync_runs SET finished_at = NULL`);
    const latest = await t.db.prisma.run.findFirst({ orderBy: { startedAt: 'desc' } });
    expect((await loadRunReport(t.db.prisma, 'latest'))!.runId).toBe(latest!.id);
    await t.sql(`UPDATE rongsync_runs SET finished_at = started_at + make_interval(secs => coalesce(duration_ms, 0) / 1000.0)`);
  });

  it('ignores malformed calls and details jsonb instead of failing', async () => {
    const run = await t.db.prisma.run.create({
      data: {
        trigger: 'cron',
        mode: 'detect',
        status: 'succeeded',
        startedAt: new Date('2020-01-01T00:00:00Z'),
        finishedAt: new Date('2020-01-01T00:00:01Z'),
        calls: { '/group/join.json': { ok: 'three', '1002': 2 }, '/bad.json': 7 },
        details: { blocked: { reason: 'half' } },
      },
    });
    const r = (await loadRunReport(t.db.prisma, run.id))!;
    expect(r.calls).toEqual({ '/group/join.json': { '1002': 2 } });
    expect(r.blocked).toBeNull();
  });
});

describe('listRuns', () => {
  it('lists runs newest first, up to the limit', async () => {
    const runs = await listRuns(t.db.prisma, { limit: 2 });
    expect(runs).toHaveLength(2);
    expect(runs[0]!.status).toBe('running');
    expect(runs[1]).toMatchObject({ trigger: 'manual', status: 'partial', durationMs: 3500 });
    expect(runs[1]!.counts.drifted).toBe(5);
    const starts = (await listRuns(t.db.prisma, { limit: 100 })).map((r) => r.startedAt);
    expect(starts).toEqual([...starts].sort().reverse());
  });
});
