// Writes every remote attempt (the client's onAttempt events) to rongsync_remote_calls, tagged
// with the run in progress, and keeps per-run counts by endpoint and outcome for the run record.
// Inserts are buffered and flushed in batches so logging never sits on the call path.
import type { PrismaClient } from '../generated/prisma/client.js';
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
export function outcomeKey(a: CallAttempt): string {
  if (a.outcome === 'remote_error') return String(a.code ?? a.httpStatus ?? 'remote_error');
  return a.outcome;
}

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
        await this.#prisma.remoteCall.createMany({
          data: batch.map((a) => ({
            runId: a.runId,
            at: a.at,
            endpoint: a.endpoint,
            groupId: a.groupId ?? null,
            userId: a.userId ?? null,
            host: a.host,
            attempt: a.attempt,
            outcome: a.outcome,
            httpStatus: a.httpStatus ?? null,
            code: a.code ?? null,
            latencyMs: Math.round(a.latencyMs),
            error: a.error ?? null,
          })),
        });
      } catch (e) {
        // The call log is an audit trail, not a reason to stop reconciling: say so and go on.
        this.#logger.error({ err: e, lost: batch.length }, 'could not write the remote call log');
      }
    });
    return this.#flushing;
  }
}
