// The official RongCloud Node SDK (rongcloud-sdk@3.1.1) as referee: if the real SDK, unmodified,
// can drive every Group call against the emulator and the emulator's state follows, the emulator
// speaks RongCloud's wire format (paths, form encoding, signature, error bodies).
//
// Observed in the SDK's source (node_modules/rongcloud-sdk/lib): one module-level config, so the
// factory re-initialises the same instance (nonce/timestamp computed once, timestamp in seconds);
// HTTP ≥ 400 bodies are turned into {code, msg} — 1004 → {code:'20000'}, 1008 → {code:'20001'},
// any other code passes through with `errorMessage` renamed to `msg` — and the promise RESOLVES.
import { createRequire } from 'node:module';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { APP_KEY, APP_SECRET, start } from './helpers.js';

const require = createRequire(import.meta.url);

interface SdkResult {
  code: number | string;
  msg?: string;
  members?: Array<{ id: string }>;
  [k: string]: unknown;
}
interface SdkGroup {
  sync(user: { id: string; groups: Array<{ id: string; name: string }> }): Promise<SdkResult>;
  create(group: { id: string; name: string; members: Array<{ id: string }> }): Promise<SdkResult>;
  join(group: { id: string; name?: string; member: { id: string } }): Promise<SdkResult>;
  quit(group: { id: string; member: { id: string } }): Promise<SdkResult>;
  dismiss(group: { id: string; member: { id: string } }): Promise<SdkResult>;
  update(group: { id: string; name: string }): Promise<SdkResult>;
  get(group: { id: string }): Promise<SdkResult>;
}
type SdkFactory = (config: { appkey: string; secret: string; api: string }) => { Group: SdkGroup };
const rongcloud = require('rongcloud-sdk') as SdkFactory;

let em: Emulator;
let Group: SdkGroup;

beforeAll(async () => {
  em = await start();
});
afterAll(() => em.close());
beforeEach(() => {
  em.reset();
  em.setRateLimit(0);
  // Re-initialise every time: the SDK keeps ONE global config (a test below swaps the secret).
  Group = rongcloud({ appkey: APP_KEY, secret: APP_SECRET, api: em.url }).Group;
});

describe('official SDK drives every Group call', () => {
  it('create, join (named and unnamed), quit, update, get, dismiss', async () => {
    expect(await Group.create({ id: 'g1', name: 'Team', members: [{ id: 'u1' }, { id: 'u2' }] })).toEqual({ code: 200 });
    expect(em.state().groups.g1).toEqual({ name: 'Team', members: ['u1', 'u2'] });

    expect(await Group.join({ id: 'g1', name: 'Team 2', member: { id: 'u3' } })).toEqual({ code: 200 });
    expect(em.state().groups.g1).toEqual({ name: 'Team 2', members: ['u1', 'u2', 'u3'] });

    // No name: the SDK sends groupName=undefined literally; the name must stay.
    expect(await Group.join({ id: 'g1', member: { id: 'u4' } })).toEqual({ code: 200 });
    expect(em.state().groups.g1).toEqual({ name: 'Team 2', members: ['u1', 'u2', 'u3', 'u4'] });
    expect(em.calls().at(-1)!.params.groupName).toEqual(['undefined']);

    expect(await Group.quit({ id: 'g1', member: { id: 'u2' } })).toEqual({ code: 200 });
    expect(em.state().groups.g1!.members).toEqual(['u1', 'u3', 'u4']);

    expect(await Group.update({ id: 'g1', name: 'Renamed' })).toEqual({ code: 200 });
    expect(em.state().groups.g1!.name).toBe('Renamed');

    expect(await Group.get({ id: 'g1' })).toEqual({ code: 200, members: [{ id: 'u1' }, { id: 'u3' }, { id: 'u4' }] });

    expect(await Group.dismiss({ id: 'g1', member: { id: 'u1' } })).toEqual({ code: 200 });
    expect(em.state().groups).toEqual({});
    expect(await Group.get({ id: 'g1' })).toEqual({ code: 200, members: [] });
  });

  it('sync makes the user’s group set exactly the list (percent-encoded group[...] keys)', async () => {
    await Group.create({ id: 'old', name: 'Old', members: [{ id: 'u1' }, { id: 'u9' }] });
    const r = await Group.sync({ id: 'u1', groups: [{ id: 'a', name: 'A' }, { id: 'b', name: 'B' }] });
    expect(r).toEqual({ code: 200 });
    expect(em.state().groups).toEqual({
      old: { name: 'Old', members: ['u9'] },
      a: { name: 'A', members: ['u1'] },
      b: { name: 'B', members: ['u1'] },
    });
    expect(em.calls().at(-1)!.params['group[a]']).toEqual(['A']);
  });

  it('update of an unknown group passes the 1002 answer through (resolves, errorMessage → msg)', async () => {
    const r = await Group.update({ id: 'ghost', name: 'X' });
    expect(r).toEqual({ code: 1002, msg: 'groupId: group ghost does not exist', url: '/group/refresh.json' });
  });

  it('a wrong secret resolves with the SDK’s signature error {code:"20000"}', async () => {
    const bad = rongcloud({ appkey: APP_KEY, secret: 'wrong-secret', api: em.url }).Group;
    const r = await bad.get({ id: 'g1' });
    expect(r.code).toBe('20000');
    expect(r.msg).toMatch(/签名错误/);
    expect(em.calls().at(-1)).toMatchObject({ status: 401, code: 1004 });
  });

  it('a wrong app key passes 1001 through as it is (not in the SDK’s error table)', async () => {
    const bad = rongcloud({ appkey: 'other-app', secret: APP_SECRET, api: em.url }).Group;
    const r = await bad.get({ id: 'g1' });
    expect(r).toMatchObject({ code: 1001, url: '/group/user/query.json' });
    expect(r.msg).toMatch(/App-Key/);
  });

  it('an over-rate burst gives some calls the SDK’s rate-limit error {code:"20001"}', async () => {
    em.setRateLimit(5);
    const results = await Promise.all(Array.from({ length: 20 }, () => Group.get({ id: 'g1' })));
    const limited = results.filter((r) => r.code === '20001');
    const ok = results.filter((r) => r.code === 200);
    // 5 per second admitted; the burst takes milliseconds, so most of the 20 must be refused.
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(limited.length).toBeGreaterThanOrEqual(10);
    expect(ok.length + limited.length).toBe(20);
    expect(limited[0]!.msg).toMatch(/调用频率超限/);
  });
});
