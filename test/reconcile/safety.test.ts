// Safety rails: invalid rows, the mass-deletion guard, ignore rules, additive groups, pause,
// quarantine and release, detect mode.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../helpers/reconcile.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ RONGSYNC_MAX_DELETES: '3', RONGSYNC_MAX_DELETE_SHARE: '0.5', RONGSYNC_IGNORE_USERS: '^bot_', RONGSYNC_QUARANTINE_AFTER: '2' });
});
afterAll(() => h.close());
beforeEach(async () => {
  await h.t.reset();
  h.emulator.reset();
});

describe('safety', () => {
  it('reports invalid rows precisely and still converges everything else', async () => {
    const longId = 'x'.repeat(31);
    await h.t.sql(`INSERT INTO groups (id, name) VALUES ($1, 'Too long id'), ('ok', 'Fine'), ('badname', $2)`, [longId, 'n'.repeat(61)]);
    await h.t.sql(`INSERT INTO group_members VALUES ($1, 'a'), ('ok', 'a'), ('ok', '  '), ('ok', $2), ('badname', 'b')`, [longId, 'u'.repeat(65)]);
    const r = await h.run();
    expect(h.remoteMembers()).toEqual({ ok: ['a'] });
    const items = Object.fromEntries(r.items.map((i) => [i.groupId, i]));
    expect(items[longId]).toMatchObject({ kind: 'invalid', outcome: 'skipped' });
    expect(items[longId]!.reason).toMatch(/31.*30/);
    expect(items['badname']!.reason).toMatch(/61.*60/);
    expect(items['ok']).toMatchObject({ kind: 'invalid' });
    expect(items['ok']!.reason).toMatch(/65.*64/);
    expect(r.counts.unreconcilable).toBe(3);
    expect(r.status).toBe('succeeded');
  });

  it('holds back a mass deletion until approved', async () => {
    await h.t.sql(`INSERT INTO groups (id, name) SELECT 'g' || i, 'G' FROM generate_series(1, 4) i`);
    await h.t.sql(`INSERT INTO group_members SELECT 'g' || i, 'u' || j FROM generate_series(1, 4) i, generate_series(1, 2) j`);
    await h.run();
    await h.t.sql(`DELETE FROM groups WHERE id IN ('g1', 'g2', 'g3')`);
    await h.t.sql(`INSERT INTO group_members VALUES ('g4', 'newbie')`);
    const blocked = await h.run();
    expect(blocked.blocked?.deletes).toBe(6);
    expect(blocked.blocked?.reason).toMatch(/--allow-deletes/);
    expect(Object.keys(h.remoteMembers()).sort()).toEqual(['g1', 'g2', 'g3', 'g4']);
    expect(h.remoteMembers()['g4']).toContain('newbie'); // adds still happen
    expect(blocked.items.filter((i) => i.outcome === 'blocked').map((i) => i.groupId).sort()).toEqual(['g1', 'g2', 'g3']);

    const approved = await h.run({ allowDeletes: true });
    expect(approved.blocked).toBeNull();
    expect(Object.keys(h.remoteMembers())).toEqual(['g4']);
  });

  it('never kicks ignored users or extra members of an additive group', async () => {
    await h.t.sql(`INSERT INTO groups (id, name) VALUES ('g1', 'One'), ('g2', 'Two')`);
    await h.t.sql(`INSERT INTO group_members VALUES ('g1', 'a'), ('g2', 'a')`);
    await h.run();
    await h.stranger.invite({ id: 'g1', memberIds: ['bot_1', 'stranger'] });
    await h.stranger.invite({ id: 'g2', memberIds: ['stranger'] });
    await h.t.sql(`INSERT INTO rongsync_group_state (group_id, additive) VALUES ('g2', true) ON CONFLICT (group_id) DO UPDATE SET additive = true`);
    await h.run({ full: true });
    expect(h.remoteMembers()).toEqual({ g1: ['a', 'bot_1'], g2: ['a', 'stranger'] });
  });

  it('a paused group is observed and reported, never written', async () => {
    await h.t.sql(`INSERT INTO groups (id, name) VALUES ('p', 'Paused')`);
    await h.t.sql(`INSERT INTO rongsync_group_state (group_id, paused) VALUES ('p', true)`);
    await h.t.sql(`INSERT INTO group_members VALUES ('p', 'a')`);
    const r = await h.run();
    expect(r.items).toMatchObject([{ groupId: 'p', kind: 'paused', outcome: 'skipped', missingMembers: ['a'] }]);
    expect(h.remoteMembers()).toEqual({});
  });

  it('quarantines a group after repeated failures, skips it, and releases it when the app changes it', async () => {
    await h.t.sql(`INSERT INTO groups (id, name) VALUES ('q', 'Q'), ('fine', 'F')`);
    // A permanent failure: RongCloud's 'q' is already full of members the app doesn't manage
    // (ignored bots, never kicked), so adding 'a' is refused with 1502 every time.
    const bots = Array.from({ length: 3000 }, (_, i) => `bot_${i}`);
    h.emulator.load({ groups: { q: { name: 'Q', members: bots } } });
    await h.t.sql(`INSERT INTO group_members VALUES ('q', 'a')`);
    try {
      const first = await h.run();
      expect(first.counts.failed).toBe(1);
      expect(first.items.find((i) => i.groupId === 'q')).toMatchObject({ outcome: 'failed' });
      // Backoff: the next run skips it until next_attempt_at.
      expect((await h.run()).counts.checked).toBe(0);
      await h.t.sql(`UPDATE rongsync_group_state SET next_attempt_at = now() - interval '1 second'`);
      const second = await h.run();
      expect(second.counts).toMatchObject({ failed: 1, quarantined: 1 });
      const [state] = await h.t.sql<{ quarantined_at: Date | null; consecutive_failures: number }>(`SELECT quarantined_at, consecutive_failures FROM rongsync_group_state WHERE group_id = 'q'`);
      expect(state!.quarantined_at).not.toBeNull();
      expect(state!.consecutive_failures).toBe(2);
      // Quarantined groups are skipped by later runs, and other groups still converge.
      await h.t.sql(`INSERT INTO group_members VALUES ('fine', 'b')`);
      await h.t.sql(`UPDATE rongsync_group_state SET next_attempt_at = now() - interval '1 second'`);
      const third = await h.run();
      expect(third.items.map((i) => i.groupId)).toEqual(['fine']);
    } finally {
      h.emulator.setFaults({});
    }
    const withoutBots = () =>
      Object.fromEntries(Object.entries(h.remoteMembers()).map(([g, m]) => [g, m.filter((u) => !u.startsWith('bot_'))]));
    expect(withoutBots()).toEqual({ fine: ['b'], q: [] });
    // Observing it (detect) does not release it.
    const observed = await h.run({ mode: 'detect', groups: ['q'] });
    expect(observed.items).toMatchObject([{ groupId: 'q', kind: 'quarantined' }]);
    expect((await h.run()).counts.fixed).toBe(0);
    // Someone makes room in the group; then the app changes it: it is released and converges.
    await h.stranger.kick({ id: 'q', memberIds: bots.slice(0, 10) });
    await h.t.sql(`INSERT INTO group_members VALUES ('q', 'z')`);
    const released = await h.run();
    expect(released.counts.fixed).toBe(1);
    expect(withoutBots()).toEqual({ fine: ['b'], q: ['a', 'z'] });
    const [after] = await h.t.sql<{ quarantined_at: Date | null }>(`SELECT quarantined_at FROM rongsync_group_state WHERE group_id = 'q'`);
    expect(after!.quarantined_at).toBeNull();
  });

  it('RongCloud being down backs a group off but never quarantines it', async () => {
    await h.t.sql(`INSERT INTO groups (id, name) VALUES ('t', 'T')`);
    await h.t.sql(`INSERT INTO group_members VALUES ('t', 'a')`);
    h.emulator.setFaults({ errorRate: 1, errorStatus: 503 }); // an outage: every call answers 503
    try {
      for (let i = 0; i < 4; i++) {
        await h.t.sql(`UPDATE rongsync_group_state SET next_attempt_at = now() - interval '1 second'`);
        const r = await h.run();
        // The first try fails its write; the retries read first (a failed group is re-read), so
        // they end as unknown. Both back off; neither quarantines.
        expect(r.counts.failed + r.counts.unknown).toBe(1);
        expect(r.counts.quarantined).toBe(0);
      }
    } finally {
      h.emulator.setFaults({});
    }
    const [state] = await h.t.sql<{ consecutive_failures: number; q: boolean; backoff: boolean }>(
      `SELECT consecutive_failures, quarantined_at IS NOT NULL AS q, next_attempt_at > now() AS backoff FROM rongsync_group_state WHERE group_id = 't'`,
    );
    expect(state).toEqual({ consecutive_failures: 4, q: false, backoff: true }); // QUARANTINE_AFTER is 2
    // RongCloud is back: once the backoff is over the group converges.
    await h.t.sql(`UPDATE rongsync_group_state SET next_attempt_at = now() - interval '1 second'`);
    expect((await h.run()).counts.fixed).toBe(1);
    expect(h.remoteMembers()).toEqual({ t: ['a'] });
  });

  it('detect mode writes nothing remote and keeps the changes pending', async () => {
    await h.t.sql(`INSERT INTO groups (id, name) VALUES ('d', 'D')`);
    await h.t.sql(`INSERT INTO group_members VALUES ('d', 'a')`);
    const r = await h.run({ mode: 'detect' });
    expect(r.items).toMatchObject([{ groupId: 'd', kind: 'missing_group', outcome: 'detected' }]);
    expect(h.emulator.counts()['total'] ?? 0).toBe(0);
    expect((await h.t.sql<{ n: number }>(`SELECT count(*)::int AS n FROM rongsync_changes WHERE group_id = 'd'`))[0]!.n).toBeGreaterThan(0);
    await h.run();
    expect(h.remoteMembers()).toEqual({ d: ['a'] });
  });
});

describe('held work does not spin or leak', () => {
  it('a guard-held apply --full leaves a quarantined group quarantined', async () => {
    await h.t.sql(`INSERT INTO groups (id, name) VALUES ('Q', 'Q'), ('D1', 'D1'), ('D2', 'D2')`);
    await h.t.sql(`INSERT INTO group_members SELECT 'Q', 'q' || i FROM generate_series(1, 2) i`);
    await h.t.sql(`INSERT INTO group_members SELECT d, 'u' || i FROM unnest(ARRAY['D1', 'D2']) d, generate_series(1, 4) i`);
    await h.run();
    await h.t.sql(`DELETE FROM group_members WHERE group_id = 'Q' AND user_id = 'q2'`); // Q now has an extra member remotely
    await h.run({ trigger: 'change', mode: 'detect' });
    await h.t.sql(`DELETE FROM rongsync_changes`);
    await h.t.sql(
      `INSERT INTO rongsync_group_state (group_id, consecutive_failures, quarantined_at, quarantine_reason, updated_at) VALUES ('Q', 2, now(), 'test', now())
       ON CONFLICT (group_id) DO UPDATE SET consecutive_failures = 2, quarantined_at = now(), quarantine_reason = 'test'`,
    );
    await h.t.sql(`DELETE FROM group_members WHERE group_id LIKE 'D%'`); // 8 removals: over the guard (3)
    await h.t.sql(`DELETE FROM rongsync_changes`); // only --full looks at them

    const full = await h.run({ full: true });
    expect(full.blocked).not.toBeNull();
    expect(await h.t.sql(`SELECT group_id FROM rongsync_changes WHERE group_id = 'Q'`)).toEqual([]);
    await h.run({ trigger: 'change' });
    const [state] = await h.t.sql<{ q: boolean }>(`SELECT quarantined_at IS NOT NULL AS q FROM rongsync_group_state WHERE group_id = 'Q'`);
    expect(state).toEqual({ q: true });
  });

  it('detect and dry-run neither release a quarantined group nor acknowledge its changes', async () => {
    await h.t.sql(`INSERT INTO groups (id, name) VALUES ('Q', 'Q')`);
    await h.t.sql(`INSERT INTO group_members VALUES ('Q', 'a')`);
    await h.run();
    await h.t.sql(
      `INSERT INTO rongsync_group_state (group_id, consecutive_failures, quarantined_at, quarantine_reason, updated_at)
       VALUES ('Q', 2, now() - interval '1 hour', 'test', now())
       ON CONFLICT (group_id) DO UPDATE SET consecutive_failures = 2, quarantined_at = now() - interval '1 hour'`,
    );
    await h.t.sql(`INSERT INTO group_members VALUES ('Q', 'b')`); // the app changes it: apply would release it
    for (const mode of ['detect', 'dry-run'] as const) {
      await h.run({ trigger: 'change', mode });
      const [state] = await h.t.sql<{ q: boolean }>(`SELECT quarantined_at IS NOT NULL AS q FROM rongsync_group_state WHERE group_id = 'Q'`);
      expect(state).toEqual({ q: true });
      expect((await h.t.sql(`SELECT 1 FROM rongsync_changes WHERE group_id = 'Q'`)).length).toBeGreaterThan(0);
    }
    await h.run({ trigger: 'change' });
    expect(h.remoteMembers()).toEqual({ Q: ['a', 'b'] });
  });

  it('a full backlog asks for another run only when the run made progress', async () => {
    await h.t.sql(`INSERT INTO groups (id, name) SELECT 'g' || i, 'G' FROM generate_series(1, 5) i`);
    await h.t.sql(`INSERT INTO group_members SELECT 'g' || i, 'u' || j FROM generate_series(1, 5) i, generate_series(1, 2) j`);
    // Progress: the first 3 of 5 dirty groups are created and acknowledged; 2 are still waiting.
    const first = await h.run({ trigger: 'change', maxDirty: 3 });
    expect(first.counts.fixed).toBe(3);
    expect(first.moreDirty).toBe(true);
    await h.run({ trigger: 'change' });
    expect(Object.keys(h.remoteMembers())).toHaveLength(5);

    // Held by the guard: every dirty group is left dirty, so an immediate re-run would take the
    // very same groups again — no progress, no "more".
    await h.t.sql(`DELETE FROM group_members`);
    const held = await h.run({ trigger: 'change', maxDirty: 3 });
    expect(held.blocked).not.toBeNull();
    expect(held.moreDirty).toBe(false);
    // Detect acknowledges nothing either.
    const detect = await h.run({ trigger: 'change', mode: 'detect', maxDirty: 3 });
    expect(detect.moreDirty).toBe(false);
  });
});
