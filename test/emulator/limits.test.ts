// RongCloud's limits (lengths, ids per call, members per group, groups per user, body size) and
// its rate limit, each answered with the documented code and a message naming parameter and limit.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { post, start } from './helpers.js';

const ids = (n: number, prefix = 'u') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('limits (defaults)', () => {
  let em: Emulator;
  beforeAll(async () => {
    em = await start();
  });
  afterAll(() => em.close());
  beforeEach(() => em.reset());

  it('groupId over 64 characters → 1005; exactly 64 is fine', async () => {
    expect((await post(em, '/group/join.json', { userId: 'u1', groupId: 'g'.repeat(64) })).status).toBe(200);
    const r = await post(em, '/group/join.json', { userId: 'u1', groupId: 'g'.repeat(65) });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 1005, errorMessage: 'groupId is 65 characters long; the limit is 64' });
  });

  it('groupName over 64 characters → 1005 (characters, not bytes)', async () => {
    expect((await post(em, '/group/create.json', { userId: 'u1', groupId: 'g', groupName: '群'.repeat(64) })).status).toBe(200);
    const r = await post(em, '/group/refresh.json', { groupId: 'g', groupName: '群'.repeat(65) });
    expect(r.body).toMatchObject({ code: 1005, errorMessage: 'groupName is 65 characters long; the limit is 64' });
    expect(em.state().groups.g!.name).toBe('群'.repeat(64));
  });

  it('userId over 64 bytes → 1005 (bytes: 22 CJK characters are 66 bytes)', async () => {
    const r = await post(em, '/group/join.json', { userId: '群'.repeat(22), groupId: 'g' });
    expect(r.body.code).toBe(1005);
    expect(r.body.errorMessage).toMatch(/is 66 bytes long; the limit is 64 bytes/);
  });

  it('sync: a group id over the limit inside group[...] → 1005', async () => {
    const r = await post(em, '/group/sync.json', { userId: 'u1', [`group[${'x'.repeat(65)}]`]: 'X' });
    expect(r.body.code).toBe(1005);
  });

  it('more than 1000 userId in one call → 1502; 1000 is fine', async () => {
    expect((await post(em, '/group/join.json', { userId: ids(1000), groupId: 'g' })).status).toBe(200);
    const r = await post(em, '/group/quit.json', { userId: ids(1001), groupId: 'g' });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 1502, errorMessage: 'userId: 1001 values given; the limit is 1000 per call' });
    expect(em.state().groups.g!.members).toHaveLength(1000);
  });

  it('a join pushing a group over 3000 members → 1502, all-or-nothing', async () => {
    for (let i = 0; i < 3; i++) await post(em, '/group/join.json', { userId: ids(1000, `b${i}-`), groupId: 'big' });
    expect(em.state().groups.big!.members).toHaveLength(3000);
    // Two new ids plus one existing member: the existing one does not count, the new ones do.
    const r = await post(em, '/group/join.json', { userId: ['b0-0', 'new1', 'new2'], groupId: 'big' });
    expect(r.body.code).toBe(1502);
    expect(r.body.errorMessage).toBe('groupId big: joining 2 new member(s) would make 3002 members; the limit is 3000 members per group');
    expect(em.state().groups.big!.members).toHaveLength(3000);
    expect((await post(em, '/group/join.json', { userId: 'b0-0', groupId: 'big' })).status).toBe(200);
  });

  it('the request body over 100 KB → HTTP 413 / 1508', async () => {
    const r = await post(em, '/group/join.json', { userId: ids(900, 'x'.repeat(120)), groupId: 'g' });
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ code: 1508, errorMessage: 'request body is larger than 102400 bytes (the limit is 100 KB)' });
    expect(em.state().groups).toEqual({});
  });
});

describe('limits (lowered for the test)', () => {
  let em: Emulator;
  beforeAll(async () => {
    em = await start({ limits: { maxGroupsPerUser: 3, maxMembersPerGroup: 2 } });
  });
  afterAll(() => em.close());
  beforeEach(() => em.reset());

  it('a join that would put a user in too many groups → 1502 naming the user; nobody is added', async () => {
    for (const g of ['a', 'b', 'c']) await post(em, '/group/join.json', { userId: 'u1', groupId: g });
    const r = await post(em, '/group/join.json', { userId: ['u2', 'u1'], groupId: 'd' });
    expect(r.body).toMatchObject({ code: 1502, errorMessage: 'userId u1: already in 3 groups; the limit is 3 groups per user' });
    expect(em.state().groups.d).toBeUndefined();
  });

  it('sync over the per-user limit, or into a full group → 1502, state unchanged', async () => {
    const tooMany = await post(em, '/group/sync.json', { userId: 'u1', 'group[a]': 'A', 'group[b]': 'B', 'group[c]': 'C', 'group[d]': 'D' });
    expect(tooMany.body).toMatchObject({ code: 1502, errorMessage: 'userId u1: 4 groups listed; the limit is 3 groups per user' });
    await post(em, '/group/join.json', { userId: ['x', 'y'], groupId: 'full' });
    await post(em, '/group/join.json', { userId: 'u1', groupId: 'mine' });
    const full = await post(em, '/group/sync.json', { userId: 'u1', 'group[full]': 'F' });
    expect(full.body).toMatchObject({ code: 1502, errorMessage: expect.stringMatching(/^group\[full\]: the group already has 2 members; the limit is 2/) });
    expect(em.state().groups).toEqual({ full: { name: null, members: ['x', 'y'] }, mine: { name: null, members: ['u1'] } });
  });
});

describe('ids and names: the rules rongsync applies before sending (src/rules/ids.ts)', () => {
  let em: Emulator;
  beforeAll(async () => {
    em = await start({ limits: { groupIdMax: 30, groupNameMax: 60 } });
  });
  afterAll(() => em.close());
  beforeEach(() => em.reset());

  it('lengths are UTF-16 code units: a 30-emoji group id is 60 long, over 30 → 1005; 15 emoji fit', async () => {
    const r = await post(em, '/group/join.json', { userId: 'u1', groupId: '😀'.repeat(30) });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 1005, errorMessage: 'groupId is 60 UTF-16 code units (30 characters) long; the limit is 30' });
    const inSync = await post(em, '/group/sync.json', { userId: 'u1', 'group[ok]': 'OK', [`group[${'😀'.repeat(30)}]`]: 'Smiles' });
    expect(inSync.body.code).toBe(1005);
    expect(em.state().groups).toEqual({});
    expect((await post(em, '/group/join.json', { userId: 'u1', groupId: '😀'.repeat(15) })).status).toBe(200);
  });

  it.each([
    ['a newline', 'g\n1', 'control character U+000A at position 1'],
    ['a tab', 'g\t1', 'control character U+0009 at position 1'],
    ['ESC', 'g\x1b[0m', 'control character U+001B at position 1'],
    ['a C1 control', 'g\u0085', 'control character U+0085 at position 1'],
    ['a right-to-left override', 'ab\u202ecd', 'bidirectional control U+202E at position 2'],
    ['an isolate', 'ab\u2067cd', 'bidirectional control U+2067 at position 2'],
    ['a right-to-left mark', 'ab\u200fcd', 'bidirectional control U+200F at position 2'],
  ])('a group id or user id holding %s → 1002 naming the character; nothing applied', async (_, id, what) => {
    const g = await post(em, '/group/create.json', { userId: 'u1', groupId: id, groupName: 'G' });
    expect(g.status).toBe(400);
    expect(g.body).toMatchObject({ code: 1002, errorMessage: `groupId contains ${what}` });
    const u = await post(em, '/group/join.json', { userId: ['ok', id], groupId: 'g' });
    expect(u.body).toMatchObject({ code: 1002, errorMessage: `userId ${JSON.stringify(id)} contains ${what}` });
    const s = await post(em, '/group/sync.json', { userId: 'u1', [`group[${id}]`]: 'G' });
    expect(s.body.code).toBe(1002);
    expect(em.state().groups).toEqual({});
  });

  it('names: line breaks and bidi marks are kept; other control characters → 1002', async () => {
    expect((await post(em, '/group/create.json', { userId: 'u1', groupId: 'g', groupName: 'one\ntwo \u200f' })).status).toBe(200);
    expect(em.state().groups.g!.name).toBe('one\ntwo \u200f');
    const r = await post(em, '/group/refresh.json', { groupId: 'g', groupName: 'x\x1b[2J' });
    expect(r.body).toMatchObject({ code: 1002, errorMessage: 'groupName contains control character U+001B at position 1' });
  });

  it('an id with whitespace at either end, or only whitespace → 1002', async () => {
    expect((await post(em, '/group/join.json', { userId: 'u1', groupId: ' g' })).body).toMatchObject({ code: 1002, errorMessage: 'groupId has leading or trailing whitespace' });
    expect((await post(em, '/group/join.json', { userId: '  ', groupId: 'g' })).body).toMatchObject({ code: 1002, errorMessage: 'userId "  " is only whitespace' });
  });
});

describe('rate limit', () => {
  let em: Emulator;
  beforeAll(async () => {
    em = await start({ rateLimitPerSecond: 100 });
  });
  afterAll(() => em.close());
  afterEach(() => em.reset());

  it('150 rapid requests at 100/s: some get 429 / 1008 with Retry-After: 1; counters agree', async () => {
    const began = performance.now();
    const replies = await Promise.all(Array.from({ length: 150 }, () => post(em, '/group/user/query.json', { groupId: 'g' })));
    const elapsed = performance.now() - began;
    const limited = replies.filter((r) => r.status === 429);
    const passed = replies.filter((r) => r.status === 200);
    expect(passed.length + limited.length).toBe(150);
    // The first 100 always pass; exactly 100 when the burst fit in one second (it normally does).
    expect(passed.length).toBeGreaterThanOrEqual(100);
    if (elapsed < 1000) expect(passed.length).toBe(100);
    expect(limited.length).toBeGreaterThan(0);
    for (const r of limited) {
      expect(r.body).toMatchObject({ code: 1008, url: '/group/user/query.json' });
      expect(r.headers.get('retry-after')).toBe('1');
    }
    expect(em.counts()).toEqual({ '/group/user/query.json': 150, total: 150 });
    const calls = em.calls();
    expect(calls).toHaveLength(150);
    expect(calls.filter((c) => c.code === 1008 && c.status === 429)).toHaveLength(limited.length);
  });

  it('setRateLimit(0) turns it off; admin calls are never limited or counted', async () => {
    em.setRateLimit(0);
    const replies = await Promise.all(Array.from({ length: 150 }, () => post(em, '/group/user/query.json', { groupId: 'g' })));
    expect(replies.every((r) => r.status === 200)).toBe(true);
    em.setRateLimit(1);
    for (let i = 0; i < 5; i++) expect((await fetch(`${em.url}/_emulator/counts`)).status).toBe(200);
    expect(em.counts().total).toBe(150);
    em.setRateLimit(100);
  });

  it('the window slides: after a second, requests pass again', async () => {
    em.setRateLimit(3);
    const first = await Promise.all(Array.from({ length: 5 }, () => post(em, '/group/user/query.json', { groupId: 'g' })));
    expect(first.filter((r) => r.status === 429).length).toBe(2);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await post(em, '/group/user/query.json', { groupId: 'g' })).status).toBe(200);
    em.setRateLimit(100);
  });
});
