// Runs never overlap — not only the leader's own runs (its queue does that) but a manual
// `rongsync apply` / `plan` next to a running `serve`, or two manual runs. Two overlapping runs
// would plan from the same shadow and issue the same calls twice, and a read of one could
// overwrite the shadow after a write of the other. A session advisory lock held for the whole run
// serializes them; the second run waits (abortable) and says why.
//
// The lock lives in its own session (application_name `rongsync-runlock`), opened per run. When
// that session ends — a server restart or failover, pg_terminate_backend, an idle-session killer,
// a network cut noticed by the periodic check — Postgres has freed the lock and another process
// may start its run: the holder is told through `lost` and must stop at once.
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { openSession } from '../db/client.js';
import { RongsyncError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { RUN_LOCK_KEY } from '../db/lock-keys.js';

/** The run lock's session ended while a run held it; the run must not go on. */
export class RunLockLostError extends RongsyncError {
  constructor(reason: Error) {
    super('run_lock_lost', `lost the run lock, so the run stopped: ${reason.message}`, { cause: reason });
  }
}

interface RunLockHandle {
  /** Aborts (with a RunLockLostError) when the lock's session errors, ends or stops answering. */
  lost: AbortSignal;
  /** Unlocks and closes the session; never throws. */
  release(): Promise<void>;
}

export interface RunLock {
  /** Resolves once no other run holds the lock; rejects if `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<RunLockHandle>;
}

export interface SessionRunLockOptions {
  /** Retry interval while another run holds the lock. @default 250 */
  pollMs?: number;
  /** How often the holder checks that its session still answers. @default 2000 */
  checkMs?: number;
  /** A check slower than this means the session is gone. @default 5000 */
  queryTimeoutMs?: number;
}

export function sessionRunLock(databaseUrl: string, logger: Logger, options: SessionRunLockOptions = {}): RunLock {
  const { pollMs = 250, checkMs = 2000, queryTimeoutMs = 5000 } = options;
  return {
    async acquire(signal) {
      const lost = new AbortController();
      const loseWith = (error: Error) => {
        if (!lost.signal.aborted) lost.abort(new RunLockLostError(error));
      };
      const client = await openSession(
        { connectionString: databaseUrl, application_name: 'rongsync-runlock', keepAlive: true, query_timeout: queryTimeoutMs },
        (_c, e) => loseWith(e),
      );
      try {
        await waitForLock(client, signal, lost.signal, pollMs, logger);
      } catch (e) {
        await client.end().catch(() => {});
        throw e;
      }
      // A session the server ended without the client noticing (a silent network cut) is found
      // by a periodic query with a timeout; a terminated one is reported at once by openSession.
      // One check at a time (a session runs one query at a time): the next is scheduled when the
      // last has answered.
      let released = false;
      let checking: Promise<void> | undefined;
      let timer: NodeJS.Timeout | undefined;
      const scheduleCheck = () => {
        timer = setTimeout(() => {
          checking = client
            .query('SELECT 1')
            .then(
              () => {},
              (e: unknown) => loseWith(e instanceof Error ? e : new Error(String(e))),
            )
            .finally(() => {
              checking = undefined;
              if (!released && !lost.signal.aborted) scheduleCheck();
            });
        }, checkMs);
        timer.unref();
      };
      scheduleCheck();
      return {
        lost: lost.signal,
        async release() {
          if (released) return;
          released = true;
          clearTimeout(timer);
          await checking;
          if (!lost.signal.aborted) await client.query('SELECT pg_advisory_unlock($1)', [RUN_LOCK_KEY]).catch(() => {});
          // Ending the session frees the lock in any case.
          await client.end().catch(() => {});
        },
      };
    },
  };
}

async function waitForLock(client: pg.Client, signal: AbortSignal | undefined, lost: AbortSignal, pollMs: number, logger: Logger): Promise<void> {
  let told = false;
  for (;;) {
    if (lost.aborted) throw lost.reason;
    const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [RUN_LOCK_KEY]);
    if (rows[0]?.ok) return;
    if (!told) {
      logger.info('another reconcile run is in progress (serve or another apply/plan); waiting for it to finish');
      told = true;
    }
    if (signal?.aborted) throw new Error('run aborted while waiting for the run in progress');
    await sleep(pollMs, undefined, { signal }).catch(() => {}); // an abort ends the wait early
    if (signal?.aborted) throw new Error('run aborted while waiting for the run in progress');
  }
}

/**
 * Runs `fn` holding the run lock (when there is one). `fn` gets a signal that aborts when the
 * caller's does or when the lock is lost (its reason is then a RunLockLostError).
 */
export async function withRunLock<T>(
  lock: RunLock | undefined,
  signal: AbortSignal | undefined,
  fn: (signal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
  if (!lock) return fn(signal);
  const held = await lock.acquire(signal);
  try {
    return await fn(signal ? AbortSignal.any([signal, held.lost]) : held.lost);
  } finally {
    await held.release();
  }
}

/** The RunLockLostError `signal` aborted with, if it was the lock's loss that aborted it. */
export function lockLost(signal: AbortSignal | undefined): RunLockLostError | undefined {
  const reason: unknown = signal?.reason;
  return reason instanceof RunLockLostError ? reason : undefined;
}
