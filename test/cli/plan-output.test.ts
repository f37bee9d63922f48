// `rongsync plan` prints app data (ids, names, members) through the same escaping as the report:
// an escape sequence never reaches the terminal, and a newline in a name cannot forge a line.
import { afterAll, beforeAll, expect, it } from 'vitest';
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
