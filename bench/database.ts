// A fresh, migrated database for one bench run (dropped at the end), on TEST_DATABASE_URL's server.
// Large benches build their data once into a template database and clone it per run
// (`CREATE DATABASE … TEMPLATE`, a file copy): 3 million memberships take a minute to insert, a
// clone a few seconds. The template's name carries a hash of the migrations, so a new migration
// builds a new template.
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import pg from 'pg';
import { applyMigrations } from '../src/db/migrate/apply.js';
import { readMigrations } from '../src/db/migrate/files.js';

/** The migrations of the CLI being benched (RS_BENCH_CLI_ROOT: another checkout, for before/after). */
const MIGRATIONS_DIR = process.env['RS_BENCH_CLI_ROOT']
  ? new URL(`file://${process.env['RS_BENCH_CLI_ROOT']}/prisma/migrations/`)
  : new URL('../prisma/migrations/', import.meta.url);

export const adminUrl = (): string => process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function urlOf(name: string): string {
  const u = new URL(adminUrl());
  u.pathname = `/${name}`;
  return u.toString();
}

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

async function withAdmin<T>(f: (a: pg.Client) => Promise<T>): Promise<T> {
  const a = new pg.Client({ connectionString: adminUrl() });
  await a.connect();
  try {
    return await f(a);
  } finally {
    await a.end();
  }
}

function dropper(name: string): () => Promise<void> {
  return () => withAdmin(async (a) => void (await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)));
}

export async function createBenchDatabase(): Promise<BenchDatabase> {
  const name = `rs_bench_${Date.now()}_${randomBytes(3).toString('hex')}`;
  await withAdmin((a) => a.query(`CREATE DATABASE "${name}"`));
  const url = urlOf(name);
  await applyMigrations({ databaseUrl: url });
  return { name, url, drop: dropper(name) };
}

/** Short hash of the migration folder names: a template built before a new migration is not reused. */
function migrationsHash(): string {
  const names = readdirSync(MIGRATIONS_DIR).sort().join(',');
  return createHash('sha1').update(names).digest('hex').slice(0, 8);
}

/**
 * A clone of the template `rs_benchtpl_<key>_<migrations>`, built first by `fill` (on a migrated
 * database) when it does not exist yet. Templates are kept between runs; `dropTemplates` removes them.
 */
export async function cloneBenchDatabase(key: string, fill: (url: string) => Promise<void>): Promise<BenchDatabase & { built: boolean }> {
  const template = `rs_benchtpl_${key}_${migrationsHash()}`;
  let built = false;
  const exists = await withAdmin(async (a) => (await a.query('SELECT 1 FROM pg_database WHERE datname = $1', [template])).rowCount === 1);
  if (!exists) {
    const building = `${template}_building`;
    await withAdmin(async (a) => {
      await a.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
      await a.query(`CREATE DATABASE "${building}"`);
    });
    await applyMigrations({ databaseUrl: urlOf(building), migrations: readMigrations(MIGRATIONS_DIR.pathname) });
    await fill(urlOf(building));
    // Renamed only once complete, so an interrupted build is never cloned.
    await withAdmin((a) => a.query(`ALTER DATABASE "${building}" RENAME TO "${template}"`));
    built = true;
  }
  const name = `rs_bench_${Date.now()}_${randomBytes(3).toString('hex')}`;
  // FILE_COPY: a checkpoint and a directory copy, much faster than WAL-logging every page.
  await withAdmin((a) => a.query(`CREATE DATABASE "${name}" TEMPLATE "${template}" STRATEGY FILE_COPY`));
  return { name, url: urlOf(name), drop: dropper(name), built };
}

export async function dropTemplates(): Promise<string[]> {
  return withAdmin(async (a) => {
    const rows = (await a.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'rs\\_benchtpl\\_%'`)).rows;
    for (const r of rows) await a.query(`DROP DATABASE "${r.datname}" WITH (FORCE)`);
    return rows.map((r) => r.datname);
  });
}

/** Seconds the database's backends spent executing statements (pg_stat_database.active_time, PG 14+). */
export async function dbActiveSeconds(name: string): Promise<number> {
  return withAdmin(async (a) => {
    const r = await a.query<{ t: number }>('SELECT active_time AS t FROM pg_stat_database WHERE datname = $1', [name]);
    return (r.rows[0]?.t ?? 0) / 1000;
  });
}
