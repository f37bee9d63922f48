// Opens the database the way every command uses it: one pg.Pool shared by the generated Prisma
// client (through @prisma/adapter-pg) and by raw pg work (streaming, COPY). Connections that need
// their own session — LISTEN, the leader's advisory lock, the migration lock — are NOT taken from
// this pool; they use `new pg.Client(...)` (see the stack notes: a session lock taken through a
// pool lands on whichever connection ran it).
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';

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
}

export function openDatabase(databaseUrl: string, options: DatabaseOptions = {}): Database {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.maxConnections ?? 10,
    application_name: options.applicationName ?? 'rongsync',
  });
  // An idle client that errors (server restart) must not crash the process; the pool drops it.
  pool.on('error', () => {});
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
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
 * error rethrown. `onDown` hears the session's later error or end (each at most once per cause).
 */
export async function openSession(config: pg.ClientConfig, onDown: (client: pg.Client, error: Error) => void): Promise<pg.Client> {
  const client = new pg.Client(config);
  client.on('error', (e) => onDown(client, e));
  client.on('end', () => onDown(client, new Error(`${config.application_name ?? 'session'} connection ended`)));
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => {});
    throw e;
  }
  return client;
}
