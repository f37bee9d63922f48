// Scope: which groups one run looks at, and which of them it reads from RongCloud before
// planning (the rest are planned from the shadow).
//
// - `--group ID…`: exactly those, all read.
// - `--full`: every group in the tables or the shadow, all read.
// - otherwise: the dirty groups (change log), failed groups whose backoff is over (read: the
//   failure may mean the shadow is wrong), and the verification slice (read). A quarantined
//   group is taken up again only when the app changed it after the quarantine.
// - always: groups in doubt (a write of theirs may have landed unrecorded) are in scope and read —
//   the shadow cannot be trusted for them.
// - detect and dry-run (what `plan` runs) also take every group with known drift — failed and
//   backing off, quarantined, held by the guard, unreconcilable — so the plan lists all of it,
//   with why each is waiting and until when. They change no bookkeeping.
import type { PrismaClient } from '../generated/prisma/client.js';
import type { RunMode } from './types.js';
import { ID_FORBIDDEN_CHARS } from '../rules/characters.js';
import { ackChanges, readDirtyGroups, type DirtyGroup } from '../store/change-log.js';
import { releaseGroups } from '../store/group-state.js';
import { listInDoubt } from '../store/in-doubt.js';

export interface ScopeRequest {
  mode: RunMode;
  groups?: string[] | undefined;
  full?: boolean | undefined;
  /** Also verify this many least-recently-read groups. */
  verify?: number | undefined;
  /** Most dirty groups to take; undefined = all of them. */
  maxDirty?: number | undefined;
}

export interface Scope {
  /** In the order they are batched. */
  ids: string[];
  /** Groups to read from RongCloud before planning. */
  read: Set<string>;
  /** Dirty groups in scope with the change rows they were read with (acknowledged once settled). */
  dirty: Map<string, DirtyGroup>;
  /** Quarantined groups released because the app changed them. */
  released: string[];
  /** Groups in doubt taken into scope. */
  inDoubt: string[];
  /** More dirty groups were waiting than `maxDirty`. */
  moreDirty: boolean;
}

export async function resolveScope(prisma: PrismaClient, request: ScopeRequest, now: Date, groupIdMax: number): Promise<Scope> {
  const observeOnly = request.mode !== 'apply';

  if (request.groups && request.groups.length > 0) {
    const ids = [...new Set(request.groups)];
    const dirty = await readDirtyGroups(prisma, now, { groupIds: ids, includeBackoff: true });
    const inDoubt = (await listInDoubt(prisma, ids)).map((d) => d.groupId);
    return { ids, read: new Set(ids), dirty: byGroup(dirty), released: [], inDoubt, moreDirty: false };
  }

  const inDoubt = (await listInDoubt(prisma)).map((d) => d.groupId);
  if (request.full) {
    const rows = await prisma.$queryRaw<Array<{ id: string }>>`
      SELECT id FROM groups UNION SELECT group_id FROM rongsync_remote_groups WHERE member_count > 0
      UNION SELECT group_id FROM rongsync_in_doubt ORDER BY 1`;
    const ids = rows.map((r) => r.id);
    const dirty = await readDirtyGroups(prisma, now, { includeBackoff: true });
    return { ids, read: new Set(ids), dirty: byGroup(dirty), released: [], inDoubt, moreDirty: false };
  }

  const dirtyList = await readDirtyGroups(prisma, now, {
    includeBackoff: observeOnly,
    ...(request.maxDirty !== undefined ? { limit: request.maxDirty } : {}),
  });
  const moreDirty = request.maxDirty !== undefined && dirtyList.length >= request.maxDirty;
  const dirty = byGroup(dirtyList);
  const ids = new Set<string>();
  const read = new Set<string>();
  const released: string[] = [];
  const skippedQuarantined: DirtyGroup[] = [];

  // Groups with bookkeeping that matters here: failed, quarantined, and (for plan) known drift.
  const states = await prisma.$queryRaw<Array<{ group_id: string; quarantined_at: Date | null; consecutive_failures: number; next_attempt_at: Date | null; last_status: string | null; paused: boolean }>>`
    SELECT group_id, quarantined_at, consecutive_failures, next_attempt_at, last_status, paused
      FROM rongsync_group_state
     WHERE group_id = ANY(${[...dirty.keys(), ...inDoubt]}::text[])
        OR consecutive_failures > 0 OR quarantined_at IS NOT NULL
        OR (${observeOnly} AND last_status IS NOT NULL AND last_status <> 'in_sync')`;
  const stateOf = new Map(states.map((s) => [s.group_id, s]));

  for (const d of dirtyList) {
    const s = stateOf.get(d.groupId);
    if (s?.quarantined_at && !observeOnly) {
      // The app changed a quarantined group after it was quarantined: give it another chance.
      // Otherwise its changes are acknowledged: nothing happens to it until it is released.
      if (d.latest > s.quarantined_at) released.push(d.groupId);
      else {
        skippedQuarantined.push(d);
        continue;
      }
    }
    ids.add(d.groupId);
    // A group that failed last time is read before it is planned again: the failure may mean the
    // shadow is wrong (e.g. dismissed behind rongsync's back), and planning from it again would
    // repeat the same failing call until the group is quarantined.
    if (s && s.consecutive_failures > 0 && !s.quarantined_at) read.add(d.groupId);
  }
  if (!observeOnly) {
    await releaseGroups(prisma, released);
    await ackChanges(prisma, skippedQuarantined);
  }

  for (const s of states) {
    if (ids.has(s.group_id)) continue;
    const failed = s.consecutive_failures > 0 && !s.quarantined_at;
    if (observeOnly) {
      // plan: everything with known drift, failed groups read afresh.
      if (dirty.has(s.group_id) || failed || s.quarantined_at || (s.last_status && s.last_status !== 'in_sync')) {
        ids.add(s.group_id);
        if (failed && !s.paused) read.add(s.group_id);
      }
    } else if (failed && (s.next_attempt_at === null || s.next_attempt_at <= now)) {
      ids.add(s.group_id);
      read.add(s.group_id);
    }
  }

  for (const id of inDoubt) {
    // A group in doubt that is also backing off (its write failed with no clear answer) waits
    // for its turn like any failed group; plan reads it regardless.
    const s = stateOf.get(id);
    if (!observeOnly && s && (s.quarantined_at || (s.consecutive_failures > 0 && s.next_attempt_at !== null && s.next_attempt_at > now))) continue;
    ids.add(id);
    read.add(id);
  }

  if (request.verify && request.verify > 0) {
    const slice = await prisma.$queryRaw<Array<{ id: string }>>`
      SELECT a.id FROM (
        SELECT g.id, r.read_at FROM groups g LEFT JOIN rongsync_remote_groups r ON r.group_id = g.id
        UNION ALL
        SELECT r.group_id, r.read_at FROM rongsync_remote_groups r
         WHERE r.member_count > 0 AND NOT EXISTS (SELECT 1 FROM groups g WHERE g.id = r.group_id)
      ) a
      LEFT JOIN rongsync_group_state s ON s.group_id = a.id
      WHERE s.quarantined_at IS NULL AND NOT coalesce(s.paused, false)
        -- An id the client refuses (blank, padded, over the limit, a control or bidi character;
        -- src/rules/ids.ts) can never be read, so it would keep its NULL read_at and head every
        -- slice forever; it is reported as unreconcilable. Its length in UTF-16 code units, as the
        -- rule counts: characters above U+FFFF count twice.
        AND char_length(a.id) + char_length(regexp_replace(a.id, '[^\\U00010000-\\U0010FFFF]', '', 'g')) BETWEEN 1 AND ${groupIdMax}
        AND a.id !~ '^\\s|\\s$' AND a.id !~ ${ID_FORBIDDEN_CHARS}
      ORDER BY a.read_at ASC NULLS FIRST, a.id LIMIT ${request.verify}`;
    for (const r of slice) {
      ids.add(r.id);
      read.add(r.id);
    }
  }
  return { ids: [...ids], read, dirty, released, inDoubt, moreDirty };
}

function byGroup(list: DirtyGroup[]): Map<string, DirtyGroup> {
  return new Map(list.map((d) => [d.groupId, d]));
}
