// A fresh, migrated database for one bench run (dropped at the end), on TEST_DATABASE_URL's server.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { applyMigrations } from '../src/db/migrate/apply.js';

export async function createBenchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `rs_bench_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const a = new pg.Client({ connectionString: admin });
  await a.connect();
  await a.query(`CREATE DATABASE "${name}"`);
  const u = new URL(admin);
  u.pathname = `/${name}`;
  const url = u.toString();
  await applyMigrations({ databaseUrl: url });
  return {
    url,
    async drop() {
      await a.query(`DROP DATABASE "${name}" WITH (FORCE)`);
      await a.end();
    },
  };
}
