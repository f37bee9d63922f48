import { describe, expect, it } from 'vitest';
import { modelFromObservations, simulate, SimulationError, type RemoteModel } from '../../../src/reconcile/plan/simulate.js';
import { userIdProblem } from '../../../src/reconcile/plan/validate.js';
import { absent, group, LIMITS, remote, unknown } from './builders.js';

const model = (entries: Record<string, [string | null, string[]]>): RemoteModel =>
  new Map(Object.entries(entries).map(([id, [name, members]]) => [id, { name, members: new Set(members) }]));

describe('simulate (RongCloud group semantics)', () => {
  it('builds the model from known, existing observations only', () => {
    const m = modelFromObservations([
      group('a', { remote: remote(['u'], 'A') }),
      group('b', { remote: absent }),
      group('c', { remote: unknown }),
      group('d', { remote: remote(['v'], null, false) }), // members imply existence
    ]);
    expect(m).toEqual(model({ a: ['A', ['u']], d: [null, ['v']] }));
  });

  it('create/invite add and name, kick removes, refresh renames, dismiss deletes', () => {
    const start = model({ g: ['Old', ['a', 'b']] });
    const end = simulate(start, [
      { kind: 'create', groupId: 'n', name: 'New', memberIds: ['x'] },
      { kind: 'invite', groupId: 'n', memberIds: ['y'] },
      { kind: 'invite', groupId: 'g', memberIds: ['c'], name: 'Mid' },
      { kind: 'kick', groupId: 'g', memberIds: ['a', 'zz'] },
      { kind: 'refresh', groupId: 'g', name: 'Final' },
      { kind: 'invite', groupId: 'i', memberIds: ['q'] },
      { kind: 'dismiss', groupId: 'i', operator: 'op' },
    ]);
    expect(end).toEqual(model({ g: ['Final', ['b', 'c']], n: ['New', ['x', 'y']] }));
    expect(start).toEqual(model({ g: ['Old', ['a', 'b']] })); // input not mutated
  });

  it('sync makes the listed groups exactly the user’s, creating missing ones with the name', () => {
    const end = simulate(model({ a: ['A', ['u', 'v']], b: ['B', ['v']], c: ['C', ['u']] }), [
      { kind: 'sync', userId: 'u', groups: [{ id: 'b', name: 'ignored for existing' }, { id: 'd', name: 'D' }] },
    ]);
    expect(end).toEqual(model({ a: ['A', ['v']], b: ['B', ['v', 'u']], c: ['C', []], d: ['D', ['u']] }));
  });

  it('throws on calls RongCloud would reject', () => {
    const ids = Array.from({ length: 1001 }, (_, i) => `u${i}`);
    expect(() => simulate(new Map(), [{ kind: 'invite', groupId: 'g', memberIds: ids }])).toThrow(SimulationError);
    expect(() => simulate(new Map(), [{ kind: 'refresh', groupId: 'g', name: 'x' }])).toThrow(/call #0 \(refresh\): group g does not exist/);
    expect(() => simulate(new Map(), [{ kind: 'kick', groupId: 'g', memberIds: [] }])).toThrow(/no user ids/);
    expect(() => simulate(new Map(), [{ kind: 'invite', groupId: 'g', memberIds: ['a', 'b', 'c'] }], 2)).toThrow(/3 user ids; the limit is 2/);
  });
});

describe('validation helpers', () => {
  it('accepts a user id of exactly the byte limit and rejects one byte more', () => {
    expect(userIdProblem('x'.repeat(64), LIMITS)).toBeNull();
    expect(userIdProblem(`${'x'.repeat(63)}é`, LIMITS)).toBe('user id is 65 bytes; the limit is 64 (RONGCLOUD_USER_ID_MAX)');
  });
});
