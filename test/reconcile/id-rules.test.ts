// The planner, the client and RongCloud (the emulator) apply one set of id rules, end to end: a
// group id the client would refuse is reported as unreconcilable by the planner — never sent,
// never failed, never quarantined — and the users it shares with good groups still get those.
import { expect, it } from 'vitest';
import { RemoteValidationError } from '../../src/remote/errors.js';
import { post } from '../emulator/helpers.js';
import { APP_KEY, APP_SECRET, createHarness, type Harness } from '../helpers/reconcile.js';

const EMOJI = '😀'.repeat(30); // 30 characters, 60 UTF-16 code units

const holding = (members: Record<string, string[]>, user: string) =>
  Object.entries(members)
    .filter(([, m]) => m.includes(user))
    .map(([g]) => g)
    .sort();

/** Every call that reached the emulator naming `groupId` (as groupId or inside a sync's group[…]). */
function callsNaming(h: Harness, groupId: string) {
  return h.emulator.calls().filter((c) => c.params['groupId']?.includes(groupId) || `group[${groupId}]` in c.params);
}

async function stateOf(h: Harness, groupId: string) {
  const rows = await h.t.sql<{ quarantined: boolean; failures: number }>(
    `SELECT quarantined_at IS NOT NULL AS quarantined, consecutive_failures AS failures FROM rongsync_group_state WHERE group_id = $1`,
    [groupId],
  );
  return rows[0] ?? { quarantined: false, failures: 0 };
}

it('a 30-emoji group id under RONGCLOUD_GROUP_ID_MAX=30 is unreconcilable, never quarantined, and its users still get their good groups', async () => {
  const h = await createHarness({ RONGCLOUD_GROUP_ID_MAX: '30', RONGSYNC_QUARANTINE_AFTER: '2' }, { limits: { groupIdMax: 30 } });
  try {
    // The client and RongCloud agree: 60 code units is over 30.
    const refused = await h.stranger.getMembers({ id: EMOJI }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RemoteValidationError);
    expect((refused as RemoteValidationError).message).toContain('is 60 UTF-16 code units (30 characters), over the limit of 30 (RONGCLOUD_GROUP_ID_MAX)');
    const answered = await post(h.emulator, '/group/join.json', { userId: 'x', groupId: EMOJI }, { appKey: APP_KEY, appSecret: APP_SECRET });
    expect(answered.body.code).toBe(1005);
    h.emulator.reset(); // forget that call: from here on, nothing may name the group

    const good = ['A', 'B', 'C', 'D', 'F', 'G'];
    await h.t.sql(`INSERT INTO groups (id, name) SELECT g, 'Group ' || g FROM unnest($1::text[]) g`, [good]);
    await h.t.sql(`INSERT INTO group_members SELECT g, 'm' FROM unnest($1::text[]) g`, [good]);
    await h.t.sql(`INSERT INTO groups (id, name) VALUES ($1, 'Smiles')`, [EMOJI]);
    await h.t.sql(`INSERT INTO group_members VALUES ($1, 'x')`, [EMOJI]);
    const first = await h.run();
    expect(first.counts.failed).toBe(0);

    // u joins three good groups and the emoji group; v joins three other good groups. One sync
    // per user is the cheapest cover for both — u's would list the emoji group, so u gets invites.
    await h.t.sql(`INSERT INTO group_members VALUES ('A', 'u'), ('B', 'u'), ('C', 'u'), ($1, 'u')`, [EMOJI]);
    await h.t.sql(`INSERT INTO group_members VALUES ('D', 'v'), ('F', 'v'), ('G', 'v')`);
    const seen = h.emulator.calls().length;
    const second = await h.run({ trigger: 'change' });
    expect(second.counts.failed).toBe(0);
    // v's sync went out (the sync path works); u was never synced.
    expect(h.emulator.calls().slice(seen).filter((c) => c.path === '/group/sync.json').map((c) => c.params['userId'])).toEqual([['v']]);
    expect(holding(h.remoteMembers(), 'u')).toEqual(['A', 'B', 'C']);
    expect(holding(h.remoteMembers(), 'v')).toEqual(['D', 'F', 'G']);

    // Run after run (each re-reading everything) it stays unreconcilable: no call, no failure,
    // no quarantine, and the reason names the length and the limit.
    for (let i = 0; i < 3; i++) {
      const r = await h.run({ full: true });
      expect(r.counts.failed).toBe(0);
      expect(r.counts.quarantined).toBe(0);
      const item = r.items.find((it) => it.groupId === EMOJI);
      expect(item).toMatchObject({ kind: 'invalid', outcome: 'skipped' });
      expect(item!.reason).toContain('group id is 60 UTF-16 code units (30 characters); the limit is 30 (RONGCLOUD_GROUP_ID_MAX)');
    }
    expect(await stateOf(h, EMOJI)).toEqual({ quarantined: false, failures: 0 });
    expect(callsNaming(h, EMOJI)).toEqual([]);
    expect(holding(h.remoteMembers(), 'u')).toEqual(['A', 'B', 'C']);
  } finally {
    await h.close();
  }
});

it('group and user ids holding control or bidi characters are unreconcilable with that reason; nothing is sent for them', async () => {
  const h = await createHarness({ RONGSYNC_QUARANTINE_AFTER: '2' });
  try {
    const badGroups = ['nl\n1', 'esc\x1b[31m', 'rlo\u202eevil', 'iso\u2066x\u2069'];
    await h.t.sql(`INSERT INTO groups (id, name) SELECT g, 'Bad' FROM unnest($1::text[]) g`, [badGroups]);
    await h.t.sql(`INSERT INTO group_members SELECT g, 'u' FROM unnest($1::text[]) g`, [badGroups]);
    await h.t.sql(`INSERT INTO groups (id, name) VALUES ('ok', 'OK')`);
    await h.t.sql(`INSERT INTO group_members VALUES ('ok', 'u'), ('ok', 'tab\tuser'), ('ok', 'rlm\u200fuser')`);
    for (let i = 0; i < 3; i++) {
      const r = await h.run({ full: true });
      expect(r.counts.failed).toBe(0);
      expect(r.counts.quarantined).toBe(0);
      const reasonOf = (id: string) => r.items.find((it) => it.groupId === id)?.reason;
      expect(reasonOf('nl\n1')).toContain('group id contains control character U+000A at position 2');
      expect(reasonOf('esc\x1b[31m')).toContain('group id contains control character U+001B at position 3');
      expect(reasonOf('rlo\u202eevil')).toContain('group id contains bidirectional control U+202E at position 3');
      expect(reasonOf('iso\u2066x\u2069')).toContain('group id contains bidirectional control U+2066 at position 3');
      expect(reasonOf('ok')).toContain('user id contains control character U+0009 at position 3; membership skipped');
      expect(reasonOf('ok')).toContain('user id contains bidirectional control U+200F at position 3; membership skipped');
    }
    expect(h.remoteMembers()).toEqual({ ok: ['u'] });
    for (const g of badGroups) {
      expect(callsNaming(h, g)).toEqual([]);
      expect(await stateOf(h, g)).toEqual({ quarantined: false, failures: 0 });
    }
  } finally {
    await h.close();
  }
});

it('the verification slice never picks a group id the client would refuse (it would head every slice, never read)', async () => {
  const h = await createHarness({ RONGCLOUD_GROUP_ID_MAX: '30' }, { limits: { groupIdMax: 30 } });
  try {
    const bad = [EMOJI, 'nl\n1', 'rlo\u202ex'];
    await h.t.sql(`INSERT INTO groups (id, name) SELECT g, g FROM unnest($1::text[]) g`, [[...bad, 'g1', 'g2']]);
    await h.t.sql(`INSERT INTO group_members SELECT g, 'u' FROM unnest($1::text[]) g`, [[...bad, 'g1', 'g2']]);
    await h.run();
    const seen = h.emulator.calls().length;
    // Never read, the bad ids keep a NULL read_at: first in line for every slice, unless left out.
    await h.run({ verify: 2 });
    await h.run({ verify: 2 });
    const read = h.emulator
      .calls()
      .slice(seen)
      .filter((c) => c.path === '/group/user/query.json')
      .map((c) => c.params['groupId']![0]);
    expect(read.sort()).toEqual(['g1', 'g1', 'g2', 'g2']);
  } finally {
    await h.close();
  }
});
