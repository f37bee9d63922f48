// README's exit-code table, row by row, through the real CLI: "in sync" (exit 0) only when
// nothing known differs — groups waiting out a backoff, quarantined or unreadable are known drift
// whether or not the run looked at them.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../helpers/cli.js';
import { createHarness, type Harness } from '../helpers/reconcile.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ RONGSYNC_QUARANTINE_AFTER: '2' });
});
afterAll(() => h.close());
beforeEach(async () => {
  await h.t.reset();
  h.emulator.reset();
});
/** Output with line folding undone (the text report wraps long reasons at 80 columns). */
const cli = async (...args: string[]) => {
  const r = await runCliCaptured(args, h.env);
  return { ...r, out: r.out.replace(/\n {2,}(?=\S)/g, ' ') };
};

async function twoGroups(): Promise<void> {
  await h.t.sql(`INSERT INTO groups (id, name) VALUES ('ok', 'Fine'), ('bad', 'Failing')`);
  await h.t.sql(`INSERT INTO group_members VALUES ('ok', 'a'), ('bad', 'a')`);
  expect((await cli('apply')).code).toBe(0);
}

describe('a group that failed on a transient error and waits out its backoff', () => {
  it('plan exits 2 and says until when; apply exits 1 even when the group is not in its scope', async () => {
    await twoGroups();
    await h.t.sql(`INSERT INTO group_members VALUES ('bad', 'b')`);
    h.emulator.setFaults({ errorRate: 1, errorStatus: 503, paths: ['/group/join.json', '/group/sync.json'] });
    const failed = await cli('apply');
    expect(failed.code).toBe(1);
    h.emulator.setFaults({});

    // The group waits out its backoff: a plain apply leaves it out of the run — and still exits 1.
    const again = await cli('apply');
    expect(again.code).toBe(1);
    expect(again.out).toMatch(/Still differing: 1 group\(s\) — 1 failed \(backing off\)/);
    expect(again.out).toMatch(/bad {2}failed \(backing off\): .*503.*; next attempt after \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);

    const plan = await cli('plan');
    expect(plan.code).toBe(2);
    expect(plan.out).toMatch(/failed 1 time\(s\) \(last error: .*503.*\); next attempt after /);
    expect(plan.out).toContain('invite  bad: b');
    expect(plan.out).not.toContain('No pending changes');

    // Once it is retried and converges, both say in sync.
    await h.t.sql(`UPDATE rongsync_group_state SET next_attempt_at = now() - interval '1 second'`);
    expect((await cli('apply')).code).toBe(0);
    expect((await cli('plan')).code).toBe(0);
  }, 30_000);
});

describe('a quarantined group', () => {
  it('keeps plan at 2 and apply at 1 until it is released and converges', async () => {
    await twoGroups();
    await h.t.sql(`INSERT INTO group_members VALUES ('bad', 'b')`);
    h.emulator.setFaults({ errorRate: 1, errorStatus: 400, paths: ['/group/join.json', '/group/sync.json'] });
    expect((await cli('apply')).code).toBe(1);
    await h.t.sql(`UPDATE rongsync_group_state SET next_attempt_at = now() - interval '1 second'`);
    expect((await cli('apply')).code).toBe(1);
    const [state] = await h.t.sql<{ q: boolean }>(`SELECT quarantined_at IS NOT NULL AS q FROM rongsync_group_state WHERE group_id = 'bad'`);
    expect(state!.q).toBe(true);
    h.emulator.setFaults({});

    const plan = await cli('plan');
    expect(plan.code).toBe(2);
    expect(plan.out).toMatch(/quarantined since .*`rongsync release bad` retries it/);
    expect((await cli('apply')).code).toBe(1);
    expect((await cli('quarantine', 'release', 'bad')).code).toBe(0);
    expect((await cli('apply')).code).toBe(0);
    expect((await cli('plan')).code).toBe(0);
  }, 30_000);
});

describe('nothing pending', () => {
  it('plan says what it checked and how fresh that is, not "0 groups"', async () => {
    await twoGroups();
    const cold = await cli('plan');
    expect(cold.code).toBe(0);
    expect(cold.out).toContain('No pending changes');
    expect(cold.out).toContain('tracks 2 group(s)');
    expect(cold.out).toMatch(/None has been read back from RongCloud yet/);
    expect(cold.out).not.toMatch(/all 0 group/);
    expect((await cli('plan', '--full')).code).toBe(0);
    const warm = await cli('plan');
    expect(warm.out).toMatch(/Every one was last verified against RongCloud within \S+ \(oldest read \d{4}-/);
    expect(warm.out).toContain('In sync: RongCloud matches the tables.');
  });
});
