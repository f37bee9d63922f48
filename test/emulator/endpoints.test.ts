// Each RongCloud group endpoint over real HTTP: what it does to the state, what it answers, and
// the error answers for missing or malformed parameters.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { post, signedHeaders, start } from './helpers.js';

let em: Emulator;
beforeAll(async () => {
  em = await start();
});
afterAll(() => em.close());
beforeEach(() => em.reset());

const ok = { status: 200, body: { code: 200 } };

async function expectError(path: string, form: Parameters<typeof post>[2], code: number, status: number, message: RegExp) {
  const r = await post(em, path, form);
  expect({ status: r.status, code: r.body.code, url: r.body.url }).toEqual({ status, code, url: path });
  expect(r.body.errorMessage).toMatch(message);
}

describe('/group/create.json', () => {
  it('creates the group with its name and members (repeated userId)', async () => {
    expect(await post(em, '/group/create.json', { userId: ['u2', 'u1', 'u2'], groupId: 'g1', groupName: 'One' })).toMatchObject(ok);
    expect(em.state()).toEqual({ groups: { g1: { name: 'One', members: ['u1', 'u2'] } } });
  });

  it('on an existing group adds members and renames (an alias of join)', async () => {
    await post(em, '/group/create.json', { userId: 'u1', groupId: 'g1', groupName: 'One' });
    await post(em, '/group/create.json', { userId: 'u2', groupId: 'g1', groupName: 'Uno' });
    expect(em.state().groups.g1).toEqual({ name: 'Uno', members: ['u1', 'u2'] });
  });

  it('requires userId, groupId and groupName', async () => {
    await expectError('/group/create.json', { groupId: 'g1', groupName: 'x' }, 1002, 400, /^userId is required/);
    await expectError('/group/create.json', { userId: 'u1', groupName: 'x' }, 1002, 400, /^groupId is required/);
    await expectError('/group/create.json', { userId: 'u1', groupId: '', groupName: 'x' }, 1002, 400, /^groupId is required/);
    await expectError('/group/create.json', { userId: 'u1', groupId: 'g1' }, 1002, 400, /^groupName is required/);
    await expectError('/group/create.json', { userId: ['u1', ''], groupId: 'g1', groupName: 'x' }, 1002, 400, /userId must not be empty/);
    expect(em.state().groups).toEqual({});
  });
});

describe('/group/join.json', () => {
  it('adds members; a name is optional, and the literal "undefined" is no name', async () => {
    await post(em, '/group/join.json', { userId: 'u1', groupId: 'g1' });
    expect(em.state().groups.g1).toEqual({ name: null, members: ['u1'] });
    await post(em, '/group/join.json', { userId: ['u2', 'u3'], groupId: 'g1', groupName: 'Named' });
    await post(em, '/group/join.json', { userId: 'u4', groupId: 'g1', groupName: 'undefined' });
    expect(em.state().groups.g1).toEqual({ name: 'Named', members: ['u1', 'u2', 'u3', 'u4'] });
  });

  it('accepts arrays sent before scalars and keys percent-encoded (as the SDK sends them)', async () => {
    const r = await post(em, '/group/join.json', {}, { body: 'userId=u%201&userId=u2&groupId=g%2F1&groupName=A%20B' });
    expect(r).toMatchObject(ok);
    expect(em.state().groups['g/1']).toEqual({ name: 'A B', members: ['u 1', 'u2'] });
  });

  it('rejects a groupId given twice', async () => {
    await expectError('/group/join.json', { userId: 'u1', groupId: ['a', 'b'] }, 1002, 400, /groupId must be given once/);
  });
});

describe('/group/quit.json', () => {
  it('removes the listed members; non-members and unknown groups are a 200 no-op', async () => {
    await post(em, '/group/join.json', { userId: ['u1', 'u2', 'u3'], groupId: 'g1' });
    expect(await post(em, '/group/quit.json', { userId: ['u1', 'u3', 'nobody'], groupId: 'g1' })).toMatchObject(ok);
    expect(em.state().groups.g1!.members).toEqual(['u2']);
    expect(await post(em, '/group/quit.json', { userId: 'u1', groupId: 'ghost' })).toMatchObject(ok);
  });

  it('a group whose last member leaves no longer exists', async () => {
    await post(em, '/group/join.json', { userId: 'u1', groupId: 'g1', groupName: 'G' });
    await post(em, '/group/quit.json', { userId: 'u1', groupId: 'g1' });
    expect(em.state().groups).toEqual({});
    await expectError('/group/refresh.json', { groupId: 'g1', groupName: 'x' }, 1002, 400, /group g1 does not exist/);
  });

  it('requires userId', async () => {
    await expectError('/group/quit.json', { groupId: 'g1' }, 1002, 400, /^userId is required/);
  });
});

describe('/group/dismiss.json', () => {
  it('removes the group and every membership; unknown groups answer 200', async () => {
    await post(em, '/group/join.json', { userId: ['u1', 'u2'], groupId: 'g1' });
    await post(em, '/group/join.json', { userId: ['u1'], groupId: 'g2' });
    expect(await post(em, '/group/dismiss.json', { userId: 'op', groupId: 'g1' })).toMatchObject(ok);
    expect(em.state().groups).toEqual({ g2: { name: null, members: ['u1'] } });
    const r = await post(em, '/user/group/query.json', { userId: 'u1' });
    expect(r.body.groups).toEqual([{ id: 'g2', name: '' }]);
    expect(await post(em, '/group/dismiss.json', { userId: 'op', groupId: 'g1' })).toMatchObject(ok);
  });

  it('requires the operator userId', async () => {
    await expectError('/group/dismiss.json', { groupId: 'g1' }, 1002, 400, /^userId is required/);
  });
});

describe('/group/refresh.json', () => {
  it('renames an existing group', async () => {
    await post(em, '/group/join.json', { userId: 'u1', groupId: 'g1', groupName: 'Old' });
    expect(await post(em, '/group/refresh.json', { groupId: 'g1', groupName: 'New' })).toMatchObject(ok);
    expect(em.state().groups.g1!.name).toBe('New');
  });

  it('answers 1002 for an unknown group and for a missing name', async () => {
    await expectError('/group/refresh.json', { groupId: 'nope', groupName: 'x' }, 1002, 400, /^groupId: group nope does not exist$/);
    await post(em, '/group/join.json', { userId: 'u1', groupId: 'g1', groupName: 'Old' });
    await expectError('/group/refresh.json', { groupId: 'g1' }, 1002, 400, /^groupName is required/);
    expect(em.state().groups.g1!.name).toBe('Old');
  });
});

describe('/group/user/query.json', () => {
  it('lists members in the wire field `users`, sorted', async () => {
    await post(em, '/group/join.json', { userId: ['b', 'a', 'c'], groupId: 'g1' });
    const r = await post(em, '/group/user/query.json', { groupId: 'g1' });
    expect(r).toMatchObject({ status: 200, body: { code: 200, users: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] } });
  });

  it('an unknown group answers 200 with no users', async () => {
    expect((await post(em, '/group/user/query.json', { groupId: 'ghost' })).body).toEqual({ code: 200, users: [] });
  });
});

describe('/user/group/query.json', () => {
  it('lists the user’s groups with names', async () => {
    await post(em, '/group/create.json', { userId: 'u1', groupId: 'g1', groupName: 'One' });
    await post(em, '/group/create.json', { userId: ['u1', 'u2'], groupId: 'g2', groupName: 'Two' });
    expect((await post(em, '/user/group/query.json', { userId: 'u1' })).body).toEqual({
      code: 200,
      groups: [{ id: 'g1', name: 'One' }, { id: 'g2', name: 'Two' }],
    });
    expect((await post(em, '/user/group/query.json', { userId: 'nobody' })).body).toEqual({ code: 200, groups: [] });
  });
});

describe('/group/sync.json', () => {
  it('joins listed groups (creating missing ones with the name) and leaves unlisted ones', async () => {
    await post(em, '/group/create.json', { userId: ['u1', 'u2'], groupId: 'keep', groupName: 'Keep' });
    await post(em, '/group/create.json', { userId: ['u1', 'u2'], groupId: 'leave', groupName: 'Leave' });
    await post(em, '/group/create.json', { userId: ['u1'], groupId: 'solo', groupName: 'Solo' });
    const r = await post(em, '/group/sync.json', [
      ['userId', 'u1'],
      ['group[keep]', 'ignored for existing groups'],
      ['group[new]', 'New'],
    ]);
    expect(r).toMatchObject(ok);
    expect(em.state().groups).toEqual({
      keep: { name: 'Keep', members: ['u1', 'u2'] },
      leave: { name: 'Leave', members: ['u2'] },
      new: { name: 'New', members: ['u1'] },
    });
  });

  it('accepts percent-encoded group%5B…%5D keys', async () => {
    const r = await post(em, '/group/sync.json', {}, { body: 'userId=u1&group%5Bg%201%5D=G%201' });
    expect(r).toMatchObject(ok);
    expect(em.state().groups['g 1']).toEqual({ name: 'G 1', members: ['u1'] });
  });

  it('an empty list removes all the user’s bindings', async () => {
    await post(em, '/group/join.json', { userId: ['u1', 'u2'], groupId: 'a' });
    await post(em, '/group/join.json', { userId: ['u1'], groupId: 'b' });
    expect(await post(em, '/group/sync.json', { userId: 'u1' })).toMatchObject(ok);
    expect(em.state().groups).toEqual({ a: { name: null, members: ['u2'] } });
    expect((await post(em, '/user/group/query.json', { userId: 'u1' })).body.groups).toEqual([]);
  });

  it('requires userId and rejects an empty group id', async () => {
    await expectError('/group/sync.json', { 'group[a]': 'A' }, 1002, 400, /^userId is required/);
    await expectError('/group/sync.json', { userId: 'u1', 'group[]': 'A' }, 1002, 400, /group\[\]: the group id inside group\[\.\.\.\] is empty/);
  });
});

describe('transport', () => {
  it('form decoding: + is a space, a bare key is an empty value, malformed % is kept as is', async () => {
    const r = await post(em, '/group/join.json', {}, { body: 'userId=a+b&&userId=c%ZZ&groupId=g+1&groupName' });
    expect(r).toMatchObject(ok);
    expect(em.state().groups['g 1']).toEqual({ name: null, members: ['a b', 'c%ZZ'] });
  });

  it('keys that name Object.prototype members are plain parameters', async () => {
    const r = await post(em, '/group/join.json', {}, { body: '__proto__=x&constructor=y&constructor=z&userId=u1&groupId=g1' });
    expect(r).toMatchObject(ok);
    const params = em.calls().at(-1)!.params;
    expect(Object.getPrototypeOf(params)).toBe(Object.prototype);
    expect(Object.entries(params)).toEqual([
      ['__proto__', ['x']],
      ['constructor', ['y', 'z']],
      ['userId', ['u1']],
      ['groupId', ['g1']],
    ]);
  });

  it('unknown paths answer 404 with code 404', async () => {
    const r = await post(em, '/group/nope.json', { groupId: 'g' });
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ code: 404, errorMessage: 'no such endpoint: POST /group/nope.json', url: '/group/nope.json' });
  });

  it('non-POST methods are refused', async () => {
    const res = await fetch(`${em.url}/group/user/query.json?groupId=g1`);
    expect(res.status).toBe(405);
    expect(await res.json()).toMatchObject({ code: 405, url: '/group/user/query.json' });
  });

  it('a JSON body is refused with a message naming the expected content type', async () => {
    const res = await fetch(`${em.url}/group/join.json`, {
      method: 'POST',
      headers: { ...signedHeaders(), 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'u1', groupId: 'g1' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 1002, errorMessage: expect.stringMatching(/application\/x-www-form-urlencoded/) });
    expect(em.state().groups).toEqual({});
  });
});
