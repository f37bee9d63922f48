// The run-finished log line: level by outcome, failed groups named with why, bounded.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { runFinishedLog, runLogLevel, type RunEnd } from '../../src/log/run-log.js';
import type { RunResult } from '../../src/reconcile/run.js';

const counts = { checked: 10, inSync: 7, drifted: 3, fixed: 3, failed: 0, unreconcilable: 0, quarantined: 0, unknown: 0 };
const ok: RunEnd = { status: 'succeeded', counts, durationMs: 120, blocked: null, error: null, items: [{ groupId: 'g1', kind: 'members', outcome: 'fixed', reason: null, errorCode: null }] };

describe('runLogLevel', () => {
  it("takes the reconciler's RunResult plus the troubled items it kept (checked by tsc)", () => {
    expectTypeOf<RunResult & Pick<RunEnd, 'items'>>().toExtend<RunEnd>();
  });

  it('is error for a failed run, warn for a partial or guarded one, info otherwise', () => {
    expect(runLogLevel({ status: 'succeeded', blocked: null })).toBe('info');
    expect(runLogLevel({ status: 'partial', blocked: null })).toBe('warn');
    expect(runLogLevel({ status: 'succeeded', blocked: { deletes: 1200 } })).toBe('warn');
    expect(runLogLevel({ status: 'failed', blocked: null })).toBe('error');
  });
});

describe('runFinishedLog', () => {
  it('a clean run: info, the counts, no group list', () => {
    expect(runFinishedLog(ok)).toEqual({
      level: 'info',
      message: 'reconcile run finished',
      fields: { status: 'succeeded', ...counts, durationMs: 120 },
    });
  });

  it('a partial run names the groups that failed or could not be read, with code and reason', () => {
    const line = runFinishedLog({
      ...ok,
      status: 'partial',
      counts: { ...counts, failed: 1, unknown: 1 },
      items: [
        ...ok.items,
        { groupId: 'g2', kind: 'failed', outcome: 'failed', reason: 'invite failed: group too busy', errorCode: 1002 },
        { groupId: 'g3', kind: 'unknown', outcome: 'skipped', reason: 'getMembers timed out', errorCode: null },
      ],
    });
    expect(line.level).toBe('warn');
    expect(line.message).toBe('reconcile run finished partial: 1 group(s) failed, 1 group(s) could not be read from RongCloud (g2, g3)');
    expect(line.fields['groups']).toEqual([
      { id: 'g2', kind: 'failed', code: 1002, reason: 'invite failed: group too busy' },
      { id: 'g3', kind: 'unknown', reason: 'getMembers timed out' },
    ]);
    expect(line.fields).not.toHaveProperty('moreGroups');
  });

  it('bounds the group list and the reasons', () => {
    const items = Array.from({ length: 25 }, (_, i) => ({ groupId: `f${i}`, kind: 'failed' as const, outcome: 'failed' as const, reason: 'x'.repeat(500), errorCode: 1000 }));
    const line = runFinishedLog({ ...ok, status: 'partial', counts: { ...counts, failed: 25 }, items });
    expect(line.fields['groups']).toHaveLength(20);
    expect(line.fields['moreGroups']).toBe(5);
    expect((line.fields['groups'] as Array<{ reason: string }>)[0]!.reason).toHaveLength(200);
    expect(line.message).toBe('reconcile run finished partial: 25 group(s) failed (f0, f1, f2, …)');
  });

  it('a failed run is an error with the reason; guarded deletions are a warning', () => {
    const failed = runFinishedLog({ ...ok, status: 'failed', items: [], error: 'connect ECONNREFUSED 127.0.0.1:5432' });
    expect(failed).toMatchObject({ level: 'error', message: 'reconcile run failed: connect ECONNREFUSED 127.0.0.1:5432', fields: { error: 'connect ECONNREFUSED 127.0.0.1:5432' } });
    const guarded = runFinishedLog({ ...ok, blocked: { deletes: 1200 } });
    expect(guarded).toMatchObject({ level: 'warn', message: 'reconcile run finished succeeded: 1200 deletion(s) held by the mass-deletion guard', fields: { heldDeletes: 1200 } });
  });
});
