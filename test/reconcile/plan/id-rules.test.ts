// The planner applies the same id and name rules as the client and the emulator (src/rules/ids.ts):
// lengths in UTF-16 code units, no control or bidi characters in ids. A row that breaks them is
// unreconcilable with the exact reason, gets no call, and never drags a user's good groups along.
import { describe, expect, it } from 'vitest';
import { planReconcile } from '../../../src/reconcile/plan/plan.js';
import type { GroupPlan, Plan } from '../../../src/reconcile/plan/types.js';
import { group, input, LIMITS, remote } from './builders.js';

const gp = (plan: Plan, id: string): GroupPlan => plan.groups.find((g) => g.groupId === id)!;
const mentioned = (plan: Plan, id: string) =>
  plan.calls.some((c) => (c.kind === 'sync' ? c.userId === id || c.groups.some((g) => g.id === id) : c.groupId === id));

describe('group id length in UTF-16 code units', () => {
  const emoji = '😀'.repeat(30); // 30 code points, 60 UTF-16 code units

  it('a 30-emoji group id is over RONGCLOUD_GROUP_ID_MAX=30: unreconcilable, naming the length and the limit', () => {
    expect(LIMITS.groupIdMax).toBe(30);
    const plan = planReconcile(input([group(emoji, { name: 'Smiles', members: ['a'] }), group('ok', { name: 'OK', members: ['a'] })]));
    expect(gp(plan, emoji)).toMatchObject({
      status: 'unreconcilable',
      calls: 0,
      invalid: [{ subject: 'group', id: emoji, reason: 'group id is 60 UTF-16 code units (30 characters); the limit is 30 (RONGCLOUD_GROUP_ID_MAX)' }],
    });
    expect(mentioned(plan, emoji)).toBe(false);
    expect(plan.calls).toEqual([{ kind: 'create', groupId: 'ok', name: 'OK', memberIds: ['a'] }]);
  });

  it('15 emoji (30 code units) fit', () => {
    const plan = planReconcile(input([group('😀'.repeat(15), { name: 'Smiles', members: ['a'] })]));
    expect(plan.calls).toEqual([{ kind: 'create', groupId: '😀'.repeat(15), name: 'Smiles', memberIds: ['a'] }]);
  });

  it('group names are measured the same way', () => {
    const plan = planReconcile(input([group('g1', { name: '🎉'.repeat(31), members: ['a'] })]));
    expect(gp(plan, 'g1').invalid).toEqual([
      { subject: 'group', id: 'g1', reason: 'group name is 62 UTF-16 code units (31 characters); the limit is 60 (RONGCLOUD_GROUP_NAME_MAX)' },
    ]);
  });

  it('a user in the emoji group and in good groups is not synced (a sync would list it): the good groups get invites', () => {
    const groups = [
      group(emoji, { name: 'Smiles', members: ['u', 'x'] }),
      ...['A', 'B', 'C'].map((g) => group(g, { name: g, members: ['m', 'u'], remote: remote(['m'], g) })),
    ];
    const plan = planReconcile(input(groups));
    expect(plan.calls.filter((c) => c.kind === 'sync')).toEqual([]);
    expect(plan.calls).toEqual(['A', 'B', 'C'].map((g) => ({ kind: 'invite', groupId: g, memberIds: ['u'] })));
    expect(gp(plan, emoji).status).toBe('unreconcilable');
  });

  it('a user whose out-of-scope group list names the emoji group is not synced either', () => {
    const groups = ['A', 'B', 'C'].map((g) => group(g, { name: g, members: ['m', 'u'], remote: remote(['m'], g) }));
    const users = new Map([
      ['u', { id: 'u', desiredGroups: [...['A', 'B', 'C'].map((g) => ({ id: g, name: g })), { id: emoji, name: 'Smiles' }] }],
      ['m', { id: 'm', desiredGroups: ['A', 'B', 'C'].map((g) => ({ id: g, name: g })) }],
    ]);
    const plan = planReconcile(input(groups, {}, users));
    expect(plan.calls.map((c) => c.kind)).toEqual(['invite', 'invite', 'invite']);
  });
});

describe('control and bidi characters in ids', () => {
  const cases: Array<[id: string, reason: string]> = [
    ['g\n1', 'control character U+000A at position 1'],
    ['g\t1', 'control character U+0009 at position 1'],
    ['g\x1b[31m', 'control character U+001B at position 1'],
    ['g\x00', 'control character U+0000 at position 1'],
    ['g\x7f', 'control character U+007F at position 1'],
    ['g\u0085x', 'control character U+0085 at position 1'],
    ['g\u2028x', 'line separator U+2028 at position 1'],
    ['ab\u202ecba', 'bidirectional control U+202E at position 2'],
    ['ab\u202ax', 'bidirectional control U+202A at position 2'],
    ['ab\u2066x\u2069', 'bidirectional control U+2066 at position 2'],
    ['ab\u200fx', 'bidirectional control U+200F at position 2'],
    ['ab\u200ex', 'bidirectional control U+200E at position 2'],
    ['ab\u061cx', 'bidirectional control U+061C at position 2'],
    ['g\ud800x', 'unpaired surrogate U+D800 at position 1'],
  ];

  // Titles name the character, not the id: a raw bidi control would reorder the test output.
  const named = cases.map(([id, what]) => ({ id, what }));

  it.each(named)('a group id with $what is unreconcilable', ({ id, what }) => {
    const plan = planReconcile(input([group(id, { name: 'T', members: ['a'] }), group('ok', { name: 'T', members: ['a'] })]));
    expect(gp(plan, id)).toMatchObject({ status: 'unreconcilable', calls: 0, invalid: [{ subject: 'group', id, reason: `group id contains ${what}` }] });
    expect(plan.calls).toEqual([{ kind: 'create', groupId: 'ok', name: 'T', memberIds: ['a'] }]);
  });

  it.each(named)('a user id with $what is skipped as a member and never kicked', ({ id, what }) => {
    const plan = planReconcile(input([group('g1', { name: 'T', members: ['a', id, 'b'], remote: remote(['a', `${id}!`], 'T') })]));
    expect(plan.calls).toEqual([{ kind: 'invite', groupId: 'g1', memberIds: ['b'] }]);
    expect(gp(plan, 'g1').invalid).toEqual([
      { subject: 'member', id, reason: `user id contains ${what}; membership skipped` },
      { subject: 'member', id: `${id}!`, reason: `user id contains ${what}; remote member kept (never kicked)` },
    ]);
  });

  it('a trailing newline is reported as the control character it is, not as whitespace', () => {
    const plan = planReconcile(input([group('g1\n', { name: 'T', members: ['a'] })]));
    expect(gp(plan, 'g1\n').invalid[0]!.reason).toBe('group id contains control character U+000A at position 2');
  });

  it('an owner id with a control character is not used as the dismiss operator', () => {
    const g = { ...group('g1', { remote: remote(['a'], 'T') }), lastOwnerId: 'boss\n' };
    const plan = planReconcile(input([g]));
    expect(plan.calls).toEqual([{ kind: 'dismiss', groupId: 'g1', operator: 'rongsync' }]);
  });
});

describe('group names', () => {
  it('may hold line breaks, tabs and bidi marks (text people read)', () => {
    for (const name of ['Line one\nline two', 'a\tb', 'שלום\u200f team', '\u2067عربي\u2069 team', 'x\r\ny']) {
      const plan = planReconcile(input([group('g1', { name, members: ['a'] })]));
      expect(plan.calls, JSON.stringify(name)).toEqual([{ kind: 'create', groupId: 'g1', name, memberIds: ['a'] }]);
    }
  });

  it('must not hold any other control character', () => {
    for (const [name, what] of [
      ['Team\x1b[2J', 'control character U+001B at position 4'],
      ['Team\x07', 'control character U+0007 at position 4'],
      ['T\u009b', 'control character U+009B at position 1'],
    ]) {
      const plan = planReconcile(input([group('g1', { name: name!, members: ['a'] })]));
      expect(gp(plan, 'g1')).toMatchObject({ status: 'unreconcilable', calls: 0, invalid: [{ subject: 'group', id: 'g1', reason: `group name contains ${what}` }] });
    }
  });
});
