// Where the database stands against prisma/migrations — one query of `_prisma_migrations`,
// compared with the migration folders, classified the way `prisma migrate status` does: applied,
// pending (a folder with no finished row), failed (a row with neither finished_at nor
// rolled_back_at), and rows the folders don't know. Commands that need the schema check it at
// start (`assertSchemaReady`) so a database that is behind says "run `rongsync migrate`" instead
// of failing later on a missing table.
import pg from 'pg';
import { databaseTarget, FailedMigrationError, PendingMigrationsError, SchemaNotMigratedError, translateDatabaseError, type DatabaseError } from '../errors.js';
import { readMigrations, type MigrationFile } from './files.js';

interface AppliedMigration {
  name: string;
  finishedAt: Date;
  /** The folder's migration.sql differs from what was applied. */
  edited: boolean;
}

interface FailedMigration {
  name: string;
  startedAt: Date;
  logs: string | null;
}

export interface MigrationState {
  /** `_prisma_migrations` exists (false = never migrated). */
  initialized: boolean;
  applied: AppliedMigration[];
  pending: string[];
  failed: FailedMigration[];
  /** Applied in the database, absent from prisma/migrations (a newer rongsync migrated it). */
  unknown: string[];
}

interface Row {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  started_at: Date;
  logs: string | null;
}

/** Reads the migration history on an open connection and compares it with the folders. */
export async function readMigrationState(client: pg.ClientBase, migrations: MigrationFile[] = readMigrations()): Promise<MigrationState> {
  const { rows: exists } = await client.query<{ ok: boolean }>(`SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS ok`);
  if (!exists[0]?.ok) return { initialized: false, applied: [], pending: migrations.map((m) => m.name), failed: [], unknown: [] };
  const { rows } = await client.query<Row>(
    'SELECT migration_name, checksum, finished_at, rolled_back_at, started_at, logs FROM "_prisma_migrations" ORDER BY started_at',
  );
  return classify(rows, migrations);
}

function classify(rows: Row[], migrations: MigrationFile[]): MigrationState {
  const finished = new Map<string, Row>();
  for (const r of rows) if (r.finished_at !== null && r.rolled_back_at === null) finished.set(r.migration_name, r);
  const local = new Map(migrations.map((m) => [m.name, m]));
  const applied: AppliedMigration[] = [];
  const pending: string[] = [];
  for (const m of migrations) {
    const r = finished.get(m.name);
    if (r) applied.push({ name: m.name, finishedAt: r.finished_at!, edited: r.checksum !== m.checksum });
    else pending.push(m.name);
  }
  const failed = rows
    .filter((r) => r.finished_at === null && r.rolled_back_at === null)
    .map((r) => ({ name: r.migration_name, startedAt: r.started_at, logs: r.logs }));
  const unknown = [...finished.keys()].filter((n) => !local.has(n));
  // A failed migration is also pending (not applied); report it once, as failed.
  const failedNames = new Set(failed.map((f) => f.name));
  return { initialized: true, applied, pending: pending.filter((n) => !failedNames.has(n)), failed, unknown };
}

/** What stops rongsync from using this database, or undefined when it is up to date. */
export function schemaProblem(state: MigrationState, databaseUrl: string): DatabaseError | undefined {
  const target = databaseTarget(databaseUrl);
  if (state.failed.length > 0) return new FailedMigrationError(target, state.failed[0]!.name);
  if (!state.initialized || state.applied.length === 0) return new SchemaNotMigratedError(target, 'no migrations applied');
  if (state.pending.length > 0) return new PendingMigrationsError(target, state.pending);
  return undefined;
}

/** Connects once, reads the migration state, disconnects; driver errors come back translated. */
export async function inspectDatabase(databaseUrl: string, migrations?: MigrationFile[]): Promise<MigrationState> {
  const target = databaseTarget(databaseUrl);
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'rongsync-check', connectionTimeoutMillis: 10_000 });
  // A server that goes away between queries must not crash the process: the query fails instead.
  client.on('error', () => {});
  try {
    await client.connect();
    return await readMigrationState(client, migrations);
  } catch (e) {
    throw translateDatabaseError(e, target);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Throws the typed error that says the fix when the database is unreachable or not up to date. */
export async function assertSchemaReady(databaseUrl: string, migrations?: MigrationFile[]): Promise<void> {
  const problem = schemaProblem(await inspectDatabase(databaseUrl, migrations), databaseUrl);
  if (problem) throw problem;
}

/** What a readiness probe needs: counts and names, on a pooled connection (no lock taken). */
export interface MigrationStatus {
  /** Migrations of prisma/migrations the database has applied. */
  applied: number;
  /** Not applied yet (all of them when `_prisma_migrations` is missing). */
  pending: string[];
  /** Failed and not resolved (`rongsync migrate resolve --rolled-back`). */
  failed: string[];
}

/** readMigrationState on a pooled connection, summarised. Throws when the database cannot be queried. */
export async function migrationStatus(pool: pg.Pool, migrations: MigrationFile[] = readMigrations()): Promise<MigrationStatus> {
  // The pool is openDatabase's: every client of it has an error listener, checked out or not.
  const client = await pool.connect();
  try {
    const s = await readMigrationState(client, migrations);
    client.release();
    return { applied: s.applied.length, pending: s.pending, failed: s.failed.map((f) => f.name) };
  } catch (e) {
    client.release(true); // a connection in doubt is not reused
    throw e;
  }
}
