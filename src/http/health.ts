// The probes. /healthz: the process is alive — its event loop is not stalled (a loop blocked for
// seconds cannot reconcile, answer LISTEN or renew the leader lock; a restart is the cure).
// /readyz: it can do its work — the database answers and carries every migration — and whether it
// leads or stands by. Neither carries personal data; both stay open without a token.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import type { ReconcileService } from '../service/serve.js';
import type { Rongsync } from '../rongsync.js';

export interface HealthOptions {
  /** /healthz fails when the event loop was blocked longer than this within the last window. @default 5000 */
  maxEventLoopDelayMs?: number;
  /** Length of the window the delay is measured over. @default 10000 */
  windowMs?: number;
  /** /readyz fails when the database does not answer within this. @default 5000 */
  readyTimeoutMs?: number;
}

/**
 * The longest event-loop delay seen in the current and the previous window (so a stall that just
 * ended is still reported for one window, whenever the probe comes).
 */
export class EventLoopMonitor {
  readonly #histogram: IntervalHistogram;
  readonly #timer: NodeJS.Timeout;
  #previousMaxMs = 0;

  constructor(windowMs: number) {
    this.#histogram = monitorEventLoopDelay({ resolution: 20 });
    this.#histogram.enable();
    this.#timer = setInterval(() => {
      this.#previousMaxMs = this.#currentMaxMs();
      this.#histogram.reset();
    }, windowMs);
    this.#timer.unref();
  }

  #currentMaxMs(): number {
    // An empty histogram reports a huge max; no sample yet means no delay seen.
    return this.#histogram.count === 0 ? 0 : this.#histogram.max / 1e6;
  }

  /** Milliseconds. */
  maxDelayMs(): number {
    return Math.max(this.#previousMaxMs, this.#currentMaxMs());
  }

  close(): void {
    clearInterval(this.#timer);
    this.#histogram.disable();
  }
}

/** `p`, or a rejection saying `what` did not answer within `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** The role a /readyz answer names. */
export function roleOf(service: ReconcileService | null): 'leader' | 'standby' | 'not serving' {
  if (!service) return 'not serving';
  return service.isLeader ? 'leader' : 'standby';
}

export function registerHealthRoutes(app: FastifyInstance, rongsync: Rongsync, service: ReconcileService | null, options: HealthOptions = {}): EventLoopMonitor {
  const maxDelay = options.maxEventLoopDelayMs ?? 5000;
  const readyTimeout = options.readyTimeoutMs ?? 5000;
  const monitor = new EventLoopMonitor(options.windowMs ?? 10_000);
  const open = { config: { access: 'open' as const } };

  app.get('/healthz', open, async (_request, reply) => {
    const delayMs = Math.round(monitor.maxDelayMs());
    reply.header('cache-control', 'no-store');
    if (delayMs > maxDelay) {
      return reply.code(503).send({ status: 'stalled', reason: `event loop blocked for ${delayMs} ms (limit ${maxDelay} ms)`, eventLoopDelayMs: delayMs });
    }
    return { status: 'ok', eventLoopDelayMs: delayMs };
  });

  app.get('/readyz', open, async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    const role = roleOf(service);
    const r = await withTimeout(rongsync.readiness(), readyTimeout, 'the database').catch((e: Error) => ({ ready: false as const, reason: e.message, migrations: null }));
    if (!r.ready) return reply.code(503).send({ status: 'not_ready', reason: r.reason, role, migrations: r.migrations });
    return { status: 'ready', role, migrations: { applied: r.migrations.applied } };
  });

  return monitor;
}
