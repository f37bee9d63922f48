// Writes that may have landed without an answer. A `rongsync apply` killed while its call is on
// the wire (RongCloud applied it), a leader killed with calls in flight, a call that timed out: the
// shadow no longer says what RongCloud holds. Such groups are marked in doubt before the write is
// sent and read from RongCloud before they are planned again — so the next run neither repeats the
// write nor says "in sync" over a difference.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../helpers/cli.js';
import { createHarness, type Harness } from '../helpers/reconcile.js';
import { waitFor } from '../helpers/wait.js';

let h: Harness;
const children: ChildProcess[] = [];
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await h.close();
});
beforeEach(async () => {
  await h.t.reset();
  h.emulator.reset();
});

function rongsync(args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, ['bin/rongsync.js', ...args], {
    env: { ...process.env, ...h.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.resume();
  children.push(child);
  return child;
}

const cli = (...args: string[]) => runCliCaptured(args, h.env);
const writes = () => h.emulator.calls().filter((c) => c.changed !== undefined);

/** Starts `rongsync apply` as a child and SIGKILLs it once the emulator has applied a call to `path` (its answer held back). */
async function killApplyDuring(path: string): Promise<void> {
  h.emulator.setFaults({ latencyMs: 60_000, paths: [path] });
  const child = rongsync(['apply']);
  await waitFor(() => h.emulator.calls().some((c) => c.path === path && c.changed === true), `the emulator to apply ${path}`, 20_000);
  child.kill('SIGKILL');
  await once(child, 'exit');
  h.emulator.setFaults({});
}

describe('apply killed while its write is on the wire', () => {
  it('a member added then removed by the app: the next apply reads the group and kicks it', async () => {
    await h.t.sql(`INSERT INTO groups (id, name) VALUES ('G', 'Team')`);
    await h.t.sql(`INSERT INTO group_members VALUES ('G', 'alice'), ('G', 'bob')`);
    expect((await cli('apply')).code).toBe(0);

    await h.t.sql(`INSERT INTO group_members VALUES ('G', 'carol')`);
    await killApplyDuring('/group/join.json');
    expect(h.remoteMembers()['G']).toEqual(['alice', 'bob', 'carol']); // RongCloud applied it
    const [mark] = await h.t.sql<{ pending: number; calls: string[] }>(`SELECT pending, calls FROM rongsync_in_doubt WHERE group_id = 'G'`);
    expect(mark).toMatchObject({ pending: 1 });

    await h.t.sql(`DELETE FROM group_members WHERE user_id = 'carol'`); // the app reverts

    const plan = await cli('plan');
    expect(plan.code).toBe(2); // carol is still in RongCloud: never "in sync"
    expect(plan.out).toContain('kick    G: carol');

    const apply = await cli('apply');
    expect(apply.code).toBe(0);
    expect(h.remoteMembers()).toEqual({ G: ['alice', 'bob'] });
    expect((await cli('plan')).code).toBe(0);
    expect(await h.t.sql(`SELECT group_id FROM rongsync_in_doubt`)).toEqual([]);

    // The killed run is not left "running": the next run marked it interrupted, saying when it was last seen.
    const runs = await h.t.sql<{ status: string; error: string | null }>(`SELECT status, error FROM rongsync_runs ORDER BY id`);
    expect(runs.filter((r) => r.status === 'running')).toEqual([]);
    expect(runs[1]).toMatchObject({ status: 'interrupted' });
    expect(runs[1]!.error).toMatch(/^interrupted: the process running it stopped .*; last seen \d{4}-\d\d-\d\dT/);
    const report = await cli('report', '--run', String((await h.t.sql<{ id: number }>(`SELECT id FROM rongsync_runs WHERE status = 'interrupted'`))[0]!.id));
    expect(report.out).toContain('interrupted');
  }, 60_000);

  it('a group deleted then re-created by the app: the next apply creates it afresh', async () => {
    await h.t.sql(`INSERT INTO groups (id, name) VALUES ('G', 'Old')`);
    await h.t.sql(`INSERT INTO group_members VALUES ('G', 'alice'), ('G', 'bob')`);
    expect((await cli('apply')).code).toBe(0);

    await h.t.sql(`DELETE FROM groups WHERE id = 'G'`);
    await killApplyDuring('/group/dismiss.json');
    expect(h.remoteMembers()).toEqual({}); // dismissed, but rongsync never heard it

    await h.t.sql(`INSERT INTO groups (id, name) VALUES ('G', 'New')`);
    await h.t.sql(`INSERT INTO group_members VALUES ('G', 'alice'), ('G', 'carol')`);
    const before = writes().length;
    expect((await cli('apply')).code).toBe(0);
    expect(h.remoteMembers()).toEqual({ G: ['alice', 'carol'] });
    expect(h.remoteNames()).toEqual({ G: 'New' });
    expect(writes().slice(before).every((c) => c.changed)).toBe(true);
    expect((await cli('plan')).code).toBe(0);
  }, 60_000);
});

describe('a call that timed out', () => {
  it('leaves its group in doubt; the next run reads it instead of trusting the shadow', async () => {
    await h.t.sql(`INSERT INTO groups (id, name) VALUES ('T', 'Timed')`);
    await h.t.sql(`INSERT INTO group_members VALUES ('T', 'a')`);
    h.emulator.setFaults({ timeoutRate: 1, paths: ['/group/create.json'] });
    const env = { RONGCLOUD_TIMEOUT_MS: '300', RONGCLOUD_MAX_RETRIES: '0' };
    const first = await runCliCaptured(['apply'], { ...h.env, ...env });
    expect(first.code).toBe(1);
    expect(h.remoteMembers()).toEqual({ T: ['a'] }); // it landed
    expect(await h.t.sql(`SELECT group_id FROM rongsync_in_doubt`)).toEqual([{ group_id: 'T' }]);
    h.emulator.setFaults({});

    // A plan reads it: RongCloud has it, so nothing differs — and nothing is in doubt any more.
    const plan = await cli('plan');
    expect(plan.out).not.toContain('create  T');
    expect(await h.t.sql(`SELECT group_id FROM rongsync_in_doubt`)).toEqual([]);
  }, 30_000);
});

describe('leader killed with 16 calls in flight', () => {
  it('the new leader reads the groups in doubt and sends no write that changes nothing', async () => {
    const n = 120;
    await h.t.sql(`INSERT INTO groups (id, name) SELECT 'g' || i, 'Group ' || i FROM generate_series(1, ${n}) i`);
    await h.t.sql(`INSERT INTO group_members SELECT 'g' || i, 'u' || i FROM generate_series(1, ${n}) i`);
    // Every write is applied on arrival and answered a minute later: 16 stay on the wire.
    h.emulator.setFaults({ latencyMs: 60_000, paths: ['/group/create.json', '/group/join.json', '/group/sync.json'] });
    const env = { RONGCLOUD_CONCURRENCY: '16', RONGSYNC_DEBOUNCE_MS: '50' };
    const a = rongsync(['serve'], env);
    await waitFor(() => writes().length >= 16, '16 writes on the wire', 30_000);
    const b = rongsync(['serve'], env);
    await new Promise((r) => setTimeout(r, 300)); // b is up and standing by
    const sent = writes().length;
    expect(sent).toBe(16);
    a.kill('SIGKILL');
    await once(a, 'exit');
    h.emulator.setFaults({});

    await waitFor(() => Object.keys(h.remoteMembers()).length === n, `all ${n} groups in RongCloud`, 40_000);
    await waitFor(async () => (await h.t.sql(`SELECT 1 FROM rongsync_changes LIMIT 1`)).length === 0, 'the backlog to drain', 20_000);
    const all = writes();
    expect(all.filter((c) => !c.changed)).toEqual([]); // no write repeated, none wasted
    expect(all.length).toBe(n);
    b.kill('SIGTERM');
    await once(b, 'exit');
    expect((await cli('plan')).code).toBe(0);
  }, 90_000);
});
