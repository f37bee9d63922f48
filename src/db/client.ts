// Opens the database the way every command uses it: one pg.Pool shared by the generated Prisma
// client (through @prisma/adapter-pg) and by the raw pg queries of the stores. Connections that need
// their own session — LISTEN, the leader's and the run's advisory locks, the migration lock — are
// NOT taken from this pool; they use `openSession` (see the stack notes: a session lock taken
// through a pool lands on whichever connection ran it).
//
// Driver errors enter here and leave as the typed errors of ./errors.ts: every Prisma operation
// (models, raw queries, transactions) goes through one query extension that translates them, and
// sessions translate their connect and connection-loss errors.
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';
import { toError } from '../errors.js';
import { databaseTarget, translateDatabaseError, type DatabaseTarget } from './errors.js';
import { readMigrationState, schemaProblem } from './migrate/status.js';

export interface Database {
  prisma: PrismaClient;
  pool: pg.Pool;
  /** Closes Prisma and the pool (Prisma's $disconnect does not end a pool it was given). */
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** @default 10 */
  maxConnections?: number;
  /** Shown in pg_stat_activity. @default 'rongsync' */
  applicationName?: string;
  /**
   * Before the first Prisma operation, check once that the database is migrated to this
   * version's prisma/migrations (one query of `_prisma_migrations`); if not, every operation
   * fails with the typed error that says to run `rongsync migrate` — instead of a missing table
   * or column halfway through a command. @default true
   */
  checkSchema?: boolean;
}

export function openDatabase(databaseUrl: string, options: DatabaseOptions = {}): Database {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.maxConnections ?? 10,
    application_name: options.applicationName ?? 'rongsync',
  });
  // An idle client that errors (server restart) must not crash the process; the pool drops it, and
  // the next query opens a new connection.
  pool.on('error', () => {});
  // pg-pool listens to a client only while it is idle. One checked out (a transaction between two
  // statements, the readiness probe's migration check) whose session the server ends while no
  // query runs emits 'error' with nobody listening, which would crash the process: each client
  // keeps this listener for its whole life, and what used it fails on its next query instead.
  pool.on('connect', (client) => client.on('error', () => {}));
  const target = databaseTarget(databaseUrl);
  const ready = options.checkSchema === false ? undefined : once(() => schemaCheck(pool, databaseUrl));
  const prisma = translatingClient(new PrismaClient({ adapter: new PrismaPg(pool) }), target, ready);
  return {
    prisma,
    pool,
    async close() {
      await prisma.$disconnect();
      await closePool(pool);
    },
  };
}

/**
 * The same client, with every operation's driver error translated. An extended client has the
 * same runtime surface for everything rongsync calls; its static type is a different (generated)
 * type, hence the cast back to PrismaClient.
 */
function translatingClient(prisma: PrismaClient, target: DatabaseTarget, ready: (() => Promise<void>) | undefined): PrismaClient {
  return prisma.$extends({
    query: {
      async $allOperations({ args, query }) {
        await ready?.();
        try {
          return await query(args);
        } catch (e) {
          throw translateDatabaseError(e, target);
        }
      },
    },
  }) as unknown as PrismaClient;
}

async function schemaCheck(pool: pg.Pool, databaseUrl: string): Promise<void> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (e) {
    throw translateDatabaseError(e, databaseTarget(databaseUrl));
  }
  let state: Awaited<ReturnType<typeof readMigrationState>>;
  try {
    state = await readMigrationState(client);
  } catch (e) {
    client.release(true); // a connection in doubt is not reused
    throw translateDatabaseError(e, databaseTarget(databaseUrl));
  }
  client.release();
  const problem = schemaProblem(state, databaseUrl);
  if (problem) throw problem;
}

/** `fn` once it succeeded; a failure (the database was down) is tried again next time. */
function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () =>
    (done ??= fn().catch((e: unknown) => {
      done = undefined;
      throw e;
    }));
}

/**
 * Ends a pool and waits until every connection's socket is closed. pg-pool's own `end()` resolves
 * as soon as it has *asked* its clients to end, so a connection can still be open when the caller
 * moves on — and if the server then terminates it (a restart, `DROP DATABASE … WITH (FORCE)`), the
 * error is emitted on a pool nobody listens to any more and crashes the process.
 */
export async function closePool(pool: pg.Pool): Promise<void> {
  pool.on('error', () => {});
  const open = pool.totalCount;
  let removed = 0;
  const allRemoved = new Promise<void>((resolve) => {
    if (open === 0) return resolve();
    pool.on('remove', () => {
      if (++removed >= open) resolve();
    });
  });
  await pool.end();
  await allRemoved;
}

/**
 * A dedicated session outside the pool (LISTEN, advisory locks): connected, or ended and the
 * translated error thrown. `onDown` hears the session's later error or end (each at most once per
 * cause), translated too; the session always has an error listener, so a server that ends it
 * (restart, failover, pg_terminate_backend) never crashes the process.
 */
export async function openSession(
  config: pg.ClientConfig & { connectionString: string },
  onDown: (client: pg.Client, error: Error) => void,
): Promise<pg.Client> {
  const target = databaseTarget(config.connectionString);
  const client = new pg.Client(config);
  client.on('error', (e) => onDown(client, toError(translateDatabaseError(e, target))));
  client.on('end', () => onDown(client, new Error(`${config.application_name ?? 'session'} connection ended`)));
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => {});
    throw translateDatabaseError(e, target);
  }
  return client;
}
