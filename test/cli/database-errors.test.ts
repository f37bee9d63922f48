// A database that is down, missing, not migrated, behind, broken by a failed migration, or that
// refuses the role: every command prints one line — what is wrong and the fix — and exits 1; the
// stack only at LOG_LEVEL=debug. (Before, each printed `unexpected error: PrismaClientKnownRequestError`
// and a stack from node_modules.) The wrong-password case needs password authentication, so it is
// in test/reconcile/postgres-restart.test.ts, on a private cluster.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { DatabaseConnectionLostError, SchemaNotMigratedError } from '../../src/db/errors.js';
import { applyMigrations } from '../../src/db/migrate/apply.js';
import { readMigrations } from '../../src/db/migrate/files.js';
import { runCliCaptured } from '../helpers/cli.js';
import { adminUrl, createEmptyDatabase, createTestDatabase, type EmptyDatabase, type TestDatabase } from '../helpers/database.js';
import { freePort } from '../helpers/tcp-proxy.js';

const REMOTE = { RONGCLOUD_APP_KEY: 'k', RONGCLOUD_APP_SECRET: 's', RONGCLOUD_API_URL: 'http://127.0.0.1:9', LOG_LEVEL: 'silent' };
const cli = (url: string, ...argv: string[]) => runCliCaptured(argv, { ...REMOTE, DATABASE_URL: url });
/** Commands that use rongsync's tables, with arguments that would otherwise succeed. */
const COMMANDS = [['apply'], ['plan'], ['report'], ['report', 'list'], ['quarantine', 'list'], ['pause', 'g1'], ['prune', '--older-than-days', '30']];

/** One line, no stack frame, no URL. */
function expectOneLine(err: string): void {
  expect(err.trimEnd().split('\n')).toHaveLength(1);
  expect(err).not.toMatch(/\n\s+at |node_modules|postgres:\/\//);
}

let empty: EmptyDatabase;
let behind: EmptyDatabase;
let failed: EmptyDatabase;
let migrated: TestDatabase;
beforeAll(async () => {
  [empty, behind, failed, migrated] = await Promise.all([createEmptyDatabase(), createEmptyDatabase(), createEmptyDatabase(), createTestDatabase()]);
  const all = readMigrations();
  await applyMigrations({ databaseUrl: behind.url, migrations: all.slice(0, -1) });
  await applyMigrations({ databaseUrl: failed.url });
  const c = new pg.Client({ connectionString: failed.url });
  await c.connect();
  await c.query(
    `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, logs, started_at) VALUES ('x', 'y', '20991231000000_broken', 'syntax error at or near "TABEL"', now())`,
  );
  await c.end();
});
afterAll(async () => {
  await Promise.all([empty, behind, failed, migrated].map((d) => d?.drop()));
});

describe('every command that needs the database', () => {
  it('database unreachable: host and port, never the password', async () => {
    const port = await freePort();
    const url = `postgres://rongsync:hunter2@127.0.0.1:${port}/app`;
    for (const argv of COMMANDS) {
      const r = await cli(url, ...argv);
      expect(r.code, argv.join(' ')).toBe(1);
      expect(r.err, argv.join(' ')).toBe(
        `rongsync: cannot reach the database server at 127.0.0.1:${port} (connection refused). Is Postgres running there? Check the host and port in DATABASE_URL.\n`,
      );
      expect(r.err).not.toContain('hunter2');
    }
  });

  it('database missing: names it and says how to create it', async () => {
    const url = new URL(adminUrl());
    const name = `rs_test_missing_${randomBytes(3).toString('hex')}`;
    url.pathname = `/${name}`;
    for (const argv of COMMANDS) {
      const r = await cli(url.toString(), ...argv);
      expect(r.code, argv.join(' ')).toBe(1);
      expect(r.err).toBe(`rongsync: database "${name}" does not exist on ${url.host}. Create it with \`createdb ${name}\`, then run \`rongsync migrate\`.\n`);
    }
  });

  it('not migrated: run `rongsync migrate`', async () => {
    for (const argv of COMMANDS) {
      const r = await cli(empty.url, ...argv);
      expect(r.code, argv.join(' ')).toBe(1);
      expect(r.err, argv.join(' ')).toBe(`rongsync: database "${empty.name}" is not migrated (no migrations applied). Run \`rongsync migrate\`.\n`);
    }
  });

  it('pending migrations: names them', async () => {
    const last = readMigrations().at(-1)!.name;
    for (const argv of COMMANDS) {
      const r = await cli(behind.url, ...argv);
      expect(r.code, argv.join(' ')).toBe(1);
      expect(r.err).toBe(`rongsync: database "${behind.name}" is missing 1 migration(s): ${last}. Run \`rongsync migrate\`.\n`);
    }
  });

  it('a failed migration: names it and the resolve command', async () => {
    for (const argv of COMMANDS) {
      const r = await cli(failed.url, ...argv);
      expect(r.code, argv.join(' ')).toBe(1);
      expect(r.err).toBe(
        'rongsync: migration 20991231000000_broken failed and was not resolved (`rongsync migrate status` shows its log). ' +
          'Fix the cause, then run `rongsync migrate resolve --rolled-back 20991231000000_broken` and `rongsync migrate`.\n',
      );
    }
  });

  it('the stack (and the driver error under it) only at LOG_LEVEL=debug', async () => {
    const quiet = await cli(empty.url, 'plan');
    expectOneLine(quiet.err);
    const debug = await runCliCaptured(['plan'], { ...REMOTE, DATABASE_URL: empty.url, LOG_LEVEL: 'debug' });
    expect(debug.code).toBe(1);
    expect(debug.err).toMatch(/^rongsync: database ".*" is not migrated/);
    expect(debug.err).toMatch(/SchemaNotMigratedError: .*\n\s+at /);
  });
});

describe('permission denied on a table', () => {
  const role = `rs_test_noperm_${Date.now()}_${randomBytes(3).toString('hex')}`;
  beforeAll(async () => {
    await migrated.sql(`CREATE ROLE "${role}" LOGIN`);
    // Enough to connect and read the migration history, nothing on rongsync's tables.
    await migrated.sql(`GRANT SELECT ON "_prisma_migrations" TO "${role}"`);
  });
  afterAll(async () => {
    await migrated.sql(`REVOKE ALL ON "_prisma_migrations" FROM "${role}"`);
    await migrated.sql(`DROP ROLE IF EXISTS "${role}"`);
  });

  it('names the table, the role and the GRANT that fixes it', async () => {
    const url = new URL(migrated.url);
    url.username = role;
    const r = await cli(url.toString(), 'quarantine', 'list');
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `rongsync: role "${role}" has no permission on table rongsync_group_state. Grant it (as the owner): ` +
        `GRANT SELECT, INSERT, UPDATE, DELETE ON rongsync_group_state TO "${role}"; — or run rongsync as the role that ran \`rongsync migrate\`.\n`,
    );
    const apply = await cli(url.toString(), 'apply');
    expect(apply.code).toBe(1);
    expect(apply.err).toMatch(new RegExp(`^rongsync: role "${role}" has no permission on table rongsync_\\w+\\. Grant it`));
    expectOneLine(apply.err);
  });
});

describe('the Prisma client translates driver errors where they enter', () => {
  it('a missing table (schema check off) is "not migrated"', async () => {
    const db = openDatabase(empty.url, { maxConnections: 1, checkSchema: false });
    try {
      await expect(db.prisma.run.findFirst()).rejects.toBeInstanceOf(SchemaNotMigratedError);
      await expect(db.prisma.$queryRaw`SELECT count(*) FROM groups`).rejects.toThrow(/^database ".*" is not migrated \(relation "groups" does not exist\)/);
    } finally {
      await db.close();
    }
  });

  it('a session the server ends in the middle of a query is "connection lost"', async () => {
    const db = openDatabase(migrated.url, { maxConnections: 1, applicationName: 'rs_test_killed_query' });
    try {
      const query = db.prisma.$queryRaw`SELECT pg_sleep(5)`;
      const caught = query.catch((e: unknown) => e);
      const admin = new pg.Client({ connectionString: migrated.url });
      await admin.connect();
      try {
        for (let i = 0; i < 200; i++) {
          const { rows } = await admin.query<{ ok: boolean }>(`SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = 'rs_test_killed_query' AND state = 'active'`);
          if (rows.length > 0) break;
          await new Promise((r) => setTimeout(r, 25));
        }
      } finally {
        await admin.end();
      }
      const e = await caught;
      expect(e).toBeInstanceOf(DatabaseConnectionLostError);
      expect((e as Error).message).toBe(`lost the database connection to ${new URL(migrated.url).host} (terminating connection due to administrator command)`);
      // The pool replaces the connection: the next query works.
      expect(await db.prisma.run.count()).toBe(0);
    } finally {
      await db.close();
    }
  });
});
