// `rongsync status` (one screen: leader, backlog, groups by condition, verification, guard, last
// runs; --json) and `rongsync explain GROUP` (tables vs shadow vs RongCloud now, state, doubt,
// calls, history, the next calls; unknown id → one line, exit 1), through the real CLI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../helpers/cli.js';
import { createHarness, type Harness } from '../helpers/reconcile.js';
import { startCli, type CliProcess } from '../helpers/serve-process.js';
import { waitFor } from '../helpers/wait.js';

let h: Harness;
const children: CliProcess[] = [];
beforeAll(async () => {
  h = await createHarness({ RONGSYNC_MAX_DELETES: '3', RONGSYNC_SYNC_CALLS: 'false' });
  await h.t.sql(`INSERT INTO groups (id, name) SELECT 'g' || i, 'G' || i FROM generate_series(1, 5) i`);
  await h.t.sql(`INSERT INTO group_members SELECT 'g' || i, 'u' || j FROM generate_series(1, 5) i, generate_series(1, 4) j`);
  expect((await cli('apply')).code).toBe(0);
});
afterAll(async () => {
  for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL');
  await h.close();
});

const cli = (...argv: string[]) => runCliCaptured(argv, h.env);

describe('rongsync status', () => {
  it('one screen without a serve: nobody leads, groups by condition, verification, guard, last runs; exit 0', async () => {
    // g5 loses every member (held by the guard, so its change stays pending), g1 gains one.
    await h.t.sql(`DELETE FROM group_members WHERE group_id = 'g5'`);
    expect((await cli('apply')).code).toBe(2);
    await h.t.sql(`INSERT INTO group_members VALUES ('g1', 'new')`);

    const r = await cli('status');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^rongsync status {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    expect(r.out).toMatch(/^leader {5}no serve leads: changes wait for the next `rongsync apply` or a running `rongsync serve`$/m);
    expect(r.out).toMatch(/^backlog {4}2 group\(s\) with pending changes, the oldest made \S+ ago$/m);
    expect(r.out).toMatch(/^groups {5}5 tracked: 1 held by the deletion guard · 4 in sync$/m);
    expect(r.out).toMatch(/^verified {3}none of 5 group\(s\) read back from RongCloud yet/m);
    expect(r.out).toMatch(/^guard {6}deletions held in 1 group\(s\): approve with `rongsync apply --allow-deletes`$/m);
    expect(r.out).toMatch(/^calls {6}last hour: \d+ to RongCloud · 0 rate limited \(1008\) · 0 failed$/m);
    expect(r.out).toMatch(/^last runs\n {2}RUN +STARTED +TRIGGER +MODE +STATUS/m);
    expect(r.out).toMatch(/^Known drift: 1 group\(s\) — 1 held by the deletion guard\n {2}g5 {2}held by the deletion guard: .{100}…$/m);
    expect(lines.length).toBeLessThan(30);
  });

  it('--json: the library status, with the leader lock holder; a running serve leads', async () => {
    const before = JSON.parse((await cli('status', '--json')).out) as { leaderSession: unknown; groups: Record<string, number>; lastRuns: unknown[] };
    expect(before.leaderSession).toBeNull();
    expect(before.groups).toMatchObject({ blocked: 1, in_sync: 4 });
    expect(before.lastRuns.length).toBeGreaterThan(0);

    const serve = startCli(['serve'], { ...h.env, RONGSYNC_CRON: '0 0 1 1 *' });
    children.push(serve);
    await waitFor(() => serve.logged('rongsync serve started').length > 0, 'serve to start', 60_000);
    const r = await cli('status', '--json');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out) as { leader: unknown; leaderSession: { pid: number; applicationName: string } | null };
    expect(s.leader).toBeNull(); // this process does not serve
    expect(s.leaderSession).toMatchObject({ pid: expect.any(Number), applicationName: 'rongsync-leader' });
    const text = await cli('status');
    expect(text.out).toMatch(/^leader {5}a serve leads \(pid \d+ · rongsync-leader · 127\.0\.0\.1 · session since \d{4}-.* UTC\)$/m);
    serve.child.kill('SIGTERM');
    expect(await serve.exited()).toBe(0);
  }, 90_000);
});

describe('rongsync explain', () => {
  it('tables vs shadow vs RongCloud now, and the exact calls the next run would make', async () => {
    // Behind rongsync's back: an intruder in g2. In the tables: g2 renamed, a member added.
    await h.stranger.invite({ id: 'g2', memberIds: ['intruder'] });
    await h.t.sql(`UPDATE groups SET name = 'Two' WHERE id = 'g2'`);
    await h.t.sql(`INSERT INTO group_members VALUES ('g2', 'u9')`);

    const r = await cli('explain', 'g2');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^group g2 {2}in sync — differs now: the next run changes it$/m);
    expect(r.out).toMatch(/^tables {6}"Two", 5 member\(s\): u1, u2, u3, u4, u9$/m);
    expect(r.out).toMatch(/^shadow {6}"G2", 4 member\(s\): u1, u2, u3, u4 — last read never, last written \d{4}-/m);
    expect(r.out).toMatch(/^RongCloud {3}"G2", 5 member\(s\): intruder, u1, u2, u3, u4 — read now$/m);
    expect(r.out).toMatch(/^difference {2}\+ missing: u9$/m);
    expect(r.out).toMatch(/^ {12}- extra: intruder$/m);
    expect(r.out).toMatch(/^ {12}name "G2" → "Two"$/m);
    expect(r.out).toMatch(/^pending {5}2 change\(s\) not applied yet/m);
    expect(r.out).toMatch(/^next run would call \(2\)\n {2}invite {2}g2: u9 \(and name it "Two"\)\n {2}kick {4}g2: intruder$/m);
    expect(r.out).toMatch(/^recent calls\n {2}\d{4}-.* run #\d+ {2}\/group\/create\.json {2}ok/m);
    expect(r.out).toMatch(/^drift history\n {2}\d{4}-.* run #\d+ manual\/apply {2}missing_group {2}fixed {2}\+4$/m);
    // Read-only: the fresh read was shown, not recorded.
    const [shadow] = await h.t.sql<{ read_at: Date | null }>(`SELECT read_at FROM rongsync_remote_groups WHERE group_id = 'g2'`);
    expect(shadow!.read_at).toBeNull();

    const offline = await cli('explain', 'g2', '--no-read');
    expect(offline.out).toMatch(/^RongCloud {3}not read \(--no-read\)$/m);
    // Without the read, the next calls are planned from the shadow: no kick of the intruder.
    expect(offline.out).toMatch(/^next run would call \(1\)\n {2}invite {2}g2: u9 \(and name it "Two"\)$/m);

    const json = JSON.parse((await cli('explain', 'g2', '--json')).out) as { groupId: string; nextCalls: unknown[]; read: { ok: boolean } };
    expect(json).toMatchObject({ groupId: 'g2', read: { ok: true } });
    expect(json.nextCalls).toHaveLength(2);
  });

  it('a group under backoff shows its failures and next attempt; a held group says why', async () => {
    await h.t.sql(`INSERT INTO group_members VALUES ('g3', 'late')`);
    h.emulator.setFaults({ errorRate: 1, errorStatus: 503, paths: ['/group/join.json', '/group/sync.json'] });
    try {
      expect((await cli('apply', '--group', 'g3')).code).toBe(1);
    } finally {
      h.emulator.setFaults({});
    }
    const r = await cli('explain', 'g3');
    expect(r.out).toMatch(/^group g3 {2}failed \(backing off\): .*503/m);
    expect(r.out).toMatch(/^state {7}failed 1 time\(s\) \(last error: .*503.*\); next attempt after \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/m);
    expect(r.out).toMatch(/^recent calls\n {2}\d{4}-.* run #\d+ {2}\/group\/join\.json {2}remote_error/m);

    const held = await cli('explain', 'g5');
    expect(held.out).toMatch(/^group g5 {2}held by the deletion guard: mass-deletion guard/m);
  });

  it('an unknown group id: one line naming it, exit 1', async () => {
    const r = await cli('explain', 'no-such-group');
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe('rongsync: unknown group "no-such-group": not in the groups table, never seen in RongCloud, no state recorded (check the id; `rongsync status` lists what is tracked)\n');
  });
});
