// The request body limit (RongCloud: under 100 KB, code 1508): id lists are cut by encoded size as
// well as by the 1000-id count, and a sync too big for one body is refused before anything is
// sent. Round trips run against the real emulator (which answers 1508 over 102,400 bytes).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fitsSyncBody, formBodyBytes, formEncodedBytes, MAX_BODY_BYTES, splitBatches, syncBodyBytes } from '../../src/remote/batch.js';
import { RemoteError, RemoteValidationError } from '../../src/remote/errors.js';
import { clientFor, emulator, ids, rejection, type Emu, type TestClient } from './helpers.js';

/** The emulator's (and RongCloud's 1024-byte reading of the) limit: bodies above it get 1508. */
const EMULATOR_MAX = 100 * 1024;

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

/** 1000 distinct user ids of 61 UTF-8 bytes: 19 CJK characters and a 4-digit number. */
function cjkIds(n = 1000): string[] {
  const han = '张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林';
  return Array.from({ length: n }, (_, i) => `${han}${String(i).padStart(4, '0')}`);
}

/** Bytes of the body `pairs` make, as URLSearchParams (what Transport sends) encodes it. */
function wireBytes(pairs: [string, string][]): number {
  return new URLSearchParams(pairs).toString().length;
}

/** The body the emulator received, rebuilt from its call log (the length does not depend on order). */
function receivedBytes(params: Record<string, string[]>): number {
  return wireBytes(Object.entries(params).flatMap(([k, vs]) => vs.map((v): [string, string] => [k, v])));
}

function userIdBody(list: string[], rest: [string, string][]): [string, string][] {
  return [...list.map((u): [string, string] => ['userId', u]), ...rest];
}

describe('the size of an encoded body', () => {
  it('formEncodedBytes and formBodyBytes equal what URLSearchParams sends', () => {
    const samples = [
      '',
      'abc',
      'AZaz09*-._',
      'a b+c&d=e%f/g?h#i~!\'()',
      '名字',
      'é ü ß',
      '😀 emoji 👍🏽',
      '\ud800 lone high',
      'lone low \udc00',
      'end high \ud83d',
      '\u0000\u007f\u0080\u07ff\u0800\uffff',
    ];
    // Deterministic pseudo-random strings over the whole UTF-16 range, surrogates included.
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < 300; i++) {
      let s = '';
      const len = next() % 20;
      for (let j = 0; j < len; j++) {
        const r = next() % 4;
        s += String.fromCharCode(r === 0 ? next() % 0x80 : r === 1 ? next() % 0x800 : r === 2 ? 0xd800 + (next() % 0x800) : next() % 0x10000);
      }
      samples.push(s);
    }
    for (const s of samples) {
      expect(formEncodedBytes(s), JSON.stringify(s)).toBe(new URLSearchParams([['', s]]).toString().length - 1);
    }
    const pairs: [string, string][] = samples.slice(0, 50).map((s, i) => [`k${samples[i + 50]}`, s]);
    expect(formBodyBytes(pairs)).toBe(wireBytes(pairs));
    expect(formBodyBytes([])).toBe(0);
    expect(formEncodedBytes('名')).toBe(9);
  });

  it('syncBodyBytes is the size of the sync body; fitsSyncBody compares it with the limit', () => {
    const user = { id: 'u 1', groups: [{ id: 'g[1]', name: '名 &' }, { id: 'g2', name: 'Two' }] };
    const wire: [string, string][] = [['userId', 'u 1'], ['group[g[1]]', '名 &'], ['group[g2]', 'Two']];
    expect(syncBodyBytes(user)).toBe(wireBytes(wire));
    expect(syncBodyBytes({ id: 'u', groups: [] })).toBe('userId=u'.length);
    expect(fitsSyncBody(user)).toBe(true);
    expect(fitsSyncBody(user, syncBodyBytes(user))).toBe(true);
    expect(fitsSyncBody(user, syncBodyBytes(user) - 1)).toBe(false);
    expect(MAX_BODY_BYTES).toBeLessThan(EMULATOR_MAX);
  });
});

describe('splitBatches', () => {
  const ctx = { endpoint: '/group/join.json', groupId: 'g' };

  it('cuts consecutive batches, each as full as both limits allow', () => {
    let seed = 3;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const alphabet = ['a', 'Z', '9', ' ', '&', 'é', '名', '😀'];
    for (let round = 0; round < 40; round++) {
      const list = Array.from({ length: 1 + (next() % 300) }, () =>
        Array.from({ length: 1 + (next() % 12) }, () => alphabet[next() % alphabet.length]).join(''),
      );
      const rest: [string, string][] = round % 2 ? [['groupId', 'g'], ['groupName', '名字 x']] : [['groupId', 'g']];
      const shape = { maxIds: 1 + (next() % 120), maxBodyBytes: 600 + (next() % 4000), idKey: 'userId', rest };
      const batches = splitBatches(list, shape, ctx);
      expect(batches.flat()).toEqual(list);
      for (const [i, b] of batches.entries()) {
        expect(b.length).toBeGreaterThan(0);
        expect(b.length).toBeLessThanOrEqual(shape.maxIds);
        expect(wireBytes(userIdBody(b, rest))).toBeLessThanOrEqual(shape.maxBodyBytes);
        const following = batches[i + 1]?.[0];
        if (following !== undefined) {
          // Greedy: the next id would have broken a limit.
          const grown = [...b, following];
          expect(grown.length > shape.maxIds || wireBytes(userIdBody(grown, rest)) > shape.maxBodyBytes).toBe(true);
        }
      }
    }
  });

  it('an id that cannot fit a body even alone is a RemoteValidationError before any batch', () => {
    const rest: [string, string][] = [['groupId', 'g']];
    const shape = { maxIds: 1000, maxBodyBytes: 60, idKey: 'userId', rest };
    const e = (() => {
      try {
        splitBatches(['ok', '名名名名名'], shape, ctx);
      } catch (err) {
        return err as RemoteValidationError;
      }
      throw new Error('expected a throw');
    })();
    expect(e).toBeInstanceOf(RemoteValidationError);
    expect(e).toMatchObject({ field: 'memberIds[1]', limit: 60, length: wireBytes(userIdBody(['名名名名名'], rest)) });
    expect(e.message).toContain('no request was sent');
  });
});

describe('id lists over the body limit', () => {
  it('an invite of 1000 CJK ids goes in several joins, each body under the limit, and adds them all', async () => {
    const members = cjkIds();
    expect(Buffer.byteLength(members[0]!, 'utf8')).toBe(61);
    expect(wireBytes(userIdBody(members, [['groupId', 'g1']]))).toBeGreaterThan(EMULATOR_MAX); // one call would get 1508
    await t.client.invite({ id: 'g1', memberIds: members });

    const calls = emu.calls();
    expect(calls.length).toBeGreaterThan(1);
    expect(emu.counts()['/group/join.json']).toBe(calls.length);
    for (const c of calls) {
      expect(c).toMatchObject({ path: '/group/join.json', status: 200, code: 200 });
      expect(receivedBytes(c.params)).toBeLessThanOrEqual(MAX_BODY_BYTES);
    }
    expect(calls.flatMap((c) => c.params.userId!)).toEqual(members); // in order, each id once
    expect(t.events.every((e) => e.outcome === 'ok')).toBe(true);
    expect(t.events).toHaveLength(calls.length);
    expect(emu.state().groups.g1!.members).toEqual([...members].sort());
  });

  it('a create of 1000 CJK ids creates with the first batch, then joins the rest, with the name on each', async () => {
    const members = cjkIds();
    const name = '产品研发中心'.repeat(10); // 60 CJK characters
    await t.client.create({ id: 'big', name, memberIds: members });
    const calls = emu.calls();
    expect(calls.map((c) => c.path)).toEqual(['/group/create.json', ...Array(calls.length - 1).fill('/group/join.json')]);
    expect(calls.length).toBeGreaterThan(1);
    for (const c of calls) {
      expect(c).toMatchObject({ status: 200, code: 200, params: { groupId: ['big'], groupName: [name] } });
      expect(receivedBytes(c.params)).toBeLessThanOrEqual(MAX_BODY_BYTES);
    }
    expect(calls.flatMap((c) => c.params.userId!)).toEqual(members);
    expect(emu.state().groups.big).toEqual({ name, members: [...members].sort() });
  });

  it('a kick of 1000 CJK ids goes in several quits, each body under the limit', async () => {
    const members = cjkIds();
    await t.client.create({ id: 'g1', name: 'Team', memberIds: [...members, 'stay'] });
    const since = emu.calls().at(-1)!.seq;
    await t.client.kick({ id: 'g1', memberIds: members });
    const quits = emu.calls().filter((c) => c.seq > since);
    expect(quits.length).toBeGreaterThan(1);
    for (const c of quits) {
      expect(c).toMatchObject({ path: '/group/quit.json', status: 200, code: 200 });
      expect(receivedBytes(c.params)).toBeLessThanOrEqual(MAX_BODY_BYTES);
    }
    expect(quits.flatMap((c) => c.params.userId!)).toEqual(members);
    expect(emu.state().groups.g1!.members).toEqual(['stay']);
  });

  it('both limits apply: 2500 CJK ids never make a call over 1000 ids or over the body limit', async () => {
    const members = cjkIds(2500);
    await t.client.invite({ id: 'g1', memberIds: members });
    const calls = emu.calls();
    for (const c of calls) {
      expect(c.params.userId!.length).toBeLessThanOrEqual(1000);
      expect(receivedBytes(c.params)).toBeLessThanOrEqual(MAX_BODY_BYTES);
    }
    expect(calls.flatMap((c) => c.params.userId!)).toEqual(members);
    expect(emu.state().groups.g1!.members).toHaveLength(2500);
  });

  it('a failure in a later size-cut batch says how far it got (the earlier batch was applied)', async () => {
    const small = await emulator({ limits: { maxMembersPerGroup: 700 } });
    const c = clientFor(small.url);
    try {
      const members = cjkIds();
      const e = await rejection(c.client.invite({ id: 'g', memberIds: members }));
      const calls = small.calls();
      expect(calls).toHaveLength(2);
      const first = calls[0]!.params.userId!.length;
      expect(calls[0]).toMatchObject({ status: 200, code: 200 });
      expect(first).toBeLessThan(700);
      expect(e).toBeInstanceOf(RemoteError);
      expect(e).toMatchObject({ code: 1502, groupId: 'g' });
      expect((e as RemoteError).completedIds).toEqual(members.slice(0, first));
      expect((e as RemoteError).pendingIds).toEqual(members.slice(first));
      expect(e.message).toContain(`after ${first} of 1000 ids`);
      expect(small.state().groups.g!.members).toHaveLength(first);
    } finally {
      c.client.close();
      await small.close();
    }
  });

  it('a short ASCII list is still one call', async () => {
    await t.client.invite({ id: 'g1', memberIds: ids('user-', 1000) });
    expect(emu.counts()['/group/join.json']).toBe(1);
  });
});

describe('sync over the body limit', () => {
  /** 500 groups with 30-character ids and 60-character names made of `char`. */
  function user500(char: string) {
    return {
      id: 'u1',
      groups: Array.from({ length: 500 }, (_, i) => ({ id: `grp-${String(i).padStart(26, '0')}`, name: char.repeat(60) })),
    };
  }

  it('a sync of 500 groups with 60-character CJK names throws RemoteValidationError and sends nothing', async () => {
    const user = user500('组');
    const bytes = syncBodyBytes(user);
    expect(bytes).toBeGreaterThan(EMULATOR_MAX);
    expect(fitsSyncBody(user)).toBe(false);
    const e = await rejection(t.client.sync(user));
    expect(e).toBeInstanceOf(RemoteValidationError);
    expect(e).toMatchObject({ endpoint: '/group/sync.json', userId: 'u1', field: 'groups', limit: MAX_BODY_BYTES, length: bytes });
    expect(e.message).toContain('"u1"');
    expect(e.message).toContain(String(bytes));
    expect(e.message).toContain(String(MAX_BODY_BYTES));
    expect(e.message).toContain('RONGSYNC_SYNC_CALLS=false');
    expect(e.message).toContain('no request was sent');
    expect(emu.counts().total).toBe(0);
    expect(t.events).toHaveLength(0);
  });

  it('the ASCII sync of 500 groups (30-char ids, 60-char names) still goes as one request', async () => {
    const user = user500('n');
    expect(fitsSyncBody(user)).toBe(true);
    await t.client.sync(user);
    expect(emu.counts()).toEqual({ '/group/sync.json': 1, total: 1 });
    const call = emu.calls()[0]!;
    expect(call).toMatchObject({ status: 200, code: 200 });
    expect(receivedBytes(call.params)).toBe(syncBodyBytes(user));
    expect(emu.state().groups[user.groups[499]!.id]).toEqual({ name: 'n'.repeat(60), members: ['u1'] });
  });

  /** A sync whose body is exactly `target` bytes: 30-char ids, names of up to 60 characters. */
  function syncOfSize(target: number) {
    const groups: { id: string; name: string }[] = [];
    // Each group adds `&group%5B<30>%5D=<name>`: 43 bytes plus the encoded name.
    const add = (cost: number) => {
      const nameBytes = cost - 43;
      const han = Math.min(Math.floor(nameBytes / 9), 52);
      groups.push({ id: `g-${String(groups.length).padStart(28, '0')}`, name: '名'.repeat(han) + 'x'.repeat(nameBytes - 9 * han) });
    };
    let left = target - 'userId=u1'.length;
    while (left > 1000) {
      add(493);
      left -= 493;
    }
    const half = Math.floor(left / 2);
    add(half);
    add(left - half);
    return { id: 'u1', groups };
  }

  it('the limit is inclusive: a body of exactly MAX_BODY_BYTES is sent, one byte more is not', async () => {
    const at = syncOfSize(MAX_BODY_BYTES);
    const over = syncOfSize(MAX_BODY_BYTES + 1);
    expect(syncBodyBytes(at)).toBe(MAX_BODY_BYTES);
    expect(wireBytes(at.groups.map((g): [string, string] => [`group[${g.id}]`, g.name]).concat([['userId', 'u1']]))).toBe(MAX_BODY_BYTES);
    expect(syncBodyBytes(over)).toBe(MAX_BODY_BYTES + 1);

    const e = await rejection(t.client.sync(over));
    expect(e).toBeInstanceOf(RemoteValidationError);
    expect(emu.counts().total).toBe(0);

    await t.client.sync(at);
    expect(emu.counts()['/group/sync.json']).toBe(1);
    expect(receivedBytes(emu.calls()[0]!.params)).toBe(MAX_BODY_BYTES);
    expect(emu.state().groups[at.groups[0]!.id]!.members).toEqual(['u1']);
  });

  it('field problems are still reported as before, ahead of the size check', async () => {
    const user = user500('组');
    user.groups[3]!.name = 'x'.repeat(61);
    const e = await rejection(t.client.sync(user));
    expect(e).toMatchObject({ field: 'groups[3].name', limit: 60 });
    expect(emu.counts().total).toBe(0);
  });
});
