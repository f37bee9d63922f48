// A real Postgres database per test file, built by the real migrations (the same applier
// `rongsync migrate` runs). Named rs_test_<epoch-ms>_<random> so leftovers can be swept.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { closePool, openDatabase, type Database } from '../../src/db/client.js';
import { applyMigrations } from '../../src/db/migrate/apply.js';

/** Server to create test databases on (its own database is only used for CREATE/DROP). */
export function adminUrl(): string {
  return process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export function urlFor(name: string): string {
  const u = new URL(adminUrl());
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: adminUrl() });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export interface EmptyDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A new, empty database (no migrations). */
export async function createEmptyDatabase(): Promise<EmptyDatabase> {
  const name = `rs_test_${Date.now()}_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  return {
    name,
    url: urlFor(name),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

export interface TestDatabase extends EmptyDatabase {
  db: Database;
  /** Runs raw SQL as the application would (its own connection, not rongsync's code). */
  sql<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  /**
   * Empties the app's tables and every table of rongsync's (change log included: emptying the
   * app's tables logs changes of its own), as a fresh database has them — for a beforeEach.
   */
  reset(): Promise<void>;
}

/** A new database with every migration applied, and an open rongsync Database on it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const empty = await createEmptyDatabase();
  await applyMigrations({ databaseUrl: empty.url });
  const db = openDatabase(empty.url, { maxConnections: 5 });
  const appPool = new pg.Pool({ connectionString: empty.url, max: 3 });
  return {
    ...empty,
    db,
    async sql(text, params) {
      return (await appPool.query(text, params)).rows;
    },
    async reset() {
      await appPool.query('TRUNCATE groups, group_members CASCADE');
      const { rows } = await appPool.query<{ name: string }>(
        `SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'rongsync\\_%'`,
      );
      await appPool.query(`TRUNCATE ${rows.map((r) => r.name).join(', ')} CASCADE`);
    },
    async drop() {
      await db.close();
      await closePool(appPool);
      await empty.drop();
    },
  };
}
