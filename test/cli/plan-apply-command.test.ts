// `rongsync plan` / `apply` through the real CLI entry (in process), against the emulator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../helpers/cli.js';
import { createHarness, type Harness } from '../helpers/reconcile.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const cli = (...argv: string[]) => runCliCaptured(argv, h.env);

describe('plan and apply', () => {
  it('plan exits 0 when in sync, 2 on drift (printing the calls), apply converges, plan is 0 again', async () => {
    expect((await cli('plan')).code).toBe(0);
    await h.t.sql(`INSERT INTO groups (id, name) VALUES ('g1', 'One')`);
    await h.t.sql(`INSERT INTO group_members VALUES ('g1', 'a'), ('g1', 'b')`);

    const plan = await cli('plan');
    expect(plan.code).toBe(2);
    expect(plan.out).toContain('create  g1 "One" with 2 member(s): a, b');
    expect(h.emulator.counts()['total'] ?? 0).toBe(0);

    const json = await cli('plan', '--json');
    expect(json.code).toBe(2);
    const parsed = JSON.parse(json.out) as { inSync: boolean; calls: unknown[] };
    expect(parsed.inSync).toBe(false);
    expect(parsed.calls).toEqual([{ kind: 'create', groupId: 'g1', name: 'One', memberIds: ['a', 'b'] }]);

    // apply --dry-run is plan: the same calls, the same exit code, nothing sent.
    const dry = await cli('apply', '--dry-run');
    expect(dry.code).toBe(2);
    expect(dry.out).toContain('create  g1 "One" with 2 member(s): a, b');
    expect(h.emulator.counts()['total'] ?? 0).toBe(0);

    // --quiet: the closing lines only (verdict and tally), the same exit code.
    const quiet = await cli('plan', '--quiet');
    expect(quiet.code).toBe(2);
    expect(quiet.out.trim().split('\n')).toHaveLength(2);
    expect(quiet.out).toMatch(/^Plan: 1 group to create/m);
    expect(quiet.out).not.toContain('create  g1');
    // The dry run is recorded as such (report list hides it with the plans).
    expect(await h.t.sql(`SELECT mode FROM rongsync_runs ORDER BY id DESC LIMIT 2`)).toEqual([{ mode: 'detect' }, { mode: 'dry-run' }]);

    const apply = await cli('apply');
    expect(apply.code).toBe(0);
    expect(apply.out).toMatch(/g1/);
    expect(h.remoteMembers()).toEqual({ g1: ['a', 'b'] });
    expect((await cli('plan')).code).toBe(0);
    expect((await cli('plan', '--full')).code).toBe(0);
  });

  it('plan exits 1 when a remote read fails', async () => {
    h.emulator.setFaults({ errorRate: 1, paths: ['/group/user/query.json'] });
    try {
      const r = await cli('plan', '--group', 'g1');
      expect(r.code).toBe(1);
    } finally {
      h.emulator.setFaults({});
    }
  });

  it('apply exits 2 when the deletion guard holds deletions back, 0 once approved', async () => {
    await h.t.sql(`INSERT INTO groups (id, name) SELECT 'm' || i, 'M' FROM generate_series(1, 3) i`);
    await h.t.sql(`INSERT INTO group_members SELECT 'm' || i, 'u' || j FROM generate_series(1, 3) i, generate_series(1, 5) j`);
    expect((await cli('apply')).code).toBe(0);
    await h.t.sql(`DELETE FROM groups WHERE id LIKE 'm%'`);
    const blocked = await cli('apply');
    expect(blocked.code).toBe(2);
    expect(blocked.out).toMatch(/allow-deletes/);
    expect((await cli('apply', '--allow-deletes')).code).toBe(0);
    expect(h.remoteMembers()).toEqual({ g1: ['a', 'b'] });
  });

  it('names missing credentials', async () => {
    const r = await runCliCaptured(['plan'], { DATABASE_URL: h.t.url });
    expect(r.code).toBe(1);
    expect(r.err).toContain('RONGCLOUD_APP_KEY: is required to call RongCloud');
  });

  it('apply --quiet prints only the closing lines', async () => {
    await h.t.sql(`INSERT INTO groups (id, name) VALUES ('gq', 'Quiet'); INSERT INTO group_members VALUES ('gq', 'a')`);
    const quiet = await cli('apply', '--quiet');
    expect(quiet.code).toBe(0);
    const lines = quiet.out.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^Apply complete: /);
    expect(h.remoteMembers()['gq']).toEqual(['a']);
  });
});
