// Seeded fault injection over real HTTP: reproducibility, error fraction and status, resets,
// timeouts seen through the client's AbortSignal, which faults apply the call (timeouts and resets
// do by default, injected 5xx do not), latency, rate-limit bursts, path filters and changing
// faults at runtime through PUT /_emulator/faults.
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator, FaultConfig } from '../../src/emulator/index.js';
import { admin, post, start } from './helpers.js';

const running: Emulator[] = [];
async function emulator(faults?: FaultConfig, seed?: number): Promise<Emulator> {
  const em = await start({ ...(faults ? { faults } : {}), ...(seed !== undefined ? { seed } : {}) });
  running.push(em);
  return em;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((em) => em.close()));
});

const query = (em: Emulator) => post(em, '/group/user/query.json', { groupId: 'g' });

async function faultSequence(em: Emulator, n: number): Promise<Array<string | undefined>> {
  for (let i = 0; i < n; i++) await query(em);
  return em.calls().map((c) => c.fault);
}

describe('fault injection', () => {
  it('same seed + same request order → same faults; another seed → different ones', async () => {
    const f = { errorRate: 0.3 };
    const a = await faultSequence(await emulator(f, 42), 60);
    const b = await faultSequence(await emulator(f, 42), 60);
    const c = await faultSequence(await emulator(f, 7), 60);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a.filter((x) => x === 'error').length).toBeGreaterThan(0);
  });

  it('errorRate answers about that fraction with 500 / code 1000', async () => {
    const em = await emulator({ errorRate: 0.25 });
    const replies = [];
    for (let i = 0; i < 400; i++) replies.push(await query(em));
    const errors = replies.filter((r) => r.status === 500);
    expect(errors.length / 400).toBeGreaterThan(0.15);
    expect(errors.length / 400).toBeLessThan(0.35);
    expect(errors[0]!.body).toMatchObject({ code: 1000, url: '/group/user/query.json' });
    expect(replies.filter((r) => r.status === 200).length).toBe(400 - errors.length);
    expect(em.calls().filter((c) => c.fault === 'error')).toHaveLength(errors.length);
  });

  it('errorStatus 504 answers code 1050; an errored call does not change state', async () => {
    const em = await emulator({ errorRate: 1, errorStatus: 504 });
    const r = await post(em, '/group/join.json', { userId: 'u1', groupId: 'g' });
    expect(r.status).toBe(504);
    expect(r.body.code).toBe(1050);
    expect(em.state().groups).toEqual({});
  });

  it('resetRate destroys the socket without an answer', async () => {
    const em = await emulator({ resetRate: 1 });
    await expect(post(em, '/group/join.json', { userId: 'u1', groupId: 'g' })).rejects.toThrow(/fetch failed/);
    expect(em.calls()).toMatchObject([{ status: 0, code: 0, fault: 'reset', path: '/group/join.json' }]);
  });

  it('timeoutRate never answers: the client’s AbortSignal timeout observes it', async () => {
    const em = await emulator({ timeoutRate: 1 });
    const err = await post(em, '/group/user/query.json', { groupId: 'g' }, { signal: AbortSignal.timeout(300) }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('TimeoutError');
    expect(em.calls()).toMatchObject([{ status: 0, code: 0, fault: 'timeout' }]);
  });

  it('a timeout fault applies the call, then never answers: the client fails, the state has the change', async () => {
    const em = await emulator({ timeoutRate: 1 });
    const err = await post(em, '/group/join.json', { userId: ['u1', 'u2'], groupId: 'g', groupName: 'G' }, { signal: AbortSignal.timeout(200) }).catch((e: Error) => e);
    expect((err as Error).name).toBe('TimeoutError');
    expect(em.state().groups).toEqual({ g: { name: 'G', members: ['u1', 'u2'] } });
    expect(em.counts()).toEqual({ '/group/join.json': 1, total: 1 });
    expect(em.calls()).toMatchObject([{ seq: 1, path: '/group/join.json', status: 0, code: 0, fault: 'timeout' }]);
  });

  it('a reset fault applies the call, then resets the connection: the client fails, the state has the change', async () => {
    const em = await emulator({ resetRate: 1 });
    await post(em, '/group/join.json', { userId: ['u1', 'u2', 'u3'], groupId: 'g' }).catch(() => undefined);
    em.setFaults({});
    expect((await post(em, '/group/join.json', { userId: 'u1', groupId: 'g2' })).status).toBe(200);
    em.setFaults({ resetRate: 1 });
    const err = await post(em, '/group/quit.json', { userId: 'u2', groupId: 'g' }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/fetch failed/);
    expect(em.state().groups).toEqual({ g: { name: null, members: ['u1', 'u3'] }, g2: { name: null, members: ['u1'] } });
    expect(em.counts()).toEqual({ '/group/join.json': 2, '/group/quit.json': 1, total: 3 });
    expect(em.calls().map((c) => [c.path, c.status, c.fault])).toEqual([
      ['/group/join.json', 0, 'reset'],
      ['/group/join.json', 200, undefined],
      ['/group/quit.json', 0, 'reset'],
    ]);
  });

  it('a reset after latency still applies the call on arrival, before the socket is destroyed', async () => {
    const em = await emulator({ resetRate: 1, latencyMs: 300 });
    const pending = post(em, '/group/sync.json', { userId: 'u1', 'group[a]': 'A' }).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 100));
    expect(em.state().groups).toEqual({ a: { name: 'A', members: ['u1'] } });
    expect(((await pending) as Error).message).toMatch(/fetch failed/);
  });

  it('an injected 5xx is not applied: the client sees the error, the state is unchanged', async () => {
    const em = await emulator();
    expect((await post(em, '/group/join.json', { userId: ['u1', 'u2'], groupId: 'g' })).status).toBe(200);
    em.setFaults({ errorRate: 1 });
    const quit = await post(em, '/group/quit.json', { userId: 'u1', groupId: 'g' });
    expect(quit.status).toBe(500);
    expect(quit.body.code).toBe(1000);
    const join = await post(em, '/group/join.json', { userId: 'u3', groupId: 'h', groupName: 'H' });
    expect(join.status).toBe(500);
    expect(em.state().groups).toEqual({ g: { name: null, members: ['u1', 'u2'] } });
    expect(em.calls().map((c) => c.fault)).toEqual([undefined, 'error', 'error']);
  });

  it('applied timeouts and resets go through the whole pipeline: a refused call changes nothing, and they use the rate limit', async () => {
    const em = await emulator({ resetRate: 1 });
    const badSig = await post(em, '/group/join.json', { userId: 'u1', groupId: 'g' }, { appSecret: 'wrong' }).catch((e: Error) => e);
    expect(badSig).toBeInstanceOf(Error);
    expect(em.state().groups).toEqual({});

    em.setRateLimit(1);
    await post(em, '/group/join.json', { userId: 'u1', groupId: 'g' }).catch(() => undefined);
    em.setFaults({});
    const next = await post(em, '/group/join.json', { userId: 'u2', groupId: 'g' });
    expect(next.status).toBe(429); // the reset call took the one slot of this second
    expect(em.state().groups).toEqual({ g: { name: null, members: ['u1'] } });
  });

  it('applyUnanswered: false drops timeouts and resets unprocessed', async () => {
    const em = await emulator({ resetRate: 1, applyUnanswered: false });
    await expect(post(em, '/group/join.json', { userId: 'u1', groupId: 'g' })).rejects.toThrow(/fetch failed/);
    em.setFaults({ timeoutRate: 1, applyUnanswered: false });
    const err = await post(em, '/group/join.json', { userId: 'u1', groupId: 'g' }, { signal: AbortSignal.timeout(200) }).catch((e: Error) => e);
    expect((err as Error).name).toBe('TimeoutError');
    expect(em.state().groups).toEqual({});
    expect(em.calls().map((c) => [c.status, c.fault])).toEqual([
      [0, 'reset'],
      [0, 'timeout'],
    ]);
    expect((await admin<FaultConfig>(em, 'GET', 'faults')).body).toEqual({ timeoutRate: 1, applyUnanswered: false });
  });

  it('applyUnanswered draws nothing: the same seed faults the same requests either way', async () => {
    const f = { resetRate: 0.3, errorRate: 0.2, jitterMs: 5 };
    const run = async (em: Emulator) => {
      for (let i = 0; i < 40; i++) await post(em, '/group/join.json', { userId: 'u', groupId: `g${i}` }).catch(() => undefined);
      return em;
    };
    const applied = await run(await emulator(f, 5));
    const dropped = await run(await emulator({ ...f, applyUnanswered: false }, 5));
    const faults = applied.calls().map((c) => c.fault);
    expect(dropped.calls().map((c) => c.fault)).toEqual(faults);
    const resets = faults.flatMap((x, i) => (x === 'reset' ? [`g${i}`] : []));
    expect(resets.length).toBeGreaterThan(0);
    const joined = (em: Emulator) => Object.keys(em.state().groups).sort();
    const answered = faults.flatMap((x, i) => (x === undefined ? [`g${i}`] : []));
    expect(joined(dropped)).toEqual([...answered].sort());
    expect(joined(applied)).toEqual([...answered, ...resets].sort());
  });

  it('latency delays the answer but the call takes effect: a timed-out client cannot know', async () => {
    const em = await emulator({ latencyMs: 400 });
    const err = await post(em, '/group/join.json', { userId: 'u1', groupId: 'g' }, { signal: AbortSignal.timeout(100) }).catch((e: Error) => e);
    expect((err as Error).name).toBe('TimeoutError');
    expect(em.state().groups.g).toEqual({ name: null, members: ['u1'] });
    const began = performance.now();
    expect((await query(em)).status).toBe(200);
    expect(performance.now() - began).toBeGreaterThanOrEqual(350);
  });

  it('rateLimitBurst: the next N requests get 429 / 1008 with the given Retry-After, then normal', async () => {
    const em = await emulator({ rateLimitBurst: { count: 3, retryAfterSeconds: 7 } });
    const replies = [];
    for (let i = 0; i < 5; i++) replies.push(await query(em));
    expect(replies.map((r) => r.status)).toEqual([429, 429, 429, 200, 200]);
    expect(replies[0]!.body.code).toBe(1008);
    expect(replies[0]!.headers.get('retry-after')).toBe('7');
    expect(em.calls().map((c) => c.fault)).toEqual(['rate-limit-burst', 'rate-limit-burst', 'rate-limit-burst', undefined, undefined]);
    expect((await admin<FaultConfig>(em, 'GET', 'faults')).body.rateLimitBurst).toEqual({ count: 0, retryAfterSeconds: 7 });
  });

  it('paths limits faults to the listed API paths', async () => {
    const em = await emulator({ errorRate: 1, paths: ['/group/join.json'] });
    expect((await post(em, '/group/join.json', { userId: 'u1', groupId: 'g' })).status).toBe(500);
    expect((await query(em)).status).toBe(200);
  });

  it('PUT /_emulator/faults changes faults at runtime; a bad config is refused naming the field', async () => {
    const em = await emulator();
    expect((await query(em)).status).toBe(200);
    const put = await admin<FaultConfig>(em, 'PUT', 'faults', { errorRate: 1, errorStatus: 503 });
    expect(put).toEqual({ status: 200, body: { errorRate: 1, errorStatus: 503 } });
    const r = await query(em);
    expect(r.status).toBe(503);
    expect(r.body.code).toBe(1000);

    const bad = await admin<{ error: string }>(em, 'PUT', 'faults', { errorRate: 2, typo: true });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/errorRate/);
    expect(bad.body.error).toMatch(/typo/);
    expect((await query(em)).status).toBe(503); // the bad config changed nothing

    await admin(em, 'PUT', 'faults', {});
    expect((await query(em)).status).toBe(200);
  });

  it('setFaults() in-process validates too', async () => {
    const em = await emulator();
    expect(() => em.setFaults({ errorRate: 0.6, timeoutRate: 0.6 })).toThrow(/must not exceed 1/);
    expect(() => em.setFaults({ errorStatus: 404 })).toThrow(/errorStatus/);
  });

  it('reset() clears faults and restarts the PRNG at the seed', async () => {
    const em = await emulator({ errorRate: 0.5 }, 99);
    const first = await faultSequence(em, 30);
    em.reset();
    expect((await query(em)).status).toBe(200);
    em.reset();
    em.setFaults({ errorRate: 0.5 });
    expect(await faultSequence(em, 30)).toEqual(first);
  });
});
