// The exit-code rule of plan and apply, row by row (README's exit-code table). Pure.
import { describe, expect, it } from 'vitest';
import type { KnownDrift } from '../../src/store/group-state.js';
import { emptyCounts } from '../../src/reconcile/settle.js';
import { applyVerdict, planVerdict } from '../../src/reconcile/verdict.js';
import type { RunCounts, RunStatus } from '../../src/reconcile/types.js';

const none: KnownDrift = { counts: {}, total: 0, sample: [] };
const known = (counts: KnownDrift['counts']): KnownDrift => ({ counts, total: Object.values(counts).reduce((a, b) => a + (b ?? 0), 0), sample: [] });
const run = (status: RunStatus, counts: Partial<RunCounts> = {}, blocked = false) => ({
  status,
  counts: { ...emptyCounts(), ...counts },
  error: status === 'failed' ? 'database unreachable' : null,
  blocked: blocked ? { reason: 'guard', deletes: 5, share: 0.5 } : null,
});

describe('plan', () => {
  it.each([
    ['nothing differs', run('succeeded', { checked: 3, inSync: 3 }), none, 0],
    ['drift found', run('succeeded', { checked: 3, drifted: 1 }), known({ drifted: 1 }), 2],
    ['a group waits out a backoff (not in this run)', run('succeeded'), known({ failed: 1 }), 2],
    ['a quarantined group', run('succeeded', { quarantined: 1 }), known({ quarantined: 1 }), 2],
    ['deletions held by the guard', run('succeeded', { drifted: 1 }), known({ blocked: 1 }), 2],
    ['an unreconcilable row', run('succeeded', { unreconcilable: 1, drifted: 1 }), known({ unreconcilable: 1 }), 2],
    ['a group could not be read', run('partial', { unknown: 1 }), known({ unknown: 1 }), 1],
    ['a group in doubt stayed unreadable', run('partial'), known({ in_doubt: 1 }), 1],
    ['the run failed', run('failed'), none, 1],
  ] as const)('%s → %i', (_, r, k, code) => {
    expect(planVerdict(r, k).exitCode).toBe(code);
    expect(planVerdict(r, k).inSync).toBe(code === 0);
  });
});

describe('apply', () => {
  it.each([
    ['everything converged', run('succeeded', { checked: 2, fixed: 2, drifted: 2 }), none, 0],
    ['a call failed', run('partial', { failed: 1 }), known({ failed: 1 }), 1],
    ['a group waits out a backoff (out of scope)', run('succeeded'), known({ failed: 1 }), 1],
    ['a group could not be read', run('partial', { unknown: 1 }), known({ unknown: 1 }), 1],
    ['quarantined', run('succeeded'), known({ quarantined: 1 }), 1],
    ['in doubt', run('succeeded'), known({ in_doubt: 1 }), 1],
    ['an unreconcilable row', run('succeeded'), known({ unreconcilable: 1 }), 1],
    ['only deletions held by the guard', run('succeeded', {}, true), known({ blocked: 2 }), 2],
    ['held deletions and a failure', run('partial', { failed: 1 }, true), known({ blocked: 2, failed: 1 }), 1],
    ['the run failed (credentials, database)', run('failed'), none, 1],
    ['the run was aborted', run('aborted'), none, 1],
  ] as const)('%s → %i', (_, r, k, code) => {
    expect(applyVerdict(r, k).exitCode).toBe(code);
  });
});
