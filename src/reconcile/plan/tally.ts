// What a list of calls amounts to, in the words people count in: groups created, members invited
// into how many groups, members kicked, renames, dismisses, users synced. One definition for the
// planned calls (`plan`'s closing line) and the calls RongCloud accepted (`apply`'s). Pure.
import type { PlannedCall } from './types.js';

export interface CallCounts {
  calls: number;
  groupsCreated: number;
  /** Members the created groups were created with. */
  createdMembers: number;
  membersInvited: number;
  /** Distinct groups invited into. */
  groupsInvitedInto: number;
  membersKicked: number;
  /** Distinct groups kicked from. */
  groupsKickedFrom: number;
  /** refresh calls, and invites that also set the name. */
  renames: number;
  dismisses: number;
  usersSynced: number;
}

export class CallTally {
  readonly #counts: CallCounts = emptyCallCounts();
  readonly #invited = new Set<string>();
  readonly #kicked = new Set<string>();

  add(call: PlannedCall): void {
    const c = this.#counts;
    c.calls++;
    switch (call.kind) {
      case 'create':
        c.groupsCreated++;
        c.createdMembers += call.memberIds.length;
        return;
      case 'invite':
        c.membersInvited += call.memberIds.length;
        this.#invited.add(call.groupId);
        if (call.name !== undefined) c.renames++;
        return;
      case 'kick':
        c.membersKicked += call.memberIds.length;
        this.#kicked.add(call.groupId);
        return;
      case 'refresh':
        c.renames++;
        return;
      case 'dismiss':
        c.dismisses++;
        return;
      case 'sync':
        c.usersSynced++;
        return;
    }
  }

  counts(): CallCounts {
    return { ...this.#counts, groupsInvitedInto: this.#invited.size, groupsKickedFrom: this.#kicked.size };
  }
}

export function emptyCallCounts(): CallCounts {
  return { calls: 0, groupsCreated: 0, createdMembers: 0, membersInvited: 0, groupsInvitedInto: 0, membersKicked: 0, groupsKickedFrom: 0, renames: 0, dismisses: 0, usersSynced: 0 };
}

export function tallyCalls(calls: Iterable<PlannedCall>): CallCounts {
  const t = new CallTally();
  for (const c of calls) t.add(c);
  return t.counts();
}
