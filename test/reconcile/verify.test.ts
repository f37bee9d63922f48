// Remote drift injected straight into the emulator (by a client outside rongsync) is found by
// verification reads, reported with its age, and corrected.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRunReport } from '../../src/report/load.js';
import { createHarness, type Harness } from '../helpers/reconcile.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  await h.t.sql(`INSERT INTO groups (id, name) VALUES ('g1', 'One'), ('g2', 'Two'), ('g3', 'Three'), ('g4', 'Four')`);
  await h.t.sql(`INSERT INTO group_members VALUES ('g1','a'),('g1','b'),('g2','a'),('g2','c'),('g3','d'),('g4','e'),('g4','f')`);
  await h.run();
});
afterAll(() => h.close());

describe('verification', () => {
  it('finds a stranger, a quitter, a rename and a dismissed group; reports age; fixes them', async () => {
    await h.stranger.join({ id: 'g1', memberId: 'intruder' });
    await h.stranger.quit({ id: 'g2', memberId: 'c' });
    await h.stranger.refresh({ id: 'g3', name: 'Hacked' });
    await h.stranger.dismiss({ id: 'g4', operator: 'x' });

    // A change-triggered run plans from the shadow and sees nothing: the tables did not change.
    expect((await h.run()).counts.checked).toBe(0);

    const detect = await h.run({ mode: 'detect', full: true });
    expect(detect.counts).toMatchObject({ checked: 4, drifted: 4, inSync: 0, fixed: 0 });
    const byGroup = Object.fromEntries(detect.items.map((i) => [i.groupId, i]));
    expect(byGroup['g1']).toMatchObject({ kind: 'members', outcome: 'detected', extraMembers: ['intruder'], missingMembers: [] });
    expect(byGroup['g2']).toMatchObject({ kind: 'members', outcome: 'detected', missingMembers: ['c'], extraMembers: [] });
    expect(byGroup['g3']).toMatchObject({ kind: 'name', outcome: 'detected', desiredName: 'Three', remoteName: 'Hacked' });
    expect(byGroup['g4']).toMatchObject({ kind: 'missing_group', outcome: 'detected', missingMembers: ['e', 'f'] });
    expect(h.emulator.state().groups['g1']!.members).toContain('intruder'); // detect wrote nothing

    await new Promise((r) => setTimeout(r, 30));
    // A plain apply now fixes what detect found (it left those groups dirty).
    const fix = await h.run();
    expect(fix.counts).toMatchObject({ checked: 4, drifted: 4, fixed: 4, failed: 0 });
    for (const item of fix.items) {
      expect(item.outcome).toBe('fixed');
      // Drift age runs from the detect run, not from this one.
      expect(item.firstSeenAt.getTime()).toBe(byGroup[item.groupId]!.firstSeenAt.getTime());
    }
    const report = (await loadRunReport(h.t.db.prisma, fix.runId))!;
    expect(report.items.every((i) => i.ageMs >= 30)).toBe(true);

    expect(h.remoteMembers()).toEqual({ g1: ['a', 'b'], g2: ['a', 'c'], g3: ['d'], g4: ['e', 'f'] });
    expect(h.remoteNames()).toEqual({ g1: 'One', g2: 'Two', g3: 'Three', g4: 'Four' });

    const clean = await h.run({ full: true });
    expect(clean.counts).toMatchObject({ checked: 4, inSync: 4, drifted: 0 });
    expect(clean.items).toEqual([]);
  });

  it('a verification slice reads the least recently read groups first', async () => {
    await h.stranger.join({ id: 'g2', memberId: 'intruder2' });
    const a = await h.run({ verify: 2 });
    const b = await h.run({ verify: 2 });
    expect(a.counts.checked + b.counts.checked).toBe(4);
    expect(h.remoteMembers()['g2']).toEqual(['a', 'c']);
  });

  it('a group whose read fails is unknown: skipped and reported, never treated as empty', async () => {
    await h.t.sql(`DELETE FROM group_members WHERE group_id = 'g1' AND user_id = 'b'`);
    h.emulator.setFaults({ errorRate: 1, paths: ['/group/user/query.json'] });
    try {
      const r = await h.run({ groups: ['g1', 'g3'] });
      expect(r.counts.unknown).toBe(2);
      expect(r.status).toBe('partial');
      expect(r.items.map((i) => [i.groupId, i.kind, i.outcome])).toEqual([
        ['g1', 'unknown', 'skipped'],
        ['g3', 'unknown', 'skipped'],
      ]);
      expect(r.items[0]!.reason).toMatch(/remote read failed/);
      // Nothing was kicked or created on a guess.
      expect(h.remoteMembers()['g1']).toEqual(['a', 'b']);
      expect(h.remoteMembers()['g3']).toEqual(['d']);
    } finally {
      h.emulator.setFaults({});
    }
    // The change stays pending and the next run converges it.
    await h.t.sql(`UPDATE rongsync_group_state SET next_attempt_at = now() - interval '1 second'`);
    await h.run();
    expect(h.remoteMembers()['g1']).toEqual(['a']);
  });
});
