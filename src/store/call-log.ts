// Writes every remote attempt (the client's onAttempt events) to rongsync_remote_calls, tagged
// with the run in progress, and keeps per-run counts by endpoint and outcome for the run record.
// Inserts are buffered and flushed in batches so logging never sits on the call path.
import type { PrismaClient } from '../generated/prisma/client.js';
import { DatabaseError } from '../db/errors.js';
import { storableText } from '../db/text.js';
import type { Logger } from '../log/logger.js';

/** Structurally the remote client's AttemptEvent. */
export interface CallAttempt {
  endpoint: string;
  groupId?: string;
  userId?: string;
  host: string;
  attempt: number;
  outcome: 'ok' | 'remote_error' | 'rate_limited' | 'transport_error' | 'timeout';
  httpStatus?: number;
  code?: number;
  latencyMs: number;
  error?: string;
}

/** Outcome key used in run counts: "ok", "rate_limited", "timeout", "transport_error", or the code. */
function outcomeKey(a: CallAttempt): string {
  if (a.outcome === 'remote_error') return String(a.code ?? a.httpStatus ?? 'remote_error');
  return a.outcome;
}

/** Attempts kept in memory while the database is away (at 100 calls/s, ~8 minutes of them). */
const MAX_PENDING = 50_000;
/** How soon a write the database refused is tried again. */
const RETRY_MS = 1_000;

export class CallLog {
  readonly #prisma: PrismaClient;
  readonly #logger: Logger;
  #runId: number | null = null;
  #buffer: Array<CallAttempt & { runId: number | null; at: Date }> = [];
  #counts: Record<string, Record<string, number>> = {};
  #flushing: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;

  constructor(prisma: PrismaClient, logger: Logger) {
    this.#prisma = prisma;
    this.#logger = logger;
  }

  /** Starts attributing attempts to a run (null = outside any run); resets the counts. */
  beginRun(runId: number | null): void {
    this.#runId = runId;
    this.#counts = {};
  }

  /** Counts of the current run: endpoint → outcome → attempts. */
  counts(): Record<string, Record<string, number>> {
    return structuredClone(this.#counts);
  }

  /** The client's onAttempt hook. */
  readonly record = (a: CallAttempt): void => {
    const byOutcome = (this.#counts[a.endpoint] ??= {});
    const key = outcomeKey(a);
    byOutcome[key] = (byOutcome[key] ?? 0) + 1;
    this.#buffer.push({ ...a, runId: this.#runId, at: new Date() });
    if (this.#buffer.length >= 500) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), 250);
  };

  /** Writes buffered attempts; resolves when everything recorded so far is in the table. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#buffer;
    this.#buffer = [];
    this.#flushing = this.#flushing.then(async () => {
      if (batch.length === 0) return;
      try {
        // One JSON parameter for the whole batch: Prisma's createMany binds every field of every
        // row as its own parameter, which cost more CPU than the rest of a create's path.
        const rows = batch.map((a) => ({
          run_id: a.runId,
          at: a.at.toISOString(),
          endpoint: a.endpoint,
          group_id: a.groupId ?? null,
          user_id: a.userId ?? null,
          host: a.host,
          attempt: a.attempt,
          outcome: a.outcome,
          http_status: a.httpStatus ?? null,
          code: a.code ?? null,
          latency_ms: Math.round(a.latencyMs),
          error: storableText(a.error),
        }));
        await this.#prisma.$executeRaw`
          INSERT INTO rongsync_remote_calls (run_id, at, endpoint, group_id, user_id, host, attempt, outcome, http_status, code, latency_ms, error)
          SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(run_id int, at timestamptz, endpoint text, group_id text,
            user_id text, host text, attempt int, outcome text, http_status int, code int, latency_ms int, error text)`;
      } catch (e) {
        // The call log is an audit trail, not a reason to stop reconciling. While the database is
        // away (a restart, a failover) the attempts wait in memory, up to a bound, and go in once it
        // is back; anything else (or past the bound) is dropped, and the log says how many.
        const room = e instanceof DatabaseError && e.transient ? Math.max(0, MAX_PENDING - this.#buffer.length) : 0;
        const kept = Math.min(room, batch.length);
        const lost = batch.length - kept;
        if (kept > 0) {
          this.#buffer = [...batch.slice(lost), ...this.#buffer];
          // Unref: a database that never comes back must not keep a stopping process alive.
          this.#timer ??= setTimeout(() => void this.flush(), RETRY_MS).unref();
        }
        if (lost > 0) this.#logger.error({ err: e, lost }, 'could not write the remote call log');
        else this.#logger.warn({ err: e, waiting: this.#buffer.length }, 'the remote call log waits for the database');
      }
    });
    return this.#flushing;
  }
}

/** One logged attempt, as the explain view shows it. */
export interface LoggedCall {
  at: Date;
  runId: number | null;
  endpoint: string;
  outcome: string;
  code: number | null;
  httpStatus: number | null;
  latencyMs: number;
  attempt: number;
  error: string | null;
}

/** The most recent attempts that named this group. */
export async function recentCalls(prisma: PrismaClient, groupId: string, limit = 20): Promise<LoggedCall[]> {
  const rows = await prisma.remoteCall.findMany({ where: { groupId }, orderBy: { id: 'desc' }, take: limit });
  return rows.map((r) => ({
    at: r.at,
    runId: r.runId,
    endpoint: r.endpoint,
    outcome: r.outcome,
    code: r.code,
    httpStatus: r.httpStatus,
    latencyMs: r.latencyMs,
    attempt: r.attempt,
    error: r.error,
  }));
}

/** Calls per minute over the last `minutes`, with how many RongCloud rate-limited (1008 / 429). */
export async function callsPerMinute(prisma: PrismaClient, now: Date, minutes = 60): Promise<Array<{ minute: Date; calls: number; rateLimited: number; failed: number }>> {
  const since = new Date(now.getTime() - minutes * 60_000);
  const rows = await prisma.$queryRaw<Array<{ minute: Date; calls: bigint; rate_limited: bigint; failed: bigint }>>`
    SELECT date_trunc('minute', at) AS minute, count(*) AS calls,
           count(*) FILTER (WHERE outcome = 'rate_limited') AS rate_limited,
           count(*) FILTER (WHERE outcome <> 'ok' AND outcome <> 'rate_limited') AS failed
      FROM rongsync_remote_calls WHERE at >= ${since} GROUP BY 1 ORDER BY 1`;
  return rows.map((r) => ({ minute: r.minute, calls: Number(r.calls), rateLimited: Number(r.rate_limited), failed: Number(r.failed) }));
}
