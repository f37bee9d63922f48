// The library: everything the CLI and the HTTP server do is a method of the object
// createRongsync returns. It owns one database pool, one RongCloud client (one rate budget for
// the process, created on first use so operator actions need no credentials) and the call log.
// `events` tells observers (the HTTP server's metrics) about every remote attempt and every run.
import { EventEmitter } from 'node:events';
import { loadConfig, type Config } from './config/load.js';
import type { ENV_VARS } from './config/schema.js';
import { openDatabase, type Database } from './db/client.js';
import { applyMigrations, type MigrateResult } from './db/migrate/apply.js';
import { readMigrations, type MigrationFile } from './db/migrate/files.js';
import { migrationStatus, type MigrationStatus } from './db/migrate/status.js';
import { RongsyncError } from './errors.js';
import { silentLogger, type Logger } from './log/logger.js';
import { CallLog, callsPerMinute, type CallAttempt } from './store/call-log.js';
import { backlog, markDirty, type Backlog } from './store/change-log.js';
import { explainGroup, type GroupExplanation } from './reconcile/explain.js';
import {
  countByCondition,
  knownDrift,
  listGroups,
  listPaused,
  listQuarantined,
  lockQuarantine,
  pauseGroups,
  releaseGroups,
  unknownGroupIds,
  unpauseGroups,
  type GroupCondition,
  type GroupListing,
  type KnownDrift,
} from './store/group-state.js';
import type { PlannedCall } from './reconcile/plan/types.js';
import type { RemoteGroups } from './reconcile/ports.js';
import { leaderSession, type LeaderSession } from './service/leader.js';
import type { ProgressListener } from './reconcile/progress.js';
import { pruneHistory, type PruneResult } from './store/retention.js';
import { logRateLimiting } from './log/rate-limiting.js';
import { sessionRunLock } from './service/run-lock.js';
import { runOnce, type BatchReport, type ReconcileDeps, type RunResult } from './reconcile/run.js';
import { ReconcileService } from './service/serve.js';
import { verificationSummary, type VerificationSummary } from './store/shadow.js';
import { applyVerdict, planVerdict, type Verdict } from './reconcile/verdict.js';
import { listRuns, loadRunReport, type RunFilter, type RunSummary } from './report/load.js';
import type { RunReport } from './report/types.js';
import type { RunTrigger } from './reconcile/types.js';
import { GroupClient } from './remote/group-client.js';
import type { RateLimiterStats } from './remote/rate-limiter.js';
import { terminalSafe } from './rules/characters.js';

/** A configuration value as the environment would give it (validated by the same schema). */
export type ConfigValues = Partial<Record<(typeof ENV_VARS)[number]['name'], string | number | boolean>>;

export interface RongsyncOptions {
  /** A configuration already validated (by loadConfig); `config`, `env` and `databaseUrl` are then ignored. */
  loadedConfig?: Config;
  /** Postgres with the app tables and rongsync's (overrides DATABASE_URL in `config` / `env`). */
  databaseUrl?: string;
  /** Settings by their environment names, e.g. `{ RONGCLOUD_APP_KEY: 'k', RONGSYNC_MODE: 'detect' }`. */
  config?: ConfigValues;
  /** An environment to read settings from (the CLI passes process.env); `config` wins over it. */
  env?: Record<string, string | undefined>;
  /** @default silent */
  logger?: Logger;
  /** Replaces the RongCloud client (tests, a sandbox); must not be used by another instance. */
  remote?: RemoteGroups;
}

export interface PlanOptions {
  /** Only these groups, read from RongCloud first. */
  groups?: string[];
  /** Every group, each read from RongCloud first. */
  full?: boolean;
  signal?: AbortSignal;
  /** Streams each batch as the run goes; without it the planned calls are collected in `calls`. */
  onBatch?: (batch: BatchReport) => void | Promise<void>;
  /** Hears the run's progress (groups and calls done of those known) as it goes. */
  onProgress?: ProgressListener;
  /** Recorded as `apply --dry-run` rather than `plan` (the same run otherwise). */
  dryRun?: boolean;
}

export interface ApplyOptions extends Omit<PlanOptions, 'dryRun'> {
  /** Approve deletions over the mass-deletion guard for this run. */
  allowDeletes?: boolean;
}

export interface PlanOutcome {
  run: RunResult;
  verdict: Verdict;
  knownDrift: KnownDrift;
  /** The planned calls (empty when `onBatch` was given: they were streamed). */
  calls: PlannedCall[];
}

export interface ApplyOutcome {
  run: RunResult;
  verdict: Verdict;
  knownDrift: KnownDrift;
}

export interface Status {
  /** Whether this process leads (null: it does not serve). */
  leader: boolean | null;
  /** The session holding the leader lock — whichever process it is — or null: no `serve` leads. */
  leaderSession: LeaderSession | null;
  lastRuns: RunSummary[];
  backlog: Backlog;
  groups: Record<GroupCondition, number>;
  verification: VerificationSummary;
  /** Calls per minute over the last hour, with RongCloud's rate limiting. */
  calls: Array<{ minute: Date; calls: number; rateLimited: number; failed: number }>;
  knownDrift: KnownDrift;
}

/** What the library tells observers (the HTTP server's metrics, scripts). */
export interface RongsyncEvents {
  /** One HTTP attempt of this instance's RongCloud client (not of a `remote` passed in). */
  attempt: [attempt: CallAttempt];
  /** A run of this instance finished: plan, apply, reconcileNow (`manual`) or the service's. */
  run: [result: RunResult, trigger: RunTrigger];
}

/** Whether the database answers and carries every migration of this package. */
export type Readiness =
  | { ready: true; migrations: MigrationStatus }
  | { ready: false; reason: string; migrations: MigrationStatus | null };

export interface ServeOptions {
  /** How often a standby tries to take the lead. @default 2000 */
  leaderPollMs?: number;
  /** Hears the service before it starts (it may wait for the database): e.g. to serve HTTP meanwhile. */
  onCreated?: (service: ReconcileService) => void | Promise<void>;
}

export interface Rongsync {
  readonly config: Config;
  /** Events: `attempt` (every remote HTTP attempt) and `run` (every finished run). */
  readonly events: EventEmitter<RongsyncEvents>;
  /** Applies prisma/migrations (safe to run concurrently). */
  migrate(): Promise<MigrateResult>;
  /** What would change; writes nothing to RongCloud. */
  plan(options?: PlanOptions): Promise<PlanOutcome>;
  /** One reconcile run over every pending change (or the given groups). */
  apply(options?: ApplyOptions): Promise<ApplyOutcome>;
  /** Starts the service: leader election, change notifications, the cron schedule. */
  serve(options?: ServeOptions): Promise<ReconcileService>;
  /** A run's drift report; `maxItems` reads only the first items (the report says how many in all, `itemsTotal`). */
  report(run: number | 'latest', options?: { maxItems?: number }): Promise<RunReport | null>;
  runs(filter?: Partial<RunFilter>): Promise<RunSummary[]>;
  status(): Promise<Status>;
  /** How fresh rongsync's knowledge of RongCloud is (what `plan` tells when nothing is pending). */
  verification(): Promise<VerificationSummary>;
  groups(options?: { condition?: GroupCondition; after?: string; limit?: number; search?: string }): Promise<GroupListing[]>;
  /** Null when rongsync knows nothing of the group. `read` adds a fresh read from RongCloud. */
  explain(groupId: string, options?: { read?: boolean }): Promise<GroupExplanation | null>;
  knownDrift(options?: { groupIds?: string[]; sample?: number }): Promise<KnownDrift>;
  /** Never write these groups (still observed and reported). Returns ids rongsync has never seen. */
  pause(groupIds: string[]): Promise<{ unknown: string[] }>;
  /** Write them again and mark them for the next run. Returns the ones that were not paused. */
  resume(groupIds: string[]): Promise<{ notPaused: string[] }>;
  /** Lift quarantine and backoff, mark for the next run. All or nothing: throws NotQuarantinedError. */
  release(groupIds: string[]): Promise<void>;
  quarantined(): ReturnType<typeof listQuarantined>;
  /** Paused groups, by id. */
  paused(): ReturnType<typeof listPaused>;
  /** Of these ids, the ones rongsync knows nothing of (not in the tables, the shadow or its bookkeeping). */
  unknownGroups(groupIds: string[]): Promise<string[]>;
  /** Database reachable and every migration applied (what a readiness probe asks). */
  readiness(): Promise<Readiness>;
  /**
   * The RongCloud client's rate limiter: the configured rate and the one it lets through now
   * (lower after RongCloud answered 1008). Before the first remote call: the configured rate.
   * Null when a `remote` was passed in (no limiter of ours).
   */
  rateLimit(): Pick<RateLimiterStats, 'targetRate' | 'currentRate'> | null;
  /** Deletes runs (with drift items) and call-log rows older than `olderThan`; the newest run is kept. */
  prune(olderThan: Date): Promise<PruneResult>;
  /** Reads these groups from RongCloud and converges them now (waits for a run in progress). */
  reconcileNow(groupIds: string[], options?: { allowDeletes?: boolean }): Promise<ApplyOutcome>;
  /** Stops the service if started, then closes the pool and the client. A second call waits for the first. */
  close(): Promise<void>;
}

/** `release` of groups that are not quarantined (or unknown): nothing was released. */
export class NotQuarantinedError extends RongsyncError {
  readonly problems: Array<{ groupId: string; problem: 'unknown' | 'not_quarantined' }>;

  constructor(problems: NotQuarantinedError['problems']) {
    const lines = problems.map((p) => `${terminalSafe(p.groupId)}: ${p.problem === 'unknown' ? 'unknown group (rongsync has no state recorded for it)' : 'is not quarantined'}`);
    super('not_quarantined', `nothing released:\n  - ${lines.join('\n  - ')}\n(see \`rongsync quarantine list\`)`);
    this.problems = problems;
  }
}

/** Turns `config` values into the environment shape the schema reads. */
function toEnv(values: ConfigValues | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(values ?? {})) if (v !== undefined) env[k] = String(v);
  return env;
}

export function createRongsync(options: RongsyncOptions = {}): Rongsync {
  const env = { ...(options.env ?? {}), ...toEnv(options.config), ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}) };
  const config = options.loadedConfig ?? loadConfig(env);
  const logger = options.logger ?? silentLogger;
  const db: Database = openDatabase(config.databaseUrl);
  const callLog = new CallLog(db.prisma, logger);
  const events = new EventEmitter<RongsyncEvents>();
  // An observer's exception must never fail a remote call or a run: it is logged and dropped.
  const tell = <E extends keyof RongsyncEvents>(event: E, ...args: RongsyncEvents[E]) => {
    try {
      (events.emit as (e: E, ...a: RongsyncEvents[E]) => boolean)(event, ...args);
    } catch (e) {
      logger.error({ err: e, event }, 'a listener of rongsync events threw');
    }
  };
  const onAttempt = (a: CallAttempt) => {
    callLog.record(a);
    tell('attempt', a);
  };
  let client: GroupClient | undefined;
  let service: ReconcileService | undefined;
  let migrations: MigrationFile[] | undefined;
  let stopRateLog: (() => void) | undefined;
  let closing: Promise<void> | undefined;
  const remote = (): RemoteGroups => {
    if (options.remote) return options.remote;
    if (!client) {
      client = GroupClient.fromConfig(config, { onAttempt });
      // RongCloud's rate limiting (1008) is told to the operator in the log, as the CLI's runs do.
      stopRateLog = logRateLimiting(client.limiter, logger);
    }
    return client;
  };
  const deps = (): ReconcileDeps => ({ prisma: db.prisma, remote: remote(), callLog, config, logger, runLock: sessionRunLock(config.databaseUrl, logger) });
  const prisma = db.prisma;

  const plan = async (o: PlanOptions = {}): Promise<PlanOutcome> => {
    const calls: PlannedCall[] = [];
    const run = await runOnce(deps(), {
      trigger: 'manual',
      mode: o.dryRun ? 'dry-run' : 'detect',
      ...(o.groups?.length ? { groups: o.groups } : {}),
      ...(o.full ? { full: true } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      onBatch: o.onBatch ?? ((b) => void calls.push(...b.calls)),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    });
    tell('run', run, 'manual');
    const known = await knownDrift(prisma, o.groups?.length ? { groupIds: o.groups } : {});
    return { run, verdict: planVerdict(run, known), knownDrift: known, calls };
  };

  const apply = async (o: ApplyOptions = {}): Promise<ApplyOutcome> => {
    const run = await runOnce(deps(), {
      trigger: 'manual',
      mode: config.reconcile.mode,
      ...(o.groups?.length ? { groups: o.groups } : {}),
      ...(o.full ? { full: true } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.allowDeletes ? { allowDeletes: true } : {}),
      ...(o.onBatch ? { onBatch: o.onBatch } : {}),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    });
    tell('run', run, 'manual');
    const known = await knownDrift(prisma, o.groups?.length ? { groupIds: o.groups } : {});
    return { run, verdict: applyVerdict(run, known), knownDrift: known };
  };

  return {
    config,
    events,
    migrate: () => applyMigrations({ databaseUrl: config.databaseUrl }),
    plan,
    apply,
    async serve(o = {}) {
      if (service) throw new RongsyncError('already_serving', 'this rongsync instance is already serving');
      const s = (service = new ReconcileService(deps(), { databaseUrl: config.databaseUrl, ...(o.leaderPollMs ? { leaderPollMs: o.leaderPollMs } : {}) }));
      // The service logs every failure itself; an 'error' event nobody listens to would throw.
      s.on('error', () => {});
      s.on('run', (result, trigger) => tell('run', result, trigger));
      await o.onCreated?.(s);
      await s.start();
      return s;
    },
    report: (run, o = {}) => loadRunReport(prisma, run, new Date(), o),
    verification: () => verificationSummary(prisma),
    runs: (f = {}) => listRuns(prisma, { limit: 20, ...f }),
    async status() {
      const now = new Date();
      const [leaderHeld, lastRuns, b, groups, verification, calls, known] = await Promise.all([
        leaderSession(prisma),
        listRuns(prisma, { limit: 10 }),
        backlog(prisma),
        countByCondition(prisma),
        verificationSummary(prisma),
        callsPerMinute(prisma, now),
        knownDrift(prisma, { sample: 20 }),
      ]);
      return { leader: service ? service.isLeader : null, leaderSession: leaderHeld, lastRuns, backlog: b, groups, verification, calls, knownDrift: known };
    },
    groups: (o = {}) => listGroups(prisma, { limit: Math.min(o.limit ?? 50, 500), ...(o.condition ? { condition: o.condition } : {}), ...(o.after ? { after: o.after } : {}), ...(o.search ? { search: o.search } : {}) }),
    explain: (groupId, o = {}) => explainGroup({ prisma, config, ...(o.read ? { remote: remote() } : {}) }, groupId, o),
    knownDrift: (o = {}) => knownDrift(prisma, o),
    async pause(groupIds) {
      const ids = [...new Set(groupIds)];
      const rows = await prisma.$queryRaw<Array<{ id: string }>>`
        SELECT u.id FROM unnest(${ids}::text[]) AS u(id)
         WHERE NOT EXISTS (SELECT 1 FROM groups g WHERE g.id = u.id)
           AND NOT EXISTS (SELECT 1 FROM rongsync_remote_groups r WHERE r.group_id = u.id)`;
      await pauseGroups(prisma, ids, new Date());
      return { unknown: rows.map((r) => r.id) };
    },
    async resume(groupIds) {
      const ids = [...new Set(groupIds)];
      const resumed = await prisma.$transaction(async (tx) => {
        const was = await unpauseGroups(tx, ids, new Date());
        await markDirty(tx, ids, 'RESUME');
        return new Set(was);
      });
      return { notPaused: ids.filter((id) => !resumed.has(id)) };
    },
    async release(groupIds) {
      const ids = [...new Set(groupIds)];
      await prisma.$transaction(async (tx) => {
        // Locked, so a run quarantining or releasing concurrently cannot interleave.
        const quarantined = await lockQuarantine(tx, ids);
        const problems = ids.flatMap((groupId): NotQuarantinedError['problems'] => {
          const q = quarantined.get(groupId);
          if (q === undefined) return [{ groupId, problem: 'unknown' }];
          return q ? [] : [{ groupId, problem: 'not_quarantined' }];
        });
        if (problems.length > 0) throw new NotQuarantinedError(problems);
        await releaseGroups(tx, ids);
        await markDirty(tx, ids, 'RELEASE');
      });
    },
    quarantined: () => listQuarantined(prisma),
    paused: () => listPaused(prisma),
    unknownGroups: (groupIds) => unknownGroupIds(prisma, [...new Set(groupIds)]),
    async readiness() {
      let status: MigrationStatus;
      try {
        status = await migrationStatus(db.pool, (migrations ??= readMigrations()));
      } catch (e) {
        return { ready: false, reason: `database unreachable: ${(e as Error).message}`, migrations: null };
      }
      if (status.failed.length > 0) return { ready: false, reason: `migration failed and not resolved: ${status.failed.join(', ')} (see \`rongsync migrate resolve\`)`, migrations: status };
      if (status.pending.length > 0) return { ready: false, reason: `migrations not applied: ${status.pending.join(', ')} (run \`rongsync migrate\`)`, migrations: status };
      return { ready: true, migrations: status };
    },
    rateLimit() {
      if (options.remote) return null;
      if (!client) return { targetRate: config.remote.rateLimitPerSecond, currentRate: config.remote.rateLimitPerSecond };
      const { targetRate, currentRate } = client.limiter.stats();
      return { targetRate, currentRate };
    },
    prune: (olderThan) => pruneHistory(prisma, olderThan),
    reconcileNow: (groupIds, o = {}) => apply({ groups: groupIds, ...(o.allowDeletes ? { allowDeletes: true } : {}) }),
    close: () =>
      (closing ??= (async () => {
        await service?.stop();
        await callLog.flush();
        stopRateLog?.();
        client?.close();
        await db.close();
      })()),
  };
}
