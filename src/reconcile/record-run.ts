// A run's final record is written even when the database was what cut the run short: a run
// stopped by a restart or failover waits (bounded) for the server to answer and is then recorded
// as failed with the reason, instead of staying "running".
import { untilDatabaseAnswers } from '../db/retry.js';
import type { Logger } from '../log/logger.js';

/** How long a run waits for the database to come back to record its end. */
const RECORD_DEADLINE_MS = 30_000;

export function recordFinalRun<T>(log: Logger, write: () => Promise<T>): Promise<T> {
  return untilDatabaseAnswers(write, { logger: log, what: 'record the end of the run', deadlineMs: RECORD_DEADLINE_MS });
}
