// prisma/schema.prisma (parsed by Prisma's own schema parser, @prisma/prisma-schema-wasm get_dmmf)
// and the database our migrations build agree both ways: tables, columns (type incl. arrays and
// timestamptz precision, nullability, default), primary keys, foreign keys with their actions,
// and indexes (name, columns, uniqueness, access method).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_DIR } from '../../src/db/migrate/files.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import {
  diffSchemas,
  expectedSchema,
  readDatabaseSchema,
  type QueryFn,
  type SchemaShape,
} from '../helpers/prisma-schema.js';

const SCHEMA_PATH = join(DEFAULT_MIGRATIONS_DIR, '..', 'schema.prisma');
/** Prisma's own bookkeeping table: in every migrated database, never in schema.prisma. */
const IGNORED = ['_prisma_migrations'];

let tdb: TestDatabase;
let expected: SchemaShape;
const query: QueryFn = (sql) => tdb.sql(sql);

beforeAll(async () => {
  tdb = await createTestDatabase();
  expected = expectedSchema(readFileSync(SCHEMA_PATH, 'utf8'));
});
afterAll(async () => {
  await tdb?.drop();
});

describe('schema.prisma ↔ migrated database', () => {
  it('reads a non-trivial schema on both sides (guards against comparing two empty sets)', async () => {
    const actual = await readDatabaseSchema(query, { ignore: IGNORED });
    expect(Object.keys(expected).sort()).toEqual([
      'group_members',
      'groups',
      'rongsync_changes',
      'rongsync_drift_items',
      'rongsync_group_state',
      'rongsync_in_doubt',
      'rongsync_remote_calls',
      'rongsync_remote_groups',
      'rongsync_runs',
    ]);
    expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
    // Spot checks that each kind of fact is actually read, on both sides.
    for (const side of [expected, actual]) {
      expect(side['rongsync_remote_groups']!.columns['members']).toEqual({
        type: 'text[]',
        nullable: true,
        default: 'ARRAY[]::text[]',
      });
      expect(side['groups']!.columns['created_at']).toEqual({
        type: 'timestamp(6) with time zone',
        nullable: false,
        default: 'CURRENT_TIMESTAMP',
      });
      expect(side['group_members']!.primaryKey).toEqual({ name: 'group_members_pkey', columns: ['group_id', 'user_id'] });
      expect(side['rongsync_remote_calls']!.foreignKeys).toEqual([
        {
          name: 'rongsync_remote_calls_run_id_fkey',
          columns: ['run_id'],
          refTable: 'rongsync_runs',
          refColumns: ['id'],
          onDelete: 'SET NULL',
          onUpdate: 'CASCADE',
        },
      ]);
      expect(side['rongsync_remote_groups']!.indexes).toContainEqual({
        name: 'rongsync_remote_groups_members_idx',
        columns: ['members'],
        unique: false,
        method: 'gin',
      });
    }
  });

  it('has exactly the tables, columns, keys and indexes schema.prisma declares', async () => {
    const actual = await readDatabaseSchema(query, { ignore: IGNORED });
    expect(diffSchemas(expected, actual)).toEqual([]);
  });

  it('reports every kind of difference, naming the table/column and both sides', async () => {
    // Break the database inside a transaction (Postgres DDL is transactional), read it from the
    // same session, roll back.
    const client = new pg.Client({ connectionString: tdb.url });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query(`
        ALTER TABLE "groups" ALTER COLUMN "name" DROP NOT NULL;
        ALTER TABLE "groups" ALTER COLUMN "owner_id" TYPE VARCHAR(64);
        ALTER TABLE "rongsync_runs" ALTER COLUMN "status" SET DEFAULT 'queued';
        ALTER TABLE "rongsync_changes" ADD COLUMN "stray" INTEGER;
        DROP INDEX "group_members_user_id_idx";
        DROP INDEX "rongsync_remote_groups_members_idx";
        CREATE INDEX "rongsync_remote_groups_members_idx" ON "rongsync_remote_groups" ("members");
        ALTER TABLE "group_members" DROP CONSTRAINT "group_members_group_id_fkey";
        ALTER TABLE "group_members" ADD CONSTRAINT "group_members_group_id_fkey"
            FOREIGN KEY ("group_id") REFERENCES "groups"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
        ALTER TABLE "rongsync_group_state" DROP CONSTRAINT "rongsync_group_state_pkey";
        DROP TABLE "rongsync_drift_items";
        CREATE TABLE "stray_table" ("id" INTEGER);`);
      const broken = await readDatabaseSchema(async (sql) => (await client.query(sql)).rows, { ignore: IGNORED });
      const problems = diffSchemas(expected, broken);
      expect(problems).toEqual(
        expect.arrayContaining([
          'column groups.name: nullability schema.prisma=NOT NULL database=NULL',
          'column groups.owner_id: type schema.prisma=text database=character varying(64)',
          `column rongsync_runs.status: default schema.prisma="'running'::text" database="'queued'::text"`,
          'column rongsync_changes.stray: in the database (integer), not in schema.prisma',
          'table group_members: index in schema.prisma, not in the database: group_members_user_id_idx USING btree (user_id)',
          'table rongsync_remote_groups: index in schema.prisma, not in the database: ' +
            'rongsync_remote_groups_members_idx USING gin (members) ' +
            '(database has: rongsync_remote_groups_members_idx USING btree (members))',
          'table group_members: foreign key in schema.prisma, not in the database: ' +
            'group_members_group_id_fkey (group_id) → groups(id) ON DELETE CASCADE ON UPDATE CASCADE ' +
            '(database has: group_members_group_id_fkey (group_id) → groups(id) ON DELETE RESTRICT ON UPDATE CASCADE)',
          'table rongsync_group_state: primary key schema.prisma=rongsync_group_state_pkey (group_id) database=none',
          'table rongsync_drift_items: declared in schema.prisma, missing from the database',
          'table stray_table: in the database, no model in schema.prisma maps to it',
        ]),
      );
      // Nothing else: each break is reported once, and unbroken tables stay clean.
      expect(problems).toHaveLength(12);
    } finally {
      await client.query('ROLLBACK').catch(() => {});
      await client.end();
    }
    // The rollback restored the migrated schema.
    expect(diffSchemas(expected, await readDatabaseSchema(query, { ignore: IGNORED }))).toEqual([]);
  });

  it('reports a column that schema.prisma declares but the database lacks', async () => {
    const edited = expectedSchema(
      readFileSync(SCHEMA_PATH, 'utf8').replace(
        /(model Group \{[^}]*?)(\n\s*@@map\("groups"\))/,
        '$1\n  archivedAt DateTime? @map("archived_at") @db.Timestamptz(3)$2',
      ),
    );
    expect(edited['groups']!.columns['archived_at']).toEqual({
      type: 'timestamp(3) with time zone',
      nullable: true,
      default: null,
    });
    expect(diffSchemas(edited, await readDatabaseSchema(query, { ignore: IGNORED }))).toEqual([
      'column groups.archived_at: declared in schema.prisma (timestamp(3) with time zone), missing from the database',
    ]);
  });
});
