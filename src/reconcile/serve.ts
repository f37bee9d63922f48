// The long-running service: campaigns for leadership; while leader, it LISTENs for change
// notifications and reconciles the dirty groups after a short debounce (planning from the shadow,
// no reads first), and runs the node-cron schedule that drains every dirty group plus a
// verification slice. Runs are strictly sequential (one queue); a change that arrives during a
// run triggers one more run after it. Losing leadership or SIGTERM aborts the run in flight.
import { EventEmitter } from 'node:events';
import cron, { type ScheduledTask } from 'node-cron';
import type { PrismaClient } from '../generated/prisma/client.js';
import { ChangeListener } from '../db/change-listener.js';
import type { Logger } from '../log/logger.js';
import type { RunTrigger } from '../report/types.js';
import { LeaderLock } from './leader.js';
import { pruneHistory, retentionCutoff, type PruneResult } from './retention.js';
import { MAX_DIRTY_PER_RUN, runOnce, type ReconcileDeps, type RunResult } from './run.js';

export interface ServiceEvents {
  leader: [];
  standby: [reason: string];
  /** A run finished; `trigger` says what started it (change notification or cron schedule). */
  run: [result: RunResult, trigger: RunTrigger];
  pruned: [result: PruneResult];
  error: [error: Error];
}

export interface ServiceOptions {
  databaseUrl: string;
  /** Leadership poll interval of a standby. @default 2000 */
  leaderPollMs?: number;
}

/** How many groups each cron run verifies so that all are read once per period. */
export function verificationSliceSize(totalGroups: number, cronIntervalMs: number, periodMs: number): number {
  if (totalGroups === 0) return 0;
  return Math.ceil((totalGroups * Math.max(cronIntervalMs, 1000)) / periodMs);
}

export class ReconcileService extends EventEmitter<ServiceEvents> {
  readonly #deps: ReconcileDeps & { prisma: PrismaClient; logger: Logger };
  readonly #leader: LeaderLock;
  readonly #listener: ChangeListener;
  #cronTask: ScheduledTask | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #queue: Promise<void> = Promise.resolve();
  #pending: RunTrigger | undefined;
  #abort: AbortController | undefined;
  #stopping = false;

  constructor(deps: ReconcileDeps, options: ServiceOptions) {
    super();
    this.#deps = deps;
    this.#listener = new ChangeListener(options.databaseUrl);
    this.#listener.on('change', () => this.#onChange());
    this.#listener.on('error', (e) => deps.logger.warn({ err: e }, 'change listener connection lost; reconnecting'));
    this.#leader = new LeaderLock({
      databaseUrl: options.databaseUrl,
      pollMs: options.leaderPollMs ?? 2000,
      onAcquired: () => void this.#becomeLeader(),
      onLost: (e) => this.#loseLeadership(`leader connection lost: ${e.message}`),
    });
  }

  get isLeader(): boolean {
    return this.#leader.isLeader;
  }

  async start(): Promise<void> {
    await this.#leader.start();
    if (!this.#leader.isLeader) {
      this.#deps.logger.info('another replica leads; standing by');
      this.emit('standby', 'another replica holds the leader lock');
    }
  }

  async #becomeLeader(): Promise<void> {
    if (this.#stopping) return;
    const { logger, config } = this.#deps;
    logger.info('became leader');
    await this.#listener.start(); // never throws: a failed connect is reported on 'error' and retried
    this.#cronTask = cron.schedule(config.reconcile.cron, () => this.#enqueue('cron'), { name: 'rongsync-reconcile', noOverlap: true });
    this.emit('leader');
    // Catch up on everything that changed while no leader was running.
    this.#enqueue('change');
  }

  #loseLeadership(reason: string): void {
    this.#deps.logger.warn({ reason }, 'lost leadership; stopping work');
    this.#abort?.abort();
    void this.#cronTask?.stop();
    this.#cronTask = undefined;
    void this.#listener.stop();
    this.emit('standby', reason);
  }

  /**
   * The first notification starts the debounce; later ones until it fires join the same run. Not a
   * timer restarted by every notification: an app that writes more often than the debounce would
   * then postpone change-triggered runs until it pauses (or the next cron run).
   */
  #onChange(): void {
    if (!this.#leader.isLeader || this.#stopping || this.#debounce) return;
    this.#debounce = setTimeout(() => {
      this.#debounce = undefined;
      this.#enqueue('change');
    }, this.#deps.config.reconcile.debounceMs);
  }

  /** Queues a run; at most one waits behind the one in flight (a cron wins over a change). */
  #enqueue(trigger: RunTrigger): void {
    if (this.#pending) {
      if (trigger === 'cron') this.#pending = 'cron';
      return;
    }
    this.#pending = trigger;
    this.#queue = this.#queue.then(async () => {
      const t = this.#pending!;
      this.#pending = undefined;
      if (!this.#leader.isLeader || this.#stopping) return;
      await this.#runNow(t);
    });
  }

  async #runNow(trigger: RunTrigger): Promise<void> {
    const { prisma, config } = this.#deps;
    this.#abort = new AbortController();
    try {
      let verify = 0;
      if (trigger === 'cron') {
        const [{ n }] = await prisma.$queryRaw<[{ n: bigint }]>`SELECT count(*) AS n FROM groups`;
        const next = this.#cronTask?.getNextRuns(2) ?? [];
        const interval = next.length === 2 ? next[1]!.getTime() - next[0]!.getTime() : 300_000;
        verify = verificationSliceSize(Number(n), interval, config.reconcile.verifyPeriodHours * 3_600_000);
      }
      const result = await runOnce(this.#deps, { trigger, mode: config.reconcile.mode, verify, signal: this.#abort.signal, maxDirty: MAX_DIRTY_PER_RUN });
      this.emit('run', result, trigger);
      // A backlog larger than one run (e.g. after a huge bulk write) keeps draining.
      if (result.moreDirty && result.status !== 'failed') this.#enqueue('change');
      if (trigger === 'cron') await this.#prune();
    } catch (e) {
      this.#deps.logger.error({ err: e }, 'reconcile run crashed');
      this.emit('error', e as Error);
    } finally {
      this.#abort = undefined;
    }
  }

  /** Retention: a failure is logged and retried at the next cron run, never fatal. */
  async #prune(): Promise<void> {
    const { prisma, config, logger } = this.#deps;
    const cutoff = retentionCutoff(config.reconcile.retentionDays, new Date());
    if (!cutoff || this.#abort?.signal.aborted) return;
    try {
      const pruned = await pruneHistory(prisma, cutoff);
      if (pruned.runs + pruned.driftItems + pruned.calls > 0) logger.info({ ...pruned, olderThan: cutoff }, 'pruned history');
      this.emit('pruned', pruned);
    } catch (e) {
      logger.warn({ err: e }, 'pruning history failed; will retry after the next cron run');
    }
  }

  /** Runs one reconcile now (tests, admin); resolves when it is done. */
  async runNow(trigger: RunTrigger = 'manual'): Promise<void> {
    this.#queue = this.#queue.then(() => this.#runNow(trigger));
    await this.#queue;
  }

  /** Graceful stop: no new work, abort the run in flight, wait for it, release the lock. */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#debounce);
    this.#debounce = undefined;
    await this.#cronTask?.stop();
    await this.#cronTask?.destroy();
    this.#cronTask = undefined;
    this.#abort?.abort();
    await this.#listener.stop();
    await this.#queue.catch(() => {});
    await this.#leader.stop();
  }
}
