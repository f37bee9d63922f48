// rongsync's migration applier: the bookkeeping of `prisma migrate deploy`, reproduced on `pg`
// because Prisma's native schema engine cannot be downloaded here. On a machine that has the
// engine, `prisma migrate status` / `deploy` agree with what this writes:
//   - the `_prisma_migrations` table with Prisma's exact DDL;
//   - session advisory lock 72707369 (Prisma's key), so concurrent appliers — ours or Prisma's —
//     queue up instead of racing;
//   - refuse to run while a failed migration (finished_at and rolled_back_at both null) exists;
//   - per pending folder: insert the row, run the file as ONE simple query (one implicit
//     transaction: a failure rolls the whole file back), then finished_at/applied_steps_count;
//     on failure the error goes into `logs` and finished_at stays null, exactly like Prisma.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { MigrationError, toError } from '../../errors.js';
import { databaseTarget, translateDatabaseError } from '../errors.js';
import { readMigrations, type MigrationFile } from './files.js';
import { readMigrationState } from './status.js';
import { PRISMA_MIGRATE_LOCK_KEY } from '../lock-keys.js';

const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
);`;

export interface MigrateResult {
  applied: string[];
  alreadyApplied: string[];
  /** Human-readable warnings (edited or unknown migrations); nothing was stopped by them. */
  warnings: string[];
}

export interface MigrateOptions {
  databaseUrl: string;
  /** @default prisma/migrations of this package */
  migrations?: MigrationFile[];
  /** Called once per migration as it is applied. */
  onApply?: (name: string) => void;
}

/** A row of `_prisma_migrations`, as Prisma defines it. */
export interface PrismaMigrationRow {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
  started_at: Date;
  applied_steps_count: number;
}

export async function applyMigrations(options: MigrateOptions): Promise<MigrateResult> {
  const migrations = options.migrations ?? readMigrations();
  const client = await connect(options.databaseUrl);
  try {
    // Waits for any other applier (ours or Prisma's) to finish.
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK_KEY]);
    try {
      return await applyLocked(client, migrations, options.onApply);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK_KEY]).catch(() => {});
    }
  } catch (e) {
    throw translateDatabaseError(e, databaseTarget(options.databaseUrl));
  } finally {
    await client.end().catch(() => {});
  }
}

/** The applier's own session; a refused connection comes back as the typed error with the fix. */
async function connect(databaseUrl: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'rongsync-migrate' });
  // A server that goes away between queries must not crash the process: the query fails instead.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => {});
    throw translateDatabaseError(e, databaseTarget(databaseUrl));
  }
  return client;
}

async function applyLocked(
  client: pg.Client,
  migrations: MigrationFile[],
  onApply?: (name: string) => void,
): Promise<MigrateResult> {
  await client.query(CREATE_MIGRATIONS_TABLE);
  const state = await readMigrationState(client, migrations);

  const failed = state.failed[0];
  if (failed) {
    throw new MigrationError(
      `migration ${failed.name} failed earlier and was not resolved:\n${failed.logs ?? '(no log)'}\n` +
        `Fix the cause, then mark it rolled back with \`rongsync migrate resolve --rolled-back ${failed.name}\` ` +
        `(or \`prisma migrate resolve --rolled-back ${failed.name}\`) and run migrate again.`,
      failed.name,
    );
  }

  const warnings: string[] = state.unknown.map((name) => `migration ${name} is recorded in the database but missing from prisma/migrations`);
  for (const a of state.applied) if (a.edited) warnings.push(`migration ${a.name} was edited after it was applied (checksum differs)`);

  const applied: string[] = [];
  const alreadyApplied = state.applied.map((a) => a.name);
  const pending = new Set(state.pending);
  for (const m of migrations) {
    if (!pending.has(m.name)) continue;
    const id = randomUUID();
    await client.query(
      'INSERT INTO "_prisma_migrations" (id, checksum, started_at, migration_name) VALUES ($1, $2, now(), $3)',
      [id, m.checksum, m.name],
    );
    try {
      // One simple query = one implicit transaction for the whole file.
      await client.query(m.sql);
    } catch (e) {
      const err = toError(e);
      const pgErr = e as { code?: string; position?: string };
      const logs = `${err.message}${pgErr.code ? `\n\nPostgres error code: ${pgErr.code}` : ''}${pgErr.position ? `\nPosition: ${pgErr.position}` : ''}`;
      await client.query('UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1', [id, logs]);
      throw new MigrationError(
        `migration ${m.name} failed and was rolled back: ${err.message}. ` +
          `It is recorded as failed; after fixing it run \`rongsync migrate resolve --rolled-back ${m.name}\` and migrate again.`,
        m.name,
        { cause: e },
      );
    }
    await client.query(
      'UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = applied_steps_count + 1 WHERE id = $1',
      [id],
    );
    applied.push(m.name);
    onApply?.(m.name);
  }
  return { applied, alreadyApplied, warnings };
}

/** `migrate resolve --rolled-back NAME`: marks a failed migration rolled back, as Prisma does. */
export async function markRolledBack(databaseUrl: string, name: string): Promise<void> {
  const client = await connect(databaseUrl);
  try {
    const res = await client.query(
      `UPDATE "_prisma_migrations" SET rolled_back_at = now()
        WHERE migration_name = $1 AND finished_at IS NULL AND rolled_back_at IS NULL`,
      [name],
    );
    if (res.rowCount === 0) {
      throw new MigrationError(`no failed migration named ${name} to mark as rolled back`, name);
    }
  } finally {
    await client.end().catch(() => {});
  }
}
