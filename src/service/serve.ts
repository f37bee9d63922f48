// The long-running service: campaigns for leadership; while leader, it LISTENs for change
// notifications and reconciles the dirty groups — at once after a quiet moment, after a short
// debounce while a run is in flight (planning from the shadow, no reads first) — and runs the
// node-cron schedule that drains every dirty group plus a verification slice. Runs are strictly sequential (one queue); a change that arrives during a
// run triggers one more run after it. Losing leadership or SIGTERM aborts the run in flight.
//
// The database may go away at any time (restart, failover, a killed session): that is never fatal.
// At start the service waits until the database is reachable and migrated, logging the true reason
// and the next retry; a lost leader session makes it stand by and campaign again (with backoff)
// until the server is back; on regaining leadership it re-LISTENs and catches up on every change
// made meanwhile (the change log is durable). A run that failed is retried after a backoff.
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import cron, { type ScheduledTask } from 'node-cron';
import type { PrismaClient } from '../generated/prisma/client.js';
import { ChangeListener } from '../db/change-listener.js';
import { DatabaseError } from '../db/errors.js';
import { assertSchemaReady } from '../db/migrate/status.js';
import { toError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { RunTrigger } from '../reconcile/types.js';
import { LeaderLock } from './leader.js';
import type { RunProgress } from '../reconcile/progress.js';
import { pruneHistory, retentionCutoff, type PruneResult } from '../store/retention.js';
import { MAX_DIRTY_PER_RUN, runOnce, type ReconcileDeps, type RunResult } from '../reconcile/run.js';

export interface ServiceEvents {
  leader: [];
  standby: [reason: string];
  /** A run finished; `trigger` says what started it (change notification or cron schedule). */
  run: [result: RunResult, trigger: RunTrigger];
  /** A run's progress, after every batch step and remote call (for progress logs of long runs). */
  progress: [progress: RunProgress];
  pruned: [result: PruneResult];
  error: [error: Error];
}

export interface ServiceOptions {
  databaseUrl: string;
  /** Leadership poll interval of a standby. @default 2000 */
  leaderPollMs?: number;
  /** Longest wait between retries while the database is not ready, and after failed runs. @default 30000 */
  maxRetryMs?: number;
}

/** First wait after the database was not ready at start, or after a failed run. */
const FIRST_RETRY_MS = 1000;

/** How many groups each cron run verifies so that all are read once per period. */
function verificationSliceSize(totalGroups: number, cronIntervalMs: number, periodMs: number): number {
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
  /** The run in flight's abort controller; set exactly while a run is in flight. */
  #abort: AbortController | undefined;
  /** Aborts waits (database retries, run retries) when the service stops. */
  readonly #stopped = new AbortController();
  #stopping = false;
  readonly #databaseUrl: string;
  readonly #maxRetryMs: number;
  #runRetryMs = FIRST_RETRY_MS;
  #runRetry: NodeJS.Timeout | undefined;
  /** Counts leadership changes, so work set up for a term that ended is not started. */
  #term = 0;

  constructor(deps: ReconcileDeps, options: ServiceOptions) {
    super();
    this.#deps = deps;
    this.#databaseUrl = options.databaseUrl;
    this.#maxRetryMs = options.maxRetryMs ?? 30_000;
    this.#listener = new ChangeListener(options.databaseUrl);
    this.#listener.on('change', () => this.#onChange());
    this.#listener.on('error', (e) => deps.logger.warn({ err: e }, `change listener connection lost (${e.message}); reconnecting`));
    this.#leader = new LeaderLock({
      databaseUrl: options.databaseUrl,
      pollMs: options.leaderPollMs ?? 2000,
      onAcquired: () => void this.#becomeLeader(),
      onLost: (e) => this.#loseLeadership(`leader connection lost: ${e.message}`),
      onAttemptFailed: (e, retryInMs) =>
        deps.logger.warn({ err: e, retryInMs }, `cannot campaign for leadership: ${e.message}; retrying in ${formatDelay(retryInMs)}`),
    });
  }

  get isLeader(): boolean {
    return this.#leader.isLeader;
  }

  /**
   * Waits until the database is reachable and migrated (or the service is stopped), then starts
   * campaigning; resolves after the first attempt.
   */
  async start(): Promise<void> {
    await this.#waitForDatabase();
    if (this.#stopping) return;
    await this.#leader.start();
    if (this.#leader.isLeader) return;
    const failed = this.#leader.lastError;
    if (failed) {
      this.emit('standby', failed.message); // the leader lock logs the reason and keeps retrying
    } else {
      this.#deps.logger.info('another replica leads; standing by');
      this.emit('standby', 'another replica holds the leader lock');
    }
  }

  /** The true reason the database cannot be used, logged with the next retry, until it can. */
  async #waitForDatabase(): Promise<void> {
    const { logger } = this.#deps;
    let delay = FIRST_RETRY_MS;
    for (let attempt = 1; !this.#stopping; attempt++) {
      try {
        await assertSchemaReady(this.#databaseUrl);
        if (attempt > 1) logger.info('the database is ready');
        return;
      } catch (e) {
        if (!(e instanceof DatabaseError)) throw e;
        const level = e.transient ? 'warn' : 'error';
        logger[level]({ kind: e.kind, attempt, retryInMs: delay }, `database not ready: ${e.message} Retrying in ${formatDelay(delay)}.`);
        this.emit('standby', e.message);
      }
      await sleep(delay, undefined, { signal: this.#stopped.signal }).catch(() => {});
      delay = Math.min(delay * 2, this.#maxRetryMs);
    }
  }

  async #becomeLeader(): Promise<void> {
    if (this.#stopping) return;
    const { logger, config } = this.#deps;
    logger.info('became leader');
    const term = ++this.#term;
    await this.#listener.start(); // never throws: a failed connect is reported on 'error' and retried
    // Stopped or lost leadership meanwhile: a cron task scheduled now would outlive the service
    // (and keep the process from exiting after SIGTERM).
    if (this.#stopping || term !== this.#term || !this.#leader.isLeader) return;
    this.#cronTask = cron.schedule(config.reconcile.cron, () => this.#enqueue('cron'), { name: 'rongsync-reconcile', noOverlap: true });
    this.emit('leader');
    // Catch up on everything that changed while no leader was running.
    this.#enqueue('change');
  }

  #loseLeadership(reason: string): void {
    this.#term++;
    this.#deps.logger.warn({ reason }, 'lost leadership; stopping work');
    this.#abort?.abort(new Error(`lost leadership (${reason})`));
    clearTimeout(this.#runRetry);
    this.#runRetry = undefined;
    void this.#cronTask?.stop();
    this.#cronTask = undefined;
    void this.#listener.stop();
    this.emit('standby', reason);
  }

  /**
   * Leading edge: a change after a quiet moment (no run in flight or queued) starts its run at
   * once — an app write reaches RongCloud one HTTP call later. Changes that arrive while a run is
   * in flight are coalesced: the first starts the debounce, later ones join the same next run. Not
   * a timer restarted by every notification: an app that writes more often than the debounce
   * would then postpone change-triggered runs until it pauses (or the next cron run).
   */
  #onChange(): void {
    if (!this.#leader.isLeader || this.#stopping || this.#debounce) return;
    if (!this.#abort && !this.#pending) {
      this.#enqueue('change');
      return;
    }
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
      const result = await runOnce(this.#deps, {
        trigger,
        mode: config.reconcile.mode,
        verify,
        signal: this.#abort.signal,
        maxDirty: MAX_DIRTY_PER_RUN,
        ...(this.listenerCount('progress') > 0 ? { onProgress: (p: RunProgress) => void this.emit('progress', p) } : {}),
      });
      this.emit('run', result, trigger);
      if (result.status === 'failed') this.#retryAfterFailure(result.error ?? 'run failed');
      else this.#runRetryMs = FIRST_RETRY_MS;
      // A backlog larger than one run (e.g. after a huge bulk write) keeps draining.
      if (result.moreDirty && result.status !== 'failed') this.#enqueue('change');
      if (trigger === 'cron') await this.#prune();
    } catch (e) {
      // The run could not even start or be recorded (the database went away): not fatal.
      this.#deps.logger.error({ err: e }, `reconcile run could not run: ${toError(e).message}`);
      this.emit('error', toError(e));
      this.#retryAfterFailure(toError(e).message);
    } finally {
      this.#abort = undefined;
    }
  }

  /**
   * The changes a failed run left are still in the change log; without a retry they would wait
   * for the next notification or cron run. Retried with backoff, reset by a run that did not fail.
   */
  #retryAfterFailure(reason: string): void {
    if (this.#stopping || !this.#leader.isLeader || this.#runRetry) return;
    const delay = this.#runRetryMs;
    this.#runRetryMs = Math.min(delay * 2, this.#maxRetryMs);
    this.#deps.logger.warn({ retryInMs: delay }, `run failed (${reason}); retrying in ${formatDelay(delay)}`);
    this.#runRetry = setTimeout(() => {
      this.#runRetry = undefined;
      this.#enqueue('change');
    }, delay);
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

  /** Graceful stop: no new work, abort the run in flight, wait for it, release the lock. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#stopped.abort();
    clearTimeout(this.#debounce);
    this.#debounce = undefined;
    clearTimeout(this.#runRetry);
    this.#runRetry = undefined;
    await this.#cronTask?.stop();
    await this.#cronTask?.destroy();
    this.#cronTask = undefined;
    this.#abort?.abort();
    await this.#listener.stop();
    await this.#queue.catch(() => {});
    await this.#leader.stop();
  }
}

function formatDelay(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}
