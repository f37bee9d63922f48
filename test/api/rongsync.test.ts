// The public API in process: config validated by the environment's schema, plan/apply verdicts,
// operator actions, the group listing by condition, explain, status.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import type { RunProgress } from '../../src/reconcile/progress.js';
import { createRongsync, NotQuarantinedError, type Rongsync } from '../../src/rongsync.js';
import { createHarness, type Harness } from '../helpers/reconcile.js';

let h: Harness;
let rs: Rongsync;
beforeAll(async () => {
  h = await createHarness();
  rs = createRongsync({ env: h.env, config: { RONGSYNC_QUARANTINE_AFTER: 1 } });
});
afterAll(async () => {
  await rs.close();
  await h.close();
});
beforeEach(async () => {
  await h.t.reset();
  h.emulator.reset();
});

describe('createRongsync', () => {
  it('validates config values with the same schema as the environment', () => {
    expect(() => createRongsync({ env: h.env, config: { RONGCLOUD_RATE_LIMIT: 'fast' } })).toThrow(ConfigError);
    expect(() => createRongsync({ env: h.env, config: { RONGCLOUD_RATE_LIMIT: 'fast' } })).toThrow(/RONGCLOUD_RATE_LIMIT: "fast" expected a whole number/);
    expect(rs.config.reconcile.quarantineAfter).toBe(1);
  });
});

describe('plan and apply', () => {
  it('give the CLI verdicts and the planned calls', async () => {
    await h.t.sql(`INSERT INTO groups (id, name) VALUES ('a', 'A')`);
    await h.t.sql(`INSERT INTO group_members VALUES ('a', 'u1')`);
    const plan = await rs.plan();
    expect(plan.verdict).toMatchObject({ exitCode: 2, inSync: false });
    expect(plan.calls).toEqual([{ kind: 'create', groupId: 'a', name: 'A', memberIds: ['u1'] }]);
    const applied = await rs.apply();
    expect(applied.verdict).toMatchObject({ exitCode: 0, inSync: true });
    expect(h.remoteMembers()).toEqual({ a: ['u1'] });
  });
});

describe('progress', () => {
  it('plan and apply tell their progress: groups and calls done of those known, what the writes amounted to', async () => {
    await h.t.sql(`INSERT INTO groups (id, name) SELECT 'r' || i, 'R' FROM generate_series(1, 3) i`);
    await h.t.sql(`INSERT INTO group_members SELECT 'r' || i, 'v' || i FROM generate_series(1, 3) i`);
    const seen: RunProgress[] = [];
    await rs.plan({ full: true, onProgress: (p) => seen.push(p) });
    // plan --full reads: 3 groups (known to RongCloud: none), no writes.
    expect(seen.at(-1)).toMatchObject({ mode: 'detect', finished: true, groups: { total: 3, started: 3, done: 3 }, applied: { calls: 0 } });
    expect(seen.at(-1)!.calls.done).toBe(seen.at(-1)!.calls.planned);

    const applying: RunProgress[] = [];
    await rs.apply({ onProgress: (p) => applying.push(p) });
    const last = applying.at(-1)!;
    expect(last).toMatchObject({ mode: 'apply', finished: true, groups: { total: 3, done: 3 }, calls: { planned: 3, done: 3, failed: 0 } });
    expect(last.applied).toMatchObject({ calls: 3, groupsCreated: 3, createdMembers: 3 });
    // Told as it went: calls counted one by one, never more done than known.
    const done = applying.map((p) => p.calls.done);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(applying.every((p) => p.calls.done + p.calls.failed <= p.calls.planned)).toBe(true);
    expect(new Set(done).size).toBe(4); // 0, 1, 2, 3
  });
});

describe('operator actions', () => {
  it('pause, resume, release, reconcileNow', async () => {
    await h.t.sql(`INSERT INTO groups (id, name) VALUES ('p', 'P'), ('q', 'Q')`);
    await h.t.sql(`INSERT INTO group_members VALUES ('p', 'u1'), ('q', 'u1')`);
    expect(await rs.pause(['p', 'nope'])).toEqual({ unknown: ['nope'] });
    await rs.apply();
    expect(h.remoteMembers()).toEqual({ q: ['u1'] });
    expect((await rs.groups({ condition: 'paused' })).map((g) => g.groupId)).toEqual(['p']);
    expect(await rs.resume(['p', 'q'])).toEqual({ notPaused: ['q'] });
    await rs.apply();
    expect(h.remoteMembers()).toEqual({ p: ['u1'], q: ['u1'] });

    // Quarantine q: a refused call with RONGSYNC_QUARANTINE_AFTER=1.
    await h.t.sql(`INSERT INTO group_members VALUES ('q', 'u2')`);
    h.emulator.setFaults({ errorRate: 1, errorStatus: 400, paths: ['/group/join.json', '/group/sync.json'] });
    expect((await rs.apply()).verdict.exitCode).toBe(1);
    h.emulator.setFaults({});
    expect((await rs.quarantined()).map((g) => g.groupId)).toEqual(['q']);
    await expect(rs.release(['q', 'p'])).rejects.toThrow(NotQuarantinedError);
    expect((await rs.quarantined()).map((g) => g.groupId)).toEqual(['q']);
    await rs.release(['q']);
    expect(await rs.quarantined()).toEqual([]);
    expect((await rs.apply()).verdict.exitCode).toBe(0);
    expect(h.remoteMembers()['q']).toEqual(['u1', 'u2']);

    // Drift made behind rongsync's back: reconcileNow reads the group first.
    await h.stranger.join({ id: 'p', memberId: 'intruder' });
    const now = await rs.reconcileNow(['p']);
    expect(now.verdict.exitCode).toBe(0);
    expect(h.remoteMembers()['p']).toEqual(['u1']);
  });
});

describe('groups, explain, status', () => {
  it('list groups by condition with keyset paging, explain one, summarise all', async () => {
    await h.t.sql(`INSERT INTO groups (id, name) SELECT 'g' || i, 'G' || i FROM generate_series(1, 5) i`);
    await h.t.sql(`INSERT INTO group_members SELECT 'g' || i, 'u' || i FROM generate_series(1, 5) i`);
    await rs.apply();
    const first = await rs.groups({ limit: 2 });
    expect(first.map((g) => g.groupId)).toEqual(['g1', 'g2']);
    const next = await rs.groups({ limit: 2, after: 'g2' });
    expect(next.map((g) => g.groupId)).toEqual(['g3', 'g4']);
    expect(next[0]).toMatchObject({ condition: 'in_sync', desiredMembers: 1, remoteMembers: 1 });

    await h.stranger.join({ id: 'g3', memberId: 'intruder' });
    await h.t.sql(`UPDATE groups SET name = 'Renamed' WHERE id = 'g3'`);
    const e = await rs.explain('g3', { read: true });
    expect(e).not.toBeNull();
    expect(e!.desired).toEqual({ name: 'Renamed', ownerId: null, members: ['u3'] });
    expect(e!.shadow!.members).toEqual(['u3']);
    expect(e!.read).toEqual({ ok: true, name: 'G3', members: ['intruder', 'u3'] });
    expect(e!.diff).toMatchObject({ status: 'drifted', extraMembers: ['intruder'], nameChange: { from: 'G3', to: 'Renamed' } });
    expect(e!.nextCalls.map((c) => c.kind).sort()).toEqual(['kick', 'refresh']);
    expect(e!.pendingChanges).toHaveLength(1);
    expect(e!.recentCalls[0]).toMatchObject({ endpoint: expect.stringMatching(/^\/group\//) });
    // Explain never records its read: the shadow still has what the last run knew.
    expect((await rs.explain('g3'))!.shadow!.members).toEqual(['u3']);
    expect(await rs.explain('nothing-like-it')).toBeNull();

    const status = await rs.status();
    expect(status.groups.in_sync).toBe(5);
    expect(status.backlog.groups).toBe(1);
    expect(status.lastRuns.length).toBeGreaterThan(0);
    expect(status.calls.reduce((n, m) => n + m.calls, 0)).toBeGreaterThan(0);
    expect(status.leader).toBeNull();
  });
});
