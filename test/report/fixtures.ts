// Fixture runs for the report tests, inserted with Prisma the way the reconciler writes them.
import type { PrismaClient } from '../../src/generated/prisma/client.js';
import { loadRunReport } from '../../src/report/load.js';
import type { RunReport } from '../../src/report/types.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

export const HOSTILE_ID = '<script>alert("x")</script>&co';
export const T0 = new Date('2026-11-25T10:00:00.000Z');
/** The partial run's end: drift ages are measured up to here. */
export const FINISHED = new Date(T0.getTime() + 3_500);

export interface Fixture {
  inSyncRunId: number;
  partialRunId: number;
}

/**
 * Run A (cron, detect, succeeded, nothing drifted) and run B (manual, apply, partial: calls,
 * guard, five drift items with known ages), B started after A.
 */
export async function insertFixtureRuns(prisma: PrismaClient): Promise<Fixture> {
  const a = await prisma.run.create({
    data: {
      trigger: 'cron',
      mode: 'detect',
      status: 'succeeded',
      startedAt: new Date(T0.getTime() - 3600_000),
      finishedAt: new Date(T0.getTime() - 3600_000 + 850),
      durationMs: 850,
      groupsChecked: 120,
      inSync: 120,
      calls: { '/group/user/query.json': { ok: 120 } },
    },
  });
  const b = await prisma.run.create({
    data: {
      trigger: 'manual',
      mode: 'apply',
      status: 'partial',
      startedAt: T0,
      finishedAt: FINISHED,
      durationMs: 3_500,
      groupsChecked: 40,
      inSync: 35,
      drifted: 5,
      fixed: 2,
      failed: 1,
      unreconcilable: 1,
      quarantined: 0,
      unknown: 1,
      calls: {
        '/group/join.json': { '1002': 1, rate_limited: 1, ok: 3 },
        '/group/quit.json': { ok: 2 },
        '/group/refresh.json': { ok: 1 },
      },
      details: { blocked: { reason: 'over RONGSYNC_MAX_DELETES', deletes: 1200, share: 0.482 }, replica: 'r1' },
      error: null,
    },
  });
  const ago = (ms: number) => new Date(FINISHED.getTime() - ms);
  await prisma.driftItem.createMany({
    data: [
      {
        runId: b.id,
        groupId: HOSTILE_ID,
        kind: 'failed',
        outcome: 'failed',
        missingMembers: ['u<1>'],
        reason: 'group too busy & "locked"',
        errorCode: 1002,
        firstSeenAt: ago(45_000),
      },
      {
        runId: b.id,
        groupId: 'g-b',
        kind: 'members',
        outcome: 'fixed',
        missingMembers: ['u1', 'u2'],
        extraMembers: ['u9'],
        firstSeenAt: ago(192_000), // 3m 12s
      },
      {
        runId: b.id,
        groupId: 'g-a',
        kind: 'name',
        outcome: 'fixed',
        desiredName: 'New',
        remoteName: 'Old',
        firstSeenAt: ago((2 * 24 + 4) * 3600_000), // 2d 4h
      },
      {
        runId: b.id,
        groupId: 'g-big',
        kind: 'members',
        outcome: 'blocked',
        extraMembers: Array.from({ length: 45 }, (_, i) => `x${String(i).padStart(2, '0')}`),
        reason: 'deletion guard',
        firstSeenAt: ago(0),
      },
      {
        runId: b.id,
        groupId: 'pipe|tick`',
        kind: 'unknown',
        outcome: 'skipped',
        desiredName: 'A|B',
        reason: 'getMembers timed out',
        firstSeenAt: ago(90_000),
      },
    ],
  });
  return { inSyncRunId: a.id, partialRunId: b.id };
}

/** A fresh database with the fixture runs, and both runs loaded as reports. */
export async function createFixtureReports(): Promise<{ t: TestDatabase; partial: RunReport; inSync: RunReport }> {
  const t = await createTestDatabase();
  const f = await insertFixtureRuns(t.db.prisma);
  return {
    t,
    partial: (await loadRunReport(t.db.prisma, f.partialRunId))!,
    inSync: (await loadRunReport(t.db.prisma, f.inSyncRunId))!,
  };
}
