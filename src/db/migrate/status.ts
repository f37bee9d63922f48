// Whether a database carries every migration of this package — what a readiness probe asks. Read
// only, on any pooled connection (no lock: a migration running meanwhile shows as pending, which
// is the truth until it commits). The rules are the applier's (apply.ts): a row counts as applied
// when it is finished and not rolled back; finished and rolled_back both null is a failed one.
import type pg from 'pg';
import { readMigrations, type MigrationFile } from './files.js';

export interface MigrationStatus {
  /** Migrations of prisma/migrations the database has applied. */
  applied: number;
  /** Migrations of prisma/migrations not applied yet (all of them when `_prisma_migrations` is missing). */
  pending: string[];
  /** Migrations that failed and were not resolved (`rongsync migrate resolve --rolled-back`). */
  failed: string[];
}

/** Compares `_prisma_migrations` with the migration folders. Throws when the database cannot be queried. */
export async function migrationStatus(db: Pick<pg.Pool, 'query'>, migrations: MigrationFile[] = readMigrations()): Promise<MigrationStatus> {
  const { rows: exists } = await db.query<{ present: boolean }>(`SELECT to_regclass('_prisma_migrations') IS NOT NULL AS present`);
  if (!exists[0]?.present) return { applied: 0, pending: migrations.map((m) => m.name), failed: [] };
  const { rows } = await db.query<{ migration_name: string; finished: boolean; rolled_back: boolean }>(
    `SELECT migration_name, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back FROM "_prisma_migrations"`,
  );
  const done = new Set(rows.filter((r) => r.finished && !r.rolled_back).map((r) => r.migration_name));
  const failed = rows.filter((r) => !r.finished && !r.rolled_back).map((r) => r.migration_name);
  const pending = migrations.filter((m) => !done.has(m.name)).map((m) => m.name);
  return { applied: migrations.length - pending.length, pending, failed };
}
