// `rongsync quarantine list|release` and `rongsync pause|resume`: their effects on
// rongsync_group_state and rongsync_changes, and their errors.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());
beforeEach(async () => {
  await t.sql(`TRUNCATE rongsync_group_state, rongsync_changes, groups CASCADE`);
  await t.sql(`DELETE FROM rongsync_changes`); // the TRUNCATE of groups logged changes of its own
});

const cli = (argv: string[]) => runCliCaptured(argv, { DATABASE_URL: t.url });

async function quarantine(groupId: string, since: Date, extra: Record<string, unknown> = {}): Promise<void> {
  await t.db.prisma.groupState.create({
    data: {
      groupId,
      consecutiveFailures: 5,
      nextAttemptAt: new Date(Date.now() + 3600_000),
      lastErrorCode: 1002,
      lastError: 'group is busy',
      quarantinedAt: since,
      quarantineReason: '5 consecutive failed runs',
      ...extra,
    },
  });
}

async function changes(): Promise<Array<{ group_id: string; source: string; op: string }>> {
  return t.sql(`SELECT group_id, source, op FROM rongsync_changes ORDER BY id`);
}

describe('rongsync quarantine list', () => {
  it('says when nothing is quarantined', async () => {
    await t.db.prisma.groupState.create({ data: { groupId: 'ok', consecutiveFailures: 1 } });
    const r = await cli(['quarantine', 'list']);
    expect(r).toEqual({ code: 0, out: 'no quarantined groups\n', err: '' });
  });

  it('lists quarantined groups, oldest first, with failures, last error and reason', async () => {
    await quarantine('g2', new Date(Date.now() - 3 * 60_000));
    await quarantine('g1', new Date('2026-11-20T08:00:00Z'), { lastErrorCode: null, lastError: 'timeout\u001b[2J' });
    await t.db.prisma.groupState.create({ data: { groupId: 'fine', consecutiveFailures: 2 } });
    const r = await cli(['quarantine', 'list']);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toBe('2 quarantined group(s):');
    expect(lines[1]).toMatch(/^g1 {2}since 2026-11-20 08:00:00 UTC \(\d+d( \d+h)? ago\) {2}failures 5$/);
    expect(lines[2]).toBe('    last error: timeout\\x1b[2J');
    expect(lines[3]).toBe('    reason: 5 consecutive failed runs');
    expect(lines[4]).toMatch(/^g2 {2}since .* UTC \(3m( \d+s)? ago\) {2}failures 5$/);
    expect(lines[5]).toBe('    last error: 1002: group is busy');
    expect(r.out).not.toContain('fine');
  });
});

describe('rongsync release', () => {
  it('clears the quarantine and backoff and marks the groups dirty', async () => {
    await quarantine('g1', new Date());
    await quarantine('g2', new Date());
    await quarantine('g3', new Date());
    const r = await cli(['release', 'g1', 'g2', 'g1']);
    expect(r).toEqual({ code: 0, out: 'released g1, g2 (marked for the next run)\n', err: '' });
    const rows = await t.sql(
      `SELECT group_id, quarantined_at, quarantine_reason, consecutive_failures, next_attempt_at, last_error_code
       FROM rongsync_group_state ORDER BY group_id`,
    );
    expect(rows.slice(0, 2)).toEqual([
      { group_id: 'g1', quarantined_at: null, quarantine_reason: null, consecutive_failures: 0, next_attempt_at: null, last_error_code: 1002 },
      { group_id: 'g2', quarantined_at: null, quarantine_reason: null, consecutive_failures: 0, next_attempt_at: null, last_error_code: 1002 },
    ]);
    expect(rows[2]).toMatchObject({ group_id: 'g3', consecutive_failures: 5, quarantine_reason: '5 consecutive failed runs' });
    expect(await changes()).toEqual([
      { group_id: 'g1', source: 'operator', op: 'RELEASE' },
      { group_id: 'g2', source: 'operator', op: 'RELEASE' },
    ]);
  });

  it('wakes a listening reconciler (spelled the old way, `quarantine release`, which still works)', async () => {
    await quarantine('g1', new Date());
    const pg = (await import('pg')).default;
    const listener = new pg.Client({ connectionString: t.url });
    await listener.connect();
    try {
      await listener.query('LISTEN rongsync_changes');
      const heard = new Promise<string>((resolve) => listener.on('notification', (n) => resolve(n.payload ?? '')));
      expect((await cli(['quarantine', 'release', 'g1'])).code).toBe(0);
      expect(await heard).toBe('g1');
    } finally {
      await listener.end();
    }
  });

  it('releases nothing and exits 1 when an id is unknown or not quarantined', async () => {
    await quarantine('g1', new Date());
    await t.db.prisma.groupState.create({ data: { groupId: 'calm' } });
    const r = await cli(['release', 'g1', 'nope', 'calm']);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe(
      'rongsync: nothing released:\n' +
        '  - nope: unknown group (rongsync has no state recorded for it)\n' +
        '  - calm: is not quarantined\n' +
        '(see `rongsync quarantine list`)\n',
    );
    const g1 = await t.db.prisma.groupState.findUniqueOrThrow({ where: { groupId: 'g1' } });
    expect(g1.quarantinedAt).not.toBeNull();
    expect(g1.consecutiveFailures).toBe(5);
    expect(await changes()).toEqual([]);
  });

  it('needs at least one group id', async () => {
    const r = await cli(['release']);
    expect(r.code).toBe(1);
    expect(r.err).toContain("missing required argument 'groupId'");
  });
});

describe('rongsync pause / resume', () => {
  it('pause upserts paused = true and marks nothing dirty', async () => {
    await t.sql(`INSERT INTO groups (id, name) VALUES ('g1', 'One'), ('g2', 'Two')`);
    await t.sql(`DELETE FROM rongsync_changes`);
    await t.db.prisma.groupState.create({ data: { groupId: 'g1', consecutiveFailures: 2 } });
    const r = await cli(['pause', 'g1', 'g2']);
    expect(r).toEqual({ code: 0, out: 'paused g1, g2\n', err: '' });
    const rows = await t.sql(`SELECT group_id, paused, consecutive_failures FROM rongsync_group_state ORDER BY group_id`);
    expect(rows).toEqual([
      { group_id: 'g1', paused: true, consecutive_failures: 2 },
      { group_id: 'g2', paused: true, consecutive_failures: 0 },
    ]);
    expect(await changes()).toEqual([]);
  });

  it('pause warns about an id that is neither in the tables nor known remotely', async () => {
    await t.sql(
      `INSERT INTO rongsync_remote_groups (group_id, members_hash) VALUES ('remote-only', md5(''))`,
    );
    const r = await cli(['pause', 'typo', 'remote-only']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('warning: typo is not in the groups table nor known remotely; paused anyway\n');
    expect((await t.db.prisma.groupState.findUniqueOrThrow({ where: { groupId: 'typo' } })).paused).toBe(true);
  });

  it('resume clears paused and marks the groups dirty', async () => {
    await t.db.prisma.groupState.create({ data: { groupId: 'g1', paused: true } });
    const r = await cli(['resume', 'g1', 'g9']);
    expect(r.code).toBe(0);
    expect(r.out).toBe('resumed g1, g9 (marked for the next run)\n');
    expect(r.err).toBe('note: g9 was not paused; marked for the next run anyway\n');
    expect((await t.db.prisma.groupState.findUniqueOrThrow({ where: { groupId: 'g1' } })).paused).toBe(false);
    expect(await changes()).toEqual([
      { group_id: 'g1', source: 'operator', op: 'RESUME' },
      { group_id: 'g9', source: 'operator', op: 'RESUME' },
    ]);
  });
});
