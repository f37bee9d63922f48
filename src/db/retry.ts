// Waiting out a database that went away, for writes that must not be dropped — a run's final
// record above all: a run cut off by a restart or failover is recorded as failed, with the reason,
// once the server answers again. Only "the server is unavailable" is retried; any other error is
// the caller's.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log/logger.js';
import { isDatabaseUnavailable } from './errors.js';

export interface UntilAnswersOptions {
  logger: Logger;
  /** Said in the log: "waiting for the database to <what>". */
  what: string;
  /** Give up (rethrow the last error) after this long. @default 30000 */
  deadlineMs?: number;
  /** Give up at once when this aborts. */
  signal?: AbortSignal;
  /** First delay; doubles per retry up to maxDelayMs. @default 250 */
  firstDelayMs?: number;
  /** @default 5000 */
  maxDelayMs?: number;
}

/** Runs `fn`, retrying while the database is unreachable or the connection was lost. */
export async function untilDatabaseAnswers<T>(fn: () => Promise<T>, options: UntilAnswersOptions): Promise<T> {
  const { logger, what, deadlineMs = 30_000, signal, firstDelayMs = 250, maxDelayMs = 5000 } = options;
  const deadline = Date.now() + deadlineMs;
  let delay = firstDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!isDatabaseUnavailable(e) || signal?.aborted || Date.now() + delay > deadline) throw e;
      logger.warn({ err: e, attempt, retryInMs: delay }, `database unavailable; waiting for it to ${what} (retry in ${delay} ms)`);
      await sleep(delay, undefined, { signal }).catch(() => {}); // an abort ends the wait early
      if (signal?.aborted) throw e;
      delay = Math.min(delay * 2, maxDelayMs);
    }
  }
}
