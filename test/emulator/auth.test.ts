// The signature check: plain and RC- header names, wrong secret → 401/1004, wrong or missing key
// → 401/1001, and reused nonce/timestamp (as the official SDK does) accepted.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { APP_KEY, APP_SECRET, post, start } from './helpers.js';

let em: Emulator;
beforeAll(async () => {
  em = await start();
});
afterAll(() => em.close());

const query = { groupId: 'g1' };

describe('signature', () => {
  it('accepts plain and RC- prefixed header names', async () => {
    expect((await post(em, '/group/user/query.json', query)).status).toBe(200);
    expect((await post(em, '/group/user/query.json', query, { rcPrefix: true })).status).toBe(200);
  });

  it('a wrong secret answers 401 / 1004', async () => {
    const r = await post(em, '/group/user/query.json', query, { appSecret: 'nope' });
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ code: 1004, url: '/group/user/query.json' });
    expect(r.body.errorMessage).toMatch(/Signature/);
  });

  it('a wrong app key answers 401 / 1001, with either header style', async () => {
    for (const rcPrefix of [false, true]) {
      const r = await post(em, '/group/user/query.json', query, { appKey: 'someone-else', rcPrefix });
      expect(r.status).toBe(401);
      expect(r.body.code).toBe(1001);
    }
  });

  it('missing headers: no key → 1001, no signature → 1004; nothing is applied', async () => {
    const noKey = await fetch(`${em.url}/group/join.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'userId=u1&groupId=g1',
    });
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ code: 1001 });
    const noSig = await fetch(`${em.url}/group/join.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'App-Key': APP_KEY, Nonce: '1', Timestamp: '2' },
      body: 'userId=u1&groupId=g1',
    });
    expect(noSig.status).toBe(401);
    expect(await noSig.json()).toMatchObject({ code: 1004, errorMessage: 'signature headers missing: Signature' });
    expect(em.state().groups).toEqual({});
  });

  it('an uppercase-hex signature is not RongCloud’s format and is refused', async () => {
    const sig = createHash('sha1').update(`${APP_SECRET}12`).digest('hex').toUpperCase();
    const res = await fetch(`${em.url}/group/user/query.json`, {
      method: 'POST',
      headers: { 'App-Key': APP_KEY, Nonce: '1', Timestamp: '2', Signature: sig },
      body: 'groupId=g1',
    });
    expect(res.status).toBe(401);
  });

  it('the same nonce and an old timestamp in seconds are accepted again and again', async () => {
    const nonce = '12345';
    const timestamp = '1500000000';
    const headers = {
      'App-Key': APP_KEY,
      Nonce: nonce,
      Timestamp: timestamp,
      Signature: createHash('sha1').update(APP_SECRET + nonce + timestamp).digest('hex'),
      'content-type': 'application/x-www-form-urlencoded',
    };
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${em.url}/group/user/query.json`, { method: 'POST', headers, body: 'groupId=g1' });
      expect(res.status).toBe(200);
    }
  });
});
