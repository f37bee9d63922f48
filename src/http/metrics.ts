// Prometheus metrics (prom-client), one registry per HTTP server so several servers can live in
// one process (tests). Two kinds:
// - Counted as things happen, from the library's events: runs (trigger, status, duration) and
//   every remote attempt (endpoint, outcome, code, latency, 1008 answers).
// - Read on scrape from the database through the library's status(): groups by condition, the
//   dirty backlog and how old its oldest change is, the least recently verified group — cached for
//   a few seconds, so scrapes from several Prometheus servers cost one set of queries. When those
//   queries fail, rongsync_database_up says 0 and these gauges keep their last values.
// No label ever carries a group or user id: they are personal data and unbounded.
// docs/metrics.md documents every metric; a test checks that they agree.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Logger } from '../log/logger.js';
import type { CallAttempt } from '../store/call-log.js';
import { CONDITION_ORDER } from '../store/group-state.js';
import type { RunResult } from '../reconcile/run.js';
import type { ReconcileService } from '../service/serve.js';
import type { RunStatus, RunTrigger } from '../reconcile/types.js';
import type { Rongsync, Status } from '../rongsync.js';
import { withTimeout } from './health.js';

export interface MetricsOptions {
  /** How long database-backed gauges are reused between scrapes. @default 5000 */
  cacheMs?: number;
  /** A scrape gives up on the database after this long (database_up 0). @default 5000 */
  queryTimeoutMs?: number;
  logger: Logger;
  /** @default Date.now */
  now?: () => number;
}

const TRIGGERS: readonly RunTrigger[] = ['change', 'cron', 'manual'];
const FINAL_STATUSES: readonly RunStatus[] = ['succeeded', 'partial', 'failed', 'aborted'];

/** The code label of one attempt: RongCloud's code, else the HTTP status, else none (no answer). */
function codeLabel(a: Pick<CallAttempt, 'code' | 'httpStatus'>): string {
  if (a.code !== undefined) return String(a.code);
  if (a.httpStatus !== undefined) return `http_${a.httpStatus}`;
  return 'none';
}

export interface Metrics {
  registry: Registry;
  /** The Prometheus text exposition. */
  scrape(): Promise<string>;
  close(): void;
}

type StateSnapshot = Pick<Status, 'groups' | 'backlog' | 'verification'>;

export function createMetrics(rongsync: Rongsync, service: ReconcileService | null, options: MetricsOptions): Metrics {
  const now = options.now ?? Date.now;
  const cacheMs = options.cacheMs ?? 5000;
  const timeoutMs = options.queryTimeoutMs ?? 5000;
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });

  const runs = new Counter({ name: 'rongsync_runs_total', help: 'Reconcile runs finished by this process, by what started them and how they ended.', labelNames: ['trigger', 'status'] as const, registers });
  const runDuration = new Histogram({
    name: 'rongsync_run_duration_seconds',
    help: 'Duration of reconcile runs finished by this process.',
    labelNames: ['trigger'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
    registers,
  });
  const calls = new Counter({
    name: 'rongsync_remote_calls_total',
    help: 'HTTP attempts to RongCloud (each retry counts), by endpoint, outcome and code (RongCloud code, http_<status> without one, none without an answer).',
    labelNames: ['endpoint', 'outcome', 'code'] as const,
    registers,
  });
  const callDuration = new Histogram({
    name: 'rongsync_remote_call_duration_seconds',
    help: 'Latency of HTTP attempts to RongCloud, answered or not.',
    labelNames: ['endpoint'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const rateLimited = new Counter({ name: 'rongsync_remote_rate_limited_total', help: 'Answers of RongCloud saying it is rate limiting (code 1008, or HTTP 429).', registers });
  for (const trigger of TRIGGERS) {
    runDuration.zero({ trigger });
    for (const status of FINAL_STATUSES) runs.inc({ trigger, status }, 0);
  }

  const rateGauge = (name: string, help: string, pick: 'currentRate' | 'targetRate') =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const r = rongsync.rateLimit();
        if (r) this.set(r[pick]);
      },
    });
  rateGauge('rongsync_remote_rate_limit_calls_per_second', 'Calls per second the rate limiter lets through now (below the target after RongCloud answered 1008).', 'currentRate');
  rateGauge('rongsync_remote_rate_limit_target_calls_per_second', 'Calls per second configured (RONGCLOUD_RATE_LIMIT).', 'targetRate');
  new Gauge({
    name: 'rongsync_leader',
    help: '1 when this process leads (reconciles), 0 when it stands by or does not serve.',
    registers,
    collect() {
      this.set(service?.isLeader ? 1 : 0);
    },
  });

  // Database-backed gauges: one status() per scrape at most, reused for `cacheMs` (several
  // Prometheus servers scraping cost one set of queries per period), shared while in flight.
  let refreshed: { at: number; done: Promise<void> } | undefined;
  let last: StateSnapshot | undefined;
  let up = 0;
  const refresh = (): Promise<void> => {
    const t = now();
    if (refreshed && t - refreshed.at < cacheMs) return refreshed.done;
    const done = withTimeout(rongsync.status(), timeoutMs, 'the database')
      .then((s) => {
        last = { groups: s.groups, backlog: s.backlog, verification: s.verification };
        up = 1;
      })
      .catch((e: unknown) => {
        options.logger.warn({ err: e }, 'metrics: could not read the state gauges from the database');
        up = 0;
      });
    refreshed = { at: t, done };
    return done;
  };
  const fromState = (name: string, help: string, read: (s: StateSnapshot, t: number) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        if (last) this.set(read(last, now()));
      },
    });
  const ageSeconds = (d: Date | null, t: number) => (d === null ? 0 : Math.max(0, (t - d.getTime()) / 1000));

  new Gauge({
    name: 'rongsync_database_up',
    help: '1 when the last scrape read the state gauges from the database, 0 when that failed (they then keep their last values).',
    registers,
    collect() {
      this.set(up);
    },
  });
  new Gauge({
    name: 'rongsync_groups',
    help: 'Groups rongsync knows of (tables, shadow, bookkeeping), by condition.',
    labelNames: ['condition'] as const,
    registers,
    collect() {
      for (const c of CONDITION_ORDER) this.set({ condition: c }, last?.groups[c] ?? 0);
    },
  });
  fromState('rongsync_dirty_groups', 'Groups with changes not yet applied (the backlog).', (s) => s.backlog.groups);
  fromState('rongsync_oldest_change_age_seconds', 'Age of the oldest change not yet applied (0 without backlog).', (s, t) => ageSeconds(s.backlog.oldestChangeAt, t));
  fromState(
    'rongsync_oldest_verification_age_seconds',
    'Time since the least recently verified group (of the tables) was last read from RongCloud (0 when none was read yet).',
    (s, t) => ageSeconds(s.verification.oldestRead, t),
  );
  fromState('rongsync_unverified_groups', 'Groups of the tables never read from RongCloud yet.', (s) => s.verification.groups - s.verification.read);

  const onAttempt = (a: CallAttempt) => {
    calls.inc({ endpoint: a.endpoint, outcome: a.outcome, code: codeLabel(a) });
    callDuration.observe({ endpoint: a.endpoint }, a.latencyMs / 1000);
    if (a.outcome === 'rate_limited') rateLimited.inc();
  };
  const onRun = (r: RunResult, trigger: RunTrigger) => {
    runs.inc({ trigger, status: r.status });
    runDuration.observe({ trigger }, r.durationMs / 1000);
  };
  rongsync.events.on('attempt', onAttempt);
  rongsync.events.on('run', onRun);

  return {
    registry,
    async scrape() {
      await refresh();
      return registry.metrics();
    },
    close() {
      rongsync.events.off('attempt', onAttempt);
      rongsync.events.off('run', onRun);
      registry.clear();
    },
  };
}
