// History retention: pruneHistory and `rongsync prune` delete old runs (with their drift items)
// and old call-log rows in batches, keep everything newer, and always keep the newest run.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pruneHistory, retentionCutoff } from '../../src/store/retention.js';
import { runCliCaptured } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());
beforeEach(async () => {
  await t.sql(`TRUNCATE rongsync_runs, rongsync_drift_items, rongsync_remote_calls RESTART IDENTITY CASCADE`);
});

/** A finished run `daysAgo` days old with `items` drift items and `calls` logged calls. */
async function seedRun(daysAgo: number, items: number, calls: number): Promise<number> {
  const [{ id }] = (await t.sql<{ id: number }>(
    `INSERT INTO rongsync_runs (trigger, mode, status, started_at, finished_at)
     VALUES ('cron', 'apply', 'succeeded', now() - make_interval(days => $1), now() - make_interval(days => $1))
     RETURNING id`,
    [daysAgo],
  )) as [{ id: number }];
  await t.sql(
    `INSERT INTO rongsync_drift_items (run_id, group_id, kind, outcome, first_seen_at)
     SELECT $1, 'g' || i, 'members', 'fixed', now() FROM generate_series(1, $2) i`,
    [id, items],
  );
  await t.sql(
    `INSERT INTO rongsync_remote_calls (run_id, at, endpoint, host, attempt, outcome, latency_ms)
     SELECT $1, now() - make_interval(days => $3), '/group/join.json', 'h', 1, 'ok', 5 FROM generate_series(1, $2) i`,
    [id, calls, daysAgo],
  );
  return id;
}

const count = async (table: string): Promise<number> => (await t.sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n;
const runIds = async (): Promise<number[]> => (await t.sql<{ id: number }>(`SELECT id FROM rongsync_runs ORDER BY id`)).map((r) => r.id);

describe('pruneHistory', () => {
  it('deletes what is older than the cutoff, in batches, and keeps the rest', async () => {
    await seedRun(40, 7, 11);
    await seedRun(20, 3, 5);
    const recent = await seedRun(2, 4, 6);
    const latest = await seedRun(0, 1, 2);

    // A batch of 2 makes every table take several rounds.
    const pruned = await pruneHistory(t.db.prisma, retentionCutoff(14, new Date())!, 2);
    expect(pruned).toEqual({ runs: 2, driftItems: 10, calls: 16 });
    expect(await runIds()).toEqual([recent, latest]);
    expect(await count('rongsync_drift_items')).toBe(5);
    expect(await count('rongsync_remote_calls')).toBe(8);

    // Nothing left to prune: a second pass is a no-op.
    expect(await pruneHistory(t.db.prisma, retentionCutoff(14, new Date())!, 2)).toEqual({ runs: 0, driftItems: 0, calls: 0 });
  });

  it('always keeps the newest run, however old', async () => {
    await seedRun(90, 2, 3);
    const newest = await seedRun(60, 2, 3);
    const pruned = await pruneHistory(t.db.prisma, retentionCutoff(14, new Date())!);
    expect(pruned).toEqual({ runs: 1, driftItems: 2, calls: 6 });
    expect(await runIds()).toEqual([newest]);
    expect(await count('rongsync_drift_items')).toBe(2);
  });

  it('does nothing on an empty history', async () => {
    expect(await pruneHistory(t.db.prisma, new Date())).toEqual({ runs: 0, driftItems: 0, calls: 0 });
  });

  it('retention 0 means keep forever', () => {
    expect(retentionCutoff(0, new Date())).toBeUndefined();
    expect(retentionCutoff(1, new Date('2026-11-26T00:00:00Z'))).toEqual(new Date('2026-11-25T00:00:00Z'));
  });
});

describe('rongsync prune', () => {
  const cli = (argv: string[], env: Record<string, string> = {}) => runCliCaptured(['prune', ...argv], { DATABASE_URL: t.url, ...env });

  it('prunes with RONGSYNC_RETENTION_DAYS and prints the counts', async () => {
    await seedRun(40, 2, 3);
    await seedRun(10, 1, 1);
    await seedRun(0, 1, 1);
    const r = await cli(['--json'], { RONGSYNC_RETENTION_DAYS: '30' });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ runs: 1, driftItems: 2, calls: 3 });
    expect((await runIds()).length).toBe(2);

    const text = await cli(['--older-than-days', '5']);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/pruned history before .*: 1 run\(s\), 1 drift item\(s\), 1 call-log row\(s\)/);
  });

  it('refuses a bad --older-than-days and a retention of 0 without one, naming the fix', async () => {
    await seedRun(40, 1, 1);
    await seedRun(0, 1, 1);
    for (const bad of ['abc', '0', '-3', '1.5']) {
      const r = await cli(['--older-than-days', bad]);
      expect(r.code).toBe(1);
      expect(r.err).toContain('--older-than-days');
      expect(r.err).toContain('e.g. --older-than-days 14');
    }
    const off = await cli([], { RONGSYNC_RETENTION_DAYS: '0' });
    expect(off.code).toBe(1);
    expect(off.err).toContain('RONGSYNC_RETENTION_DAYS=0');
    expect((await runIds()).length).toBe(2); // nothing was deleted
  });
});
