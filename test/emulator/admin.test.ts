// The inspection API under /_emulator/ and the snapshot file: state, counts, calls, reset, load,
// rate-limit, unknown routes; snapshot saved on close and loaded at start; load() of a large state.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EmulatorError, type CallRecord, type Emulator, type EmulatorSnapshot } from '../../src/emulator/index.js';
import { admin, post, start } from './helpers.js';

describe('inspection API', () => {
  let em: Emulator;
  beforeAll(async () => {
    em = await start();
  });
  afterAll(() => em.close());
  beforeEach(() => em.reset());

  it('state, state?group=, counts and calls?since= reflect API calls', async () => {
    await post(em, '/group/create.json', { userId: ['u2', 'u1'], groupId: 'g1', groupName: 'One' });
    await post(em, '/group/join.json', { userId: 'u3', groupId: 'g2' });
    await post(em, '/group/refresh.json', { groupId: 'missing', groupName: 'x' });

    expect((await admin(em, 'GET', 'state')).body).toEqual({
      groups: { g1: { name: 'One', members: ['u1', 'u2'] }, g2: { name: null, members: ['u3'] } },
    });
    expect((await admin(em, 'GET', 'state?group=g2')).body).toEqual({ groups: { g2: { name: null, members: ['u3'] } } });
    expect((await admin(em, 'GET', 'state?group=none')).body).toEqual({ groups: {} });
    expect((await admin(em, 'GET', 'counts')).body).toEqual({
      '/group/create.json': 1,
      '/group/join.json': 1,
      '/group/refresh.json': 1,
      total: 3,
    });
    const all = (await admin<{ calls: CallRecord[] }>(em, 'GET', 'calls')).body.calls;
    expect(all.map((c) => [c.seq, c.path, c.status, c.code])).toEqual([
      [1, '/group/create.json', 200, 200],
      [2, '/group/join.json', 200, 200],
      [3, '/group/refresh.json', 400, 1002],
    ]);
    expect(all[0]!.params).toEqual({ userId: ['u2', 'u1'], groupId: ['g1'], groupName: ['One'] });
    const since = (await admin<{ calls: CallRecord[] }>(em, 'GET', 'calls?since=2')).body.calls;
    expect(since.map((c) => c.seq)).toEqual([3]);
    expect(em.calls()).toEqual(all);
  });

  it('admin calls are not counted, need no signature, and bad input answers 400 / 404', async () => {
    await admin(em, 'GET', 'state');
    await admin(em, 'GET', 'counts');
    expect(em.counts()).toEqual({ total: 0 });
    const unknown = await admin<{ error: string }>(em, 'GET', 'nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatch(/GET \/_emulator\/state/);
    expect((await admin(em, 'GET', 'calls?since=-1')).status).toBe(400);
    expect((await admin(em, 'PUT', 'rate-limit', { perSecond: 'fast' })).status).toBe(400);
    const badLoad = await admin<{ error: string }>(em, 'POST', 'load', { groups: { g: { members: 'u1' } } });
    expect(badLoad.status).toBe(400);
    expect(badLoad.body.error).toMatch(/groups\.g/);
  });

  it('POST load replaces the state; POST reset empties state, counts and calls', async () => {
    await post(em, '/group/join.json', { userId: 'u1', groupId: 'before' });
    const snap: EmulatorSnapshot = { groups: { a: { name: 'A', members: ['x', 'y'] }, empty: { name: null, members: [] } } };
    expect((await admin(em, 'POST', 'load', snap)).body).toEqual({ ok: true, groups: 1 });
    expect(em.state()).toEqual({ groups: { a: { name: 'A', members: ['x', 'y'] } } });
    // The user index is rebuilt by load: sync sees x's loaded membership.
    await post(em, '/group/sync.json', { userId: 'x' });
    expect(em.state().groups.a!.members).toEqual(['y']);

    expect((await admin(em, 'POST', 'reset')).body).toEqual({ ok: true });
    expect(em.state()).toEqual({ groups: {} });
    expect(em.counts()).toEqual({ total: 0 });
    expect(em.calls()).toEqual([]);
  });

  it('PUT rate-limit applies at once', async () => {
    expect((await admin(em, 'PUT', 'rate-limit', { perSecond: 2 })).body).toEqual({ perSecond: 2 });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(em, '/group/user/query.json', { groupId: 'g' })).status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
    expect((await admin(em, 'GET', 'rate-limit')).body).toEqual({ perSecond: 2 });
    await admin(em, 'PUT', 'rate-limit', { perSecond: 0 });
  });
});

describe('snapshot file', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rs-emu-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is written on close() and loaded by the next start', async () => {
    const file = join(dir, 'state.json');
    const first = await start({ snapshotPath: file });
    expect(first.state()).toEqual({ groups: {} });
    await post(first, '/group/create.json', { userId: ['u1', 'u2'], groupId: 'g1', groupName: '群一' });
    await first.close();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ groups: { g1: { name: '群一', members: ['u1', 'u2'] } } });

    const second = await start({ snapshotPath: file });
    try {
      expect(second.state()).toEqual({ groups: { g1: { name: '群一', members: ['u1', 'u2'] } } });
      const r = await post(second, '/user/group/query.json', { userId: 'u2' });
      expect(r.body.groups).toEqual([{ id: 'g1', name: '群一' }]);
    } finally {
      await second.close();
    }
  });

  it('an unreadable snapshot file fails the start with a message naming the file', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{"groups": {"g": {"name": 1}}}');
    const err = await start({ snapshotPath: file }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmulatorError);
    expect((err as Error).message).toContain(file);
  });
});

describe('load() of a large state', () => {
  it('100k groups × 10 members (1M memberships): state, queries and sync work on it', async () => {
    const em = await start();
    try {
      const groups: EmulatorSnapshot['groups'] = {};
      for (let g = 0; g < 100_000; g++) {
        const members: string[] = [];
        for (let m = 0; m < 10; m++) members.push(`u${(g * 10 + m) % 20_000}`);
        groups[`g${g}`] = { name: `G${g}`, members };
      }
      const began = performance.now();
      em.load({ groups });
      const loadMs = performance.now() - began;
      console.log(`load() of 100k groups x 10 members: ${loadMs.toFixed(0)} ms`);

      const state = em.state();
      expect(Object.keys(state.groups)).toHaveLength(100_000);
      expect(state.groups.g12345).toEqual({ name: 'G12345', members: [...groups.g12345!.members].sort() });
      // u0 is in every 2000th group: 50 groups, found through the per-user index.
      const mine = await post(em, '/user/group/query.json', { userId: 'u0' });
      expect(mine.body.groups).toHaveLength(50);
      await post(em, '/group/sync.json', { userId: 'u0', 'group[g0]': 'G0' });
      expect((await post(em, '/user/group/query.json', { userId: 'u0' })).body.groups).toEqual([{ id: 'g0', name: 'G0' }]);
      expect(em.state().groups.g2000!.members).not.toContain('u0');
    } finally {
      await em.close();
    }
  });
});

describe('start-up errors', () => {
  it('a port in use fails with an EmulatorError that says what to do', async () => {
    const first = await start();
    try {
      const err = await start({ port: first.port }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EmulatorError);
      expect((err as Error).message).toMatch(/in use; pick another port, or 0 for a free one/);
    } finally {
      await first.close();
    }
  });

  it('bad options name the option', async () => {
    await expect(start({ port: 70000 })).rejects.toThrow(/port: 70000 must be an integer from 0 to 65535/);
    await expect(start({ limits: { maxMembersPerGroup: 0 } })).rejects.toThrow(/limits\.maxMembersPerGroup/);
    await expect(start({ faults: { errorRate: -1 } })).rejects.toThrow(/errorRate/);
  });
});
