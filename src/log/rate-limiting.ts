// RongCloud's rate limiting (1008) told to the operator in the log: a burst of 1008s is one warn
// line with the slowed rate, then at most one tally per interval, and the return to the configured
// rate once.
import type { Logger } from './logger.js';
import { Throttle } from './throttle.js';
import type { RateLimitedEvent, RateLimiter } from '../remote/rate-limiter.js';

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
