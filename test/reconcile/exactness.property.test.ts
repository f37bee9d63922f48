// Property: for random small app tables and random remote states, a `--full` run leaves the
// emulator holding exactly the tables (members and names), with exactly the write calls the plan
// counted — no hidden extra calls; then the app rewrites its tables at random (creates, renames,
// deletes) and one more run converges again. Remote groups start as the app's own groups (the
// ownership that per-user sync assumes, see RONGSYNC_SYNC_CALLS). Minimality against brute force
// is proven on the pure planner in test/reconcile/plan/.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, desiredMembers, type Harness } from '../helpers/reconcile.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ RONGSYNC_ALLOW_DELETES: 'true' });
});
afterAll(() => h.close());

const USERS = ['u1', 'u2', 'u3', 'u4', 'u5'];
const GROUPS = ['g1', 'g2', 'g3', 'g4'];
const N = GROUPS.length;

const state = fc.record({
  members: fc.array(fc.subarray(USERS), { minLength: N, maxLength: N }),
  present: fc.array(fc.boolean(), { minLength: N, maxLength: N }),
  names: fc.array(fc.constantFrom('A', 'B'), { minLength: N, maxLength: N }),
});
type State = typeof state extends fc.Arbitrary<infer T> ? T : never;

const WRITE_PATHS = ['/group/create.json', '/group/join.json', '/group/quit.json', '/group/refresh.json', '/group/dismiss.json', '/group/sync.json'];
const writes = (c: Record<string, number>) => WRITE_PATHS.reduce((n, p) => n + (c[p] ?? 0), 0);

async function writeTables(s: State): Promise<void> {
  await h.t.sql('BEGIN');
  await h.t.sql('DELETE FROM groups');
  for (const [i, g] of GROUPS.entries()) {
    if (!s.present[i]) continue;
    await h.t.sql(`INSERT INTO groups (id, name) VALUES ($1, $2)`, [g, s.names[i]]);
    for (const u of s.members[i]!) await h.t.sql(`INSERT INTO group_members VALUES ($1, $2)`, [g, u]);
  }
  await h.t.sql('COMMIT');
}

async function expectExact(s: State): Promise<void> {
  const want = Object.fromEntries(Object.entries(await desiredMembers(h.t)).filter(([, m]) => m.length > 0));
  expect(h.remoteMembers()).toEqual(want);
  expect(h.remoteNames()).toEqual(Object.fromEntries(GROUPS.flatMap((g, i) => (s.present[i] && s.members[i]!.length > 0 ? [[g, s.names[i]]] : []))));
}

async function runCounted(full: boolean): Promise<void> {
  const before = writes(h.emulator.counts());
  const result = await h.run(full ? { full: true } : {});
  expect(result.status).toBe('succeeded');
  expect(writes(h.emulator.counts()) - before).toBe(Object.values(result.plannedCalls).reduce((a, b) => a + b, 0));
}

describe('reconcile against the emulator', () => {
  it('converges exactly, with exactly the planned calls', async () => {
    await fc.assert(
      fc.asyncProperty(state, state, state, async (remote, desired, next) => {
        await h.t.reset();
        h.emulator.reset();
        h.emulator.load({
          groups: Object.fromEntries(
            GROUPS.flatMap((g, i) =>
              desired.present[i] && remote.present[i] && remote.members[i]!.length > 0 ? [[g, { name: remote.names[i]!, members: remote.members[i]! }]] : [],
            ),
          ),
        });
        await writeTables(desired);
        await runCounted(true);
        await expectExact(desired);

        // The app rewrites its tables; the change-triggered run plans from the shadow.
        await writeTables(next);
        await runCounted(false);
        await expectExact(next);

        // Nothing left: a full verification finds no drift.
        const again = await h.run({ full: true });
        expect(again.counts.drifted).toBe(0);
      }),
      { numRuns: 30, seed: 20261125 },
    );
  }, 180_000);
});
