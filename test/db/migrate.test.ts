// The migration applier against real Postgres: fresh database, re-run, failure, concurrency,
// and the exact `_prisma_migrations` bookkeeping.
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { applyMigrations, markRolledBack, type PrismaMigrationRow } from '../../src/db/migrate/apply.js';
import { DatabaseMissingError } from '../../src/db/errors.js';
import { DEFAULT_MIGRATIONS_DIR, readMigrations } from '../../src/db/migrate/files.js';
import { MigrationError } from '../../src/errors.js';
import { createEmptyDatabase, type EmptyDatabase } from '../helpers/database.js';

const dbs: EmptyDatabase[] = [];
afterEach(async () => {
  while (dbs.length) await dbs.pop()!.drop();
});

async function fresh(): Promise<EmptyDatabase> {
  const d = await createEmptyDatabase();
  dbs.push(d);
  return d;
}

async function query<R extends pg.QueryResultRow>(url: string, text: string, params: unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<R>(text, params)).rows;
  } finally {
    await c.end();
  }
}


const rowsOf = (url: string) =>
  query<PrismaMigrationRow>(url, 'SELECT * FROM "_prisma_migrations" ORDER BY started_at, migration_name');

/** A migrations folder with the given files, for failure cases. */
function tempMigrations(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'rongsync-migrations-'));
  for (const [name, sql] of Object.entries(files)) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'migration.sql'), sql);
  }
  return dir;
}

describe('applyMigrations', () => {
  it('creates the schema on an empty database and records each migration like Prisma', async () => {
    const d = await fresh();
    const before = new Date();
    const result = await applyMigrations({ databaseUrl: d.url });
    const local = readMigrations();
    expect(result.applied).toEqual(local.map((m) => m.name));
    expect(result.alreadyApplied).toEqual([]);

    const tables = await query<{ table_name: string }>(
      d.url,
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
    );
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining(['_prisma_migrations', 'group_members', 'groups', 'rongsync_changes', 'rongsync_remote_groups', 'rongsync_runs']),
    );

    const rows = await rowsOf(d.url);
    expect(rows).toHaveLength(local.length);
    for (const [i, row] of rows.entries()) {
      const file = readFileSync(join(DEFAULT_MIGRATIONS_DIR, row.migration_name, 'migration.sql'));
      expect(row.migration_name).toBe(local[i]!.name);
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(row.checksum).toBe(createHash('sha256').update(file).digest('hex'));
      expect(row.logs).toBeNull();
      expect(row.rolled_back_at).toBeNull();
      expect(row.applied_steps_count).toBe(1);
      expect(row.finished_at).not.toBeNull();
      expect(row.finished_at!.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
      expect(row.started_at.getTime()).toBeGreaterThanOrEqual(before.getTime() - 5000);
    }

    // Prisma's exact table shape.
    const cols = await query<{ column_name: string; data_type: string; is_nullable: string; character_maximum_length: number | null; column_default: string | null }>(
      d.url,
      `SELECT column_name, data_type, is_nullable, character_maximum_length, column_default
         FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(cols.map((c) => [c.column_name, c.data_type, c.is_nullable, c.character_maximum_length])).toEqual([
      ['id', 'character varying', 'NO', 36],
      ['checksum', 'character varying', 'NO', 64],
      ['finished_at', 'timestamp with time zone', 'YES', null],
      ['migration_name', 'character varying', 'NO', 255],
      ['logs', 'text', 'YES', null],
      ['rolled_back_at', 'timestamp with time zone', 'YES', null],
      ['started_at', 'timestamp with time zone', 'NO', null],
      ['applied_steps_count', 'integer', 'NO', null],
    ]);
  });

  it('is a no-op when run again', async () => {
    const d = await fresh();
    await applyMigrations({ databaseUrl: d.url });
    const before = await rowsOf(d.url);
    const again = await applyMigrations({ databaseUrl: d.url });
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toEqual(readMigrations().map((m) => m.name));
    expect(again.warnings).toEqual([]);
    expect(await rowsOf(d.url)).toEqual(before);
  });

  it('rolls a failing migration back, records it, refuses to continue, and retries after resolve', async () => {
    const d = await fresh();
    const good = '20260101000000_good';
    const bad = '20260102000000_bad';
    const dir = tempMigrations({
      [good]: 'CREATE TABLE a (id int);',
      // The first statement succeeds, the second fails: the whole file must roll back.
      [bad]: 'CREATE TABLE b (id int);\nINSERT INTO missing_table VALUES (1);',
    });
    const migrations = readMigrations(dir);

    const err = await applyMigrations({ databaseUrl: d.url, migrations }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as MigrationError).migration).toBe(bad);
    expect((err as Error).message).toContain(`migration ${bad} failed and was rolled back`);
    expect((err as Error).message).toContain('relation "missing_table" does not exist');
    expect((err as Error).message).toContain(`rongsync migrate resolve --rolled-back ${bad}`);

    const tables = await query<{ t: string | null }>(d.url, `SELECT to_regclass('a')::text AS t UNION ALL SELECT to_regclass('b')::text`);
    expect(tables.map((r) => r.t)).toEqual(['a', null]);

    const rows = await rowsOf(d.url);
    const failed = rows.find((r) => r.migration_name === bad)!;
    expect(failed.finished_at).toBeNull();
    expect(failed.rolled_back_at).toBeNull();
    expect(failed.applied_steps_count).toBe(0);
    expect(failed.logs).toContain('relation "missing_table" does not exist');

    // A second run refuses while the failure is unresolved.
    const again = await applyMigrations({ databaseUrl: d.url, migrations }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(MigrationError);
    expect((again as Error).message).toContain(`migration ${bad} failed earlier and was not resolved`);

    // Fix the file, mark the failure rolled back, and migrate again.
    writeFileSync(join(dir, bad, 'migration.sql'), 'CREATE TABLE b (id int);');
    await markRolledBack(d.url, bad);
    const fixed = await applyMigrations({ databaseUrl: d.url, migrations: readMigrations(dir) });
    expect(fixed.applied).toEqual([bad]);
    const final = await rowsOf(d.url);
    expect(final.filter((r) => r.migration_name === bad).map((r) => [r.rolled_back_at !== null, r.finished_at !== null])).toEqual([
      [true, false],
      [false, true],
    ]);
    await expect(markRolledBack(d.url, bad)).rejects.toThrow(`no failed migration named ${bad}`);
  });

  it('lets two appliers run at once: each migration is applied exactly once', async () => {
    const d = await fresh();
    const [a, b] = await Promise.all([applyMigrations({ databaseUrl: d.url }), applyMigrations({ databaseUrl: d.url })]);
    const names = readMigrations().map((m) => m.name);
    expect([...a.applied, ...b.applied].sort()).toEqual(names);
    expect([...a.alreadyApplied, ...b.alreadyApplied].sort()).toEqual(names);
    const rows = await rowsOf(d.url);
    expect(rows.map((r) => r.migration_name)).toEqual(names);
  });

  it('warns about edited and unknown migrations without stopping', async () => {
    const d = await fresh();
    const dir = tempMigrations({ '20260101000000_one': 'CREATE TABLE one (id int);', '20260102000000_two': 'CREATE TABLE two (id int);' });
    await applyMigrations({ databaseUrl: d.url, migrations: readMigrations(dir) });
    writeFileSync(join(dir, '20260101000000_one', 'migration.sql'), 'CREATE TABLE one (id bigint);');
    const edited = readMigrations(dir).filter((m) => m.name !== '20260102000000_two');
    const result = await applyMigrations({ databaseUrl: d.url, migrations: edited });
    expect(result.warnings).toEqual([
      'migration 20260102000000_two is recorded in the database but missing from prisma/migrations',
      'migration 20260101000000_one was edited after it was applied (checksum differs)',
    ]);
  });

  it('says clearly when the database cannot be reached', async () => {
    const err = await applyMigrations({ databaseUrl: 'postgres://postgres@127.0.0.1:5432/rs_does_not_exist' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseMissingError);
    expect((err as Error).message).toBe(
      'database "rs_does_not_exist" does not exist on 127.0.0.1:5432. Create it with `createdb rs_does_not_exist`, then run `rongsync migrate`.',
    );
  });
});
