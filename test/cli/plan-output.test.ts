// `rongsync plan` prints app data (ids, names, members) through the same escaping as the report:
// an escape sequence never reaches the terminal, and a newline in a name cannot forge a line.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { describeCall } from '../../src/cli/commands/plan.js';
import { runCliCaptured } from '../helpers/cli.js';
import { createHarness, type Harness } from '../helpers/reconcile.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

it('planned calls with a newline or a bidi control in a name print one escaped line each', async () => {
  await h.t.sql(`INSERT INTO groups (id, name) VALUES ('team', $1), ('rtl', $2), ($3, 'Esc')`, [
    'Line one\nrongsync: forged line',
    'abc\u202edef',
    'g\x1b[2J',
  ]);
  await h.t.sql(`INSERT INTO group_members VALUES ('team', 'a'), ('rtl', 'a'), ($1, 'a')`, ['g\x1b[2J']);
  const r = await runCliCaptured(['plan'], h.env);
  expect(r.code).toBe(2);
  expect(r.out).not.toMatch(/[\x1b\u202e]/);
  const lines = r.out.split('\n');
  expect(lines.some((l) => l.startsWith('rongsync: forged'))).toBe(false);
  const calls = lines.slice(lines.findIndex((l) => l.startsWith('Planned calls')) + 1);
  expect(calls.slice(0, 2)).toEqual([
    '  create  rtl "abc\\u202edef" with 1 member(s): a',
    '  create  team "Line one\\x0arongsync: forged line" with 1 member(s): a',
  ]);
  // The id holding ESC is unreconcilable (no call), and shown escaped in the report part.
  expect(r.out).toContain('group g\\x1b[2J  invalid');
  expect(r.out).toContain('group id contains control character U+001B at'); // the report wraps at 80 columns
});

it('describeCall escapes every id and name it prints', () => {
  expect(describeCall({ kind: 'kick', groupId: 'g\x1b[31m', memberIds: ['a\nb', 'c'] })).toBe('kick    g\\x1b[31m: a\\x0ab, c');
  expect(describeCall({ kind: 'sync', userId: 'u\u202e', groups: [{ id: 'x\ny', name: 'n' }] })).toBe('sync    user u\\u202e → 1 group(s): x\\x0ay');
  expect(describeCall({ kind: 'refresh', groupId: 'g', name: 'a\r\nb' })).toBe('refresh g → "a\\x0d\\x0ab"');
  expect(describeCall({ kind: 'dismiss', groupId: 'g', operator: 'o\x07' })).toBe('dismiss g (operator o\\x07)');
  const many = ['a', 'b', 'c', 'd', 'e', 'f\n'];
  expect(describeCall({ kind: 'invite', groupId: 'g', memberIds: many, name: 'N\t' })).toBe('invite  g: a, b, c, d, e … (+1) (and name it "N\\x09")');
});

describe('closing lines, in Terraform\'s spirit', () => {
  // No per-user syncs (the counts below are per group), deletions approved (the guard has its own tests).
  const env = () => ({ ...h.env, RONGSYNC_SYNC_CALLS: 'false', RONGSYNC_ALLOW_DELETES: 'true' });
  beforeEach(async () => {
    await h.t.reset();
    h.emulator.reset();
  });

  it('plan ends with the verdict and one tally line; apply with "Apply complete:" and the verdict', async () => {
    await h.t.sql(`INSERT INTO groups (id, name) VALUES ('e1', 'E1'), ('e2', 'E2'), ('e3', 'E3'), ('e4', 'E4'), ('gone', 'Gone')`);
    await h.t.sql(`INSERT INTO group_members SELECT g, 'm' || i FROM unnest(ARRAY['e1', 'e2', 'e3', 'e4', 'gone']) g, generate_series(1, 10) i`);
    expect((await runCliCaptured(['apply'], env())).code).toBe(0);

    await h.t.sql(`INSERT INTO groups (id, name) VALUES ('n1', 'N1'), ('n2', 'N2'), ('n3', 'N3')`);
    await h.t.sql(`INSERT INTO group_members SELECT g, 'm' || i FROM unnest(ARRAY['n1', 'n2', 'n3']) g, generate_series(1, 2) i`);
    await h.t.sql(`INSERT INTO group_members VALUES ('e1', 'x1'), ('e1', 'x2'), ('e2', 'x3')`);
    await h.t.sql(`DELETE FROM group_members WHERE group_id = 'e3' AND user_id IN ('m1', 'm2')`);
    await h.t.sql(`UPDATE groups SET name = 'E4 renamed' WHERE id = 'e4'`);
    await h.t.sql(`DELETE FROM groups WHERE id = 'gone'`);

    const plan = await runCliCaptured(['plan'], env());
    expect(plan.code).toBe(2);
    const lines = plan.out.trimEnd().split('\n');
    expect(lines.at(-2)).toBe('Drift: 8 group(s) differ from the tables.');
    expect(lines.at(-1)).toBe('Plan: 3 groups to create (6 members), 3 members to invite into 2 groups, 2 to kick from 1 group, 1 rename, 1 dismiss — 8 calls, ~0.1 s at 1,000/s');
    const json = JSON.parse((await runCliCaptured(['plan', '--json'], env())).out) as { tally: Record<string, number> };
    expect(json.tally).toEqual({ calls: 8, groupsCreated: 3, createdMembers: 6, membersInvited: 3, groupsInvitedInto: 2, membersKicked: 2, groupsKickedFrom: 1, renames: 1, dismisses: 1, usersSynced: 0 });

    const apply = await runCliCaptured(['apply'], env());
    expect(apply.code).toBe(0);
    const done = apply.out.trimEnd().split('\n');
    expect(done.at(-2)).toMatch(/^Apply complete: 3 groups created \(6 members\), 3 members invited into 2 groups, 2 kicked from 1 group, 1 renamed, 1 dismissed — 8 calls in \d/);
    expect(done.at(-1)).toBe('In sync: RongCloud matches the tables.');

    const again = await runCliCaptured(['plan'], env());
    expect(again.code).toBe(0);
    expect(again.out.trimEnd().split('\n').at(-1)).toBe('Plan: no calls to make.');
  });

  it('a large plan is bounded: 50 groups and 50 calls listed, the rest counted, the tally last', async () => {
    await h.t.sql(`INSERT INTO groups (id, name) SELECT 'big' || i, 'Big' FROM generate_series(1, 120) i`);
    await h.t.sql(`INSERT INTO group_members SELECT 'big' || i, 'b' || i FROM generate_series(1, 120) i`);
    const plan = await runCliCaptured(['plan'], env());
    expect(plan.code).toBe(2);
    expect(plan.out).toMatch(/\n {2}… and \d+ more \(`rongsync plan --json` lists every call\)\n/);
    expect(plan.out).toMatch(/\n… and \d+ more group\(s\) with drift: `rongsync report --run \d+` lists every one\.\n/);
    const listed = plan.out.split('\n').filter((l) => /^ {2}create {2}big\d+ /.test(l));
    expect(listed).toHaveLength(50);
    expect(plan.out.split('\n').length).toBeLessThan(400);
    expect(plan.out.trimEnd().split('\n').at(-1)).toMatch(/^Plan: 120 groups to create \(120 members\), .* — 120 calls, ~0\.1 s at 1,000\/s$/);
    // --json still carries every call.
    const json = JSON.parse((await runCliCaptured(['plan', '--json'], env())).out) as { calls: unknown[] };
    expect(json.calls).toHaveLength(120);
  });
});
