// An application whose database role may only touch `groups` and `group_members` (USAGE on the
// schema, DML on the two tables, nothing on rongsync_*): its writes succeed and are captured —
// change rows and NOTIFY — because the capture functions run as their owner (SECURITY DEFINER,
// migration 20261126000000_triggers_security_definer), while the role itself can neither read nor
// write rongsync's tables nor call the function that writes the log.
//
// The role is a LOGIN role (trust auth on the test server) with a unique name per run; roles are
// cluster-wide, so it is dropped in afterAll once the test database (and with it every grant) is gone.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closePool } from '../../src/db/client.js';
import { adminUrl, createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { listenForChanges, type ChangeNotifications } from '../helpers/notifications.js';

const ROLE = `rs_test_app_${Date.now()}_${randomBytes(4).toString('hex')}`;
const CAPTURE_FUNCTIONS = ['rongsync_record_changes(text[],text,text)', 'rongsync_capture_groups()', 'rongsync_capture_group_members()'];

let t: TestDatabase;
let roleCreated = false;
let app: pg.Pool; // the application's connections, logged in as ROLE
let notifications: ChangeNotifications; // rongsync's side (the migration role)
const settle = () => notifications.settle();

beforeAll(async () => {
  t = await createTestDatabase();
  await t.sql(`CREATE ROLE "${ROLE}" LOGIN`);
  roleCreated = true;
  await t.sql(`GRANT USAGE ON SCHEMA public TO "${ROLE}"`);
  await t.sql(`GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON "groups", "group_members" TO "${ROLE}"`);

  const url = new URL(t.url);
  url.username = ROLE;
  app = new pg.Pool({ connectionString: url.toString(), max: 2 });

  notifications = await listenForChanges(t);
});

afterAll(async () => {
  try {
    if (app) await closePool(app); // every socket closed before the forced DROP DATABASE
    await notifications?.close();
    await t?.drop(); // drops the database, and with it every privilege granted to ROLE in it
  } finally {
    if (roleCreated) {
      const admin = new pg.Client({ connectionString: adminUrl() });
      await admin.connect();
      try {
        await admin.query(`DROP ROLE IF EXISTS "${ROLE}"`);
      } finally {
        await admin.end();
      }
    }
  }
});

beforeEach(async () => {
  await t.sql('TRUNCATE group_members, groups, rongsync_remote_groups');
  await t.sql('DELETE FROM rongsync_changes');
  await settle();
});

/** As the application: one statement on its own pooled connection. */
async function asApp<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]> {
  return (await app.query<R>(text, params)).rows;
}

/** The change log, read by rongsync's role (the app's role cannot). */
async function logged(): Promise<Array<{ group_id: string; source: string; op: string }>> {
  return t.sql('SELECT group_id, source, op FROM rongsync_changes ORDER BY id');
}
async function dirtyGroups(): Promise<string[]> {
  return (await t.sql<{ group_id: string }>('SELECT DISTINCT group_id FROM rongsync_changes ORDER BY 1')).map((r) => r.group_id);
}
async function reset(): Promise<void> {
  await t.sql('DELETE FROM rongsync_changes');
  await settle();
}

describe('an application role with privileges on groups and group_members only', () => {
  it('really has no privilege on rongsync_* tables, sequences or the capture functions', async () => {
    const [me] = await asApp<{ current_user: string }>('SELECT current_user');
    expect(me!.current_user).toBe(ROLE);
    const rel = await t.sql<{ relname: string; relkind: string }>(
      `SELECT relname, relkind::text FROM pg_class
        WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'S') ORDER BY relname`,
    );
    const internal = rel.filter((r) => r.relname.startsWith('rongsync_') || r.relname === '_prisma_migrations');
    expect(internal.map((r) => r.relname)).toContain('rongsync_changes');
    expect(internal.map((r) => r.relname)).toContain('rongsync_changes_id_seq');
    for (const { relname, relkind } of internal) {
      const [row] =
        relkind === 'S'
          ? await t.sql<{ any: boolean }>(
              `SELECT bool_or(has_sequence_privilege($1, $2::regclass, p)) AS any FROM unnest(ARRAY['SELECT', 'UPDATE', 'USAGE']) p`,
              [ROLE, `public."${relname}"`],
            )
          : await t.sql<{ any: boolean }>(
              `SELECT bool_or(has_table_privilege($1, $2::regclass, p)) AS any
                 FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) p`,
              [ROLE, `public."${relname}"`],
            );
      expect(row!.any, `${ROLE} has a privilege on ${relname}`).toBe(false);
    }
    for (const fn of CAPTURE_FUNCTIONS) {
      const [row] = await t.sql<{ x: boolean }>(`SELECT has_function_privilege($1, $2, 'EXECUTE') AS x`, [ROLE, fn]);
      expect(row!.x, `${ROLE} can EXECUTE ${fn}`).toBe(false);
    }
  });

  it('INSERTs groups and members: the writes succeed, change rows and NOTIFY appear', async () => {
    await asApp(`INSERT INTO groups (id, name) VALUES ('g1', 'One'), ('g2', 'Two')`);
    await asApp(`INSERT INTO group_members (group_id, user_id) VALUES ('g1', 'u1'), ('g1', 'u2'), ('g2', 'u1')`);
    expect(await asApp(`SELECT group_id, user_id FROM group_members ORDER BY 1, 2`)).toEqual([
      { group_id: 'g1', user_id: 'u1' },
      { group_id: 'g1', user_id: 'u2' },
      { group_id: 'g2', user_id: 'u1' },
    ]);
    expect(await logged()).toEqual([
      { group_id: 'g1', source: 'groups', op: 'INSERT' },
      { group_id: 'g2', source: 'groups', op: 'INSERT' },
      { group_id: 'g1', source: 'group_members', op: 'INSERT' },
      { group_id: 'g2', source: 'group_members', op: 'INSERT' },
    ]);
    expect((await settle()).sort()).toEqual(['g1', 'g1', 'g2', 'g2']);
  });

  it('UPDATEs a name, a group id (members cascade) and a member row: all captured', async () => {
    await asApp(`INSERT INTO groups (id, name) VALUES ('a', 'A'), ('b', 'B'), ('old', 'O')`);
    await asApp(`INSERT INTO group_members VALUES ('a', 'u1'), ('old', 'u2')`);
    await reset();

    await asApp(`UPDATE groups SET name = 'Alpha' WHERE id = 'a'`);
    expect(await logged()).toEqual([{ group_id: 'a', source: 'groups', op: 'UPDATE' }]);
    expect(await settle()).toEqual(['a']);
    await reset();

    await asApp(`UPDATE groups SET id = 'new' WHERE id = 'old'`);
    expect(await dirtyGroups()).toEqual(['new', 'old']);
    expect((await logged()).map((r) => r.source).sort()).toEqual(['group_members', 'group_members', 'groups', 'groups']);
    expect((await settle()).sort()).toEqual(['new', 'old']);
    await reset();

    await asApp(`UPDATE group_members SET group_id = 'b' WHERE group_id = 'a'`);
    expect(await logged()).toEqual([
      { group_id: 'a', source: 'group_members', op: 'UPDATE' },
      { group_id: 'b', source: 'group_members', op: 'UPDATE' },
    ]);
    expect((await settle()).sort()).toEqual(['a', 'b']);
  });

  it('DELETEs members and a group (members cascade): captured, in its own transaction too', async () => {
    await asApp(`INSERT INTO groups (id, name) VALUES ('a', 'A'), ('b', 'B')`);
    await asApp(`INSERT INTO group_members VALUES ('a', 'u1'), ('a', 'u2'), ('b', 'u1')`);
    await reset();

    await asApp(`DELETE FROM group_members WHERE user_id = 'u1'`);
    expect(await logged()).toEqual([
      { group_id: 'a', source: 'group_members', op: 'DELETE' },
      { group_id: 'b', source: 'group_members', op: 'DELETE' },
    ]);
    expect((await settle()).sort()).toEqual(['a', 'b']);
    await reset();

    const c = await app.connect();
    try {
      await c.query('BEGIN');
      await c.query(`DELETE FROM groups WHERE id = 'a'`);
      await c.query('COMMIT');
    } finally {
      c.release();
    }
    expect((await logged()).sort((x, y) => x.source.localeCompare(y.source))).toEqual([
      { group_id: 'a', source: 'group_members', op: 'DELETE' },
      { group_id: 'a', source: 'groups', op: 'DELETE' },
    ]);
    expect(await settle()).toEqual(['a']);
  });

  it('TRUNCATEs: the trigger reads rongsync_remote_groups as its owner', async () => {
    await asApp(`INSERT INTO groups (id, name) VALUES ('a', 'A'), ('b', 'B')`);
    await asApp(`INSERT INTO group_members VALUES ('a', 'u1')`);
    await t.sql(`INSERT INTO rongsync_remote_groups (group_id, members_hash) VALUES ('remote-only', 'x')`);
    await reset();
    await asApp(`TRUNCATE group_members`);
    expect(await dirtyGroups()).toEqual(['a', 'remote-only']);
    expect((await settle()).sort()).toEqual(['a', 'remote-only']);
    await reset();
    await asApp(`TRUNCATE groups CASCADE`);
    expect(await dirtyGroups()).toEqual(['a', 'b', 'remote-only']);
  });

  it('a rolled-back app transaction still leaves no change rows and no NOTIFY', async () => {
    const c = await app.connect();
    try {
      await c.query('BEGIN');
      await c.query(`INSERT INTO groups (id, name) VALUES ('gone', 'G')`);
      await c.query('ROLLBACK');
    } finally {
      c.release();
    }
    expect(await logged()).toEqual([]);
    expect(await settle()).toEqual([]);
  });

  it('cannot read or write rongsync_changes, nor call rongsync_record_changes', async () => {
    await asApp(`INSERT INTO groups (id, name) VALUES ('a', 'A')`);
    const denied = /permission denied for (table|relation) rongsync_changes/;
    await expect(asApp('SELECT * FROM rongsync_changes')).rejects.toThrow(denied);
    await expect(asApp(`INSERT INTO rongsync_changes (group_id, source, op) VALUES ('x', 'app', 'INSERT')`)).rejects.toThrow(denied);
    await expect(asApp(`UPDATE rongsync_changes SET op = 'x'`)).rejects.toThrow(denied);
    await expect(asApp('DELETE FROM rongsync_changes')).rejects.toThrow(denied);
    await expect(asApp('TRUNCATE rongsync_changes')).rejects.toThrow(denied);
    await expect(asApp('SELECT * FROM rongsync_remote_groups')).rejects.toThrow(/permission denied for (table|relation) rongsync_remote_groups/);
    await expect(asApp(`SELECT rongsync_record_changes(ARRAY['forged'], 'app', 'INSERT')`)).rejects.toThrow(
      /permission denied for function rongsync_record_changes/,
    );
    // Nothing of the above reached the log; the app's own write did.
    expect(await logged()).toEqual([{ group_id: 'a', source: 'groups', op: 'INSERT' }]);
  });

  it('cannot divert the owner-privileged trigger with temporary tables (pg_temp is searched last)', async () => {
    await t.sql(`INSERT INTO rongsync_remote_groups (group_id, members_hash) VALUES ('remote', 'x')`);
    await reset();
    const c = await app.connect();
    try {
      // A session may create temporary tables (TEMP is granted to PUBLIC by default). Were pg_temp
      // searched first, the trigger would write into / read from these instead of rongsync's tables.
      await c.query(`CREATE TEMP TABLE rongsync_changes (id BIGSERIAL, group_id TEXT, source TEXT, op TEXT, changed_at TIMESTAMPTZ)`);
      await c.query(`CREATE TEMP TABLE rongsync_remote_groups (group_id TEXT)`);
      await c.query(`INSERT INTO rongsync_remote_groups VALUES ('forged')`);
      await c.query(`INSERT INTO groups (id, name) VALUES ('a', 'A')`);
      await c.query(`TRUNCATE groups CASCADE`);
      expect((await c.query('SELECT * FROM pg_temp.rongsync_changes')).rows).toEqual([]);
      await c.query('DROP TABLE pg_temp.rongsync_changes, pg_temp.rongsync_remote_groups');
    } finally {
      c.release();
    }
    // The real log got the INSERT and the TRUNCATE (of both tables, by cascade), read from the
    // real rongsync_remote_groups: 'remote' is there, the temp table's 'forged' is not.
    expect((await logged())[0]).toEqual({ group_id: 'a', source: 'groups', op: 'INSERT' });
    expect(await dirtyGroups()).toEqual(['a', 'remote']);
    expect(await t.sql(`SELECT DISTINCT source, op FROM rongsync_changes WHERE group_id = 'remote' ORDER BY 1`)).toEqual([
      { source: 'group_members', op: 'TRUNCATE' },
      { source: 'groups', op: 'TRUNCATE' },
    ]);
  });
});

describe('the capture functions after the migrations', () => {
  it('are SECURITY DEFINER with search_path pinned to the tables\u2019 schema then pg_temp, and not executable by PUBLIC', async () => {
    const rows = await t.sql<{ fn: string; secdef: boolean; config: string[] | null; public_exec: boolean }>(
      `SELECT p.oid::regprocedure::text AS fn, p.prosecdef AS secdef, p.proconfig AS config,
              EXISTS (SELECT 1 FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                       WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE') AS public_exec
         FROM pg_proc p WHERE p.proname LIKE 'rongsync\\_%' ORDER BY 1`,
    );
    expect(rows).toEqual([
      { fn: 'rongsync_capture_group_members()', secdef: true, config: ['search_path=public, pg_temp'], public_exec: false },
      { fn: 'rongsync_capture_groups()', secdef: true, config: ['search_path=public, pg_temp'], public_exec: false },
      { fn: 'rongsync_record_changes(text[],text,text)', secdef: true, config: ['search_path=public, pg_temp'], public_exec: false },
    ]);
  });
});
