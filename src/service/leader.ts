// One leader cluster-wide: a session advisory lock held on a dedicated pg.Client (never through
// Prisma's pool — a pooled session lock lands on an arbitrary connection and leaks). When the
// leader process dies its session ends and Postgres frees the lock; a standby polling with
// pg_try_advisory_lock takes over within one poll interval. If the leader's own connection drops,
// it has lost the lock and must stop reconciling at once (`onLost`).
//
// The leader also checks, every poll interval, that its session still holds the lock (with a
// query timeout and TCP keepalive): a session the server ended without the client noticing (an
// idle timeout, pg_terminate_backend, a silent network cut) would otherwise leave two leaders.
// One loop only: a single timer, and never two attempts at once, however the connection fails.
//
// While the database cannot be reached (restart, failover, outage) attempts back off — pollMs,
// doubling up to maxBackoffMs — and each failure is reported with its reason and the delay, so
// `serve` can say why it is not leading instead of "another replica leads".
import type pg from 'pg';
import { openSession } from '../db/client.js';
import { toError } from '../errors.js';
import { LEADER_LOCK_KEY } from '../db/lock-keys.js';
import type { PrismaClient } from '../generated/prisma/client.js';

/** The database session holding the leader lock: some `serve` leads. */
export interface LeaderSession {
  pid: number;
  /** `rongsync-leader` for rongsync's own; null when the role may not see other sessions' details. */
  applicationName: string | null;
  /** The client's address (null: a Unix socket, or not visible to this role). */
  clientAddress: string | null;
  /** When that session started (null: not visible to this role). */
  sessionStartedAt: Date | null;
}

/** Who holds the leader lock in this database, if anyone (any process may ask: `rongsync status`). */
export async function leaderSession(prisma: PrismaClient): Promise<LeaderSession | null> {
  const rows = await prisma.$queryRaw<Array<{ pid: number; application_name: string | null; client_addr: string | null; backend_start: Date | null }>>`
    SELECT l.pid, a.application_name, host(a.client_addr) AS client_addr, a.backend_start
      FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = ${LEADER_LOCK_KEY}::bigint::oid AND l.objsubid = 1
       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
     LIMIT 1`;
  const r = rows[0];
  if (!r) return null;
  return { pid: r.pid, applicationName: r.application_name || null, clientAddress: r.client_addr, sessionStartedAt: r.backend_start };
}

export interface LeaderOptions {
  databaseUrl: string;
  /** How often a standby retries and the leader checks its lock. @default 2000 */
  pollMs?: number;
  /** A lock query that takes longer means the connection is gone. @default 5000 */
  queryTimeoutMs?: number;
  /** Longest wait between attempts while the database fails. @default 5000 */
  maxBackoffMs?: number;
  onAcquired?: () => void;
  onLost?: (error: Error) => void;
  /** An attempt could not reach the database; the next one is in `retryInMs`. */
  onAttemptFailed?: (error: Error, retryInMs: number) => void;
}

export class LeaderLock {
  readonly #opts: Required<Omit<LeaderOptions, 'onAcquired' | 'onLost' | 'onAttemptFailed'>> & LeaderOptions;
  #client: pg.Client | undefined;
  #timer: NodeJS.Timeout | undefined;
  #busy: Promise<void> | undefined;
  #stopped = false;
  #leader = false;
  #lastError: Error | undefined;
  #failures = 0;

  constructor(options: LeaderOptions) {
    this.#opts = { pollMs: 2000, queryTimeoutMs: 5000, maxBackoffMs: 5000, ...options };
  }

  get isLeader(): boolean {
    return this.#leader;
  }

  /** Why the last attempt failed; undefined when it reached the database (leader or not). */
  get lastError(): Error | undefined {
    return this.#lastError;
  }

  /** Starts campaigning; resolves after the first attempt (leader or not). */
  async start(): Promise<void> {
    this.#stopped = false;
    await this.#tick();
  }

  /** Releases the lock (if held) and stops campaigning; waits for an attempt in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#busy?.catch(() => {});
    const c = this.#client;
    this.#client = undefined;
    this.#leader = false;
    if (c) {
      // Ending the session frees its advisory locks; the explicit unlock is for a pooled proxy.
      await c.query('SELECT pg_advisory_unlock_all()').catch(() => {});
      await c.end().catch(() => {});
    }
  }

  #tick(): Promise<void> {
    if (this.#busy) return this.#busy;
    this.#busy = (this.#leader ? this.#checkHeld() : this.#attempt()).finally(() => {
      this.#busy = undefined;
      this.#schedule();
    });
    return this.#busy;
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = this.#stopped ? undefined : setTimeout(() => void this.#tick(), this.#delay());
  }

  #delay(): number {
    if (this.#failures === 0) return this.#opts.pollMs;
    return Math.min(this.#opts.pollMs * 2 ** (this.#failures - 1), Math.max(this.#opts.maxBackoffMs, this.#opts.pollMs));
  }

  async #attempt(): Promise<void> {
    try {
      if (!this.#client) {
        const c = await openSession(
          { connectionString: this.#opts.databaseUrl, application_name: 'rongsync-leader', keepAlive: true, query_timeout: this.#opts.queryTimeoutMs },
          (client, e) => this.#drop(client, e),
        );
        if (this.#stopped) {
          await c.end().catch(() => {});
          return;
        }
        this.#client = c;
      }
      const c = this.#client;
      const { rows } = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [LEADER_LOCK_KEY]);
      this.#lastError = undefined;
      this.#failures = 0;
      // Dropped or stopped while the query ran: stop() / #drop end the session, which frees the lock.
      if (!rows[0]?.ok || this.#client !== c || this.#stopped) return;
      this.#leader = true;
      this.#opts.onAcquired?.();
    } catch (e) {
      // Connection trouble: retry after a backoff, and say why.
      if (this.#stopped) return;
      this.#lastError = toError(e);
      this.#failures++;
      this.#opts.onAttemptFailed?.(this.#lastError, this.#delay());
    }
  }

  async #checkHeld(): Promise<void> {
    const c = this.#client;
    if (!c) return;
    try {
      const { rows } = await c.query<{ held: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()
                           AND classid = 0 AND objid = $1::bigint::oid AND objsubid = 1 AND granted) AS held`,
        [LEADER_LOCK_KEY],
      );
      if (!rows[0]?.held) this.#drop(c, new Error('the leader lock is no longer held by this session'));
    } catch (e) {
      this.#drop(c, e instanceof Error ? e : new Error(String(e)));
    }
  }

  #drop(client: pg.Client, error: Error): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    client.end().catch(() => {});
    if (this.#leader) {
      this.#leader = false;
      this.#opts.onLost?.(error);
    }
    if (!this.#busy) this.#schedule(); // else the attempt in progress schedules when it ends
  }
}
