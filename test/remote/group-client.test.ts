// Round trips of every GroupClient method against the real emulator, asserting on its state,
// plus batching at 1000 ids and fromConfig.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { GroupClient } from '../../src/remote/group-client.js';
import { RemoteError } from '../../src/remote/errors.js';
import { APP_KEY, APP_SECRET, clientFor, emulator, ids, rejection, type Emu, type TestClient } from './helpers.js';

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
beforeEach(() => {
  emu.reset();
  t.events.length = 0;
});

describe('round trips', () => {
  it('create makes the group with its name and members', async () => {
    await t.client.create({ id: 'g1', name: 'Team One', memberIds: ['u1', 'u2', 'u3'] });
    expect(emu.state().groups).toEqual({ g1: { name: 'Team One', members: ['u1', 'u2', 'u3'] } });
    expect(emu.counts()['/group/create.json']).toBe(1);
    expect(t.events).toEqual([
      expect.objectContaining({ endpoint: '/group/create.json', groupId: 'g1', host: emu.url, attempt: 1, outcome: 'ok', httpStatus: 200, code: 200 }),
    ]);
  });

  it('invite adds members through /group/join.json, with and without a name', async () => {
    await t.client.create({ id: 'g1', name: 'Team', memberIds: ['u1'] });
    await t.client.invite({ id: 'g1', memberIds: ['u2', 'u3'] });
    expect(emu.state().groups.g1).toEqual({ name: 'Team', members: ['u1', 'u2', 'u3'] });
    await t.client.invite({ id: 'g1', memberIds: ['u4'], name: 'Renamed' });
    expect(emu.state().groups.g1).toEqual({ name: 'Renamed', members: ['u1', 'u2', 'u3', 'u4'] });
    expect(emu.counts()['/group/join.json']).toBe(2);
    const last = emu.calls().at(-1)!;
    expect(last.params).toMatchObject({ userId: ['u4'], groupId: ['g1'], groupName: ['Renamed'] });
  });

  it('join adds one member and sends no groupName when none is given', async () => {
    await t.client.join({ id: 'g2', memberId: 'u1', name: 'Two' });
    await t.client.join({ id: 'g2', memberId: 'u2' });
    expect(emu.state().groups.g2).toEqual({ name: 'Two', members: ['u1', 'u2'] });
    expect(emu.calls().at(-1)!.params.groupName).toBeUndefined();
    expect(t.events.at(-1)).toMatchObject({ endpoint: '/group/join.json', groupId: 'g2', userId: 'u2', outcome: 'ok' });
  });

  it('quit removes one member', async () => {
    await t.client.create({ id: 'g1', name: 'T', memberIds: ['u1', 'u2'] });
    await t.client.quit({ id: 'g1', memberId: 'u1' });
    expect(emu.state().groups.g1!.members).toEqual(['u2']);
    expect(emu.calls().at(-1)).toMatchObject({ path: '/group/quit.json', params: { userId: ['u1'], groupId: ['g1'] } });
  });

  it('kick removes several members through /group/quit.json', async () => {
    await t.client.create({ id: 'g1', name: 'T', memberIds: ['u1', 'u2', 'u3'] });
    await t.client.kick({ id: 'g1', memberIds: ['u1', 'u3'] });
    expect(emu.state().groups.g1!.members).toEqual(['u2']);
    expect(emu.calls().at(-1)).toMatchObject({ path: '/group/quit.json', params: { userId: ['u1', 'u3'] } });
  });

  it('dismiss removes the group, sending the operator as userId', async () => {
    await t.client.create({ id: 'g1', name: 'T', memberIds: ['u1', 'u2'] });
    await t.client.dismiss({ id: 'g1', operator: 'rongsync' });
    expect(emu.state().groups).toEqual({});
    expect(emu.calls().at(-1)).toMatchObject({ path: '/group/dismiss.json', params: { userId: ['rongsync'], groupId: ['g1'] } });
  });

  it('refresh renames the group', async () => {
    await t.client.create({ id: 'g1', name: 'Old', memberIds: ['u1'] });
    await t.client.refresh({ id: 'g1', name: 'New name 新' });
    expect(emu.state().groups.g1!.name).toBe('New name 新');
  });

  it('refresh of a missing group is a RemoteError with the remote message', async () => {
    const e = await rejection(t.client.refresh({ id: 'nope', name: 'x' }));
    expect(e).toBeInstanceOf(RemoteError);
    expect(e).toMatchObject({ code: 1002, httpStatus: 400, endpoint: '/group/refresh.json', groupId: 'nope' });
    expect(e.message).toContain('/group/refresh.json');
    expect(e.message).toContain('"nope"');
    expect(e.message).toContain('code 1002');
    expect(e.message).toContain((e as RemoteError).errorMessage);
    expect(t.events).toHaveLength(1); // not retried
  });

  it('sync replaces the user’s whole group set with group[<id>]=<name> pairs', async () => {
    await t.client.create({ id: 'old', name: 'Old', memberIds: ['u1'] });
    await t.client.sync({ id: 'u1', groups: [{ id: 'a', name: 'A' }, { id: 'b', name: 'B b' }] });
    expect(emu.state().groups).toEqual({ a: { name: 'A', members: ['u1'] }, b: { name: 'B b', members: ['u1'] } });
    expect(emu.calls().at(-1)!.params).toEqual({ userId: ['u1'], 'group[a]': ['A'], 'group[b]': ['B b'] });
    await t.client.sync({ id: 'u1', groups: [] });
    expect(emu.state().groups).toEqual({});
  });

  it('getMembers maps the wire field users to members', async () => {
    await t.client.create({ id: 'g1', name: 'T', memberIds: ['u2', 'u1'] });
    await expect(t.client.getMembers({ id: 'g1' })).resolves.toEqual({ members: [{ id: 'u1' }, { id: 'u2' }] });
    await expect(t.client.getMembers({ id: 'empty' })).resolves.toEqual({ members: [] });
    expect(emu.counts()['/group/user/query.json']).toBe(2);
  });

  it('userGroups lists the user’s groups', async () => {
    await t.client.create({ id: 'g1', name: 'One', memberIds: ['u1'] });
    await t.client.create({ id: 'g2', name: 'Two', memberIds: ['u1', 'u2'] });
    await expect(t.client.userGroups({ id: 'u1' })).resolves.toEqual([
      { id: 'g1', name: 'One' },
      { id: 'g2', name: 'Two' },
    ]);
  });

  it('sends user ids, names and group ids with reserved characters intact', async () => {
    const odd = ['a+b', 'c&d=e', 'x y', '名字', 'p%20q'];
    await t.client.create({ id: 'g-1_x', name: 'a&b=c+d %', memberIds: odd });
    expect(emu.state().groups['g-1_x']).toEqual({ name: 'a&b=c+d %', members: [...odd].sort() });
  });
});

describe('batching at 1000 ids', () => {
  it('invite of 2500 ids is 3 sequential join calls', async () => {
    const members = ids('u', 2500);
    await t.client.invite({ id: 'big', memberIds: members });
    expect(emu.counts()['/group/join.json']).toBe(3);
    expect(emu.calls().map((c) => c.params.userId!.length)).toEqual([1000, 1000, 500]);
    expect(emu.state().groups.big!.members).toHaveLength(2500);
  });

  it('create with 2500 ids is one create of the first 1000, then joins of the rest', async () => {
    const members = ids('m', 2500);
    await t.client.create({ id: 'big', name: 'Big', memberIds: members });
    const calls = emu.calls();
    expect(calls.map((c) => [c.path, c.params.userId!.length])).toEqual([
      ['/group/create.json', 1000],
      ['/group/join.json', 1000],
      ['/group/join.json', 500],
    ]);
    expect(calls[0]!.params.userId).toEqual(members.slice(0, 1000));
    expect(emu.state().groups.big).toEqual({ name: 'Big', members: [...members].sort() });
  });

  it('kick of 2500 ids is 3 quit calls', async () => {
    const members = ids('k', 2500);
    await t.client.create({ id: 'big', name: 'Big', memberIds: [...members, 'stay'] });
    const before = emu.counts()['/group/quit.json'] ?? 0;
    await t.client.kick({ id: 'big', memberIds: members });
    expect((emu.counts()['/group/quit.json'] ?? 0) - before).toBe(3);
    expect(emu.state().groups.big!.members).toEqual(['stay']);
  });

  it('a failure in the middle of a batch says how far it got', async () => {
    const small = await emulator({ limits: { maxMembersPerGroup: 1500 } });
    const c = clientFor(small.url);
    try {
      const members = ids('u', 2500);
      const e = await rejection(c.client.invite({ id: 'g', memberIds: members }));
      expect(e).toBeInstanceOf(RemoteError);
      expect(e).toMatchObject({ code: 1502, groupId: 'g' });
      expect((e as RemoteError).completedIds).toEqual(members.slice(0, 1000));
      expect((e as RemoteError).pendingIds).toEqual(members.slice(1000));
      expect(e.message).toContain('after 1000 of 2500 ids');
      expect(small.state().groups.g!.members).toHaveLength(1000);
      expect(small.counts()['/group/join.json']).toBe(2); // the third batch was not sent
    } finally {
      c.client.close();
      await small.close();
    }
  });
});

describe('fromConfig', () => {
  it('builds a working client from Config', async () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://x@127.0.0.1/x',
      RONGCLOUD_APP_KEY: APP_KEY,
      RONGCLOUD_APP_SECRET: APP_SECRET,
      RONGCLOUD_API_URL: emu.url,
    });
    const client = GroupClient.fromConfig(config, { retryBaseMs: 1 });
    try {
      await client.join({ id: 'cfg', memberId: 'u1' });
      expect(emu.state().groups.cfg!.members).toEqual(['u1']);
      expect(client.limiter.targetRate).toBe(100);
    } finally {
      client.close();
    }
  });

  it('throws ConfigError when the credentials are missing', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://x@127.0.0.1/x' });
    expect(() => GroupClient.fromConfig(config)).toThrow(ConfigError);
  });
});
