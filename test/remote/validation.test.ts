// Inputs that break a limit fail with RemoteValidationError naming field and limit — and the
// emulator's counts prove no request left the client.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RemoteValidationError } from '../../src/remote/errors.js';
import type { GroupClient } from '../../src/remote/group-client.js';
import { APP_SECRET, clientFor, emulator, ids, rejection, type Emu, type TestClient } from './helpers.js';

let emu: Emu;
let t: TestClient;

beforeAll(async () => {
  emu = await emulator();
  t = clientFor(emu.url);
});
afterAll(async () => {
  t.client.close();
  await emu.close();
});
beforeEach(() => emu.reset());

const long = (n: number, ch = 'x') => ch.repeat(n);

interface Case {
  name: string;
  call: (c: GroupClient) => Promise<unknown>;
  field: string;
  limit?: number;
  length?: number;
  says: string;
}

const cases: Case[] = [
  { name: 'empty group id', call: (c) => c.join({ id: '', memberId: 'u1' }), field: 'id', says: 'must not be empty' },
  { name: 'whitespace group id', call: (c) => c.create({ id: '  \t', name: 'n', memberIds: ['u1'] }), field: 'id', says: 'whitespace' },
  { name: 'group id over 30 chars', call: (c) => c.refresh({ id: long(31), name: 'n' }), field: 'id', limit: 30, length: 31, says: 'RONGCLOUD_GROUP_ID_MAX' },
  { name: 'group id of 31 multi-byte chars', call: (c) => c.getMembers({ id: long(31, '群') }), field: 'id', limit: 30, length: 31, says: '31 characters' },
  { name: 'name over 60 chars', call: (c) => c.create({ id: 'g', name: long(61), memberIds: ['u1'] }), field: 'name', limit: 60, length: 61, says: 'RONGCLOUD_GROUP_NAME_MAX' },
  { name: 'empty name on refresh', call: (c) => c.refresh({ id: 'g', name: '' }), field: 'name', says: 'must not be empty' },
  { name: 'join name over 60', call: (c) => c.join({ id: 'g', memberId: 'u', name: long(61) }), field: 'name', limit: 60, says: 'over the limit of 60' },
  { name: 'empty user id', call: (c) => c.quit({ id: 'g', memberId: '' }), field: 'memberId', says: 'must not be empty' },
  { name: 'user id over 64 bytes (22 × 3-byte chars = 66 bytes)', call: (c) => c.join({ id: 'g', memberId: long(22, '用') }), field: 'memberId', limit: 64, length: 66, says: '66 bytes' },
  { name: 'one bad id inside memberIds', call: (c) => c.invite({ id: 'g', memberIds: ['a', 'b', '', 'd'] }), field: 'memberIds[2]', says: 'must not be empty' },
  { name: 'empty memberIds on create', call: (c) => c.create({ id: 'g', name: 'n', memberIds: [] }), field: 'memberIds', length: 0, says: 'empty list' },
  { name: 'empty memberIds on invite', call: (c) => c.invite({ id: 'g', memberIds: [] }), field: 'memberIds', says: 'empty list' },
  { name: 'empty memberIds on kick', call: (c) => c.kick({ id: 'g', memberIds: [] }), field: 'memberIds', says: 'empty list' },
  { name: 'create over 3000 members', call: (c) => c.create({ id: 'g', name: 'n', memberIds: ids('u', 3001) }), field: 'memberIds', limit: 3000, length: 3001, says: 'RONGCLOUD_MAX_MEMBERS_PER_GROUP' },
  { name: 'invite over 3000 members', call: (c) => c.invite({ id: 'g', memberIds: ids('u', 3001) }), field: 'memberIds', limit: 3000, length: 3001, says: '3001 items' },
  { name: 'sync over 500 groups', call: (c) => c.sync({ id: 'u', groups: ids('g', 501).map((id) => ({ id, name: id })) }), field: 'groups', limit: 500, length: 501, says: 'RONGCLOUD_MAX_GROUPS_PER_USER' },
  { name: 'sync group with a long id', call: (c) => c.sync({ id: 'u', groups: [{ id: 'ok', name: 'a' }, { id: long(31), name: 'b' }] }), field: 'groups[1].id', limit: 30, says: 'over the limit' },
  { name: 'sync user id over 64 bytes', call: (c) => c.sync({ id: long(65), groups: [] }), field: 'id', limit: 64, length: 65, says: 'bytes' },
  { name: 'dismiss without operator', call: (c) => c.dismiss({ id: 'g', operator: ' ' }), field: 'operator', says: 'whitespace' },
  { name: 'userGroups with an empty id', call: (c) => c.userGroups({ id: '' }), field: 'id', says: 'must not be empty' },
  { name: 'group id of 30 emoji (60 UTF-16 code units)', call: (c) => c.getMembers({ id: '😀'.repeat(30) }), field: 'id', limit: 30, length: 60, says: 'is 60 UTF-16 code units (30 characters), over the limit of 30 (RONGCLOUD_GROUP_ID_MAX)' },
  { name: 'sync listing a 30-emoji group', call: (c) => c.sync({ id: 'u', groups: [{ id: 'ok', name: 'a' }, { id: '😀'.repeat(30), name: 'b' }] }), field: 'groups[1].id', limit: 30, length: 60, says: '60 UTF-16 code units' },
  { name: 'name of 31 emoji', call: (c) => c.refresh({ id: 'g', name: '🎉'.repeat(31) }), field: 'name', limit: 60, length: 62, says: '62 UTF-16 code units (31 characters)' },
  { name: 'group id with a newline', call: (c) => c.refresh({ id: 'g\n1', name: 'n' }), field: 'id', says: 'contains control character U+000A at position 1, not allowed in a group id' },
  { name: 'group id with ESC', call: (c) => c.create({ id: 'g\x1b[31m', name: 'n', memberIds: ['u'] }), field: 'id', says: 'control character U+001B' },
  { name: 'group id with a right-to-left override', call: (c) => c.getMembers({ id: 'ab\u202ecd' }), field: 'id', says: 'bidirectional control U+202E at position 2' },
  { name: 'member id with an isolate', call: (c) => c.invite({ id: 'g', memberIds: ['a', 'b\u2066c'] }), field: 'memberIds[1]', says: 'bidirectional control U+2066 at position 1, not allowed in a user id' },
  { name: 'kicked id with a tab', call: (c) => c.kick({ id: 'g', memberIds: ['a\tb'] }), field: 'memberIds[0]', says: 'control character U+0009' },
  { name: 'sync group id with a C1 control', call: (c) => c.sync({ id: 'u', groups: [{ id: 'g\u0085', name: 'n' }] }), field: 'groups[0].id', says: 'control character U+0085' },
  { name: 'operator with a newline', call: (c) => c.dismiss({ id: 'g', operator: 'boss\n' }), field: 'operator', says: 'control character U+000A' },
  { name: 'name with ESC', call: (c) => c.create({ id: 'g', name: 'a\x1b[2Jb', memberIds: ['u'] }), field: 'name', says: 'control character U+001B at position 1, not allowed in a group name' },
  { name: 'padded group id', call: (c) => c.join({ id: ' g', memberId: 'u' }), field: 'id', says: 'must not have leading or trailing whitespace (a group id)' },
  { name: 'a number where a string belongs', call: (c) => c.join({ id: 'g', memberId: 42 as unknown as string }), field: 'memberId', says: 'must be a string' },
];

describe('RemoteValidationError before any request', () => {
  it.each(cases)('$name', async ({ call, field, limit, length, says }) => {
    const e = await rejection(call(t.client));
    expect(e).toBeInstanceOf(RemoteValidationError);
    const v = e as RemoteValidationError;
    expect(v.field).toBe(field);
    if (limit !== undefined) expect(v.limit).toBe(limit);
    if (length !== undefined) expect(v.length).toBe(length);
    expect(v.kind).toBe('remote_invalid_input');
    expect(v.message).toContain(says);
    expect(v.message).toContain(field);
    expect(v.message).toContain('no request was sent');
    expect(v.message).toMatch(/^\/(group|user)\//); // names the endpoint
    expect(v.message).not.toContain(APP_SECRET);
    expect(emu.counts().total ?? 0).toBe(0);
  });

  it('names the group in the message and carries endpoint and groupId', async () => {
    const e = (await rejection(t.client.invite({ id: 'team-7', memberIds: ['ok', long(65)] }))) as RemoteValidationError;
    expect(e).toMatchObject({ endpoint: '/group/join.json', groupId: 'team-7', field: 'memberIds[1]', limit: 64, length: 65 });
    expect(e.message).toContain('group "team-7"');
    expect(emu.counts().total ?? 0).toBe(0);
  });

  it('accepts values exactly at the limits', async () => {
    await t.client.create({ id: long(30, 'g'), name: long(60, 'n'), memberIds: [long(64, 'u'), long(21, '用')] });
    expect(emu.state().groups[long(30, 'g')]!.members).toHaveLength(2);
    // 15 emoji are 30 UTF-16 code units; a name may hold line breaks and bidi marks.
    await t.client.create({ id: '😀'.repeat(15), name: `${'🎉'.repeat(29)}\n\u200f`, memberIds: ['u'] });
    expect(emu.state().groups['😀'.repeat(15)]).toEqual({ name: `${'🎉'.repeat(29)}\n\u200f`, members: ['u'] });
  });
});
