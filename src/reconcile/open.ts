// Wires the real parts together for the CLI: one database pool, one remote client (one rate
// budget for the whole process) whose every attempt lands in the call log, and whose rate
// limiting by RongCloud is told to the operator in the log.
import type { Config } from '../config/load.js';
import { openDatabase, type Database } from '../db/client.js';
import type { Logger } from '../log/logger.js';
import { Throttle } from '../log/throttle.js';
import { GroupClient } from '../remote/group-client.js';
import type { RateLimitedEvent, RateLimiter } from '../remote/rate-limiter.js';
import { CallLog } from './call-log.js';
import { poolRunLock } from './run-lock.js';
import type { ReconcileDeps } from './run.js';

export interface Reconciler {
  deps: ReconcileDeps;
  db: Database;
  client: GroupClient;
  close(): Promise<void>;
}

export function openReconciler(config: Config, logger: Logger): Reconciler {
  const db = openDatabase(config.databaseUrl);
  const callLog = new CallLog(db.prisma, logger);
  let client: GroupClient;
  try {
    client = GroupClient.fromConfig(config, { onAttempt: callLog.record });
  } catch (e) {
    void db.close();
    throw e;
  }
  const stopRateLog = logRateLimiting(client.limiter, logger);
  return {
    deps: { prisma: db.prisma, remote: client, callLog, config, logger, runLock: poolRunLock(db.pool, logger) },
    db,
    client,
    async close() {
      stopRateLog();
      await callLog.flush();
      client.close();
      await db.close();
    },
  };
}

/** Least time between two "rate limited" log lines: a burst of 1008s is one line, then a tally. */
export const RATE_LOG_INTERVAL_MS = 10_000;

const perSecond = (rate: number) => `${Math.round(rate * 10) / 10}/s`;

/**
 * Logs RongCloud's rate limiting (1008 / 429) at warn with the rate rongsync slowed down to —
 * the first answer at once, then at most one line per RATE_LOG_INTERVAL_MS counting the answers
 * since — and, at info, the rate's return to the configured one. Returns the unsubscribe.
 */
export function logRateLimiting(limiter: RateLimiter, logger: Logger, intervalMs = RATE_LOG_INTERVAL_MS): () => void {
  const throttle = new Throttle<RateLimitedEvent>((e, answers) => {
    logger.warn(
      { code: 1008, answers, rate: e.currentRate, targetRate: e.targetRate },
      e.currentRate < e.targetRate
        ? `RongCloud is rate limiting (1008): calls slowed down to ${perSecond(e.currentRate)} (configured ${perSecond(e.targetRate)})`
        : `RongCloud is rate limiting (1008) at the configured ${perSecond(e.targetRate)}`,
    );
  }, intervalMs);
  const onLimited = (e: RateLimitedEvent) => throttle.push(e);
  const onRecovered = (e: { targetRate: number }) => {
    throttle.flush(); // the tally of the burst first, then the all-clear
    logger.info({ rate: e.targetRate }, `RongCloud rate limiting over: calls back to the configured ${perSecond(e.targetRate)}`);
  };
  limiter.on('rateLimited', onLimited);
  limiter.on('recovered', onRecovered);
  return () => {
    limiter.off('rateLimited', onLimited);
    limiter.off('recovered', onRecovered);
    throttle.close();
  };
}
