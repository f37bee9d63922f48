// Verification reads: the name cover is the same greedy cover as before (checked against a plain
// reference implementation), and its user queries go out together, not one after another — with
// the emulator answering slowly, as RongCloud does over a real network.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import type { RemoteGroups } from '../../src/reconcile/ports.js';
import { nameCover, readGroups } from '../../src/reconcile/read-remote.js';
import { GroupClient } from '../../src/remote/group-client.js';

/** The greedy cover as first written: scan every user for the most uncovered groups, first met wins ties. */
function referenceCover(members: Map<string, string[]>): Array<{ user: string; groups: string[] }> {
  const uncovered = new Set(members.keys());
  const byUser = new Map<string, Set<string>>();
  for (const [id, m] of members) for (const u of m) (byUser.get(u) ?? byUser.set(u, new Set()).get(u)!).add(id);
  const out: Array<{ user: string; groups: string[] }> = [];
  while (uncovered.size > 0) {
    let best: string | undefined;
    let bestCount = 0;
    for (const [u, gs] of byUser) {
      let n = 0;
      for (const g of gs) if (uncovered.has(g)) n++;
      if (n > bestCount) [best, bestCount] = [u, n];
    }
    if (!best) break;
    const groups = [...byUser.get(best)!].filter((g) => uncovered.has(g));
    for (const g of groups) uncovered.delete(g);
    byUser.delete(best);
    out.push({ user: best, groups });
  }
  return out;
}

describe('nameCover', () => {
  it('picks the same users, in the same order, as the plain greedy cover', () => {
    const world = fc
      .array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.uniqueArray(fc.integer({ min: 0, max: 25 }), { minLength: 1, maxLength: 8 })), {
        maxLength: 40,
      })
      .map((gs) => new Map(gs.map(([g, us]) => [`g${g}`, us.map((u) => `u${u}`)])));
    fc.assert(
      fc.property(world, (members) => {
        expect(nameCover(members)).toEqual(referenceCover(members));
      }),
      { numRuns: 2000 },
    );
  });

  it('covers every group with no member in common with one query each', () => {
    const members = new Map(Array.from({ length: 50 }, (_, i) => [`g${i}`, [`a${i}`, `b${i}`]]));
    const cover = nameCover(members);
    expect(cover).toHaveLength(50);
    expect(new Set(cover.flatMap((q) => q.groups)).size).toBe(50);
  });
});

describe('readGroups against a slow emulator', () => {
  let emulator: Emulator;
  let client: GroupClient;
  let stranger: GroupClient;
  const GROUPS = 40;
  beforeAll(async () => {
    emulator = await startEmulator({ appKey: 'k', appSecret: 's', rateLimitPerSecond: 0 });
    const config = loadConfig({ DATABASE_URL: 'postgres://unused', RONGCLOUD_APP_KEY: 'k', RONGCLOUD_APP_SECRET: 's', RONGCLOUD_API_URL: emulator.url, RONGCLOUD_RATE_LIMIT: '1000' });
    client = GroupClient.fromConfig(config, { retryBaseMs: 5, retryMaxMs: 20 });
    stranger = GroupClient.fromConfig(config, { retryBaseMs: 5, retryMaxMs: 20 });
    // Groups with no member in common: every one needs its own name query.
    for (let i = 0; i < GROUPS; i++) await stranger.create({ id: `g${i}`, name: `Name ${i}`, memberIds: [`a${i}`, `b${i}`] });
  });
  afterAll(async () => {
    client.close();
    stranger.close();
    await emulator.close();
  });

  /** The real client, counting how many name queries are in flight at once. */
  function counting(remote: RemoteGroups, beforeQuery?: (user: string) => Promise<void>) {
    const seen = { inFlight: 0, max: 0, queries: [] as string[] };
    const wrapped: RemoteGroups = {
      create: (g) => remote.create(g),
      invite: (g) => remote.invite(g),
      kick: (g) => remote.kick(g),
      refresh: (g) => remote.refresh(g),
      dismiss: (p) => remote.dismiss(p),
      sync: (u) => remote.sync(u),
      getMembers: (g) => remote.getMembers(g),
      userGroups: async (u) => {
        await beforeQuery?.(u.id);
        seen.queries.push(u.id);
        seen.max = Math.max(seen.max, ++seen.inFlight);
        try {
          return await remote.userGroups(u);
        } finally {
          seen.inFlight--;
        }
      },
    };
    return { wrapped, seen };
  }

  const ids = Array.from({ length: GROUPS }, (_, i) => `g${i}`);

  it('sends the name queries of a batch together and names every group', async () => {
    emulator.setFaults({ latencyMs: 40 });
    try {
      const { wrapped, seen } = counting(client);
      const out = await readGroups(wrapped, ids, new Map(), { readNames: true });
      expect(seen.queries).toHaveLength(GROUPS);
      expect(seen.max).toBeGreaterThan(1);
      for (let i = 0; i < GROUPS; i++) {
        expect(out.get(`g${i}`)).toMatchObject({ name: `Name ${i}`, members: [`a${i}`, `b${i}`], observation: { status: 'known', source: 'read' } });
      }
    } finally {
      emulator.setFaults({});
    }
  });

  it('a failed name query makes only the groups it was to name unknown', async () => {
    emulator.setFaults({ errorRate: 1, paths: ['/user/group/query.json'] });
    const { wrapped } = counting(client, async (user) => {
      if (user !== 'a3') emulator.setFaults({}); // only the query for a3 fails
    });
    try {
      // a3 is asked first: it is the first member of g3, the only group here.
      const one = await readGroups(wrapped, ['g3'], new Map([['g3', 'Known']]), { readNames: true });
      expect(one.get('g3')!.observation).toMatchObject({ status: 'unknown' });
      emulator.setFaults({});
      const all = await readGroups(wrapped, ids.slice(0, 5), new Map(), { readNames: true });
      expect([...all.values()].every((r) => r.observation.status === 'known')).toBe(true);
    } finally {
      emulator.setFaults({});
    }
  });

  it('a group its query did not name (the member left meanwhile) is named through another member', async () => {
    let quit = false;
    const { wrapped, seen } = counting(client, async (user) => {
      if (user === 'a7' && !quit) {
        quit = true;
        await stranger.quit({ id: 'g7', memberId: 'a7' });
      }
    });
    try {
      const out = await readGroups(wrapped, ['g7'], new Map(), { readNames: true });
      expect(seen.queries).toEqual(['a7', 'b7']);
      expect(out.get('g7')).toMatchObject({ name: 'Name 7', members: ['a7', 'b7'] });
    } finally {
      await stranger.join({ id: 'g7', memberId: 'a7' });
    }
  });
});
