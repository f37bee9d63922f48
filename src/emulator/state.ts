// The in-memory RongCloud group model: groups (name + member set) and a per-user index of group
// ids, kept in step so that sync and "which groups is this user in" never scan all groups.
// Invariants: a group exists only while it has members (RongCloud: a group exists once it has a
// member), and byUser[u] contains g exactly when groups[g].members contains u. Capacity rules
// are checked before any change, so a rejected call changes nothing (all-or-nothing).
import { sortIds } from '../rules/ids.js';
import { ApiError } from './errors.js';
import type { EmulatorGroup, EmulatorLimits, EmulatorSnapshot } from './types.js';

interface GroupRecord {
  name: string | null;
  members: Set<string>;
}

export class GroupStore {
  private readonly groups = new Map<string, GroupRecord>();
  private readonly byUser = new Map<string, Set<string>>();
  /** Counts every effective change (a member added or removed, a group created, a name changed). */
  changes = 0;

  constructor(private readonly limits: Pick<EmulatorLimits, 'maxMembersPerGroup' | 'maxGroupsPerUser'>) {}

  get groupCount(): number {
    return this.groups.size;
  }

  /** Sorted member ids, or [] for a group that does not exist (as RongCloud answers). */
  members(groupId: string): string[] {
    const g = this.groups.get(groupId);
    return g ? sortIds(g.members) : [];
  }

  /** The user's groups, in the order they were joined. */
  groupsOf(userId: string): Array<{ id: string; name: string | null }> {
    const ids = this.byUser.get(userId);
    if (!ids) return [];
    const out: Array<{ id: string; name: string | null }> = [];
    for (const id of ids) out.push({ id, name: this.groups.get(id)!.name });
    return out;
  }

  /** Adds `userIds` to the group, creating it; sets the name when one is given. */
  join(groupId: string, userIds: readonly string[], name: string | null): void {
    const g = this.groups.get(groupId);
    const newcomers = g ? userIds.filter((u) => !g.members.has(u)) : userIds;
    const size = (g?.members.size ?? 0) + newcomers.length;
    if (size > this.limits.maxMembersPerGroup) {
      throw new ApiError(
        1502,
        `groupId ${groupId}: joining ${newcomers.length} new member(s) would make ${size} members; ` +
          `the limit is ${this.limits.maxMembersPerGroup} members per group`,
      );
    }
    for (const u of newcomers) this.checkUserRoom(u, 1);

    const target = g ?? this.createGroup(groupId, name);
    if (name !== null && target.name !== name) {
      target.name = name;
      this.changes++;
    }
    for (const u of newcomers) this.link(groupId, target, u);
  }

  /** Removes the listed users; non-members and unknown groups are a no-op. */
  quit(groupId: string, userIds: readonly string[]): void {
    const g = this.groups.get(groupId);
    if (!g) return;
    for (const u of userIds) this.unlink(groupId, g, u);
  }

  /** Removes the group and every membership in it; unknown groups are a no-op. */
  dismiss(groupId: string): void {
    const g = this.groups.get(groupId);
    if (!g) return;
    for (const u of [...g.members]) this.unlink(groupId, g, u);
  }

  /** Renames an existing group; false when it does not exist. */
  rename(groupId: string, name: string): boolean {
    const g = this.groups.get(groupId);
    if (!g) return false;
    if (g.name !== name) this.changes++;
    g.name = name;
    return true;
  }

  /**
   * Makes the user's group set exactly `wanted` (group id → name used when the group has to be
   * created). Groups the user leaves are removed when they become empty.
   */
  sync(userId: string, wanted: ReadonlyMap<string, string | null>): void {
    if (wanted.size > this.limits.maxGroupsPerUser) {
      throw new ApiError(
        1502,
        `userId ${userId}: ${wanted.size} groups listed; the limit is ${this.limits.maxGroupsPerUser} groups per user`,
      );
    }
    for (const id of wanted.keys()) {
      const g = this.groups.get(id);
      if (g && !g.members.has(userId) && g.members.size + 1 > this.limits.maxMembersPerGroup) {
        throw new ApiError(
          1502,
          `group[${id}]: the group already has ${g.members.size} members; ` +
            `the limit is ${this.limits.maxMembersPerGroup} members per group`,
        );
      }
    }
    const current = this.byUser.get(userId);
    if (current) {
      for (const id of [...current]) {
        if (!wanted.has(id)) this.unlink(id, this.groups.get(id)!, userId);
      }
    }
    for (const [id, name] of wanted) {
      const g = this.groups.get(id) ?? this.createGroup(id, name);
      this.link(id, g, userId);
    }
  }

  /** The whole state, or only `groupId` (absent when it does not exist); members sorted. */
  snapshot(groupId?: string): EmulatorSnapshot {
    const groups: Record<string, EmulatorGroup> = {};
    if (groupId !== undefined) {
      const g = this.groups.get(groupId);
      if (g) groups[groupId] = { name: g.name, members: sortIds(g.members) };
      return { groups };
    }
    for (const [id, g] of this.groups) groups[id] = { name: g.name, members: sortIds(g.members) };
    return { groups };
  }

  /** Replaces everything with `snapshot`; groups without members are skipped (they cannot exist). */
  load(snapshot: EmulatorSnapshot): void {
    this.clear();
    for (const id of Object.keys(snapshot.groups)) {
      const src = snapshot.groups[id]!;
      if (src.members.length === 0) continue;
      const g: GroupRecord = { name: src.name, members: new Set(src.members) };
      this.groups.set(id, g);
      for (const u of g.members) {
        let set = this.byUser.get(u);
        if (!set) this.byUser.set(u, (set = new Set()));
        set.add(id);
      }
    }
  }

  clear(): void {
    this.groups.clear();
    this.byUser.clear();
  }

  private checkUserRoom(userId: string, adding: number): void {
    const have = this.byUser.get(userId)?.size ?? 0;
    if (have + adding > this.limits.maxGroupsPerUser) {
      throw new ApiError(
        1502,
        `userId ${userId}: already in ${have} groups; the limit is ${this.limits.maxGroupsPerUser} groups per user`,
      );
    }
  }

  private createGroup(id: string, name: string | null): GroupRecord {
    const g: GroupRecord = { name, members: new Set() };
    this.groups.set(id, g);
    this.changes++;
    return g;
  }

  private link(groupId: string, g: GroupRecord, userId: string): void {
    if (!g.members.has(userId)) this.changes++;
    g.members.add(userId);
    let set = this.byUser.get(userId);
    if (!set) this.byUser.set(userId, (set = new Set()));
    set.add(groupId);
  }

  private unlink(groupId: string, g: GroupRecord, userId: string): void {
    if (!g.members.delete(userId)) return;
    this.changes++;
    if (g.members.size === 0) this.groups.delete(groupId);
    const set = this.byUser.get(userId)!;
    set.delete(groupId);
    if (set.size === 0) this.byUser.delete(userId);
  }
}
