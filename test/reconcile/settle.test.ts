// settle is pure: a decision table of (plan status × call outcome × mode × prior bookkeeping) →
// (acknowledge? leave dirty? counts, last status, failure bookkeeping, quarantine). No database.
import { describe, expect, it } from 'vitest';
import type { CallFailure } from '../../src/reconcile/apply.js';
import type { DirtyGroup } from '../../src/store/change-log.js';
import type { GroupPlan, PlannedCall } from '../../src/reconcile/plan/types.js';
import { backoffMs, settle, type PriorState, type SettleGroup } from '../../src/reconcile/settle.js';
import type { RunMode } from '../../src/reconcile/types.js';

const NOW = new Date('2026-12-01T10:00:00Z');
const EARLIER = new Date('2026-12-01T09:00:00Z');

function plan(status: GroupPlan['status'], over: Partial<GroupPlan> = {}): GroupPlan {
  const drift = status === 'drifted' || status === 'paused' || status === 'quarantined' || status === 'unreconcilable';
  return {
    groupId: 'g',
    status,
    missingMembers: drift ? ['u1'] : [],
    extraMembers: [],
    keptMembers: [],
    missingGroup: false,
    orphan: false,
    invalid: status === 'unreconcilable' ? [{ subject: 'user', id: 'x'.repeat(70), reason: 'user id is 70 bytes; the limit is 64' }] : [],
    calls: status === 'drifted' ? 1 : 0,
    syncUsers: [],
    notes: [],
    ...over,
  };
}

const call: PlannedCall = { kind: 'invite', groupId: 'g', memberIds: ['u1'] };
const refused: CallFailure = { call, message: 'RongCloud answered code 1002', code: 1002, transient: false };
const outage: CallFailure = { call, message: 'no answer', transient: true };
const dirtyRow: DirtyGroup = { groupId: 'g', changeIds: [1n], since: EARLIER, latest: EARLIER };
const prior = (over: Partial<PriorState> = {}): PriorState => ({
  consecutiveFailures: 0,
  nextAttemptAt: null,
  lastError: null,
  quarantinedAt: null,
  quarantineReason: null,
  driftFirstSeenAt: null,
  ...over,
});

interface Row {
  name: string;
  mode?: RunMode;
  group: Partial<SettleGroup> & { plan: GroupPlan };
  blocked?: boolean;
  /** Expected. */
  ack: boolean;
  dirty: boolean;
  status: string;
  outcome?: string;
  failures?: number | 'unchanged';
  quarantined?: boolean;
}

const rows: Row[] = [
  { name: 'in sync, dirty', group: { plan: plan('in_sync'), dirty: dirtyRow }, ack: true, dirty: false, status: 'in_sync', failures: 'unchanged' },
  { name: 'fixed', group: { plan: plan('drifted'), dirty: dirtyRow }, ack: true, dirty: false, status: 'in_sync', outcome: 'fixed' },
  { name: 'call refused', group: { plan: plan('drifted'), dirty: dirtyRow, failure: refused }, ack: false, dirty: false, status: 'failed', outcome: 'failed', failures: 1 },
  { name: 'call refused, not dirty (verification)', group: { plan: plan('drifted'), failure: refused }, ack: false, dirty: false, status: 'failed', failures: 1 },
  { name: 'RongCloud down', group: { plan: plan('drifted'), dirty: dirtyRow, failure: outage, prior: prior({ consecutiveFailures: 4 }) }, ack: false, dirty: false, status: 'failed', failures: 5, quarantined: false },
  { name: 'fifth refusal quarantines', group: { plan: plan('drifted'), dirty: dirtyRow, failure: refused, prior: prior({ consecutiveFailures: 4 }) }, ack: false, dirty: false, status: 'quarantined', failures: 5, quarantined: true },
  { name: 'read failed', group: { plan: plan('unknown'), dirty: dirtyRow, readFailure: { reason: 'remote read failed: timeout', transient: true } }, ack: false, dirty: false, status: 'unknown', outcome: 'skipped', failures: 1 },
  { name: 'guard held', blocked: true, group: { plan: plan('drifted', { extraMembers: ['x'], missingMembers: [], calls: 0 }), dirty: dirtyRow }, ack: false, dirty: false, status: 'blocked', outcome: 'blocked' },
  { name: 'guard held, not dirty', blocked: true, group: { plan: plan('drifted', { extraMembers: ['x'], missingMembers: [], calls: 0 }) }, ack: false, dirty: true, status: 'blocked' },
  { name: 'aborted before its calls', group: { plan: plan('drifted'), dirty: dirtyRow, unfinished: true }, ack: false, dirty: false, status: 'drifted', outcome: 'skipped' },
  { name: 'aborted, not dirty', group: { plan: plan('drifted'), unfinished: true }, ack: false, dirty: true, status: 'drifted' },
  { name: 'paused with drift', group: { plan: plan('paused'), dirty: dirtyRow }, ack: true, dirty: false, status: 'paused', outcome: 'skipped' },
  { name: 'paused in sync', group: { plan: plan('paused', { missingMembers: [] }) }, ack: false, dirty: false, status: 'in_sync' },
  { name: 'quarantined', group: { plan: plan('quarantined'), prior: prior({ quarantinedAt: EARLIER, consecutiveFailures: 5 }) }, ack: false, dirty: false, status: 'quarantined', failures: 'unchanged' },
  { name: 'unreconcilable row', group: { plan: plan('unreconcilable'), dirty: dirtyRow }, ack: true, dirty: false, status: 'unreconcilable', outcome: 'skipped' },
  { name: 'success after failures resets them', group: { plan: plan('drifted'), dirty: dirtyRow, prior: prior({ consecutiveFailures: 2 }) }, ack: true, dirty: false, status: 'in_sync', failures: 0 },
  { name: 'detect: drift found, not dirty', mode: 'detect', group: { plan: plan('drifted') }, ack: false, dirty: true, status: 'drifted', outcome: 'detected', failures: 'unchanged' },
  { name: 'detect: dirty is never acknowledged', mode: 'detect', group: { plan: plan('drifted'), dirty: dirtyRow }, ack: false, dirty: false, status: 'drifted', outcome: 'detected' },
  { name: 'detect: an unreadable group keeps its bookkeeping', mode: 'detect', group: { plan: plan('unknown'), readFailure: { reason: 'x', transient: false }, prior: prior({ consecutiveFailures: 1 }) }, ack: false, dirty: false, status: 'none' },
  { name: 'dry-run: like detect', mode: 'dry-run', group: { plan: plan('drifted'), dirty: dirtyRow }, ack: false, dirty: false, status: 'drifted', outcome: 'detected' },
];

describe('settle decision table', () => {
  it.each(rows)('$name', (row) => {
    const s = settle({
      mode: row.mode ?? 'apply',
      groups: [{ prior: null, desiredName: 'G', remoteName: 'G', ...row.group }],
      blockedReason: row.blocked ? 'would remove 60% of memberships; approve with --allow-deletes' : null,
      now: NOW,
      quarantineAfter: 5,
    });
    expect(s.acks.length > 0, 'acknowledged').toBe(row.ack);
    expect(s.markDirty.length > 0, 'left dirty').toBe(row.dirty);
    if (row.status === 'none') return expect(s.states).toEqual([]);
    const state = s.states[0]!;
    expect(state.lastStatus).toBe(row.status);
    if (row.outcome) expect(s.items[0]?.outcome ?? 'fixed').toBe(row.outcome);
    if (row.failures === 'unchanged') expect(state.failure).toBeUndefined();
    else if (row.failures !== undefined) expect(state.failure?.consecutiveFailures).toBe(row.failures);
    if (row.quarantined !== undefined) expect(state.quarantine !== undefined).toBe(row.quarantined);
  });
});

describe('settle details', () => {
  it('a failure backs off exponentially and keeps the message', () => {
    const s = settle({ mode: 'apply', groups: [{ plan: plan('drifted'), prior: prior({ consecutiveFailures: 2 }), desiredName: 'G', remoteName: null, failure: refused }], blockedReason: null, now: NOW, quarantineAfter: 5 });
    expect(s.states[0]!.failure).toEqual({ consecutiveFailures: 3, nextAttemptAt: new Date(NOW.getTime() + backoffMs(3)), lastErrorCode: 1002, lastError: refused.message });
    expect(backoffMs(3)).toBe(120_000);
    expect(backoffMs(20)).toBe(3_600_000);
    expect(s.counts).toMatchObject({ checked: 1, drifted: 1, failed: 1, fixed: 0 });
  });

  it('drift age: first seen kept while drift remains, cleared when fixed, untouched when unknown', () => {
    const remains = settle({ mode: 'detect', groups: [{ plan: plan('drifted'), prior: prior({ driftFirstSeenAt: EARLIER }), desiredName: 'G', remoteName: null }], blockedReason: null, now: NOW, quarantineAfter: 5 });
    expect(remains.states[0]!.driftFirstSeenAt).toEqual(EARLIER);
    expect(remains.items[0]!.firstSeenAt).toEqual(EARLIER);
    const fixed = settle({ mode: 'apply', groups: [{ plan: plan('drifted'), prior: prior({ driftFirstSeenAt: EARLIER }), desiredName: 'G', remoteName: null }], blockedReason: null, now: NOW, quarantineAfter: 5 });
    expect(fixed.states[0]!.driftFirstSeenAt).toBeNull();
    const unknown = settle({ mode: 'apply', groups: [{ plan: plan('unknown'), prior: prior({ driftFirstSeenAt: EARLIER }), desiredName: 'G', remoteName: null }], blockedReason: null, now: NOW, quarantineAfter: 5 });
    expect(unknown.states[0]!.driftFirstSeenAt).toEqual(EARLIER);
    const fresh = settle({ mode: 'detect', groups: [{ plan: plan('drifted'), prior: null, desiredName: 'G', remoteName: null }], blockedReason: null, now: NOW, quarantineAfter: 5 });
    expect(fresh.states[0]!.driftFirstSeenAt).toEqual(NOW);
  });

  it('plan (detect) says why a group waits and until when', () => {
    const next = new Date(NOW.getTime() + 60_000);
    const s = settle({
      mode: 'detect',
      groups: [
        { plan: plan('drifted', { groupId: 'f' }), prior: prior({ consecutiveFailures: 2, nextAttemptAt: next, lastError: 'code 1002' }), desiredName: 'F', remoteName: null },
        { plan: plan('quarantined', { groupId: 'q' }), prior: prior({ consecutiveFailures: 5, quarantinedAt: EARLIER, quarantineReason: '5 consecutive failed runs' }), desiredName: 'Q', remoteName: null },
      ],
      blockedReason: null,
      now: NOW,
      quarantineAfter: 5,
    });
    expect(s.items[0]!.reason).toBe('failed 2 time(s) (last error: code 1002); next attempt after 2026-12-01T10:01:00Z');
    expect(s.items[1]!.reason).toBe('quarantined since 2026-12-01T09:00:00Z (5 consecutive failed runs); `rongsync release q` retries it');
  });

  it('a group left in doubt says so', () => {
    const s = settle({ mode: 'apply', groups: [{ plan: plan('drifted'), prior: null, desiredName: 'G', remoteName: null, failure: outage, inDoubt: true }], blockedReason: null, now: NOW, quarantineAfter: 5 });
    expect(s.items[0]!.reason).toContain('in doubt: a write may have landed without an answer');
  });
});
