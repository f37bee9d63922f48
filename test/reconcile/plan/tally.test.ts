// The tally of calls in people's words (plan's and apply's closing lines count with it). Pure.
import { expect, it } from 'vitest';
import { tallyCalls } from '../../../src/reconcile/plan/tally.js';

it('counts groups created with their members, members invited/kicked and into how many groups, renames, dismisses, syncs', () => {
  expect(
    tallyCalls([
      { kind: 'create', groupId: 'a', name: 'A', memberIds: ['u1', 'u2'] },
      { kind: 'invite', groupId: 'b', memberIds: ['u1', 'u2', 'u3'] },
      // A group over 1000 new members is two invites of one group; the second also renames.
      { kind: 'invite', groupId: 'c', memberIds: ['u4'] },
      { kind: 'invite', groupId: 'c', memberIds: ['u5'], name: 'C2' },
      { kind: 'kick', groupId: 'b', memberIds: ['x'] },
      { kind: 'refresh', groupId: 'd', name: 'D2' },
      { kind: 'dismiss', groupId: 'e', operator: 'op' },
      { kind: 'sync', userId: 'u9', groups: [{ id: 'a', name: 'A' }] },
    ]),
  ).toEqual({ calls: 8, groupsCreated: 1, createdMembers: 2, membersInvited: 5, groupsInvitedInto: 2, membersKicked: 1, groupsKickedFrom: 1, renames: 2, dismisses: 1, usersSynced: 1 });
  expect(tallyCalls([]).calls).toBe(0);
});
