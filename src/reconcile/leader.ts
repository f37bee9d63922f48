// One leader cluster-wide: a session advisory lock held on a dedicated pg.Client (never through
// Prisma's pool — a pooled session lock lands on an arbitrary connection and leaks). When the
// leader process dies its session ends and Postgres frees the lock; a standby polling with
// pg_try_advisory_lock takes over within one poll interval. If the leader's own connection drops,
// it has lost the lock and must stop reconciling at once (`onLost`).
import pg from 'pg';

/** Advisory lock key of the reconciler ("rongsync" in ASCII, folded to int4). */
export const LEADER_LOCK_KEY = 0x726f6e67;

export interface LeaderOptions {
  databaseUrl: string;
  /** How often a standby retries. @default 2000 */
  pollMs?: number;
  onAcquired?: () => void;
  onLost?: (error: Error) => void;
}

export class LeaderLock {
  readonly #opts: Required<Omit<LeaderOptions, 'onAcquired' | 'onLost'>> & LeaderOptions;
  #client: pg.Client | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #leader = false;

  constructor(options: LeaderOptions) {
    this.#opts = { pollMs: 2000, ...options };
  }

  get isLeader(): boolean {
    return this.#leader;
  }

  /** Starts campaigning; resolves after the first attempt (leader or not). */
  async start(): Promise<void> {
    this.#stopped = false;
    await this.#attempt();
  }

  async #attempt(): Promise<void> {
    if (this.#stopped || this.#leader) return;
    try {
      if (!this.#client) {
        const c = new pg.Client({ connectionString: this.#opts.databaseUrl, application_name: 'rongsync-leader' });
        c.on('error', (e) => this.#drop(c, e));
        c.on('end', () => this.#drop(c, new Error('leader connection ended')));
        await c.connect();
        this.#client = c;
      }
      const { rows } = await this.#client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [LEADER_LOCK_KEY]);
      if (rows[0]?.ok) {
        this.#leader = true;
        this.#opts.onAcquired?.();
        return;
      }
    } catch {
      // Connection trouble: retry on the next poll.
    }
    if (!this.#stopped) this.#timer = setTimeout(() => void this.#attempt(), this.#opts.pollMs);
  }

  #drop(client: pg.Client, error: Error): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    client.end().catch(() => {});
    if (this.#leader) {
      this.#leader = false;
      this.#opts.onLost?.(error);
    }
    if (!this.#stopped) this.#timer = setTimeout(() => void this.#attempt(), this.#opts.pollMs);
  }

  /** Releases the lock (if held) and stops campaigning. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    const c = this.#client;
    this.#client = undefined;
    if (c) {
      if (this.#leader) await c.query('SELECT pg_advisory_unlock($1)', [LEADER_LOCK_KEY]).catch(() => {});
      await c.end().catch(() => {});
    }
    this.#leader = false;
  }
}
